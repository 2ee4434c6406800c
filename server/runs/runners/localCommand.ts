// One command of a local run: started in its sandbox (runProcess.ts), its output handed to the
// caller as it comes, cancel sending TERM and then KILL. The custom runner writes the output to the
// log as it is; a tool run renders the `-json` UI stream line by line, or keeps `show -json` apart.
import type { Execution } from '../execution';
import { startRunProcess, type RunPlace } from '../runProcess';

export interface LocalControl {
  /** The running command's process group, while one runs. */
  pid: number | null;
}

export interface CommandResult {
  code: number | null;
  stopped: boolean;
}

/** Where a command's output goes: each chunk of stdout and stderr as it comes, in order. */
export interface CommandOutput {
  stdout(chunk: Buffer): void | Promise<void>;
  stderr(chunk: Buffer): void | Promise<void>;
  /** Called once the process ended and every chunk was handled. */
  end?(): void | Promise<void>;
}

/** Runs one argv command (sandboxed where it can be); `variables` are its environment beyond what runProcess.ts sets. */
export async function runCommand(
  execution: Execution,
  argv: readonly string[],
  place: RunPlace,
  variables: Readonly<Record<string, string>>,
  control: LocalControl,
  output: CommandOutput,
): Promise<CommandResult> {
  const program = argv[0] as string;
  const started = await startRunProcess(argv, place, variables, execution.book.folder);
  const { child } = started;
  return new Promise((resolve) => {
    let handled: Promise<void> = Promise.resolve();
    control.pid = child.pid ?? null;
    // On disk, so a server that restarts after a crash can end what this one left running.
    if (child.pid !== undefined) void execution.note({ processGroup: child.pid }).catch(() => undefined);
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.pid === undefined) return;
      started.signal('SIGTERM');
      killTimer = setTimeout(() => started.signal('SIGKILL'), execution.settings.killGraceMs);
    };
    if (execution.signal.aborted) stop();
    execution.signal.addEventListener('abort', stop, { once: true });
    child.stdout.on('data', (chunk: Buffer) => (handled = handled.then(() => output.stdout(chunk))));
    child.stderr.on('data', (chunk: Buffer) => (handled = handled.then(() => output.stderr(chunk))));
    let finished = false;
    const finish = (code: number | null, note: string | null) => {
      if (finished) return;
      finished = true;
      execution.signal.removeEventListener('abort', stop);
      clearTimeout(killTimer);
      control.pid = null;
      void handled
        .then(() => output.end?.())
        .then(() => (note ? execution.write(note) : undefined))
        .catch(() => undefined)
        .then(() => resolve({ code, stopped: execution.signal.aborted }));
    };
    child.on('error', (error) => finish(127, `\n${program} could not start: ${error.message}\n`));
    child.on('close', (code) => finish(code, null));
  });
}

/** Splits chunks into lines (a line cut at `max` characters goes on as the next), calling `line` for each whole one. */
export class LineSplitter {
  private pending = '';

  constructor(
    private readonly line: (text: string) => void | Promise<void>,
    private readonly max = 1 << 20,
  ) {}

  async push(chunk: Buffer | string): Promise<void> {
    this.pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let at: number;
    while ((at = this.pending.indexOf('\n')) >= 0 || this.pending.length > this.max) {
      const end = at >= 0 ? at : this.max;
      const text = this.pending.slice(0, end);
      this.pending = this.pending.slice(at >= 0 ? end + 1 : end);
      await this.line(text);
    }
  }

  async flush(): Promise<void> {
    if (this.pending.length > 0) {
      const text = this.pending;
      this.pending = '';
      await this.line(text);
    }
  }
}
