// An in-process server context over a temporary store, with a stub Bitbucket, for unit tests of
// operations and rules. Each user gets a view of the same store (`as(user)`).
import * as path from 'node:path';
import * as sinon from 'sinon';
import type { BitbucketGateway } from '../../server/bitbucket/gateway';
import type { ServerContext } from '../../server/context';
import { Logger } from '../../server/log';
import { QueuedRun, type ChangeTopic } from '../../server/protocol';
import { FileCredentials } from '../../server/store/files/credentials';
import { AppendLog } from '../../server/store/files/appendLog';
import { fileDeliveriesLog } from '../../server/store/files/deliveriesLog';
import { RegistryStore } from '../../server/store/files/registry';
import { StoredDelivery } from '../../server/store/storedDelivery';
import { tempStore } from './serverProcess';

export interface TestWorld {
  folder: string;
  bitbucket: sinon.SinonStubbedInstance<BitbucketGateway> & BitbucketGateway;
  logLines: string[];
  changes: ChangeTopic[][];
  as(user: string): ServerContext;
  close(): void;
}

export function stubBitbucket(): TestWorld['bitbucket'] {
  return {
    testCredential: sinon.stub().resolves({ ok: true, curl: 'curl -u ana@example.com:•••••• https://api.bitbucket.org/2.0/user' }),
    getRepository: sinon.stub().callsFake(async (_c, fullName: string) => {
      const [workspace = '', slug = ''] = fullName.split('/');
      return { fullName, workspace, slug, isPrivate: true, mainBranch: 'main' };
    }),
    listRepositories: sinon.stub().resolves([]),
    getBranch: sinon.stub().callsFake(async (_c, _fullName: string, name: string) => ({ name, commit: '0'.repeat(40) })),
    listBranches: sinon.stub().resolves([{ name: 'main', commit: '0'.repeat(40) }]),
    webhookStatus: sinon.stub().resolves([]),
    configureWebhooks: sinon.stub().resolves([]),
    removeWebhooks: sinon.stub().resolves([]),
    workspaceWebhookStatus: sinon.stub().rejects(new Error('not stubbed in this test')),
    configureWorkspaceWebhook: sinon.stub().rejects(new Error('not stubbed in this test')),
    removeWorkspaceWebhook: sinon.stub().rejects(new Error('not stubbed in this test')),
    commitLinks: sinon.stub().rejects(new Error('not stubbed in this test')),
    cloneUrl: sinon.stub().resolves('https://bitbucket.org/acme/network.git'),
    readSourceFile: sinon.stub().resolves(null),
    triggerPipeline: sinon.stub().rejects(new Error('not stubbed in this test')),
    getPipeline: sinon.stub().rejects(new Error('not stubbed in this test')),
    findTriggeredPipeline: sinon.stub().resolves(null),
    stopPipeline: sinon.stub().resolves(),
    pipelineLog: sinon.stub().resolves(''),
    pipelineSteps: sinon.stub().resolves([]),
    stepLog: sinon.stub().resolves({ text: '', nextOffset: 0 }),
    writeBuildStatus: sinon.stub().resolves(),
    writePullRequestComment: sinon.stub().resolves(1),
    // Unreadable unless a test says otherwise: every stack then runs (the safe side), as before trigger paths.
    changedPaths: sinon.stub().rejects(new Error('not stubbed in this test')),
    replyToPullRequestComment: sinon.stub().resolves(2),
    putInsightsReport: sinon.stub().resolves(),
    deleteInsightsReport: sinon.stub().resolves(),
    postInsightsAnnotations: sinon.stub().resolves(),
  } as unknown as TestWorld['bitbucket'];
}

export async function testWorld(firstUser = 'ana'): Promise<TestWorld> {
  const folder = tempStore();
  const store = await RegistryStore.open(folder, firstUser);
  const runs = new AppendLog(path.join(folder, 'runs.jsonl'), QueuedRun, 1_000);
  const deliveries = fileDeliveriesLog(folder, 1_000);
  const refusals = new AppendLog(path.join(folder, 'refusals.jsonl'), StoredDelivery, 1_000);
  await Promise.all([runs.load(), deliveries.load(), refusals.load()]);
  const credentials = new FileCredentials(folder);
  const bitbucket = stubBitbucket();
  const logLines: string[] = [];
  const changes: ChangeTopic[][] = [];
  const log = new Logger((level, line) => logLines.push(`${level} ${line}`));
  return {
    folder,
    bitbucket,
    logLines,
    changes,
    as: (user) => ({
      version: 'test',
      user,
      publicUrl: 'https://hooks.example.com',
      store,
      credentials,
      bitbucket,
      runs,
      deliveries,
      refusals,
      log,
      now: () => new Date('2026-11-25T12:00:00Z'),
      changed: (topics) => changes.push(topics),
      listener: { url: null, state: 'off' },
    }),
    close: () => {
      store.close();
      // The logs keep their file open between appends; close it rather than leave it to the collector.
      void runs.close();
      void deliveries.close();
      void refusals.close();
    },
  };
}

export const scope = { signal: new AbortController().signal };

/** 'allowed', or the `kind` of the Stackhook error the action failed with. */
export async function kindOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    return 'allowed';
  } catch (error) {
    return (error as { kind?: string }).kind ?? String(error);
  }
}
