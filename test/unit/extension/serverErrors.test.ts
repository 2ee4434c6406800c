// The server's errors as the extension reads them: their data parsed with the protocol's schema
// (ErrorData), so every kind the protocol defines is known to the extension and nothing else is.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { ErrorKind } from '../../../server/protocol';
import { serverError } from '../../../extension/connection/errors';
import { rpcError } from './fakeServer';

describe('extension: the server\'s errors, read with the protocol\'s schema', () => {
  it('knows every kind of error the protocol defines', () => {
    assert.ok(ErrorKind.options.length >= 7);
    for (const kind of ErrorKind.options) assert.equal(serverError(rpcError(`refused: ${kind}`, { kind })).kind, kind);
  });

  it('takes the field a refusal names, and a Bitbucket failure\'s problem, flags and curl', () => {
    const curl = 'curl -u ana@example.com:•••••• https://api.bitbucket.org/2.0/user';
    assert.deepEqual(serverError(rpcError('The token lacks read:webhook:bitbucket.', { kind: 'Bitbucket', problem: 'missing-scope', needsNewCredential: true, curl, field: 'secret' })), {
      message: 'The token lacks read:webhook:bitbucket.',
      kind: 'Bitbucket',
      problem: 'missing-scope',
      needsNewCredential: true,
      unreachable: false,
      curl,
      field: 'secret',
      issuePath: undefined,
      reason: undefined,
    });
  });

  it('takes a Conflict\'s reason and an Invalid refusal\'s first issue path (which part of the field)', () => {
    const stale = serverError(rpcError('The plan is stale: main moved to 9f3c.', { kind: 'Conflict', reason: 'stale' }));
    assert.deepEqual([stale.kind, stale.reason], ['Conflict', 'stale']);
    const invalid = serverError(rpcError('Invalid params: runner.program: must not be empty.', { kind: 'Invalid', field: 'runner', issues: [{ path: 'runner.program', message: 'must not be empty' }] }));
    assert.deepEqual([invalid.field, invalid.issuePath], ['runner', 'runner.program']);
  });

  it('data that is not the protocol\'s is no refusal of the server: no kind, nothing read from it', () => {
    for (const data of [{ kind: 'Gone' }, { kind: 'Invalid', field: 7 }, 'Invalid', undefined]) {
      const error = serverError(rpcError('The connection was closed.', data as Record<string, unknown>));
      assert.deepEqual([error.kind, error.field, error.message], [undefined, undefined, 'The connection was closed.'], JSON.stringify(data));
    }
  });
});
