// Pull requests as Bitbucket keeps them, changed the way people change them: opened from a branch,
// pushed to, approved, sent back with changes requested, commented on by anyone (inline, in reply,
// deleted), given tasks, declined or merged (a real merge in the fake's git when there is one).
// Tests call this directly (`bitbucket.pullRequests`); the REST routes call it for the API's user.
import type { FakeGit } from './git';
import { nowIso, type FakeComment, type FakeParticipant, type FakePullRequest, type FakeRepository, type FakeTask, type FakeUser, type TaskState } from './model';
import type { World } from './world';

/** A change Bitbucket would refuse: the status and message its API answers with. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export type Person = FakeUser | string;

export interface PullRequestSeed {
  id?: number;
  title?: string;
  description?: string;
  /** A user, or the email of one (added without credentials when unknown). The first user by default. */
  author?: Person;
  /** The source branch of this repository, or `{branch, repository}` for one in a fork. */
  source: string | { branch: string; repository?: string; commit?: string };
  /** The main branch by default. */
  destination?: string;
  reviewers?: Person[];
  draft?: boolean;
  closeSourceBranch?: boolean;
}

export type MergeStrategy = 'merge_commit' | 'squash' | 'fast_forward';

export class PullRequestStore {
  constructor(
    private readonly world: World,
    private readonly git: FakeGit,
  ) {}

  create(fullName: string, seed: PullRequestSeed): FakePullRequest {
    const repository = this.repositoryOf(fullName);
    const name = `${repository.workspace}/${repository.slug}`;
    const source = typeof seed.source === 'string' ? { branch: seed.source } : seed.source;
    const sourceRepository = source.repository ? this.repositoryOf(source.repository) : repository;
    const sourceCommit = source.commit ?? sourceRepository.branches.get(source.branch);
    if (sourceCommit === undefined) throw new Refusal(400, `Source branch "${source.branch}" does not exist in ${sourceRepository.workspace}/${sourceRepository.slug}.`);
    const destinationBranch = seed.destination ?? repository.mainBranch ?? 'main';
    const destinationCommit = repository.branches.get(destinationBranch);
    if (destinationCommit === undefined) throw new Refusal(400, `Destination branch "${destinationBranch}" does not exist in ${name}.`);
    const id = seed.id ?? Math.max(0, ...repository.pulls.keys()) + 1;
    if (repository.pulls.has(id)) throw new Refusal(400, `Pull request #${id} already exists in ${name}.`);
    const author = seed.author !== undefined ? this.personOf(seed.author) : (this.world.users[0] ?? this.world.person('pr-author@example.com'));
    return this.world.recordPullRequest(repository, {
      id,
      title: seed.title ?? `Merge ${source.branch}`,
      author,
      source: { repository: `${sourceRepository.workspace}/${sourceRepository.slug}`, branch: source.branch, commit: sourceCommit },
      destination: { repository: name, branch: destinationBranch, commit: destinationCommit },
      ...(seed.description !== undefined ? { description: seed.description } : {}),
      ...(seed.draft !== undefined ? { draft: seed.draft } : {}),
      ...(seed.closeSourceBranch !== undefined ? { closeSourceBranch: seed.closeSourceBranch } : {}),
      reviewers: (seed.reviewers ?? []).map((reviewer) => this.personOf(reviewer)),
    });
  }

  get(fullName: string, id: number): FakePullRequest {
    const pull = this.repositoryOf(fullName).pulls.get(id);
    if (!pull) throw new Refusal(404, `Pull request #${id} not found`);
    return pull;
  }

