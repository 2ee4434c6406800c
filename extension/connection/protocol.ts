// The protocol's schemas (zod, and every request's params and result) are the heaviest thing the
// extension loads: they are a file of their own, dist/protocol.js, required here the first time the
// extension sends a request or reads a message of the server, not while it activates (the editor's
// start-up waits for activation: bench/editorStartup.ts). What activation needs of the protocol is
// apart and light: the names of the methods the server calls (server/protocol/toEditor.ts), the token
// and redeem constants, and the masking of secrets. Types come from `import type` anywhere.
import * as jsonrpc from 'vscode-jsonrpc';
import type * as Protocol from '../../server/protocol';

/** How dist/protocol.js finds this bundle's vscode-jsonrpc (esbuild.mjs: jsonrpcOfTheExtension). */
export const JSONRPC_OF_THE_EXTENSION = Symbol.for('stackhook.extension.vscode-jsonrpc');

let loaded: typeof Protocol | undefined;

export function protocol(): typeof Protocol {
  if (!loaded) {
    // The protocol builds its request types with vscode-jsonrpc's classes, which the language client
    // compares by identity: they must be this bundle's, not a second copy inside dist/protocol.js.
    (globalThis as Record<symbol, unknown>)[JSONRPC_OF_THE_EXTENSION] = jsonrpc;
    // A require, not import(): the extension host loads extension code as CommonJS. The build makes
    // this path ./protocol.js (esbuild.mjs: protocolApart).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('../../server/protocol') as typeof Protocol;
  }
  return loaded;
}
