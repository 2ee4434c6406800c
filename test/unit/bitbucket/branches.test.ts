import { strict as assert } from 'node:assert';
import { createBitbucketGateway } from '../../../server/bitbucket/restGateway';
import { settingsFromEnv } from '../../../server/bitbucket/settings';
import { Logger } from '../../../server/log';
import { startFakeBitbucket, type FakeBitbucket } from '../../support/fakeBitbucket';

describe('Bitbucket branches (refs/branches)', () => {
  let bitbucket: FakeBitbucket;
  const credential = { username: 'ana@example.com', secret: 'ATATT3xFfGF0-branches', credentialType: 'api_token' as const };
  const gateway = () => createBitbucketGateway(bitbucket.url, new Logger(() => undefined), settingsFromEnv({}));

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: credential.secret, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepository('acme/network');
    bitbucket.world.addBranch('acme/network', 'feature/vpc', 'a'.repeat(40));
    for (let i = 0; i < 130; i++) bitbucket.world.addBranch('acme/network', `topic-${i}`);
  });
  after(() => bitbucket.stop());

  it('the fake seeds the main branch with a 40-hex head', () => {
    const head = bitbucket.world.repository('acme/network')?.branches.get('main');
    assert.match(head ?? '', /^[0-9a-f]{40}$/);
  });

  it('finds a branch by name, slashes included, with its head commit', async () => {
    assert.deepEqual(await gateway().getBranch(credential, 'acme/network', 'feature/vpc', {}), { name: 'feature/vpc', commit: 'a'.repeat(40) });
  });

  it('answers null for a branch the repository does not have (a typo such as "mian")', async () => {
    assert.equal(await gateway().getBranch(credential, 'acme/network', 'mian', {}), null);
  });

  it('lists every branch across pages', async () => {
    const branches = await gateway().listBranches(credential, 'acme/network', {});
    assert.equal(branches.length, 132);
    assert.ok(branches.some((branch) => branch.name === 'main'));
  });

  it('the log names the repository and branch it asked about, not the path template', async () => {
    const lines: string[] = [];
    const logged = createBitbucketGateway(bitbucket.url, new Logger((_level, line) => lines.push(line)), settingsFromEnv({}));
    await logged.getBranch(credential, 'acme/network', 'feature/vpc', {});
    assert.ok(lines.some((line) => line.includes('GET /repositories/acme/network/refs/branches/feature%2Fvpc → 200')), lines.join('\n'));
    assert.ok(!lines.some((line) => line.includes('{repo_slug}')), lines.join('\n'));
  });

  it('a repository the credential cannot see is an error, not an empty list', async () => {
    await assert.rejects(gateway().listBranches(credential, 'acme/missing', {}));
  });
});
