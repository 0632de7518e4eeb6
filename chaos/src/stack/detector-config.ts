/**
 * The detector service's config for the demo fleet: the five per-service features of
 * docs/architecture.md and the growth of each backend's scratch volume, scored every second so a
 * chaos run sees detection within seconds.
 * Rates use a 10 s window instead of 1 m: a 1 s scrape gives enough points and faults show sooner.
 * The first model is fitted after 90 points and the likelihood needs 60 more, so the models are warm
 * (the first rates need ~10 s of scrapes) after ~165 s, which is what a chaos run can afford; the
 * training window then grows to 10 minutes, so one earlier fault is a small share of what a model
 * learned (with a 3-minute window, a campaign's previous fault was a quarter of it). A production
 * config uses hours (detector/examples/demo-fleet.yml).
 */
export const DETECTOR_WARMUP_SECONDS = 190;

export function detectorConfig(i: { prometheusUrl: string; port: number; dataDir: string; traceTokenFile: string; trainingWindowSeconds?: number }): Record<string, unknown> {
  const sel = 'job="demo"';
  return {
    prometheus: { url: i.prometheusUrl, timeoutSeconds: 5 },
    server: { host: '127.0.0.1', port: i.port },
    dataDir: i.dataDir,
    logLevel: 'warn',
    // the demo services export their spans here as homeostat-demo-<service>: the call graph's entities
    traces: { enabled: true, servicePattern: '^homeostat-demo-(.+)$' },
    // the receiver takes spans only with this token, which the services' exporters send
    // (OTEL_EXPORTER_OTLP_HEADERS); a local test stack: its runner reads the call graph without a
    // token, like the remediator's audit API
    auth: { traceTokens: [{ file: i.traceTokenFile }], anonymousReads: true },
    detectors: [
      {
        name: 'demo',
        groupBy: ['service'],
        intervalSeconds: 1,
        // Score a second once it is 0.25 s old, not the default 1 s: every target here is a local
        // process whose scrape (timestamped at its start) is stored within milliseconds, and each
        // second of settle delay is a second added to every detection. A sample still in flight is
        // read by the next point (docs/prometheus.md, queryDelaySeconds).
        queryDelaySeconds: 0.25,
        trainingWindowSeconds: i.trainingWindowSeconds ?? 600,
        refitIntervalSeconds: 30,
        // 0.5 % of training points above 1 instead of 1 %: scored every second, 1 % is a false alarm a
        // minute per service; the chaos faults are far beyond either threshold
        sensitivity: 0.5,
        // The pipeline's defaults count points for hours of history (300 points of likelihood history);
        // a chaos run has minutes: 60 points. The first fit after 90 points and a 90-point rolling z
        // keep the warm-up of a 3-minute window. The alarm gate's hold is 30 s, like the shipped keep_firing_for.
        // No seasonal stage: a run never has a day of history (and the range rule would wait a day).
        // The range rule ("never seen this high") is armed after 150 points and its bound is a whole
        // range beyond what was seen: early on, every new extreme is a new maximum, and the warm-up's
        // own spread must not alarm. Neither it nor the likelihoods learn from incidents: a value
        // beyond the range stays out of it until 150 in a row (2.5 minutes) make it the new normal, so
        // a fault alarms for its whole length; averages beyond the alarm line stay out of a
        // likelihood's history for 30 points, long enough for the alert to fire (10 s) where they
        // used to fade in 10-20 points, short enough that the state a remediation leaves (a second
        // replica) is learned within half a minute and its verification can pass.
        // robustZRelativeFloor: a 10 s rate of steady traffic takes two or three values (MAD 0), and
        // when a neighbour's CPU spike shifts the scrape's phase against the load (38.9 -> 41.7 rps)
        // each new value read as 20 deviations: a false scale-out of a service without a fault in a
        // Docker e2e run. With the floor, 5 % of the level is one deviation (the stage alarms from
        // about 5 deviations sustained: a change of a quarter of the level or more); it applies to
        // every feature, so it is set here, for a 1 s scrape of a constant-rate load generator.
        pipeline: {
          warmupPoints: 90,
          zWindowPoints: 90,
          likelihood: { minPoints: 60, acceptAfterPoints: 30 },
          seasonal: { periodSeconds: 0 },
          // minExcess: the three features that sit at exactly 0 in normal operation have no range of
          // their own, so the rule never judged them and an error spike waited for the likelihood's
          // short average (alarmed 6 s after its first 5xx); each is judged once it leaves 0 by what
          // no healthy service does: a 5 % error ratio (five of the robust z's floors: a few 5xx
          // while a neighbour restarts stay under it), memory growing 1 MiB/s past a replica's
          // first 45 s (four floors), a scratch volume filling at 1 MiB/s
          rangeRule: {
            tolerance: 1,
            minPoints: 150,
            acceptAfterPoints: 150,
            minExcess: { error_ratio: 0.05, memory: 1_048_576, disk: 1_048_576 },
          },
          robustZRelativeFloor: 0.05,
          // Series that sit at 0: memory growth (clamped below), where a 20-60 kB/s GC wobble of a
          // long-lived process read as 20 deviations (the gateway alarmed on it every few minutes in
          // a campaign) and a leak is megabytes per second; the error ratio, where one 5xx at 40 rps
          // (0.0025 for the 10 s rate window) read as 20 and outlasted the alert's hold. And the p95
          // latency, interpolated within the demo histogram's buckets (10, 25, 50, 100 ms: 15-50 ms
          // wide where the services' quiet medians sit, 14-59 ms): a quiet p95 moves by a bucket's
          // width (30 -> 70 ms for 10 s raised an alert outside any fault in a campaign); one
          // deviation is at least 25 ms, so this stage alarms from a p95 about 125 ms above its
          // median sustained (latency faults add 500-900 ms; the range rule judges the p95 as well).
          // Replayed on two recorded campaigns: that alert gone, every fault still detected, each
          // alert's top_feature unchanged.
          robustZAbsoluteFloor: { memory: 262_144, error_ratio: 0.01, latency_p95: 0.025 },
          alarm: { holdPoints: 30 },
        },
        // Demand as context (detector/README.md) by the features' names: request_rate is demand and
        // never alarms on its own; cpu, memory and disk are resources and do not while they move with
        // it. A soak's stress turns (5x the normal rate) raised 11 remediating alerts without it.
        queries: {
          cpu: `sum by (service) (rate(process_cpu_seconds_total{${sel}}[10s]))`,
          // growth of the worst replica past its first 45 s: a young Node process's heap grows at a
          // leak's pace while it starts (up to 10 MB/s in its first 15 s, 1.5-1.8 MB/s at 15-30 s);
          // a level would double with a scale-out and an average over replicas halves a leak in one of
          // two; a leak is a sustained positive slope, so a fall reads 0 (clamp_min), as for disk: a
          // replica entering the max after a restart with a GC's fall of 1.5 MB/s was a step from the
          // 0 before, and the memory rule restarted a service without a fault.
          // Why 45 s, not the two minutes before: in three recorded campaigns (two process fleets, one
          // Docker), this same deriv over 30 s, read at ages 45-120 s, never exceeded what long-lived
          // replicas show (0.66 against 1.03 MB/s at most, outside leaks), and with restarts healing
          // more faults, the next fault on a service often comes within two minutes of its restart:
          // 4 of seed 48460's 8 leaks began on a replica 47-59 s old and were never seen. Replayed
          // with 45 s: all 4 detected, and no alert outside a fault on any of the four runs (60 s: one
          // on seed 27182). The two minutes (from one, dd371f4) came before the robust z's absolute
          // floor and the range rule's smallest excess, which now keep a 0.66 MB/s growth under alarm.
          memory: `max by (service) (clamp_min(deriv(process_resident_memory_bytes{${sel}}[30s]), 0) and on (instance) (time() - process_start_time_seconds{${sel}} > 45)) or max by (service) (deriv(process_resident_memory_bytes{${sel}}[30s])) * 0`,
          latency_p95: `histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket{${sel}}[10s])))`,
          // `or ... * 0`: a service without any 5xx has no error series at all; give it a 0, not a gap
          error_ratio: `(sum by (service) (rate(http_requests_total{${sel},code=~"5.."}[10s])) or sum by (service) (rate(http_requests_total{${sel}}[10s])) * 0) / sum by (service) (rate(http_requests_total{${sel}}[10s]))`,
          request_rate: `sum by (service) (rate(http_requests_total{${sel}}[10s]))`,
          // growth of the fastest-filling replica's scratch volume, not its level: 0 in normal
          // operation, so a filling disk stands out at once whatever its size; a freed volume (a
          // restart, a cleanup) is no fault, so a fall reads 0 too
          disk: `max by (service) (clamp_min(deriv(demo_scratch_used_bytes{${sel}}[15s]), 0))`,
        },
        // the gateway has no scratch volume: no series, no growth
        missing: { disk: 'zero' },
      },
    ],
  };
}
