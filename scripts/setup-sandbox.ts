// Installs Debian's bubblewrap when it is missing, for the local runner's sandbox (`npm run setup`),
// and checks that it can make a sandbox on this machine.
import { detect } from '../server/runs/sandbox';
import { installBubblewrap } from './lib/bubblewrap';
import { log } from './lib/log';

async function main(): Promise<void> {
  await installBubblewrap();
  const support = await detect({ ...process.env, STACKHOOK_SANDBOX: '' });
  if (!support.available) throw new Error(`bubblewrap is installed but cannot run here: ${support.problem}.`);
  log('sandbox', 'bubblewrap makes a sandbox here');
}

main().catch((error: unknown) => {
  process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
