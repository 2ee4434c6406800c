// The `repo:push` body of one branch moved by a person (the demo's commits and merges; pushEvents.ts builds bodies of several changes without an actor): the body Bitbucket Cloud sends when a branch moves, built from the fake Bitbucket's
// world (its repository, commit links and actor), in the shape of the real bodies: one change with
// `old` and `new` refs (null `old` when the push made the branch), the new commits, and the flags.
import type { FakeBitbucket } from './fakeBitbucket';
import type { FakeUser } from './fakeBitbucket/model';
import { webhookRepository, type WebhookEvent } from './pullRequestEvents';

type Fake = Pick<FakeBitbucket, 'world' | 'origin'>;

export interface PushEventOptions {
  repository: string;
  branch: string;
  /** The branch's head before the push; null when the push made the branch. */
  before: string | null;
  after: string;
  message: string;
  actor: FakeUser;
}

export function branchPushEvent(fake: Fake, options: PushEventOptions): WebhookEvent {
  const repository = fake.world.repository(options.repository);
  if (!repository) throw new Error(`No repository ${options.repository} in the fake Bitbucket.`);
  const fullName = `${repository.workspace}/${repository.slug}`;
  const actor = {
    account_id: options.actor.accountId,
    display_name: options.actor.displayName,
    nickname: options.actor.nickname,
    type: 'user',
    uuid: options.actor.uuid,
    links: { html: { href: `${fake.origin}/${encodeURIComponent(options.actor.uuid)}/` } },
  };
  const commit = (hash: string, message?: string) => ({
    type: 'commit',
    hash,
    links: { html: { href: `${fake.origin}/${fullName}/commits/${hash}` }, self: { href: `${fake.origin}/2.0/repositories/${fullName}/commit/${hash}` } },
    ...(message !== undefined ? { message, author: { type: 'author', raw: `${options.actor.displayName} <${options.actor.email}>`, user: actor }, date: new Date().toISOString() } : {}),
  });
  const ref = (hash: string, message?: string) => ({
    type: 'branch',
    name: options.branch,
    target: commit(hash, message),
    links: { html: { href: `${fake.origin}/${fullName}/branch/${options.branch}` } },
  });
  const json: Record<string, unknown> = {
    actor,
    repository: webhookRepository(fake, repository),
    push: {
      changes: [
        {
          old: options.before === null ? null : ref(options.before),
          new: ref(options.after, options.message),
          created: options.before === null,
          closed: false,
          forced: false,
          truncated: false,
          commits: [commit(options.after, options.message)],
          links: { html: { href: `${fake.origin}/${fullName}/branches/compare/${options.after}..${options.before ?? options.after}` } },
        },
      ],
    },
  };
  return { eventKey: 'repo:push', body: JSON.stringify(json), json };
}
