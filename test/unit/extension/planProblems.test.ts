// Plan diagnostics in the Problems panel: which workspace folders are checkouts of a stack's
// repository (the rule in extension/state/repositoryFolders.ts), the file a diagnostic names found
// under the stack's project root there, and the problems replaced with the stack's next run and
// cleared when it has none.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { recorded, resetStub, workspace } from '../../support/vscodeStub';
import { bitbucketRepositoryOf, fileIn, isCheckoutOf, remoteUrls } from '../../../extension/state/repositoryFolders';
import { PlanProblemsFeed } from '../../../extension/onDemandLoader';
import { Stack } from '../../../server/protocol';
import { FakeServer, run, stack } from './fakeServer';

/** Stacks as the server answers them (the protocol's schema checks the test's shapes). */
const stacks = (...list: unknown[]) => Stack.array().parse(list);

const counts = { add: 0, change: 0, replace: 0, destroy: 0, import: 0, move: 0, forget: 0, read: 0, drift: 0, outputs: 0, errored: true };
const plan = (diagnostics: unknown[]) => ({ counts, resources: [], drift: [], outputs: [], checks: [], diagnostics, truncated: false });

function gitFolder(root: string, name: string, remotes: string[]): string {
  const folder = path.join(root, name);
  mkdirSync(path.join(folder, '.git'), { recursive: true });
  const sections = remotes.map((url, index) => `[remote "r${index}"]\n\turl = ${url}\n\tfetch = +refs/heads/*:refs/remotes/r${index}/*\n`);
  writeFileSync(path.join(folder, '.git', 'config'), `[core]\n\tbare = false\n${sections.join('')}`);
  return folder;
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('extension: plan diagnostics in the Problems panel', () => {
  let root: string;
  beforeEach(() => {
    resetStub();
    root = mkdtempSync(path.join(os.tmpdir(), 'stackhook-problems-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  describe('which folders are checkouts of the stack\'s repository', () => {
    it('reads Bitbucket Cloud remotes in every URL form, and no other host', () => {
      for (const url of ['https://bitbucket.org/acme/network.git', 'https://ana@bitbucket.org/Acme/Network', 'git@bitbucket.org:acme/network.git', 'ssh://git@bitbucket.org/acme/network.git']) {
        assert.equal(bitbucketRepositoryOf(url), 'acme/network', url);
      }
      assert.equal(bitbucketRepositoryOf('https://github.com/acme/network.git'), undefined);
      assert.equal(bitbucketRepositoryOf('https://bitbucket.org.evil.example/acme/network.git'), undefined);
      assert.deepEqual(remoteUrls('[core]\n\turl = nope\n[remote "origin"]\n\turl = git@bitbucket.org:acme/network.git\n[branch "main"]\n\tremote = origin\n'), ['git@bitbucket.org:acme/network.git']);
    });

    it('a remote decides; a folder without any remote is taken by its name; a folder with another remote never is', async () => {
      assert.equal(await isCheckoutOf(gitFolder(root, 'work', ['git@bitbucket.org:acme/network.git']), 'acme/network'), true);
      assert.equal(await isCheckoutOf(gitFolder(root, 'network', ['git@bitbucket.org:acme/dns.git']), 'acme/network'), false, 'named alike, but a checkout of another repository');
      assert.equal(await isCheckoutOf(gitFolder(root, 'other', []), 'acme/network'), false);
      mkdirSync(path.join(root, 'unpacked', 'network'), { recursive: true });
      assert.equal(await isCheckoutOf(path.join(root, 'unpacked', 'network'), 'acme/network'), true);
    });

    it('a diagnostic\'s file is under the project root and inside the checkout, and must be there', async () => {
      const folder = gitFolder(root, 'work', ['git@bitbucket.org:acme/network.git']);
      mkdirSync(path.join(folder, 'envs', 'prod'), { recursive: true });
      writeFileSync(path.join(folder, 'envs', 'prod', 'main.tf'), 'resource "x" "y" {}\n');
      writeFileSync(path.join(root, 'outside.tf'), '');
      assert.equal((await fileIn(vscode.Uri.file(folder), 'envs/prod', 'main.tf'))?.fsPath, path.join(folder, 'envs', 'prod', 'main.tf'));
      assert.equal(await fileIn(vscode.Uri.file(folder), 'envs/prod', 'missing.tf'), undefined);
      assert.equal(await fileIn(vscode.Uri.file(folder), 'envs/prod', '../../../outside.tf'), undefined, 'a path out of the checkout is no file of the workspace');
    });
  });

  it('publishes diagnostics with a file and line at that file, replaces them with the next run, and clears them when the stack has no planned run', async () => {
    const folder = gitFolder(root, 'work', ['https://bitbucket.org/acme/network.git']);
    mkdirSync(path.join(folder, 'envs', 'prod'), { recursive: true });
    writeFileSync(path.join(folder, 'envs', 'prod', 'main.tf'), '\n'.repeat(20));
    workspace.workspaceFolders = [{ uri: vscode.Uri.file(folder), name: 'work', index: 0 }];
    const plans: Record<string, unknown> = {
      r1: plan([
        { severity: 'error', summary: 'Unsupported argument', detail: 'An argument named "amii" is not expected here.', file: 'main.tf', line: 12 },
        { severity: 'warning', summary: 'No file', detail: 'Nowhere to show this.' },
        { severity: 'error', summary: 'Elsewhere', file: 'missing.tf', line: 3 },
      ]),
      r2: plan([{ severity: 'warning', summary: 'Deprecated attribute', file: 'main.tf', line: 4 }]),
    };
    const server = new FakeServer({ 'stackhook/runs/plan': ({ runId }) => plans[runId] });
    const feed = new PlanProblemsFeed(server);
    const withRun = (id: string | null) => stacks(stack('prod-network', { repository: 'acme/network', projectRoot: 'envs/prod', lastRun: id ? run(id, { plan: counts, runner: 'local', state: 'failed' }) : null }));

    feed.update(stacks(stack('prod-network', { repository: 'acme/network', lastRun: run('r0') })));
    assert.equal(recorded.diagnostics.length, 0, 'no run with a plan yet: nothing is made, nothing asked');

    feed.update(withRun('r1'));
    const [collection] = recorded.diagnostics;
    await until(() => (collection?.entries.size ?? 0) > 0);
    const file = vscode.Uri.file(path.join(folder, 'envs', 'prod', 'main.tf')).toString();
    assert.deepEqual([...(collection?.entries.keys() ?? [])], [file]);
    const [shown] = collection?.entries.get(file) ?? [];
    assert.equal(shown?.range.start.line, 11, 'line 12, from 0');
    assert.equal(shown?.severity, vscode.DiagnosticSeverity.Error);
    assert.match(shown?.message ?? '', /^Unsupported argument\n\nAn argument named "amii"/);

    feed.update(withRun('r2'));
    await until(() => collection?.entries.get(file)?.[0]?.message === 'Deprecated attribute');
    assert.deepEqual(collection?.entries.get(file)?.map((diagnostic) => diagnostic.message), ['Deprecated attribute'], 'the next run replaces the last one\'s problems');

    feed.update(withRun(null));
    await until(() => collection?.entries.size === 0);
    assert.equal(collection?.entries.size, 0, 'no run with a plan: nothing in the Problems panel');
    feed.update(withRun('r2'));
    await until(() => (collection?.entries.size ?? 0) > 0);
    feed.update([]);
    await until(() => collection?.entries.size === 0);
    assert.equal(collection?.entries.size, 0, 'the stack is gone: its problems too');
    assert.deepEqual(server.sent('stackhook/runs/plan').map((params) => params.runId), ['r1', 'r2', 'r2']);
    feed.dispose();
  });
});
