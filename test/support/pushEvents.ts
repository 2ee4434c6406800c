// repo:push bodies for pushes made to the fake Bitbucket's git (`pushCommit`), in the shape
// Bitbucket Cloud sends (the fields Stackhook reads: the repository, and each change's new and old
// refs with their commits; null `old` for a new branch).
import type { FakeBitbucket } from './fakeBitbucket';
import type { WebhookEvent } from './pullRequestEvents';
import { webhookRepository } from './pullRequestEvents';

export interface PushChange {
  branch: string;
  /** The commit the branch now points at. */
  commit: string;
  /** What it pointed at before; null when the push created the branch. */
  old: string | null;
}

const ref = (fake: Pick<FakeBitbucket, 'origin'>, fullName: string, branch: string, hash: string) => ({
  type: 'branch',
  name: branch,
  target: { type: 'commit', hash, links: { html: { href: `${fake.origin}/${fullName}/commits/${hash}` } } },
});

export function pushEvent(fake: Pick<FakeBitbucket, 'world' | 'origin'>, fullName: string, changes: readonly PushChange[]): WebhookEvent {
  const repository = fake.world.repository(fullName);
  if (!repository) throw new Error(`The fake has no repository ${fullName}.`);
  const json: Record<string, unknown> = {
    repository: webhookRepository(fake, repository),
    push: {
      changes: changes.map((change) => ({
        new: ref(fake, fullName, change.branch, change.commit),
        old: change.old === null ? null : ref(fake, fullName, change.branch, change.old),
        created: change.old === null,
        forced: false,
        closed: false,
      })),
    },
  };
  return { eventKey: 'repo:push', body: JSON.stringify(json), json };
}
