/**
 * The detector service's config for the demo fleet: the five per-service features of
 * docs/architecture.md and the growth of each backend's scratch volume, scored every second so a
 * chaos run sees detection within seconds.
 * Rates use a 10 s window instead of 1 m: a 1 s scrape gives enough points and faults show sooner.
 * A 3-minute training window makes the models warm (half a window of samples, then 60 points of
 * likelihood history; the first rates need ~10 s of scrapes) after ~165 s, which is what a chaos run can afford; a production config uses hours (detector/examples/demo-fleet.yml).
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
    // the receiver takes spans only with this token, which the services' exporters send; reads need no
    // token, like the remediator's audit API
    auth: { traceTokens: [{ file: i.traceTokenFile }], anonymousReads: true },
    detectors: [
      {
        name: 'demo',
        groupBy: ['service'],
        intervalSeconds: 1,
        trainingWindowSeconds: i.trainingWindowSeconds ?? 180,
        refitIntervalSeconds: 30,
        // 0.5 % of training points above 1 instead of 1 %: scored every second, 1 % is a false alarm a
        // minute per service; the chaos faults are far beyond either threshold
        sensitivity: 0.5,
        // The pipeline's defaults count points for hours of history (300 points of likelihood history);
        // a chaos run has minutes: 60 points. The range rule keeps its default (after 1000 points, so not
        // in a run this short: early on every new extreme is "beyond everything seen" and it raised most
        // of the false alarms of a quiet 10 minutes). The alarm gate's hold is 30 s, like keep_firing_for.
        // robustZRelativeFloor: a 10 s rate of steady traffic takes two or three values (MAD 0), and
        // when a neighbour's CPU spike shifts the scrape's phase against the load (38.9 -> 41.7 rps)
        // each new value read as 20 deviations: a false scale-out of a service without a fault in a
        // Docker e2e run; under 10 % of the level is now under one deviation.
        pipeline: { likelihood: { minPoints: 60 }, alarm: { holdPoints: 30 }, robustZRelativeFloor: 0.1 },
        queries: {
          cpu: `sum by (service) (rate(process_cpu_seconds_total{${sel}}[10s]))`,
          // growth per replica, not the level: a young Node process's heap keeps growing for minutes
          // and a scale-out doubles a sum, and a 3-minute model read both as anomalies; a leak is a
          // sustained positive slope whatever the replica count
          memory: `avg by (service) (deriv(process_resident_memory_bytes{${sel}}[30s]))`,
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