  /** What an edit of the pull request changes; a new source commit resets approvals where a branch restriction says so. */
  update(fullName: string, id: number, changes: { title?: string; description?: string; draft?: boolean; destination?: string; reviewers?: Person[]; sourceCommit?: string }): FakePullRequest {
    const repository = this.repositoryOf(fullName);
    const pull = this.open(fullName, id);
    if (changes.destination !== undefined) {
      const head = repository.branches.get(changes.destination);
      if (head === undefined) throw new Refusal(400, `Destination branch "${changes.destination}" does not exist.`);
      pull.destination = { ...pull.destination, branch: changes.destination, commit: head };
    }
    if (changes.title !== undefined) pull.title = changes.title;
    if (changes.description !== undefined) pull.description = changes.description;
    if (changes.draft !== undefined) pull.draft = changes.draft;
    if (changes.reviewers !== undefined) {
      const reviewers = changes.reviewers.map((reviewer) => this.personOf(reviewer));
      pull.participants = pull.participants.filter((participant) => participant.role !== 'REVIEWER' || reviewers.includes(participant.user) || participant.state !== null);
      for (const participant of pull.participants) participant.role = reviewers.includes(participant.user) ? 'REVIEWER' : 'PARTICIPANT';
      for (const user of reviewers) if (!pull.participants.some((participant) => participant.user === user)) pull.participants.push(blankParticipant(user, 'REVIEWER'));
    }
    if (changes.sourceCommit !== undefined && changes.sourceCommit !== pull.source.commit) this.moveSource(repository, pull, changes.sourceCommit);
    pull.updatedOn = nowIso();
    return pull;
  }

  /** Commits `files` on the pull request's source branch (in its fork, if it comes from one) and moves the pull request along. */
  pushToSource(fullName: string, id: number, files: Record<string, string | null>, message = 'More changes'): string {
    const pull = this.open(fullName, id);
    const commit = this.git.pushCommit(pull.source.repository, pull.source.branch, files, message);
    this.followPush(pull.source.repository, pull.source.branch, commit);
    return commit;
  }

  /** A push to a branch moves every open pull request from it (its source) or into it (its destination), as Bitbucket does. */
  followPush(fullName: string, branch: string, commit: string): void {
    const pushed = this.repositoryOf(fullName);
    const pushedName = `${pushed.workspace}/${pushed.slug}`.toLowerCase();
    for (const repository of this.world.repositories.values()) {
      for (const pull of repository.pulls.values()) {
        if (pull.state !== 'OPEN') continue;
        if (pull.source.repository.toLowerCase() === pushedName && pull.source.branch === branch && pull.source.commit !== commit) {
          this.moveSource(repository, pull, commit);
          pull.updatedOn = nowIso();
        }
        if (pull.destination.repository.toLowerCase() === pushedName && pull.destination.branch === branch) pull.destination.commit = commit;
      }
    }
  }

  decline(fullName: string, id: number, by: Person, reason = ''): FakePullRequest {
    const pull = this.open(fullName, id);
    Object.assign(pull, { state: 'DECLINED', closedBy: this.personOf(by), reason, updatedOn: nowIso() });
    return pull;
  }

  /** Bitbucket marks a pull request SUPERSEDED when another replaces it (an old flow, still in its states). */
  supersede(fullName: string, id: number): FakePullRequest {
    const pull = this.open(fullName, id);
    Object.assign(pull, { state: 'SUPERSEDED', updatedOn: nowIso() });
    return pull;
  }

  /** Merges: in the fake's git when the repository has one (the destination branch moves to the result), else with a made-up commit. */
  merge(fullName: string, id: number, by: Person, options: { strategy?: MergeStrategy; message?: string; closeSourceBranch?: boolean } = {}): FakePullRequest {
    const repository = this.repositoryOf(fullName);
    const pull = this.open(fullName, id);
    const user = this.personOf(by);
    const message = options.message ?? `Merged in ${pull.source.branch} (pull request #${pull.id})\n\n${pull.title}`;
    const strategy = options.strategy ?? 'merge_commit';
    let mergeCommit: string;
    if (repository.gitDir !== null) {
      const result = this.git.merge(pull.destination.repository, pull.destination.branch, pull.source.repository, pull.source.commit, strategy, message);
      if ('conflict' in result) throw new Refusal(409, `Unable to merge pull request #${pull.id}: ${result.conflict}`);
      mergeCommit = result.commit;
    } else {
      mergeCommit = this.world.addBranch(fullName, pull.destination.branch);
    }
    repository.branches.set(pull.destination.branch, mergeCommit);
    const closeSource = options.closeSourceBranch ?? pull.closeSourceBranch;
    if (closeSource && pull.source.repository.toLowerCase() === fullName.toLowerCase()) {
      repository.branches.delete(pull.source.branch);
      if (repository.gitDir !== null) this.git.deleteBranch(repository, pull.source.branch);
    }
    Object.assign(pull, { state: 'MERGED', mergeCommit, closedBy: user, closeSourceBranch: closeSource, updatedOn: nowIso() });
    pull.destination.commit = mergeCommit;
    return pull;
  }

