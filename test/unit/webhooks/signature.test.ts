import { strict as assert } from 'node:assert';
import { checkSignature, signatureFor } from '../../../server/webhooks/signature';
import { SIGNATURE_VECTOR, loadFixture } from './fixtures';

describe('webhook signatures (R17)', () => {
  const body = loadFixture(SIGNATURE_VECTOR.file).body;

  it('R17: the vector from the fixtures README passes', () => {
    assert.equal(signatureFor(SIGNATURE_VECTOR.secret, body), SIGNATURE_VECTOR.header);
    assert.equal(checkSignature(SIGNATURE_VECTOR.secret, body, SIGNATURE_VECTOR.header), 'valid');
  });

  it('R17: the vector with its last hex digit changed is refused', () => {
    assert.equal(checkSignature(SIGNATURE_VECTOR.secret, body, SIGNATURE_VECTOR.mutated), 'mismatch');
  });

  it('R17: the HMAC covers the raw bytes, so the same JSON spelled differently does not pass', () => {
    const indented = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8')), null, 2));
    assert.equal(checkSignature(SIGNATURE_VECTOR.secret, indented, SIGNATURE_VECTOR.header), 'mismatch');
    assert.equal(checkSignature(SIGNATURE_VECTOR.secret, Buffer.concat([body, Buffer.from('\n')]), SIGNATURE_VECTOR.header), 'mismatch');
  });

  it('R17: a wrong secret, a missing header and malformed headers are refused', () => {
    assert.equal(checkSignature('another-secret', body, SIGNATURE_VECTOR.header), 'mismatch');
    assert.equal(checkSignature(SIGNATURE_VECTOR.secret, body, undefined), 'missing');
    assert.equal(checkSignature(SIGNATURE_VECTOR.secret, body, ''), 'missing');
    const hex = SIGNATURE_VECTOR.header.slice('sha256='.length);
    for (const header of [hex, `sha1=${hex}`, `sha256=${hex.slice(0, 63)}`, `sha256=${hex}0`, `sha256=${hex.slice(0, 63)}g`, `sha512=${hex}`]) {
      assert.equal(checkSignature(SIGNATURE_VECTOR.secret, body, header), 'malformed', header);
    }
  });

  it('R17: upper-case hex digits are the same signature', () => {
    const upper = `sha256=${SIGNATURE_VECTOR.header.slice('sha256='.length).toUpperCase()}`;
    assert.equal(checkSignature(SIGNATURE_VECTOR.secret, body, upper), 'valid');
  });
});
