import { anomalyIntervals, type SignalPoint } from '../metrics/detection-intervals';
import { percentile } from '../metrics/percentile';
import {
  availability,
  endedBeforeExpiry,
  expiredAtOf,
  recovery,
  type HealthSample,
  type RequestCounts,
} from '../metrics/run-metrics';
import { contains, withGrace, type TimeWindow } from '../metrics/time-window';
import type { ActionObservation } from '../runner/run-record';

/**
 * A campaign's figures, per incident (never per sample), computed from recorded facts only.
 * The rules the issue asks for are all here, so they are tested without a stack:
 * - a fault is detected by an anomaly on its service that *starts* inside its window (+grace); one
 *   already active before the fault is a false positive, never an MTTD of 0;
 * - a fault is healed only if users' impact ended before the fault expired by itself (an action that
 *   passed verification while users waited out the fault healed nothing);
 * - any non-skipped action on another service than the faulted one, or outside every fault window
 *   (+grace), is a false action; skipped ones (root-cause symptoms among them) are listed apart.
 */

export interface FaultFacts extends TimeWindow {
  index: number;
  scenario: string;
  service: string;
  healedWhen: 'action' | 'within-slo';
  expectedActions: readonly string[];
  withinSeconds: number;
  sloAvailability: number;
  /**
   * How the fault ended, as the demo recorded it: `expired` when it ran out its drawn length, or
   * `stopped` by the runner's clean-up (then users impacted during it and still at its end were not
   * healed: `endedBeforeExpiry`); a restart or anything else ended it otherwise. Missing in records
   * older than this rule: not checked there.
   */
  endedBy?: string;
}

export interface CampaignFacts {
  faults: readonly FaultFacts[];
  /** Per service: Homeostat flagged it (score > 1 or one of its alerts pending/firing) at each step (signal-series.ts). */
  detections: Readonly<Record<string, readonly SignalPoint[]>> | null;
  /** Per service: a remediating alert (remediate="true") firing at each step. */
  remediatingAlerts: Readonly<Record<string, readonly SignalPoint[]>> | null;
  actions: readonly ActionObservation[];
  health: readonly HealthSample[];
  load: readonly (RequestCounts & { t: number })[];
  /** The measured span: from the end of the warm-up to the end of the campaign. */
  span: TimeWindow;
  services: readonly string[];
  graceMs: number;
  sustainSeconds: number;
}

export interface FaultOutcome {
  index: number;
  scenario: string;
  service: string;
  start: number;
  end: number;
  detectedAt: number | null;
  mttdSeconds: number | null;
  /** An anomaly on the service was already active when the fault started (counted as a false positive). */
  activeBefore: boolean;
  mttrSeconds: number | null;
  impacted: boolean;
  availability: number | null;
  /** Non-skipped actions on the faulted service inside its window (+grace). */
  actions: ActionObservation[];
  healed: boolean;
  /** Why it did not heal (or what went wrong on the way); null when healed cleanly. */
  why: string | null;
}

export interface FalseAction extends ActionObservation {
  why: string;
}

export interface CampaignMetrics {
  faults: FaultOutcome[];
  healingSuccess: number | null;
  perScenario: Record<string, { faults: number; healed: number }>;
  falseActions: FalseAction[];
  /** Actions the remediator decided not to take (result skipped), with its reason: root-cause symptoms among them. */
  suppressed: ActionObservation[];
  detection: {
    incidents: number;
    truePositives: number;
    falsePositives: number;
    recall: number | null;
    precision: number | null;
  } | null;
  mttdP50Seconds: number | null;
  /** Median MTTR over crash and cpu-spike faults; a fault users never recovered from counts as infinite. */
  mttrP50Seconds: number | null;
  availability: number | null;
  /** Remediating alerts that fired outside every fault window (+grace), per service-hour of the span. */
  quietAlertsPerServiceHour: number | null;
  quietAlerts: { service: string; start: number; end: number }[];
}

const isSkipped = (a: ActionObservation) => a.result === 'skipped';

/** Incidents: anomaly intervals of every service joined when they overlap or are < 5 s apart. */
function detectionIncidents(detections: Readonly<Record<string, readonly SignalPoint[]>>): TimeWindow[] {
  const all = Object.values(detections)
    .flatMap((s) => anomalyIntervals(s))
    .sort((a, b) => a.start - b.start);
  const out: TimeWindow[] = [];
  for (const w of all) {
    const last = out[out.length - 1];
    if (last && w.start <= last.end + 5000) last.end = Math.max(last.end, w.end);
    else out.push({ ...w });
  }
  return out;
}

