// The webhook bodies Stackhook acts on (docs/design.md §6), as zod schemas. Only the fields routing
// needs are kept; everything else in Bitbucket's large payloads is dropped while parsing.
import * as z from 'zod';
import { describeIssues } from '../zodIssues';
import { pullRequestOrigin, repositorySide, type PullRequestOrigin } from './pullRequestOrigin';

const FullName = z.string().min(1).max(300);
const Repository = z.object({ full_name: FullName });

/** A ref in a push change. `type` is `branch` or `tag` (older Mercurial payloads had others). */
const PushRef = z.object({
  type: z.string().max(100),
  name: z.string().min(1).max(1_000),
  target: z.object({ hash: z.string().max(100) }).nullable().optional(),
});

const PushChange = z.object({
  // null when the ref was deleted (`new`) or created (`old`).
  new: PushRef.nullable().optional(),
  old: PushRef.nullable().optional(),
});

export const PushBody = z.object({
  repository: Repository,
  push: z.object({ changes: z.array(PushChange).max(10_000) }),
});

const PullRequestSide = z.object({
  branch: z.object({ name: z.string().min(1).max(1_000) }),
  commit: z.object({ hash: z.string().max(100) }).nullable().optional(),
  // Read apart (pullRequestOrigin.ts): a side whose repository is missing or unreadable is a fork's.
  repository: z.unknown().optional(),
});

/** A pull request comment, as comment events carry it: who wrote what (R24). */
const PullRequestComment = z.object({
  id: z.number().int(),
  content: z.object({ raw: z.string().max(1_000_000).nullish() }).optional(),
  user: z.object({ account_id: z.string().max(200).nullish(), uuid: z.string().max(200).nullish() }).nullish(),
  deleted: z.boolean().optional(),
});

export const PullRequestBody = z.object({
  repository: Repository,
  comment: PullRequestComment.optional(),
  pullrequest: z.object({
    id: z.number().int(),
    title: z.string().max(10_000).optional(),
    state: z.string().max(100).optional(),
    source: PullRequestSide,
    destination: PullRequestSide,
  }),
});

export interface PushChangeEvent {
  /** `branch`, `tag`, …; null when the change deleted the ref. */
  type: string | null;
  name: string;
  commit: string | null;
  /** What the ref pointed at before; null for a new branch (its changes are read against the stack's branch). */
  oldCommit: string | null;
  deleted: boolean;
}

export interface PullRequestEvent {
  id: number;
  sourceBranch: string;
  sourceCommit: string | null;
  destinationBranch: string;
  destinationCommit: string | null;
  /** From a fork unless the delivery proves the source is the webhook's own repository. */
  origin: PullRequestOrigin;
  /** Comment events only: the comment, with its author's account id and uuid. */
  comment?: PullRequestCommentEvent;
}

export interface PullRequestCommentEvent {
  id: number;
  raw: string;
  accountId: string | null;
  uuid: string | null;
  deleted: boolean;
}

export type WebhookEvent =
  | { kind: 'push'; eventKey: 'repo:push'; repository: string; changes: PushChangeEvent[] }
  | { kind: 'pullrequest'; eventKey: string; action: string; repository: string; pullRequest: PullRequestEvent }
  | { kind: 'other'; eventKey: string; repository: string | null };

export type EventParse = { ok: true; event: WebhookEvent } | { ok: false; problem: string; repository: string | null };

export function parseEvent(eventKey: string, body: Record<string, unknown>): EventParse {
  if (eventKey === 'repo:push') {
    const parsed = PushBody.safeParse(body);
    if (!parsed.success) return shapeProblem(eventKey, parsed.error, body);
    return {
      ok: true,
      event: {
        kind: 'push',
        eventKey,
        repository: parsed.data.repository.full_name,
        changes: parsed.data.push.changes.map((change) => {
          const ref = change.new ?? change.old;
          return {
            type: change.new ? change.new.type : null,
            name: ref?.name ?? '',
            commit: change.new?.target?.hash ?? null,
            oldCommit: change.old?.target?.hash ?? null,
            deleted: !change.new,
          };
        }),
      },
    };
  }
  if (eventKey.startsWith('pullrequest:')) {
    const parsed = PullRequestBody.safeParse(body);
    if (!parsed.success) return shapeProblem(eventKey, parsed.error, body);
    const pr = parsed.data.pullrequest;
    const hook = repositorySide(body.repository);
    const hookRepository = hook.state === 'named' ? hook.repository : { fullName: parsed.data.repository.full_name, uuid: null };
    return {
      ok: true,
      event: {
        kind: 'pullrequest',
        eventKey,
        action: eventKey.slice('pullrequest:'.length),
        repository: parsed.data.repository.full_name,
        pullRequest: {
          id: pr.id,
          sourceBranch: pr.source.branch.name,
          sourceCommit: pr.source.commit?.hash ?? null,
          destinationBranch: pr.destination.branch.name,
          destinationCommit: pr.destination.commit?.hash ?? null,
          origin: pullRequestOrigin(hookRepository, repositorySide(pr.source.repository), repositorySide(pr.destination.repository)),
          ...(parsed.data.comment ? { comment: commentOf(parsed.data.comment) } : {}),
        },
      },
    };
  }
  return { ok: true, event: { kind: 'other', eventKey, repository: repositoryOf(body) } };
}

function commentOf(comment: z.infer<typeof PullRequestComment>): PullRequestCommentEvent {
  return { id: comment.id, raw: comment.content?.raw ?? '', accountId: comment.user?.account_id ?? null, uuid: comment.user?.uuid ?? null, deleted: comment.deleted ?? false };
}

const WithRepository = z.object({ repository: Repository });

/** The repository named in any body, when it has the usual shape; for the delivery log only. */
export function repositoryOf(body: Record<string, unknown>): string | null {
  const parsed = WithRepository.safeParse(body);
  return parsed.success ? parsed.data.repository.full_name : null;
}

function shapeProblem(eventKey: string, error: z.ZodError, body: Record<string, unknown>): EventParse {
  // Paths and expectations only: a message must never quote the body.
  const where = describeIssues(error, '(body)', 3);
  return { ok: false, problem: `the ${eventKey} body does not have the shape Bitbucket sends (${where})`, repository: repositoryOf(body) };
}
