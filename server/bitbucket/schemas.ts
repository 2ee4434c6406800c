// The shapes Stackhook reads from Bitbucket Cloud REST 2.0. Only the fields it uses are required;
// everything else Bitbucket sends is ignored, so an added field never breaks a call.
import * as z from 'zod';

/** `{values, pagelen, size?, page?, next?, previous?}`: every collection endpoint answers with this. */
export function paginated<T extends z.ZodType>(item: T) {
  return z.object({
    values: z.array(item),
    pagelen: z.number().int().optional(),
    size: z.number().int().optional(),
    page: z.number().int().optional(),
    next: z.string().optional(),
    previous: z.string().optional(),
  });
}

export const BitbucketUser = z.object({
  display_name: z.string(),
  account_id: z.string().nullish(),
  nickname: z.string().nullish(),
  uuid: z.string().optional(),
});
export type BitbucketUser = z.infer<typeof BitbucketUser>;

/** `GET /user/workspaces`: `workspace` is a workspace_base, whose `name` Bitbucket may leave out. */
export const WorkspaceAccess = z.object({
  administrator: z.boolean(),
  workspace: z.object({ slug: z.string(), name: z.string().optional(), uuid: z.string().optional() }),
});
export type WorkspaceAccess = z.infer<typeof WorkspaceAccess>;

export const BitbucketRepository = z.object({
  full_name: z.string(),
  slug: z.string().optional(),
  name: z.string().optional(),
  is_private: z.boolean(),
  mainbranch: z.object({ name: z.string() }).nullish(),
  workspace: z.object({ slug: z.string() }).optional(),
  links: z.object({ clone: z.array(z.object({ name: z.string(), href: z.string() })).optional() }).optional(),
});
export type BitbucketRepository = z.infer<typeof BitbucketRepository>;

/** A webhook subscription. Bitbucket never returns the secret, only whether one is set. */
export const Hook = z.object({
  uuid: z.string().regex(/^\{[0-9a-fA-F-]+\}$/, 'must be a braced UUID'),
  url: z.string(),
  description: z.string().optional(),
  active: z.boolean(),
  events: z.array(z.string()),
  secret_set: z.boolean().optional(),
});
export type Hook = z.infer<typeof Hook>;

/** `GET …/refs/branches/{name}`: a branch and the commit at its head. */
export const BitbucketBranch = z.object({
  name: z.string(),
  target: z.object({ hash: z.string() }),
});
export type BitbucketBranch = z.infer<typeof BitbucketBranch>;

export const PullRequestSummary = z.object({ id: z.number().int(), title: z.string().optional() });

/** `{"type":"error","error":{"message",…}}`. Anything else (HTML, plain text) is not parsed at all. */
export const ErrorBody = z.object({
  type: z.literal('error'),
  error: z.object({
    message: z.string(),
    detail: z.unknown().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    fields: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const WorkspaceAccessPage = paginated(WorkspaceAccess);
export const RepositoryPage = paginated(BitbucketRepository);
export const HookPage = paginated(Hook);
export const PullRequestPage = paginated(PullRequestSummary);
export const BranchPage = paginated(BitbucketBranch);

/** A pipeline: only its uuid, number, state and result are read. */
export const BitbucketPipeline = z.object({
  uuid: z.string(),
  build_number: z.number().int().optional(),
  state: z.object({
    name: z.enum(['PENDING', 'IN_PROGRESS', 'COMPLETED', 'PAUSED', 'HALTED']).or(z.string()),
    result: z.object({ name: z.string() }).optional(),
  }),
  duration_in_seconds: z.number().optional(),
  repository: z.object({ uuid: z.string().max(100).optional() }).optional(),
  target: z.object({ commit: z.object({ hash: z.string() }).optional(), selector: z.object({ pattern: z.string().optional() }).optional() }).optional(),
  variables: z.array(z.object({ key: z.string(), value: z.string().optional() })).optional(),
});
export type BitbucketPipeline = z.infer<typeof BitbucketPipeline>;
export const PipelinePage = paginated(BitbucketPipeline);
export const PipelineStep = z.object({
  uuid: z.string(),
  name: z.string().optional(),
  state: z.object({ name: z.string(), result: z.object({ name: z.string() }).optional() }).optional(),
  started_on: z.string().optional(),
  completed_on: z.string().optional(),
});
export const PipelineStepPage = paginated(PipelineStep);

export const CommitStatus = z.object({ key: z.string(), state: z.string() });
export const PullRequestComment = z.object({ id: z.number().int() });
/** A comment as listed, with the text it holds: how a comment whose creation went unanswered is found. */
export const PullRequestCommentText = PullRequestComment.extend({ content: z.object({ raw: z.string().nullable().optional() }).optional() });
export const PullRequestCommentPage = paginated(PullRequestCommentText);
