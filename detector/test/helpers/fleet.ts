import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';

/**
 * A real instrumented process for the tests: one HTTP /metrics endpoint (prom-client, own
 * registry) reporting CPU and p95 latency for several services. Values follow a smooth daily-like
 * wave with a little deterministic noise; `inject` multiplies one service's values, which is how
 * a test creates an anomaly Prometheus will scrape.
 */
export interface Fleet {
  url: string;
  hostPort: string;
  inject(service: string, fault: { cpu?: number; latency?: number } | null): void;
  /** Replaces the set of services the process reports (series churn: some vanish, new ones appear). */
  setServices(list: readonly string[]): void;
  close(): Promise<void>;
}

export async function startFleet(initial: readonly string[]): Promise<Fleet> {
  let services = [...initial];
  const registry = new Registry();
  const faults = new Map<string, { cpu?: number; latency?: number }>();
  const t0 = Date.now();
  const value = (i: number, base: number, amp: number, salt: number) => {
    const t = (Date.now() - t0) / 1000;
    const wave = Math.sin((2 * Math.PI * t) / 30 + i) * amp;
    const noise = Math.sin(t * 7.3 + salt + i * 1.7) * amp * 0.15;
    return base * (1 + i * 0.2) + wave + noise;
  };
  const cpu: Gauge<'service'> = new Gauge({
    name: 'fleet_cpu_usage_ratio',
    help: 'CPU in use per service (test fleet).',
    labelNames: ['service'],
    registers: [registry],
    collect() {
      cpu.reset();
      services.forEach((s, i) =>
        cpu.set({ service: s }, value(i, 0.3, 0.05, 0.3) * (faults.get(s)?.cpu ?? 1)),
      );
    },
  });
  const latency: Gauge<'service'> = new Gauge({
    name: 'fleet_latency_p95_seconds',
    help: 'p95 latency per service (test fleet).',
    labelNames: ['service'],
    registers: [registry],
    collect() {
      latency.reset();
      services.forEach((s, i) =>
        latency.set({ service: s }, value(i, 0.12, 0.01, 1.1) * (faults.get(s)?.latency ?? 1)),
      );
    },
  });
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (e: Error) => res.writeHead(500).end(e.message),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    inject(service, fault) {
      if (fault) faults.set(service, fault);
      else faults.delete(service);
    },
    setServices(list) {
      services = [...list];
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
