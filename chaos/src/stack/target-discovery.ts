import { renameSync, writeFileSync } from 'node:fs';
import type { StackTarget } from './prometheus-config';

/**
 * Replicas behind the gateway, read from its admin API (`GET /admin/upstreams`). Accepts the
 * shapes a gateway may answer with: `{ service: [url | {url}] }`, the same under `upstreams`, or
 * a list of `{ service, url }`.
 */
export function upstreamTargets(body: unknown): StackTarget[] {
  const out: StackTarget[] = [];
  const add = (service: string, v: unknown) => {
    const url = typeof v === 'string' ? v : v && typeof v === 'object' && 'url' in v ? String((v as { url: unknown }).url) : null;
    if (!url) return;
    try {
      const u = new URL(url);
      out.push({ service, address: `${u.hostname}:${u.port || 80}` });
    } catch {
      // not a URL: ignore
    }
  };
  const o = body && typeof body === 'object' ? (body as Record<string, unknown>) : null;
  const root = o && 'services' in o ? o.services : o && 'upstreams' in o ? o.upstreams : body;
  if (Array.isArray(root)) {
    for (const e of root) if (e && typeof e === 'object' && 'service' in e) add(String((e as { service: unknown }).service), e);
  } else if (root && typeof root === 'object') {
    for (const [service, v] of Object.entries(root)) {
      const list = Array.isArray(v) ? v : v && typeof v === 'object' && 'replicas' in v ? (v as { replicas: unknown }).replicas : [v];
      if (Array.isArray(list)) for (const x of list) add(service, x);
    }
  }
  return out;
}

/**
 * Prometheus file_sd JSON: one group per target so each carries its own `service` label (and
 * `container`, so a HomeostatTargetDown alert names the replica that is down).
 */
export function fileSdTargets(targets: readonly StackTarget[]): string {
  const seen = new Set<string>();
  const groups = targets
    .filter((t) => (seen.has(t.address) ? false : (seen.add(t.address), true)))
    .map((t) => ({ targets: [t.address], labels: { service: t.service, ...(t.container ? { container: t.container } : {}) } }));
  return JSON.stringify(groups, null, 1);
}

/** Atomic write, so Prometheus never reads a half-written file. */
export function writeFileSd(file: string, targets: readonly StackTarget[]): void {
  writeFileSync(`${file}.tmp`, fileSdTargets(targets));
  renameSync(`${file}.tmp`, file);
}
