import { join } from 'node:path';
import { planCampaign, planText } from '../campaign/campaign-plan';
import type { CampaignRecording, CampaignSide } from '../campaign/campaign-record';
import { writeCampaignReport } from '../campaign/campaign-report';
import { campaignText } from '../campaign/campaign-summary';
import { runCampaign } from '../campaign/run-campaign';
import type { Experiment, ScenarioName } from '../experiment/experiment-schema';
import { loadScenario } from '../experiment/load-experiment';
import { REPORTS_DIR, timestampDir } from '../report/write-report';
import { Progress } from '../runner/progress';
import { DETECTOR_WARMUP_SECONDS } from '../stack/detector-config';
import { DEMO_SERVICES } from '../stack/fleet';
import { startStack, type Stack } from '../stack/start-stack';
import type { CampaignArgs } from './campaign-args';

/**
 * `chaos campaign`: prints the plan, then per heal mode one stack start, one warm-up and every
 * planned fault with quiet gaps; writes report.html + run.json and prints the target lines.
 * `onStack` lets the CLI stop the running stack on Ctrl-C.
 */
export async function runCampaignCommand(a: CampaignArgs, onStack: (s: Stack | null) => void): Promise<string> {
  const experiments = new Map<ScenarioName, Experiment>(a.scenarios.map((s) => [s, loadScenario(s)]));
  const plan = planCampaign({
    seed: a.seed,
    faults: a.faults,
    experiments: [...experiments.values()],
    backends: DEMO_SERVICES,
    durationSeconds: a.faultSeconds,
    gapSeconds: a.gapSeconds,
  });
  process.stdout.write(`${a.faults ? planText(a.seed, plan) : `soak: no fault for ${a.soakSeconds} s after the warm-up (seed ${a.seed})`}\n\n`);
  const progress = new Progress(process.stderr, a.quiet);
  const sides: CampaignSide[] = [];
  for (const heal of a.heal) {
    progress.line(`starting the stack (heal ${heal}, fleet ${a.fleet}, ${a.replicas} replica(s) per backend)...`);
    const stack = await startStack({ heal: heal === 'on', fleet: a.fleet, replicas: a.replicas, log: (m) => progress.line(m) });
    onStack(stack);
    try {
      progress.line(`stack up: gateway ${stack.gatewayUrl}, prometheus ${stack.prometheusUrl} (configs and logs in ${stack.dir})`);
      // the detector's models must be warm before the first fault, or nothing can be detected
      const warmupSeconds = a.warmupSeconds ?? (heal === 'on' ? DETECTOR_WARMUP_SECONDS : 30);
      sides.push(await runCampaign(stack, { plan, experiments, warmupSeconds, soakSeconds: a.soakSeconds, paths: a.paths, progress }));
    } finally {
      onStack(null);
      await stack.stop();
    }
  }
  const rec: CampaignRecording = {
    version: 1,
    kind: 'campaign',
    createdAt: Date.now(),
    command: `chaos ${process.argv.slice(2).join(' ')}`,
    seed: a.seed,
    soakSeconds: a.faults ? null : a.soakSeconds,
    plan,
    sides,
  };
  const out = writeCampaignReport(rec, a.out ?? join(REPORTS_DIR, `campaign-${timestampDir()}`));
  return `${campaignText(rec)}\n\nreport: ${out.html}\nrecording: ${out.json}\n`;
}
