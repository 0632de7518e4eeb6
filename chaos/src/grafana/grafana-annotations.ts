/**
 * Writes chaos events to Grafana's annotation API (POST /api/annotations) when GRAFANA_URL and
 * GRAFANA_TOKEN are set, so fault windows, detections and actions show on every dashboard.
 * Failures are reported, never fatal: a report matters more than an annotation.
 */
export interface Annotation {
  time: number;
  timeEnd?: number;
  tags: string[];
  text: string;
}

export interface Annotator {
  enabled: boolean;
  annotate(a: Annotation): Promise<void>;
  errors: string[];
}

export function grafanaAnnotator(env: NodeJS.ProcessEnv = process.env, fetchImpl: typeof fetch = fetch): Annotator {
  const url = env.GRAFANA_URL?.replace(/\/+$/, '');
  const token = env.GRAFANA_TOKEN;
  const errors: string[] = [];
  if (!url || !token) return { enabled: false, errors, annotate: async () => {} };
  return {
    enabled: true,
    errors,
    async annotate(a) {
      try {
        const res = await fetchImpl(`${url}/api/annotations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ time: a.time, ...(a.timeEnd ? { timeEnd: a.timeEnd } : {}), tags: ['homeostat', 'chaos', ...a.tags], text: a.text }),
          signal: AbortSignal.timeout(5000),
        });
        if (!res.ok) errors.push(`annotation "${a.text}": HTTP ${res.status}`);
      } catch (e) {
        errors.push(`annotation "${a.text}": ${(e as Error).message}`);
      }
    },
  };
}
