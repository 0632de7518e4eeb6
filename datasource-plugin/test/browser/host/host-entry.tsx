// The host page: what Grafana's frontend does for a plugin, reduced to the parts our plugins touch.
// It provides Grafana's shared modules to an AMD shim (as Grafana's SystemJS loader does), loads the
// plugins' unchanged dist/module.js, wires @grafana/runtime's backendSrv to the (emulated) data proxy,
// and renders panels and editors on demand for the browser tests. Built once per runtime profile
// (Grafana 11.6 + React 18, Grafana 13.2 + React 19) with esbuild: see harness/build-hosts.ts.
import './boot-data';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
import lodash from 'lodash';
import { Observable } from 'rxjs';
// Per profile: what that Grafana shares beyond the common set (esbuild aliases this import).
import { sharedExtras } from 'homeostat-host-profile';

type AnyModule = Record<string, unknown>;

/** Mirrors Grafana's sharedDependencies map for the modules a plugin may list as AMD deps. */
const shared: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  'react-dom/client': ReactDOMClient,
  '@emotion/css': emotionCss,
  '@emotion/react': emotionReact,
  '@grafana/data': grafanaData,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/ui': grafanaUi,
  rxjs,
  'rxjs/operators': rxjsOperators,
  lodash,
  ...sharedExtras,
};

/** Loads an AMD module.js the way Grafana does: fetch, then run it with a `define` that resolves shared modules. */
async function loadAmd(url: string): Promise<AnyModule> {
  const source = await (await fetch(url)).text();
  return new Promise((resolve, reject) => {
    const define = (deps: string[], factory: (...mods: unknown[]) => AnyModule) => {
      try {
        const mods = deps.map((d) => {
          if (d === 'module') {
            return { uri: url };
          }
          if (!(d in shared)) {
            throw new Error(`plugin requires "${d}", which this Grafana does not share`);
          }
          return shared[d];
        });
        resolve(factory(...mods));
      } catch (err) {
        reject(err);
      }
    };
    (define as unknown as { amd: boolean }).amd = true;
    // Same wrapping as Grafana's systemjsHooks: the module sees our define, never a global one.
    // eslint-disable-next-line no-new-func
    new Function('define', `${source}\n//# sourceURL=${url}`)(define);
  });
}

/** Requests in flight by requestId: a new request with the same id cancels the older one, as Grafana's backendSrv does. */
const inFlight = new Map<string, () => void>();

/**
 * Grafana's backendSrv.fetch over window.fetch: errors carry status and the parsed body (FetchError);
 * a request superseded by one with the same `requestId` ends with Grafana's cancelled error
 * ({ cancelled: true, status: -1 }).
 */
const backendSrv = {
  fetch(options: { url: string; method?: string; params?: Record<string, string | number>; data?: unknown; requestId?: string }) {
    return new Observable((sub) => {
      const abort = new AbortController();
      const requestId = options.requestId;
      if (requestId) {
        inFlight.get(requestId)?.();
        inFlight.set(requestId, () => {
          abort.abort();
          sub.error({ cancelled: true, status: -1, statusText: 'Request was aborted', data: null, config: options });
        });
      }
      const done = () => {
        if (requestId && !abort.signal.aborted) {
          inFlight.delete(requestId);
        }
      };
      const qs = options.params ? `?${new URLSearchParams(Object.entries(options.params).map(([k, v]) => [k, String(v)]))}` : '';
      const url = `${options.url}${qs}`;
      window
        .fetch(url, {
          signal: abort.signal,
          method: options.method ?? 'GET',
          headers: options.data === undefined ? {} : { 'content-type': 'application/json' },
          body: options.data === undefined ? undefined : JSON.stringify(options.data),
        })
        .then(async (res) => {
          const text = await res.text();
          done();
          let data: unknown = text;
          try {
            data = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          if (res.ok) {
            sub.next({ data, status: res.status, statusText: res.statusText, ok: true, headers: res.headers, redirected: false, type: 'basic', url, config: options });
            sub.complete();
          } else {
            sub.error({ status: res.status, statusText: res.statusText, data, config: options });
          }
        })
        .catch((err) => {
          if (!abort.signal.aborted) {
            done();
            sub.error({ status: 0, statusText: String(err), data: {}, config: options });
          }
        });
    });
  },
};
grafanaRuntime.setBackendSrv(backendSrv as unknown as grafanaRuntime.BackendSrv);

/** Dashboard variables: the selected values, and every option (what "All" stands for). */
const variables: Record<string, { selected: string[]; options: string[] }> = {};

type Format = string | ((value: unknown, variable: unknown) => string);

/**
 * Grafana's templateSrv.replace as a plugin meets it: `$x` / `${x}`; a single value as text; several
 * values (or "All": every option) through the format given, Grafana's default being a glob `{a,b}`.
 */
function replaceVariables(s: string | undefined, scoped?: grafanaData.ScopedVars, format?: Format) {
  return (s ?? '').replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a, b) => {
    const name = a ?? b;
    const scopedValue = scoped?.[name]?.value;
    if (scopedValue !== undefined) {
      return String(scopedValue);
    }
    const v = variables[name];
    if (!v) {
      return m;
    }
    const value = v.selected.includes('$__all') ? v.options : v.selected;
    const variable = { name, current: { value: v.selected } };
    if (typeof format === 'function') {
      return format(value.length === 1 ? value[0] : value, variable);
    }
    return value.length === 1 ? value[0] : `{${value.join(',')}}`;
  });
}

