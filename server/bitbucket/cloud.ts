// Placeholder until the Bitbucket Cloud client lands: every call says Bitbucket is unreachable.
import { unavailable } from '../errors';
import type { BitbucketGateway } from './gateway';
import type { Logger } from '../log';

export function createBitbucketGateway(_apiUrl: string, _log: Logger): BitbucketGateway {
  const refuse = async (): Promise<never> => {
    throw unavailable('This build of Stackhook cannot reach Bitbucket yet. Use verify: false.');
  };
  return {
    testCredential: refuse,
    getRepository: refuse,
    listRepositories: refuse,
    webhookStatus: refuse,
    configureWebhooks: refuse,
    removeWebhooks: refuse,
  };
}
