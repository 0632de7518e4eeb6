/**
 * @jest-environment node
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  HostWindow,
  PROFILE_NAMES,
  REMEDIATOR_READER_TOKEN,
  Session,
  openHost,
  startSession,
} from './browser/harness/browser-session';
import { DETECTOR_TOKEN, REMEDIATOR_TOKEN } from './browser/harness/stack';

// Starts Prometheus, the detector and the remediator, builds two host bundles, runs Chromium.
jest.setTimeout(300_000);

const outDir = join(__dirname, '../test-output');
let session: Session;

beforeAll(async () => {
  session = await startSession(outDir);
}, 300_000);

afterAll(async () => {
  await session?.close();
});

interface Frame {
  name?: string;
  meta?: { custom?: Record<string, unknown> };
  fields: Array<{
    name: string;
    values: unknown[];
    config: Record<string, unknown>;
    labels?: Record<string, string>;
  }>;
}

function field(frame: Frame, name: string) {
  const f = frame.fields.find((x) => x.name === name);
  if (!f) {
    throw new Error(`frame ${frame.name} has no field ${name}`);
  }
  return f;
}

describe.each(PROFILE_NAMES)('datasource plugin dist/ on %s', (profile) => {
  let page: Page;
  let errors: string[];
  const from = () => session.stack.now - 3600_000;
  const to = () => session.stack.now;

  beforeAll(async () => {
    ({ page, errors } = await openHost(session, profile));
  });
  afterAll(async () => {
    await page?.close();
  });

  it('runs on the profile it claims (Grafana and React versions) and loads both plugins', async () => {
    const versions = await page.evaluate(() => (window as unknown as HostWindow).homeostatHost.versions);
    expect(versions.grafana).toBe(session.versions[profile].grafana);
    expect(versions.react.split('.')[0]).toBe(profile === 'grafana-13.2' ? '19' : '18');
    const kinds = await page.evaluate(() => (window as unknown as HostWindow).homeostatHost.pluginKinds());
    expect(kinds).toEqual({
      'homeostat-anomaly-datasource': 'DataSourcePlugin',
      'homeostat-healing-panel': 'PanelPlugin',
    });
  });

  it('passes "Save & test" through the data proxy, which injects the provisioned tokens', async () => {
    const before = session.proxy.log.length;
    const res = await page.evaluate(() => (window as unknown as HostWindow).homeostatHost.testDatasource());
    expect(res).toMatchObject({ status: 'success' });
    expect(res.message).toMatch(/detector OK \(1 detector: fleet\)/);
    expect(res.message).toMatch(/remediator OK \(1 incident/);
    const log = session.proxy.log.slice(before);
    const sent = log.filter((r) => r.upstream.startsWith(session.stack.detectorUrl));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => r.authorization === `Bearer ${DETECTOR_TOKEN}`)).toBe(true);
    expect(log.filter((r) => r.upstream.startsWith(session.stack.remediatorUrl))[0].authorization).toBe(
      `Bearer ${REMEDIATOR_READER_TOKEN}`,
    );
    // Grafana never holds, so never sends, the remediator's webhook token
    expect(session.proxy.log.some((r) => r.authorization?.includes(REMEDIATOR_TOKEN))).toBe(false);
  });

  it('refuses a Viewer every write (kill switch, approval, forged alert) at the proxy; the remediator never sees one', async () => {
    session.proxy.role = 'Viewer';
    const before = session.proxy.log.length;
    const statuses = await page.evaluate(async () => {
      const base = '/api/datasources/proxy/uid/homeostat/remediator/api/v1';
      const send = (method: string, path: string, body: unknown) =>
        fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
          (r) => r.status,
        );
      return [
        await send('PUT', '/kill-switch', { engaged: true }),
        await send('POST', '/actions/any/approve', {}),
        await send('POST', '/alerts/alertmanager', { alerts: [] }),
      ];
    });
    expect(statuses.every((s) => s >= 400)).toBe(true);
    expect(session.proxy.log.slice(before)).toEqual([]);
    const killSwitch = (await (
      await fetch(`${session.stack.remediatorUrl}/api/v1/kill-switch`, { headers: { authorization: `Bearer ${REMEDIATOR_READER_TOKEN}` } })
    ).json()) as { engaged: boolean };
    expect(killSwitch.engaged).toBe(false);
  });

  it('keeps the scores when the remediator is down; only the timeline query carries an error', async () => {
    session.proxy.setJsonData({ remediatorUrl: 'http://127.0.0.1:9' });
    try {
      const res = await page.evaluate(
        ([f, t]) =>
          (window as unknown as HostWindow).homeostatHost.queryResponse(
            [
              { refId: 'A', queryType: 'scores', detector: 'fleet', entity: 'service="orders"' },
              { refId: 'T', queryType: 'timeline', service: 'orders' },
            ],
            f,
            t,
          ),
        [from(), to()],
      );
      expect((res.data as Frame[]).map((f) => field(f, 'score').labels?.service)).toEqual(['orders']);
      expect(res.errors).toEqual([expect.objectContaining({ refId: 'T', message: expect.stringMatching(/remediator unreachable/) })]);
    } finally {
      session.proxy.setJsonData({ remediatorUrl: session.stack.remediatorUrl });
    }
  });

  it('replays the detector over the range: the orders anomaly scores above 1 where it was, payments stays below', async () => {
    const frames = (await page.evaluate(
      ([f, t]) =>
        (window as unknown as HostWindow).homeostatHost.runQueries(
          [{ refId: 'A', queryType: 'scores', detector: 'fleet' }],
          f,
          t,
        ),
      [from(), to()],
    )) as Frame[];
    expect(frames.map((f) => field(f, 'score').labels?.service).sort()).toEqual(['orders', 'payments']);
    const orders = frames.find((f) => field(f, 'score').labels?.service === 'orders')!;
    const times = field(orders, 'time').values as number[];
    const flagged = times.filter((_, i) => field(orders, 'anomaly').values[i] === true);
    expect(flagged.length).toBeGreaterThan(0);
    const { start, end } = session.stack.anomaly;
    // the model is statistical: a stray point may cross 1 elsewhere, but the anomaly dominates
    const inside = (t: number) => t >= start && t <= end + 60_000;
    const windowPoints = times.filter((t) => t >= start && t <= end);
    expect(flagged.filter(inside).length).toBeGreaterThan(flagged.length / 2);
    expect(flagged.filter((t) => t >= start && t <= end).length).toBeGreaterThan(windowPoints.length * 0.8);
    const scores = field(orders, 'score').values as Array<number | null>;
    const peak = scores.indexOf(Math.max(...scores.map((v) => v ?? -Infinity)));
    expect(inside(times[peak])).toBe(true);
    expect(scores[peak]).toBeGreaterThan(1);
    expect(
      (field(orders, 'score').config.thresholds as { steps: Array<{ value: number }> }).steps[1].value,
    ).toBe(1);
    expect(field(orders, 'latency_p95').config.unit).toBe('s');
    const payments = frames.find((f) => f !== orders)!;
    expect((field(payments, 'anomaly').values as boolean[]).filter(Boolean).length).toBeLessThan(
      flagged.length,
    );
  });

  it('returns anomaly events, and the healing timeline with the action and its verification', async () => {
    const [events, timeline] = (await page.evaluate(
      ([f, t]) =>
        (window as unknown as HostWindow).homeostatHost.runQueries(
          [
            { refId: 'E', queryType: 'events', detector: 'fleet', entity: 'service="orders"' },
            { refId: 'T', queryType: 'timeline', service: 'orders' },
          ],
          f,
          t + 3600_000,
        ),
      [from(), to()],
    )) as Frame[];
    const starts = field(events, 'time').values as number[];
    expect(starts.length).toBeGreaterThan(0);
    expect(starts.some((s) => Math.abs(s - session.stack.anomaly.start) <= 5 * 60_000)).toBe(true);
    expect(field(events, 'topFeatures').values.join(',')).toMatch(/cpu|latency_p95|error_ratio/);
    const kinds = field(timeline, 'kind').values;
    expect(kinds).toEqual(expect.arrayContaining(['anomaly', 'action', 'verification']));
    const action = kinds.indexOf('action');
    expect(field(timeline, 'status').values[action]).toBe('succeeded');
    expect(JSON.parse(field(timeline, 'detail').values[action] as string).reason).toMatch(/cpu-saturation/);
  });

  it('sends a multi-value service variable as one request per service, and "All" as no filter', async () => {
    const remediatorCalls = () => session.proxy.log.filter((r) => r.upstream.startsWith(session.stack.remediatorUrl)).map((r) => new URL(r.upstream).searchParams.get('service'));
    const run = (selected: string[]) =>
      page.evaluate(
        async ([sel, f, t]) => {
          const host = (window as unknown as HostWindow).homeostatHost;
          host.setVariable('service', sel as string[], ['orders', 'payments']);
          return host.runQueries([{ refId: 'T', queryType: 'timeline', service: '$service' }], f as number, t as number);
        },
        [selected, from(), to() + 3600_000] as const,
      );
    let before = remediatorCalls().length;
    const [both] = (await run(['orders', 'payments'])) as Frame[];
    // sent concurrently: the proxy sees them in either order
    expect(remediatorCalls().slice(before).sort()).toEqual(['orders', 'payments']);
    expect(field(both, 'kind').values).toEqual(expect.arrayContaining(['action', 'verification']));
    before = remediatorCalls().length;
    await run(['$__all']);
    expect(remediatorCalls().slice(before)).toEqual([null]);
  });

  it('cancels a superseded run of the same panel query: only the newer one answers', async () => {
    const [older, newer] = await page.evaluate(
      ([f, t]) => {
        const host = (window as unknown as HostWindow).homeostatHost;
        const targets = [{ refId: 'T', queryType: 'timeline', service: 'orders' }];
        // a refresh before the first answer: both start before either can answer
        return Promise.all([host.queryResponse(targets, f, t), host.queryResponse(targets, f, t)]);
      },
      [from(), to() + 3600_000],
    );
    expect(older.errors).toEqual([expect.objectContaining({ refId: 'T', message: expect.stringMatching(/superseded by a newer run/) })]);
    expect(older.data).toEqual([]);
    expect(newer.errors).toBeUndefined();
    expect(field(newer.data[0] as Frame, 'kind').values).toEqual(expect.arrayContaining(['action']));
  });

  it('answers template variable queries with detectors and services', async () => {
    const detectors = await page.evaluate(() =>
      (window as unknown as HostWindow).homeostatHost.metricFindQuery('detectors()'),
    );
    const services = await page.evaluate(() =>
      (window as unknown as HostWindow).homeostatHost.metricFindQuery('entities(fleet, service)'),
    );
    expect(detectors).toEqual(['fleet']);
    expect(services).toEqual(['orders', 'payments']);
  });

  it('ConfigEditor: Save & test says what is wrong (token, unreachable, wrong version) and when it is right', async () => {
    // saving a datasource is an Admin's job in Grafana
    session.proxy.role = 'Admin';
    try {
      await configEditorStory(page, errors, profile);
    } finally {
      session.proxy.role = 'Viewer';
    }
  });

  async function configEditorStory(page: Page, errors: string[], profile: string) {
    await page.evaluate(() => (window as unknown as HostWindow).homeostatHost.renderConfigEditor());
    let runs = 0;
    const saveAndTest = async () => {
      await page.getByTestId('host-save-test').click();
      const result = page.locator(`[data-testid="host-test-result"][data-run="${++runs}"]`);
      await result.waitFor();
      return result;
    };
    expect(errors).toEqual([]);
    const detectorUrl = page.getByLabel('Detector URL');
    const remediatorUrl = page.getByLabel('Remediator URL');
    const original = {
      detector: await detectorUrl.inputValue(),
      remediator: await remediatorUrl.inputValue(),
    };
    expect(original.detector).toBe(session.stack.detectorUrl);

    // wrong token: the detector's gateway refuses it
    await page.getByRole('button', { name: /reset/i }).first().click();
    await page.getByLabel('Detector token').fill('not-the-token');
    let result = await saveAndTest();
    await expect(result.getAttribute('data-status')).resolves.toBe('error');
    // the gateway answers 401; Grafana's proxy hands the browser a 400 "Authentication to data source failed"
    await expect(result.textContent()).resolves.toMatch(/detector rejected the token \(Grafana: "Authentication to data source failed"\): check the detector token/);

    // right token again, remediator pointed at a closed port: unreachable
    await page.getByRole('button', { name: /reset/i }).first().click();
    await page.getByLabel('Detector token').fill(DETECTOR_TOKEN);
    await remediatorUrl.fill('http://127.0.0.1:9');
    result = await saveAndTest();
    await expect(result.textContent()).resolves.toMatch(/detector OK.*remediator unreachable/);

    // a Prometheus where the detector should be: not a Homeostat API
    await remediatorUrl.fill(original.remediator);
    await detectorUrl.fill(session.stack.prometheus.url);
    result = await saveAndTest();
    await expect(result.textContent()).resolves.toMatch(/detector at .* has no Homeostat API v1.*version/);

    // the browser saw that 404 too; it was this step's point, not a fault of the page
    expect(errors.splice(0).every((e) => e.includes('/detector/api/v1/detectors'))).toBe(true);

    await detectorUrl.fill(original.detector);
    result = await saveAndTest();
    await expect(result.textContent()).resolves.toMatch(/^detector OK.*remediator OK/);
    // the browser only ever learns that tokens are set
    const settings = await page.evaluate(
      () => (window as unknown as HostWindow).homeostatHost.state.settings,
    );
    expect(settings?.secureJsonFields).toEqual({ detectorToken: true, remediatorToken: true });
    expect(JSON.stringify(settings)).not.toContain(DETECTOR_TOKEN);
    await page.screenshot({ path: join(outDir, `${profile}-config-editor.png`), fullPage: true });
  }

  it('QueryEditor: a saved query runs and the panel draws its result', async () => {
    await page.evaluate(
      ([f, t]) =>
        (window as unknown as HostWindow).homeostatHost.renderQueryEditor(
          { refId: 'A', queryType: 'scores', scoreSource: 'detector' },
          f,
          t,
        ),
      [from(), to()],
    );
    const editor = page.getByTestId('homeostat-query-editor');
    await editor.getByTestId('homeostat-query-detector').fill('fleet');
    await editor.getByLabel('Entity').fill('service="orders"');
    await editor.getByLabel('Entity').blur();
    await page
      .waitForFunction(
        () => {
          const s = (window as unknown as HostWindow).homeostatHost.state;
          return s.lastError !== undefined || s.renderedQuery?.entity === 'service="orders"';
        },
        undefined,
        { timeout: 30_000 },
      )
      .catch(async (err) => {
        const state = await page.evaluate(() =>
          JSON.stringify((window as unknown as HostWindow).homeostatHost.state),
        );
        throw new Error(`${(err as Error).message}; host state ${state}; errors ${errors.join(' | ')}`);
      });
    expect(
      await page.evaluate(() => (window as unknown as HostWindow).homeostatHost.state.lastError),
    ).toBeUndefined();
    expect(await page.getByTestId('homeostat-anomaly-band').count()).toBeGreaterThan(0);
    const saved = await page.evaluate(() => (window as unknown as HostWindow).homeostatHost.state.savedQuery);
    expect(saved).toMatchObject({
      refId: 'A',
      queryType: 'scores',
      detector: 'fleet',
      entity: 'service="orders"',
    });
    // The host records the query before React has replaced the previous render (both services, two
    // lines): wait for the panel to show the saved query's one series, then count.
    await page
      .waitForFunction(
        () => document.querySelectorAll('[data-testid="homeostat-score-line"]').length === 1,
        undefined,
        {
          timeout: 10_000,
        },
      )
      .catch(() => undefined);
    expect(await page.getByTestId('homeostat-score-line').count()).toBe(1);
    // the screenshot shows what this test is about: the saved query's drawn result
    await page.screenshot({ path: join(outDir, `${profile}-query-editor.png`), fullPage: true });

    await editor.getByRole('radio', { name: 'Timeline' }).click();
    await expect(editor.getByLabel('Service').isVisible()).resolves.toBe(true);
    expect(errors).toEqual([]);
  });
});
