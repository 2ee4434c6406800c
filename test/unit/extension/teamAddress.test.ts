import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { isLoopbackHost, parseTeamAddress } from '../../../extension/connection/teamServer/address';
import { reconnectDelayMs } from '../../../extension/connection/teamServer/backoff';

import { answers, resetStub } from '../../support/vscodeStub';
import { connect } from '../../../extension/commands/teamServer';
import { answerInputBox, commandContext } from './harness';
import { FakeServer } from './fakeServer';

describe('team server address', () => {
  it('takes https and wss anywhere, and derives the /rpc WebSocket', () => {
    assert.deepEqual(parseTeamAddress('https://stackhook.example.com/'), {
      url: 'https://stackhook.example.com',
      rpcUrl: 'wss://stackhook.example.com/rpc',
      redeemUrl: 'https://stackhook.example.com/rpc/redeem',
      host: 'stackhook.example.com',
      secure: true,
    });
    assert.equal(parseTeamAddress('https://example.com/stackhook/').rpcUrl, 'wss://example.com/stackhook/rpc');
    assert.equal(parseTeamAddress('wss://example.com:8443').rpcUrl, 'wss://example.com:8443/rpc');
    assert.equal(parseTeamAddress('wss://example.com:8443/stackhook').redeemUrl, 'https://example.com:8443/stackhook/rpc/redeem', 'an invitation is redeemed over https');
  });

  it('sends a token in plain text only to this machine', () => {
    assert.equal(parseTeamAddress('http://127.0.0.1:8787').rpcUrl, 'ws://127.0.0.1:8787/rpc');
    assert.equal(parseTeamAddress('http://localhost:8787').secure, false);
    assert.equal(parseTeamAddress('ws://127.0.0.1:8787').redeemUrl, 'http://127.0.0.1:8787/rpc/redeem');
    assert.equal(parseTeamAddress('http://[::1]:8787').rpcUrl, 'ws://[::1]:8787/rpc');
    assert.throws(() => parseTeamAddress('http://stackhook.example.com'), /only over TLS: use https:\/\/stackhook.example.com/);
    assert.throws(() => parseTeamAddress('ws://10.0.0.5:8787'), /only over TLS/);
    assert.throws(() => parseTeamAddress('http://127.0.0.1.example.com'), /only over TLS/);
    assert.throws(() => parseTeamAddress('ftp://example.com'), /https:\/\//);
    assert.throws(() => parseTeamAddress('stackhook.example.com'), /has no http:\/\/ or https:\/\/ in front/);
    // A sentence, not '"localhost:" is neither': what to write instead.
    assert.throws(() => parseTeamAddress('localhost:8792'), /^Error: "localhost:8792" has no http:\/\/ or https:\/\/ in front\. Write http:\/\/localhost:8792 for a server on this machine/);
    assert.equal(isLoopbackHost('127.1.2.3'), true);
    assert.equal(isLoopbackHost('localhost.example.com'), false);
  });

  it('backs off from half a second, doubling, to at most half a minute, with jitter', () => {
    const middle = () => 0.5;
    assert.deepEqual([1, 2, 3, 4, 7, 20].map((attempt) => reconnectDelayMs(attempt, middle)), [500, 1_000, 2_000, 4_000, 30_000, 30_000]);
    assert.equal(reconnectDelayMs(1, () => 0), 375);
    assert.equal(reconnectDelayMs(20, () => 0.999_999), 37_500);
  });
});

describe('extension Connect to Team Server after a refusal', () => {
  it('offers Edit, which asks again starting at the address typed', async () => {
    resetStub();
    const ctx = commandContext(new FakeServer({}));
    // The token is well-formed but nothing listens there: the connection fails, as a wrong token does.
    const boxes = answerInputBox('http://127.0.0.1:9', `shk_${'a'.repeat(43)}`, undefined);
    const offered: string[][] = [];
    answers.push((_message, items) => {
      offered.push(items);
      return 'Edit';
    });
    const link = { storeToken: async () => undefined, deleteToken: async () => undefined } as never;
    await connect(ctx, link);
    assert.deepEqual(offered, [['Edit']]);
    assert.equal(boxes.options.length, 3, 'Edit asked for the address again');
    assert.equal(boxes.options[2].value, 'http://127.0.0.1:9', 'starting at what was typed');
  });
});
