// R24: `/stackhook` comment commands. A new pull request comment whose first line is
// `/stackhook plan|apply|unlock|help [stack…]` acts on the named stacks, or on every stack the pull
// request reaches, with the rights of the Stackhook user its author's Bitbucket account is linked to
// (in one-person use, the integration's own account is that person). Anything else, Stackhook's own
// comments included (recognised by how Stackhook starts them, since in one-person use the account
// is the same), is recorded and ignored. A refusal is answered once, by a reply; a plan's result is
// shown where every run's is, in the stack's own comment on the pull request. A pure function of
// the event and the registry, so every decision is tested without Bitbucket.
import type { RegistryState, StoredIntegration, StoredStack } from '../registry/state';
import { hasRole } from '../registry/access';
import { userOfAccount } from '../registry/accountLinks';
import { markdownText } from '../runs/markdown';
import type { CommentReply, PlannedRun } from './deliveryActions';
import type { PullRequestCommentEvent, PullRequestEvent } from './events';
import { printable } from './printable';
import { ignored, routeEvent, summarise, type Routing } from './routing';

export const COMMAND = '/stackhook';
/** How every comment and reply Stackhook writes begins (commentMarkdown.ts); a comment that begins so is never a command. */
export const STACKHOOK_COMMENT_START = '**Stackhook**';
const VERBS = ['plan', 'apply', 'unlock', 'help'] as const;
type Verb = (typeof VERBS)[number];
const MAX_NAMED = 20;

export interface ParsedCommand {
  verb: string;
  stacks: string[];
}

/** The command on the comment's first line, or null when the comment is not a command. */
export function parseCommand(raw: string): ParsedCommand | null {
  const first = (raw.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/, 1)[0] ?? '').trim();
  const match = /^\/stackhook(?:\s+(.*))?$/.exec(first);
  if (!match) return null;
  const words = (match[1] ?? '').split(/\s+/).filter((word) => word !== '');
  return { verb: (words[0] ?? 'help').toLowerCase(), stacks: words.slice(1) };
}

export function isStackhookComment(raw: string): boolean {
  return raw.trimStart().startsWith(STACKHOOK_COMMENT_START);
}

/** Who may command from a comment: what the server knows of its own user and account. */
export interface CommentIdentity {
  /** One person's server: the integration's account is its user. False on a team server. */
  onePerson: boolean;
  /** The user a one-person server runs as. */
  serverUser: string;
  /** The integration's own Bitbucket account id, when it is known (GET /user); null otherwise. */
  integrationAccountId: string | null;
}

type PullRequestCommentDelivery = { kind: 'pullrequest'; eventKey: string; action: string; repository: string; pullRequest: PullRequestEvent };

