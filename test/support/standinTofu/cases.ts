// The recordings the stand-in replays, one per case, built from the shared fixtures: the case's
// `show -json` document byte for byte, its `-json` plan and apply streams where the fixtures hold
// them, and what the stand-in needs besides (its providers, a hash of its `.tf` files). Where the
// fixtures hold no recording of something a run asks for, it is made here in the tool's format,
// and says so: the plan-error case's diagnostic (the fixture has only `errored: true`), the
// `show -json` of the two UI-stream cases, and a refresh-only plan for cases without one.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { planFixtures, TERRAFORM_FIXTURES, tfFilesOf, UI_JSON } from '../terraformFixtures';

export interface StandinProvider {
  source: string;
  version: string;
}

/** What bin/standin-data/<case>.json holds. */
export interface StandinCase {
  id: string;
  configHash: string;
  /** Of the fixture's terraform.tfstate: tells apart cases whose `.tf` files are the same (basic-update, basic-delete). */
  stateHash?: string;
  show: string;
  showRefreshOnly: string;
  /** Recorded lines replayed as they are (the UI-stream cases). */
  planStream?: string[];
  applyStream?: string[];
  diagnostics?: Record<string, unknown>[];
  providers: StandinProvider[];
  /** What is not a recording, in words. */
  synthesised: string[];
}

export interface CaseSource {
  id: string;
  /** The case's configuration folder. */
  dir: string;
  /** The `.tf` files, by path relative to the configuration's folder. */
  tfFiles: Record<string, string>;
  /** Other files a repository needs for the case (terraform.tfstate, .terraform.lock.hcl). */
  otherFiles: Record<string, string>;
}

const AUTHORED = path.join(__dirname, 'cases');
const UI_CASES = ['opentofu-ui-json/plan', 'opentofu-ui-json/apply'];

/** Every case the stand-in can replay: each plan fixture that has `.tf` files, and the two UI streams. */
export function standinCaseIds(): string[] {
  const fromPlans = planFixtures().filter((f) => !f.id.includes('@') && Object.keys(tfFilesOf(f.dir)).length > 0).map((f) => f.id);
  return [...fromPlans, ...UI_CASES];
}

export function caseSource(id: string): CaseSource {
  const dir = UI_CASES.includes(id) ? path.join(AUTHORED, id) : path.join(TERRAFORM_FIXTURES, id);
  const tfFiles = tfFilesOf(dir);
  if (!existsSync(dir) || Object.keys(tfFiles).length === 0) throw new Error(`The stand-in has no case ${id}: its cases are ${standinCaseIds().join(', ')}.`);
  const otherFiles: Record<string, string> = {};
  for (const name of ['terraform.tfstate', '.terraform.lock.hcl']) if (existsSync(path.join(dir, name))) otherFiles[name] = readFileSync(path.join(dir, name), 'utf8');
  return { id, dir, tfFiles, otherFiles };
}

/** The hash the stand-in computes over a folder's `.tf` files: sorted paths, each "path NUL content NUL". */
export function configHash(tfFiles: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const file of Object.keys(tfFiles).sort()) hash.update(`${file}\0`).update(tfFiles[file] ?? '').update('\0');
  return hash.digest('hex');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface ShowDocument {
  errored?: boolean;
  resource_changes?: { provider_name?: string }[];
  resource_drift?: unknown[];
  output_changes?: unknown;
  prior_state?: { values?: { root_module?: ModuleValues } };
  configuration?: { provider_config?: Record<string, { full_name?: string; name?: string }> };
}
interface ModuleValues {
  resources?: { provider_name?: string }[];
  child_modules?: ModuleValues[];
}

/** Versions the fixtures name (terraform-json/120_basic's lock file); other providers get a fixed one. */
function knownVersions(): Record<string, string> {
  const lock = readFileSync(path.join(TERRAFORM_FIXTURES, 'terraform-json/120_basic/.terraform.lock.hcl'), 'utf8');
  return Object.fromEntries([...lock.matchAll(/provider "([^"]+)" \{\s*version\s*=\s*"([^"]+)"/g)].map((m) => [m[1] as string, m[2] as string]));
}

function providersOf(id: string, document: ShowDocument, lockFile: string | undefined): StandinProvider[] {
  // Plans before Terraform 0.13 name a provider by its type alone ("null"): its source is hashicorp's, on the default registry.
  const host = id.startsWith('terraform-json/') ? 'registry.terraform.io' : 'registry.opentofu.org';
  const sources = new Set<string>();
  const add = (name: string | undefined) => {
    if (!name) return;
    const parts = name.split('/');
    sources.add(parts.length === 1 ? `${host}/hashicorp/${name}` : parts.length === 2 ? `${host}/${name}` : name);
  };
  for (const config of Object.values(document.configuration?.provider_config ?? {})) add(config.full_name ?? config.name);
  for (const change of document.resource_changes ?? []) add(change.provider_name);
  const walk = (module: ModuleValues | undefined) => {
    for (const resource of module?.resources ?? []) add(resource.provider_name);
    for (const child of module?.child_modules ?? []) walk(child);
  };
  walk(document.prior_state?.values?.root_module);
  const locked = lockFile ? Object.fromEntries([...lockFile.matchAll(/provider "([^"]+)" \{\s*version\s*=\s*"([^"]+)"/g)].map((m) => [m[1] as string, m[2] as string])) : {};
  const versions = { ...knownVersions(), ...locked };
  return [...sources].sort().map((source) => ({ source, version: versions[source] ?? '1.0.0' }));
}

/** A refresh-only plan made from a normal one: the same drift, no changes to make. */
function refreshOnlyOf(show: string): string {
  const { resource_changes: _changes, output_changes: _outputs, ...rest } = JSON.parse(show) as ShowDocument & Record<string, unknown>;
  return `${JSON.stringify(rest, null, 2)}\n`;
}

