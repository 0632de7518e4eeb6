#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ChaosError } from '../errors';
import { LoadProfileName } from '../experiment/experiment-schema';
import { DEFAULT_DURATION_SECONDS, loadStages, requestBudget } from '../load/load-profiles';
import { runLoad } from '../load/run-load';
import { percentile } from '../metrics/percentile';
import { startStack, type Stack } from '../stack/start-stack';
import { DEFAULT_PATHS, fleetArg } from './cli-args';

// npm run load -- --scenario normal|stress|spike [--duration S] [--url http://127.0.0.1:8080] [--start-fleet [--fleet processes|docker]]
async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      options: {
        scenario: { type: 'string' },
        duration: { type: 'string' },
        url: { type: 'string' },
        paths: { type: 'string' },
        'start-fleet': { type: 'boolean' },
        fleet: { type: 'string' },
      },
    }));
  } catch (e) {
    throw new ChaosError('INVALID_ARGUMENT', (e as Error).message);
  }
  const p = LoadProfileName.safeParse(values.scenario);
  if (!p.success) throw new ChaosError('INVALID_ARGUMENT', `--scenario must be one of ${LoadProfileName.options.join(', ')}`, { field: 'scenario' });
  const duration = values.duration === undefined ? DEFAULT_DURATION_SECONDS[p.data] : Number(values.duration);
  if (!Number.isInteger(duration) || duration < 1 || duration > 3600) throw new ChaosError('INVALID_ARGUMENT', '--duration must be an integer 1..3600 (seconds)', { field: 'duration' });
  let stack: Stack | null = null;
  const stopStack = async () => {
    await stack?.stop();
    stack = null;
  };
  process.on('SIGINT', () => void stopStack().finally(() => process.exit(130)));
  try {
    if (values['start-fleet']) stack = await startStack({ heal: false, fleet: fleetArg(values.fleet as string | undefined), log: (m) => process.stderr.write(`${m}\n`) });
    const url = (values.url as string | undefined) ?? stack?.gatewayUrl ?? 'http://127.0.0.1:8080';
    const stages = loadStages(p.data, duration);
    process.stderr.write(`load ${p.data} on ${url}: ${stages.map((s) => `${s.rps} rps x ${s.seconds}s`).join(', ')} (at most ${requestBudget(stages)} requests)\n`);
    const paths = typeof values.paths === 'string' ? values.paths.split(',') : DEFAULT_PATHS;
    const h = runLoad({ url, paths }, stages);
    const timer = setInterval(() => {
      const w = h.recorder.window(5);
      process.stderr.write(`  ${(w.requests / 5).toFixed(0)} rps, errors ${w.errorRatio === null ? '-' : (w.errorRatio * 100).toFixed(1)}%, p95 ${w.p95Ms ?? '-'} ms\n`);
    }, 5000);
    const sum = await h.done;
    clearInterval(timer);
    const b = h.recorder.buckets();
    const p95s = b.map((x) => x.p95Ms).filter((x): x is number => x !== null);
    process.stdout.write(
      `${JSON.stringify({
        scenario: p.data,
        url,
        requests: sum.requests,
        errors: sum.errors,
        timeouts: sum.timeouts,
        errorRate: sum.requests ? sum.errors / sum.requests : null,
        achievedRps: sum.requests / Math.max(1, sum.seconds),
        medianSecondP95Ms: percentile(p95s, 50),
        worstSecondP99Ms: Math.max(0, ...b.map((x) => x.p99Ms ?? 0)),
      })}\n`,
    );
  } finally {
    await stopStack();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`load: ${e instanceof ChaosError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof ChaosError ? e.statusCode : 1);
});
