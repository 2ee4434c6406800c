// The stand-in `tofu` (test/support/standinTofu/), driven as a process the way a runner will drive
// the real one: version, init, workspaces, plan with its exit codes, show -json of the saved plan
// (byte for byte the fixture), apply of that plan file and of no other, what it records, and that
// it runs inside a sandbox that sees only its worktree, /usr and /tmp.
import { strict as assert } from 'node:assert';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { readStructuredPlan } from '../../server/plans/structuredPlan';
import { renderUiLine, UiStreamTally } from '../../server/plans/uiStream';
import { planFixture, UI_JSON } from '../support/terraformFixtures';
import { standinCaseIds } from '../support/standinTofu';
import { checkoutOf, initAndPlan, run } from '../support/standinTofu/drive';

describe('stand-in tofu: version, init and workspaces', () => {
  it('answers version as OpenTofu (and as Terraform under that name), -json too', () => {
    const dir = checkoutOf('opentofu-show-json/requires-replace');
    assert.equal(run(dir, ['version']).stdout, 'OpenTofu v1.9.0\non linux_amd64\n');
    assert.deepEqual(JSON.parse(run(dir, ['version', '-json']).stdout), { terraform_version: '1.9.0', platform: 'linux_amd64', provider_selections: {} });
    assert.match(run(dir, ['version'], { program: 'terraform' }).stdout, /^Terraform v1\.9\.8\n/);
  });

  it('init creates .terraform/ and a lock file as the real one would, and says what init says', () => {
    const dir = checkoutOf('opentofu-show-json/modules');
    const first = run(dir, ['init', '-input=false']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Initializing modules\.\.\.\n- module_test_foo in foo\n- module_test_bar in bar\n/);
    assert.match(first.stdout, /- Installed hashicorp\/test v1\.0\.0 \(signed, key ID [0-9A-F]{16}\)/);
    assert.match(first.stdout, /OpenTofu has created a lock file \.terraform\.lock\.hcl/);
    assert.match(first.stdout, /OpenTofu has been successfully initialized!/);
    const lock = readFileSync(path.join(dir, '.terraform.lock.hcl'), 'utf8');
    assert.match(lock, /^# This file is maintained automatically by "tofu init"\.\n# Manual edits may be lost in future updates\.\n\nprovider "registry\.opentofu\.org\/hashicorp\/test" \{\n {2}version = "1\.0\.0"\n {2}hashes = \[\n {4}"h1:[A-Za-z0-9+/]{43}=",\n/);
    assert.ok(statSync(path.join(dir, '.terraform/providers/registry.opentofu.org/hashicorp/test/1.0.0/linux_amd64')).isDirectory());
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, '.terraform/modules/modules.json'), 'utf8')).Modules.map((m: { Key: string }) => m.Key), ['', 'module_test_foo', 'module_test_bar']);
    const again = run(dir, ['init', '-input=false']);
    assert.match(again.stdout, /- Reusing previous version of hashicorp\/test from the dependency lock file/);
    assert.doesNotMatch(again.stdout, /created a lock file/);
    assert.deepEqual(JSON.parse(run(dir, ['version', '-json']).stdout).provider_selections, { 'registry.opentofu.org/hashicorp/test': '1.0.0' });
  });

  it('refuses to plan before init, as the real tool does', () => {
    const planned = run(checkoutOf('opentofu-show-json/requires-replace'), ['plan', '-json', '-out=plan.tfplan']);
    assert.equal(planned.status, 1);
    assert.equal((planned.messages[0]?.diagnostic as { summary: string }).summary, 'Inconsistent dependency lock file');
  });

  it('workspace select of a missing workspace fails with the real message, so a runner can create it', () => {
    const dir = checkoutOf('opentofu-show-json/requires-replace');
    const missing = run(dir, ['workspace', 'select', 'prod']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /Workspace "prod" doesn't exist\.\n\nYou can create this workspace with the "new" subcommand \nor include the "-or-create" flag with the "select" subcommand\./);
    const created = run(dir, ['workspace', 'new', 'prod']);
    assert.equal(created.status, 0);
    assert.match(created.stdout, /^Created and switched to workspace "prod"!/);
    assert.equal(readFileSync(path.join(dir, '.terraform/environment'), 'utf8'), 'prod');
    assert.equal(run(dir, ['workspace', 'show']).stdout, 'prod\n');
    assert.equal(run(dir, ['workspace', 'list']).stdout, '  default\n* prod\n\n');
    assert.equal(run(dir, ['workspace', 'new', 'prod']).status, 1);
    const selected = run(dir, ['workspace', 'select', 'default']);
    assert.deepEqual([selected.status, selected.stdout], [0, 'Switched to workspace "default".\n']);
    assert.equal(run(dir, ['workspace', 'select', '-or-create', 'staging']).status, 0);
    assert.equal(run(dir, ['workspace', 'new', 'bad/name']).status, 1);
    assert.match(run(dir, ['workspace', 'select', 'prod'], { env: { TF_WORKSPACE: 'other' } }).stderr, /overridden using the TF_WORKSPACE/);
  });
});

