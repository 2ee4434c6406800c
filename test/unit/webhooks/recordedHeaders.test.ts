// What is kept of a delivery's headers: a fixed list that carries no secret, the signature only as
// present or absent; and delivery lines written before headers were kept still load.
import * as assert from 'node:assert/strict';
import { registerSecret } from '../../../server/log';
import { StoredDelivery } from '../../../server/store/storedDelivery';
import { recordedHeaders } from '../../../server/webhooks/recordedHeaders';

describe('recorded delivery headers', () => {
  it('keeps the listed headers as Bitbucket names them, the signature as present, and nothing else', () => {
    registerSecret('whsec-recorded-headers-test');
    const kept = recordedHeaders({
      'x-event-key': 'repo:push',
      'x-hook-uuid': '{hook}',
      'x-request-uuid': 'req-1',
      'x-attempt-number': '2',
      'user-agent': 'Bitbucket-Webhooks/2.0 whsec-recorded-headers-test\u001b[31m',
      'content-type': 'application/json',
      'x-hub-signature': 'sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      authorization: 'Basic YW5hOnNlY3JldA==',
      cookie: 'session=abc',
    });
    assert.deepEqual(kept, {
      'X-Hub-Signature': 'present',
      'X-Event-Key': 'repo:push',
      'X-Hook-UUID': '{hook}',
      'X-Request-UUID': 'req-1',
      'X-Attempt-Number': '2',
      'User-Agent': 'Bitbucket-Webhooks/2.0 ••••••?[31m',
      'Content-Type': 'application/json',
    });
    assert.deepEqual(recordedHeaders({}), { 'X-Hub-Signature': 'absent' });
  });

  it('a delivery line without headers still loads, and a line holding other headers loses them', () => {
    const line = {
      id: 'd-1',
      integrationId: 'acme-main',
      eventKey: 'repo:push',
      repository: 'acme/network',
      verdict: 'ignored',
      reason: 'no stack tracks acme/network',
      status: 200,
      stackIds: [],
      receivedAt: '2026-11-25T12:04:00.000Z',
    };
    assert.equal(StoredDelivery.parse(line).headers, undefined);
    const forged = StoredDelivery.parse({ ...line, headers: { 'X-Hub-Signature': 'present', Authorization: 'Basic YW5hOnNlY3JldA==' } });
    assert.deepEqual(forged.headers, { 'X-Hub-Signature': 'present' });
  });
});
