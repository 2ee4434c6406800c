// How the fake writes Bitbucket's JSON: the same envelopes, types, braced UUIDs and links as the
// real API (checked against the OpenAPI document by test/unit/bitbucket/openapi.test.ts).
import type { FakeHook, FakeRepository, FakeUser, FakeWorkspace } from './world';

const link = (href: string) => ({ href });

export function errorBody(message: string, detail?: string, fields?: Record<string, string[]>) {
  return { type: 'error', error: { message, ...(detail !== undefined ? { detail } : {}), ...(fields ? { fields } : {}) } };
}

export function renderUser(user: FakeUser, origin: string) {
  return {
    type: 'user',
    uuid: user.uuid,
    account_id: user.accountId,
    nickname: user.nickname,
    display_name: user.displayName,
    account_status: 'active',
    has_2fa_enabled: false,
    is_staff: false,
    created_on: '2024-01-15T09:30:00.000000+00:00',
    links: {
      self: link(`${origin}/2.0/users/${encodeURIComponent(user.uuid)}`),
      html: link(`${origin}/${encodeURIComponent(user.uuid)}/`),
      avatar: link(`${origin}/account/${user.nickname}/avatar/`),
    },
  };
}

export function renderWorkspaceBase(workspace: FakeWorkspace, origin: string) {
  return {
    type: 'workspace_base',
    uuid: workspace.uuid,
    slug: workspace.slug,
    name: workspace.name,
    links: { self: link(`${origin}/2.0/workspaces/${workspace.slug}`), avatar: link(`${origin}/workspaces/${workspace.slug}/avatar/`) },
  };
}

export function renderWorkspaceAccess(workspace: FakeWorkspace, administrator: boolean, origin: string) {
  return { type: 'workspace_access', administrator, workspace: renderWorkspaceBase(workspace, origin) };
}

export function renderRepository(repository: FakeRepository, workspace: FakeWorkspace, origin: string) {
  const fullName = `${repository.workspace}/${repository.slug}`;
  return {
    type: 'repository',
    uuid: repository.uuid,
    full_name: fullName,
    name: repository.name,
    slug: repository.slug,
    is_private: repository.isPrivate,
    scm: 'git',
    description: '',
    fork_policy: 'no_public_forks',
    language: 'hcl',
    has_issues: false,
    has_wiki: false,
    size: 1024,
    created_on: '2025-03-01T10:00:00.000000+00:00',
    updated_on: '2026-11-01T10:00:00.000000+00:00',
    ...(repository.mainBranch !== null ? { mainbranch: { type: 'branch', name: repository.mainBranch } } : {}),
    workspace: { type: 'workspace', uuid: workspace.uuid, slug: workspace.slug, name: workspace.name },
    owner: { type: 'team', uuid: workspace.uuid, display_name: workspace.name },
    project: { type: 'project', uuid: '{00000000-0000-4000-8000-000000000001}', key: 'INFRA', name: 'Infrastructure' },
    links: {
      self: link(`${origin}/2.0/repositories/${fullName}`),
      html: link(`${origin}/${fullName}`),
      clone: [
        { name: 'https', href: `${origin.replace('://', `://${encodeURIComponent('x-bitbucket-api-token-auth')}@`)}/${fullName}.git` },
        { name: 'ssh', href: `ssh://git@${new URL(origin).hostname}/${fullName}.git` },
      ],
    },
  };
}

export function renderHook(hook: FakeHook, subject: { kind: 'repository'; repository: FakeRepository } | { kind: 'workspace'; workspace: FakeWorkspace }) {
  const subjectBody =
    subject.kind === 'repository'
      ? { type: 'repository', uuid: subject.repository.uuid, full_name: `${subject.repository.workspace}/${subject.repository.slug}`, name: subject.repository.name }
      : { type: 'workspace', uuid: subject.workspace.uuid, slug: subject.workspace.slug, name: subject.workspace.name };
  return {
    type: 'webhook_subscription',
    uuid: hook.uuid,
    url: hook.url,
    description: hook.description,
    subject_type: subject.kind,
    subject: subjectBody,
    active: hook.active,
    created_at: hook.createdAt,
    events: [...hook.events],
    // The secret itself is never returned, only whether there is one.
    secret_set: hook.secret !== null && hook.secret !== '',
  };
}

export function renderPullRequestStub(id: number) {
  return { type: 'pullrequest', id, title: `Pull request #${id}`, state: 'OPEN' };
}

export function renderBranch(repository: FakeRepository, name: string, hash: string, origin: string) {
  const fullName = `${repository.workspace}/${repository.slug}`;
  const encoded = encodeURIComponent(name);
  return {
    type: 'branch',
    name,
    target: {
      type: 'commit',
      hash,
      repository: { type: 'repository', uuid: repository.uuid, full_name: fullName, name: repository.name },
      links: { self: link(`${origin}/2.0/repositories/${fullName}/commit/${hash}`), html: link(`${origin}/${fullName}/commits/${hash}`) },
    },
    links: {
      self: link(`${origin}/2.0/repositories/${fullName}/refs/branches/${encoded}`),
      commits: link(`${origin}/2.0/repositories/${fullName}/commits/${encoded}`),
      html: link(`${origin}/${fullName}/branch/${encoded}`),
    },
  };
}
