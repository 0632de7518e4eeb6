import {
  CallGraph,
  causeOfMember,
  ownFault,
  rankRootCauses,
  type DetectorVerdict,
} from '../../engine/root-cause';
import type { RootCauseSettings } from './root-cause-settings';
import { IncidentTracker, type Incident } from './incident-tracker';
import { LiveWindow } from './live-window';

/** One ranked entity of an open incident, as /metrics exports it. */
export interface RootCauseVerdict {
  detector: string;
  incident: string;
  /** 1 = the most likely cause. */
  rank: number;
  /** The entity's node name in the call graph (its `entityLabel` value; the entity key if that is ambiguous). */
  entity: string;
  /** The entity's groupBy labels, so PromQL can join the verdict to its anomaly series. */
  labels: Record<string, string>;
  score: number;
  topMetric: string;
}

/** An entity in an open incident, and what that incident's verdict names as its cause. */
export interface IncidentMembership {
  detector: string;
  incident: string;
  labels: Record<string, string>;
  /**
   * The entity label's value of this member's cause: the incident's rank-1 entity, or the member
   * itself when it has a fault of its own the rank-1 entity cannot have caused (member-cause.ts);
   * '' before the first ranking.
   */
  rootCause: string;
}

interface Followed {
  key: string;
  labels: Record<string, string>;
  window: LiveWindow;
  lastContributions: { feature: string; contribution: number }[];
}

export interface LiveRootCauseDetector {
  name: string;
  groupBy: readonly string[];
  queries: Record<string, string>;
  intervalSeconds: number;
  rootCause: RootCauseSettings;
  /** The detector's scoring: its per-feature noise floors judge a member's own fault (member-cause.ts). */
  pipeline?: { robustZAbsoluteFloor?: Readonly<Record<string, number>> };
}

/**
 * The root-cause ranking of one detector, live: it keeps a window of every entity's features, groups
 * concurrent anomalies into incidents, and while an incident is young ranks every entity with the
 * engine's ranker (the same code as `homeostat-detect rca`) over the declared and traced call graph.
 * The verdict is made on the incident's start, where the evidence of the cause is: it is re-ranked
 * each cycle while the incident takes members (the first quarter of the window: late symptoms and
 * the cause's own growth come in), then kept until the incident closes, so its history never slides
 * out of the window. An anomaly that starts later is another incident with its own verdict.
 */
export class LiveRootCause {
  private readonly followed = new Map<string, Followed>();
  private readonly incidents: IncidentTracker;
  private readonly features: string[];
  private readonly youngMs: number;
  private readonly verdict = new Map<string, RootCauseVerdict[]>();
  /** The entity label value of each open incident's rank-1 entity, named when it was ranked. */
  private readonly cause = new Map<string, string>();
  /** Per open incident, the members whose alert names themselves (decideOwnCauses). */
  private readonly ownCause = new Map<string, Set<string>>();
  /** Per open incident, the entities its last ranking found past the threshold, by name. */
  private readonly pastThreshold = new Map<string, string[]>();
  private open: readonly Incident[] = [];

  /** `learned`: call edges between node names seen in traces (POST /v1/traces), beside the declared ones. */
  constructor(
    private readonly d: LiveRootCauseDetector,
    private readonly learned: () => readonly { caller: string; callee: string }[] = () => [],
  ) {
    this.features = Object.keys(d.queries);
    const stepMs = d.intervalSeconds * 1000;
    this.youngMs = (d.rootCause.historyPoints / 4) * stepMs;
    this.incidents = new IncidentTracker(d.name, this.youngMs, d.rootCause.closeAfterPoints * stepMs);
  }

  /** One point of one entity, as the live loop pushed it into the entity's model. */
  observe(
    key: string,
    labels: Record<string, string>,
    timestamp: number,
    row: ArrayLike<number | null>,
    p: { score: number | null; contributions: { feature: string; contribution: number }[] },
  ): void {
    let f = this.followed.get(key);
    if (!f) {
      f = { key, labels, window: new LiveWindow(this.d.rootCause.historyPoints), lastContributions: [] };
      this.followed.set(key, f);
    }
    f.window.push(timestamp, row, p.score !== null && p.score >= 1);
    if (p.score !== null && p.contributions.length) f.lastContributions = p.contributions;
    this.incidents.observe(key, timestamp, p.score, attributionShares(p.contributions));
  }

