// The LSP lifecycle at the door, before any handler runs: requests before `initialize` or after
// `shutdown` are answered ServerNotInitialized (-32002) and run nothing; Stackhook's requests must
// carry their params as an object (by name), never as an array, or leave them out; and a framing
// error (a bad header, a body that is not JSON) ends the process, because the stream can no longer
// be trusted to line up with message boundaries: the editor sees the exit and starts a fresh server.
import { StreamMessageReader, StreamMessageWriter, type Message, type MessageReader, type MessageWriter, type NotificationMessage, type RequestMessage } from 'vscode-languageserver/node';
import type { ErrorData } from '../protocol';

const SERVER_NOT_INITIALIZED = -32002;
const INVALID_PARAMS = -32602;
const STACKHOOK_METHOD = /^stackhook\//;

type Phase = 'waiting' | 'running' | 'shut-down';

const isRequest = (message: Message): message is RequestMessage => 'method' in message && 'id' in message && message.id !== undefined && message.id !== null;
const isNotification = (message: Message): message is NotificationMessage => 'method' in message && !isRequest(message);

/** What the gate does with a message: pass it on, or answer it with an error and drop it. */
type GateError = { code: number; message: string; data: ErrorData };

/** jsonrpc's message type has no `null` params, but its dispatcher hands them to the handler as they are. */
const NONE_GIVEN = null as unknown as object;

/**
 * JSON-RPC lets a request leave `params` out, but jsonrpc's dispatcher refuses that for a method
 * typed with one parameter ("defines 1 params but received none") before the method's schema can
 * speak. The gate hands such a request on with `params: null`, which the handler reads as "none
 * given": `{}` for a method whose params are all optional, `Invalid` naming what is missing otherwise.
 */
function withParams(message: RequestMessage): RequestMessage {
  return message.params === undefined && STACKHOOK_METHOD.test(message.method) ? { ...message, params: NONE_GIVEN } : message;
}

export function admit(phase: Phase, message: Message): { pass: true; next: Phase; message: Message } | { pass: false; next: Phase; error?: GateError } {
  if (isRequest(message)) {
    const method = message.method;
    if (phase === 'waiting') {
      if (method === 'initialize') return { pass: true, next: 'running', message };
      return { pass: false, next: phase, error: { code: SERVER_NOT_INITIALIZED, message: `${method} arrived before initialize; send initialize first.`, data: { kind: 'Unavailable' } } };
    }
    if (phase === 'shut-down') {
      return {
        pass: false,
        next: phase,
        error: { code: SERVER_NOT_INITIALIZED, message: `${method} arrived after shutdown; this server only waits for exit now.`, data: { kind: 'Unavailable' } },
      };
    }
    if (STACKHOOK_METHOD.test(method) && Array.isArray(message.params)) {
      const problem = 'takes its parameters as an object (by name), not as an array';
      return {
        pass: false,
        next: phase,
        error: { code: INVALID_PARAMS, message: `Invalid parameters for ${method}: it ${problem}.`, data: { kind: 'Invalid', issues: [{ path: '(params)', message: problem }] } },
      };
    }
    return { pass: true, next: method === 'shutdown' ? 'shut-down' : phase, message: withParams(message) };
  }
  if (isNotification(message)) {
    const method = message.method;
    // Before initialize only `exit` counts; after it every notification is passed on (exit included).
    return phase !== 'waiting' || method === 'exit' ? { pass: true, next: phase, message } : { pass: false, next: phase };
  }
  return { pass: true, next: phase, message }; // Responses to the server's own requests.
}

/** The stdio reader and writer of the server, with the lifecycle gate in front of the reader. */
export function gatedStdio(onFramingError: (error: Error) => void): { reader: MessageReader; writer: MessageWriter } {
  const inner = new StreamMessageReader(process.stdin);
  const writer = new StreamMessageWriter(process.stdout);
  let phase: Phase = 'waiting';
  inner.onError((error) => onFramingError(error));
  const reader: MessageReader = {
    onError: inner.onError,
    onClose: inner.onClose,
    onPartialMessage: inner.onPartialMessage,
    listen(callback) {
      return inner.listen((message) => {
        const verdict = admit(phase, message);
        phase = verdict.next;
        if (verdict.pass) return callback(verdict.message);
        if (verdict.error && isRequest(message)) {
          void writer.write({ jsonrpc: '2.0', id: message.id, error: verdict.error } as Message).catch(() => undefined);
        }
      });
    },
    dispose: () => inner.dispose(),
  };
  return { reader, writer };
}
