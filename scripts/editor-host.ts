// Installs and starts the real-editor host (code-server + Chromium) used by the editor tests and
// by `npm start`.
//
//   tsx scripts/editor-host.ts install         install what is missing (idempotent)
//   tsx scripts/editor-host.ts start [FOLDER]  start code-server on a free loopback port; Ctrl-C stops it
import { installHost, startEditor } from './lib/editorHost';
import { log } from './lib/log';
import { onShutdown } from './lib/processes';

async function main(): Promise<void> {
  const [command = 'help', folder] = process.argv.slice(2);
  if (command === 'install') {
    await installHost();
    return;
  }
  if (command === 'start') {
    const editor = await startEditor(await installHost(), folder ? { folder } : {});
    onShutdown(() => editor.stop());
    process.stdout.write(`${editor.url}\n`);
    log('editor-host', 'Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => editor.process.once('exit', () => resolve()));
    log('editor-host', 'code-server stopped.');
    await editor.stop();
    return;
  }
  process.stderr.write('Usage: tsx scripts/editor-host.ts install | start [FOLDER]\n');
  process.exitCode = command === 'help' ? 0 : 2;
}

main().catch((error: unknown) => {
  process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
