// The `-json` UI stream: each message one readable line (never the raw JSON), in the tool's
// phrasing where it has one; lines that are cut, invalid or hostile read safely; the tally counts
// what the stream said and keeps each diagnostic's file and line.
import { strict as assert } from 'node:assert';
import { createReadStream, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { parseChangeCounts } from '../../../server/runs/planSummary';
import { linesOf, planCountsFromStream, renderUiLine, UiStreamTally } from '../../../server/plans/uiStream';
import { UI_JSON } from '../../support/terraformFixtures';

const line = (message: Record<string, unknown>) => JSON.stringify({ '@level': 'info', '@module': 'tofu.ui', '@timestamp': '2025-01-01T00:00:00.000000Z', ...message });
const resource = (addr: string) => ({ addr, module: '', resource: addr, implied_provider: 'aws', resource_type: addr.split('.')[0], resource_name: addr.split('.')[1], resource_key: null });
const change = (addr: string, action: string, extra: Record<string, unknown> = {}) =>
  line({ '@message': `${addr}: Plan to ${action}`, type: 'planned_change', change: { resource: resource(addr), action, ...extra } });

describe('plans: rendering the -json UI stream', () => {
  it('renders both recorded streams, one line per message, none of them JSON', () => {
    const rendered = ['plan', 'apply'].flatMap((name) => readFileSync(path.join(UI_JSON, `${name}.jsonlog`), 'utf8').split('\n').map(renderUiLine));
    assert.deepEqual(rendered, [
      'Terraform 1.3.0-dev',
      'data.test_data_source.a: Refreshing...',
      'data.test_data_source.a: Refresh complete after 0s [id=zzzzz]',
      '  + test_instance.foo will be created',
      'Plan: 1 to add, 0 to change, 0 to destroy.',
      null,
      'Terraform 0.15.0-dev',
      '  + test_instance.foo will be created',
      'Plan: 1 to add, 0 to change, 0 to destroy.',
      'test_instance.foo: Creating...',
      'test_instance.foo: Creation complete after 1s',
      'Apply complete! Resources: 1 added, 0 changed, 0 destroyed.',
      'Outputs: 0',
      null,
    ]);
  });

  it('says each action as the tool does, with its reason, a move and an import', () => {
    assert.equal(renderUiLine(change('aws_instance.web', 'create')), '  + aws_instance.web will be created');
    assert.equal(renderUiLine(change('aws_instance.web', 'update')), '  ~ aws_instance.web will be updated in-place');
    assert.equal(renderUiLine(change('aws_instance.web', 'replace', { reason: 'cannot_update' })), '-/+ aws_instance.web must be replaced (it cannot be updated in-place)');
    assert.equal(renderUiLine(change('aws_instance.web', 'replace', { reason: 'tainted' })), '-/+ aws_instance.web must be replaced (it is tainted)');
    assert.equal(renderUiLine(change('aws_instance.old', 'delete', { reason: 'delete_because_no_resource_config' })), '  - aws_instance.old will be destroyed (it is not in the configuration)');
    assert.equal(renderUiLine(change('data.aws_ami.x', 'read', { reason: 'read_because_config_unknown' })), ' <= data.aws_ami.x will be read during apply (its configuration is known only after apply)');
    assert.equal(renderUiLine(change('aws_instance.new', 'move', { previous_resource: resource('aws_instance.old') })), '    aws_instance.old has moved to aws_instance.new');
    assert.equal(renderUiLine(change('aws_instance.x', 'import', { importing: { id: 'i-123' } })), '    aws_instance.x will be imported');
    assert.equal(renderUiLine(change('aws_instance.x', 'update', { importing: { id: 'i-123' } })), '  ~ aws_instance.x will be updated in-place (and imported)');
    assert.equal(renderUiLine(change('aws_instance.x', 'remove')), '  . aws_instance.x will be removed from the state but not destroyed');
    assert.equal(renderUiLine(change('aws_instance.x', 'replace', { reason: 'a reason nobody knows' })), '-/+ aws_instance.x must be replaced');
  });

  it('renders the plan line so the run\'s summary reads it (server/runs/planSummary.ts)', () => {
    const summary = (changes: Record<string, unknown>) => renderUiLine(line({ '@message': 'ignored', type: 'change_summary', changes })) ?? '';
    const plan = summary({ add: 2, change: 1, import: 1, remove: 3, forget: 1, operation: 'plan' });
    assert.equal(plan, 'Plan: 1 to import, 2 to add, 1 to change, 3 to destroy, 1 to forget.');
    assert.deepEqual(parseChangeCounts(plan), { operation: 'plan', add: 2, change: 1, remove: 3, import: 1, forget: 1 });
    const apply = summary({ add: 1, change: 0, remove: 0, operation: 'apply' });
    assert.equal(apply, 'Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
    assert.equal(parseChangeCounts(apply)?.add, 1);
    assert.equal(summary({ add: 0, change: 0, remove: 4, operation: 'destroy' }), 'Destroy complete! Resources: 4 destroyed.');
  });

  it('renders a diagnostic with its file and line, and the detail on the same line', () => {
    const diagnostic = line({
      '@level': 'error',
      '@message': 'Error: Resource precondition failed',
      type: 'diagnostic',
      diagnostic: { severity: 'error', summary: 'Resource precondition failed', detail: 'ami is bar\nand more', range: { filename: 'main.tf', start: { line: 11, column: 19, byte: 120 }, end: { line: 11, column: 37, byte: 138 } } },
    });
    assert.equal(renderUiLine(diagnostic), 'Error: Resource precondition failed (main.tf:11): ami is bar and more');
    assert.equal(renderUiLine(line({ type: 'diagnostic', diagnostic: { severity: 'warning', summary: 'Deprecated', detail: '' } })), 'Warning: Deprecated');
  });

  it('renders drift, hooks, outputs, and any other message by its @message', () => {
    const drift = line({ '@message': 'x', type: 'resource_drift', change: { resource: resource('aws_instance.web'), action: 'update' } });
    assert.equal(renderUiLine(drift), '  ~ aws_instance.web has changed outside OpenTofu/Terraform (drift)');
    const hook = (type: string, extra: Record<string, unknown>) => renderUiLine(line({ '@message': 'x', type, hook: { resource: resource('aws_instance.web'), ...extra } }));
    assert.equal(hook('apply_start', { action: 'delete', id_key: 'id', id_value: 'i-1' }), 'aws_instance.web: Destroying... [id=i-1]');
    assert.equal(hook('apply_progress', { action: 'create', elapsed_seconds: 75 }), 'aws_instance.web: Still creating... [1m15s elapsed]');
    assert.equal(hook('apply_errored', { action: 'update', elapsed_seconds: 2 }), 'aws_instance.web: Modifications errored after 2s');
    assert.equal(hook('provision_progress', { provisioner: 'local-exec', output: 'hello\u001b[31m world' }), 'aws_instance.web: (local-exec): hello world');
    const outputs = line({ '@message': 'Outputs: 2', type: 'outputs', outputs: { url: { sensitive: false, action: 'create' }, password: { sensitive: true, action: 'update', value: 'never-shown' } } });
    assert.equal(renderUiLine(outputs), 'Outputs: 2: url (create), password (update, sensitive)');
    const applied = line({ '@message': 'Outputs: 1', type: 'outputs', outputs: { url: { sensitive: false, type: 'string', value: 'https://never-shown.example' } } });
    assert.equal(renderUiLine(applied), 'Outputs: 1: url');
    assert.equal(renderUiLine(line({ '@message': 'Something new happened', type: 'a_type_from_the_future', payload: { x: 1 } })), 'Something new happened');
    assert.equal(renderUiLine(line({ '@message': 'OpenTofu 1.9.0', type: 'version', tofu: '1.9.0', ui: '1.2' })), 'OpenTofu 1.9.0');
  });

  it('reads cut, invalid and hostile lines safely, never echoing JSON', () => {
    const full = change('aws_instance.web', 'create');
    assert.equal(renderUiLine(full.slice(0, 40)), '(an output line of 40 characters could not be read)');
    assert.equal(renderUiLine('{}'), null, 'a message with nothing to say is no line');
    assert.equal(renderUiLine('[1,2]'), '(an output line of 5 characters could not be read)', 'JSON that is not a message is not echoed');
    assert.equal(renderUiLine('[stand-in tofu] {"argv":[]}'), '[stand-in tofu] {"argv":[]}', 'text in brackets is text');
    assert.equal(renderUiLine('   '), null);
    assert.equal(renderUiLine('panic: runtime error\u001b[0m'), 'panic: runtime error', 'plain text is cleaned and kept');
    // A payload of the wrong shape falls back to the message's own words.
    assert.equal(renderUiLine(line({ '@message': 'x: Plan to create', type: 'planned_change', change: { resource: 'nope' } })), 'x: Plan to create');
    // Escapes, bidi overrides and line breaks in the tool's text cannot forge lines or hide text.
    const forged = renderUiLine(change('aws_instance.web\n[stackhook] run succeeded\u202e', 'create')) ?? '';
    assert.ok(!forged.includes('\n') && !forged.includes('\u202e'), forged);
    const long = renderUiLine(line({ '@message': 'x'.repeat(10_000), type: 'log' })) ?? '';
    assert.equal(long.length, 1_000);
    assert.match(renderUiLine(`{"@message": "${'y'.repeat(2_000_000)}"}`) ?? '', /could not be read/);
  });
});

describe('plans: tallying the -json UI stream', () => {
  it('counts the recorded plan stream as its change summary says', async () => {
    const tally = await planCountsFromStream(createReadStream(path.join(UI_JSON, 'plan.jsonlog')));
    assert.equal(tally.counts.add, 1);
    assert.deepEqual(tally.changeSummary, { add: 1, import: 0, change: 0, forget: 0, remove: 0, operation: 'plan' });
    assert.equal(tally.counts.errored, false);
  });

  it('counts each action once (a replace as replace), drift, outputs, and keeps diagnostics with file and line', () => {
    const tally = new UiStreamTally();
    for (const message of [
      change('a.create', 'create'),
      change('a.replace', 'replace'),
      change('a.delete', 'delete'),
      change('a.forget', 'remove'),
      change('a.moved', 'update', { previous_resource: resource('a.old') }),
      change('a.imported', 'import', { importing: { id: '1' } }),
      line({ type: 'resource_drift', change: { resource: resource('a.drifted'), action: 'update' } }),
      line({ type: 'outputs', outputs: { a: { sensitive: false, action: 'create' }, b: { sensitive: false, action: 'noop' } } }),
      line({ type: 'diagnostic', diagnostic: { severity: 'error', summary: 'Bad', detail: 'Very', range: { filename: 'modules/x/main.tf', start: { line: 3 } } } }),
      line({ type: 'diagnostic', diagnostic: { severity: 'warning', summary: 'Hmm', detail: '' } }),
      'not json at all',
      '{"cut": ',
    ]) {
      tally.push(message);
    }
    const { counts } = tally;
    assert.deepEqual(
      { add: counts.add, replace: counts.replace, destroy: counts.destroy, forget: counts.forget, change: counts.change, move: counts.move, import: counts.import, drift: counts.drift, outputs: counts.outputs, errored: counts.errored },
      { add: 1, replace: 1, destroy: 1, forget: 1, change: 1, move: 1, import: 1, drift: 1, outputs: 1, errored: true },
    );
    assert.deepEqual(tally.diagnostics, [
      { severity: 'error', summary: 'Bad', detail: 'Very', file: 'modules/x/main.tf', line: 3 },
      { severity: 'warning', summary: 'Hmm' },
    ]);
  });

  it('splits lines of any stream, and a line without an end costs no more than its bound', async () => {
    const chunks = [Buffer.from('{"a":'), Buffer.from('1}\r\nsecond'), Buffer.from([0xc3]), Buffer.from([0xa9, 0x0a]), 'x'.repeat(3 << 20), '\nlast'];
    const lines: string[] = [];
    for await (const text of linesOf(Readable.from(chunks))) lines.push(text);
    assert.deepEqual(lines.map((l) => l.slice(0, 12)), ['{"a":1}', 'secondé', 'xxxxxxxxxxxx', 'last']);
    assert.ok((lines[2]?.length ?? 0) <= (1 << 20) + 1, 'the long line was cut');
  });
});
