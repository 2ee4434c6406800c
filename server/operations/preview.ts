// `stackhook/integrations/preview`: the id and webhook URL a name would give, checked the way
// create checks it, so the editor can show them while the name is typed without knowing the rules.
import type { z } from 'zod';
import type { ServerContext } from '../context';
import { forbidden } from '../errors';
import type * as Protocol from '../protocol';
import { nameProblem } from '../protocol';
import { canList, canSeeStack, isAdminSomewhere } from '../registry/access';
import { findIntegration } from '../registry/integrations';
import { idFromName } from '../registry/names';
import { stacksDetachedFrom } from '../registry/stacks';
import { webhookUrlProblem } from '../registry/reachability';
import { webhookUrlFor } from '../registry/webhookUrl';

type Preview = z.output<typeof Protocol.IntegrationsPreview.result>;

export async function previewIntegration(context: ServerContext, params: { name: string }): Promise<Preview> {
  const name = params.name.trim();
  const id = idFromName(name);
  const webhookUrl = id === '' ? '' : webhookUrlFor(context.publicUrl, id);
  const refused = nameProblem(name, 'integration');
  if (refused) return { id, webhookUrl: id === '' ? '' : webhookUrl, problem: refused };
  const state = await context.store.read();
  // Only admins create integrations; anyone else would learn only which ids exist.
  if (!isAdminSomewhere(state, context.user)) throw forbidden(`Creating an integration needs admin on a space, which ${context.user} is nowhere.`);
  const clash = findIntegration(state, id);
  if (clash) {
    // Someone who may not list the other integration learns only that the id is taken, not its name.
    const which = canList(state, context.user, clash) ? `the integration "${clash.name}"` : 'another integration';
    return { id, webhookUrl, problem: `This name gives the id "${id}", which ${which} already has. Choose another name.` };
  }
  const detached = stacksDetachedFrom(state, id).filter((stack) => canSeeStack(state, context.user, stack)).length;
  const problem = webhookUrlProblem(webhookUrl, context.demo === true);
  const urlProblem = problem ? { urlProblem: problem } : {};
  if (detached > 0) {
    return {
      id,
      webhookUrl,
      note: `An integration of this name was deleted: its webhook URL comes back, and ${detached === 1 ? '1 detached stack' : `${detached} detached stacks`} can be reattached after creating it.`,
      ...urlProblem,
    };
  }
  return { id, webhookUrl, ...urlProblem };
}

type StackPreview = z.output<typeof Protocol.StacksPreview.result>;

/** `stackhook/stacks/preview`: the id a stack name gives, and why it cannot be used, as create would refuse it. */
export async function previewStack(context: ServerContext, params: { name: string }): Promise<StackPreview> {
  const name = params.name.trim();
  const id = idFromName(name);
  const refused = nameProblem(name, 'stack');
  if (refused) return { id, problem: refused };
  const state = await context.store.read();
  const clash = state.stacks.find((stack) => stack.id === id);
  if (clash) {
    const which = canSeeStack(state, context.user, clash) ? `the stack "${clash.name}"` : 'another stack';
    return { id, problem: `This name gives the id "${id}", which ${which} already has. Choose another name.` };
  }
  return { id };
}
