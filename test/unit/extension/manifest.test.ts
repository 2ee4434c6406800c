// The manifest and the code name the same commands, views and strings.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command, VIEW } from '../../../extension/commandIds';

const ROOT = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const nls = JSON.parse(readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8'));

describe('extension manifest', () => {
  const contributed: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);

  it('contributes every command the extension registers, in the Stackhook category, and no other', () => {
    assert.deepEqual([...contributed].sort(), Object.values(Command).sort());
    for (const command of manifest.contributes.commands) assert.equal(nls[command.category.slice(1, -1)], 'Stackhook');
  });

  it('menus name only contributed commands and views', () => {
    const views = Object.values(VIEW);
    for (const [menu, entries] of Object.entries(manifest.contributes.menus) as [string, { command: string; when?: string }[]][]) {
      for (const entry of entries) {
        assert.ok(contributed.includes(entry.command), `${menu}: ${entry.command}`);
        for (const view of entry.when?.match(/view == ([\w.]+)/g) ?? []) assert.ok(views.includes(view.slice(8) as never), `${menu}: ${view}`);
      }
    }
    assert.deepEqual(manifest.contributes.views.stackhook.map((v: { id: string }) => v.id), views);
  });

  it('offers Reattach All on an integration only when stacks are detached from its name, and every other integration action either way', () => {
    type Entry = { command: string; when?: string };
    const shown = (contextValue: string) =>
      (manifest.contributes.menus['view/item/context'] as Entry[])
        .filter((entry) => whenHolds(entry.when ?? '', { view: VIEW.integrations, viewItem: contextValue }))
        .map((entry) => entry.command);
    const plain = new Set(shown('integration'));
    const reattachable = new Set(shown('integration.reattachable'));
    assert.ok(!plain.has(Command.ReattachAll));
    assert.ok(reattachable.has(Command.ReattachAll));
    assert.deepEqual([...reattachable].filter((command) => command !== Command.ReattachAll).sort(), [...plain].sort());
    assert.ok(plain.has(Command.DeleteIntegration) && plain.has(Command.ConfigureWebhooks), 'the usual actions are there');
    assert.deepEqual(shown('integration.hidden'), [], 'an integration whose details are hidden offers none of them');
  });

  it('hides item-only commands from the palette and keeps the rest there', () => {
    const hidden = manifest.contributes.menus.commandPalette.filter((e: { when: string }) => e.when === 'false').map((e: { command: string }) => e.command);
    assert.deepEqual(hidden.sort(), [Command.ConfigureWebhook, Command.DeleteVariable, Command.EditVariable, Command.OpenResourceChange, Command.OpenDriftedResource, Command.OpenInBitbucket, Command.OpenWebhookSettings, Command.RepairWebhook, Command.ShowDelivery, Command.StayInInput].sort());
  });

  it('binds Tab and Shift+Tab, only while focus is in a Stackhook input, to a command that keeps it there', () => {
    const bindings = (manifest.contributes.keybindings as { command: string; key: string; when: string }[]).filter((binding) => binding.command === Command.StayInInput);
    assert.deepEqual(bindings.map((binding) => binding.key).sort(), ['shift+tab', 'tab']);
    for (const binding of bindings) assert.equal(binding.when, 'stackhook.inInput && inQuickOpen');
  });

  it('every %key% has a string in package.nls.json', () => {
    const keys = [...JSON.stringify(manifest.contributes).matchAll(/"%([\w.]+)%"/g)].map((m) => m[1] as string);
    assert.ok(keys.length > 30);
    for (const key of keys) assert.equal(typeof nls[key], 'string', key);
  });

  it('shows the demo commands only when the server is the demo\'s, in the palette and on an attached stack', () => {
    const demo = Object.values(Command).filter((command) => command.startsWith('stackhook.demo.'));
    assert.equal(demo.length, 5);
    type Entry = { command: string; when?: string };
    const palette = manifest.contributes.menus.commandPalette as Entry[];
    for (const command of demo) assert.equal(palette.find((entry) => entry.command === command)?.when, 'stackhook.demo', command);
    const onStack = (keys: string[]) =>
      (manifest.contributes.menus['view/item/context'] as Entry[])
        .filter((entry) => whenHolds(entry.when ?? '', { view: VIEW.stacks, viewItem: 'stack.attached', keys }))
        .map((entry) => entry.command);
    assert.deepEqual(onStack(['stackhook.demo']).filter((command) => command.startsWith('stackhook.demo.')), [Command.DemoCommit, Command.DemoPullRequest]);
    assert.deepEqual(onStack([]).filter((command) => command.startsWith('stackhook.demo.')), []);
  });

  it('names the settings the client turns into server flags', () => {
    const settings = Object.keys(manifest.contributes.configuration.properties).sort();
    assert.deepEqual(settings, ['stackhook.bitbucketApiUrl', 'stackhook.listen', 'stackhook.publicUrl', 'stackhook.server', 'stackhook.storePath', 'stackhook.trace.server']);
    // A workspace must not be able to send the credential elsewhere or move the store.
    for (const key of ['stackhook.bitbucketApiUrl', 'stackhook.storePath', 'stackhook.listen', 'stackhook.publicUrl', 'stackhook.server']) {
      assert.equal(manifest.contributes.configuration.properties[key].scope, 'machine', key);
    }
  });
});

/** The `view == …`, `viewItem == …` and `viewItem =~ /…/` clauses joined by `&&` that item menus use. */
function whenHolds(when: string, context: { view: string; viewItem: string; keys?: string[] }): boolean {
  return when.split('&&').every((clause) => {
    const key = /^\s*(stackhook\.[\w]+)\s*$/.exec(clause);
    if (key) return (context.keys ?? []).includes(key[1] as string);
    const equal = /^\s*(view|viewItem) == ([\w.-]+)\s*$/.exec(clause);
    if (equal) return context[equal[1] as 'view' | 'viewItem'] === equal[2];
    const matches = /^\s*viewItem =~ \/(.+)\/\s*$/.exec(clause);
    if (matches) return new RegExp(matches[1] as string).test(context.viewItem);
    throw new Error(`a when clause this test cannot read: ${clause}`);
  });
}
