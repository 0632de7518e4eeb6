import pino, { type Logger } from 'pino';

/** JSON logs on stdout; every request's lines carry trace_id (see service-edge.ts). */
export function createLogger(service: string, env: NodeJS.ProcessEnv = process.env): Logger {
  return pino({ level: env.LOG_LEVEL ?? 'info', base: { service, pid: process.pid } });
}
