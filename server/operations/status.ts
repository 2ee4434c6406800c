// `stackhook/status`: what the status bar and the panel header show.
import type { ServerContext } from '../context';
import type { ServerStatus } from '../protocol';
import { canList, visibleStacks } from '../registry/access';
import { webhookUrlProblem } from '../registry/reachability';
import { driftOf } from './stacks';

export async function status(context: ServerContext): Promise<ServerStatus> {
  const state = await context.store.read();
  await context.execution?.book.refresh();
  const stacks = visibleStacks(state, context.user);
  const publicUrlProblem = webhookUrlProblem(context.publicUrl, context.demo === true);
  return {
    version: context.version,
    storePath: context.store.folder,
    user: context.user,
    listener: context.listener,
    publicUrl: context.publicUrl,
    ...(publicUrlProblem ? { publicUrlProblem } : {}),
    ...(context.demo && context.bitbucketWeb ? { demo: { bitbucket: context.bitbucketWeb } } : {}),
    ...(context.team && !context.team.localRunner ? { localRunner: false } : {}),
    counts: {
      integrations: state.integrations.filter((integration) => canList(state, context.user, integration)).length,
      stacks: stacks.length,
      detachedStacks: stacks.filter((stack) => stack.integrationId === null).length,
      driftedStacks: stacks.filter((stack) => driftOf(context, stack.id)?.state === 'drifted').length,
    },
  };
}