  forget(key: string): void {
    this.followed.delete(key);
    this.incidents.forget(key);
  }

  /** After a cycle that consumed points up to `end`: rank the young incidents, drop the closed ones' verdicts. */
  endCycle(end: number): void {
    this.open = this.incidents.at(end);
    const ids = new Set(this.open.map((i) => i.id));
    for (const id of [...this.verdict.keys()])
      if (!ids.has(id)) {
        this.verdict.delete(id);
        this.cause.delete(id);
        this.ownCause.delete(id);
        this.pastThreshold.delete(id);
      }
    for (const incident of this.open) {
      if (end - incident.start <= this.youngMs || !this.verdict.has(incident.id))
        this.verdict.set(incident.id, this.rank(incident));
      this.decideOwnCauses(incident, end);
    }
  }

  /** The top entities of every open incident, for `homeostat_root_cause`. */
  verdicts(): RootCauseVerdict[] {
    return this.open.flatMap((i) => this.verdict.get(i.id) ?? []);
  }

  /** Every member of every open incident with its cause, for `homeostat_incident_member`. */
  memberships(): IncidentMembership[] {
    return this.open.flatMap((i) => {
      const own = this.ownCause.get(i.id);
      return [...i.members.keys()].flatMap((key) => {
        const f = this.followed.get(key);
        if (!f) return [];
        const rootCause = own?.has(key) ? this.causeName(key) : (this.cause.get(i.id) ?? '');
        return [{ detector: this.d.name, incident: i.id, labels: f.labels, rootCause }];
      });
    });
  }

  /**
   * The members of an incident whose alert names themselves (member-cause.ts), judged each cycle on
   * their series and the graph as they are now (a member may join, or its fault grow, after the
   * verdict froze). While the incident takes members a decision can be taken back (a callee that
   * alarms later may explain the member); after that a member that names itself keeps doing so for
   * the incident's life: the remediator may have acted on it, and its repeats must not turn into
   * symptoms.
   */
  private decideOwnCauses(i: Incident, end: number): void {
    const cause = this.cause.get(i.id);
    if (cause === undefined) return;
    let own = this.ownCause.get(i.id);
    if (!own) this.ownCause.set(i.id, (own = new Set()));
    const young = end - i.start <= this.youngMs;
    const keys = [...i.members.keys()].filter((k) => this.followed.has(k));
    const others = [
      ...new Set([...keys.map((k) => this.causeName(k)), ...(this.pastThreshold.get(i.id) ?? [])]),
    ];
    let graph: CallGraph | undefined;
    for (const key of keys) {
      if (own.has(key) && !young) continue;
      const node = this.causeName(key);
      let named: string = cause;
      if (this.hasOwnFault(i, key, this.followed.get(key) as Followed)) {
        graph ??= new CallGraph(this.nodeEdges());
        named = causeOfMember({ member: node, cause, others, graph, ownFault: true });
      }
      if (named === node && named !== cause) own.add(key);
      else own.delete(key);
    }
  }

  /** Whether the member's alarm is about a fault of its own (member-cause.ts), on its series now. */
  private hasOwnFault(incident: Incident, key: string, f: Followed): boolean {
    const m = incident.members.get(key);
    const onset = m && Object.keys(m.onsetAttributions).length ? m.onsetAttributions : null;
    const { threshold, minHistory, metricKinds } = this.d.rootCause.ranker;
    const series = () => f.window.series(this.features, incident.start, minHistory);
    return (
      ownFault(series, incident.start, onset ?? attributionShares(f.lastContributions), {
        ownCauseKinds: this.d.rootCause.ownCauseKinds,
        threshold,
        minHistory,
        metricKinds,
        // a rise under the detector's noise floor is no fault of its own; the ranking itself takes
        // no floors: errors travel from callee to caller, and a floored callee could no longer
        // explain its caller's (a review showed the caller ranked first)
        spreadFloors: this.d.pipeline?.robustZAbsoluteFloor,
      }) !== null
    );
  }