export function routeComment(event: PullRequestCommentDelivery, integration: StoredIntegration, state: RegistryState, identity: CommentIdentity): Routing {
  const pr = event.pullRequest;
  const comment = pr.comment;
  if (!comment || comment.deleted) return ignored(`pull request #${pr.id} comment_created: ignored, the delivery carries no comment`);
  if (isStackhookComment(comment.raw)) return ignored(`pull request #${pr.id} comment ${comment.id}: ignored, it is one of Stackhook's own`);
  const command = parseCommand(comment.raw);
  if (!command) return ignored(`pull request #${pr.id} comment_created: ignored, the comment is not a ${COMMAND} command`);

  const what = `${COMMAND} ${printable(command.verb, 20)} on pull request #${pr.id}`;
  const reply = (markdown: string): CommentReply => ({ integration, repository: event.repository, pullRequestId: pr.id, commentId: comment.id, markdown });
  const refuse = (why: string, markdown: string): Routing => ({ ...ignored(`${what} refused: ${why}`), actions: [{ kind: 'reply', reply: reply(markdown) }] });

  if (!isVerb(command.verb)) return refuse('unknown command', `${STACKHOOK_COMMENT_START} · ${markdownText(`"${command.verb.slice(0, 40)}" is not a Stackhook command.`)}\n\n${helpText()}`);
  if (command.verb === 'help') return { ...ignored(`${what}: answered with the commands`), actions: [{ kind: 'reply', reply: reply(`${STACKHOOK_COMMENT_START} · commands\n\n${helpText()}`) }] };
  if (command.stacks.length > MAX_NAMED) return refuse('too many stacks named', `${STACKHOOK_COMMENT_START} · ${markdownText(`Name at most ${MAX_NAMED} stacks in one command.`)}`);

  const user = commander(state, comment, identity);
  if (user === null) {
    return refuse(
      `the account ${printable(comment.accountId ?? comment.uuid ?? 'unknown', 80)} is linked to no Stackhook user`,
      `${STACKHOOK_COMMENT_START} · ${markdownText(
        `${COMMAND} ${command.verb} was not run: your Bitbucket account is not linked to a Stackhook user. ` +
          'Link it with your own API token (the stackhook/users/linkBitbucket request with your Atlassian email and token, which Stackhook uses once for GET /user), ' +
          `or ask an admin to link it: users link NAME ${comment.accountId ?? comment.uuid ?? 'ACCOUNT_ID'} on the team server's host. Then comment again.`,
      )}`,
    );
  }

  // The stacks the pull request reaches, as a created pull request would (branches, forks, R15).
  const onRepository = state.stacks.filter((stack) => stack.integrationId === integration.id && stack.repository.toLowerCase() === event.repository.toLowerCase());
  const named = command.stacks.length === 0 ? onRepository : onRepository.filter((stack) => command.stacks.some((name) => sameStack(stack, name)));
  const unknown = command.stacks.filter((name) => !onRepository.some((stack) => sameStack(stack, name)));
  if (unknown.length > 0) {
    return refuse(
      `no stack ${unknown.map((name) => printable(name, 60)).join(', ')} on ${printable(event.repository)}`,
      `${STACKHOOK_COMMENT_START} · ${markdownText(`${COMMAND} ${command.verb} was not run: ${event.repository} has no stack named ${unknown.join(', ')}. Stacks here: ${onRepository.map((stack) => stack.id).join(', ') || 'none'}.`)}`,
    );
  }
  const reached = routeEvent({ ...event, eventKey: 'pullrequest:updated', action: 'updated' }, integration.id, named);
  if (reached.runs.length === 0) {
    return refuse('it reaches no stack', `${STACKHOOK_COMMENT_START} · ${markdownText(`${COMMAND} ${command.verb} was not run: ${reached.reason}.`)}`);
  }

  if (command.verb === 'apply' || command.verb === 'unlock') {
    return refuse(
      `${command.verb} from a pull request is not available on this server`,
      `${STACKHOOK_COMMENT_START} · ${markdownText(
        `${COMMAND} ${command.verb} is not available on this server yet. Merge the pull request and confirm the tracked run on the stack's branch in VS Code.`,
      )}`,
    );
  }

  // plan: write on each stack's space, as Run Stack needs.
  const stackOf = (run: PlannedRun) => state.stacks.find((stack) => stack.id === run.stackId);
  const allowed = reached.runs.filter((run) => {
    const stack = stackOf(run);
    return stack !== undefined && hasRole(state, user, stack.spaceId, 'write');
  });
  const denied = reached.runs.filter((run) => !allowed.includes(run));
  const deniedNote = denied.length === 0 ? [] : [`${printable(user, 60)} may not plan ${denied.map((run) => printable(run.stackName, 60)).join(', ')} (needs write on the stack's space)`];
  const deniedReply: CommentReply | null =
    denied.length === 0
      ? null
      : reply(`${STACKHOOK_COMMENT_START} · ${markdownText(`${user} may not plan ${denied.map((run) => run.stackName).join(', ')}: that needs write on the stack's space. Ask an admin of the space for write.`)}`);
  if (allowed.length === 0) return refuse(deniedNote[0] ?? 'not allowed', deniedReply?.markdown ?? '');
  // A command plans what it names whatever changed: trigger paths filter deliveries, not commands.
  const runs: PlannedRun[] = allowed.map((run) => {
    const { diff: _diff, ...planned } = run;
    return planned;
  });
  const described = runs.map((run) => `proposed run on ${printable(run.stackName, 60)} (${printable(run.branch, 60)} @ ${(run.commit ?? 'head').slice(0, 12)})`);
  return {
    verdict: 'queued',
    reason: `${what} by ${printable(user, 60)}: ${summarise([...described, ...deniedNote, ...reached.notes], 30)}`,
    actions: [{ kind: 'queue-runs', runs }, ...(deniedReply ? [{ kind: 'reply' as const, reply: deniedReply }] : [])],
    runs,
    stackIds: runs.map((run) => run.stackId),
    notes: reached.notes,
  };
}

function isVerb(verb: string): verb is Verb {
  return (VERBS as readonly string[]).includes(verb);
}

function sameStack(stack: StoredStack, name: string): boolean {
  const wanted = name.toLowerCase();
  return stack.id === wanted || stack.name.toLowerCase() === wanted;
}

/** The Stackhook user a comment's author is: a linked account, or in one-person use the integration's own. */
function commander(state: RegistryState, comment: PullRequestCommentEvent, identity: CommentIdentity): string | null {
  const linked = userOfAccount(state, [comment.accountId, comment.uuid]);
  if (linked !== null) return linked;
  if (identity.onePerson && identity.integrationAccountId !== null && comment.accountId === identity.integrationAccountId) return identity.serverUser;
  return null;
}

function helpText(): string {
  return [
    `- \`${COMMAND} plan [stack…]\`: plan the named stacks, or every stack this pull request reaches, at its head commit`,
    `- \`${COMMAND} apply [stack…]\`: apply the saved plan from this pull request, where the stack allows it`,
    `- \`${COMMAND} unlock [stack…]\`: release a stack this pull request holds`,
    `- \`${COMMAND} help\`: this list`,
    '',
    'Only new comments are commands, and only from Bitbucket accounts linked to a Stackhook user with write on the stack\'s space.',
  ].join('\n');
}
