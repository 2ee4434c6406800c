// The plan policies in the pull request comment: the verdict, each finding, the acknowledgement (who,
// when, why), and a reason or an address that tries to be markdown stays plain text outside the one
// code block (R30, R31).
import { strict as assert } from 'node:assert';
import type { RunPolicy } from '../../../server/protocol';
import { commentMarkdown } from '../../../server/runs/reporters/commentMarkdown';
import { POLICY_COMMENT_ROWS, policyMarkdown } from '../../../server/runs/reporters/policyMarkdown';
import { outsideCode } from '../../support/markdownFences';

const mask = (text: string) => text.replace(/ATATT-secret/g, '••••');
const DENY: RunPolicy = {
  verdict: 'deny',
  findings: [
    { rule: 'protectedTypes', effect: 'deny', source: { kind: 'space', id: 'root' }, address: 'aws_db_instance.main', message: 'aws_db_instance.main would be destroyed: resources of type aws_db_instance are protected from delete.' },
    { rule: 'noDrift', effect: 'warn', source: { kind: 'stack', id: 'net' }, message: 'drift' },
  ],
};

describe('runs: plan policies in the pull request comment', () => {
  it('the verdict, each finding with its effect and rule, and what a deny waits for', () => {
    assert.deepEqual(policyMarkdown(DENY, mask), [
      '**Policy: denied, 2 findings**',
      '',
      '- deny (protectedTypes): aws\\_db\\_instance.main would be destroyed: resources of type aws\\_db\\_instance are protected from delete.',
      '- warn (noDrift): drift',
      '',
      "It is not applied until an admin of the stack's space who did not trigger the run acknowledges it.",
      '',
    ]);
    assert.deepEqual(policyMarkdown(null, mask), [], 'nothing for a run no policy judged');
  });

  it('the acknowledgement is kept in the comment, and its reason cannot make markdown, mention or link anyone', () => {
    const acknowledged = { ...DENY, acknowledged: { by: 'cy', at: '2026-12-07T10:00:00.000Z', reason: '@admin [see](https://evil.example) <img src=x> ATATT-secret' } };
    const markdown = commentMarkdown(
      { stackName: 'net', kind: 'tracked', commit: 'c0ffee'.repeat(6) + 'abcd', state: 'waiting for confirmation', summary: 'Plan: 0 to add, 0 to change, 1 to destroy.', runId: 'r-1', pipelineUrl: null, logTail: '', policy: acknowledged },
      mask,
    );
    const outside = outsideCode(markdown, 'python-markdown').join('\n');
    assert.match(outside, /Acknowledged by cy at 2026-12-07T10:00:00\.000Z: /);
    for (const bad of ['@admin', '<img', 'ATATT-secret', 'https://']) assert.equal(outside.includes(bad), false, `${bad} outside the code block`);
    assert.doesNotMatch(outside, /(?<!\\)\]\(/, 'a link that is not escaped');
  });

  it(`at most ${POLICY_COMMENT_ROWS} findings, then how many more`, () => {
    const many: RunPolicy = { verdict: 'warn', findings: Array.from({ length: 25 }, (_, i) => ({ rule: 'onlyModules', effect: 'warn' as const, source: { kind: 'stack' as const, id: 'net' }, message: `m${i}` })) };
    const lines = policyMarkdown(many, mask);
    assert.equal(lines.filter((line) => line.startsWith('- warn')).length, POLICY_COMMENT_ROWS);
    assert.ok(lines.includes('- and 5 more'));
  });
});
