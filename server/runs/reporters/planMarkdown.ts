// The structured plan's part of a pull request comment: a counts table, the resources destroyed and
// replaced by address (the first PLAN_COMMENT_ROWS of each, then "and N more"), drift, and the
// failure's diagnostic. Addresses and diagnostics are written by whoever controls the repository's
// code, so each passes through markdownText, cut and masked, like every other untrusted word
// outside the comment's one code block. Python-Markdown: a table, plain list items, no HTML.
import type { PlanDiagnostic, PlanResourceRow, StructuredPlan } from '../../protocol';
import { markdownText } from '../markdown';
import { cutTo, oneLine } from '../runText';

/** Addresses listed per kind of change: past these, "and N more". */
export const PLAN_COMMENT_ROWS = 20;
/** Characters of one address or diagnostic in the comment (a for_each key can be long). */
const WORDS_MAX = 200;

const number = (count: number) => count.toLocaleString('en-US');

/** The plan's lines of the comment (bounded: a few dozen lines of at most a few hundred characters). */
export function planMarkdown(plan: StructuredPlan, mask: (text: string) => string): string[] {
  const words = (text: string) => markdownText(cutTo(mask(oneLine(text)), WORDS_MAX));
  const { counts } = plan;
  const lines: string[] = [
    '| add | change | replace | destroy | import | move | forget | read | drift |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${[counts.add, counts.change, counts.replace, counts.destroy, counts.import, counts.move, counts.forget, counts.read, counts.drift].map(number).join(' | ')} |`,
    '',
  ];
  const listed = (title: string, rows: { address: string }[], total: number) => {
    if (total === 0) return;
    lines.push(`${title} (${number(total)}):`, '');
    for (const row of rows.slice(0, PLAN_COMMENT_ROWS)) lines.push(`- ${words(row.address)}`);
    const more = total - Math.min(rows.length, PLAN_COMMENT_ROWS);
    if (more > 0) lines.push(`- and ${number(more)} more`);
    lines.push('');
  };
  const of = (action: PlanResourceRow['action']) => plan.resources.filter((row) => row.action === action);
  listed('Destroyed', of('delete'), counts.destroy);
  listed('Replaced', of('replace'), counts.replace);
  listed('Changed outside OpenTofu or Terraform (drift)', plan.drift, counts.drift);
  const failure = plan.diagnostics.find((diagnostic) => diagnostic.severity === 'error');
  if (failure) lines.push(`The plan failed: ${diagnosticWords(failure, words)}`, '');
  return lines;
}

function diagnosticWords(diagnostic: PlanDiagnostic, words: (text: string) => string): string {
  const where = diagnostic.file ? ` (${words(diagnostic.file)}${diagnostic.line !== undefined ? ` line ${diagnostic.line}` : ''})` : '';
  const detail = diagnostic.detail ? `: ${words(diagnostic.detail)}` : '';
  return `${words(diagnostic.summary)}${where}${detail}`;
}
