// Pieces of `serve` as a team server that main.ts wires together.
import { readFileSync } from 'node:fs';
import type { ServerContext } from './context';
import type { StoreEngine } from './store/storeEngine';

export function readTls(files: { cert: string; key: string }): { cert: Buffer; key: Buffer } {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`The TLS ${what} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}). Check --tls-cert and --tls-key.`);
    }
  };
  return { cert: read(files.cert, 'certificate'), key: read(files.key, 'key') };
}

/**
 * Another process on the same store folder (an editor's companion) changes it: tell /rpc editors too.
 * Another process may also revoke a token (`tokens revoke` on the host, another replica): then
 * `tokensChanged` has the endpoint check the tokens of its open connections at once.
 */
export function watchTeamStore(context: ServerContext, engine: StoreEngine, tokensChanged: () => void): () => void {
  const stopRegistry = context.store.onExternalChange((topics) => context.changed(topics));
  // Replicas on one database hear of each other's appends by NOTIFY; processes on one folder by watching it.
  const stopLogs = engine.watchRecords((topics) => context.changed(topics));
  const stopTokens = context.team?.users.watchTokens(tokensChanged) ?? (() => undefined);
  return () => {
    stopRegistry();
    stopLogs();
    stopTokens();
  };
}
