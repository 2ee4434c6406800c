// The `-json` UI stream of `plan` and `apply`, for the run's log and its counts: renderUiLine turns
// each message into one line a person reads (never the raw JSON), in the tool's own phrasing where
// the tool has one, so the plan line stays what server/runs/planSummary.ts reads; UiStreamTally
// counts the changes and keeps the diagnostics (with their file and line, for the Problems panel and
// annotations) while the lines go by.
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { MAX_PLAN_ADDRESS, MAX_PLAN_DETAIL, MAX_PLAN_DIAGNOSTICS, MAX_PLAN_SUMMARY, type PlanAction, type PlanCounts, type PlanDiagnostic } from '../protocol/plan';
import { actionOfUiWord, countChange, noCounts } from './actions';
import { cleanLine, cleanText } from './text';
import { MAX_UI_LINE, payload, readUiLine, UiChange, UiChangeSummary, UiDiagnostic, UiHook, UiOutputs, type UiMessage } from './uiMessages';

/** One rendered line at most. */
export const MAX_RENDERED_LINE = 1_000;

const SYMBOLS: Record<PlanAction, string> = { create: '+', update: '~', replace: '-/+', delete: '-', read: '<=', forget: '.', 'no-op': ' ', import: ' ', move: ' ' };
const PHRASES: Record<PlanAction, string> = {
  create: 'will be created',
  update: 'will be updated in-place',
  replace: 'must be replaced',
  delete: 'will be destroyed',
  read: 'will be read during apply',
  forget: 'will be removed from the state but not destroyed',
  import: 'will be imported',
  move: 'has moved',
  'no-op': 'has no changes',
};
/** The stream's reasons (`change.reason`) in words; an unknown one is left out. */
const REASONS: Record<string, string> = {
  tainted: 'it is tainted',
  requested: 'as requested',
  replace_triggered_by: 'replace_triggered_by',
  cannot_update: 'it cannot be updated in-place',
  delete_because_no_resource_config: 'it is not in the configuration',
  delete_because_wrong_repetition: 'its count or for_each changed',
  delete_because_count_index: 'its count index is out of range',
  delete_because_each_key: 'its for_each key is gone',
  delete_because_no_module: 'its module is not in the configuration',
  delete_because_no_move_target: 'its moved target is not in the configuration',
  read_because_config_unknown: 'its configuration is known only after apply',
  read_because_dependency_pending: 'a dependency has changes pending',
  read_because_check_nested: 'it is in a check block',
};

const addr = (text: string) => cleanLine(text, MAX_PLAN_ADDRESS);

function renderChange(change: UiChange): string | null {
  const action = actionOfUiWord(change.action);
  if (action === null) return null;
  const at = addr(change.resource.addr);
  if (action === 'move') return `    ${addr(change.previous_resource?.addr ?? '?')} has moved to ${at}`;
  const notes: string[] = [];
  const reason = change.reason !== undefined && Object.hasOwn(REASONS, change.reason) ? REASONS[change.reason] : undefined;
  if (reason !== undefined) notes.push(reason);
  if (change.previous_resource !== undefined) notes.push(`moved from ${addr(change.previous_resource.addr)}`);
  if (change.importing !== undefined && action !== 'import') notes.push('and imported');
  return `${SYMBOLS[action].padStart(3)} ${at} ${PHRASES[action]}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

function renderDrift(change: UiChange): string | null {
  const action = actionOfUiWord(change.action);
  if (action === null) return null;
  const at = addr(change.resource.addr);
  if (action === 'delete') return `  - ${at} has been deleted outside OpenTofu/Terraform (drift)`;
  if (action === 'move') return `    ${at} has moved outside OpenTofu/Terraform (drift)`;
  return `  ~ ${at} has changed outside OpenTofu/Terraform (drift)`;
}

/** The tool's own summary line, rebuilt from the numbers (as OpenTofu's ChangeSummary writes it). */
export function changeSummaryLine(summary: UiChangeSummary): string {
  const imports = summary.import ?? 0;
  const forgets = summary.forget ?? 0;
  if (summary.operation === 'destroy') return `Destroy complete! Resources: ${summary.remove} destroyed.`;
  if (summary.operation === 'apply') {
    return `Apply complete! Resources: ${imports > 0 ? `${imports} imported, ` : ''}${summary.add} added, ${summary.change} changed, ${summary.remove} destroyed${forgets > 0 ? `, ${forgets} forgotten` : ''}.`;
  }
  return `Plan: ${imports > 0 ? `${imports} to import, ` : ''}${summary.add} to add, ${summary.change} to change, ${summary.remove} to destroy${forgets > 0 ? `, ${forgets} to forget` : ''}.`;
}

/** The tool's diagnostic as a line: severity, summary, where, and the detail on the same line. */
function renderDiagnostic(diagnostic: UiDiagnostic): string {
  const severity = diagnostic.severity === 'warning' ? 'Warning' : 'Error';
  const where = diagnostic.range ? ` (${cleanLine(diagnostic.range.filename, MAX_PLAN_ADDRESS)}:${diagnostic.range.start.line})` : '';
  const detail = diagnostic.detail ? cleanLine(diagnostic.detail, 500) : '';
  return `${severity}: ${cleanLine(diagnostic.summary, MAX_PLAN_SUMMARY)}${where}${detail ? `: ${detail}` : ''}`;
}

function renderOutputs(outputs: UiOutputs): string {
  const entries = Object.entries(outputs);
  const shown = entries.slice(0, 20).map(([name, output]) => {
    const action = output.action === undefined ? null : actionOfUiWord(output.action);
    const notes = [...(action !== null ? [action] : []), ...(output.sensitive ? ['sensitive'] : [])];
    return `${cleanLine(name, 100)}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
  });
  const more = entries.length > shown.length ? `, and ${entries.length - shown.length} more` : '';
  return `Outputs: ${entries.length}${shown.length > 0 ? `: ${shown.join(', ')}${more}` : ''}`;
}