  private rank(incident: Incident): RootCauseVerdict[] {
    const node = this.nodeNames();
    const series = new Map(
      [...this.followed.values()].map((f) => [
        f.key,
        f.window.series(this.features, incident.start, this.d.rootCause.ranker.minHistory),
      ]),
    );
    const detector = new Map<string, DetectorVerdict>();
    for (const m of incident.members.values()) {
      const f = this.followed.get(m.key);
      detector.set(m.key, {
        // stands in for an entity none of whose metrics can be judged yet (a window still filling),
        // which would otherwise score 0 and could lose a tie to an entity with no alarm at all
        score: m.peakScore,
        onset: m.onset,
        // what opened the alarm, which the onset dates: the latest attributions may be about a
        // metric that moved later (a gateway's alarm opened by its own memory, then carried by a
        // callee's errors, would date those errors from the memory's onset)
        attributions: Object.keys(m.onsetAttributions).length
          ? m.onsetAttributions
          : attributionShares(f?.lastContributions ?? []),
      });
    }
    const ranked = rankRootCauses(
      { series, edges: this.edges(), from: incident.start, detector },
      this.d.rootCause.ranker,
    );
    // named now: an entity that disappears later would leave only its key, which no alert matches
    if (ranked[0]) this.cause.set(incident.id, this.causeName(ranked[0].entity));
    this.pastThreshold.set(
      incident.id,
      ranked.filter((r) => r.onset !== undefined).map((r) => this.causeName(r.entity)),
    );
    return ranked.slice(0, this.d.rootCause.top).map((r, i) => ({
      detector: this.d.name,
      incident: incident.id,
      rank: i + 1,
      entity: node.get(r.entity) ?? r.entity,
      labels: this.followed.get(r.entity)?.labels ?? {},
      score: r.score,
      topMetric: r.topMetric,
    }));
  }

  private label(): string | undefined {
    return this.d.rootCause.entityLabel ?? this.d.groupBy[0];
  }

  /**
   * The name an alert's `root_cause` carries for an entity: its entity label's value, even when two
   * entities share it (groupBy finer than the call graph's nodes), because the remediator matches it
   * against the alert's label values; the entity key would match no alert and turn every member,
   * the cause's own alerts included, into a symptom.
   */
  private causeName(key: string): string {
    const l = this.label();
    return (l ? this.followed.get(key)?.labels[l] : undefined) ?? key;
  }

  /** Entity key -> node name: the entity label's value, unless two entities share it (then the key). */
  private nodeNames(): Map<string, string> {
    const l = this.label();
    const count = new Map<string, number>();
    for (const f of this.followed.values()) {
      const v = l ? f.labels[l] : undefined;
      if (v !== undefined) count.set(v, (count.get(v) ?? 0) + 1);
    }
    const out = new Map<string, string>();
    for (const f of this.followed.values()) {
      const v = l ? f.labels[l] : undefined;
      out.set(f.key, v !== undefined && count.get(v) === 1 ? v : f.key);
    }
    return out;
  }

  /** The declared and traced dependencies between node names, as known now. */
  private nodeEdges(): { caller: string; callee: string }[] {
    const declared = Object.entries(this.d.rootCause.dependencies).flatMap(([caller, callees]) =>
      callees.map((callee) => ({ caller, callee })),
    );
    return [...declared, ...this.learned()];
  }

  /** The declared and traced dependencies between node names, as edges between the entities that carry them. */
  private edges(): { caller: string; callee: string }[] {
    const l = this.label();
    const byNode = new Map<string, string[]>();
    for (const f of this.followed.values()) {
      const v = l ? f.labels[l] : undefined;
      if (v === undefined) continue;
      byNode.set(v, [...(byNode.get(v) ?? []), f.key]);
    }
    const declared = Object.entries(this.d.rootCause.dependencies).flatMap(([caller, callees]) =>
      callees.map((callee) => ({ caller, callee })),
    );
    const out = new Map<string, { caller: string; callee: string }>();
    for (const { caller, callee } of [...declared, ...this.learned()])
      for (const a of byNode.get(caller) ?? [])
        for (const b of byNode.get(callee) ?? []) out.set(`${a}\u0000${b}`, { caller: a, callee: b });
    return [...out.values()];
  }
}

function attributionShares(c: readonly { feature: string; contribution: number }[]): Record<string, number> {
  return Object.fromEntries(c.map((x) => [x.feature, x.contribution]));
}