  approve(fullName: string, id: number, by: Person): FakeParticipant {
    return this.review(fullName, id, by, { approved: true, state: 'approved' }, 'approve');
  }

  unapprove(fullName: string, id: number, by: Person): FakeParticipant {
    const participant = this.participantOf(this.open(fullName, id), this.personOf(by));
    if (!participant?.approved) throw new Refusal(400, 'You have not approved this pull request.');
    return this.review(fullName, id, by, { approved: false, state: null }, 'unapprove');
  }

  requestChanges(fullName: string, id: number, by: Person): FakeParticipant {
    return this.review(fullName, id, by, { approved: false, state: 'changes_requested' }, 'request changes on');
  }

  removeChangesRequest(fullName: string, id: number, by: Person): FakeParticipant {
    const participant = this.participantOf(this.open(fullName, id), this.personOf(by));
    if (participant?.state !== 'changes_requested') throw new Refusal(400, 'You have not requested changes on this pull request.');
    return this.review(fullName, id, by, { approved: false, state: null }, 'remove the change request on');
  }

  comment(fullName: string, id: number, seed: { author: Person; raw: string; inline?: FakeComment['inline']; parentId?: number }): FakeComment {
    const pull = this.get(fullName, id);
    if (seed.raw.trim() === '') throw new Refusal(400, 'Bad request', 'content.raw is required.');
    if (seed.inline && (typeof seed.inline.path !== 'string' || seed.inline.path === '')) throw new Refusal(400, 'Bad request', 'inline.path is required for an inline comment.');
    if (seed.parentId !== undefined && !pull.comments.some((comment) => comment.id === seed.parentId)) throw new Refusal(404, `Parent comment ${seed.parentId} not found`);
    const author = this.personOf(seed.author);
    const now = nowIso();
    const comment: FakeComment = {
      id: this.world.nextId('comment'),
      raw: seed.raw,
      author,
      createdOn: now,
      updatedOn: now,
      edits: 0,
      inline: seed.inline ?? null,
      parentId: seed.parentId ?? null,
      deleted: false,
    };
    pull.comments.push(comment);
    this.touch(pull, author).participatedOn = now;
    return comment;
  }

  editComment(fullName: string, id: number, commentId: number, raw: string): FakeComment {
    const comment = this.commentOf(fullName, id, commentId);
    if (comment.deleted) throw new Refusal(404, 'Comment not found');
    if (raw.trim() === '') throw new Refusal(400, 'Bad request', 'content.raw is required.');
    Object.assign(comment, { raw, updatedOn: nowIso(), edits: comment.edits + 1 });
    return comment;
  }

  /** Bitbucket keeps a deleted comment in the list, empty and marked `deleted`. */
  deleteComment(fullName: string, id: number, commentId: number): FakeComment {
    const comment = this.commentOf(fullName, id, commentId);
    Object.assign(comment, { raw: '', deleted: true, updatedOn: nowIso() });
    return comment;
  }

  commentOf(fullName: string, id: number, commentId: number): FakeComment {
    const comment = this.get(fullName, id).comments.find((candidate) => candidate.id === commentId);
    if (!comment) throw new Refusal(404, 'Comment not found');
    return comment;
  }

