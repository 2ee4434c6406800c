// A request while the team server is away is refused at once, in words, instead of waiting for the
// connection to come back and popping its picker up long after the person moved on.
import * as vscode from 'vscode';
import type { TeamStatus } from './teamLink';

/** Why a request cannot go to the team server now (it is reconnecting or refused), in words; undefined when it can. */
export function unreachableTeam(status: TeamStatus): string | undefined {
  if (status.kind === 'reconnecting') {
    return vscode.l10n.t('The team server {0} cannot be reached ({1}); Stackhook keeps trying. Run the command again once the status bar says it is connected.', status.host, status.reason);
  }
  if (status.kind === 'refused') return vscode.l10n.t('The team server {0} refused this editor: {1}', status.host, status.reason);
  return undefined;
}
