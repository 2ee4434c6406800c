// Whether a stack's runner can run: the integration's token has the scopes its runner kind's runs use,
// and whatever the kind checks of its own set-up (runners/). Each problem comes with what to do.
import type { BitbucketCredential, BitbucketGateway } from '../bitbucket/gateway';
import type { RunnerCheck } from '../protocol';
import { runSettingsOf, type StoredStack } from '../registry/state';
import { runnerKindOf } from './runners/runnerKinds';

export async function checkRunner(gateway: BitbucketGateway, credential: BitbucketCredential, stack: StoredStack, publicUrl: string, signal?: AbortSignal): Promise<RunnerCheck> {
  const { runner } = runSettingsOf(stack);
  const kind = runnerKindOf(runner);
  const problems: RunnerCheck['problems'] = [];
  const test = await gateway.testCredential(credential, { signal });
  const missing = test.scopes ? kind.scopes.filter((scope) => !test.scopes?.includes(scope)) : [];
  if (missing.length > 0) {
    problems.push({
      problem: 'missing-scope',
      message: `The integration's API token lacks ${missing.join(', ')}, which runs of this stack need.`,
      fix: `Create an API token with ${missing.join(', ')} (and the scopes it has now) and save it in the integration.`,
    });
  }
  problems.push(...(await kind.check({ gateway, credential, stack, runner, publicUrl, signal })));
  return { ok: problems.length === 0, problems };
}
