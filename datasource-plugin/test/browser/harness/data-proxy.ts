import { readFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'yaml';

/**
 * Grafana's data proxy for one datasource, as the plugin meets it: the browser calls
 * `/api/datasources/proxy/uid/<uid>/<route path>/...`, the proxy matches a `routes[]` entry of
 * plugin.json, fills `{{ .JsonData.x }}` / `{{ .SecureJsonData.x }}` into its URL and headers, and
 * forwards. Settings start from the provisioning file (secureJsonData `$VAR`s expanded from the
 * environment, as Grafana does at start-up); saving the ConfigEditor updates them
 * (PUT /api/datasources/uid/<uid>). Secrets never go back to the browser.
 */

interface Route {
  path: string;
  method?: string;
  url: string;
  headers?: Array<{ name: string; content: string }>;
}

export interface DatasourceSettings {
  uid: string;
  type: string;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

/** Expands `$VAR` / `${VAR}` like Grafana's provisioning ($$ is a literal $). */
export function expandEnv(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (m, a, b) => (m === '$$' ? '$' : (env[a ?? b] ?? '')));
}

export function readProvisionedDatasource(file: string, uid: string, env: NodeJS.ProcessEnv): DatasourceSettings {
  const doc = parse(readFileSync(file, 'utf8')) as {
    datasources: Array<{ uid: string; type: string; jsonData?: Record<string, unknown>; secureJsonData?: Record<string, string> }>;
  };
  const ds = doc.datasources.find((d) => d.uid === uid);
  if (!ds) {
    throw new Error(`${file} provisions no datasource with uid ${uid}`);
  }
  return {
    uid,
    type: ds.type,
    jsonData: { ...(ds.jsonData ?? {}) },
    secureJsonData: Object.fromEntries(Object.entries(ds.secureJsonData ?? {}).map(([k, v]) => [k, expandEnv(String(v), env)])),
  };
}

function fill(template: string, s: DatasourceSettings): string {
  return template
    .replace(/\{\{\s*\.JsonData\.(\w+)\s*\}\}/g, (_m, k) => String(s.jsonData[k] ?? ''))
    .replace(/\{\{\s*\.SecureJsonData\.(\w+)\s*\}\}/g, (_m, k) => s.secureJsonData[k] ?? '');
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) {
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface ProxiedRequest {
  method: string;
  upstream: string;
  authorization?: string;
}

export class DataProxy {
  /** Every upstream call, for tests that check what the proxy sent (e.g. the injected token). */
  readonly log: ProxiedRequest[] = [];

  constructor(
    private settings: DatasourceSettings,
    private readonly routes: Route[]
  ) {}

  /** What GET /api/datasources/uid/<uid> returns to the browser: secure fields as booleans only. */
  publicSettings() {
    const { secureJsonData, ...rest } = this.settings;
    return { ...rest, secureJsonFields: Object.fromEntries(Object.entries(secureJsonData).map(([k, v]) => [k, v !== ''])) };
  }

  /** Points a route at another upstream, as an admin editing the datasource would. */
  setJsonData(patch: Record<string, unknown>) {
    this.settings = { ...this.settings, jsonData: { ...this.settings.jsonData, ...patch } };
  }

  /** Handles /api/datasources/...; returns false for other paths. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://host');
    const settingsPath = `/api/datasources/uid/${this.settings.uid}`;
    if (url.pathname === settingsPath) {
      if (req.method === 'PUT') {
        const update = JSON.parse((await body(req)).toString() || '{}') as {
          jsonData?: Record<string, unknown>;
          secureJsonData?: Record<string, string>;
        };
        const secure = Object.fromEntries(Object.entries(update.secureJsonData ?? {}).filter(([, v]) => v !== undefined));
        this.settings = {
          ...this.settings,
          jsonData: update.jsonData ?? this.settings.jsonData,
          secureJsonData: { ...this.settings.secureJsonData, ...secure },
        };
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.publicSettings()));
      return true;
    }
    const prefix = `/api/datasources/proxy/uid/${this.settings.uid}/`;
    if (!url.pathname.startsWith(prefix)) {
      return false;
    }
    const rest = url.pathname.slice(prefix.length);
    // Longest matching route path wins, like Grafana's.
    const route = [...this.routes]
      .sort((a, b) => b.path.length - a.path.length)
      .find((r) => (rest === r.path || rest.startsWith(`${r.path}/`)) && (!r.method || r.method.split(',').includes(req.method ?? 'GET')));
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'no route matched' }));
      return true;
    }
    const base = fill(route.url, this.settings).replace(/\/$/, '');
    const upstream = `${base}${rest.slice(route.path.length)}${url.search}`;
    const headers: Record<string, string> = {};
    for (const h of route.headers ?? []) {
      headers[h.name.toLowerCase()] = fill(h.content, this.settings);
    }
    if (req.headers['content-type']) {
      headers['content-type'] = req.headers['content-type'];
    }
    this.log.push({ method: req.method ?? 'GET', upstream, authorization: headers.authorization });
    const payload = req.method === 'GET' || req.method === 'HEAD' ? undefined : new Uint8Array(await body(req));
    try {
      const r = await fetch(upstream, { method: req.method, headers, body: payload, signal: AbortSignal.timeout(30_000) });
      const text = Buffer.from(await r.arrayBuffer());
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/octet-stream' }).end(text);
    } catch (err) {
      // What Grafana answers when the upstream cannot be reached.
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `Bad Gateway: ${(err as Error).message}` }));
    }
    return true;
  }
}
