// What a run reports back to Bitbucket: a build status on its commit and, for a pull request, one
// comment that later runs edit in place.
import { Endpoints, pathOf, repositoryParams } from './endpoints';
import type { BitbucketHttp } from './transport';
import { BitbucketFailure } from './errors';
import type { BuildStatus } from './gateway';
import { CommitStatus, PullRequestComment, PullRequestCommentPage } from './schemas';

const body = (status: BuildStatus) => ({
  type: 'commitstatus',
  key: status.key,
  state: status.state,
  name: status.name,
  description: status.description.slice(0, 255),
  url: status.url,
});

/** POST when the status is new on the commit; PUT to move it on (Bitbucket keeps one per key). */
export async function writeBuildStatus(http: BitbucketHttp, fullName: string, commit: string, status: BuildStatus, isNew: boolean, signal?: AbortSignal): Promise<void> {
  const params = { ...repositoryParams(fullName), commit };
  const what = `set the build status ${status.key} of ${commit.slice(0, 12)} in ${fullName} to ${status.state}`;
  if (isNew) {
    await http.json({ endpoint: Endpoints.createBuildStatus, target: pathOf(Endpoints.createBuildStatus.template, params), body: body(status), schema: CommitStatus, what }, signal);
    return;
  }
  const answer = await http.call(
    { endpoint: Endpoints.updateBuildStatus, target: pathOf(Endpoints.updateBuildStatus.template, { ...params, key: status.key }), body: body(status), schema: CommitStatus, what, accept: [404] },
    signal,
  );
  // Never created (the POST was lost): create it now.
  if (answer.status === 404) await writeBuildStatus(http, fullName, commit, status, true, signal);
}

/** Creates the comment, or edits `commentId` in place; returns the comment's id. */
/** A reply under a comment; one attempt's worth (no lookup after a lost answer: a missing reply is better than two). */
export async function replyToPullRequestComment(http: BitbucketHttp, fullName: string, pullRequestId: number, parentId: number, markdown: string, signal?: AbortSignal): Promise<number> {
  const params = { ...repositoryParams(fullName), pull_request_id: String(pullRequestId) };
  const created = await http.json(
    {
      endpoint: Endpoints.createPullRequestComment,
      target: pathOf(Endpoints.createPullRequestComment.template, params),
      body: { content: { raw: markdown }, parent: { id: parentId } },
      schema: PullRequestComment,
      what: `reply on pull request #${pullRequestId} of ${fullName}`,
    },
    signal,
  );
  return created.data.id;
}

export async function writePullRequestComment(
  http: BitbucketHttp,
  fullName: string,
  pullRequestId: number,
  markdown: string,
  commentId: number | null,
  signal?: AbortSignal,
): Promise<number> {
  const params = { ...repositoryParams(fullName), pull_request_id: String(pullRequestId) };
  const content = { content: { raw: markdown } };
  const what = `comment on pull request #${pullRequestId} of ${fullName}`;
  if (commentId !== null) {
    const answer = await http.call(
      {
        endpoint: Endpoints.updatePullRequestComment,
        target: pathOf(Endpoints.updatePullRequestComment.template, { ...params, comment_id: String(commentId) }),
        body: content,
        schema: PullRequestComment,
        what,
        accept: [404],
      },
      signal,
    );
    if (answer.status !== 404 && answer.data) return answer.data.id;
    // Someone deleted it: write a new one.
  }
  try {
    const created = await http.json(
      { endpoint: Endpoints.createPullRequestComment, target: pathOf(Endpoints.createPullRequestComment.template, params), body: content, schema: PullRequestComment, what },
      signal,
    );
    return created.data.id;
  } catch (error) {
    // No answer arrived (a timeout, a dropped connection): Bitbucket may have made the comment all
    // the same. Posting it again would leave two, so look for it first; a retry posts only if it is not there.
    if (!(error instanceof BitbucketFailure) || error.status !== null) throw error;
    const landed = await findComment(http, fullName, pullRequestId, markdown, signal).catch(() => null);
    if (landed === null) throw error;
    return landed;
  }
}

/** The newest comment on the pull request whose text is exactly `markdown`. */
async function findComment(http: BitbucketHttp, fullName: string, pullRequestId: number, markdown: string, signal?: AbortSignal): Promise<number | null> {
  const answer = await http.json(
    {
      endpoint: Endpoints.pullRequestComments,
      target: pathOf(Endpoints.pullRequestComments.template, { ...repositoryParams(fullName), pull_request_id: String(pullRequestId) }),
      query: { sort: '-created_on', pagelen: 50 },
      schema: PullRequestCommentPage,
      what: `look for Stackhook's comment on pull request #${pullRequestId} of ${fullName}, whose answer was lost`,
    },
    signal,
  );
  return answer.data.values.find((comment) => comment.content?.raw === markdown)?.id ?? null;
}
