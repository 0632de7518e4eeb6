import { metricNature } from './metric-kind';

describe('metricNature', () => {
  it.each([
    // PetShop (CloudWatch / X-Ray statistics)
    ['latency_p99', 'latency', 1],
    ['availability_average', 'errors', -1],
    ['requests_sum', 'traffic', 0],
    // the demo fleet's detector queries
    ['cpu', 'saturation', 1],
    ['memory', 'saturation', 1],
    ['latency_p95', 'latency', 1],
    ['error_ratio', 'errors', 1],
    ['request_rate', 'traffic', 0],
    ['disk', 'saturation', 1],
    // Prometheus and exporter conventions
    ['process_cpu_seconds_total', 'saturation', 1],
    ['http_request_duration_seconds_count', 'traffic', 0],
    ['http_request_duration_seconds', 'latency', 1],
    ['http_requests_total', 'traffic', 0],
    ['node_network_receive_errs_total', 'errors', 1],
    ['kube_deployment_status_replicas_unavailable', 'errors', 1],
    ['node_load1', 'saturation', 1],
    ['process_open_fds', 'saturation', 1],
    ['up', 'errors', -1],
    // RCAEval-style service columns
    ['latency-50', 'latency', 1],
    ['workload', 'traffic', 0],
    ['mem', 'saturation', 1],
    ['disk_io', 'saturation', 1],
    ['temperature', 'other', 0],
  ])('%s is %s, bad direction %d', (metric, kind, direction) => {
    expect(metricNature(metric)).toEqual({ kind, direction });
  });
});