const VERBS: Record<string, [start: string, progress: string, noun: string]> = {
  create: ['Creating', 'creating', 'Creation'],
  update: ['Modifying', 'modifying', 'Modifications'],
  delete: ['Destroying', 'destroying', 'Destruction'],
  read: ['Refreshing', 'refreshing', 'Refresh'],
  replace: ['Replacing', 'replacing', 'Replacement'],
  remove: ['Removing', 'removing', 'Removal'],
};
const verbs = (action: string | undefined) => (action !== undefined && Object.hasOwn(VERBS, action) ? (VERBS[action] as [string, string, string]) : (['Applying', 'applying', 'Apply'] as const));

/** Seconds as Go prints a duration: `0s`, `12s`, `1m4s`. */
function elapsed(seconds: number | undefined): string {
  const whole = Math.round(seconds ?? 0);
  return whole < 60 ? `${whole}s` : `${Math.floor(whole / 60)}m${whole % 60}s`;
}

function renderHook(type: string, hook: UiHook): string | null {
  const at = addr(hook.resource.addr);
  const id = hook.id_key && hook.id_value ? ` [${cleanLine(hook.id_key, 50)}=${cleanLine(hook.id_value, 200)}]` : '';
  const [start, progress, noun] = verbs(hook.action);
  const provisioner = cleanLine(hook.provisioner ?? '', 100);
  switch (type) {
    case 'apply_start':
      return `${at}: ${start}...${id}`;
    case 'apply_progress':
      return `${at}: Still ${progress}... [${elapsed(hook.elapsed_seconds)} elapsed]`;
    case 'apply_complete':
      return `${at}: ${noun} complete after ${elapsed(hook.elapsed_seconds)}${id}`;
    case 'apply_errored':
      return `${at}: ${noun} errored after ${elapsed(hook.elapsed_seconds)}`;
    case 'refresh_start':
      return `${at}: Refreshing state...${id}`;
    case 'refresh_complete':
      return `${at}: Refresh complete${id}`;
    case 'provision_start':
      return `${at}: Provisioning with '${provisioner}'...`;
    case 'provision_progress':
      return `${at}: (${provisioner}): ${cleanLine(hook.output ?? '', 500)}`;
    case 'provision_complete':
      return `${at}: (${provisioner}) Provisioning complete`;
    case 'provision_errored':
      return `${at}: (${provisioner}) Provisioning errored`;
    default:
      return null;
  }
}

function renderMessage(message: UiMessage): string | null {
  const type = message.type ?? '';
  let line: string | null = null;
  if (type === 'planned_change' || type === 'resource_drift') {
    const change = payload(message, 'change', UiChange);
    line = change === null ? null : type === 'planned_change' ? renderChange(change) : renderDrift(change);
  } else if (type === 'change_summary') {
    const summary = payload(message, 'changes', UiChangeSummary);
    line = summary === null ? null : changeSummaryLine(summary);
  } else if (type === 'diagnostic') {
    const diagnostic = payload(message, 'diagnostic', UiDiagnostic);
    line = diagnostic === null ? null : renderDiagnostic(diagnostic);
  } else if (type === 'outputs') {
    const outputs = payload(message, 'outputs', UiOutputs);
    line = outputs === null ? null : renderOutputs(outputs);
  } else if (type.startsWith('apply_') || type.startsWith('refresh_') || type.startsWith('provision_')) {
    const hook = payload(message, 'hook', UiHook);
    line = hook === null ? null : renderHook(type, hook);
  }
  // Anything else (version, log, a type this reader does not know) is its message, as text.
  line ??= typeof message['@message'] === 'string' ? message['@message'] : null;
  if (line === null) return null;
  const cleaned = cleanLine(line, MAX_RENDERED_LINE);
  // Leading spaces are the tool's indentation of a change: keep them.
  const indent = /^ */.exec(line)?.[0] ?? '';
  return cleaned.length > 0 ? `${indent}${cleaned}` : null;
}