function faultOutcome(f: FaultFacts, c: CampaignFacts): FaultOutcome {
  const [w] = withGrace([f], c.graceMs);
  const own = c.detections ? anomalyIntervals(c.detections[f.service] ?? []) : [];
  const activeBefore = own.some((d) => d.start < f.start && d.end >= f.start);
  const fresh = own.filter((d) => contains(w, d.start)).map((d) => d.start);
  const detectedAt = fresh.length ? Math.min(...fresh) : null;
  // users' impact belongs to this fault only when it begins inside its window (+grace): a blip
  // a minute later (another replica's restart, a scale-in) is not the fault's recovery time
  const firstBad = c.health.find((h) => h.t >= f.start && !h.healthy);
  const rec =
    firstBad && firstBad.t <= w.end
      ? recovery(f, c.health, c.sustainSeconds)
      : { mttrSeconds: 0, impacted: false, recoveredAt: f.start, impactedAt: null };
  const acted = c.actions.filter((a) => !isSkipped(a) && a.target === f.service && contains(w, a.startedAt));
  const avail = availability(c.load.filter((b) => contains(w, b.t)));
  let why: string | null = null;
  let healed: boolean;
  if (f.healedWhen === 'within-slo') {
    healed = acted.length === 0 && avail !== null && avail >= f.sloAvailability;
    if (acted.length) why = `acted (${acted.map((a) => a.action).join(', ')}) though no action was expected`;
    else if (!healed) why = `availability ${pct(avail)} below the SLO ${pct(f.sloAvailability)}`;
  } else {
    const right = acted.filter((a) => f.expectedActions.includes(a.action));
    const good = right.filter((a) => a.result === 'succeeded' && a.verification !== 'failed');
    const inTime = rec.mttrSeconds !== null && rec.mttrSeconds <= f.withinSeconds;
    const beforeExpiry = endedBeforeExpiry(rec, expiredAtOf(f));
    healed = good.length > 0 && inTime && beforeExpiry;
    if (c.detections && detectedAt === null)
      why = activeBefore
        ? 'not detected (an anomaly already active before the fault hid it)'
        : 'not detected';
    else if (!acted.length) why = `no action on ${f.service}`;
    else if (!right.length)
      why = `wrong action (${acted.map((a) => a.action).join(', ')}; expected ${f.expectedActions.join(' or ')})`;
    else if (!good.length)
      why = right.some((a) => a.verification === 'failed' || a.result === 'rolled_back')
        ? 'action failed verification'
        : `action ${right[0].result}`;
    else if (!inTime)
      why =
        rec.mttrSeconds === null
          ? 'users did not recover'
          : `users recovered late (MTTR ${rec.mttrSeconds.toFixed(1)} s > ${f.withinSeconds} s)`;
    else if (!beforeExpiry)
      why = `users recovered only when the fault expired (MTTR ${rec.mttrSeconds!.toFixed(1)} s, fault ${((f.end - f.start) / 1000).toFixed(1)} s): ${right[0]!.action} did not end the impact`;
    if (healed) why = null;
  }
  return {
    index: f.index,
    scenario: f.scenario,
    service: f.service,
    start: f.start,
    end: f.end,
    detectedAt,
    mttdSeconds: detectedAt === null ? null : (detectedAt - f.start) / 1000,
    activeBefore,
    mttrSeconds: rec.mttrSeconds,
    impacted: rec.impacted,
    availability: avail,
    actions: acted,
    healed,
    why,
  };
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`);

export function computeCampaignMetrics(c: CampaignFacts): CampaignMetrics {
  const faults = c.faults.map((f) => faultOutcome(f, c));
  const windows = withGrace(c.faults, c.graceMs);
  const falseActions: FalseAction[] = [];
  for (const a of c.actions.filter((x) => !isSkipped(x))) {
    const during = c.faults.filter((f, i) => contains(windows[i], a.startedAt));
    if (!during.length) falseActions.push({ ...a, why: 'outside every fault window (+grace)' });
    else if (!during.some((f) => f.service === a.target)) {
      falseActions.push({
        ...a,
        why: `on ${a.target ?? '?'}, not the faulted ${during.map((f) => f.service).join('/')}`,
      });
    }
  }
  const perScenario: Record<string, { faults: number; healed: number }> = {};
  for (const f of faults) {
    const s = (perScenario[f.scenario] ??= { faults: 0, healed: 0 });
    s.faults++;
    if (f.healed) s.healed++;
  }
  let detection: CampaignMetrics['detection'] = null;
  if (c.detections) {
    const incidents = detectionIncidents(c.detections).filter((d) => d.end >= c.span.start);
    const tp = incidents.filter((d) => windows.some((w) => contains(w, d.start))).length;
    const detected = faults.filter((f) => f.detectedAt !== null).length;
    detection = {
      incidents: incidents.length,
      truePositives: tp,
      falsePositives: incidents.length - tp,
      recall: faults.length ? detected / faults.length : null,
      precision: incidents.length ? tp / incidents.length : null,
    };
  }
  const mttrs = faults
    .filter((f) => f.scenario === 'crash' || f.scenario === 'cpu-spike')
    .map((f) => f.mttrSeconds ?? Infinity);
  const quietAlerts: CampaignMetrics['quietAlerts'] = [];
  if (c.remediatingAlerts) {
    for (const [service, points] of Object.entries(c.remediatingAlerts)) {
      for (const d of anomalyIntervals(points)) {
        if (d.end >= c.span.start && !windows.some((w) => contains(w, d.start)))
          quietAlerts.push({ service, ...d });
      }
    }
  }
  const serviceHours = (c.services.length * (c.span.end - c.span.start)) / 3_600_000;
  return {
    faults,
    healingSuccess: faults.length ? faults.filter((f) => f.healed).length / faults.length : null,
    perScenario,
    falseActions,
    suppressed: c.actions.filter(isSkipped),
    detection,
    mttdP50Seconds: percentile(
      faults.flatMap((f) => (f.mttdSeconds === null ? [] : [f.mttdSeconds])),
      50,
    ),
    mttrP50Seconds: percentile(mttrs, 50),
    availability: availability(c.load.filter((b) => contains(c.span, b.t))),
    quietAlertsPerServiceHour:
      c.remediatingAlerts && serviceHours > 0 ? quietAlerts.length / serviceHours : null,
    quietAlerts,
  };
}
