// Runs the fake Bitbucket Cloud on its own, for trying Stackhook by hand:
//   npx tsx test/support/fakeBitbucket/cli.ts --port 7990 --repositories 25 --fault-rate 0.1
// It prints the --bitbucket-api URL and a credential to use, and runs until interrupted.
import { parseArgs } from 'node:util';
import { startFakeBitbucket } from './index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '7990' },
      workspace: { type: 'string', default: 'acme' },
      repositories: { type: 'string', default: '25' },
      email: { type: 'string', default: 'ana@example.com' },
      token: { type: 'string', default: 'ATATT3xFfGF0-demo-token' },
      'fault-rate': { type: 'string', default: '0' },
      'latency-ms': { type: 'string', default: '0' },
    },
  });
  const bitbucket = await startFakeBitbucket({
    port: Number(values.port),
    faults: { rate: Number(values['fault-rate']), latencyMs: Number(values['latency-ms']), seed: Date.now() },
  });
  bitbucket.world.addUser({ email: values.email, displayName: 'Demo User', token: values.token, workspaces: { [values.workspace]: 'admin' } });
  bitbucket.world.addRepositories(values.workspace, Number(values.repositories), 'infra');
  process.stdout.write(`Fake Bitbucket Cloud at ${bitbucket.url}\nusername: ${values.email}\ntoken: ${values.token}\n`);
  const stop = () => void bitbucket.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
