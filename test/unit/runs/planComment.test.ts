// The pull request comment of an OpenTofu or Terraform run reads its structured plan: the counts
// table, the destroyed and replaced addresses (the first 20, then "and N more"), drift, and the
// failure's diagnostic. Addresses and diagnostics are untrusted: outside the one code block they
// render only as their characters, and the comment stays under its cap.
import { strict as assert } from 'node:assert';
import type { PlanResourceRow, StructuredPlan } from '../../../server/protocol';
import { COMMENT_LIMITS, commentMarkdown, type CommentFacts } from '../../../server/runs/reporters/commentMarkdown';
import { PLAN_COMMENT_ROWS } from '../../../server/runs/reporters/planMarkdown';
import { statusDescription, STATUS_DESCRIPTION_MAX } from '../../../server/runs/reporters/buildStatus';
import { maskCredential } from '../../../server/store/runLogText';
import { codeBlocks, outsideCode } from '../../support/markdownFences';

const SECRET = 'ATATT3xFfGF0-plan-comment-secret-77';
const mask = (text: string) => maskCredential(text, SECRET);
const HOSTILE = 'aws_s3_bucket.b["<img src=https://track.example/p.gif> @admin [x](https://evil.example) ```"]';

const row = (address: string, action: PlanResourceRow['action']): PlanResourceRow => ({ address, module: '', type: 'aws_instance', name: 'x', action, importing: false });

function plan(destroys: number, replaces: number): StructuredPlan {
  return {
    counts: { add: 2, change: 1, replace: replaces, destroy: destroys, import: 0, move: 0, forget: 0, read: 0, drift: 1, outputs: 0, errored: true },
    resources: [
      ...Array.from({ length: destroys }, (_, i) => row(i === 0 ? HOSTILE : `aws_instance.old[${i}]`, 'delete')),
      ...Array.from({ length: replaces }, (_, i) => row(`aws_db_instance.main${i}`, 'replace')),
    ],
    drift: [{ address: 'aws_security_group.web', action: 'update' }],
    outputs: [],
    checks: [],
    diagnostics: [{ severity: 'error', summary: `Invalid value ${SECRET} <script>`, file: 'main.tf', line: 11, detail: '# heading\n@admin' }],
    truncated: false,
  };
}

const facts = (structured: StructuredPlan): CommentFacts => ({
  stackName: 'prod-network',
  kind: 'proposed',
  commit: 'c0ffee'.repeat(6) + 'abcd',
  state: 'failed',
  summary: 'plan failed: Invalid value',
  runId: 'run-1',
  pipelineUrl: null,
  logTail: 'the end of the log\n',
  plan: structured,
});

describe('the pull request comment reads the structured plan', () => {
  it('has the counts table, the first 20 destroyed and replaced addresses, then "and N more", drift and the failure', () => {
    const markdown = commentMarkdown(facts(plan(25, 3)), mask);
    assert.match(markdown, /^\| add \| change \| replace \| destroy \| import \| move \| forget \| read \| drift \|$/m);
    assert.match(markdown, /^\| 2 \| 1 \| 3 \| 25 \| 0 \| 0 \| 0 \| 0 \| 1 \|$/m);
    assert.match(markdown, /^Destroyed \(25\):$/m);
    assert.equal(markdown.match(/^- aws\\_instance\.old\\\[\d+\\\]$/gm)?.length, PLAN_COMMENT_ROWS - 1);
    assert.match(markdown, /^- and 5 more$/m);
    assert.match(markdown, /^Replaced \(3\):\n\n- aws\\_db\\_instance\.main0\n- aws\\_db\\_instance\.main1\n- aws\\_db\\_instance\.main2\n\n/m);
    assert.match(markdown, /^- aws\\_security\\_group\.web$/m);
    assert.match(markdown, /^The plan failed: Invalid value .* \(main\.tf line 11\): \\# heading &#64;admin$/m);
  });

  it('keeps hostile addresses and diagnostics plain: no HTML, link, mention or fence outside the one code block, no secret anywhere', () => {
    const markdown = commentMarkdown(facts(plan(25, 3)), mask);
    assert.ok(markdown.includes('track'), 'the hostile address is in the comment, so there was something to check');
    for (const dialect of ['python-markdown', 'commonmark'] as const) {
      assert.equal(codeBlocks(markdown, dialect).length, 1);
      const outside = outsideCode(markdown, dialect).join('\n');
      for (const fragment of ['<img', '<script', '@admin', '```']) assert.ok(!outside.includes(fragment), `${fragment} outside the code block (${dialect})`);
      assert.doesNotMatch(outside, /(?<!\\)\]\(/, `a link outside the code block (${dialect})`);
    }
    assert.ok(!markdown.includes(SECRET));
  });

  it('stays under 32,000 characters with the longest addresses the plan keeps', () => {
    const long = plan(5_000, 5_000);
    long.resources = long.resources.map((resource, i) => ({ ...resource, address: `aws_instance.x["${String(i).padStart(6, '0')}${'k'.repeat(500)}"]` }));
    const markdown = commentMarkdown({ ...facts(long), logTail: `${'log line '.repeat(100)}\n`.repeat(30) }, mask);
    assert.ok(markdown.length <= COMMENT_LIMITS.commentChars, `${markdown.length} characters`);
    assert.match(markdown, /^- and 4,980 more$/m);
  });
});

describe('the build status reads the structured plan', () => {
  it('names what is replaced and destroyed first, in at most 255 characters, masked', () => {
    const structured = plan(25, 3);
    const description = statusDescription({ kind: 'proposed', state: 'finished', summary: 'Plan: 5 to add, 1 to change, 28 to destroy.' }, SECRET, structured);
    assert.ok(description.length <= STATUS_DESCRIPTION_MAX);
    assert.match(description, /^Plan: 5 to add, 1 to change, 28 to destroy\. replaces aws_db_instance\.main0, aws_db_instance\.main1, aws_db_instance\.main2; destroys aws_s3_bucket/);
    assert.equal(statusDescription({ kind: 'proposed', state: 'finished', summary: 'No changes.' }, SECRET, null), 'No changes.');
  });
});
