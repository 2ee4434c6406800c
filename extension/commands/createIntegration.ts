// Create integration: a multi-step input with back navigation. The name step previews the id and
// webhook URL the server would derive and refuses what the server would refuse; the credentials
// are checked with Bitbucket before saving, and a failure explains itself with Edit / Save without
// checking / Cancel.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { Command } from '../commandIds';
import { serverError, showServerError, type ServerError } from '../connection/errors';
import { registerCredential } from '../surfaces/log';
import { outcomeOf, runSteps, type FlowStep, type Prompter, type Validation } from './quickInput';
import { pickOrCreateSpace } from './spaceItems';
import type { StackhookServer } from '../connection/serverApi';

export interface IntegrationDraft {
  name: string;
  type: Protocol.IntegrationType;
  spaceId: string | undefined;
  username: string;
  secret: string;
  labels: string[];
  description: string;
}

export type StepName = 'name' | 'type' | 'space' | 'username' | 'secret' | 'labels' | 'description';

/** Asks the server whether Bitbucket could take this username with an API token (the rule is there). */
export async function validateEmail(server: StackhookServer, value: string): Promise<Validation | undefined> {
  try {
    const { problem } = await server.request(protocol().IntegrationsCheckUsername, { username: value });
    return problem ? { severity: 'error', message: problem } : undefined;
  } catch (error) {
    return { severity: 'error', message: serverError(error).message };
  }
}

/** Asks the server what the name would give; its problem is the error, its id and URL the preview. */
export async function validateName(server: StackhookServer, value: string): Promise<Validation> {
  // What the name itself breaks is said at once, in words (a name too long for the preview's params never reaches it).
  const problem = protocol().nameProblem(value, 'integration');
  if (problem) return { severity: 'error', message: problem };
  try {
    const preview = await server.request(protocol().IntegrationsPreview, { name: value });
    if (preview.problem) return { severity: 'error', message: preview.problem };
    const text = vscode.l10n.t('id: {0} · webhook URL: {1}', preview.id, preview.webhookUrl);
    return { severity: 'info', message: [text, preview.note, preview.urlProblem].filter(Boolean).join(' · ') };
  } catch (error) {
    return { severity: 'error', message: serverError(error).message };
  }
}

const splitLabels = (value: string) => [...new Set(value.split(',').map((label) => label.trim()).filter(Boolean))];

interface IntegrationFlow {
  server: StackhookServer;
  prompter: Prompter;
  spaces?: Protocol.Space[];
}

type IntegrationStep = FlowStep<IntegrationDraft, StepName>;

const nameStep = (flow: IntegrationFlow): IntegrationStep => ({
  name: 'name',
  run: async (draft, at) =>
    outcomeOf(
      await flow.prompter.input({
        ...at,
        value: draft.name,
        prompt: vscode.l10n.t('The name cannot be changed later: the webhook URL is derived from it.'),
        placeholder: vscode.l10n.t('for example Acme Main'),
        validate: (value) => validateName(flow.server, value),
      }),
      (value) => (draft.name = value.trim()),
    ),
});

const typeStep = (flow: IntegrationFlow): IntegrationStep => ({
  name: 'type',
  run: async (draft, at) =>
    outcomeOf(
      await flow.prompter.pick<Protocol.IntegrationType>({
        ...at,
        placeholder: vscode.l10n.t('Which stacks may use this integration?'),
        active: draft.type,
        items: [
          { label: vscode.l10n.t('Default'), description: vscode.l10n.t('every stack'), detail: vscode.l10n.t('Lives in the root space; an account has at most one.'), value: 'default' },
          { label: vscode.l10n.t('Space'), description: vscode.l10n.t('stacks of one space'), detail: vscode.l10n.t('Usable by stacks in its space and in spaces that inherit from it.'), value: 'space' },
        ],
      }),
      (type) => {
        draft.type = type;
        if (type === 'default') draft.spaceId = undefined;
      },
    ),
});

const spaceStep = (flow: IntegrationFlow): IntegrationStep => ({
  name: 'space',
  applies: (draft) => draft.type === 'space',
  run: async (draft, at) => {
    flow.spaces ??= await flow.server.request(protocol().SpacesList, {});
    return outcomeOf(
      await pickOrCreateSpace(flow.server, flow.prompter, at, flow.spaces, vscode.l10n.t('The space this integration belongs to'), draft.spaceId),
      (spaceId) => (draft.spaceId = spaceId),
    );
  },
});

