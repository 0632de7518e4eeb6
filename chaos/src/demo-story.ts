#!/usr/bin/env node
import { ChaosError } from './errors';
import { loadScenario } from './experiment/load-experiment';
import type { ScenarioName } from './experiment/experiment-schema';
import { summarize } from './metrics/summary';
import { comparisonTableText } from './report/comparison-table';
import { writeReport } from './report/write-report';
import { DEFAULT_PATHS, fleetArg } from './cli/cli-args';
import { Progress } from './runner/progress';
import { oneLine, runExperiment } from './runner/run-experiment';
import type { RunRecord } from './runner/run-record';
import { DETECTOR_WARMUP_SECONDS } from './stack/detector-config';
import { startStack, type Stack } from './stack/start-stack';

/**
 * The one-command story of issue 7, with healing on: normal load while the detector learns, then
 * a CPU spike (expected: scale out), a crash (expected: restart) and injected latency (expected:
 * the slow replica replaced without a gap, as demand did not change), each with its ground truth, then the results table.
 * `npm run story -w @homeostat/chaos [-- --duration S] [--fleet processes|docker]` (S = length of each
 * fault, default 45; the demo backends as local processes, the default, or as Docker containers).
 */
const CHAPTERS: { scenario: ScenarioName; says: string }[] = [
  { scenario: 'cpu-spike', says: 'CPU spike on orders: Homeostat should scale orders out' },
  { scenario: 'crash', says: 'orders crashes: Homeostat should restart it' },
  { scenario: 'latency', says: 'inventory gets slow at the same demand: Homeostat should replace the slow replica' },
];

let stack: Stack | null = null;

async function main(): Promise<void> {
  const i = process.argv.indexOf('--duration');
  const duration = i > 0 ? Number(process.argv[i + 1]) : 45;
  if (!Number.isInteger(duration) || duration < 5 || duration > 600) {
    throw new ChaosError('INVALID_ARGUMENT', '--duration must be an integer 5..600 (seconds per fault)', { field: 'duration' });
  }
  const f = process.argv.indexOf('--fleet');
  const fleet = fleetArg(f > 0 ? process.argv[f + 1] : undefined);
  const progress = new Progress();
  progress.line(`Homeostat story: starting Prometheus, Alertmanager, the detector, the remediator and the demo fleet (${fleet})...`);
  stack = await startStack({ heal: true, fleet, log: (m) => progress.line(`  ${m}`) });
  const runs: RunRecord[] = [];
  try {
    progress.line(`normal load for ${DETECTOR_WARMUP_SECONDS}s while the detector learns what normal looks like`);
    for (const [n, ch] of CHAPTERS.entries()) {
      progress.line(`\nchapter ${n + 1}: ${ch.says}`);
      const run = await runExperiment(loadScenario(ch.scenario), stack, {
        durationSeconds: duration,
        warmupSeconds: n === 0 ? DETECTOR_WARMUP_SECONDS : 15,
        paths: DEFAULT_PATHS,
        repeat: 0,
        progress,
      });
      runs.push(run);
      const acts = run.actions.map((a) => `${a.action} ${a.target ?? ''} (${a.result})`).join(', ') || 'none';
      progress.line(`  actions: ${acts}\n  ${oneLine(run)}`);
    }
  } finally {
    await stack.stop();
    stack = null;
  }
  const rec = { version: 1 as const, createdAt: Date.now(), command: `story --duration ${duration} --fleet ${fleet}`, runs };
  const out = writeReport(rec);
  process.stdout.write(`\n${comparisonTableText(summarize(runs))}\n\nreport: ${out.html}\n`);
}

process.on('SIGINT', () => void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(130)));
main().catch((e: unknown) => {
  process.stderr.write(`story: ${e instanceof ChaosError ? `${e.code}: ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(e instanceof ChaosError ? e.statusCode : 1));
});
