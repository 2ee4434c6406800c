import { strict as assert } from 'node:assert';
import { MASK, forgetSecrets, maskEverything, maskResult, maskText, registerCredential, registerSecret } from '../../../server/protocol/masking';

describe('masking: every form of a secret, in one place', () => {
  afterEach(() => forgetSecrets());
  const token = 'ATATT3x/token+with=signs';
  const basic = Buffer.from(`ana@example.com:${token}`).toString('base64');

  it('masks the raw token, its URL encoding and base64(email:token), with or without padding', () => {
    registerCredential(token, 'ana@example.com');
    for (const form of [token, encodeURIComponent(token), basic, basic.replace(/=+$/, '')]) {
      assert.equal(maskText(`x ${form} y`), `x ${MASK} y`, form);
    }
  });

  it('masks Basic and Bearer header values it never saw', () => {
    assert.equal(maskText('Authorization: Basic Zm9vOmJhcmJheg=='), `Authorization: Basic ${MASK}`);
    assert.equal(maskText('authorization: bearer abc.def.ghi'), `authorization: bearer ${MASK}`);
  });

  it('results keep webhook secrets (an admin asked for one) but never credentials', () => {
    registerSecret('webhook-secret-value');
    registerCredential(token, 'ana@example.com');
    assert.deepEqual(maskResult({ secret: 'webhook-secret-value', problems: [`said ${token}`] }), { secret: 'webhook-secret-value', problems: [`said ${MASK}`] });
    assert.deepEqual(maskEverything({ reason: 'webhook-secret-value' }), { reason: MASK });
  });

  it('leaves short values and ordinary text alone', () => {
    registerSecret('abc');
    assert.equal(maskText('abc Basic'), 'abc Basic');
  });
});
