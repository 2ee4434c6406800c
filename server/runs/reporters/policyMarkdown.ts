// The plan policies' part of a pull request comment: the verdict in Stackhook's words, the findings
// (the first POLICY_COMMENT_ROWS, then "and N more") and the acknowledgement of a deny, who, when and
// why. A finding's message names addresses from the plan and an acknowledgement's reason is a
// person's text, so each passes through markdownText, cut and masked, like every other word outside
// the comment's one code block.
import { policyWords } from '../../plans/policies';
import type { RunPolicy } from '../../protocol';
import { markdownText } from '../markdown';
import { cutTo, oneLine } from '../runText';

export const POLICY_COMMENT_ROWS = 20;
const WORDS_MAX = 300;

export function policyMarkdown(policy: RunPolicy | null | undefined, mask: (text: string) => string): string[] {
  if (!policy) return [];
  const words = (text: string) => markdownText(cutTo(mask(oneLine(text)), WORDS_MAX));
  const lines = [`**${words(policyWords(policy))}**`, ''];
  if (policy.findings.length > 0) {
    for (const finding of policy.findings.slice(0, POLICY_COMMENT_ROWS)) lines.push(`- ${finding.effect} (${words(finding.rule)}): ${words(finding.message)}`);
    const more = policy.findings.length - POLICY_COMMENT_ROWS;
    if (more > 0) lines.push(`- and ${more} more`);
    lines.push('');
  }
  if (policy.acknowledged) {
    const { by, at, reason } = policy.acknowledged;
    lines.push(`Acknowledged by ${words(by)} at ${words(at)}: ${words(reason)}`, '');
  } else if (policy.verdict === 'deny') {
    lines.push("It is not applied until an admin of the stack's space who did not trigger the run acknowledges it.", '');
  }
  return lines;
}
