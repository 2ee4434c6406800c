// Pipelines that execute, for repositories that ask for it (World.executePipelines): a triggered
// custom pipeline waits its queue delay, then each step runs in a fresh checkout of the commit (as
// each Bitbucket step gets a fresh clone), its `script` lines one after the other in one bash session
// (`+ <command>` before each, the first that fails ends the script and fails the step), then its
// `after-script` with BITBUCKET_EXIT_CODE (whose failure changes nothing). The environment is the
// pipeline's variables, secured ones included, Bitbucket's own BITBUCKET_* variables, a token when the
// step has `oidc`, and the settings' extra PATH and variables; never the test process's environment.
// The log grows while the step runs, secured values masked as `$NAME`. A step that outlives its
// max-time (on the settings' clock) fails; stopping kills the running step's process group.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FakeGit } from './git';
import { GrowingLog, Masker } from './maskedLog';
import type { FakePipeline, FakeRepository, FakeStepRun, PipelineExecution, PipelineExecutionSettings, StepResult } from './model';
import type { OidcIssuer } from './oidc';
import { customSteps, fileAt } from './pipelineYaml';
import type { World } from './world';

const GRACE_MS = 2_000;
const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Active {
  child: ChildProcess | null;
  stopping: boolean;
  timer: NodeJS.Timeout | null;
  done: Promise<void>;
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** The bash program that runs `commands` as Bitbucket does: echo each, run it in this shell, stop at the first failure. */
function program(commandFiles: string[]): string {
  const lines = ['#!/bin/bash'];
  for (const file of commandFiles) {
    lines.push(`printf '+ %s\\n' "$(cat ${shellQuote(file)})"`, `. ${shellQuote(file)}`, '__bb_status=$?', 'if [ "$__bb_status" -ne 0 ]; then exit "$__bb_status"; fi');
  }
  lines.push('exit 0');
  return `${lines.join('\n')}\n`;
}

export class PipelineRunner {
  private readonly active = new Map<string, Active>();
  private root: string | null = null;
  private readonly onExit = () => {
    for (const run of this.active.values()) if (run.child?.pid) killGroup(run.child.pid, 'SIGKILL');
  };

  constructor(
    private readonly world: World,
    private readonly git: FakeGit,
    private readonly oidc: OidcIssuer,
    private readonly origin: () => string,
  ) {}

  /** Reads the pipeline's steps at its commit and starts it; its state is PENDING until the queue delay has passed. */
  start(repository: FakeRepository, pipeline: FakePipeline, settings: PipelineExecutionSettings): void {
    const definitions = customSteps(fileAt(repository, pipeline.commit, 'bitbucket-pipelines.yml'), pipeline.pattern);
    const execution: PipelineExecution = { state: 'PENDING', result: null, startedAt: null, completedAt: null, steps: [], error: null };
    pipeline.execution = execution;
    if ('error' in definitions) {
      Object.assign(execution, { state: 'COMPLETED', result: 'ERROR', completedAt: Date.now(), error: definitions.error });
      return;
    }
    execution.steps = definitions.map((definition) => ({
      uuid: `{${randomUUID()}}`,
      name: definition.name,
      script: definition.script,
      afterScript: definition.afterScript,
      state: 'PENDING',
      result: null,
      startedAt: null,
      completedAt: null,
      maxTimeMinutes: definition.maxTimeMinutes,
      oidc: definition.oidc,
      deployment: definition.deployment,
      unsupported: definition.unsupported,
      log: new GrowingLog(),
    }));
    if (this.active.size === 0) process.on('exit', this.onExit);
    const run: Active = { child: null, stopping: false, timer: null, done: Promise.resolve() };
    this.active.set(pipeline.uuid, run);
    run.done = this.run(repository, pipeline, execution, settings, run).finally(() => {
      this.active.delete(pipeline.uuid);
      if (this.active.size === 0) process.off('exit', this.onExit);
    });
  }

  /** Stops a pipeline that has not completed: the running step's processes are killed, later steps never run. */
  stop(pipeline: FakePipeline): void {
    const run = this.active.get(pipeline.uuid);
    if (!run) return;
    run.stopping = true;
    if (run.child?.pid) stopGroup(run.child.pid);
  }

  /** Kills everything still running and removes the work folders (the fake is stopping). */
  async stopAll(): Promise<void> {
    const runs = [...this.active.values()];
    for (const run of runs) {
      run.stopping = true;
      if (run.child?.pid) killGroup(run.child.pid, 'SIGKILL');
    }
    await Promise.all(runs.map((run) => run.done));
    if (this.root) rmSync(this.root, { recursive: true, force: true });
    this.root = null;
  }

  private async run(repository: FakeRepository, pipeline: FakePipeline, execution: PipelineExecution, settings: PipelineExecutionSettings, run: Active): Promise<void> {
    await this.wait(settings.queueDelayMs, run);
    if (!run.stopping) Object.assign(execution, { state: 'IN_PROGRESS', startedAt: Date.now() });
    let result: PipelineExecution['result'] = 'SUCCESSFUL';
    for (const step of execution.steps) {
      if (run.stopping || result !== 'SUCCESSFUL') {
        Object.assign(step, { state: 'COMPLETED', result: 'NOT_RUN' satisfies StepResult });
        continue;
      }
      let stepResult: StepResult;
      try {
        stepResult = await this.runStep(repository, pipeline, step, settings, run);
      } catch (error) {
        // The fake itself failed (a token it could not sign, a folder it could not write): the step errs, as Bitbucket's would.
        step.log.append(`\nThe fake Bitbucket could not run this step: ${(error as Error).message}\n`);
        Object.assign(step, { state: 'COMPLETED', result: 'ERROR', completedAt: Date.now() });
        execution.error = (error as Error).message;
        stepResult = 'ERROR';
      }
      if (stepResult === 'STOPPED') result = 'STOPPED';
      else if (stepResult === 'ERROR') result = 'ERROR';
      else if (stepResult !== 'SUCCESSFUL') result = 'FAILED';
    }
    if (run.stopping) result = 'STOPPED';
    Object.assign(execution, { state: 'COMPLETED', result, completedAt: Date.now() });
  }

  private wait(ms: number, run: Active): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const started = Date.now();
      const tick = () => (run.stopping || Date.now() - started >= ms ? resolve() : setTimeout(tick, Math.min(20, ms)));
      tick();
    });
  }

  private workRoot(): string {
    this.root ??= mkdtempSync(path.join(tmpdir(), 'stackhook-fake-pipelines-'));
    return this.root;
  }

  private async runStep(repository: FakeRepository, pipeline: FakePipeline, step: FakeStepRun, settings: PipelineExecutionSettings, run: Active): Promise<StepResult> {
    Object.assign(step, { state: 'IN_PROGRESS', startedAt: Date.now() });
    const finish = (result: StepResult) => {
      Object.assign(step, { state: 'COMPLETED', result, completedAt: Date.now() });
      return result;
    };
    if (step.unsupported) {
      step.log.append(`${step.unsupported}\n`);
      return finish('ERROR');
    }
    const dir = mkdtempSync(path.join(this.workRoot(), 'step-'));
    try {
      const clone = path.join(dir, 'build');
      mkdirSync(path.join(dir, 'home'));
      mkdirSync(path.join(dir, 'commands'));
      try {
        this.checkout(repository, pipeline.commit, clone);
      } catch (error) {
        step.log.append(`Could not check out ${pipeline.commit}: ${(error as Error).message}\n`);
        return finish('ERROR');
      }
      const env = await this.environment(repository, pipeline, step, settings, clone, path.join(dir, 'home'));
      const secured = pipeline.variables.filter((variable) => variable.secured).map((variable) => ({ name: variable.key, value: variable.value }));
      const masker = new Masker(secured, (text) => step.log.append(text));
      const write = (name: string, lines: string[]) => {
        const files = lines.map((line, index) => {
          const file = path.join(dir, 'commands', `${name}-${index + 1}.sh`);
          writeFileSync(file, `${line}\n`);
          return file;
        });
        const script = path.join(dir, 'commands', `${name}.sh`);
        writeFileSync(script, program(files));
        return script;
      };
      const deadline = step.maxTimeMinutes * settings.minuteMs;
      const exit = await this.spawnStep(write('script', step.script), clone, env, masker, run, deadline);
      if (exit.timedOut) {
        step.log.append(`\nStep exceeded its maximum time of ${step.maxTimeMinutes} minutes and was stopped.\n`);
        return finish('FAILED');
      }
      if (run.stopping) return finish('STOPPED');
      if (step.afterScript.length > 0) {
        step.log.append('\nAfter script\n');
        await this.spawnStep(write('after-script', step.afterScript), clone, { ...env, BITBUCKET_EXIT_CODE: String(exit.code) }, masker, run, deadline);
        if (run.stopping) return finish('STOPPED');
      }
      return finish(exit.code === 0 ? 'SUCCESSFUL' : 'FAILED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private checkout(repository: FakeRepository, commit: string, clone: string): void {
    if (repository.gitDir !== null) return this.git.checkout(repository, commit, clone);
    mkdirSync(clone, { recursive: true });
    for (const [key, text] of repository.files) {
      if (!key.startsWith(`${commit}:`)) continue;
      const file = path.join(clone, key.slice(commit.length + 1));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
  }

  private async environment(repository: FakeRepository, pipeline: FakePipeline, step: FakeStepRun, settings: PipelineExecutionSettings, clone: string, home: string): Promise<Record<string, string>> {
    const workspace = this.world.addWorkspace(repository.workspace);
    const bitbucket: Record<string, string> = {
      CI: 'true',
      BITBUCKET_COMMIT: pipeline.commit,
      BITBUCKET_BRANCH: pipeline.refName,
      BITBUCKET_BUILD_NUMBER: String(pipeline.buildNumber),
      BITBUCKET_REPO_FULL_NAME: `${repository.workspace}/${repository.slug}`,
      BITBUCKET_REPO_SLUG: repository.slug,
      BITBUCKET_REPO_UUID: repository.uuid,
      BITBUCKET_REPO_OWNER: repository.workspace,
      BITBUCKET_WORKSPACE: repository.workspace,
      BITBUCKET_STEP_UUID: step.uuid,
      BITBUCKET_PIPELINE_UUID: pipeline.uuid,
      BITBUCKET_CLONE_DIR: clone,
      BITBUCKET_GIT_HTTP_ORIGIN: `${this.origin()}/${repository.workspace}/${repository.slug}`,
      BITBUCKET_PROJECT_KEY: 'INFRA',
      ...(pipeline.creator ? { BITBUCKET_STEP_TRIGGERER_UUID: pipeline.creator.uuid } : {}),
      ...(step.deployment !== null ? { BITBUCKET_DEPLOYMENT_ENVIRONMENT: step.deployment } : {}),
    };
    if (step.oidc !== false) {
      bitbucket.BITBUCKET_STEP_OIDC_TOKEN = await this.oidc.tokenFor({
        workspace,
        repositoryUuid: repository.uuid,
        pipelineUuid: pipeline.uuid,
        stepUuid: step.uuid,
        branchName: pipeline.refName,
        deployment: step.deployment,
        audiences: Array.isArray(step.oidc) ? step.oidc : null,
      });
    }
    const variables = Object.fromEntries(pipeline.variables.map((variable) => [variable.key, variable.value]));
    return {
      PATH: [...settings.path, BASE_PATH].join(':'),
      HOME: home,
      LANG: 'C.UTF-8',
      ...settings.env,
      ...variables,
      // Bitbucket's own names cannot be overridden by a pipeline's variables.
      ...bitbucket,
    };
  }

  private spawnStep(script: string, cwd: string, env: Record<string, string>, masker: Masker, run: Active, deadlineMs: number): Promise<{ code: number; timedOut: boolean }> {
    return new Promise((resolve) => {
      let timedOut = false;
      const child = spawn('bash', ['--noprofile', '--norc', script], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      run.child = child;
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (text: string) => masker.write(text));
      child.stderr.on('data', (text: string) => masker.write(text));
      run.timer = setTimeout(() => {
        timedOut = true;
        if (child.pid) stopGroup(child.pid);
      }, deadlineMs);
      const settle = (code: number) => {
        if (run.timer) clearTimeout(run.timer);
        run.timer = null;
        run.child = null;
        masker.end();
        resolve({ code, timedOut });
      };
      child.on('error', (error) => {
        masker.write(`${error.message}\n`);
        settle(127);
      });
      child.on('close', (code, signal) => settle(code ?? (signal ? 128 + 15 : 1)));
      if (run.stopping && child.pid) stopGroup(child.pid);
    });
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** TERM to the whole group, KILL to whatever is left after a grace period. */
function stopGroup(pid: number): void {
  killGroup(pid, 'SIGTERM');
  setTimeout(() => killGroup(pid, 'SIGKILL'), GRACE_MS).unref();
}
