// Commands about Stackhook itself: refresh, output, restart, the status panel.
import type { CommandContext } from './context';

export function refresh(ctx: CommandContext): void {
  ctx.health.clear();
  ctx.refreshAll();
}

export function showOutput(ctx: CommandContext): void {
  ctx.output.show(true);
}

export async function restartServer(ctx: CommandContext): Promise<void> {
  ctx.output.info('Restarting the Stackhook server.');
  await ctx.server.restart();
}

export function showStatusPanel(ctx: CommandContext): void {
  ctx.showStatusPanel();
}
