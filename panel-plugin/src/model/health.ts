import { LaneEvent, PanelModel } from './read-frames';

export interface HealthSummary {
  /** 0-100: share of scored points below the threshold, across every entity in the range; null without scores. */
  health: number | null;
  /** Mean seconds from the onset of the anomaly behind an incident to its alert; null when unknown. */
  mttdSeconds: number | null;
  /** Mean seconds from an incident's onset (anomaly, else alert) to verified recovery; null when none recovered. */
  mttrSeconds: number | null;
  incidents: number;
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

const RECOVERED = new Set(['passed', 'succeeded', 'resolved', 'healed']);

function firstOf(events: LaneEvent[], pred: (e: LaneEvent) => boolean): number | undefined {
  return events.filter(pred).reduce<number | undefined>((m, e) => (m === undefined || e.time < m ? e.time : m), undefined);
}

/** An anomaly starting this long before an alert is taken as unrelated to it. */
const MAX_DETECTION_MS = 30 * 60_000;

/**
 * When the anomaly behind an incident began: the timeline's own `anomaly` entry when the incident
 * also has a separate alert, else the latest detector anomaly (band) of the same service that
 * started before the alert.
 */
function anomalyOnset(model: PanelModel, events: LaneEvent[], alert: number): number | undefined {
  const laneAnomaly = firstOf(events, (e) => e.kind === 'anomaly');
  if (laneAnomaly !== undefined && events.some((e) => e.kind === 'alert')) {
    return laneAnomaly;
  }
  const service = events.find((e) => e.service)?.service;
  const candidates = model.bands
    .filter((b) => b.start <= alert && alert - b.start <= MAX_DETECTION_MS)
    .filter((b) => !service || !b.service || b.service === service)
    .map((b) => b.start);
  return candidates.length ? Math.max(...candidates) : laneAnomaly;
}

/**
 * Health, MTTD and MTTR of the visible range. MTTD and MTTR are measured per incident on the
 * timeline (anomaly -> alert -> verified recovery); the remediator's own per-incident MTTR wins
 * when the query returned an incidents frame.
 */
export function summarize(model: PanelModel, threshold: number): HealthSummary {
  let scored = 0;
  let anomalous = 0;
  for (const t of model.tracks) {
    for (const s of t.scores) {
      if (typeof s === 'number' && Number.isFinite(s)) {
        scored++;
        if (s >= threshold) {
          anomalous++;
        }
      }
    }
  }
  const byIncident = new Map<string, LaneEvent[]>();
  for (const e of model.lane) {
    if (!e.incidentId) {
      continue;
    }
    byIncident.set(e.incidentId, [...(byIncident.get(e.incidentId) ?? []), e]);
  }
  const mttd: number[] = [];
  const mttr: number[] = [];
  for (const events of byIncident.values()) {
    const opened = Math.min(...events.map((e) => e.time));
    const alert = firstOf(events, (e) => e.kind === 'alert') ?? opened;
    const onset = anomalyOnset(model, events, alert);
    const recovered = firstOf(
      events,
      (e) => e.kind === 'resolved' || (e.kind === 'verification' && RECOVERED.has(e.status))
    );
    if (onset !== undefined && alert > onset) {
      mttd.push((alert - onset) / 1000);
    }
    const start = onset ?? opened;
    if (recovered !== undefined && recovered >= start) {
      mttr.push((recovered - start) / 1000);
    }
  }
  return {
    health: scored ? Math.round(100 * (1 - anomalous / scored)) : null,
    mttdSeconds: mean(mttd),
    mttrSeconds: model.incidentMttrs.length ? mean(model.incidentMttrs) : mean(mttr),
    incidents: byIncident.size,
  };
}

/** `42 s`, `3.5 min`, `1.2 h`: short enough for a 300 px wide panel. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) {
    return '–';
  }
  if (seconds < 90) {
    return `${Math.round(seconds)} s`;
  }
  if (seconds < 5400) {
    return `${(seconds / 60).toFixed(1)} min`;
  }
  return `${(seconds / 3600).toFixed(1)} h`;
}
