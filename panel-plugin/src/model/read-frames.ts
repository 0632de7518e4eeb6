import { DataFrame, Field, FieldType } from '@grafana/data';
import { FRAME_FIELDS, FRAME_META_KEY, HomeostatFrameKind, ScaleBack } from '@homeostat/contracts';
import { readScaleBack } from './scale-back';

/** One entity's score series, as the healing datasource returns it (frame kind `scores`). */
export interface ScoreTrack {
  name: string;
  /** The `service` label of the score field, when the frame has one. */
  service?: string;
  times: number[];
  scores: Array<number | null>;
  anomalies: boolean[];
  topFeatures: Array<string | null>;
  /** Numeric fields other than the score: the detector's raw features, or a plain metric series. */
  metrics: Array<{ name: string; values: Array<number | null>; field: Field }>;
}

/** A span to shade on the chart: an anomaly of one entity. */
export interface Band {
  start: number;
  /** null while the anomaly is still going on: shaded to the end of the range. */
  end: number | null;
  label: string;
  topFeatures: string;
  /** The entity's `service` label when known: lets MTTD pair an anomaly with that service's incident. */
  service?: string;
}

/** One entry of the healing lane (frame kind `timeline`). */
export interface LaneEvent {
  time: number;
  endTime: number | null;
  kind: string;
  status: string;
  title: string;
  incidentId: string;
  service: string;
  detail: Record<string, unknown>;
  /** For kind `scale_back`: the give-back its detail records (a scale-out's extra capacity returned). */
  scaleBack?: ScaleBack;
}

export interface PanelModel {
  tracks: ScoreTrack[];
  bands: Band[];
  lane: LaneEvent[];
  /** MTTR per incident in seconds, from an `incidents` frame when the query has one. */
  incidentMttrs: number[];
}

function kindOf(frame: DataFrame): HomeostatFrameKind | undefined {
  const custom = frame.meta?.custom as Record<string, unknown> | undefined;
  const kind = custom?.[FRAME_META_KEY];
  return typeof kind === 'string' ? (kind as HomeostatFrameKind) : undefined;
}

function field(frame: DataFrame, name: string): Field | undefined {
  return frame.fields.find((f) => f.name === name);
}

function values<T>(frame: DataFrame, name: string): T[] {
  const f = field(frame, name);
  return f ? (Array.from(f.values) as T[]) : [];
}

function parseDetail(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string' || text === '') {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : { detail: parsed };
  } catch {
    return { detail: text };
  }
}

function trackFromFrame(frame: DataFrame, kind: HomeostatFrameKind | undefined): ScoreTrack | undefined {
  const time = frame.fields.find((f) => f.type === FieldType.time);
  if (!time) {
    return undefined;
  }
  const f = FRAME_FIELDS.scores;
  const scores = kind === 'scores' ? values<number | null>(frame, f.score) : [];
  const anomalies = kind === 'scores' ? values<boolean>(frame, f.anomaly) : [];
  const metrics = frame.fields
    .filter((x) => x.type === FieldType.number && x.name !== f.score)
    .map((x) => ({ name: x.name, values: Array.from(x.values) as Array<number | null>, field: x }));
  const scoreField = field(frame, f.score) ?? metrics[0]?.field;
  return {
    name: frame.name ?? metrics[0]?.name ?? 'series',
    service: scoreField?.labels?.service,
    times: Array.from(time.values) as number[],
    scores,
    anomalies,
    topFeatures: kind === 'scores' ? values<string | null>(frame, f.topFeature) : [],
    metrics,
  };
}

/** Runs of consecutive anomalous points: the bands when the query has no `events` frame. */
function bandsFromTrack(t: ScoreTrack): Band[] {
  const bands: Band[] = [];
  let start = -1;
  for (let i = 0; i <= t.anomalies.length; i++) {
    const on = i < t.anomalies.length && t.anomalies[i];
    if (on && start < 0) {
      start = i;
    } else if (!on && start >= 0) {
      const tops = [...new Set(t.topFeatures.slice(start, i).filter((x): x is string => Boolean(x)))];
      bands.push({ start: t.times[start], end: t.times[i - 1], label: t.name, topFeatures: tops.join(', '), service: t.service });
      start = -1;
    }
  }
  return bands;
}

/**
 * Sorts the query result into what the panel draws. Frames from the Homeostat datasource say their
 * kind in meta; any other frame with a time and a number field is drawn as a plain series.
 */
export function readFrames(series: DataFrame[]): PanelModel {
  const model: PanelModel = { tracks: [], bands: [], lane: [], incidentMttrs: [] };
  const eventBands: Band[] = [];
  for (const frame of series) {
    const kind = kindOf(frame);
    if (kind === 'timeline') {
      const f = FRAME_FIELDS.timeline;
      const times = values<number>(frame, f.time);
      const ends = values<number | null>(frame, f.timeEnd);
      const kinds = values<string>(frame, f.kind);
      const statuses = values<string>(frame, f.status);
      const titles = values<string>(frame, f.title);
      const incidents = values<string>(frame, f.incidentId);
      const services = values<string>(frame, f.service);
      const details = values<unknown>(frame, f.detail);
      times.forEach((time, i) => {
        const kind = kinds[i] ?? 'action';
        const detail = parseDetail(details[i]);
        const scaleBack = kind === 'scale_back' ? readScaleBack(detail) : undefined;
        model.lane.push({
          time,
          endTime: ends[i] ?? null,
          kind,
          status: statuses[i] ?? '',
          title: titles[i] ?? '',
          incidentId: incidents[i] ?? '',
          service: services[i] ?? '',
          detail,
          ...(scaleBack ? { scaleBack } : {}),
        });
      });
    } else if (kind === 'events') {
      const f = FRAME_FIELDS.events;
      const starts = values<number>(frame, f.time);
      const ends = values<number | null>(frame, f.timeEnd);
      const titles = values<string>(frame, f.title);
      const tops = values<string>(frame, f.topFeatures);
      const services = values<string>(frame, f.service);
      starts.forEach((start, i) =>
        eventBands.push({
          start,
          end: ends[i] ?? null,
          label: titles[i] ?? 'anomaly',
          topFeatures: tops[i] ?? '',
          service: services[i] || undefined,
        })
      );
    } else if (kind === 'incidents') {
      const mttr = values<number | null>(frame, FRAME_FIELDS.incidents.mttr);
      model.incidentMttrs.push(...mttr.filter((v): v is number => typeof v === 'number'));
    } else if (kind !== 'actions') {
      const track = trackFromFrame(frame, kind);
      if (track) {
        model.tracks.push(track);
      }
    }
  }
  model.bands = eventBands.length ? eventBands : model.tracks.flatMap(bandsFromTrack);
  model.lane.sort((a, b) => a.time - b.time);
  return model;
}
