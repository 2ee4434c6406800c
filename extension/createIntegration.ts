// Create integration: a multi-step input with back navigation. The name step previews the id and
// webhook URL the server would derive and refuses what the server would refuse; the credentials
// are checked with Bitbucket before saving, and a failure explains itself with Edit / Save without
// checking / Cancel.
import * as vscode from 'vscode';
import * as Protocol from '../server/protocol';
import { Command } from './commandIds';
import { serverError, showServerError } from './errors';
import { registerSecret } from './log';
import { BACK, type Prompter, type Validation } from './quickInput';
import type { StackhookServer } from './serverApi';

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

/**
 * A light check of the email's shape, so a typo is caught before a round trip to Bitbucket. The
 * server still decides whether the credential works.
 */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateEmail(value: string): Validation | undefined {
  if (value.trim() === '') return { severity: 'error', message: vscode.l10n.t('Enter the email of your Atlassian account.') };
  if (!EMAIL.test(value.trim())) {
    return {
      severity: 'error',
      message: vscode.l10n.t('An Atlassian API token signs in with your Atlassian account email (for example ana@example.com), not a Bitbucket username.'),
    };
  }
  return undefined;
}

/** Asks the server what the name would give; its problem is the error, its id and URL the preview. */
export async function validateName(server: StackhookServer, value: string): Promise<Validation> {
  try {
    const preview = await server.request(Protocol.IntegrationsPreview, { name: value });
    if (preview.problem) return { severity: 'error', message: preview.problem };
    const text = vscode.l10n.t('id: {0} · webhook URL: {1}', preview.id, preview.webhookUrl);
    return { severity: 'info', message: preview.note ? `${text} · ${preview.note}` : text };
  } catch (error) {
    return { severity: 'error', message: serverError(error).message };
  }
}

const splitLabels = (value: string) => [...new Set(value.split(',').map((label) => label.trim()).filter(Boolean))];

