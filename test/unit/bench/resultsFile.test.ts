// bench/RESULTS.md after `npm run bench -- NAME`: only the named benchmarks' goal rows and sections
// change, the others' figures stay as the full run left them, and the top says what was re-run.
import { strict as assert } from 'node:assert';
import { atLeast, atMost, type BenchmarkResult } from '../../../bench/support/result';
import { mergeResults, renderResults } from '../../../bench/support/resultsFile';

const result = (title: string, figure: number, note: string): BenchmarkResult => ({
  title,
  rows: [['target', 'req/s'], ['a | b', String(figure)]],
  goals: [atLeast(`${title} ratio`, figure / 1000, 0.5, '', 2, 'what bounds it'), atMost(`${title} p99`, figure / 100, 10, 'ms')],
  notes: [note],
});

describe('bench/RESULTS.md', () => {
  const full = renderResults('Run 2026-12-01T21:00:00.000Z by `npm run bench` on a test machine.', [
    result('Webhook receiver throughput', 100, 'first run'),
    result('Registry scale', 200, 'registry run'),
  ]);

  it('a re-run of every benchmark in the file gives the file a full run would write, with the re-run said', () => {
    const merged = mergeResults(full, 'Re-run later.', [result('Registry scale', 250, 'again'), result('Webhook receiver throughput', 150, 'again')]);
    const expected = renderResults('Run 2026-12-01T21:00:00.000Z by `npm run bench` on a test machine.', [
      result('Webhook receiver throughput', 150, 'again'),
      result('Registry scale', 250, 'again'),
    ]).replace('on a test machine.\n', 'on a test machine.\n\nRe-run later.\n');
    assert.equal(merged, expected);
  });

  it('a re-run of one benchmark replaces its goal rows and its section, and nothing else', () => {
    const merged = mergeResults(full, 'Re-run 2026-12-01T23:00:00.000Z by `npm run bench -- "receiver throughput"`.', [result('Webhook receiver throughput', 700, 'second run')]);
    const expected = renderResults('Run 2026-12-01T21:00:00.000Z by `npm run bench` on a test machine.', [
      result('Webhook receiver throughput', 700, 'second run'),
      result('Registry scale', 200, 'registry run'),
    ]).replace(
      'on a test machine.\n',
      'on a test machine.\n\nRe-run 2026-12-01T23:00:00.000Z by `npm run bench -- "receiver throughput"`.\n',
    );
    assert.equal(merged, expected);
  });

  it('a benchmark the file does not have yet is added after the others, goals and section', () => {
    const merged = mergeResults(full, 'Re-run later.', [result('Runs', 300, 'runs run')]);
    const goals = merged.slice(merged.indexOf('## Goals'), merged.indexOf('## Webhook receiver throughput'));
    assert.match(goals, /\| Registry scale \| Registry scale p99 \|.*\n\| Runs \| Runs ratio \|/);
    const runs = renderResults('x', [result('Runs', 300, 'runs run')]);
    assert.ok(merged.endsWith(`\n\n${runs.slice(runs.indexOf('## Runs\n'))}`), merged);
    assert.ok(merged.includes('## Registry scale\n'), 'the others stay');
  });
});
