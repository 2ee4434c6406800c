// Reading `bitbucket-pipelines.yml` at a commit the way Bitbucket does for a custom pipeline: its
// steps in order (stages and parallel groups flattened, anchors and `<<` merges resolved), each with
// its script, after-script, `max-time` (the step's, else `options.max-time`, else Bitbucket's default
// of 120 minutes), `oidc` and `deployment`.
import { execFileSync } from 'node:child_process';
import { parse as parseYaml } from 'yaml';
import type { FakeRepository } from './model';

export const DEFAULT_MAX_TIME_MINUTES = 120;

export interface StepDefinition {
  name: string;
  script: string[];
  afterScript: string[];
  maxTimeMinutes: number;
  oidc: boolean | string[];
  deployment: string | null;
  image: string | null;
  /** Why the step cannot run in the fake (a `pipe:`), shown in its log. */
  unsupported: string | null;
}

/** A file at a commit: from the repository's git, or from the files a test added without git. */
export function fileAt(repository: FakeRepository, commit: string, file: string): string | null {
  const stored = repository.files.get(`${commit}:${file}`);
  if (stored !== undefined) return stored;
  // A commit from a URL is never an option of git's.
  if (repository.gitDir === null || commit.startsWith('-')) return null;
  try {
    return execFileSync('git', ['--git-dir', repository.gitDir, 'show', `${commit}:${file}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

type Yaml = Record<string, unknown>;
const isObject = (value: unknown): value is Yaml => typeof value === 'object' && value !== null && !Array.isArray(value);

function configuration(text: string): Yaml | null {
  try {
    const parsed = parseYaml(text, { merge: true }) as unknown;
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** Bitbucket answers 400 when the commit's bitbucket-pipelines.yml does not define the pipeline asked for. */
export function definesCustom(repository: FakeRepository, commit: string, pattern: string): boolean {
  const text = fileAt(repository, commit, 'bitbucket-pipelines.yml');
  const custom = text === null ? null : (configuration(text)?.pipelines as Yaml | undefined)?.custom;
  return isObject(custom) && pattern in custom;
}

function minutes(value: unknown, where: string): number | string {
  if (value === undefined) return DEFAULT_MAX_TIME_MINUTES;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) return `${where}max-time must be a whole number of minutes from 1.`;
  return value;
}

function commands(value: unknown, where: string): { lines: string[]; unsupported: string | null } | string {
  if (value === undefined) return { lines: [], unsupported: null };
  if (!Array.isArray(value)) return `${where} must be a list of commands.`;
  const lines: string[] = [];
  let unsupported: string | null = null;
  for (const entry of value) {
    if (typeof entry === 'string' || typeof entry === 'number') lines.push(String(entry));
    else if (isObject(entry) && typeof entry.pipe === 'string') unsupported = `The fake Bitbucket does not run pipes (${entry.pipe}).`;
    else return `${where} has an entry that is neither a command nor a pipe.`;
  }
  return { lines, unsupported };
}

function stepOf(raw: unknown, defaultMaxTime: number, index: number): StepDefinition | string {
  if (!isObject(raw)) return `step ${index + 1} is not a mapping.`;
  const where = `step ${index + 1} (${typeof raw.name === 'string' ? raw.name : 'unnamed'}): `;
  const script = commands(raw.script, `${where}script`);
  if (typeof script === 'string') return script;
  if (script.lines.length === 0 && script.unsupported === null) return `${where}script is required.`;
  const after = commands(raw['after-script'], `${where}after-script`);
  if (typeof after === 'string') return after;
  const maxTime = raw['max-time'] === undefined ? defaultMaxTime : minutes(raw['max-time'], where);
  if (typeof maxTime === 'string') return maxTime;
  const oidcValue = raw.oidc;
  const oidc = oidcValue === true ? true : isObject(oidcValue) && Array.isArray(oidcValue.audiences) ? oidcValue.audiences.map(String) : false;
  const image = typeof raw.image === 'string' ? raw.image : isObject(raw.image) && typeof raw.image.name === 'string' ? raw.image.name : null;
  return {
    name: typeof raw.name === 'string' ? raw.name : '',
    script: script.lines,
    afterScript: after.lines,
    maxTimeMinutes: maxTime,
    oidc,
    deployment: typeof raw.deployment === 'string' ? raw.deployment : null,
    image,
    unsupported: script.unsupported ?? after.unsupported,
  };
}

/** The items of a pipeline, stages and parallel groups opened up into their steps, in order. */
function flatten(items: unknown[]): unknown[] {
  return items.flatMap((item) => {
    if (!isObject(item)) return [item];
    if ('step' in item) return [item.step];
    if ('parallel' in item) {
      const parallel = item.parallel;
      const inner = Array.isArray(parallel) ? parallel : isObject(parallel) && Array.isArray(parallel.steps) ? parallel.steps : [];
      return flatten(inner);
    }
    if ('stage' in item && isObject(item.stage) && Array.isArray(item.stage.steps)) return flatten(item.stage.steps);
    // `variables:` declares what a custom pipeline asks for when run by hand: nothing to run.
    return [];
  });
}

/** The steps of `custom.<pattern>`, or why the configuration cannot run. */
export function customSteps(text: string | null, pattern: string): StepDefinition[] | { error: string } {
  if (text === null) return { error: 'There is no bitbucket-pipelines.yml at this commit.' };
  const config = configuration(text);
  if (config === null) return { error: 'bitbucket-pipelines.yml is not valid YAML.' };
  const options = isObject(config.options) ? config.options : {};
  const defaultMaxTime = minutes(options['max-time'], 'options: ');
  if (typeof defaultMaxTime === 'string') return { error: defaultMaxTime };
  const custom = (config.pipelines as Yaml | undefined)?.custom;
  const items = isObject(custom) ? custom[pattern] : undefined;
  if (!Array.isArray(items)) return { error: `The pipeline "custom.${pattern}" was not found in bitbucket-pipelines.yml.` };
  const steps = flatten(items).map((raw, index) => stepOf(raw, defaultMaxTime, index));
  const problem = steps.find((step): step is string => typeof step === 'string');
  if (problem !== undefined) return { error: `bitbucket-pipelines.yml: ${problem}` };
  if (steps.length === 0) return { error: `The pipeline "custom.${pattern}" has no steps.` };
  return steps as StepDefinition[];
}
