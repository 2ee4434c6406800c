// Opens the transport to a team server. The WebSocket code (ws, the message reader and writer) is
// loaded here on the first connection, not at activation: most editors run Stackhook locally and
// never need it. The build makes it a file of its own, dist/teamTransport.js (esbuild.mjs).
import type { TeamAddress } from './address';
import { TeamRefusal } from './refusal';
import type { OnClose, TeamTransport } from './transport';

export type { OnClose, TeamTransport } from './transport';

export async function openTeamTransport(address: TeamAddress, token: string, onClose?: OnClose): Promise<TeamTransport> {
  // A require, not import(): the extension host loads extension code as CommonJS.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openWebSocket, UpgradeRefused } = require('./transport') as typeof import('./transport');
  try {
    return await openWebSocket(address, token, onClose);
  } catch (error) {
    if (error instanceof UpgradeRefused) throw new TeamRefusal(error.status, error.detail);
    throw error;
  }
}