const usernameStep = (flow: IntegrationFlow): IntegrationStep => ({
  name: 'username',
  run: async (draft, at) =>
    outcomeOf(
      await flow.prompter.input({
        ...at,
        value: draft.username,
        prompt: vscode.l10n.t('The email of the Atlassian account that owns the API token'),
        placeholder: 'ana@example.com',
        validate: (value) => validateEmail(flow.server, value),
      }),
      (value) => {
        draft.username = value.trim();
        // A token given before the email changed (Back) is masked with the new email too.
        registerCredential(draft.secret, draft.username || undefined);
      },
    ),
});

const secretStep = (flow: IntegrationFlow): IntegrationStep => ({
  name: 'secret',
  run: async (draft, at) =>
    outcomeOf(
      await flow.prompter.input({
        ...at,
        value: draft.secret,
        password: true,
        prompt: vscode.l10n.t('An Atlassian API token with Bitbucket scopes (app passwords no longer work). It is kept in VS Code secret storage.'),
        validate: (value) => (value === '' ? { severity: 'error', message: vscode.l10n.t('Paste the API token.') } : undefined),
      }),
      (value) => {
        draft.secret = value;
        // From here on, the token is masked in everything this window writes, with the email as Basic auth has it.
        registerCredential(value, draft.username || undefined);
      },
    ),
});

const labelsStep = (flow: IntegrationFlow): IntegrationStep => ({
  name: 'labels',
  run: async (draft, at) =>
    outcomeOf(
      await flow.prompter.input({
        ...at,
        value: draft.labels.join(', '),
        prompt: vscode.l10n.t('Labels, separated by commas (optional)'),
        placeholder: 'prod, platform',
        validate: (value) => {
          const problem = protocol().labelsProblem(value);
          return problem ? { severity: 'error', message: problem } : undefined;
        },
      }),
      (value) => (draft.labels = splitLabels(value)),
    ),
});

const descriptionStep = (flow: IntegrationFlow): IntegrationStep => ({
  name: 'description',
  run: async (draft, at) =>
    outcomeOf(await flow.prompter.input({ ...at, value: draft.description, prompt: vscode.l10n.t('A description in Markdown (optional)') }), (value) => (draft.description = value)),
});

/** Runs the steps from `startAt`; returns the draft, or undefined when the user cancels. */
export async function collectIntegration(
  server: StackhookServer,
  prompter: Prompter,
  initial: Partial<IntegrationDraft> = {},
  startAt: StepName = 'name',
): Promise<IntegrationDraft | undefined> {
  const draft: IntegrationDraft = { name: '', type: 'default', spaceId: undefined, username: '', secret: '', labels: [], description: '', ...initial };
  const flow: IntegrationFlow = { server, prompter };
  const steps = [nameStep, typeStep, spaceStep, usernameStep, secretStep, labelsStep, descriptionStep].map((step) => step(flow));
  const done = await runSteps(vscode.l10n.t('Create Bitbucket Cloud integration'), steps, draft, startAt);
  return done ? draft : undefined;
}

/** The step that asks for each field of integrations/create, for the field a refusal names. */
const STEP_OF_FIELD: Readonly<Record<string, StepName>> = {
  name: 'name',
  type: 'type',
  spaceId: 'space',
  username: 'username',
  secret: 'secret',
  credentialType: 'secret',
  labels: 'labels',
  description: 'description',
};

/**
 * The step holding what the server refused, as its error's `field` says; without one, a Bitbucket
 * failure is the credential's (the only thing creating sends to Bitbucket) and anything else starts over.
 */
function stepThatFailed(info: ServerError): StepName {
  const named = info.field === undefined ? undefined : STEP_OF_FIELD[info.field];
  return named ?? (info.kind === 'Bitbucket' ? 'username' : 'name');
}

/**
 * The refusal, readable: a short title (`refused` when Bitbucket refused the credential), the server's
 * explanation as the detail, Copy curl to try it by hand, and Save without checking only when
 * Bitbucket was not reached (it refused nothing). Edit Integration explains its refusals the same way.
 */
