// The stand-in `tofu` applies the plan file it wrote and nothing else (a missing, foreign, tampered,
// stale or errored one is refused with the real tool's kind of error, and apply never plans by
// itself); it records what it was asked, never a secret's value unless a test asks it to echo one;
// and it runs from a pushed repository's checkout and inside a sandbox that sees only the worktree,
// /usr and /tmp.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { renderUiLine, UiStreamTally } from '../../server/plans/uiStream';
import { startFakeBitbucket } from '../support/fakeBitbucket';
import { echoFile, fixtureFiles, standinFiles } from '../support/standinTofu';
import { checkoutOf, initAndPlan, run, type Ran } from '../support/standinTofu/drive';
import { skipBecause } from '../support/skipping';

// The stand-in, required rather than run, lends its plan file's archive format.
const planArchive = createRequire(__filename)('../support/standinTofu/standin.js') as {
  zip(entries: [string, string | Buffer][]): Buffer;
  unzip(bytes: Buffer): Map<string, { data: Buffer; crc: number }>;
};
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** The summary and detail of the first diagnostic a -json command printed. */
function summaryOf(ran: Ran): { summary: string; detail: string } {
  const diagnostic = ran.messages.find((m) => m.type === 'diagnostic')?.diagnostic as { summary: string; detail: string } | undefined;
  return { summary: diagnostic?.summary ?? '', detail: diagnostic?.detail ?? '' };
}

describe('stand-in tofu: apply', () => {
  it('applies its own plan file: the apply stream, counted as the plan was', () => {
    const dir = checkoutOf('opentofu-show-json/basic-delete');
    assert.equal(initAndPlan(dir).status, 2);
    const applied = run(dir, ['apply', '-input=false', '-json', 'plan.tfplan']);
    assert.equal(applied.status, 0, applied.stderr);
    const tally = new UiStreamTally();
    for (const line of applied.stdout.split('\n').filter(Boolean)) {
      assert.ok(!(renderUiLine(line) ?? '{').startsWith('{'));
      tally.push(line);
    }
    assert.deepEqual(tally.changeSummary, { add: 0, import: 0, change: 1, forget: 0, remove: 1, operation: 'apply' });
    assert.deepEqual(applied.messages.map((m) => m['@message']).filter((m) => /complete/.test(String(m))), [
      'test_instance.test: Modifications complete after 0s [id=placeholder]',
      'test_instance.test-delete: Destruction complete after 0s',
      'Apply complete! Resources: 0 added, 1 changed, 1 destroyed.',
    ]);
    assert.equal(applied.record?.planFile?.sha256, sha256(path.join(dir, 'plan.tfplan')));
  });

  it('replays the recorded apply stream of the UI-stream case', () => {
    const dir = checkoutOf('opentofu-ui-json/apply');
    assert.equal(initAndPlan(dir).status, 2);
    const applied = run(dir, ['apply', '-input=false', '-json', 'plan.tfplan']);
    assert.deepEqual(applied.messages.map((m) => m.type), ['version', 'planned_change', 'apply_start', 'apply_complete', 'change_summary', 'outputs']);
  });

  it('refuses a plan file that is missing, not a plan, or tampered with', () => {
    const dir = checkoutOf('opentofu-show-json/requires-replace');
    initAndPlan(dir);
    const missing = run(dir, ['apply', '-input=false', '-json', 'gone.tfplan']);
    assert.deepEqual([missing.status, summaryOf(missing)], [1, { summary: 'Failed to load "gone.tfplan" as a plan file', detail: 'Error: stat gone.tfplan: no such file or directory' }]);
    writeFileSync(path.join(dir, 'notes.tfplan'), 'a plan, honestly\n');
    assert.equal(summaryOf(run(dir, ['apply', '-json', 'notes.tfplan'])).detail, 'Error: zip: not a valid zip file');
    // One byte of the plan changed: the archive's checksum catches it.
    const bytes = readFileSync(path.join(dir, 'plan.tfplan'));
    const flipped = Buffer.from(bytes);
    const at = flipped.indexOf('"serial"');
    flipped[at + 9] = flipped[at + 9] === 0x30 ? 0x31 : 0x30;
    writeFileSync(path.join(dir, 'flipped.tfplan'), flipped);
    assert.deepEqual(summaryOf(run(dir, ['apply', '-json', 'flipped.tfplan'])), { summary: 'Failed to read plan from plan file', detail: 'Cannot read the plan from the given plan file: zip: checksum error.' });
    // Rewritten with a checksum to match: the plan's own integrity check catches it.
    const rewritten = rezip(bytes, (plan) => plan.replace('"serial":0', '"serial":7'));
    writeFileSync(path.join(dir, 'rewritten.tfplan'), rewritten);
    assert.match(summaryOf(run(dir, ['apply', '-json', 'rewritten.tfplan'])).detail, /integrity check failed/);
    assert.equal(existsSync(path.join(dir, '.terraform/standin/state-default.json')), false, 'nothing was applied');
  });

  it('refuses a foreign plan file: another configuration\'s, another workspace\'s', () => {
    const other = checkoutOf('opentofu-show-json/basic-create', {}, '', ['opentofu-show-json/basic-create', 'opentofu-show-json/requires-replace']);
    initAndPlan(other);
    const dir = checkoutOf('opentofu-show-json/requires-replace', {}, '', ['opentofu-show-json/basic-create', 'opentofu-show-json/requires-replace']);
    initAndPlan(dir);
    copyFileSync(path.join(other, 'plan.tfplan'), path.join(dir, 'foreign.tfplan'));
    assert.equal(summaryOf(run(dir, ['apply', '-json', 'foreign.tfplan'])).summary, 'Saved plan does not match the given state');
    assert.equal(run(dir, ['workspace', 'new', 'prod']).status, 0);
    assert.equal(summaryOf(run(dir, ['apply', '-json', 'plan.tfplan'])).summary, 'Saved plan does not match the given state', 'a plan made in default is not applied in prod');
  });

  it('applies a plan file once: the second apply finds it stale', () => {
    const dir = checkoutOf('opentofu-show-json/requires-replace');
    initAndPlan(dir);
    assert.equal(run(dir, ['apply', '-json', 'plan.tfplan']).status, 0);
    const again = run(dir, ['apply', '-json', 'plan.tfplan']);
    assert.deepEqual([again.status, summaryOf(again).summary], [1, 'Saved plan is stale']);
    assert.equal(initAndPlan(dir).status, 2, 'a new plan is made from the new state');
    assert.equal(run(dir, ['apply', '-json', 'plan.tfplan']).status, 0);
  });

  it('refuses the errored plan\'s file', () => {
    const dir = checkoutOf('opentofu-show-json/plan-error');
    assert.equal(initAndPlan(dir).status, 1);
    assert.ok(existsSync(path.join(dir, 'plan.tfplan')), 'an errored plan is still saved, as the real tool saves it');
    assert.equal(summaryOf(run(dir, ['apply', '-json', 'plan.tfplan'])).summary, 'Cannot apply incomplete plan');
  });

  it('never plans by itself: apply without a plan file is refused, -json or not', () => {
    const dir = checkoutOf('opentofu-show-json/requires-replace');
    run(dir, ['init']);
    const withJson = run(dir, ['apply', '-input=false', '-json']);
    assert.deepEqual([withJson.status, summaryOf(withJson).summary], [1, 'Plan file or auto-approve required']);
    const approved = run(dir, ['apply', '-input=false', '-auto-approve']);
    assert.equal(approved.status, 1);
    assert.match(approved.stderr, /The stand-in applies saved plan files only/);
    for (const ran of [withJson, approved]) assert.ok(!ran.stdout.includes('planned_change') && !ran.stdout.includes('Plan to'), 'nothing was planned');
  });
});

