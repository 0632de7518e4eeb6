import { readFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { posix } from 'node:path';
import { parse } from 'yaml';

/**
 * Grafana's data proxy for one datasource, as the plugin meets it: the browser calls
 * `/api/datasources/proxy/uid/<uid>/<proxy path>`, the proxy picks a `routes[]` entry of plugin.json,
 * fills `{{ .JsonData.x }}` / `{{ .SecureJsonData.x }}` into its URL and headers, and forwards.
 * Grafana's rules, kept here so a test sees what a user of a real Grafana would
 * (pkg/api/pluginproxy/ds_proxy.go `validateRequest`, `hasAccessToRoute`, `HandleRequest`):
 * - routes are tried in plugin.json order; the first whose `method` ("" and "*" mean any) equals the
 *   request's and whose cleaned `path` is a string prefix of the cleaned proxy path wins;
 * - the winner's `reqAction` (RBAC) or else `reqRole` is checked against the signed-in user; a miss
 *   answers 403 "plugin proxy route access denied" (no later route is tried);
 * - a request no route matches goes to the datasource's own `url` without any route's headers
 *   (our datasource has none: Grafana's reverse proxy then fails with 502);
 * - an upstream 401 reaches the browser as 400 "Authentication to data source failed".
 * Settings start from the provisioning file (secureJsonData `$VAR`s expanded from the environment,
 * as Grafana does at start-up); saving the ConfigEditor updates them (PUT /api/datasources/uid/<uid>,
 * Admin only). Secrets never go back to the browser.
 */

export const ORG_ROLES = ['Viewer', 'Editor', 'Admin'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export interface Route {
  path: string;
  method?: string;
  url: string;
  reqRole?: OrgRole;
  reqAction?: string;
  headers?: Array<{ name: string; content: string }>;
}

export interface DatasourceSettings {
  uid: string;
  type: string;
  /** The datasource's own URL: where requests that match no route go. */
  url: string;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

/** Grafana's text when the upstream answered 401 (the status becomes 400). */
export const AUTH_FAILED_MESSAGE = 'Authentication to data source failed';
export const ROUTE_DENIED_MESSAGE = 'plugin proxy route access denied';

/** Expands `$VAR` / `${VAR}` like Grafana's provisioning ($$ is a literal $). */
export function expandEnv(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (m, a, b) => (m === '$$' ? '$' : (env[a ?? b] ?? '')));
}

export function readProvisionedDatasource(file: string, uid: string, env: NodeJS.ProcessEnv): DatasourceSettings {
  const doc = parse(readFileSync(file, 'utf8')) as {
    datasources: Array<{
      uid: string;
      type: string;
      url?: string;
      jsonData?: Record<string, unknown>;
      secureJsonData?: Record<string, string>;
    }>;
  };
  const ds = doc.datasources.find((d) => d.uid === uid);
  if (!ds) {
    throw new Error(`${file} provisions no datasource with uid ${uid}`);
  }
  return {
    uid,
    type: ds.type,
    url: ds.url ?? '',
    jsonData: { ...(ds.jsonData ?? {}) },
    secureJsonData: Object.fromEntries(Object.entries(ds.secureJsonData ?? {}).map(([k, v]) => [k, expandEnv(String(v), env)])),
  };
}

function fill(template: string, s: DatasourceSettings): string {
  return template
    .replace(/\{\{\s*\.JsonData\.(\w+)\s*\}\}/g, (_m, k) => String(s.jsonData[k] ?? ''))
    .replace(/\{\{\s*\.SecureJsonData\.(\w+)\s*\}\}/g, (_m, k) => s.secureJsonData[k] ?? '');
}

/** Go's filepath.Clean on a relative path as Grafana's plugins.CleanRelativePath uses it ("" stays ""). */
function cleanRelative(p: string): string {
  if (p === '') {
    return '';
  }
  const c = posix.normalize(`/${p}`).replace(/^\/+/, '').replace(/\/$/, '');
  return c;
}

/** Go's util.JoinURLFragments: one slash between the route URL's path and the rest of the proxy path. */
function joinUrlFragments(a: string, b: string): string {
  if (b === '') {
    return a;
  }
  const aSlash = a.endsWith('/');
  const bSlash = b.startsWith('/');
  if (aSlash && bSlash) {
    return a + b.slice(1);
  }
  return !aSlash && !bSlash ? `${a}/${b}` : a + b;
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

export type RouteDecision = { route: Route } | { denied: true } | { route: undefined };

export class DataProxy {
  /** Every upstream call, for tests that check what the proxy sent (e.g. the injected token). */
  readonly log: ProxiedRequest[] = [];
  /** The signed-in user's org role: tests act as a Viewer unless they say otherwise. */
  role: OrgRole = 'Viewer';
  /** RBAC actions the user holds (reqAction routes); none unless a test grants them. */
  permissions = new Set<string>();

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

  /** Grafana's route choice for one request (ds_proxy.go validateRequest). */
  matchRoute(method: string, proxyPath: string): RouteDecision {
    const wanted = cleanRelative(proxyPath);
    for (const route of this.routes) {
      if (route.method && route.method !== '*' && route.method !== method) {
        continue;
      }
      if (!wanted.startsWith(cleanRelative(route.path))) {
        continue;
      }
      const allowed = route.reqAction
        ? this.permissions.has(route.reqAction)
        : !route.reqRole || ORG_ROLES.indexOf(this.role) >= ORG_ROLES.indexOf(route.reqRole);
      return allowed ? { route } : { denied: true };
    }
    return { route: undefined };
  }

  /** Handles /api/datasources/...; returns false for other paths. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://host');
    const method = req.method ?? 'GET';
    const settingsPath = `/api/datasources/uid/${this.settings.uid}`;
    if (url.pathname === settingsPath) {
      if (method === 'PUT') {
        if (this.role !== 'Admin') {
          // datasources:write belongs to Admins by default
          res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Permission denied' }));
          return true;
        }
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
    const proxyPath = url.pathname.slice(prefix.length);
    const decision = this.matchRoute(method, proxyPath);
    if ('denied' in decision) {
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ message: ROUTE_DENIED_MESSAGE }));
      return true;
    }
    const headers: Record<string, string> = {};
    let upstream: string;
    if (decision.route) {
      const route = decision.route;
      const filled = fill(route.url, this.settings);
      if (!URL.canParse(filled)) {
        // an empty or broken URL setting: Grafana logs it and its reverse proxy fails
        res.writeHead(502).end();
        return true;
      }
      const { origin } = new URL(filled);
      // the route URL's path as written ("" for http://host:port), like Go's url.Parse
      const routePath = filled.slice(origin.length).split('?')[0];
      const rest = proxyPath.startsWith(route.path) ? proxyPath.slice(route.path.length) : proxyPath;
      upstream = `${origin}${joinUrlFragments(routePath, rest)}${url.search}`;
      for (const h of route.headers ?? []) {
        headers[h.name.toLowerCase()] = fill(h.content, this.settings);
      }
    } else if (this.settings.url) {
      upstream = `${joinUrlFragments(this.settings.url, proxyPath)}${url.search}`;
    } else {
      // No route and no datasource URL: Grafana's reverse proxy has no host to send to.
      res.writeHead(502).end();
      return true;
    }
    if (req.headers['content-type']) {
      headers['content-type'] = req.headers['content-type'];
    }
    this.log.push({ method, upstream, authorization: headers.authorization });
    const payload = method === 'GET' || method === 'HEAD' ? undefined : new Uint8Array(await body(req));
    try {
      const r = await fetch(upstream, { method, headers, body: payload, signal: AbortSignal.timeout(30_000) });
      const text = Buffer.from(await r.arrayBuffer());
      if (r.status === 401) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(AUTH_FAILED_MESSAGE);
        return true;
      }
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/octet-stream' }).end(text);
    } catch {
      // What Grafana answers when the upstream cannot be reached.
      res.writeHead(502).end();
    }
    return true;
  }
}
