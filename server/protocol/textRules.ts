// What a name and a label may be, in the words a person reads while typing them: the editor says
// these as each key is pressed (no round trip, and never the protocol's own "Invalid parameters…"
// text), and the server's previews say the same, so the wizard refuses exactly what the server would.
import { MAX_LABEL, MAX_LABELS, MAX_NAME, UNSAFE_TEXT } from './entities';

const UNSAFE_WORDS = 'control characters (tabs, newlines, escapes) or text-direction marks (bidirectional overrides)';

/** Why `name` cannot name an integration or a stack; undefined when it can (a clash is the server's to say). */
export function nameProblem(name: string, what: 'integration' | 'stack'): string | undefined {
  const value = name.trim();
  if (value === '') return `Enter a name for the ${what}.`;
  if (UNSAFE_TEXT.test(value)) return `A name cannot hold ${UNSAFE_WORDS}: they can make it read as other text than it is. Type it again without them.`;
  if (value.length > MAX_NAME) return `A name has at most ${MAX_NAME} characters; this one has ${value.length}.`;
  if (!/[a-z0-9]/i.test(value)) {
    const made = what === 'integration' ? 'the integration\'s id and its webhook URL are' : 'the stack\'s id is';
    return `"${value}" has no Latin letter (a–z) or digit (0–9), and ${made} made of those. Add at least one: any other characters may stay, as in "Prod 東京 1".`;
  }
  return undefined;
}

/** Why these comma-separated labels cannot be saved; undefined when they can. */
export function labelsProblem(text: string): string | undefined {
  const labels = [...new Set(text.split(',').map((label) => label.trim()).filter(Boolean))];
  if (labels.length > MAX_LABELS) return `At most ${MAX_LABELS} labels; these are ${labels.length}.`;
  const unsafe = labels.find((label) => UNSAFE_TEXT.test(label));
  if (unsafe !== undefined) return `A label cannot hold ${UNSAFE_WORDS}.`;
  const long = labels.find((label) => label.length > MAX_LABEL);
  if (long !== undefined) return `A label has at most ${MAX_LABEL} characters; "${long.slice(0, 20)}…" has ${long.length}.`;
  return undefined;
}
