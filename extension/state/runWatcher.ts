// Watches the stacks' last runs: counts what runs and what failed (for the status bar), and speaks
// when a tracked run fails or waits for confirmation, with the action that follows (Open Log,
// Confirm). What was already so when the window opened is not announced.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { Command } from '../commandIds';
import type { StackhookServer } from '../connection/serverApi';
import { isLive } from '../views/runPresentation';

export interface RunCounts {
  running: number;
  failed: number;
  /** Planned and waiting for someone to confirm or discard. */
  waiting: number;
}

const DEBOUNCE_MS = 300;

export class RunWatcher implements vscode.Disposable {
  private known: Map<string, Protocol.Run['state']> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly emitter = new vscode.EventEmitter<RunCounts>();
  readonly onDidChangeCounts = this.emitter.event;
  private readonly looked = new vscode.EventEmitter<Protocol.Stack[]>();
  /** Every look's stacks, with their last runs: the plan's Problems follow them. */
  readonly onDidLook = this.looked.event;
  counts: RunCounts = { running: 0, failed: 0, waiting: 0 };

  constructor(private readonly server: Pick<StackhookServer, 'request' | 'state'>) {}

  /** After a change of runs or stacks: looks again, a moment later (changes come in bursts). */
  changed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.look(), DEBOUNCE_MS);
  }

  async look(): Promise<void> {
    if (this.server.state !== 'running') return;
    let stacks: Protocol.Stack[];
    try {
      stacks = await this.server.request(protocol().StacksList, {});
    } catch {
      return; // The views show the error; the next change looks again.
    }
    const runs = stacks.flatMap((stack) => (stack.lastRun ? [{ stack, run: stack.lastRun }] : []));
    this.counts = {
      running: runs.filter(({ run }) => isLive(run) && run.state !== 'unconfirmed').length,
      failed: runs.filter(({ run }) => run.state === 'failed').length,
      waiting: runs.filter(({ run }) => run.state === 'unconfirmed').length,
    };
    this.emitter.fire(this.counts);
    this.looked.fire(stacks);
    const baseline = this.known;
    this.known = new Map(runs.map(({ run }) => [run.id, run.state]));
    if (!baseline) return;
    for (const { stack, run } of runs) {
      if (run.kind !== 'tracked' || baseline.get(run.id) === run.state) continue;
      if (run.state === 'failed') this.tell(vscode.window.showErrorMessage, vscode.l10n.t('The tracked run of "{0}" failed: {1}', stack.name, run.summary ?? ''), run, false);
      if (run.state === 'unconfirmed') {
        // The summary is OpenTofu's own line ("Plan: 2 to add, …"): said after the sentence, not inside it.
        const plan = (run.summary ?? '').replace(/^Plan:\s*/, '');
        const message = plan
          ? vscode.l10n.t('The tracked run of "{0}" waits for confirmation. Its plan: {1}', stack.name, plan)
          : vscode.l10n.t('The tracked run of "{0}" waits for confirmation.', stack.name);
        this.tell(vscode.window.showWarningMessage, message, run, true);
      }
    }
  }

  private tell(show: (message: string, ...items: string[]) => Thenable<string | undefined>, message: string, run: Protocol.Run, confirmable: boolean): void {
    const openLog = vscode.l10n.t('Open Log');
    const confirm = vscode.l10n.t('Confirm');
    void show(message, ...(confirmable ? [confirm, openLog] : [openLog])).then((choice) => {
      if (choice === openLog) void vscode.commands.executeCommand(Command.OpenRunLog, run.id);
      else if (choice === confirm) void vscode.commands.executeCommand(Command.ConfirmRun, run.id);
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.emitter.dispose();
    this.looked.dispose();
  }
}
