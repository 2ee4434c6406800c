// One logger for the server. Every line passes through the protocol's masking (every form of every
// secret the server has seen), so a secret that slips into a message still never reaches a log (R9).
import { maskText } from './protocol/masking';

export type LogSink = (level: 'error' | 'warn' | 'info' | 'debug', line: string) => void;

/** The server's masking is the protocol's (one module for both processes); these names stay for callers. */
export { registerCredential, registerSecret, maskSecret, maskText as redact } from './protocol/masking';

export class Logger {
  constructor(private sink: LogSink) {}

  setSink(sink: LogSink): void {
    this.sink = sink;
  }

  error(message: string): void {
    this.sink('error', maskText(message));
  }
  warn(message: string): void {
    this.sink('warn', maskText(message));
  }
  info(message: string): void {
    this.sink('info', maskText(message));
  }
  debug(message: string): void {
    this.sink('debug', maskText(message));
  }
}

/**
 * Lines logged in one turn of the event loop go out in one write: a busy receiver logs a line per
 * delivery, and stderr to a pipe is written synchronously, one system call (and one wake-up of the
 * reader) per write. Errors, and whatever is pending at exit, are written at once.
 */
let pendingLines = '';
const flushLines = () => {
  const text = pendingLines;
  pendingLines = '';
  if (text !== '') process.stderr.write(text);
};
process.once('exit', flushLines);

export const stderrSink: LogSink = (level, line) => {
  const first = pendingLines === '';
  pendingLines += `[${new Date().toISOString()}] ${level.padEnd(5)} ${line}\n`;
  if (level === 'error') flushLines();
  else if (first) setImmediate(flushLines);
};