grafanaRuntime.setTemplateSrv({
  getVariables: () => [],
  containsTemplate: (s?: string) => Boolean(s && s.includes('$')),
  updateTimeRange: () => undefined,
  replace: replaceVariables,
} as unknown as grafanaRuntime.TemplateSrv);

function setVariable(name: string, selected: string[], options: string[]) {
  variables[name] = { selected, options };
}

let theme = grafanaData.createTheme({ colors: { mode: 'dark' } });

/** Switches Grafana's theme (the user's light/dark preference) for what is rendered next, page colours included. */
function setTheme(mode: 'light' | 'dark') {
  theme = grafanaData.createTheme({ colors: { mode } });
  document.body.style.background = theme.colors.background.canvas;
  document.body.style.color = theme.colors.text.primary;
  const panel = document.getElementById('panel')!;
  panel.style.background = theme.colors.background.primary;
  panel.style.borderColor = theme.colors.border.weak;
}

const roots = new Map<string, ReactDOMClient.Root>();

/** Renders into a section of the page, reusing its root as Grafana re-renders a panel. */
function mount(id: string, el: React.ReactElement) {
  let root = roots.get(id);
  if (!root) {
    root = ReactDOMClient.createRoot(document.getElementById(id)!);
    roots.set(id, root);
  }
  root.render(React.createElement(grafanaData.ThemeContext.Provider, { value: theme }, el));
  return root;
}

interface DsSettings {
  uid: string;
  jsonData: Record<string, unknown>;
  secureJsonFields: Record<string, boolean>;
}

const state: {
  plugins: Record<string, AnyModule>;
  settings?: DsSettings;
  savedQuery?: grafanaData.DataQuery;
  /** The query whose result the panel shows now. */
  renderedQuery?: grafanaData.DataQuery;
  queryRuns: number;
  /** Runs started from the query editor; only the latest one's answer is drawn. */
  editorRuns: number;
  lastError?: string;
} = { plugins: {}, queryRuns: 0, editorRuns: 0 };

function pluginOf(id: string) {
  const m = state.plugins[id];
  if (!m) {
    throw new Error(`plugin ${id} not loaded`);
  }
  return m.plugin as AnyModule;
}

function instanceSettings(s: DsSettings) {
  return {
    id: 1,
    uid: s.uid,
    type: 'homeostat-anomaly-datasource',
    name: 'Homeostat',
    access: 'proxy',
    url: `/api/datasources/proxy/uid/${s.uid}`,
    jsonData: s.jsonData,
    meta: { id: 'homeostat-anomaly-datasource', name: 'Homeostat', type: 'datasource', info: {} },
    readOnly: false,
  };
}

function datasource() {
  const DataSourceClass = pluginOf('homeostat-anomaly-datasource').DataSourceClass as new (s: unknown) => grafanaData.DataSourceApi;
  return new DataSourceClass(instanceSettings(state.settings!));
}

function range(fromMs: number, toMs: number): grafanaData.TimeRange {
  const from = grafanaData.dateTime(fromMs);
  const to = grafanaData.dateTime(toMs);
  return { from, to, raw: { from, to } };
}

/** One query run as a panel gets it: frames, plus per-query errors. */
async function queryResponse(targets: grafanaData.DataQuery[], fromMs: number, toMs: number) {
  const ds = datasource();
  const request = {
    requestId: `q${++state.queryRuns}`,
    // one panel: its queries' runs share ids, so a newer run cancels an older one still in flight
    panelId: 1,
    dashboardUID: 'host',
    interval: '15s',
    intervalMs: 15_000,
    range: range(fromMs, toMs),
    scopedVars: {},
    targets,
    timezone: 'utc',
    app: 'dashboard',
    startTime: Date.now(),
  } as unknown as grafanaData.DataQueryRequest;
  const res = await rxjs.lastValueFrom(rxjs.from(Promise.resolve(ds.query(request) as Promise<grafanaData.DataQueryResponse>)));
  return { data: res.data as grafanaData.DataFrame[], errors: res.errors };
}

/** The frames of a run; any query's error fails it (tests that expect partial results use queryResponse). */
async function runQueries(targets: grafanaData.DataQuery[], fromMs: number, toMs: number) {
  const res = await queryResponse(targets, fromMs, toMs);
  if (res.errors?.length) {
    throw new Error(res.errors.map((e) => `${e.refId}: ${e.message}`).join('; '));
  }
  return res.data;
}