/**
 * One machine-readable UI line as one line for a person, or null for a line with nothing to show.
 * Plain text (not JSON) is shown cleaned; JSON that cannot be read is said to be unreadable.
 */
export function renderUiLine(line: string): string | null {
  const read = readUiLine(line);
  switch (read.kind) {
    case 'empty':
      return null;
    case 'text':
      return cleanLine(read.text, MAX_RENDERED_LINE) || null;
    case 'unreadable':
      return `(an output line of ${read.length.toLocaleString('en')} characters could not be read)`;
    case 'message':
      return renderMessage(read.message);
  }
}

export function diagnosticOf(diagnostic: UiDiagnostic): PlanDiagnostic {
  const line = diagnostic.range?.start.line;
  return {
    severity: diagnostic.severity === 'warning' ? 'warning' : 'error',
    summary: cleanLine(diagnostic.summary, MAX_PLAN_SUMMARY),
    ...(diagnostic.detail ? { detail: cleanText(diagnostic.detail, MAX_PLAN_DETAIL) } : {}),
    ...(diagnostic.range ? { file: cleanLine(diagnostic.range.filename, MAX_PLAN_ADDRESS) } : {}),
    ...(line !== undefined && line >= 1 ? { line } : {}),
  };
}

/** What a UI stream said, counted as its lines go by. */
export class UiStreamTally {
  readonly counts: PlanCounts = noCounts();
  readonly diagnostics: PlanDiagnostic[] = [];
  /** The last `change_summary` (the plan's, or the apply's in an apply stream). */
  changeSummary: UiChangeSummary | null = null;
  /** Diagnostics past MAX_PLAN_DIAGNOSTICS were counted but not kept. */
  diagnosticsDropped = 0;

  push(line: string): void {
    const read = readUiLine(line);
    if (read.kind !== 'message') return;
    const message = read.message;
    switch (message.type) {
      case 'planned_change': {
        const change = payload(message, 'change', UiChange);
        const action = change === null ? null : actionOfUiWord(change.action);
        if (change !== null && action !== null) countChange(this.counts, action, change.previous_resource !== undefined || action === 'move', change.importing !== undefined || action === 'import');
        break;
      }
      case 'resource_drift': {
        const change = payload(message, 'change', UiChange);
        if (change !== null && actionOfUiWord(change.action) !== 'no-op') this.counts.drift++;
        break;
      }
      case 'outputs': {
        const outputs = payload(message, 'outputs', UiOutputs);
        if (outputs !== null) this.counts.outputs = Object.values(outputs).filter((output) => output.action !== undefined && output.action !== 'noop').length;
        break;
      }
      case 'change_summary':
        this.changeSummary = payload(message, 'changes', UiChangeSummary) ?? this.changeSummary;
        break;
      case 'diagnostic': {
        const diagnostic = payload(message, 'diagnostic', UiDiagnostic);
        if (diagnostic === null) break;
        if (diagnostic.severity !== 'warning') this.counts.errored = true;
        if (this.diagnostics.length < MAX_PLAN_DIAGNOSTICS) this.diagnostics.push(diagnosticOf(diagnostic));
        else this.diagnosticsDropped++;
        break;
      }
      default:
        break;
    }
  }
}

/**
 * The lines of a stream, each cut at MAX_UI_LINE (the rest of a longer line is dropped as it comes,
 * so a line without an end costs no more than that).
 */
export async function* linesOf(input: Readable | AsyncIterable<string | Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let line = '';
  let overflow = false;
  for await (const chunk of input as AsyncIterable<string | Buffer>) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const whole = overflow ? line : line + text.slice(start, end);
      yield whole.endsWith('\r') ? whole.slice(0, -1) : whole;
      line = '';
      overflow = false;
      start = end + 1;
    }
    if (!overflow) {
      line += text.slice(start);
      if (line.length > MAX_UI_LINE) {
        line = line.slice(0, MAX_UI_LINE + 1);
        overflow = true;
      }
    }
  }
  line += overflow ? '' : decoder.end();
  if (line.length > 0) yield line;
}

/** Reads a whole UI stream (a child's stdout, a log file's stream, or its lines) and tallies it. */
export async function planCountsFromStream(input: Readable | AsyncIterable<string | Buffer>): Promise<UiStreamTally> {
  const tally = new UiStreamTally();
  for await (const line of linesOf(input)) tally.push(line);
  return tally;
}
