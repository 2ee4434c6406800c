import * as assert from 'node:assert/strict';
import { isLoopbackHost, parseTeamAddress } from '../../../extension/connection/teamServer/address';
import { reconnectDelayMs } from '../../../extension/connection/teamServer/backoff';

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
    assert.throws(() => parseTeamAddress('stackhook.example.com'), /is not a URL/);
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