/** Runs the steps from `startAt`; returns the draft, or undefined when the user cancels. */
export async function collectIntegration(
  server: StackhookServer,
  prompter: Prompter,
  initial: Partial<IntegrationDraft> = {},
  startAt: StepName = 'name',
): Promise<IntegrationDraft | undefined> {
  const draft: IntegrationDraft = { name: '', type: 'default', spaceId: undefined, username: '', secret: '', labels: [], description: '', ...initial };
  let spaces: Protocol.Space[] | undefined;
  const title = vscode.l10n.t('Create Bitbucket Cloud integration');
  const order: StepName[] = ['name', 'type', 'space', 'username', 'secret', 'labels', 'description'];
  const applies = (step: StepName) => step !== 'space' || draft.type === 'space';
  const total = () => order.filter(applies).length;
  const number = (step: StepName) => order.filter(applies).indexOf(step) + 1;

  const steps: Record<StepName, () => Promise<typeof BACK | undefined | 'next'>> = {
    name: async () => {
      const answer = await prompter.input({
        title,
        step: number('name'),
        totalSteps: total(),
        value: draft.name,
        prompt: vscode.l10n.t('The name cannot be changed later: the webhook URL is derived from it.'),
        placeholder: vscode.l10n.t('for example acme-main'),
        validate: (value) => validateName(server, value),
      });
      if (typeof answer !== 'string') return answer;
      draft.name = answer.trim();
      return 'next';
    },
    type: async () => {
      const answer = await prompter.pick<Protocol.IntegrationType>({
        title,
        step: number('type'),
        totalSteps: total(),
        placeholder: vscode.l10n.t('Which stacks may use this integration?'),
        active: draft.type,
        items: [
          { label: vscode.l10n.t('Default'), description: vscode.l10n.t('every stack'), detail: vscode.l10n.t('Lives in the root space; an account has at most one.'), value: 'default' },
          { label: vscode.l10n.t('Space'), description: vscode.l10n.t('stacks of one space'), detail: vscode.l10n.t('Usable by stacks in its space and in spaces that inherit from it.'), value: 'space' },
        ],
      });
      if (answer === BACK || answer === undefined) return answer;
      draft.type = answer;
      if (answer === 'default') draft.spaceId = undefined;
      return 'next';
    },
    space: async () => {
      spaces ??= await server.request(Protocol.SpacesList, {});
      const answer = await prompter.pick<string>({
        title,
        step: number('space'),
        totalSteps: total(),
        placeholder: vscode.l10n.t('The space this integration belongs to'),
        active: draft.spaceId,
        items: spaces.map((space) => ({ label: space.name, description: space.id, value: space.id })),
      });
      if (answer === BACK || answer === undefined) return answer;
      draft.spaceId = answer;
      return 'next';
    },
    username: async () => {
      const answer = await prompter.input({
        title,
        step: number('username'),
        totalSteps: total(),
        value: draft.username,
        prompt: vscode.l10n.t('The email of the Atlassian account that owns the API token'),
        placeholder: 'ana@example.com',
        validate: validateEmail,
      });
      if (typeof answer !== 'string') return answer;
      draft.username = answer.trim();
      return 'next';
    },
    secret: async () => {
      const answer = await prompter.input({
        title,
        step: number('secret'),
        totalSteps: total(),
        value: draft.secret,
        password: true,
        prompt: vscode.l10n.t('An Atlassian API token with Bitbucket scopes (app passwords no longer work). It is kept in VS Code secret storage.'),
        validate: (value) => (value === '' ? { severity: 'error', message: vscode.l10n.t('Paste the API token.') } : undefined),
      });
      if (typeof answer !== 'string') return answer;
      draft.secret = answer;
      // From here on, the token is masked in everything this window writes.
      registerSecret(answer);
      return 'next';
    },
    labels: async () => {
      const answer = await prompter.input({
        title,
        step: number('labels'),
        totalSteps: total(),
        value: draft.labels.join(', '),
        prompt: vscode.l10n.t('Labels, separated by commas (optional)'),
        placeholder: 'prod, platform',
      });
      if (typeof answer !== 'string') return answer;
      draft.labels = splitLabels(answer);
      return 'next';
    },
    description: async () => {
      const answer = await prompter.input({
        title,
        step: number('description'),
        totalSteps: total(),
        value: draft.description,
        prompt: vscode.l10n.t('A description in Markdown (optional)'),
      });
      if (typeof answer !== 'string') return answer;
      draft.description = answer;
      return 'next';
    },
  };

  let index = order.indexOf(startAt);
  while (index < order.length) {
    const step = order[index] as StepName;
    if (!applies(step)) {
      index++;
      continue;
    }
    const outcome = await steps[step]();
    if (outcome === undefined) return undefined;
    if (outcome === BACK) {
      // Back from the first step stays there; skipped steps are skipped on the way back too.
      do index--;
      while (index > 0 && !applies(order[index] as StepName));
      index = Math.max(0, index);
    } else {
      index++;
    }
  }
  return draft;
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
    (_progress, token) => server.request(Protocol.IntegrationsCreate, paramsOf(draft, verify), { token }),
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
        const edit = vscode.l10n.t('Edit');
        const saveUnchecked = vscode.l10n.t('Save without checking');
        const actions = info.kind === 'Bitbucket' ? [edit, saveUnchecked] : [edit];
        const choice = await vscode.window.showErrorMessage(
          info.message,
          { modal: true, detail: vscode.l10n.t('The integration was not saved.') },
          ...actions,
        );
        if (choice === saveUnchecked) {
          verify = false;
          continue;
        }
        if (choice !== edit) return undefined;
        verify = true;
        draft = await collectIntegration(server, prompter, draft, info.kind === 'Bitbucket' ? 'username' : 'name');
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
      vscode.l10n.t(
        'Integration "{0}" created with the same webhook URL as before. {1} stack(s) detached from an integration of this name can be reattached now.',
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