describe('stand-in tofu: plan, show and the -json stream', () => {
  it('exits 0 with no changes, 2 with changes, 1 on the errored plan (with its diagnostic)', () => {
    const none = initAndPlan(checkoutOf('opentofu-show-json/basic-update'));
    assert.equal(none.status, 0, none.stderr);
    const changes = initAndPlan(checkoutOf('opentofu-show-json/requires-replace'));
    assert.equal(changes.status, 2, changes.stderr);
    const errored = initAndPlan(checkoutOf('opentofu-show-json/plan-error'));
    assert.equal(errored.status, 1);
    const diagnostic = errored.messages.find((m) => m.type === 'diagnostic')?.diagnostic as { summary: string; detail: string; range: { filename: string; start: { line: number } } };
    assert.deepEqual([diagnostic.summary, diagnostic.detail, diagnostic.range.filename, diagnostic.range.start.line], ['Resource precondition failed', 'ami is bar', 'main.tf', 11]);
  });

  it('without -detailed-exitcode a plan with changes exits 0', () => {
    const dir = checkoutOf('opentofu-show-json/requires-replace');
    run(dir, ['init', '-input=false']);
    assert.equal(run(dir, ['plan', '-input=false', '-json', '-out=plan.tfplan']).status, 0);
  });

  for (const id of standinCaseIds()) {
    it(`${id}: every -json line is a UI message, its counts agree with the plan, show -json is the recording byte for byte`, async () => {
      const dir = checkoutOf(id);
      const planned = initAndPlan(dir);
      const tally = new UiStreamTally();
      for (const line of planned.stdout.split('\n').filter(Boolean)) {
        const message = JSON.parse(line) as Record<string, unknown>;
        for (const field of ['@level', '@message', '@module', '@timestamp', 'type']) assert.ok(field in message, `${field} in ${line}`);
        const rendered = renderUiLine(line);
        assert.ok(rendered !== null && !rendered.includes('{"'), `${line} renders as ${rendered}`);
        tally.push(line);
      }
      const shown = run(dir, ['show', '-json', 'plan.tfplan']);
      assert.equal(shown.status, 0, shown.stderr);
      const recorded = id.startsWith('opentofu-ui-json') ? null : readFileSync(planFixture(id).file, 'utf8');
      if (recorded !== null) assert.equal(shown.stdout, recorded, 'show -json prints the fixture as it is');
      const plan = await readStructuredPlan(Readable.from([shown.stdout]));
      const changes = plan.resources.some((r) => r.action !== 'no-op') || plan.counts.outputs > 0;
      assert.equal(planned.status, plan.counts.errored ? 1 : changes ? 2 : 0, planned.stderr);
      const { add, change, replace, destroy, forget, read, move, import: imports, errored } = plan.counts;
      assert.deepEqual(
        { add: tally.counts.add, change: tally.counts.change, replace: tally.counts.replace, destroy: tally.counts.destroy, forget: tally.counts.forget, read: tally.counts.read, move: tally.counts.move, import: tally.counts.import, errored: tally.counts.errored },
        { add, change, replace, destroy, forget, read, move, import: imports, errored },
      );
    });
  }

  it('replays the recorded stream of the UI-stream case, timestamps put back', () => {
    const planned = initAndPlan(checkoutOf('opentofu-ui-json/plan'));
    const recorded = readFileSync(path.join(UI_JSON, 'plan.jsonlog'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(planned.messages.map(({ '@timestamp': stamp, ...rest }) => (assert.equal(stamp, '2025-01-01T00:00:00.000000Z'), rest)), recorded);
    assert.equal(planned.status, 2);
  });

  it('-refresh-only plans from the recorded refresh-only document', () => {
    const dir = checkoutOf('opentofu-show-json/conditions');
    const planned = initAndPlan(dir, ['-refresh-only']);
    assert.equal(planned.status, 2, 'the output foo_id changes');
    assert.ok(planned.messages.some((m) => m.type === 'diagnostic' && (m.diagnostic as { severity: string }).severity === 'warning'), 'failed conditions are warnings in a refresh-only plan');
    assert.equal(run(dir, ['show', '-json', 'plan.tfplan']).stdout, readFileSync(planFixture('opentofu-show-json/conditions@output-refresh-only').file, 'utf8'));
  });

  it('checks its flags: a missing -var-file and a bad -parallelism fail; a var file\'s names are recorded', () => {
    const dir = checkoutOf('opentofu-show-json/requires-replace', { 'prod.tfvars': 'region = "eu-west-1"\ndb_password = "never-recorded"\n' });
    run(dir, ['init']);
    const missing = run(dir, ['plan', '-json', '-var-file=nope.tfvars']);
    assert.equal(missing.status, 1);
    assert.match(missing.stdout, /Given variables file nope\.tfvars does not exist/);
    assert.equal(run(dir, ['plan', '-json', '-parallelism=0']).status, 1);
    const ok = run(dir, ['plan', '-json', '-var-file=prod.tfvars', '-parallelism=4', '-out=plan.tfplan']);
    assert.equal(ok.status, 0);
    assert.deepEqual(ok.record?.varFiles, [{ file: 'prod.tfvars', names: ['region', 'db_password'] }]);
    assert.ok(!ok.stderr.includes('never-recorded'));
    assert.match(run(dir, ['plan', '-bogus']).stdout + run(dir, ['plan', '-bogus']).stderr, /flag provided but not defined: -bogus/);
  });
});
