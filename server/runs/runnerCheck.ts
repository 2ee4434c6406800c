// Whether a stack's runner can run: for `pipelines`, the branch exists, its bitbucket-pipelines.yml
// defines `pipelines.custom.<name>`, and the token has the scopes runs use; for `local`, git and the
// plan command are on this machine. Each problem comes with what to do.
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { BitbucketCredential, BitbucketGateway } from '../bitbucket/gateway';
import type { RunnerCheck } from '../protocol';
import { runSettingsOf, type StoredStack } from '../registry/state';

export const PIPELINES_FILE = 'bitbucket-pipelines.yml';

/** The scopes a `pipelines` run uses, as the OpenAPI document names them. */
export const PIPELINES_SCOPES = ['read:repository:bitbucket', 'read:pipeline:bitbucket', 'write:pipeline:bitbucket', 'read:pullrequest:bitbucket'];
export const LOCAL_SCOPES = ['read:repository:bitbucket', 'read:pullrequest:bitbucket'];

/** The YAML to add for a custom pipeline Stackhook triggers. */
export function customPipelineYaml(name: string): string {
  return [
    'pipelines:',
    '  custom:',
    `    ${name}:`,
    '      - step:',
    '          name: Stackhook run',
    '          image: ghcr.io/opentofu/opentofu:latest',
    '          script:',
    '            - cd "${STACKHOOK_PROJECT_ROOT:-.}"',
    '            - tofu init -input=false',
    '            - tofu plan -input=false -no-color',
  ].join('\n');
}

export function definesCustomPipeline(text: string, name: string): boolean {
  try {
    const document: unknown = parse(text);
    const custom = (document as { pipelines?: { custom?: unknown } } | null)?.pipelines?.custom;
    return typeof custom === 'object' && custom !== null && name in custom;
  } catch {
    return false;
  }
}

function onPath(program: string): boolean {
  const candidates = program.includes('/') ? [program] : (process.env.PATH ?? '').split(path.delimiter).map((folder) => path.join(folder, program));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export async function checkRunner(gateway: BitbucketGateway, credential: BitbucketCredential, stack: StoredStack, signal?: AbortSignal): Promise<RunnerCheck> {
  const { runner } = runSettingsOf(stack);
  const problems: RunnerCheck['problems'] = [];
  const test = await gateway.testCredential(credential, { signal });
  const needed = runner.type === 'pipelines' ? PIPELINES_SCOPES : LOCAL_SCOPES;
  const missing = test.scopes ? needed.filter((scope) => !test.scopes?.includes(scope)) : [];
  if (missing.length > 0) {
    problems.push({
      problem: 'missing-scope',
      message: `The integration's API token lacks ${missing.join(', ')}, which runs of this stack need.`,
      fix: `Create an API token with ${missing.join(', ')} (and the scopes it has now) and save it in the integration.`,
    });
  }
  if (runner.type === 'local') {
    if (!onPath('git')) problems.push({ problem: 'no-git', message: 'git is not installed on this machine, so the local runner cannot check out the commit.', fix: 'Install git (apt-get install git).' });
    const program = runner.plan[0] ?? '';
    if (!onPath(program)) problems.push({ problem: 'no-command', message: `The plan command ${program} is not on this machine's PATH.`, fix: `Install ${program}, or change the stack's plan command.` });
    return { ok: problems.length === 0, problems };
  }
  const branch = await gateway.getBranch(credential, stack.repository, stack.branch, { signal });
  if (!branch) {
    problems.push({ problem: 'no-branch', message: `${stack.repository} has no branch ${stack.branch}.`, fix: 'Push the branch, or point the stack at another branch (Edit Stack).' });
    return { ok: false, problems };
  }
  const text = await gateway.readSourceFile(credential, stack.repository, branch.commit, PIPELINES_FILE, { signal });
  if (text === null || !definesCustomPipeline(text, runner.pipeline)) {
    problems.push({
      problem: text === null ? 'no-pipelines-file' : 'no-custom-pipeline',
      message:
        text === null
          ? `${stack.branch} of ${stack.repository} has no ${PIPELINES_FILE}, so Bitbucket Pipelines cannot run the stack.`
          : `${PIPELINES_FILE} on ${stack.branch} of ${stack.repository} does not define pipelines.custom.${runner.pipeline}.`,
      fix: `Add this to ${PIPELINES_FILE} on ${stack.branch} (and turn Pipelines on in the repository settings):\n${customPipelineYaml(runner.pipeline)}`,
    });
  }
  return { ok: problems.length === 0, problems };
}
