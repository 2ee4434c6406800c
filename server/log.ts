// One logger for the server. Every line passes through `redact`, which masks any secret the
// server has seen, so a secret that slips into a message still never reaches a log (R9).
export type LogSink = (level: 'error' | 'warn' | 'info' | 'debug', line: string) => void;

const secrets = new Set<string>();
const MASK = '••••••';

/** Registers a value that must never be printed. Short values are ignored: masking them would mangle text. */
export function registerSecret(value: string | null | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

export function redact(text: string): string {
  let result = text;
  for (const secret of secrets) if (result.includes(secret)) result = result.split(secret).join(MASK);
  return result;
}

/** `ATATT3xFfGF0…` → `ATAT••••••` : enough to recognise which token, nothing to use. */
export function maskSecret(secret: string): string {
  return secret.length <= 8 ? MASK : `${secret.slice(0, 4)}${MASK}`;
}

export class Logger {
  constructor(private sink: LogSink) {}

  setSink(sink: LogSink): void {
    this.sink = sink;
  }

  error(message: string): void {
    this.sink('error', redact(message));
  }
  warn(message: string): void {
    this.sink('warn', redact(message));
  }
  info(message: string): void {
    this.sink('info', redact(message));
  }
  debug(message: string): void {
    this.sink('debug', redact(message));
  }
}

export const stderrSink: LogSink = (level, line) => process.stderr.write(`[${new Date().toISOString()}] ${level.padEnd(5)} ${line}\n`);
