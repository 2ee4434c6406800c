// What the demo (`STACKHOOK_DEMO=1 npm start`) asks of the simulated Bitbucket: make a commit on a
// branch, open or update a pull request, comment on it, approve it, merge it — each changing the
// world as a person would in Bitbucket, then sending the signed deliveries Bitbucket would send to
// every hook that subscribes (webhookDelivery.ts). Served under /_demo/ only when the fake is
// started with `demo` (never in the tests of the REST API), and on loopback like everything else.
import * as z from 'zod';
import { pullRequestEvent, type PullRequestEventKey, type WebhookEvent } from '../pullRequestEvents';
import { branchPushEvent } from '../branchPushEvent';
import { deliverToHooks } from '../webhookDelivery';
import type { FakeBitbucket } from './index';
import type { FakeUser } from './model';
import { Refusal } from './pullRequests';

export interface DemoPeople {
  /** Who commits, opens and merges: the demo's signed-in user. */
  author: string;
  /** Who comments and approves (Bitbucket does not let authors approve their own pull requests). */
  reviewer: string;
}

export interface DemoReply {
  status: number;
  body: unknown;
}

const Name = z.string().min(1).max(300);
const Commit = z.object({ repository: Name, branch: Name, path: z.string().min(1).max(1_000).optional(), message: z.string().min(1).max(1_000).optional() });
const OpenPull = z.object({ repository: Name, source: Name, destination: Name.optional(), title: z.string().min(1).max(300).optional(), path: z.string().min(1).max(1_000).optional() });
const OnPull = z.object({ repository: Name, id: z.number().int().positive(), text: z.string().min(1).max(10_000).optional() });

/** What was delivered, hook by hook, for the editor to say. */
async function deliver(fake: FakeBitbucket, repository: string, events: WebhookEvent[]) {
  const sent: { event: string; url: string; status: number }[] = [];
  for (const event of events) {
    for (const { hook, sent: answer } of await deliverToHooks(fake, repository, event)) sent.push({ event: event.eventKey, url: hook.url, status: answer.status });
  }
  return sent;
}

/** The file a demo commit changes: in the stack's project root, so the push concerns the stack. */
function changedFile(path: string | undefined): string {
  return path ?? 'stackhook-demo.tf';
}

function commitFiles(path: string | undefined, message: string): Record<string, string> {
  return { [changedFile(path)]: `# ${message} (${new Date().toISOString()})\n` };
}

export async function demoControl(fake: FakeBitbucket, people: DemoPeople, method: string, route: string, body: unknown): Promise<DemoReply> {
  const author: FakeUser = fake.world.person(people.author);
  const reviewer: FakeUser = fake.world.person(people.reviewer, 'Bo Reviewer');
  try {
    if (method === 'GET' && route === 'state') {
      const repositories = [...fake.world.repositories.values()].map((repository) => ({
        fullName: `${repository.workspace}/${repository.slug}`,
        mainBranch: repository.mainBranch,
        branches: [...repository.branches.keys()],
        pullRequests: [...repository.pulls.values()].map((pull) => ({ id: pull.id, title: pull.title, source: pull.source.branch, destination: pull.destination.branch, state: pull.state })),
      }));
      return { status: 200, body: { repositories } };
    }
    if (method !== 'POST') return { status: 405, body: { error: `${method} /_demo/${route} is not a demo action.` } };
    if (route === 'commit') {
      const params = Commit.parse(body);
      const before = fake.world.repository(params.repository)?.branches.get(params.branch) ?? null;
      const message = params.message ?? `Change ${changedFile(params.path)}`;
      const after = fake.pushCommit(params.repository, params.branch, commitFiles(params.path, message), message);
      const deliveries = await deliver(fake, params.repository, [branchPushEvent(fake, { repository: params.repository, branch: params.branch, before, after, message, actor: author })]);
      return { status: 200, body: { commit: after, deliveries } };
    }
    if (route === 'pull-request') {
      const params = OpenPull.parse(body);
      const repository = fake.world.repository(params.repository);
      if (!repository) throw new Refusal(404, `No repository ${params.repository}.`);
      const destination = params.destination ?? repository.mainBranch ?? 'main';
      const open = [...repository.pulls.values()].find((pull) => pull.state === 'OPEN' && pull.source.branch === params.source && pull.destination.branch === destination);
      // A pull request needs a change: a new branch (or one level with its destination) gets a commit first.
      const before = repository.branches.get(params.source) ?? null;
      const needsCommit = open !== undefined || before === null || before === repository.branches.get(destination);
      const events: WebhookEvent[] = [];
      if (needsCommit) {
        const message = open ? `Update ${changedFile(params.path)}` : `Change ${changedFile(params.path)}`;
        const after = fake.pushCommit(params.repository, params.source, commitFiles(params.path, message), message);
        events.push(branchPushEvent(fake, { repository: params.repository, branch: params.source, before, after, message, actor: author }));
      }
      if (open) {
        events.push(pullRequestEvent(fake, 'pullrequest:updated', { repository: params.repository, id: open.id, actor: author }));
        return { status: 200, body: { id: open.id, created: false, deliveries: await deliver(fake, params.repository, events) } };
      }
      // As in Bitbucket, the branch is pushed (and its push delivered) before the pull request exists.
      const pushed = await deliver(fake, params.repository, events);
      const pull = fake.pullRequests.create(params.repository, { source: params.source, destination, title: params.title ?? `Change ${params.source}`, author, reviewers: [reviewer] });
      const opened = await deliver(fake, params.repository, [pullRequestEvent(fake, 'pullrequest:created', { repository: params.repository, id: pull.id, actor: author })]);
      return { status: 200, body: { id: pull.id, created: true, deliveries: [...pushed, ...opened] } };
    }
    const params = OnPull.parse(body);
    const send = async (eventKey: PullRequestEventKey, actor: FakeUser, extra: WebhookEvent[] = []) => ({
      status: 200,
      body: { id: params.id, deliveries: await deliver(fake, params.repository, [pullRequestEvent(fake, eventKey, { repository: params.repository, id: params.id, actor }), ...extra]) },
    });
    if (route === 'comment') {
      const comment = fake.pullRequests.comment(params.repository, params.id, { author: reviewer, raw: params.text ?? 'Looks good to me.' });
      return {
        status: 200,
        body: { id: params.id, deliveries: await deliver(fake, params.repository, [pullRequestEvent(fake, 'pullrequest:comment_created', { repository: params.repository, id: params.id, actor: reviewer, commentId: comment.id })]) },
      };
    }
    if (route === 'approve') {
      fake.pullRequests.approve(params.repository, params.id, reviewer);
      return send('pullrequest:approved', reviewer);
    }
    if (route === 'merge') {
      const before = fake.pullRequests.get(params.repository, params.id).destination.commit;
      const pull = fake.pullRequests.merge(params.repository, params.id, author);
      const push = branchPushEvent(fake, { repository: params.repository, branch: pull.destination.branch, before, after: pull.mergeCommit ?? before, message: `Merged in ${pull.source.branch} (pull request #${pull.id})`, actor: author });
      return send('pullrequest:fulfilled', author, [push]);
    }
    return { status: 404, body: { error: `There is no demo action "${route}".` } };
  } catch (error) {
    if (error instanceof Refusal) return { status: error.status, body: { error: error.message } };
    if (error instanceof z.ZodError) return { status: 400, body: { error: error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') } };
    throw error;
  }
}