/**
 * The error OpenTofu reports for opentofu-show-json/plan-error (a precondition that fails), in the
 * shape internal/command/views/json/diagnostic.go writes, located in the case's main.tf.
 */
function planErrorDiagnostic(mainTf: string): Record<string, unknown> {
  const lines = mainTf.split('\n');
  const index = lines.findIndex((line) => /^\s*condition\s*=/.test(line));
  const code = lines[index] ?? '';
  const expression = (/=\s*(.*)$/.exec(code)?.[1] ?? '').trimEnd();
  const column = code.indexOf(expression) + 1;
  const byte = lines.slice(0, index).reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0) + column - 1;
  const length = Buffer.byteLength(expression);
  return {
    severity: 'error',
    summary: 'Resource precondition failed',
    detail: /error_message\s*=\s*"([^"]*)"/.exec(mainTf)?.[1] ?? '',
    address: 'test_instance.test',
    range: { filename: 'main.tf', start: { line: index + 1, column, byte }, end: { line: index + 1, column: column + expression.length, byte: byte + length } },
    snippet: {
      context: 'resource "test_instance" "test"',
      code,
      start_line: index + 1,
      highlight_start_offset: column - 1,
      highlight_end_offset: column - 1 + expression.length,
      values: [{ traversal: 'local.ami', statement: 'is "bar"' }],
    },
  };
}

/** A show -json document for a UI-stream case: the one resource its stream creates. */
function uiShow(ami: string, version: string): string {
  const resource = { address: 'test_instance.foo', mode: 'managed', type: 'test_instance', name: 'foo', provider_name: 'registry.opentofu.org/hashicorp/test' };
  const document = {
    format_version: '1.2',
    terraform_version: version,
    planned_values: { root_module: { resources: [{ ...resource, schema_version: 0, values: { ami }, sensitive_values: {} }] } },
    resource_changes: [{ ...resource, change: { actions: ['create'], before: null, after: { ami }, after_unknown: { id: true }, before_sensitive: false, after_sensitive: {} } }],
    configuration: { provider_config: { test: { name: 'test', full_name: 'registry.opentofu.org/hashicorp/test' } }, root_module: { resources: [{ ...resource, provider_config_key: 'test', schema_version: 0 }] } },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

const jsonlog = (name: string) => readFileSync(path.join(UI_JSON, `${name}.jsonlog`), 'utf8').split('\n').filter((line) => line.trim().length > 0);

/** The recording of one case, as bin/standin-data/<case>.json holds it. */
export function buildCase(id: string): StandinCase {
  const source = caseSource(id);
  const synthesised: string[] = [];
  let show: string;
  let showRefreshOnly: string;
  let planStream: string[] | undefined;
  let applyStream: string[] | undefined;
  let diagnostics: Record<string, unknown>[] | undefined;
  if (id === 'opentofu-ui-json/plan') {
    planStream = jsonlog('plan');
    show = uiShow('zzzzz', '1.3.0-dev');
    showRefreshOnly = refreshOnlyOf(show);
    synthesised.push('show -json (made from the recorded plan stream)', 'the configuration (main.tf, written to match the stream)', 'the apply stream', 'the refresh-only plan');
  } else if (id === 'opentofu-ui-json/apply') {
    const lines = jsonlog('apply');
    // The recording is an apply that planned first; a saved plan's apply prints the same lines but the plan's summary.
    planStream = lines.slice(0, 3);
    applyStream = [lines[0] as string, lines[1] as string, ...lines.slice(3)];
    show = uiShow('bar', '0.15.0-dev');
    showRefreshOnly = refreshOnlyOf(show);
    synthesised.push('show -json (made from the recorded apply stream)', 'the configuration (main.tf, written to match the stream)', 'the refresh-only plan');
  } else {
    const fixture = planFixtures().find((f) => f.id === id);
    if (!fixture) throw new Error(`No plan fixture ${id}`);
    show = readFileSync(fixture.file, 'utf8');
    const recordedRefreshOnly = path.join(fixture.dir, 'output-refresh-only.json');
    if (existsSync(recordedRefreshOnly)) {
      showRefreshOnly = readFileSync(recordedRefreshOnly, 'utf8');
    } else {
      showRefreshOnly = refreshOnlyOf(show);
      synthesised.push('the refresh-only plan (the recorded plan less its changes)');
    }
    synthesised.push('the plan and apply streams (in the tool\'s format, from show -json)');
    if (id === 'opentofu-show-json/plan-error') {
      diagnostics = [planErrorDiagnostic(source.tfFiles['main.tf'] ?? '')];
      synthesised.push('the plan\'s diagnostic (the fixture records only that the plan errored)');
    }
  }
  const document = JSON.parse(show) as ShowDocument;
  return {
    id,
    configHash: configHash(source.tfFiles),
    ...(source.otherFiles['terraform.tfstate'] !== undefined ? { stateHash: sha256(source.otherFiles['terraform.tfstate']) } : {}),
    show,
    showRefreshOnly,
    ...(planStream ? { planStream } : {}),
    ...(applyStream ? { applyStream } : {}),
    ...(diagnostics ? { diagnostics } : {}),
    providers: providersOf(id, document, source.otherFiles['.terraform.lock.hcl']),
    synthesised,
  };
}

/** The file name of a case's data under bin/standin-data/. */
export const caseFileName = (id: string) => `${id.replace(/\//g, '--')}.json`;

/** True when `dir` holds the fixtures (a checkout without ../shared has none). */
export const fixturesPresent = () => existsSync(TERRAFORM_FIXTURES) && readdirSync(TERRAFORM_FIXTURES).length > 0;
