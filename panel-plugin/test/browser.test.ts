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

type Box = { x: number; y: number; width: number; height: number };
const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x - 1 &&
  inner.y >= outer.y - 1 &&
  inner.x + inner.width <= outer.x + outer.width + 1 &&
  inner.y + inner.height <= outer.y + outer.height + 1;

/** Relative luminance of a CSS rgb() colour, 0 (black) to 1 (white). */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0']).slice(0, 3).map((c) => Number(c) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

describe.each(PROFILE_NAMES)('panel plugin dist/ on %s', (profile) => {
  let page: Page;
  let errors: string[];
  let from: number;
  let to: number;
  const shot = (name: string) => page.getByTestId('homeostat-healing-panel').screenshot({ path: join(outDir, `${profile}-${name}.png`) });

  beforeAll(async () => {
    ({ page, errors } = await openHost(session, profile));
    to = Date.now() + 60_000;
    from = to - 3600_000;
  });
  afterAll(async () => {
    await page?.close();
  });

  it('one service: draws the anomaly band where the anomaly was, with the score, its threshold and a legend', async () => {
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
    // the legend names the line, with its last value in the feature's unit and its peak score
    await expect(page.getByTestId('homeostat-legend-item').textContent()).resolves.toMatch(/^orders [\d.]+ ?\S* · peak [\d.]+ ⚠$/);
  });

  it('shows the healing timeline; a hover card is never clipped and carries the decision and the values', async () => {
    const marks = page.getByTestId('homeostat-lane-event');
    const kinds = await marks.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-kind')}:${e.getAttribute('data-status')}`));
    expect(kinds).toEqual(expect.arrayContaining(['action:succeeded', 'verification:passed']));
    expect(kinds.some((k) => k.startsWith('anomaly:'))).toBe(true);
    const panel = (await page.getByTestId('homeostat-healing-panel').boundingBox())!;

    // the lane is the panel's bottom: the card opens upwards, whole
    await page.locator('[data-testid="homeostat-lane-event"][data-kind="action"]').first().hover();
    const card = page.getByTestId('homeostat-hover-card');
    await expect(card.textContent()).resolves.toMatch(/restart orders/);
    await expect(card.textContent()).resolves.toMatch(/reason: .*cpu-saturation/);
    expect(inside((await card.boundingBox())!, panel)).toBe(true);

    // on the chart, inside the anomaly: every series' value, the anomaly and its top features
    const band = (await page.getByTestId('homeostat-anomaly-band').first().boundingBox())!;
    await page.mouse.move(band.x + band.width / 2, band.y + band.height / 2);
    await expect(card.textContent()).resolves.toMatch(/orders: \S+ .*· score [\d.]+/);
    await expect(card.textContent()).resolves.toMatch(/top features: .*(cpu|latency_p95|error_ratio)/);
    expect(inside((await card.boundingBox())!, panel)).toBe(true);

    // from the keyboard: a focused mark shows its card too
    await page.mouse.move(0, 0);
    await page.locator('[data-testid="homeostat-lane-event"][data-kind="verification"]').first().focus();
    await expect(card.textContent()).resolves.toMatch(/verification · passed/);
    await page.locator('[data-testid="homeostat-lane-event"][data-kind="verification"]').first().blur();
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
    await shot('panel-700');
  });

  it('twelve services: the five worst are drawn, the other seven folded into the legend', async () => {
    await page.evaluate(
      async ([f, t]) => {
        const host = (window as unknown as HostWindow).homeostatHost;
        type Frame = { name?: string; fields: Array<{ name: string; labels?: Record<string, string>; values: unknown[] }> };
        const series = (await host.runQueries(
          [
            { refId: 'A', queryType: 'scores', detector: 'fleet' },
            { refId: 'B', queryType: 'events', detector: 'fleet', entity: 'service="orders"' },
            { refId: 'C', queryType: 'timeline', service: 'orders' },
          ],
          f,
          t
        )) as Frame[];
        const payments = series.find((s) => s.fields.some((x) => x.name === 'score' && x.labels?.service === 'payments'))!;
        // ten more quiet services, shaped like payments
        for (let i = 2; i < 12; i++) {
          const copy = JSON.parse(JSON.stringify(payments)) as Frame;
          const score = copy.fields.find((x) => x.name === 'score')!;
          score.labels = { service: `svc-${i}` };
          score.values = score.values.map((v) => (typeof v === 'number' ? v * (0.3 + i * 0.05) : v));
          copy.name = `fleet {service="svc-${i}"}`;
          series.push(copy);
        }
        host.renderPanel(series, f, t, 700, 340);
      },
      [from, to]
    );
    await page.getByTestId('homeostat-legend-folded').waitFor();
    expect(await page.getByTestId('homeostat-score-line').count()).toBe(5);
    await expect(page.getByTestId('homeostat-legend-item').first().textContent()).resolves.toMatch(/^orders/);
    await expect(page.getByTestId('homeostat-legend-folded').textContent()).resolves.toMatch(/^\+7 more, peak ≤ [\d.]+$/);
    // one service's anomaly, not a block across the chart
    const chart = (await page.getByTestId('homeostat-series-chart').boundingBox())!;
    const widths = await page.getByTestId('homeostat-anomaly-band').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    expect(widths.reduce((a, b) => a + b, 0)).toBeLessThan(chart.width / 2);
    await shot('panel-12-services');
  });

  it('no data: says so instead of drawing an empty chart', async () => {
    await page.evaluate(([f, t]) => (window as unknown as HostWindow).homeostatHost.renderPanel([], f, t, 700, 320), [from, to]);
    await page.getByText(/no data|unable to render data/i).waitFor();
    expect(await page.getByTestId('homeostat-series-chart').count()).toBe(0);
    await page.locator('#panel').screenshot({ path: join(outDir, `${profile}-panel-no-data.png`) });
  });

  it('remediator down: the scores and the anomaly still show; the healing lane is empty', async () => {
    session.proxy.setJsonData({ remediatorUrl: 'http://127.0.0.1:9' });
    try {
      const errorsSeen = await page.evaluate(
        async ([targets, f, t]) => {
          const host = (window as unknown as HostWindow).homeostatHost;
          const res = await host.queryResponse(targets as Array<Record<string, unknown>>, f as number, t as number);
          host.renderPanel(res.data, f as number, t as number, 700, 320);
          return (res.errors ?? []).map((e) => e.refId);
        },
        [TARGETS, from, to] as const
      );
      expect(errorsSeen).toEqual(['C']);
      await page.getByTestId('homeostat-score-line').waitFor();
      expect(await page.getByTestId('homeostat-anomaly-band').count()).toBeGreaterThan(0);
      expect(await page.getByTestId('homeostat-lane-event').count()).toBe(0);
      await shot('panel-remediator-down');
    } finally {
      session.proxy.setJsonData({ remediatorUrl: session.stack.remediatorUrl });
    }
  });

  it.each(['light', 'dark'] as const)('%s theme: text in the theme\'s colours, readable on its background', async (mode) => {
    await page.evaluate((m) => (window as unknown as HostWindow).homeostatHost.setTheme(m), mode);
    await renderOnRealData(page, from, to, 700, 320);
    const name = page.locator('[data-testid="homeostat-legend-item"] span').nth(1);
    const text = luminance(await name.evaluate((e) => getComputedStyle(e).color));
    const background = luminance(await page.locator('#panel').evaluate((e) => getComputedStyle(e).backgroundColor));
    expect(Math.abs(text - background)).toBeGreaterThan(0.5);
    expect(mode === 'light' ? background : text).toBeGreaterThan(0.8);
    await shot(`panel-${mode}`);
  });

  it('300 px: everything fits, labels are kept (short) and none is cut at the edges', async () => {
    await renderOnRealData(page, from, to, 300, 260);
    const panel = (await page.getByTestId('homeostat-healing-panel').boundingBox())!;
    expect(panel.width).toBeLessThanOrEqual(300);
    for (const id of ['homeostat-series-chart', 'homeostat-healing-lane']) {
      const box = await page.getByTestId(id).boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(panel.x + panel.width + 1);
    }
    await expect(page.getByTestId('homeostat-health-score').textContent()).resolves.toMatch(/^\d+$/);
    expect(await page.getByTestId('homeostat-anomaly-band').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('homeostat-lane-event').count()).toBeGreaterThan(2);
    const labels = page.getByTestId('homeostat-lane-label');
    expect(await labels.allTextContents()).toEqual(['anom', 'alert', 'act', 'verif', 'undo']);
    const texts = page.locator('[data-testid="homeostat-series-chart"] text, [data-testid="homeostat-lane-label"]');
    for (const b of await texts.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect))) {
      expect(inside(b, panel)).toBe(true);
    }
    await shot('panel-300');
    expect(errors).toEqual([]);
  });
});
