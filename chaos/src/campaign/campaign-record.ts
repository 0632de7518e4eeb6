import type { FleetKind } from '../stack/fleet';
import type { ActionObservation, LoadBucketRecord } from '../runner/run-record';
import type { CampaignMetrics, FaultFacts } from './campaign-metrics';
import type { PlannedFault } from './campaign-plan';

/** One heal mode of a campaign: what was injected when, and everything measured. */
export interface CampaignSide {
  heal: boolean;
  fleet: FleetKind;
  /**
   * Processes each backend started as (`--replicas`): with two, one replica's fault reaches about
   * half the requests and the gateway retries a crashed one on the other, so its figures do not
   * compare with a one-replica run's. Absent in recordings made before the option (one).
   */
  replicas?: number;
  startedAt: number;
  warmupEnd: number;
  endedAt: number;
  /** The plan's faults with their exact ground-truth windows (ends as the demo or the runner saw them). */
  /** `replica`: the host:port that took the fault (the service's first replica unless it had several). */
  faults: (FaultFacts & { endedBy: string; params: Record<string, unknown>; replica?: string })[];
  actions: ActionObservation[];
  load: LoadBucketRecord[];
  metrics: CampaignMetrics;
  notes: string[];
  /** Configs and logs of the stack this side ran on. */
  stackDir: string;
}

/** run.json of `chaos campaign`. */
export interface CampaignRecording {
  version: 1;
  kind: 'campaign';
  createdAt: number;
  command: string;
  seed: number;
  /** Seconds of the --faults 0 soak; null for a fault campaign. */
  soakSeconds: number | null;
  plan: PlannedFault[];
  sides: CampaignSide[];
}
