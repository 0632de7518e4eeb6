import { z } from 'zod';
import { ServiceName } from './personality';

/** A backend's settings; from the command line (`--service orders --port 8101`) or env. */
export const BackendConfig = z.object({
  service: z.enum(ServiceName),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8101),
  /** Requests processed concurrently; beyond it they queue. */
  workers: z.number().int().min(1).max(1024).default(16),
  queueLimit: z.number().int().min(0).max(100_000).default(200),
  queueTimeoutMs: z.number().int().min(1).max(60_000).default(2000),
  dbPoolSize: z.number().int().min(1).max(1000).default(10),
  dbAcquireTimeoutMs: z.number().int().min(1).max(60_000).default(1000),
  cacheEnabled: z.boolean().default(true),
  /** Short on purpose: a database problem reaches cached reads within seconds, as with real hot keys. */
  cacheTtlMs: z.number().int().min(1).default(5000),
  /** Multiplies every operation's CPU and query time: > 1 makes the service heavier. */
  workScale: z.number().positive().max(100).default(1),
  /**
   * The scratch volume: where temporary files (the disk fault's too) go and whose usage
   * demo_scratch_used_bytes reports. Default: a fresh dir per process in the OS temp dir, removed on exit.
   */
  scratchDir: z.string().optional(),
});
export type BackendConfig = z.infer<typeof BackendConfig>;
