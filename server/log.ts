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
 * Lines logged in one turn of the event loop go out in one write (a busy receiver logs a line per
 * delivery, and each write to a pipe is a system call); whatever is pending is written on exit.
 */
let pendingLines = '';
function writePendingLines(): void {
  if (pendingLines === '') return;
  const text = pendingLines;
  pendingLines = '';
  process.stderr.write(text);
}
process.once('exit', writePendingLines);

export const stderrSink: LogSink = (level, line) => {
  if (pendingLines === '') setImmediate(writePendingLines);
  pendingLines += `[${new Date().toISOString()}] ${level.padEnd(5)} ${line}\n`;
};
