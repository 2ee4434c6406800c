// The requests of the protocol as server/protocol/methods.ts defines them, found by looking, never
// listed by hand: a test that must cover every request then notices a new one.
import { RequestType } from 'vscode-jsonrpc';
import type { z } from 'zod';
import * as Protocol from '../../server/protocol';

type AnyRequest = Protocol.RequestDefinition<z.ZodType, z.ZodType>;

const isRequest = (value: unknown): value is AnyRequest =>
  typeof value === 'object' && value !== null && 'method' in value && 'params' in value && 'type' in value && value.type instanceof RequestType;

/** Requests the server sends and the editor answers (secrets live in the editor's keychain). */
export const EDITOR_ANSWERS: ReadonlySet<string> = new Set([Protocol.SecretsGet.method, Protocol.SecretsStore.method]);

/** Every request the server answers, in the order methods.ts defines them. */
export const SERVER_REQUESTS: readonly AnyRequest[] = Object.values(Protocol as Record<string, unknown>)
  .filter(isRequest)
  .filter((definition) => !EDITOR_ANSWERS.has(definition.method));

/** Whether a request may be sent with no params at all: its params are all optional. */
export const allOptional = (definition: AnyRequest): boolean => definition.params.safeParse({}).success;
