// The comment a run writes on its pull request. Everything outside its one code block is Stackhook's
// own words and numbers; the run's text (the end of its log) is only inside, cleaned and masked, and
// capped: by lines, by the length of a line and of the whole quote, and the comment as a whole (far
// below Bitbucket's own limit, which is past what anyone reads). A line says what was left out.
import type { RunPolicy, StructuredPlan } from '../../protocol';
import { codeBlock, markdownText } from '../markdown';
import { planMarkdown } from './planMarkdown';
import { policyMarkdown } from './policyMarkdown';
import { cleanRunText, cutTo, headOf, oneLine } from '../runText';

export interface CommentLimits {
  /** Lines of the log quoted, from its end. */
  tailLines: number;
  /** Characters of one quoted line; past them the line is cut. */
  lineChars: number;
  /** Characters of the whole quote; past them its first lines go. */
  tailChars: number;
  /** Characters of the whole comment. */
  commentChars: number;
}

export const COMMENT_LIMITS: CommentLimits = { tailLines: 30, lineChars: 1_000, tailChars: 8_000, commentChars: 32_000 };

export interface CommentFacts {
  stackName: string;
  kind: 'tracked' | 'proposed' | 'drift';
  /** The commit's hash; anything else is not shown. */
  commit: string | null;
  /** The run's state in words. */
  state: string;
  /** The run's summary (Stackhook's words; still shown only as plain text). */
  summary: string | null;
  runId: string;
  /** The pipeline's page, for a Pipelines run. */
  pipelineUrl: string | null;
  /** The end of the run's log as stored: read with one line more than is quoted, so that line says there were earlier ones. */
  logTail: string;
  /** The structured plan of an OpenTofu or Terraform run, when it has one. */
  plan?: StructuredPlan | null;
  /** What the plan policies said of the plan, and its acknowledgement (R30, R31). */
  policy?: RunPolicy | null;
}

/** What a quote of the log left out, for the line that says so. */
interface LeftOut {
  /** The log has lines before the ones read. */
  earlierLines: boolean;
  /** Lines read but not quoted, to keep the quote (or the comment) short. */
  droppedLines: number;
  /** Lines cut to `lineChars`, and how many characters they lost. */
  cutLines: number;
  cutChars: number;
}

const number = (count: number) => count.toLocaleString('en-US');
const plural = (count: number, one: string, many: string) => `${number(count)} ${count === 1 ? one : many}`;

/**
 * The comment's Markdown. `mask` hides credentials (it runs on the run's text after it is cleaned,
 * so an escape sequence inside a secret cannot hide it from the mask, and before it is cut).
 */
export function commentMarkdown(facts: CommentFacts, mask: (text: string) => string, limits: CommentLimits = COMMENT_LIMITS): string {
  const lines = mask(cleanRunText(facts.logTail)).split('\n');
  if (lines.at(-1) === '') lines.pop();
  const leftOut: LeftOut = { earlierLines: lines.length > limits.tailLines, droppedLines: 0, cutLines: 0, cutChars: 0 };
  const quoted = lines.slice(-limits.tailLines).map((line) => {
    if (line.length <= limits.lineChars) return line;
    const kept = headOf(line, limits.lineChars - 2);
    leftOut.cutLines += 1;
    leftOut.cutChars += line.length - kept.length;
    return `${kept} …`;
  });
  const quoteLength = () => quoted.reduce((total, line) => total + line.length + 1, 0);
  while (quoted.length > 1 && quoteLength() > limits.tailChars) {
    quoted.shift();
    leftOut.droppedLines += 1;
  }
  // The parts around the quote are bounded (a few thousand characters at most), so dropping lines
  // brings the comment under its cap.
  for (;;) {
    const markdown = assemble(facts, mask, quoted, leftOut, limits);
    if (markdown.length <= limits.commentChars || quoted.length === 0) return markdown;
    // Drop as many lines as the excess needs at least, then check again (the fence may shrink too).
    let excess = markdown.length - limits.commentChars;
    while (quoted.length > 0 && excess > 0) {
      excess -= (quoted.shift() as string).length + 1;
      leftOut.droppedLines += 1;
    }
  }
}

function assemble(facts: CommentFacts, mask: (text: string) => string, quoted: string[], leftOut: LeftOut, limits: CommentLimits): string {
  const words = (text: string, max: number) => markdownText(cutTo(mask(oneLine(text)), max));
  const commit = facts.commit !== null && /^[0-9a-f]{7,64}$/i.test(facts.commit) ? ` on \`${facts.commit.slice(0, 12)}\`` : '';
  const pipeline = pipelineLink(facts.pipelineUrl === null ? null : mask(facts.pipelineUrl));
  const note = leftOutLine(leftOut, limits);
  const quote =
    quoted.length > 0
      ? ["The end of the run's log:", '', codeBlock(quoted.join('\n'))]
      : [leftOut.earlierLines || leftOut.droppedLines > 0 ? "The run's log is not quoted: it would make this comment too long." : 'The run wrote no output.'];
  const parts = [
    `**Stackhook** · stack **${words(facts.stackName, 200)}** · ${facts.kind} run${commit}: **${words(facts.state, 100)}**`,
    '',
    ...(facts.summary ? [words(facts.summary, 500), ''] : []),
    ...(facts.plan ? planMarkdown(facts.plan, mask) : []),
    ...policyMarkdown(facts.policy, mask),
    ...quote,
    '',
    ...(note ? [note, ''] : []),
    `_Run ${words(facts.runId, 100)}${pipeline}. This comment is updated by later runs of the stack._`,
  ];
  return parts.join('\n');
}

/** A Markdown link to the pipeline's page, when the address is one a link can hold unchanged. */
function pipelineLink(url: string | null): string {
  if (url === null || url.length > 500 || !/^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?\/[A-Za-z0-9._~/%-]*$/.test(url)) return '';
  return ` · [pipeline](${url})`;
}

/** The line that says what the quote left out, or null when it left out nothing. */
function leftOutLine(leftOut: LeftOut, limits: CommentLimits): string | null {
  const parts: string[] = [];
  if (leftOut.earlierLines) parts.push(`the log's lines before its last ${number(limits.tailLines)}`);
  if (leftOut.droppedLines > 0) parts.push(`${plural(leftOut.droppedLines, 'more line', 'more lines')} before those quoted, to keep the comment short`);
  if (leftOut.cutChars > 0) parts.push(`${plural(leftOut.cutChars, 'character', 'characters')} of ${plural(leftOut.cutLines, 'line', 'lines')} longer than ${number(limits.lineChars)} characters`);
  if (parts.length === 0) return null;
  return `_Left out of this comment: ${parts.join('; ')}. The whole log is the run's log in Stackhook._`;
}
