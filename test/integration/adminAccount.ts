// One Bitbucket account (admin of the acme workspace) in the fake, and the built server pointed at
// it: what the integration tests of the editor's flows start from.
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import type { World } from '../support/fakeBitbucket/world';
import { startServer, type ServerHandle } from '../support/serverProcess';

export interface AdminAccount {
  bitbucket: FakeBitbucket;
  server: ServerHandle;
  stop(): Promise<void>;
}

export async function startAdminAccount(token: string, seed: (world: World) => void): Promise<AdminAccount> {
  const bitbucket = await startFakeBitbucket();
  bitbucket.world.addUser({ email: 'ana@example.com', token, workspaces: { acme: 'admin' } });
  seed(bitbucket.world);
  const server = await startServer({ args: ['--bitbucket-api', bitbucket.url, '--public-url', 'https://hooks.example.com'] });
  return {
    bitbucket,
    server,
    async stop() {
      await server.stop();
      await bitbucket.stop();
    },
  };
}
