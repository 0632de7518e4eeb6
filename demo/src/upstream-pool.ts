import { DemoError } from './errors';

/** Where a replica came from; each source replaces only its own replicas on refresh. */
export type UpstreamSource = 'static' | 'file' | 'dns' | 'admin';

interface Replica {
  url: string;
  weight: number;
  sources: Set<UpstreamSource>;
  /** Passive health: a replica that refused a connection sits out until this time. */
  ejectedUntil: number;
  /** Smooth weighted round robin state (the nginx algorithm). */
  current: number;
}

export interface ReplicaView {
  url: string;
  weight: number;
  sources: UpstreamSource[];
  ejected: boolean;
  inRotation: boolean;
}

/**
 * The replicas of one backend service and the choice of the next one: smooth weighted round
 * robin, so a 3:1 weighting yields exactly 3 of every 4 requests, evenly interleaved, and a new
 * replica gets its share from the next request on.
 */
export class UpstreamPool {
  private readonly replicas = new Map<string, Replica>();

  constructor(
    readonly service: string,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.replicas.size;
  }

  /** Replaces the replicas `source` contributes with `urls`, keeping weights of ones that stay. */
  setSource(source: UpstreamSource, urls: string[]): void {
    const wanted = new Set(urls.map((u) => normalizeUrl(u)));
    for (const r of [...this.replicas.values()]) {
      if (r.sources.has(source) && !wanted.has(r.url)) {
        r.sources.delete(source);
        if (r.sources.size === 0) this.replicas.delete(r.url);
      }
    }
    for (const url of wanted) this.add(url, source);
  }

  add(rawUrl: string, source: UpstreamSource = 'admin'): ReplicaView {
    const url = normalizeUrl(rawUrl);
    let r = this.replicas.get(url);
    if (!r) {
      r = { url, weight: 1, sources: new Set(), ejectedUntil: 0, current: 0 };
      this.replicas.set(url, r);
    }
    r.sources.add(source);
    return this.view(r);
  }

  /** Removes the replica whatever its source (a discovery source may report it again later). */
  remove(rawUrl: string): boolean {
    return this.replicas.delete(normalizeUrl(rawUrl));
  }

  has(rawUrl: string): boolean {
    return this.replicas.has(normalizeUrl(rawUrl));
  }

  /** Sets weights of listed replicas (others keep theirs); all-or-nothing on unknown urls. */
  setWeights(weights: Record<string, number>): void {
    const entries = Object.entries(weights).map(([u, w]) => [normalizeUrl(u), w, u] as const);
    for (const [url, w, given] of entries) {
      if (!this.replicas.has(url)) {
        throw new DemoError(
          'UNKNOWN_UPSTREAM',
          `${given} is not a replica of ${this.service}`,
          400,
          `weights.${given}`,
        );
      }
      if (!Number.isFinite(w) || w < 0 || w > 1000) {
        throw new DemoError('BAD_REQUEST', `weight must be a number from 0 to 1000`, 400, `weights.${given}`);
      }
    }
    for (const [url, w] of entries) {
      const r = this.replicas.get(url)!;
      r.weight = w;
      r.current = 0;
    }
  }

  eject(rawUrl: string, ms: number): void {
    const r = this.replicas.get(normalizeUrl(rawUrl));
    if (r) r.ejectedUntil = this.now() + ms;
  }

  /** Replicas that receive traffic: weight > 0 and not ejected. */
  inRotation(): number {
    const now = this.now();
    let n = 0;
    for (const r of this.replicas.values()) if (r.weight > 0 && r.ejectedUntil <= now) n++;
    return n;
  }

  /**
   * The next replica, skipping `exclude` (already tried for this request). When every weighted
   * replica is ejected it still picks one: trying a maybe-recovered replica beats failing outright.
   */
  pick(exclude: ReadonlySet<string> = new Set()): string | undefined {
    const now = this.now();
    const weighted = [...this.replicas.values()].filter((r) => r.weight > 0 && !exclude.has(r.url));
    const healthy = weighted.filter((r) => r.ejectedUntil <= now);
    const candidates = healthy.length > 0 ? healthy : weighted;
    if (candidates.length === 0) return undefined;
    let total = 0;
    let best: Replica | undefined;
    for (const r of candidates) {
      r.current += r.weight;
      total += r.weight;
      if (!best || r.current > best.current) best = r;
    }
    best!.current -= total;
    return best!.url;
  }

  list(): ReplicaView[] {
    return [...this.replicas.values()].map((r) => this.view(r));
  }

  private view(r: Replica): ReplicaView {
    const ejected = r.ejectedUntil > this.now();
    return {
      url: r.url,
      weight: r.weight,
      sources: [...r.sources],
      ejected,
      inRotation: r.weight > 0 && !ejected,
    };
  }
}

/** `http://127.0.0.1:8101/` and `http://127.0.0.1:8101` are one replica. */
export function normalizeUrl(raw: string, field = 'url'): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new DemoError('BAD_REQUEST', `"${raw}" is not a URL`, 400, field);
  }
  if (u.protocol !== 'http:')
    throw new DemoError('BAD_REQUEST', `"${raw}": only http:// upstreams are supported`, 400, field);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}
