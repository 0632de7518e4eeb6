// jsdom (the default environment): @grafana/data's transformers expect a window.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { DataFrame, standardTransformers, standardTransformersRegistry, transformDataFrame } from '@grafana/data';
import type { AnomalyEvent } from '@homeostat/contracts';
import { anomalyEventsFrame } from '../../datasource-plugin/src/frames/event-frames';

// Grafana fills this registry at boot; the same transformers, from the @grafana/data it ships.
beforeAll(() => {
  const unique = [...new Map(Object.values(standardTransformers).map((t) => [t.id, t])).values()];
  standardTransformersRegistry.setInit(() =>
    unique.map((t) => ({ id: t.id, aliasIds: t.aliasIds, name: t.name, description: t.description, transformation: t, editor: () => null }))
  );
});

const overview = JSON.parse(readFileSync(join(__dirname, '../../dashboards/homeostat-overview.json'), 'utf8'));

function event(id: string, service: string): AnomalyEvent {
  return {
    id,
    detector: 'fleet',
    key: `service="${service}"`,
    labels: { service },
    start: 1_700_000_000_000,
    end: 1_700_000_060_000,
    peakScore: 2,
    peakAt: 1_700_000_030_000,
    topFeatures: [{ feature: 'cpu', contribution: 0.5 }],
  };
}

describe('overview dashboard, through Grafana’s own transformations', () => {
  it('"Anomalies by service" draws one bar per service with its number of anomalies, not one per event', async () => {
    const panel = overview.panels.find((p: { title: string }) => p.title === 'Anomalies by service');
    const frame = anomalyEventsFrame([event('1', 'orders'), event('2', 'orders'), event('3', 'cart')], 'A');
    const [out] = (await lastValueFrom(transformDataFrame(panel.transformations, [frame]))) as DataFrame[];
    const x = out.fields.find((f) => f.name === panel.options.xField)!;
    const values = out.fields.filter((f) => f !== x);
    expect(Array.from(x.values)).toEqual(['orders', 'cart']);
    expect(values.map((f) => Array.from(f.values))).toEqual([[2, 1]]);
  });
});
