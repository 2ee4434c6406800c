import { strict as assert } from 'node:assert';
import { idFromName, requireIdFromName } from '../../../server/registry/names';
import { webhookUrlFor } from '../../../server/registry/webhookUrl';

describe('registry/names and webhookUrl', () => {
  it('R5: the id is the lower-cased name with every run of other characters turned into one dash', () => {
    assert.equal(idFromName('Prod BB'), 'prod-bb');
    assert.equal(idFromName('  Acme -- Main!! 2026 '), 'acme-main-2026');
    assert.equal(idFromName('payments_team.EU'), 'payments-team-eu');
    assert.equal(idFromName('Ünïcode Team'), 'n-code-team');
  });

  it('R5: no dash at either end, and a name with no letter or digit is refused', () => {
    assert.equal(idFromName('--x--'), 'x');
    assert.throws(() => requireIdFromName('!!! ---', 'integration'), (error: Error & { kind?: string }) => {
      assert.equal(error.kind, 'Invalid');
      assert.match(error.message, /no letters or digits/);
      return true;
    });
  });

  it('R2: names that differ only in case or punctuation derive the same id', () => {
    assert.equal(idFromName('Prod BB'), idFromName('prod-bb'));
    assert.equal(idFromName('PROD_bb'), idFromName('prod bb'));
  });

  it('R5: the webhook URL is <public base URL>/webhooks/bitbucket-cloud/<id>, whatever trailing slashes the base has', () => {
    assert.equal(webhookUrlFor('https://hooks.example.com/', 'acme-main'), 'https://hooks.example.com/webhooks/bitbucket-cloud/acme-main');
    assert.equal(webhookUrlFor('https://example.com/stackhook//', 'x'), 'https://example.com/stackhook/webhooks/bitbucket-cloud/x');
  });
});
