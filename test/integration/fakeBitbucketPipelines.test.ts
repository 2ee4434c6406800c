// The fake Bitbucket's pipelines that execute: a real bitbucket-pipelines.yml run with bash, step by
// step in fresh checkouts, with Bitbucket's variables and the pipeline's own (secured ones masked in
// the log), a stand-in `tofu` on PATH, after-scripts, failures, a log read incrementally with Range,
// stop, max-time, the queue delay, and step OIDC tokens checked against the workspace's published keys.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ALL_SCOPES, startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { clientFor, type Client } from '../unit/fakeBitbucket/client';

const PIPELINES_YML = `
options:
  max-time: 30
definitions:
  steps:
    - step: &plan
        name: Plan
        oidc: true
        script:
          - echo "commit $BITBUCKET_COMMIT branch $BITBUCKET_BRANCH build $BITBUCKET_BUILD_NUMBER"
          - echo "repo $BITBUCKET_REPO_FULL_NAME workspace $BITBUCKET_WORKSPACE"
          - echo "step $BITBUCKET_STEP_UUID pipeline $BITBUCKET_PIPELINE_UUID"
          - test "$PWD" = "$BITBUCKET_CLONE_DIR" && test -f main.tf && echo "in the clone"
          - echo "token $STACKHOOK_TOKEN run $STACKHOOK_RUN_ID"
          - printf 's3cr3t'; sleep 0.2; printf -- '-value-123 split across writes\\n'
          - tofu plan -input=false
          - export CARRIED=yes
          - echo "carried $CARRIED"
          - echo "oidc $BITBUCKET_STEP_OIDC_TOKEN"
          - env | sort
pipelines:
  custom:
    stackhook:
      - variables:
          - name: STACKHOOK_RUN_ID
      - step: *plan
      - step:
          name: Apply
          script:
            - echo before
            - test -z "$CARRIED" && echo "a new step, a new shell"
            - "false"
            - echo never
          after-script:
            - echo "after with $BITBUCKET_EXIT_CODE"
      - step:
          name: Never
          script:
            - echo never runs
    stream:
      - step:
          name: Stream
          script:
            - for i in 1 2 3 4 5 6; do echo "tick $i"; sleep 0.25; done
    hang:
      - step:
          name: Hang
          script:
            - sleep 60 & echo $! > "$PID_DIR/sleep.pid"; wait
    slow:
      - step:
          name: Slow
          max-time: 1
          script:
            - sleep 20
    deploy:
      - step:
          name: Deploy
          deployment: production
          oidc: true
          script:
            - echo "oidc $BITBUCKET_STEP_OIDC_TOKEN"
`;

const SECRET = 's3cr3t-value-123';

