// The structured plan of every real plan in the fixtures, against golden files reviewed by hand
// against each fixture (counts, actions, reasons, moves, drift, checks). STACKHOOK_UPDATE_GOLDEN=1
// writes them anew; a change to one is a change to what a person is shown, to be reviewed as such.
import { strict as assert } from 'node:assert';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { readStructuredPlan } from '../../../server/plans/structuredPlan';
import { PlanReadError } from '../../../server/plans/planError';
import { StructuredPlan } from '../../../server/protocol/plan';
import { planFixture, planFixtures, TERRAFORM_FIXTURES } from '../../support/terraformFixtures';

const GOLDEN = path.join(__dirname, 'golden');
const goldenFile = (id: string) => path.join(GOLDEN, `${id.replace(/\//g, '__')}.json`);

describe('plans: the structured plan of every fixture', () => {
  const fixtures = planFixtures();

  it('finds the plans of both folders (15 OpenTofu, 8 Terraform)', () => {
    assert.equal(fixtures.filter((f) => f.folder === 'opentofu-show-json').length, 15);
    assert.equal(fixtures.filter((f) => f.folder === 'terraform-json').length, 8);
  });

  for (const fixture of fixtures) {
    it(`${fixture.id} matches its golden file`, async () => {
      const plan = await readStructuredPlan(fixture.file);
      assert.deepEqual(StructuredPlan.parse(plan), plan, 'the plan is what the protocol carries');
      const file = goldenFile(fixture.id);
      if (process.env.STACKHOOK_UPDATE_GOLDEN === '1' || !existsSync(file)) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, `${JSON.stringify(plan, null, 2)}\n`);
      }
      assert.deepEqual(plan, JSON.parse(readFileSync(file, 'utf8')));
    });
  }

  it('reads a stream as it reads a file', async () => {
    const fixture = planFixture('opentofu-show-json/modules');
    assert.deepEqual(await readStructuredPlan(createReadStream(fixture.file)), await readStructuredPlan(fixture.file));
    // One byte at a time: tokens split anywhere, multi-byte characters included.
    const bytes = readFileSync(fixture.file);
    const oneByOne = Readable.from((function* () {
      for (const byte of bytes) yield Buffer.from([byte]);
    })());
    assert.deepEqual(await readStructuredPlan(oneByOne), await readStructuredPlan(fixture.file));
  });
});

