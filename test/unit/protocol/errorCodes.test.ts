// Each error kind leaves with a code of its own, so a client that reads only the code still tells
// them apart: none shares another kind's code, LSP's ServerNotInitialized (which the lifecycle gate
// answers before `initialize`), or LSP's reserved range (RequestCancelled and its kin).
import { strict as assert } from 'node:assert';
import { ErrorCodes as JsonRpcErrorCodes, LSPErrorCodes } from 'vscode-languageserver';
import { ErrorCodes, ErrorKind } from '../../../server/protocol';

describe('protocol error codes', () => {
  const codes = ErrorKind.options.map((kind) => [kind, ErrorCodes[kind]] as const);

  it('every kind has a code, and no two kinds share one', () => {
    assert.equal(codes.length, ErrorKind.options.length);
    assert.equal(new Set(codes.map(([, code]) => code)).size, codes.length, JSON.stringify(codes));
  });

  it('no kind answers with ServerNotInitialized (-32002), which means "send initialize first"', () => {
    assert.equal(JsonRpcErrorCodes.ServerNotInitialized, -32002);
    for (const [kind, code] of codes) assert.notEqual(code, JsonRpcErrorCodes.ServerNotInitialized, kind);
  });

  it('no kind sits in LSP\'s reserved range, and Invalid is JSON-RPC\'s InvalidParams', () => {
    for (const [kind, code] of codes) {
      assert.ok(code < LSPErrorCodes.lspReservedErrorRangeStart || code > LSPErrorCodes.lspReservedErrorRangeEnd, `${kind}: ${code}`);
    }
    assert.equal(ErrorCodes.Invalid, JsonRpcErrorCodes.InvalidParams);
  });
});