  addTask(fullName: string, id: number, seed: { creator: Person; raw: string; state?: TaskState; commentId?: number }): FakeTask {
    const pull = this.get(fullName, id);
    if (seed.raw.trim() === '') throw new Refusal(400, 'Bad request', 'content.raw is required.');
    if (seed.commentId !== undefined) this.commentOf(fullName, id, seed.commentId);
    const creator = this.personOf(seed.creator);
    const now = nowIso();
    const resolved = seed.state === 'RESOLVED';
    const task: FakeTask = {
      id: this.world.nextId('task'),
      raw: seed.raw,
      state: seed.state ?? 'UNRESOLVED',
      creator,
      createdOn: now,
      updatedOn: now,
      resolvedOn: resolved ? now : null,
      resolvedBy: resolved ? creator : null,
      commentId: seed.commentId ?? null,
    };
    pull.tasks.push(task);
    return task;
  }

  setTask(fullName: string, id: number, taskId: number, changes: { state?: TaskState; raw?: string }, by: Person): FakeTask {
    const task = this.get(fullName, id).tasks.find((candidate) => candidate.id === taskId);
    if (!task) throw new Refusal(404, 'Task not found');
    const now = nowIso();
    if (changes.raw !== undefined) task.raw = changes.raw;
    if (changes.state !== undefined && changes.state !== task.state) {
      task.state = changes.state;
      task.resolvedOn = changes.state === 'RESOLVED' ? now : null;
      task.resolvedBy = changes.state === 'RESOLVED' ? this.personOf(by) : null;
    }
    task.updatedOn = now;
    return task;
  }

  participantOf(pull: FakePullRequest, user: FakeUser): FakeParticipant | undefined {
    return pull.participants.find((participant) => participant.user === user);
  }

  private review(fullName: string, id: number, by: Person, change: Pick<FakeParticipant, 'approved' | 'state'>, doing: string): FakeParticipant {
    const pull = this.get(fullName, id);
    if (pull.state !== 'OPEN') throw new Refusal(400, `You can't ${doing} a pull request that is ${pull.state.toLowerCase()}.`);
    const participant = this.touch(pull, this.personOf(by));
    Object.assign(participant, change, { participatedOn: nowIso() });
    pull.updatedOn = nowIso();
    return participant;
  }

  /** The user's participant entry, added (as PARTICIPANT) if they had none. */
  private touch(pull: FakePullRequest, user: FakeUser): FakeParticipant {
    const existing = this.participantOf(pull, user);
    if (existing) return existing;
    const participant = blankParticipant(user, 'PARTICIPANT');
    pull.participants.push(participant);
    return participant;
  }

  private moveSource(repository: FakeRepository, pull: FakePullRequest, commit: string): void {
    pull.source.commit = commit;
    this.world.linkCommit(repository, commit, pull.id);
    const resets = (kind: string) => repository.branchRestrictions.some((restriction) => restriction.kind === kind && branchMatches(restriction.pattern, pull.destination.branch));
    const resetApprovals = resets('reset_pullrequest_approvals_on_change');
    const resetChanges = resets('reset_pullrequest_changes_requested_on_change');
    for (const participant of pull.participants) {
      if (resetApprovals && participant.approved) Object.assign(participant, { approved: false, state: null });
      if (resetChanges && participant.state === 'changes_requested') participant.state = null;
    }
  }

  private open(fullName: string, id: number): FakePullRequest {
    const pull = this.get(fullName, id);
    if (pull.state !== 'OPEN') throw new Refusal(400, `Pull request #${id} is ${pull.state.toLowerCase()}; only an open pull request can change.`);
    return pull;
  }

  private repositoryOf(fullName: string): FakeRepository {
    const repository = this.world.repository(fullName);
    if (!repository) throw new Refusal(404, `Repository ${fullName} not found`);
    return repository;
  }

  private personOf(person: Person): FakeUser {
    return typeof person === 'string' ? this.world.person(person) : person;
  }
}

function blankParticipant(user: FakeUser, role: FakeParticipant['role']): FakeParticipant {
  return { user, role, approved: false, state: null, participatedOn: null };
}

/** Bitbucket's branch patterns: `*` matches any run of characters, slashes included. */
export function branchMatches(pattern: string, branch: string): boolean {
  const expression = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${expression}$`).test(branch);
}
