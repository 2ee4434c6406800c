// The Bitbucket webhook bodies in ../shared/fixtures (real data, read-only) and the event key each
// was sent with, as /work/shared/fixtures/README.md names them.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const FIXTURES = path.resolve(REPO_ROOT, '../shared/fixtures');
export const WEBHOOK_FIXTURES = path.join(FIXTURES, 'webhooks');

/** The signature vector from the fixtures README. */
export const SIGNATURE_VECTOR = {
  file: 'jenkins-bitbucket-branch-source/signed_payload.json',
  secret: 'Gkvl$k$wyNpQAF42',
  header: 'sha256=f205c729821c6954aff2afe72b965c34015b4baf96ea8ddc2cc44999c014a035',
  mutated: 'sha256=f205c729821c6954aff2afe72b965c34015b4baf96ea8ddc2cc44999c014a036',
};

export interface WebhookFixture {
  /** `<source folder>/<file>` */
  name: string;
  eventKey: string;
  body: Buffer;
  json: Record<string, unknown>;
}

/** The event key of a fixture, from the README's naming rules. */
export function eventKeyOf(name: string): string {
  const [folder, file = ''] = name.split('/');
  const base = file.replace(/\.json$/, '');
  if (folder === 'atlantis') {
    if (base === 'bitbucket-cloud-comment-event') return 'pullrequest:comment_created';
    const action = /^bitbucket-cloud-pull-event-(created|updated|fulfilled|rejected)$/.exec(base)?.[1];
    if (action) return `pullrequest:${action}`;
  } else {
    if (/Push/.test(base) || /^(branch_|tag_)/.test(base) || base === 'commit_created' || base === 'annotated_tag_created' || base === 'signed_payload') {
      return 'repo:push';
    }
    if (base === 'pullrequest_created' || /PullRequestEventTest-createPayload/.test(base)) return 'pullrequest:created';
    if (base === 'pullrequest_updated' || /updatePayload_/.test(base)) return 'pullrequest:updated';
    if (/fulfilledPayload/.test(base)) return 'pullrequest:fulfilled';
    if (/rejected/i.test(base)) return 'pullrequest:rejected';
  }
  throw new Error(`The fixture ${name} has no known event key: add it to eventKeyOf.`);
}

export function loadFixture(name: string): WebhookFixture {
  const body = readFileSync(path.join(WEBHOOK_FIXTURES, name));
  return { name, eventKey: eventKeyOf(name), body, json: JSON.parse(body.toString('utf8')) as Record<string, unknown> };
}

export function allFixtures(): WebhookFixture[] {
  return readdirSync(WEBHOOK_FIXTURES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((folder) =>
      readdirSync(path.join(WEBHOOK_FIXTURES, folder.name))
        .filter((file) => file.endsWith('.json'))
        .map((file) => loadFixture(`${folder.name}/${file}`)),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** `repository.full_name` of a fixture. */
export function repositoryOf(fixture: WebhookFixture): string {
  const repository = fixture.json.repository as { full_name: string };
  return repository.full_name;
}
