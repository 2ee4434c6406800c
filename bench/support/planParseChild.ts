// One measurement of the structured-plan benchmark, in a process of its own (bundled by esbuild, as
// the server is, and run with --expose-gc): after loading and a collection, the baseline; then the
// file is read one way while memory is sampled every 2 ms; prints one JSON line with the time and
// the peak above the baseline (RSS sampled, RSS at its lifetime peak, and the JS heap with buffers).
//   node --expose-gc planParseChild.js <stream|json-parse|resource-change> <file> [address]
import { readFileSync } from 'node:fs';
import { readResourceChange } from '../../server/plans/resourceChange';
import { readStructuredPlan } from '../../server/plans/structuredPlan';

const [mode, file, address] = process.argv.slice(2) as [string, string, string | undefined];
const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  gc?.();
  gc?.();
  const base = process.memoryUsage();
  const heapOf = (m: NodeJS.MemoryUsage) => m.heapUsed + m.external + m.arrayBuffers;
  let peakRss = base.rss;
  let peakHeap = heapOf(base);
  const sample = () => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, heapOf(now));
  };
  const timer = setInterval(sample, 2);
  const started = performance.now();
  let summary: unknown;
  if (mode === 'json-parse') {
    const document = JSON.parse(readFileSync(file, 'utf8')) as { resource_changes: unknown[] };
    sample();
    summary = { resources: document.resource_changes.length };
  } else if (mode === 'resource-change') {
    const change = await readResourceChange(file, address ?? '');
    summary = { found: change !== null, action: change?.action };
  } else {
    const plan = await readStructuredPlan(file);
    summary = { rows: plan.resources.length, counts: plan.counts, truncated: plan.truncated, first: plan.resources[0]?.action };
  }
  const ms = performance.now() - started;
  sample();
  clearInterval(timer);
  const mb = (bytes: number) => bytes / 1024 / 1024;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ mode, ms, rssPeakMb: mb(peakRss - base.rss), maxRssAboveBaseMb: mb(maxRss - base.rss), heapPeakMb: mb(peakHeap - heapOf(base)), baselineRssMb: mb(base.rss), summary })}\n`);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
