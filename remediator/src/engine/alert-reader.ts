import type { Labels } from '@homeostat/contracts';
import { z } from 'zod';
import { RemediatorError } from '../errors';
import { promString, type PrometheusClient } from './prometheus-client';

/** The alert an incident is about, as received. */
export interface AlertIdentity {
  fingerprint: string;
  labels: Labels;
  source: 'alertmanager' | 'grafana';
}

/** Where verification reads. Each method throws when it cannot read: that is never "resolved". */
export interface AlertReader {
  /** Whether this very alert still fires. */
  firing(a: AlertIdentity): Promise<boolean>;
  /** The entity's score and the age of its newest sample; null when there is no series. */
  score(expr: string): Promise<{ value: number; ageSeconds: number | null } | null>;
  /**
   * Each alert's annotations as its rule evaluates them now (the detector's `root_cause` verdict
   * changes while the alert fires, and Alertmanager sends no notification for that), in one read;
   * null for an alert that is not firing, or that two rules hold with different verdicts. Throws
   * when it cannot read.
   */
  annotations?(alerts: readonly AlertIdentity[], signal?: AbortSignal): Promise<(Labels | null)[]>;
}

const AmAlerts = z.array(
  z.looseObject({
    fingerprint: z.string(),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()).default({}),
  }),
);

/**
 * One alert's annotations, or null: none, or several copies (two rules or groups holding alerts
 * of the same labels, which Alertmanager merges into one) that disagree on the verdict.
 */
function unambiguous(copies: Labels[]): Labels | null {
  if (copies.length === 0) return null;
  const verdicts = new Set(copies.map((c) => c.root_cause ?? ''));
  return verdicts.size === 1 ? copies[0]! : null;
}

/** The first `metric{...}` selector of a PromQL expression: the series whose sample age is checked. */
export function firstSelector(expr: string): string | null {
  return /[a-zA-Z_:][a-zA-Z0-9_:]*\{[^}]*\}/.exec(expr)?.[0] ?? null;
}

/**
 * Reads the alert through Alertmanager's API v2 by its fingerprint (Alertmanager lists active,
 * silenced and inhibited alerts; a resolved one is gone), else through Prometheus' `ALERTS` with
 * Prometheus' external labels dropped. Grafana-managed alerts are in neither: their state is read
 * from the resolved webhook only, and without it the check cannot read.
 */
export class StackAlertReader implements AlertReader {
  private external: Promise<string[]> | null = null;

  constructor(
    private readonly o: { alertmanagerUrl?: string; prometheus?: PrometheusClient; now?: () => number },
  ) {}

  async firing(a: AlertIdentity): Promise<boolean> {
    if (a.source === 'grafana')
      throw new RemediatorError('ACTUATOR_FAILED', 'Grafana-managed alert: no state to read but its webhook');
    if (this.o.alertmanagerUrl) {
      const q = 'active=true&silenced=true&inhibited=true&unprocessed=true';
      const res = await fetch(`${this.o.alertmanagerUrl.replace(/\/$/, '')}/api/v2/alerts?${q}`, {
        signal: AbortSignal.timeout(10_000),
      });
      const parsed = AmAlerts.safeParse(res.ok ? await res.json() : null);
      if (!parsed.success)
        throw new RemediatorError('ACTUATOR_FAILED', `alertmanager alerts not readable (${res.status})`);
      return parsed.data.some((x) => x.fingerprint === a.fingerprint);
    }
    if (this.o.prometheus) {
      const drop = new Set(await this.externalNames(this.o.prometheus));
      const matchers = Object.entries(a.labels)
        .filter(([k]) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) && !drop.has(k))
        .map(([k, v]) => `${k}=${promString(v)}`);
      const expr = `ALERTS{${['alertstate="firing"', ...matchers].join(',')}}`;
      return (await this.o.prometheus.query(expr)).length > 0;
    }
    throw new RemediatorError('ACTUATOR_FAILED', 'neither alertmanager nor prometheus configured');
  }

  async annotations(alerts: readonly AlertIdentity[], signal?: AbortSignal): Promise<(Labels | null)[]> {
    const timeout = AbortSignal.timeout(10_000);
    const stop = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const p = this.o.prometheus;
    if (p) {
      // Prometheus' own copy: the rule's latest evaluation, without the external labels
      const drop = new Set(await this.externalNames(p));
      const active = (await p.alerts(stop)).filter((x) => x.state === 'firing');
      return alerts.map((a) => {
        if (a.source === 'grafana') return null;
        const want = Object.entries(a.labels).filter(([k]) => !drop.has(k));
        const same = active.filter(
          (x) => Object.keys(x.labels).length === want.length && want.every(([k, v]) => x.labels[k] === v),
        );
        return unambiguous(same.map((x) => x.annotations));
      });
    }
    if (this.o.alertmanagerUrl) {
      const res = await fetch(`${this.o.alertmanagerUrl.replace(/\/$/, '')}/api/v2/alerts?active=true`, {
        signal: stop,
      });
      const parsed = AmAlerts.safeParse(res.ok ? await res.json() : null);
      if (!parsed.success)
        throw new RemediatorError('ACTUATOR_FAILED', `alertmanager alerts not readable (${res.status})`);
      return alerts.map((a) =>
        unambiguous(parsed.data.filter((x) => x.fingerprint === a.fingerprint).map((x) => x.annotations)),
      );
    }
    throw new RemediatorError('ACTUATOR_FAILED', 'neither alertmanager nor prometheus configured');
  }

  private externalNames(p: PrometheusClient): Promise<string[]> {
    this.external ??= p.externalLabelNames().catch((e: unknown) => {
      this.external = null; // retried on the next read
      throw e;
    });
    return this.external;
  }

  async score(expr: string): Promise<{ value: number; ageSeconds: number | null } | null> {
    const p = this.o.prometheus;
    if (!p) throw new RemediatorError('ACTUATOR_FAILED', 'prometheus not configured');
    const vals = (await p.query(expr)).map((x) => x.value).filter((x) => Number.isFinite(x));
    if (vals.length === 0) return null;
    const sel = firstSelector(expr);
    let ageSeconds: number | null = null;
    if (sel) {
      const ts = (await p.query(`max(timestamp(${sel}))`))[0]?.value;
      const now = (this.o.now ?? Date.now)() / 1000;
      ageSeconds = ts === undefined ? Number.POSITIVE_INFINITY : Math.max(0, now - ts);
    }
    return { value: Math.max(...vals), ageSeconds };
  }
}
