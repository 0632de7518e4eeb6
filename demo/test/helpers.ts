import { request } from 'node:http';
import { join } from 'node:path';
import {
  freePort,
  makeTempDir,
  spawnDaemon,
  waitFor,
  type Daemon,
  type PrometheusDaemon,
} from '@homeostat/testkit';

export const TOKEN = 'test-admin-token-1234';
export const AUTH = { authorization: `Bearer ${TOKEN}` };
const BIN = join(__dirname, '..', 'dist', 'bin');

export interface NodeService extends Daemon {
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
}

/**
 * Spawns one of the demo binaries on a free port and waits for /healthz. jest sandboxes
 * process.env, so the env (admin token, OTEL_*) goes through env(1), which execs node in place.
 */
export async function startService(
  bin: 'backend' | 'gateway',
  args: string[],
  env: Record<string, string> = {},
): Promise<NodeService> {
  const port = await freePort();
  const dir = makeTempDir(`demo-${bin}`);
  const vars = Object.entries({ HOMEOSTAT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'info', ...env }).map(
    ([k, v]) => `${k}=${v}`,
  );
  const d = spawnDaemon(
    'env',
    [...vars, process.execPath, join(BIN, `${bin}.js`), '--port', String(port), ...args],
    {
      dir,
      port,
      url: `http://127.0.0.1:${port}`,
      name: bin,
    },
  );
  const exited = new Promise<number | null>((r) => d.child.once('exit', (code) => r(code)));
  await waitFor(
    `${bin} ${args.join(' ')} healthy (log ${d.logFile})`,
    async () => {
      if (d.child.exitCode !== null) throw new Error(`exited with ${d.child.exitCode}`);
      return (await fetch(`${d.url}/healthz`)).ok;
    },
    { timeoutMs: 20_000 },
  );
  return { ...d, exited };
}

export async function admin(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...AUTH, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export interface LoadResult {
  total: number;
  byStatus: Record<string, number>;
  errors: number;
}

/** Bounded load: `concurrency` fetch loops against 127.0.0.1 for `ms`, at most `maxRequests` in all. */
export async function drive(
  url: string,
  {
    ms,
    concurrency = 4,
    method = 'GET',
    maxRequests = 5000,
    headers = {},
  }: {
    ms: number;
    concurrency?: number;
    method?: string;
    maxRequests?: number;
    headers?: Record<string, string>;
  },
): Promise<LoadResult> {
  if (!url.startsWith('http://127.0.0.1:')) throw new Error('load only goes to 127.0.0.1');
  const deadline = Date.now() + ms;
  const result: LoadResult = { total: 0, byStatus: {}, errors: 0 };
  const loop = async () => {
    while (Date.now() < deadline && result.total < maxRequests) {
      result.total++;
      try {
        const res = await fetch(url, { method, headers, signal: AbortSignal.timeout(15_000) });
        await res.arrayBuffer();
        result.byStatus[res.status] = (result.byStatus[res.status] ?? 0) + 1;
      } catch {
        result.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return result;
}

/** Keeps a load running in the background until stop() (bounded by `ms` anyway). */
export function backgroundLoad(
  url: string,
  opts: Parameters<typeof drive>[1],
): { stop: () => Promise<LoadResult> } {
  let stopFlag = false;
  const p = (async () => {
    const total: LoadResult = { total: 0, byStatus: {}, errors: 0 };
    const deadline = Date.now() + opts.ms;
    while (!stopFlag && Date.now() < deadline) {
      const r = await drive(url, { ...opts, ms: Math.min(500, deadline - Date.now()) });
      total.total += r.total;
      total.errors += r.errors;
      for (const [k, v] of Object.entries(r.byStatus)) total.byStatus[k] = (total.byStatus[k] ?? 0) + v;
    }
    return total;
  })();
  return {
    stop: async () => {
      stopFlag = true;
      return p;
    },
  };
}

/** One request on a fresh connection; resolves with the status or 'reset' when the connection was dropped. */
export function rawGet(url: string): Promise<number | 'reset'> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve('reset'));
    });
    req.on('error', () => resolve('reset'));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** The single value of an instant query, or undefined when it has no sample. */
export async function scalar(prom: PrometheusDaemon, expr: string): Promise<number | undefined> {
  const r = await prom.query(expr);
  if (r.length === 0) return undefined;
  return Number(r[0].value[1]);
}

/** Waits until the query's value satisfies `ok`, and returns it. */
export async function waitForValue(
  prom: PrometheusDaemon,
  expr: string,
  ok: (v: number) => boolean,
  timeoutMs = 20_000,
): Promise<number> {
  let last: number | undefined;
  try {
    return await waitFor(
      expr,
      async () => {
        last = await scalar(prom, expr);
        return last !== undefined && ok(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 500 },
    );
  } catch (e) {
    throw new Error(`${(e as Error).message} (last value: ${last})`);
  }
}

export function hostPort(url: string): string {
  return url.replace(/^http:\/\//, '');
}