export async function explainRefusal(info: ServerError, refused = vscode.l10n.t('Bitbucket did not accept the credential. The integration was not saved.')): Promise<'edit' | 'save-unchecked' | undefined> {
  const edit = vscode.l10n.t('Edit');
  const saveUnchecked = vscode.l10n.t('Save without checking');
  const copyCurl = vscode.l10n.t('Copy curl');
  const title =
    info.kind !== 'Bitbucket'
      ? vscode.l10n.t('The integration was not saved.')
      : info.unreachable
        ? vscode.l10n.t('Bitbucket could not be reached, so the credential was not checked.')
        : refused;
  const actions = [edit, ...(info.curl ? [copyCurl] : []), ...(info.unreachable ? [saveUnchecked] : [])];
  for (;;) {
    const choice = await vscode.window.showErrorMessage(title, { modal: true, detail: info.message }, ...actions);
    if (choice === copyCurl && info.curl) {
      await vscode.env.clipboard.writeText(info.curl);
      continue;
    }
    return choice === edit ? 'edit' : choice === saveUnchecked ? 'save-unchecked' : undefined;
  }
}

function paramsOf(draft: IntegrationDraft, verify: boolean) {
  return {
    name: draft.name,
    type: draft.type,
    ...(draft.type === 'space' && draft.spaceId ? { spaceId: draft.spaceId } : {}),
    username: draft.username,
    secret: draft.secret,
    credentialType: 'api_token' as const,
    labels: draft.labels,
    description: draft.description,
    verify,
  };
}

async function send(server: StackhookServer, draft: IntegrationDraft, verify: boolean): Promise<Protocol.IntegrationDetails> {
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: verify ? vscode.l10n.t('Checking the credentials with Bitbucket and creating "{0}"…', draft.name) : vscode.l10n.t('Creating "{0}"…', draft.name),
      cancellable: true,
    },
    (_progress, token) => server.request(protocol().IntegrationsCreate, paramsOf(draft, verify), { token }),
  );
}

/** The whole command: collect, create (checked first), explain failures, offer to reattach. */
export async function createIntegration(server: StackhookServer, prompter: Prompter): Promise<Protocol.IntegrationDetails | undefined> {
  let draft = await collectIntegration(server, prompter);
  let verify = true;
  while (draft) {
    try {
      const created = await send(server, draft, verify);
      await announce(created);
      return created;
    } catch (error) {
      const info = serverError(error);
      if (info.kind === 'Bitbucket' || info.kind === 'Conflict' || info.kind === 'Invalid') {
        const choice = await explainRefusal(info);
        if (choice === 'save-unchecked') {
          verify = false;
          continue;
        }
        if (choice !== 'edit') return undefined;
        verify = true;
        draft = await collectIntegration(server, prompter, draft, stepThatFailed(info));
        continue;
      }
      await showServerError(error);
      return undefined;
    }
  }
  return undefined;
}

async function announce(created: Protocol.IntegrationDetails): Promise<void> {
  const copy = vscode.l10n.t('Copy webhook URL');
  const configure = vscode.l10n.t('Configure webhooks');
  if (created.reattachableStackIds.length > 0) {
    const reattach = vscode.l10n.t('Reattach all');
    const choice = await vscode.window.showInformationMessage(
      created.reattachableStackIds.length === 1
        ? vscode.l10n.t('Integration "{0}" created with the same webhook URL as before. 1 stack detached from an integration of this name can be reattached now.', created.name)
        : vscode.l10n.t(
            'Integration "{0}" created with the same webhook URL as before. {1} stacks detached from an integration of this name can be reattached now.',
            created.name,
            created.reattachableStackIds.length,
          ),
      reattach,
      copy,
    );
    if (choice === reattach) await vscode.commands.executeCommand(Command.ReattachAll, created.id);
    else if (choice === copy) await vscode.commands.executeCommand(Command.CopyWebhookUrl, created.id);
    return;
  }
  const choice = await vscode.window.showInformationMessage(vscode.l10n.t('Integration "{0}" created.', created.name), configure, copy);
  if (choice === configure) await vscode.commands.executeCommand(Command.ConfigureWebhooks, created.id);
  else if (choice === copy) await vscode.commands.executeCommand(Command.CopyWebhookUrl, created.id);
}
