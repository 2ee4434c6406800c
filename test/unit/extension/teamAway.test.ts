// While the team server is away (reconnecting, or refusing this editor), a command is told so at
// once and sends nothing, rather than queueing until the connection returns.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { unreachableTeam } from '../../../extension/connection/teamServer/unreachable';

describe('extension: a command while the team server is away', () => {
  it('is refused at once with why, and only while the server is away', () => {
    assert.match(unreachableTeam({ kind: 'reconnecting', host: 'stackhook.example.com', attempt: 3, reason: 'connection refused' }) ?? '', /stackhook\.example\.com cannot be reached \(connection refused\); Stackhook keeps trying/);
    assert.match(unreachableTeam({ kind: 'refused', host: 'stackhook.example.com', reason: 'the token was revoked' }) ?? '', /refused this editor: the token was revoked/);
    assert.equal(unreachableTeam({ kind: 'connected', host: 'stackhook.example.com', user: 'ana' }), undefined);
    assert.equal(unreachableTeam({ kind: 'connecting', host: 'stackhook.example.com' }), undefined, 'the first connection is waited for');
    assert.equal(unreachableTeam({ kind: 'local' }), undefined);
  });
});
