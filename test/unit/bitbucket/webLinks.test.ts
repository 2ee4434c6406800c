import { strict as assert } from 'node:assert';
import { bitbucketWebBase, repositoryWebLinks } from '../../../server/bitbucket/webLinks';
import { webLinks } from '../../../server/operations/repositories';
import { testWorld } from '../../support/testContext';

describe('bitbucket/webLinks: pages of the Bitbucket the server talks to', () => {
  it('derives the web base from the API URL', () => {
    assert.equal(bitbucketWebBase('https://api.bitbucket.org/2.0'), 'https://bitbucket.org');
    assert.equal(bitbucketWebBase('https://api.bitbucket.org/2.0/'), 'https://bitbucket.org');
    assert.equal(bitbucketWebBase('http://127.0.0.1:8080/2.0'), 'http://127.0.0.1:8080');
  });

  it('builds the repository, webhook settings and commit pages, encoded', () => {
    assert.deepEqual(repositoryWebLinks('https://bitbucket.org', 'acme/infra-live', 'a1b2c3'), {
      repository: 'https://bitbucket.org/acme/infra-live',
      webhooks: 'https://bitbucket.org/acme/infra-live/admin/webhooks',
      commit: 'https://bitbucket.org/acme/infra-live/commits/a1b2c3',
    });
  });

  it('repositories/webLinks answers from the configured Bitbucket', async () => {
    const world = await testWorld('ana');
    try {
      const context = { ...world.as('ana'), bitbucketWeb: 'http://127.0.0.1:8080' };
      assert.deepEqual(await webLinks(context, { repository: 'acme/dns' }), {
        repository: 'http://127.0.0.1:8080/acme/dns',
        webhooks: 'http://127.0.0.1:8080/acme/dns/admin/webhooks',
      });
      assert.equal((await webLinks(world.as('ana'), { repository: 'acme/dns' })).repository, 'https://bitbucket.org/acme/dns');
    } finally {
      world.close();
    }
  });
});
