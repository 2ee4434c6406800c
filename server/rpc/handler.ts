// Binds a protocol request to an operation: params are parsed with the request's zod schema at the
// door (bad input changes nothing), and every failure leaves as a JSON-RPC error with `data.kind`,
// except a cancelled request, which is answered with LSP's RequestCancelled (-32800).
import { LSPErrorCodes, ResponseError, type CancellationToken, type Connection } from 'vscode-languageserver/node';
import type { z } from 'zod';
import type { RequestScope, ServerContext } from '../context';
import { describeError, invalid, invalidFromZod, StackhookError } from '../errors';
import { issueTexts } from '../zodIssues';
import { maskEverything, maskResult, maskText } from '../protocol/masking';
import { ErrorCodes, wireType, type ErrorData, type RequestDefinition } from '../protocol';

type Operation<P extends z.ZodType, R extends z.ZodType> = (
  context: ServerContext,
  params: z.output<P>,
  scope: RequestScope,
) => Promise<z.output<R>>;

export interface Handler {
  readonly method: string;
  register(connection: Connection, context: ServerContext): void;
  /** Runs the request without a connection (tests, the headless server). */
  invoke(context: ServerContext, params: unknown, scope: RequestScope): Promise<unknown>;
}

export function handler<P extends z.ZodType, R extends z.ZodType>(definition: RequestDefinition<P, R>, operation: Operation<P, R>): Handler {
  const invoke = async (context: ServerContext, raw: unknown, scope: RequestScope) => {
    // No params given (left out, which the lifecycle gate passes on as null) reads as `{}`.
    const omitted = raw === undefined || raw === null;
    const parsed = definition.params.safeParse(omitted ? {} : raw);
    if (!parsed.success) throw omitted ? noParams(definition.method, parsed.error) : invalidFromZod(`parameters for ${definition.method}`, parsed.error);
    return operation(context, parsed.data, scope);
  };
  return {
    method: definition.method,
    invoke,
    register(connection, context) {
      connection.onRequest(wireType(definition), async (raw, token) => {
        const controller = new AbortController();
        const subscription = token.onCancellationRequested(() => controller.abort());
        const progress = await progressReporter(connection, raw);
        try {
          // R9: a credential that an upstream echoed never leaves in a result, whatever carried it.
          return maskResult(await invoke(context, stripProgressToken(raw), { signal: controller.signal, progress: progress?.report }));
        } catch (error) {
          return toResponseError(context, definition.method, error, token);
        } finally {
          subscription.dispose();
          progress?.done();
        }
      });
    },
  };
}

/** A request that gave no params to a method that needs some: which ones, in words. */
function noParams(method: string, error: z.ZodError): StackhookError {
  const needed = neededFields(error.issues);
  return invalid(`Invalid parameters for ${method}: the request carried none${needed ? `; it needs ${needed}` : ''}. Send them as an object (by name).`, issueTexts(error, '(params)'));
}

/** The fields `{}` lacks, as a person reads them: "a, b", or for params of several shapes "a, or b and c". */
function neededFields(issues: readonly z.core.$ZodIssue[]): string {
  const alternatives = issues.flatMap((issue) => (issue.code === 'invalid_union' && issue.path.length === 0 ? issue.errors : []));
  if (alternatives.length > 0) return alternatives.map((branch) => andList(fieldsOf(branch))).filter(Boolean).join(', or ');
  return andList(fieldsOf(issues));
}

function fieldsOf(issues: readonly z.core.$ZodIssue[]): string[] {
  return [...new Set(issues.flatMap((issue) => (issue.path.length > 0 ? [String(issue.path[0])] : [])))];
}

const andList = (fields: string[]) => (fields.length < 2 ? fields.join('') : `${fields.slice(0, -1).join(', ')} and ${fields.at(-1)}`);

/** LSP work-done progress: a client that sends `workDoneToken` with a request sees progress for it. */
async function progressReporter(connection: Connection, raw: unknown) {
  const token = typeof raw === 'object' && raw !== null ? (raw as { workDoneToken?: unknown }).workDoneToken : undefined;
  if (typeof token !== 'string' && typeof token !== 'number') return undefined;
  const reporter = connection.window.attachWorkDoneProgress(token);
  reporter.begin('Stackhook', 0, undefined, true);
  return {
    report: (done: number, total: number, message: string) =>
      reporter.report(total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0, maskText(message)),
    done: () => reporter.done(),
  };
}

function stripProgressToken(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || !('workDoneToken' in raw)) return raw;
  const { workDoneToken: _ignored, ...rest } = raw as Record<string, unknown>;
  return rest;
}

export function toResponseError(context: ServerContext, method: string, error: unknown, token?: CancellationToken): ResponseError<ErrorData | undefined> {
  // The editor asked for the cancellation, so it gets LSP's answer for it, not a failure to show.
  if (token?.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'The request was cancelled.', undefined);
  if (error instanceof StackhookError) {
    return new ResponseError(ErrorCodes[error.kind], maskText(error.message), maskEverything(error.data));
  }
  const detail = describeError(error);
  context.log.error(`${method} failed unexpectedly: ${detail}`);
  return new ResponseError(
    ErrorCodes.Unavailable,
    maskText(`Stackhook could not complete ${method}: ${detail}. The server log (Stackhook output) has the details.`),
    { kind: 'Unavailable' },
  );
}