function renderPanel(series: grafanaData.DataFrame[], fromMs: number, toMs: number, width: number, height: number, options: Record<string, unknown> = {}) {
  const plugin = pluginOf('homeostat-healing-panel');
  const Panel = plugin.panel as React.ComponentType<Record<string, unknown>>;
  const timeRange = range(fromMs, toMs);
  const defaults = { metric: '', showScore: true, showBands: true, showTimeline: true, showHealth: true, threshold: 1, bandColor: 'red' };
  const container = document.getElementById('panel')!;
  container.style.width = `${width}px`;
  container.style.height = `${height}px`;
  return mount(
    'panel',
    React.createElement(Panel, {
      id: 1,
      data: { series, state: grafanaData.LoadingState.Done, timeRange },
      timeRange,
      timeZone: 'utc',
      options: { ...defaults, ...options },
      fieldConfig: { defaults: {}, overrides: [] },
      width,
      height,
      title: 'Homeostat healing',
      transparent: false,
      renderCounter: 0,
      eventBus: new grafanaData.EventBusSrv(),
      replaceVariables: (s: string) => s,
      onOptionsChange: () => undefined,
      onFieldConfigChange: () => undefined,
      onChangeTimeRange: () => undefined,
    })
  );
}

/** The datasource settings page: ConfigEditor with Grafana's "Save & test". */
function renderConfigEditor() {
  const ConfigEditor = (pluginOf('homeostat-anomaly-datasource').components as AnyModule).ConfigEditor as React.ComponentType<Record<string, unknown>>;
  function SettingsPage() {
    const [options, setOptions] = React.useState<Record<string, unknown>>({
      ...instanceSettings(state.settings!),
      secureJsonFields: state.settings!.secureJsonFields,
      secureJsonData: {},
    });
    const [result, setResult] = React.useState<{ status: string; message: string; run: number } | null>(null);
    const saveAndTest = async () => {
      const run = (result?.run ?? 0) + 1;
      setResult(null);
      const res = await fetch(`/api/datasources/uid/${state.settings!.uid}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonData: options.jsonData, secureJsonData: options.secureJsonData }),
      });
      state.settings = (await res.json()) as DsSettings;
      setOptions({ ...options, secureJsonFields: state.settings.secureJsonFields, secureJsonData: {} });
      const test = await datasource().testDatasource();
      setResult({ status: test.status, message: test.message, run });
    };
    return React.createElement(
      'div',
      null,
      React.createElement(ConfigEditor, { options, onOptionsChange: setOptions }),
      React.createElement(grafanaUi.Button, { onClick: saveAndTest, 'data-testid': 'host-save-test' } as grafanaUi.ButtonProps, 'Save & test'),
      result && React.createElement('div', { 'data-testid': 'host-test-result', 'data-status': result.status, 'data-run': result.run }, result.message)
    );
  }
  return mount('config', React.createElement(SettingsPage));
}

/** The panel editor's query row: QueryEditor; "saving" runs the query and redraws the panel. */
function renderQueryEditor(initial: grafanaData.DataQuery, fromMs: number, toMs: number) {
  const QueryEditor = (pluginOf('homeostat-anomaly-datasource').components as AnyModule).QueryEditor as React.ComponentType<Record<string, unknown>>;
  const ds = datasource();
  function QueryRow() {
    const [query, setQuery] = React.useState(initial);
    const latest = React.useRef(query);
    const onChange = (q: grafanaData.DataQuery) => {
      latest.current = q;
      setQuery(q);
    };
    const onRunQuery = async () => {
      const q = latest.current;
      state.savedQuery = q;
      // Grafana's query runner keeps only the latest run's answer (an older one was cancelled)
      const run = ++state.editorRuns;
      try {
        const series = await runQueries([q], fromMs, toMs);
        if (run !== state.editorRuns) {
          return;
        }
        renderPanel(series, fromMs, toMs, 700, 320);
        state.renderedQuery = q;
        state.lastError = undefined;
      } catch (err) {
        if (run === state.editorRuns) {
          state.lastError = (err as Error).message;
        }
      }
    };
    return React.createElement(QueryEditor, { query, onChange, onRunQuery, datasource: ds });
  }
  return mount('query', React.createElement(QueryRow));
}

async function loadPlugins(ids: string[]) {
  for (const id of ids) {
    state.plugins[id] = await loadAmd(`/public/plugins/${id}/module.js`);
  }
  const res = await fetch('/api/datasources/uid/homeostat');
  state.settings = (await res.json()) as DsSettings;
}

const api = {
  versions: { grafana: grafanaRuntime.config.buildInfo?.version, react: React.version },
  state,
  loadPlugins,
  runQueries,
  queryResponse,
  renderPanel,
  setTheme,
  setVariable,
  renderConfigEditor,
  renderQueryEditor,
  testDatasource: () => datasource().testDatasource(),
  metricFindQuery: async (q: string) => (await datasource().metricFindQuery!(q, {})).map((v) => v.text),
  pluginKinds: () => Object.fromEntries(Object.entries(state.plugins).map(([k, m]) => [k, (m.plugin as object).constructor.name])),
};

(window as unknown as { homeostatHost: typeof api }).homeostatHost = api;
