import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page, chromium } from 'playwright-core';
import { buildHost, PROFILES, ProfileName } from './build-hosts';
import { DataProxy, readProvisionedDatasource } from './data-proxy';
import { HostServer, startHostServer } from './host-server';
import { DETECTOR_TOKEN, REMEDIATOR_READER_TOKEN, Stack, startStack } from './stack';

const repoRoot = join(__dirname, '../../../..');
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];
export const PLUGIN_IDS = ['homeostat-anomaly-datasource', 'homeostat-healing-panel'];
/** What Grafana holds for the remediator: a read credential, distinct from the webhook token it accepts for writes. */
export { REMEDIATOR_READER_TOKEN };

/** Everything one browser test file needs: services, data proxy, host server, Chromium. */
export interface Session {
  stack: Stack;
  proxy: DataProxy;
  server: HostServer;
  browser: Browser;
  outDir: string;
  versions: Record<ProfileName, { grafana: string; react: string }>;
  close(): Promise<void>;
}

export async function startSession(outDir: string): Promise<Session> {
  mkdirSync(outDir, { recursive: true });
  const versions = {} as Session['versions'];
  for (const p of PROFILE_NAMES) {
    const built = await buildHost(p, join(outDir, 'hosts'));
    versions[p] = { grafana: built.grafana, react: built.react };
  }
  // The tokens the provisioning file reads from Grafana's environment: the detector gateway's, and a
  // remediator reader token (the remediator's reads need none today); never its webhook token.
  const env = { ...process.env, HOMEOSTAT_DETECTOR_TOKEN: DETECTOR_TOKEN, HOMEOSTAT_REMEDIATOR_TOKEN: REMEDIATOR_READER_TOKEN };
  const settings = readProvisionedDatasource(join(repoRoot, 'provisioning/grafana/datasources/homeostat.yaml'), 'homeostat', env);
  const stack = await startStack();
  let server: HostServer | undefined;
  try {
    const pluginJson = (await import(join(repoRoot, 'datasource-plugin/dist/plugin.json'))) as { routes: never[] };
    const proxy = new DataProxy(settings, pluginJson.routes);
    // The provisioned URLs name the compose services; here they point at this test's processes.
    proxy.setJsonData({ detectorUrl: stack.detectorUrl, remediatorUrl: stack.remediatorUrl });
    server = await startHostServer({
      hostsDir: join(outDir, 'hosts'),
      plugins: {
        'homeostat-anomaly-datasource': join(repoRoot, 'datasource-plugin/dist'),
        'homeostat-healing-panel': join(repoRoot, 'panel-plugin/dist'),
      },
      proxy,
    });
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const s = server;
    return {
      stack,
      proxy,
      server: s,
      browser,
      outDir,
      versions,
      async close() {
        await browser.close();
        await s.close();
        await stack.stop();
      },
    };
  } catch (err) {
    await server?.close();
    await stack.stop();
    throw err;
  }
}

/** A fresh page on the host for one profile, both plugins loaded from their dist/ (unchanged). */
export async function openHost(session: Session, profile: ProfileName, width = 1000): Promise<{ page: Page; errors: string[] }> {
  const page = await session.browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // a failed request is reported with its URL below
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      errors.push(m.text());
    }
  });
  page.on('response', (r) => {
    if (r.status() === 404) {
      errors.push(`HTTP 404 ${r.url()}`);
    }
  });
  await page.goto(`${session.server.url}/host/${profile}.html`);
  await page.waitForFunction(() => 'homeostatHost' in window, undefined, { timeout: 60_000 });
  await page.evaluate((ids) => (window as unknown as HostWindow).homeostatHost.loadPlugins(ids), PLUGIN_IDS);
  return { page, errors };
}

/** The host page's API (host/host-entry.tsx), as seen from page.evaluate. */
export interface HostWindow {
  homeostatHost: {
    versions: { grafana: string; react: string };
    state: { savedQuery?: Record<string, unknown>; renderedQuery?: Record<string, unknown>; lastError?: string; settings?: { jsonData: Record<string, unknown>; secureJsonFields: Record<string, boolean> } };
    loadPlugins(ids: string[]): Promise<void>;
    runQueries(targets: Array<Record<string, unknown>>, from: number, to: number): Promise<unknown[]>;
    queryResponse(targets: Array<Record<string, unknown>>, from: number, to: number): Promise<{ data: unknown[]; errors?: Array<{ refId?: string; message?: string }> }>;
    renderPanel(series: unknown[], from: number, to: number, width: number, height: number, options?: Record<string, unknown>): void;
    setTheme(mode: 'light' | 'dark'): void;
    setVariable(name: string, selected: string[], options: string[]): void;
    renderConfigEditor(): void;
    renderQueryEditor(query: Record<string, unknown>, from: number, to: number): void;
    testDatasource(): Promise<{ status: string; message: string }>;
    metricFindQuery(q: string): Promise<string[]>;
    pluginKinds(): Record<string, string>;
  };
}
