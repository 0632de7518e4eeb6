/**
 * @jest-environment node
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
// The host page, data proxy emulation and service stack live with the datasource plugin (one copy).
import {
  HostWindow,
  PROFILE_NAMES,
  Session,
  openHost,
  startSession,
} from '../../datasource-plugin/test/browser/harness/browser-session';
import { ALERT_DELAY_MS } from '../../datasource-plugin/test/browser/harness/stack';

jest.setTimeout(300_000);

const outDir = join(__dirname, '../test-output');
let session: Session;

beforeAll(async () => {
  session = await startSession(outDir);
}, 300_000);

afterAll(async () => {
  await session?.close();
});

/** What the dashboards' drill-down asks for: the service's scores, its anomaly events and its healing timeline. */
const TARGETS = [
  { refId: 'A', queryType: 'scores', detector: 'fleet', entity: 'service="orders"' },
  { refId: 'B', queryType: 'events', detector: 'fleet', entity: 'service="orders"' },
  { refId: 'C', queryType: 'timeline', service: 'orders' },
];

async function renderOnRealData(page: Page, from: number, to: number, width: number, height: number) {
  await page.evaluate(
    async ([targets, f, t, w, h]) => {
      const host = (window as unknown as HostWindow).homeostatHost;
      const series = await host.runQueries(targets as Array<Record<string, unknown>>, f as number, t as number);
      host.renderPanel(series, f as number, t as number, w as number, h as number);
    },
    [TARGETS, from, to, width, height] as const
  );
  await page.getByTestId('homeostat-healing-panel').waitFor();
}

describe.each(PROFILE_NAMES)('panel plugin dist/ on %s', (profile) => {
  let page: Page;
  let errors: string[];
  let from: number;
  let to: number;

  beforeAll(async () => {
    ({ page, errors } = await openHost(session, profile));
    to = Date.now() + 60_000;
    from = to - 3600_000;
  });
  afterAll(async () => {
    await page?.close();
  });

  it('draws the anomaly band where the anomaly was, with the score and its threshold', async () => {
    await renderOnRealData(page, from, to, 700, 320);
    const bands = page.getByTestId('homeostat-anomaly-band');
    expect(await bands.count()).toBeGreaterThan(0);
    const { start, end } = session.stack.anomaly;
    const starts = (await bands.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-start'))))) as number[];
    const at = starts.findIndex((t) => t >= start - 60_000 && t <= end);
    expect(at).toBeGreaterThanOrEqual(0);
    const first = bands.nth(at);
    // on screen: the band's left edge sits at the anomaly's place on the time axis
    const chart = await page.getByTestId('homeostat-series-chart').boundingBox();
    const box = await first.boundingBox();
    const plotWidth = chart!.width - 26;
    const expectedX = ((start - from) / (to - from)) * plotWidth;
    expect(Math.abs(box!.x - chart!.x - expectedX)).toBeLessThan(plotWidth * 0.04);
    expect(await page.getByTestId('homeostat-score-line').count()).toBe(1);
    expect(await page.getByTestId('homeostat-threshold').count()).toBe(1);
  });

  it('shows the healing timeline: the anomaly, the action that succeeded and its verification', async () => {
    const marks = page.getByTestId('homeostat-lane-event');
    const kinds = await marks.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-kind')}:${e.getAttribute('data-status')}`));
    expect(kinds).toEqual(expect.arrayContaining(['action:succeeded', 'verification:passed']));
    expect(kinds.some((k) => k.startsWith('anomaly:'))).toBe(true);

    await page.locator('[data-testid="homeostat-lane-event"][data-kind="action"]').first().hover();
    const card = page.getByTestId('homeostat-hover-card');
    await expect(card.textContent()).resolves.toMatch(/restart orders/);
    await expect(card.textContent()).resolves.toMatch(/reason: .*cpu-saturation/);

    await page.getByTestId('homeostat-anomaly-band').first().hover();
    await expect(card.textContent()).resolves.toMatch(/top features: .*(cpu|latency_p95|error_ratio)/);
  });

  it('shows a health score below 100 and the range MTTD and MTTR', async () => {
    const health = await page.getByTestId('homeostat-health-score').textContent();
    const value = Number(/(\d+)/.exec(health ?? '')?.[1]);
    expect(health).toMatch(/^Health \d+$/);
    expect(value).toBeGreaterThan(50);
    expect(value).toBeLessThan(100);
    // the alert started ALERT_DELAY_MS after the detector's anomaly event
    await expect(page.getByTestId('homeostat-mttd').textContent()).resolves.toBe(`${ALERT_DELAY_MS / 1000} s`);
    await expect(page.getByTestId('homeostat-mttr').textContent()).resolves.toMatch(/min$|s$/);
    await expect(page.getByTestId('homeostat-mttr').textContent()).resolves.not.toBe('–');
    await page.mouse.move(0, 0);
    await page.getByTestId('homeostat-healing-panel').screenshot({ path: join(outDir, `${profile}-panel-700.png`) });
  });

  it('stays readable at 300 px: everything fits, lane labels and secondary figures give way', async () => {
    await renderOnRealData(page, from, to, 300, 260);
    const panel = await page.getByTestId('homeostat-healing-panel').boundingBox();
    expect(panel!.width).toBeLessThanOrEqual(300);
    for (const id of ['homeostat-series-chart', 'homeostat-healing-lane']) {
      const box = await page.getByTestId(id).boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(panel!.x + panel!.width + 1);
    }
    await expect(page.getByTestId('homeostat-health-score').textContent()).resolves.toMatch(/^\d+$/);
    expect(await page.getByTestId('homeostat-anomaly-band').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('homeostat-lane-event').count()).toBeGreaterThan(2);
    await page.getByTestId('homeostat-healing-panel').screenshot({ path: join(outDir, `${profile}-panel-300.png`) });
    expect(errors).toEqual([]);
  });
});
