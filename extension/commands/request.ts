// The shape of most commands, written once: find what the command is about (the item it was run
// on, or the person's pick), send one request (with progress, and a Cancel that cancels the request,
// when it may take a while), act on the answer, and show the server's error the one way the
// extension does (connection/errors.ts: the message as written, with the fix it calls for). Nothing
// chosen, nothing confirmed or a cancelled request ends the command quietly.
import * as vscode from 'vscode';
import type { z } from 'zod';
import type { RequestDefinition } from '../../server/protocol';
import { isCancellation, showServerError, type ErrorSubject } from '../connection/errors';
import type { RequestOptions } from '../connection/serverApi';
import type { CommandContext } from './context';

export interface RequestProgress {
  /** The notification shown while the request runs. */
  title: string;
  /** Offers Cancel, which cancels the request. */
  cancellable?: boolean;
  /** Shows the server's progress of the request (its messages, and how far it is) in the notification. */
  fromServer?: boolean;
}

export interface RequestCommand<S, P extends z.ZodType, R extends z.ZodType, T> {
  /** What the command is about: given with it or picked; undefined ends the command. */
  pick: () => PromiseLike<S | undefined> | S | undefined;
  /** What an error is about, so the fix it offers can name it (Edit integration, Reattach stack). */
  subject?: (picked: S) => ErrorSubject;
  request: RequestDefinition<P, R>;
  /** The request's params; may ask the person first (a confirmation): undefined ends the command. */
  params: (picked: S) => PromiseLike<z.input<P> | undefined> | z.input<P> | undefined;
  /** A notification while the request runs (it may name what was picked). */
  progress?: RequestProgress | ((picked: S) => RequestProgress);
  /** What to do with the answer; what it returns, the command returns. (Not `then`: that would make the command a thenable.) */
  onAnswer: (result: z.output<R>, picked: S) => Promise<T> | T;
  /** Said when the person cancelled the request, in place of nothing. */
  cancelled?: string;
}

export function requestCommand<S, P extends z.ZodType, R extends z.ZodType, T>(ctx: CommandContext, command: RequestCommand<S, P, R, T>): Promise<T | undefined> {
  let subject: ErrorSubject = {};
  return showingErrors(
    () => subject,
    async () => {
      const picked = await command.pick();
      if (picked === undefined) return undefined;
      subject = command.subject?.(picked) ?? {};
      const params = await command.params(picked);
      if (params === undefined) return undefined;
      const progress = typeof command.progress === 'function' ? command.progress(picked) : command.progress;
      const result = await send(ctx, command.request, params, progress);
      return await command.onAnswer(result, picked);
    },
    command.cancelled,
  );
}

/**
 * A command's work, with a failure shown the one way the extension does: for the commands that are
 * more than one request (a flow, a check through the webhook health cache). A cancellation ends it
 * quietly, or with `cancelled` said.
 */
export async function showingErrors<T>(subject: () => ErrorSubject, work: () => Promise<T | undefined>, cancelled?: string): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (isCancellation(error)) {
      if (cancelled) void vscode.window.showInformationMessage(cancelled);
      return undefined;
    }
    await showServerError(error, subject());
    return undefined;
  }
}

/** The server's progress often starts with what the notification's title says ("Configuring webhooks: 8 of 25"): said once. */
export function withoutTitle(message: string | undefined, title: string): string | undefined {
  if (message === undefined || !message.toLowerCase().startsWith(title.toLowerCase())) return message;
  return message.slice(title.length).replace(/^[\s:·–-]+/, '') || undefined;
}

/** One request, under a progress notification when the command asks for one. */
export function send<P extends z.ZodType, R extends z.ZodType>(
  ctx: Pick<CommandContext, 'server'>,
  request: RequestDefinition<P, R>,
  params: z.input<P>,
  progress: RequestProgress | undefined,
): Promise<z.output<R>> {
  if (!progress) return ctx.server.request(request, params);
  const options = { location: vscode.ProgressLocation.Notification, title: progress.title, cancellable: progress.cancellable === true };
  return Promise.resolve(
    vscode.window.withProgress(options, (reporter, token) => {
      const sent: RequestOptions = { token };
      if (progress.fromServer) {
        // The server says how far it is in percent; the notification takes steps since the last report.
        let reported = 0;
        sent.progress = (message, percentage) => {
          const increment = percentage === undefined ? undefined : Math.max(0, percentage - reported);
          if (percentage !== undefined) reported = percentage;
          reporter.report({ message: withoutTitle(message, progress.title), increment });
        };
      }
      return ctx.server.request(request, params, sent);
    }),
  );
}
