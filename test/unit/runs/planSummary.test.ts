// A run's summary is Stackhook's words: counts parsed from the tool's summary line as numbers and
// rendered again (so nothing else on that line, or in the output, reaches the status or the
// comment), and failures said by the step and its exit code.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseChangeCounts, pipelineEnded, planSummary, renderCounts, stepFailed, type ChangeCounts } from '../../../server/runs/planSummary';
import { skipBecause } from '../../support/skipping';

const UI_JSON = path.resolve(__dirname, '../../../../shared/fixtures/terraform/opentofu-ui-json');

describe('run summaries: parse → counts → render', () => {
  it('reads the counts of the last summary line as numbers, through colour codes', () => {
    assert.deepEqual(parseChangeCounts('Refreshing...\n\x1b[1mPlan:\x1b[0m 3 to add, 1 to change, 0 to destroy.\nDone'), { operation: 'plan', add: 3, change: 1, remove: 0, import: 0, forget: 0 });
    assert.equal(planSummary('Plan: 1 to add, 0 to change, 0 to destroy.\nApply complete! Resources: 1 added, 0 changed, 0 destroyed.'), 'Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
    assert.equal(planSummary('\x1b[0m\x1b[1m\x1b[32mNo changes.\x1b[0m\x1b[1m Your infrastructure matches the configuration.\x1b[0m'), 'No changes.');
    assert.equal(planSummary('Plan: 1 to import, 2 to add, 0 to change, 1 to destroy, 1 to forget.'), 'Plan: 1 to import, 2 to add, 0 to change, 1 to destroy, 1 to forget.');
    assert.equal(planSummary('Apply complete! Resources: 1 imported, 2 added, 0 changed, 0 destroyed.'), 'Apply complete! Resources: 1 imported, 2 added, 0 changed, 0 destroyed.');
    assert.equal(planSummary('Destroy complete! Resources: 4 destroyed.'), 'Destroy complete! Resources: 4 destroyed.');
    assert.equal(planSummary('Plan: 0 to add, 0 to change, 0 to destroy.'), 'No changes.');
    assert.equal(planSummary('nothing to see'), null);
  });

  it('keeps nothing of the line but the numbers: what follows it, or a line that is not the tool\'s, is not the summary', () => {
    const hostile = 'Plan: 1 to add, 0 to change, 0 to destroy. <img src=https://track.example/p.gif> @admin [x](https://evil.example)';
    assert.equal(planSummary(hostile), 'Plan: 1 to add, 0 to change, 0 to destroy.');
    // A line that looks like the summary but says something else in a count is not one.
    assert.equal(planSummary('Plan: 1 to add, [x](https://evil.example) to change, 0 to destroy.'), null);
    assert.equal(planSummary('Plan: 1 to add, 0 changed, 0 to destroy.'), null);
    assert.equal(planSummary('Plan: 1234567890 to add, 0 to change, 0 to destroy.'), null, 'more than nine digits is not a count');
    // The line ends at CR or a Unicode line separator as well: what follows it there is another line.
    assert.equal(planSummary('Plan: 2 to add, 0 to change, 0 to destroy.\r<b>x</b>\u2028@admin'), 'Plan: 2 to add, 0 to change, 0 to destroy.');
  });

  it('renders counts that come from elsewhere (the -json UI\'s change_summary) as the tool words them', function () {
    if (!existsSync(UI_JSON)) skipBecause(this, `the real OpenTofu outputs are not at ${UI_JSON}`);
    let checked = 0;
    for (const file of ['plan.jsonlog', 'apply.jsonlog']) {
      for (const line of readFileSync(path.join(UI_JSON, file), 'utf8').split('\n').filter(Boolean)) {
        const message = JSON.parse(line) as { type: string; '@message': string; changes?: ChangeCounts };
        if (message.type !== 'change_summary' || !message.changes) continue;
        assert.equal(renderCounts(message.changes), message['@message']);
        assert.deepEqual(parseChangeCounts(message['@message']), message.changes);
        checked += 1;
      }
    }
    assert.ok(checked >= 2, 'the fixtures hold change summaries to compare');
  });

  it('a failed step is said by its name and exit code, never by its output', () => {
    assert.equal(stepFailed('plan', 1), "plan failed (exit 1); see the run's log");
    assert.equal(stepFailed('apply', null), "apply failed (ended by a signal); see the run's log");
    assert.equal(pipelineEnded(12, 'FAILED'), "pipeline #12 failed; see the run's log");
    assert.equal(pipelineEnded(12, 'SUCCESSFUL'), 'pipeline #12 succeeded');
    assert.equal(pipelineEnded(null, 'ERROR'), "pipeline #? ended in an error; see the run's log");
    // A result Stackhook does not know is not quoted.
    assert.equal(pipelineEnded(3, '<img src=x> @admin'), "pipeline #3 failed; see the run's log");
    assert.equal(pipelineEnded(3, 'constructor'), "pipeline #3 failed; see the run's log");
  });
});
