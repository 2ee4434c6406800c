// The zod schemas of Bitbucket's answers: they accept Bitbucket's real shapes (and extra fields),
// and refuse what Stackhook could not use.
import { strict as assert } from 'node:assert';
import { curlFor } from '../../../server/bitbucket/curl';
import { Endpoints, pathOf, REMOVED_ENDPOINTS, REQUIRED_SCOPES } from '../../../server/bitbucket/endpoints';
import { isUnderBase } from '../../../server/bitbucket/pagination';
import { toRepository } from '../../../server/bitbucket/repositories';
import { BitbucketRepository, BitbucketUser, ErrorBody, Hook, HookPage, RepositoryPage, WorkspaceAccessPage } from '../../../server/bitbucket/schemas';

describe('Bitbucket response schemas', () => {
  it('parses the OpenAPI example of GET /user/workspaces (workspace_base has no name)', () => {
    const page = WorkspaceAccessPage.parse({
      pagelen: 25,
      page: 1,
      size: 1,
      values: [
        {
          administrator: true,
          type: 'workspace_access',
          workspace: { links: {}, slug: 'bbworkspace1', type: 'workspace_base', uuid: '{470c176d-3574-44ea-bb41-89e8638bcca4}' },
        },
      ],
    });
    assert.equal(page.values[0]?.workspace.slug, 'bbworkspace1');
    assert.equal(page.values[0]?.workspace.name, undefined);
    assert.equal(page.next, undefined);
  });

  it('parses a user, ignoring fields it does not use', () => {
    const user = BitbucketUser.parse({ type: 'user', display_name: 'Ana', account_id: '557058:x', nickname: 'ana', uuid: '{u}', is_staff: false });
    assert.equal(user.display_name, 'Ana');
  });

  it('turns a repository into the protocol shape; an empty repository has no main branch', () => {
    const repository = BitbucketRepository.parse({ type: 'repository', full_name: 'acme/network', slug: 'network', is_private: true, mainbranch: { type: 'branch', name: 'trunk' } });
    assert.deepEqual(toRepository(repository), { fullName: 'acme/network', workspace: 'acme', slug: 'network', isPrivate: true, mainBranch: 'trunk' });
    const empty = BitbucketRepository.parse({ type: 'repository', full_name: 'acme/empty', is_private: false });
    assert.equal(toRepository(empty).mainBranch, null);
    assert.equal(toRepository(empty).slug, 'empty');
  });

  it('refuses a repository page whose values lack full_name, naming the field', () => {
    const parsed = RepositoryPage.safeParse({ pagelen: 100, values: [{ is_private: true }] });
    assert.equal(parsed.success, false);
    if (!parsed.success) assert.deepEqual(parsed.error.issues[0]?.path, ['values', 0, 'full_name']);
  });

  it('a hook has a braced uuid and secret_set, never a secret', () => {
    const hook = Hook.parse({ type: 'webhook_subscription', uuid: '{0f4e1c8a-8d3b-4f1e-9a2b-3c4d5e6f7a8b}', url: 'https://h/x', active: true, events: ['repo:push'], secret_set: true, secret: 'leak' });
    assert.equal('secret' in hook, false, 'unknown fields are dropped');
    assert.equal(HookPage.safeParse({ values: [{ uuid: 'not-braced', url: 'u', active: true, events: [] }] }).success, false);
  });

  it('recognises Bitbucket error bodies and nothing else', () => {
    assert.equal(ErrorBody.safeParse({ type: 'error', error: { message: 'Not found' } }).success, true);
    assert.equal(ErrorBody.safeParse('<html>').success, false);
  });
});

describe('Bitbucket requests', () => {
  it('URL-encodes path values: a braced hook uid becomes %7B…%7D', () => {
    const path = pathOf(Endpoints.updateRepositoryHook.template, { workspace: 'acme', repo_slug: 'network', uid: '{0f4e1c8a-8d3b-4f1e-9a2b-3c4d5e6f7a8b}' });
    assert.equal(path, '/repositories/acme/network/hooks/%7B0f4e1c8a-8d3b-4f1e-9a2b-3c4d5e6f7a8b%7D');
  });

  it('never uses a removed endpoint, and needs exactly the seven scopes of docs/design.md §6 and the two that runs on Pipelines add', () => {
    for (const endpoint of Object.values(Endpoints)) {
      assert.equal(REMOVED_ENDPOINTS.some((removed) => removed.method === endpoint.method && removed.template === endpoint.template), false, endpoint.template);
    }
    assert.deepEqual([...REQUIRED_SCOPES].sort(), [
      'delete:webhook:bitbucket',
      'read:pipeline:bitbucket',
      'read:pullrequest:bitbucket',
      'read:repository:bitbucket',
      'read:user:bitbucket',
      'read:webhook:bitbucket',
      'read:workspace:bitbucket',
      'write:pipeline:bitbucket',
      'write:webhook:bitbucket',
    ]);
  });

  it('follows next links only under the API base, so the credential never goes elsewhere', () => {
    assert.equal(isUnderBase('https://api.bitbucket.org/2.0/repositories/acme?page=2', 'https://api.bitbucket.org/2.0'), true);
    assert.equal(isUnderBase('https://evil.example.com/2.0/repositories/acme?page=2', 'https://api.bitbucket.org/2.0'), false);
    assert.equal(isUnderBase('https://api.bitbucket.org/2.00/x', 'https://api.bitbucket.org/2.0'), false);
  });

  it('R9: the curl line masks the secret', () => {
    const line = curlFor('https://api.bitbucket.org/2.0', { username: 'ana@example.com', secret: 'ATATT3xFfGF0-very-secret', credentialType: 'api_token' });
    assert.equal(line, "curl -sS -u 'ana@example.com:ATAT••••••' -H 'Accept: application/json' 'https://api.bitbucket.org/2.0/user'");
    assert.doesNotMatch(line, /very-secret/);
  });
});
