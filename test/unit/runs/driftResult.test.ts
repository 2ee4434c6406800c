// R26: what a drift check keeps of a refresh-only plan's `show -json`: the resources `resource_drift`
// names, each with its before and after, every value the plan marks sensitive masked (the secret is
// looked for, and found, in the document first), the document removed once read.
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { driftOf } from '../../../server/runs/runners/localDrift';
import { tempStore } from '../../support/serverProcess';
import { TERRAFORM_FIXTURES } from '../../support/terraformFixtures';

const FIXTURE = path.join(TERRAFORM_FIXTURES, 'opentofu-show-json/drift/output.json');
const SECRET = 'hunter2-drifted-password';

describe('a drift check\'s result (R26)', () => {
  it('R26: the recorded drift fixture is drifted by test_instance.should_refresh, with its before and after; the document is gone after', async () => {
    const file = path.join(tempStore('stackhook-drift-doc-'), 'show.json');
    copyFileSync(FIXTURE, file);
    const { result, summary } = await driftOf(file);
    assert.equal(result.state, 'drifted');
    assert.equal(result.count, 1);
    assert.deepEqual(result.resources, [{ address: 'test_instance.should_refresh', action: 'update', before: { ami: 'refresh-me', id: 'placeholder' }, after: { ami: 'refreshed', id: 'placeholder' }, truncated: false }]);
    assert.match(summary, /^drifted: 1 resource changed/);
    assert.equal(existsSync(file), false, 'the show -json document is removed once read');
  });

  it('R26: a value the plan marks sensitive never leaves the document', async () => {
    const file = path.join(tempStore('stackhook-drift-doc-'), 'show.json');
    const change = (password: string, ingress: string) => ({ password, ingress, name: 'web' });
    writeFileSync(
      file,
      JSON.stringify({
        format_version: '1.2',
        resource_drift: [
          {
            address: 'aws_db_instance.main',
            mode: 'managed',
            type: 'aws_db_instance',
            name: 'main',
            change: { actions: ['update'], before: change(SECRET, '10.0.0.0/8'), after: change(`${SECRET}-rotated`, '0.0.0.0/0'), before_sensitive: { password: true }, after_sensitive: { password: true }, after_unknown: {} },
          },
        ],
        resource_changes: [],
      }),
    );
    assert.ok(readFileSync(file, 'utf8').includes(SECRET), 'the document holds the secret (so not finding it below means something)');
    const { result } = await driftOf(file);
    assert.equal(result.state, 'drifted');
    assert.deepEqual(result.resources[0]?.before, { password: '(sensitive)', ingress: '10.0.0.0/8', name: 'web' });
    assert.deepEqual(result.resources[0]?.after, { password: '(sensitive)', ingress: '0.0.0.0/0', name: 'web' });
    assert.ok(!JSON.stringify(result).includes(SECRET));
  });

  it('R26: a document without drift is in sync', async () => {
    const file = path.join(tempStore('stackhook-drift-doc-'), 'show.json');
    writeFileSync(file, JSON.stringify({ format_version: '1.2', resource_drift: [], resource_changes: [] }));
    assert.equal((await driftOf(file)).result.state, 'in-sync');
  });
});
