// Names, labels, space names and users cannot carry text that forges a log line or shows other text
// than it is; repository names cannot leave Bitbucket's /2.0 paths.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../../server/protocol';

const UNSAFE = {
  NUL: 'prod\u0000net',
  newline: 'prod\n[2026-11-25T12:00:00Z] info forged line',
  'carriage return': 'prod\rnet',
  'ANSI escape': 'prod\u001b[31mred',
  'bidi override': 'prod\u202enet',
  'bidi isolate': 'prod\u2066net',
  'line separator': 'prod\u2028net',
  tab: 'prod\tnet',
};

function refusal(definition: { params: { safeParse(value: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } } }, params: unknown): string {
  const parsed = definition.params.safeParse(params);
  assert.equal(parsed.success, false, `accepted ${JSON.stringify(params)}`);
  return (parsed.error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}

describe('protocol: unsafe text and repository names are refused with a clear message', () => {
  for (const [what, text] of Object.entries(UNSAFE)) {
    it(`${what} in an integration name, label or username, a space name, a granted user, a stack name`, () => {
      const create = { type: 'default', username: 'ana@example.com', secret: 'ATATT-0123456789' };
      assert.match(refusal(Protocol.IntegrationsCreate, { ...create, name: text }), /^name: must not hold control characters/);
      assert.match(refusal(Protocol.IntegrationsCreate, { ...create, name: 'ok', labels: [text] }), /^labels\.0: must not hold control characters/);
      assert.match(refusal(Protocol.IntegrationsCreate, { ...create, name: 'ok', username: text }), /^username: must not hold/);
      assert.match(refusal(Protocol.SpacesCreate, { name: text, parentId: 'root', inheritEntities: true }), /^name: must not hold/);
      assert.match(refusal(Protocol.AccessGrant, { user: text, spaceId: 'root', role: 'read' }), /^user: must not hold/);
      assert.match(refusal(Protocol.StacksCreate, { name: text, spaceId: 'root', integrationId: 'main', repository: 'acme/net', branch: 'main' }), /^name: must not hold/);
    });
  }

  it('ordinary names with accents, spaces and punctuation still pass', () => {
    assert.ok(Protocol.SpacesCreate.params.safeParse({ name: 'Équipe plateforme (EU) – prod', parentId: 'root', inheritEntities: true }).success);
  });

  for (const repository of ['../..', 'acme/..', '../acme', './x', 'acme/.']) {
    it(`the repository "${repository}" is refused`, () => {
      assert.match(refusal(Protocol.StacksCreate, { name: 'x', spaceId: 'root', integrationId: 'main', repository, branch: 'main' }), /^repository: /);
      assert.match(refusal(Protocol.WebhooksStatus, { integrationId: 'main', repositories: [repository] }), /^repositories\.0: /);
    });
  }

  it('workspaces "." and ".." are refused', () => {
    assert.match(refusal(Protocol.RepositoriesList, { integrationId: 'main', workspace: '..' }), /^workspace: must be a workspace slug/);
    assert.match(refusal(Protocol.WebhooksWorkspaceStatus, { integrationId: 'main', workspace: '.' }), /^workspace: must be a workspace slug/);
  });
});
