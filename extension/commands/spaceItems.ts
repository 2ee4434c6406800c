// Spaces as a pick list shows them: the name, and the path from the root, so two spaces of one name
// can be told apart; and a space created from the same pick (spaces/create) when the one needed is
// not there yet.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { showServerError } from '../connection/errors';
import { BACK, type Answer, type Prompter } from './quickInput';
import type { StackhookServer } from '../connection/serverApi';

export function spacePath(spaces: readonly Protocol.Space[], space: Protocol.Space): string {
  const byId = new Map(spaces.map((candidate) => [candidate.id, candidate]));
  const names: string[] = [];
  const seen = new Set<string>();
  for (let at: Protocol.Space | undefined = space; at && !seen.has(at.id); at = at.parentId === null ? undefined : byId.get(at.parentId)) {
    seen.add(at.id);
    names.unshift(at.name);
  }
  return names.join(' / ');
}

export function spaceItems(spaces: readonly Protocol.Space[]): { label: string; description: string; value: string }[] {
  // The path tells two spaces of one name apart; for a top space it would only repeat the name ("root root").
  return spaces.map((space) => {
    const where = spacePath(spaces, space);
    return { label: space.name, description: where === space.name ? vscode.l10n.t('top space') : where, value: space.id };
  });
}

const NEW_SPACE = '\u0000new-space';

/**
 * The space step of a flow: the spaces, and "New space…", which asks for a name and a parent and
 * creates it (the list then holds it, so Back and a second pass see it too).
 */
export async function pickOrCreateSpace(
  server: StackhookServer,
  prompter: Prompter,
  at: { title: string; step: number; totalSteps: number },
  spaces: Protocol.Space[],
  placeholder: string,
  active: string | undefined,
): Promise<Answer<string>> {
  for (;;) {
    const items = [...spaceItems(spaces), { label: vscode.l10n.t('$(add) New space…'), description: vscode.l10n.t('create one in Stackhook'), value: NEW_SPACE }];
    const picked = await prompter.pick<string>({ ...at, placeholder, active, items });
    if (picked !== NEW_SPACE) return picked;
    const name = await prompter.input({
      ...at,
      prompt: vscode.l10n.t('Name of the new space'),
      validate: (value) => (value.trim() === '' ? { severity: 'error', message: vscode.l10n.t('Enter a name for the space.') } : undefined),
    });
    if (name === undefined) return undefined;
    if (name === BACK) continue;
    const parentId = await prompter.pick<string>({ ...at, placeholder: vscode.l10n.t('Parent of "{0}"', name.trim()), active: 'root', items: spaceItems(spaces) });
    if (parentId === undefined) return undefined;
    if (parentId === BACK) continue;
    try {
      const created = await server.request(protocol().SpacesCreate, { name: name.trim(), parentId, inheritEntities: true });
      spaces.push(created);
      // It exists from now on, whatever becomes of the rest of the flow (a refused credential, Cancel): say so.
      void vscode.window.showInformationMessage(vscode.l10n.t('Space "{0}" created. It stays even if the rest of this is cancelled or refused.', created.name));
      return created.id;
    } catch (error) {
      // Shown beside the flow, which asks again; the pick keeps the spaces it had.
      void showServerError(error);
    }
  }
}
