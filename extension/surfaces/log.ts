// The Stackhook output channel. The server's log, the language client's trace and our own lines all
// pass through one channel that masks every secret this window has handled (R9), so even a verbose
// protocol trace of `integrations/create` never shows the API token.
import * as vscode from 'vscode';
import { maskText as redact } from '../../server/protocol/masking';

/** One masking for both processes: every form of a secret this window has handled (R9). */
export { registerCredential, registerSecret, maskText as redact } from '../../server/protocol/masking';

type Line = (message: string, ...args: unknown[]) => void;

/** A LogOutputChannel whose every write is redacted first. */
export function redactingChannel(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  const wrap =
    (write: Line): Line =>
    (message, ...args) =>
      write.call(channel, redact(message), ...args.map((arg) => (typeof arg === 'string' ? redact(arg) : arg)));
  return new Proxy(channel, {
    get(target, property, receiver) {
      switch (property) {
        case 'append':
        case 'appendLine':
        case 'replace':
          return (value: string) => (target[property] as (value: string) => void).call(target, redact(value));
        case 'trace':
        case 'debug':
        case 'info':
        case 'warn':
          return wrap(target[property] as Line);
        case 'error':
          return (error: string | Error, ...args: unknown[]) =>
            target.error(redact(typeof error === 'string' ? error : error.message), ...args);
        default: {
          const value = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        }
      }
    },
  });
}

let current: vscode.LogOutputChannel | undefined;

export function createLog(): vscode.LogOutputChannel {
  current = redactingChannel(vscode.window.createOutputChannel('Stackhook', { log: true }));
  return current;
}

/** The channel for modules that only want to write a line. */
export const log = {
  info: (message: string) => current?.info(message),
  warn: (message: string) => current?.warn(message),
  error: (message: string) => current?.error(message),
  show: () => current?.show(true),
};