/** Whether a process runs; a zombie waiting for a parent to reap it has stopped running. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
const CANARY = 'canary-of-the-test-process-7f3a';

describe('fake Bitbucket: pipelines that execute', function () {
  this.timeout(60_000);
  let bitbucket: FakeBitbucket;
  let ana: Client;
  let tools: string;
  let head: string;

  const trigger = async (pipeline: string, variables: { key: string; value: string; secured?: boolean }[] = []) => {
    const answer = await ana.send('POST', '/repositories/acme/net/pipelines', {
      target: { type: 'pipeline_ref_target', ref_type: 'branch', ref_name: 'main', commit: { type: 'commit', hash: head }, selector: { type: 'custom', pattern: pipeline } },
      variables,
    });
    assert.equal(answer.status, 201, answer.text);
    return answer.json.uuid as string;
  };
  const pipelinePath = (uuid: string) => `/repositories/acme/net/pipelines/${encodeURIComponent(uuid)}`;
  const until = async (uuid: string, done: (pipeline: any) => boolean, what: string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pipeline = (await ana.get(pipelinePath(uuid))).json;
      if (done(pipeline)) return pipeline;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(pipeline.state)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const completed = (uuid: string) => until(uuid, (pipeline) => pipeline.state.name === 'COMPLETED', 'the pipeline to complete');
  const steps = async (uuid: string) => (await ana.get(`${pipelinePath(uuid)}/steps`)).json.values as any[];
  const log = async (uuid: string, step: string) => (await ana.get(`${pipelinePath(uuid)}/steps/${encodeURIComponent(step)}/log`)).text;

  before(async () => {
    process.env.STACKHOOK_FAKE_CANARY = CANARY;
    tools = mkdtempSync(path.join(tmpdir(), 'stackhook-fake-tools-'));
    writeFileSync(path.join(tools, 'tofu'), '#!/bin/sh\necho "stand-in tofu $*"\necho "Plan: 1 to add, 0 to change, 0 to destroy."\n');
    chmodSync(path.join(tools, 'tofu'), 0o755);
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: 'ATATT3xFfGF0-pipelines', scopes: ALL_SCOPES, workspaces: { acme: 'admin' } });
    ana = clientFor(bitbucket, 'ana@example.com', 'ATATT3xFfGF0-pipelines');
    head = bitbucket.pushCommit('acme/net', 'main', { 'bitbucket-pipelines.yml': PIPELINES_YML, 'main.tf': 'resource "null_resource" "a" {}\n' });
    bitbucket.world.executePipelines('acme/net', { path: [tools], env: { PID_DIR: tools } });
  });
  after(async () => {
    delete process.env.STACKHOOK_FAKE_CANARY;
    await bitbucket?.stop();
    rmSync(tools, { recursive: true, force: true });
  });

  it('runs each step in order with bash: Bitbucket\'s variables, the pipeline\'s, a stand-in tofu on PATH; a failing line fails the step and later steps never run', async () => {
    const uuid = await trigger('stackhook', [
      { key: 'STACKHOOK_TOKEN', value: SECRET, secured: true },
      { key: 'STACKHOOK_RUN_ID', value: 'r1' },
    ]);
    const pipeline = await completed(uuid);
    assert.deepEqual([pipeline.state.result.name, pipeline.build_number], ['FAILED', 1]);
    const [plan, apply, never] = await steps(uuid);
    assert.deepEqual([plan.name, plan.state.name, plan.state.result.name], ['Plan', 'COMPLETED', 'SUCCESSFUL']);
    assert.deepEqual([apply.name, apply.state.result.name], ['Apply', 'FAILED']);
    assert.deepEqual([never.name, never.state.result.name], ['Never', 'NOT_RUN']);
    assert.ok(plan.started_on && plan.completed_on);
    assert.equal(plan.script_commands[0].command, 'echo "commit $BITBUCKET_COMMIT branch $BITBUCKET_BRANCH build $BITBUCKET_BUILD_NUMBER"');

    const planLog = await log(uuid, plan.uuid);
    assert.match(planLog, /^\+ echo "commit \$BITBUCKET_COMMIT/m, 'each command is shown before it runs');
    assert.match(planLog, new RegExp(`^commit ${head} branch main build 1$`, 'm'));
    assert.match(planLog, /^repo acme\/net workspace acme$/m);
    assert.match(planLog, new RegExp(`^step \\{[0-9a-f-]{36}\\} pipeline ${uuid.replace(/[{}]/g, '\\$&')}$`, 'm'));
    assert.match(planLog, /^in the clone$/m);
    assert.match(planLog, /^stand-in tofu plan -input=false$/m);
    assert.match(planLog, /^carried yes$/m, 'one shell session: an export holds for later lines');

    const applyLog = await log(uuid, apply.uuid);
    assert.match(applyLog, /^before$/m);
    assert.match(applyLog, /^a new step, a new shell$/m);
    assert.match(applyLog, /^\+ false$/m);
    assert.doesNotMatch(applyLog, /^never$/m);
    assert.match(applyLog, /^after with 1$/m, 'the after-script runs with the exit code');
    assert.equal((await ana.get(`${pipelinePath(uuid)}/steps/${encodeURIComponent(never.uuid)}/log`)).status, 404, 'a step that never ran has no log');
  });

  it('masks secured values as $NAME (even split across writes), and the test process\'s environment never reaches a step', async () => {
    const uuid = await trigger('stackhook', [{ key: 'STACKHOOK_TOKEN', value: SECRET, secured: true }, { key: 'STACKHOOK_RUN_ID', value: 'r2' }]);
    await completed(uuid);
    const [plan] = await steps(uuid);
    const planLog = await log(uuid, plan.uuid);
    assert.match(planLog, /^token \$STACKHOOK_TOKEN run r2$/m);
    assert.match(planLog, /^\$STACKHOOK_TOKEN split across writes$/m);
    assert.match(planLog, /^STACKHOOK_TOKEN=\$STACKHOOK_TOKEN$/m, 'env shows the variable, masked');
    assert.match(planLog, /^BITBUCKET_COMMIT=/m, 'the environment was printed');
    assert.doesNotMatch(planLog, new RegExp(SECRET));
    assert.doesNotMatch(planLog, new RegExp(CANARY));
    const listed = await ana.get(pipelinePath(uuid));
    assert.deepEqual(listed.json.variables.find((variable: any) => variable.key === 'STACKHOOK_TOKEN'), { type: 'pipeline_variable', key: 'STACKHOOK_TOKEN', value: '', secured: true });
  });

  it('the log grows while the step runs and is read incrementally with Range: 206 with Content-Range, 416 past the end', async () => {
    const uuid = await trigger('stream');
    await until(uuid, (pipeline) => pipeline.state.name === 'IN_PROGRESS', 'the stream to start');
    const [step] = await steps(uuid);
    let offset = 0;
    let text = '';
    let partials = 0;
    let growing = 0;
    for (;;) {
      const state = (await steps(uuid))[0].state;
      const answer = await ana.get(`${pipelinePath(uuid)}/steps/${encodeURIComponent(step.uuid)}/log`, { Range: `bytes=${offset}-` });
      if (answer.status === 206) {
        partials++;
        const range = answer.headers.get('content-range') ?? '';
        assert.match(range, new RegExp(`^bytes ${offset}-\\d+/(\\d+|\\*)$`));
        if (range.endsWith('/*')) growing++;
        text += answer.text;
        offset += Buffer.byteLength(answer.text);
      } else {
        assert.equal(answer.status, 416);
        assert.match(answer.headers.get('content-range') ?? '', /^bytes \*\/\d+$/);
        if (state.name === 'COMPLETED') break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(partials >= 2, `read in ${partials} parts`);
    assert.ok(growing >= 1, 'a part was read while the step still ran (Content-Range …/*)');
    assert.equal(text, await log(uuid, step.uuid), 'the parts make the whole log');
    assert.deepEqual(text.match(/^tick \d$/gm), ['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5', 'tick 6']);
    const tail = await ana.get(`${pipelinePath(uuid)}/steps/${encodeURIComponent(step.uuid)}/log`, { Range: 'bytes=-7' });
    assert.deepEqual([tail.status, tail.text], [206, 'tick 6\n']);
  });

  it('stopPipeline kills the running step\'s processes: the step and the pipeline end STOPPED', async () => {
    const uuid = await trigger('hang');
    const pidFile = path.join(tools, 'sleep.pid');
    await until(uuid, () => {
      try {
        return readFileSync(pidFile, 'utf8').trim() !== '';
      } catch {
        return false;
      }
    }, 'the step to start its sleep');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.ok(running(pid), 'the sleep runs');
    assert.equal((await ana.send('POST', `${pipelinePath(uuid)}/stopPipeline`)).status, 204);
    const pipeline = await completed(uuid);
    assert.equal(pipeline.state.result.name, 'STOPPED');
    assert.equal((await steps(uuid))[0].state.result.name, 'STOPPED');
    assert.equal(running(pid), false, "the step's child process is gone too");
    assert.equal((await ana.send('POST', `${pipelinePath(uuid)}/stopPipeline`)).status, 400, 'a completed pipeline cannot be stopped');
  });

  it("a step that outlives its max-time fails (Bitbucket's minutes scaled down by the test); the queue delay keeps a pipeline PENDING", async () => {
    bitbucket.world.executePipelines('acme/net', { path: [tools], minuteMs: 300, queueDelayMs: 600 });
    const uuid = await trigger('slow');
    const pending = (await ana.get(pipelinePath(uuid))).json;
    assert.equal(pending.state.name, 'PENDING');
    assert.equal((await steps(uuid))[0].state.name, 'PENDING');
    const started = Date.now();
    const pipeline = await completed(uuid);
    assert.equal(pipeline.state.result.name, 'FAILED');
    assert.ok(Date.now() - started < 8_000, 'stopped at its max-time, long before its sleep would end');
    const [step] = await steps(uuid);
    assert.match(await log(uuid, step.uuid), /exceeded its maximum time of 1 minutes/);
    bitbucket.world.executePipelines('acme/net', { path: [tools], env: { PID_DIR: tools } });
  });

  it('a step with oidc gets a JWT signed with the key the workspace publishes, with Bitbucket\'s claims', async () => {
    const uuid = await trigger('deploy');
    await completed(uuid);
    const [step] = await steps(uuid);
    const token = /^oidc (\S+)$/m.exec(await log(uuid, step.uuid))?.[1] ?? '';
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const issuer = `${bitbucket.url}/workspaces/acme/pipelines-config/identity/oidc`;
    const configuration = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
    assert.deepEqual([configuration.issuer, configuration.jwks_uri], [issuer, `${issuer}/keys.json`]);
    const workspace = bitbucket.world.workspaces.get('acme');
    const repository = bitbucket.world.repository('acme/net');
    const audience = `ari:cloud:bitbucket::workspace/${workspace?.uuid.replace(/[{}]/g, '')}`;
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(configuration.jwks_uri)), { issuer, audience });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.deepEqual(
      [payload.repositoryUuid, payload.pipelineUuid, payload.stepUuid, payload.workspaceUuid, payload.branchName],
      [repository?.uuid, uuid, step.uuid, workspace?.uuid, 'main'],
    );
    assert.match(String(payload.deploymentEnvironmentUuid), /^\{[0-9a-f-]{36}\}$/);
    assert.equal(payload.sub, `${repository?.uuid}${payload.deploymentEnvironmentUuid}:${step.uuid}`);
    assert.ok((payload.exp ?? 0) > (payload.iat ?? 0));
    await assert.rejects(jwtVerify(token, createRemoteJWKSet(new URL(configuration.jwks_uri)), { issuer, audience: 'someone-else' }), /aud/);
    assert.equal((await fetch(`${bitbucket.url}/workspaces/nobody/pipelines-config/identity/oidc/keys.json`)).status, 404);
  });
});
