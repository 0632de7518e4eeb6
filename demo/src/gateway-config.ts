import { z } from 'zod';

/** `orders=http://127.0.0.1:8101` */
const Assignment = z
  .string()
  .regex(/^[a-z][a-z0-9-]*=\S+$/, 'expected service=value, e.g. orders=http://127.0.0.1:8101');

export const GatewayConfig = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** Repeatable `service=url`; one entry per replica. */
  upstream: z.array(Assignment).default([]),
  /** JSON or YAML file `{ service: [url, ...] }`, re-read when it changes. */
  upstreamsFile: z.string().optional(),
  /** Repeatable `service=host:port`: every address the name resolves to is a replica (Docker DNS). */
  dns: z
    .array(
      z
        .string()
        .regex(/^[a-z][a-z0-9-]*=[^\s:]+:\d+$/, 'expected service=host:port, e.g. orders=orders:8101'),
    )
    .default([]),
  dnsIntervalMs: z.number().int().min(100).max(600_000).default(5000),
  fileIntervalMs: z.number().int().min(100).max(600_000).default(2000),
  /** How long a replica that refused a connection is skipped. */
  ejectMs: z.number().int().min(0).max(600_000).default(5000),
  upstreamTimeoutMs: z.number().int().min(1).max(600_000).default(10_000),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

export function splitAssignment(s: string): [string, string] {
  const i = s.indexOf('=');
  return [s.slice(0, i), s.slice(i + 1)];
}