describe('plans: what each kind of change reads as', () => {
  const plan = (id: string) => readStructuredPlan(planFixture(id).file);

  it('a replace: counted once, as replace, with its reason and the paths that force it', async () => {
    const { counts, resources } = await plan('opentofu-show-json/requires-replace');
    assert.deepEqual({ add: counts.add, replace: counts.replace, destroy: counts.destroy }, { add: 0, replace: 1, destroy: 0 });
    assert.deepEqual(resources, [
      { address: 'test_instance.test', module: '', type: 'test_instance', name: 'test', action: 'replace', reason: 'replace_because_cannot_update', replacePaths: [['ami']], importing: false },
    ]);
  });

  it('a tainted replace (Terraform 1.15) keeps replace_because_tainted', async () => {
    const { counts, resources } = await plan('terraform-json/action_reason');
    assert.equal(counts.replace, 1);
    assert.equal(resources[0]?.reason, 'replace_because_tainted');
  });

  it('a delete whose configuration is gone says delete_because_no_resource_config, and comes first', async () => {
    const { counts, resources } = await plan('opentofu-show-json/basic-delete');
    assert.equal(counts.destroy, 1);
    assert.equal(counts.change, 1);
    assert.deepEqual(
      resources.map((r) => [r.address, r.action, r.reason]),
      [
        ['test_instance.test-delete', 'delete', 'delete_because_no_resource_config'],
        ['test_instance.test', 'update', undefined],
      ],
    );
  });

  it('a move keeps the previous address: moved and updated counts both, moved alone is a move', async () => {
    const moved = await plan('opentofu-show-json/moved');
    assert.deepEqual(moved.resources.map((r) => [r.action, r.previousAddress]), [['update', 'test_instance.foo']]);
    assert.deepEqual([moved.counts.change, moved.counts.move], [1, 1]);
    const block = await plan('terraform-json/moved_block');
    assert.deepEqual(block.resources.map((r) => [r.address, r.action, r.previousAddress]), [['random_id.test2', 'move', 'random_id.test']]);
    assert.deepEqual([block.counts.change, block.counts.move], [0, 1]);
  });

  it('drift is listed apart from the changes and counted', async () => {
    const { counts, drift, resources } = await plan('opentofu-show-json/drift');
    assert.deepEqual(drift, [{ address: 'test_instance.should_refresh', action: 'update' }]);
    assert.equal(counts.drift, 1);
    assert.equal(counts.change, 2);
    assert.equal(resources.length, 2);
  });

  it('checks: Terraform\'s checks and OpenTofu\'s older condition_results, with their problems', async () => {
    assert.deepEqual((await plan('terraform-json/has_checks')).checks, [{ address: 'module.files.local_file.foo', status: 'pass', problems: [] }]);
    assert.deepEqual((await plan('opentofu-show-json/conditions')).checks.map((c) => [c.address, c.status]), [
      ['output.foo_id', 'pass'],
      ['test_instance.bar', 'unknown'],
      ['test_instance.foo', 'pass'],
    ]);
    const refreshOnly = await plan('opentofu-show-json/conditions@output-refresh-only');
    assert.deepEqual(refreshOnly.checks.find((c) => c.address === 'test_instance.foo'), { address: 'test_instance.foo', status: 'fail', problems: ['Invalid AMI ID: must start with "ami-".'] });
  });

  it('an errored plan says so in its counts', async () => {
    const { counts, resources } = await plan('opentofu-show-json/plan-error');
    assert.equal(counts.errored, true);
    assert.deepEqual(resources, []);
  });

  it('modules: the module address of each row, nested ones included', async () => {
    const { resources } = await plan('opentofu-show-json/nested-modules');
    assert.ok(resources.some((r) => r.module === 'module.my_module.module.more'), JSON.stringify(resources));
  });

  it('no changes: every resource a no-op, nothing counted', async () => {
    const { counts, resources } = await plan('terraform-json/no_changes');
    assert.ok(resources.length > 0);
    assert.ok(resources.every((r) => r.action === 'no-op' || r.action === 'read'), JSON.stringify(resources.map((r) => r.action)));
    assert.deepEqual([counts.add, counts.change, counts.replace, counts.destroy], [0, 0, 0, 0]);
  });

  it('outputs: the action of each and whether it is sensitive, never a value', async () => {
    const { outputs, counts } = await plan('opentofu-show-json/sensitive-values');
    assert.deepEqual(outputs, [{ name: 'test', action: 'create', sensitive: true }]);
    assert.equal(counts.outputs, 1);
  });
});

describe('plans: what is not a plan', () => {
  it('refuses a state\'s JSON, saying what it is', async () => {
    await assert.rejects(readStructuredPlan(path.join(TERRAFORM_FIXTURES, 'terraform-json/moved_block/show.json')), (error: Error) => error instanceof PlanReadError && /state's JSON/.test(error.message));
  });

  it('refuses text that is not JSON, cut JSON, and a missing file, each with a reason', async () => {
    const cases: [Readable | string, RegExp][] = [
      [Readable.from(['not json']), /not a plan's JSON document/],
      [Readable.from(['{"planned_values": {"root_module": {']), /ends in the middle/],
      [Readable.from(['']), /empty/],
      [Readable.from(['{}{}']), /unexpected characters/],
      ['/nonexistent/plan.json', /no such file/],
    ];
    for (const [input, reason] of cases) await assert.rejects(readStructuredPlan(input), (error: Error) => error instanceof PlanReadError && reason.test(error.message), String(reason));
  });

  it('refuses a change whose actions no tool writes, naming its address', async () => {
    const document = JSON.stringify({ planned_values: {}, resource_changes: [{ address: 'a.b', change: { actions: ['explode'] } }] });
    await assert.rejects(readStructuredPlan(Readable.from([document])), /a\.b has actions no OpenTofu or Terraform writes/);
  });
});