describe('stand-in tofu: what it records', () => {
  it('records argv (a -var\'s value redacted), its folder in the worktree, variable names and never their values, and the plan file\'s hash', () => {
    const dir = checkoutOf('opentofu-show-json/requires-replace', {}, 'envs/prod');
    const env = { TF_VAR_db_password: 'hunter2-never-shown', AWS_SECRET_ACCESS_KEY: 'aws-secret-never-shown', HOME_ISH: 'ignored' };
    run(dir, ['-chdir=envs/prod', 'init'], { env });
    const planned = run(dir, ['-chdir=envs/prod', 'plan', '-json', '-out=plan.tfplan', '-var', 'region=eu-west-1', '-var=token=abc123-never-shown'], { env });
    assert.equal(planned.status, 0, planned.stderr);
    const record = planned.record;
    assert.deepEqual(record?.argv, ['-chdir=envs/prod', 'plan', '-json', '-out=plan.tfplan', '-var', 'region=(redacted)', '-var=token=(redacted)']);
    assert.equal(record?.cwd, 'envs/prod');
    assert.deepEqual(record?.env, ['AWS_SECRET_ACCESS_KEY', 'TF_VAR_db_password']);
    assert.equal(record?.planFile?.sha256, sha256(path.join(dir, 'envs/prod/plan.tfplan')));
    assert.equal(record?.case, 'opentofu-show-json/requires-replace');
    assert.equal(record?.workspace, 'default');
    for (const secret of ['hunter2', 'aws-secret', 'abc123']) assert.ok(!`${planned.stdout}${planned.stderr}`.includes(secret), `${secret} is nowhere in the output`);
  });

  it('echoes one named variable\'s value when standin-echo asks it to, and only that one', () => {
    const dir = checkoutOf('opentofu-show-json/requires-replace', echoFile('TF_VAR_db_password'));
    const env = { TF_VAR_db_password: 'hunter2-echoed', TF_VAR_other: 'other-never-shown' };
    run(dir, ['init'], { env });
    const planned = run(dir, ['plan', '-json', '-out=plan.tfplan'], { env });
    assert.deepEqual(planned.stderr.split('\n').filter((line) => line.includes('echo')), ['[stand-in tofu] echo TF_VAR_db_password=hunter2-echoed']);
    assert.ok(!planned.stdout.includes('hunter2') && !planned.stderr.includes('other-never-shown'));
    assert.match(run(dir, ['apply', '-json', 'plan.tfplan'], { env: {} }).stderr, /echo TF_VAR_db_password is not set/);
  });

  it('is deterministic: the same case planned twice prints the same and writes the same plan file', () => {
    const [a, b] = [checkoutOf('opentofu-show-json/drift'), checkoutOf('opentofu-show-json/drift')] as [string, string];
    const [first, second] = [initAndPlan(a), initAndPlan(b)];
    assert.equal(first.stdout, second.stdout);
    assert.equal(sha256(path.join(a, 'plan.tfplan')), sha256(path.join(b, 'plan.tfplan')));
  });
});

