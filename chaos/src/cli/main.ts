#!/usr/bin/env node
import { ChaosError } from '../errors';
import { loadScenario } from '../experiment/load-experiment';
import { readJtlFile } from '../jmeter/jtl';
import { jtlToRun } from '../jmeter/jtl-to-run';
import { summarize } from '../metrics/summary';
import { comparisonTableText } from '../report/comparison-table';
import { readRecording, writeReport } from '../report/write-report';
import { Progress } from '../runner/progress';
import { phaseSeconds, runExperiment } from '../runner/run-experiment';
import { DETECTOR_WARMUP_SECONDS } from '../stack/detector-config';
import type { Recording, RunRecord } from '../runner/run-record';
import { startStack, type Stack } from '../stack/start-stack';
import { parseCampaignArgs } from './campaign-args';
import { runCampaignCommand } from './campaign-main';
import { parseChaosArgs, type ReportArgs, type RunArgs } from './cli-args';

let active: Stack | null = null;

async function run(a: RunArgs): Promise<Recording> {
  const experiments = a.scenarios.map((s) => loadScenario(s));
  const progress = new Progress(process.stderr, a.quiet);
  const runs: RunRecord[] = [];
  for (const heal of a.heal) {
    // With healing on, each scenario gets a fresh stack: a scale-out or a model that learnt from the
    // previous fault would otherwise change what the next one measures. Without healing the
    // rollbacks leave the fleet as it was, so one stack serves every scenario.
    const batches = heal === 'on' ? experiments.map((e) => [e]) : [experiments];
    for (const batch of batches) {
      progress.line(`starting the local stack (heal ${heal}, fleet as ${a.fleet})...`);
      const stack = await startStack({ heal: heal === 'on', fleet: a.fleet, log: (m) => progress.line(m) });
      active = stack;
      try {
        progress.line(`stack up: gateway ${stack.gatewayUrl}, prometheus ${stack.prometheusUrl} (configs and logs in ${stack.dir})`);
        let first = true;
        for (const e of batch) {
          for (let i = 0; i < a.repeat; i++) {
            // the detector's models must be warm before the first injection, or nothing can be detected
            const warmup = phaseSeconds(e, a).warmup;
            const warmupSeconds = heal === 'on' && first ? Math.max(warmup, DETECTOR_WARMUP_SECONDS) : a.warmupSeconds;
            first = false;
            runs.push(
              await runExperiment(e, stack, {
                durationSeconds: a.durationSeconds,
                warmupSeconds,
                loadProfile: a.load,
                paths: a.paths,
                repeat: i,
                progress,
              }),
            );
          }
        }
      } finally {
        active = null;
        await stack.stop();
      }
    }
  }
  return { version: 1, createdAt: Date.now(), command: `chaos ${process.argv.slice(2).join(' ')}`, runs };
}

function report(a: ReportArgs): Recording {
  const runs: RunRecord[] = a.from.flatMap((f) => readRecording(f).runs);
  for (const file of a.jtl) {
    const name = file.replace(/^.*\//, '').replace(/\.jtl$/, '');
    runs.push(
      jtlToRun(readJtlFile(file), {
        name,
        heal: a.heal,
        profile: a.profile,
        fault: a.faultStart !== undefined && a.faultEnd !== undefined ? { start: a.faultStart, end: a.faultEnd } : undefined,
      }),
    );
  }
  return { version: 1, createdAt: Date.now(), command: `chaos ${process.argv.slice(2).join(' ')}`, runs };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'campaign') {
    process.stdout.write(await runCampaignCommand(parseCampaignArgs(argv.slice(1)), (s) => (active = s)));
    return;
  }
  const args = parseChaosArgs(process.argv.slice(2));
  const rec = args.command === 'report' ? report(args) : await run(args);
  const out = writeReport(rec, args.out);
  process.stdout.write(`\n${comparisonTableText(summarize(rec.runs))}\n\nreport: ${out.html}\nrecording: ${out.json}\n`);
}

let stopping = false;
process.on('SIGINT', () => {
  if (stopping) process.exit(130);
  stopping = true;
  process.stderr.write('\ninterrupted: stopping every process the runner started...\n');
  void (active?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
});

main().catch((e: unknown) => {
  const msg = e instanceof ChaosError ? `${e.code}: ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`\nchaos: ${msg}\n`);
  const code = e instanceof ChaosError ? e.statusCode : 1;
  void (active?.stop() ?? Promise.resolve()).finally(() => process.exit(code));
});