describe('stand-in tofu: from a pushed repository, in a sandbox', () => {
  it('runs from a checkout of a repository it was pushed to, executable as pushed', async () => {
    const bitbucket = await startFakeBitbucket();
    const clone = mkdtempSync(path.join(tmpdir(), 'stackhook-standin-clone-'));
    try {
      bitbucket.world.addRepository('acme/network');
      bitbucket.pushCommit('acme/network', 'main', { ...fixtureFiles('opentofu-show-json/moved'), ...standinFiles(['opentofu-show-json/moved']) });
      const gitDir = bitbucket.world.repository('acme/network')?.gitDir;
      assert.ok(gitDir);
      execFileSync('git', ['clone', '--quiet', '--branch', 'main', gitDir, clone]);
      assert.ok((statSync(path.join(clone, 'bin/tofu')).mode & 0o111) !== 0, 'bin/tofu is executable');
      assert.equal(initAndPlan(clone).status, 2);
    } finally {
      await bitbucket.stop();
    }
  });

  it('runs inside bubblewrap with only the worktree, /usr and /tmp', function () {
    const probe = spawnSync('bwrap', ['--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--unshare-all', '/usr/bin/true']);
    if (probe.error || probe.status !== 0) skipBecause(this, 'bubblewrap cannot make namespaces here');
    // The worktree lives outside /tmp, which the sandbox replaces with its own (test-results/ is ignored by git).
    const results = path.resolve(__dirname, '../../test-results');
    mkdirSync(results, { recursive: true });
    const base = mkdtempSync(path.join(results, 'standin-sandbox-'));
    const dir = path.join(base, 'worktree');
    mkdirSync(dir);
    for (const [file, text] of Object.entries({ ...fixtureFiles('opentofu-show-json/requires-replace'), ...standinFiles(['opentofu-show-json/requires-replace']) })) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text, { mode: text.startsWith('#!') ? 0o755 : 0o644 });
    }
    const sandbox = ['bwrap', '--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--tmpfs', '/tmp', '--bind', dir, dir, '--proc', '/proc', '--dev', '/dev', '--chdir', dir, '--unshare-all', '--die-with-parent', '--'];
    try {
      assert.equal(run(dir, ['init', '-input=false'], { prefix: sandbox }).status, 0);
      const planned = run(dir, ['plan', '-input=false', '-json', '-detailed-exitcode', '-out=/tmp/plan.tfplan'], { prefix: sandbox });
      assert.equal(planned.status, 2, planned.stderr);
      assert.equal(planned.record?.planFile?.path, '/tmp/plan.tfplan');
      assert.equal(run(dir, ['plan', '-input=false', '-json', '-out=plan.tfplan'], { prefix: sandbox }).status, 0);
      assert.equal(run(dir, ['apply', '-input=false', '-json', 'plan.tfplan'], { prefix: sandbox }).status, 0);
    } finally {
      execFileSync('rm', ['-rf', base]);
    }
  });
});

/** A zip archive with its `tfplan` entry changed and its checksum made to match (as a forger would). */
function rezip(bytes: Buffer, change: (plan: string) => string): Buffer {
  const entries = planArchive.unzip(bytes);
  return planArchive.zip([...entries].map(([name, entry]): [string, string | Buffer] => [name, name === 'tfplan' ? change(entry.data.toString()) : entry.data]));
}
