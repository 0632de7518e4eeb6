import React from 'react';
import { EventBusSrv, LoadingState, PanelOptionsEditorBuilder, PanelProps, dateTime, getDefaultTimeRange } from '@grafana/data';
import { fireEvent, render, screen } from '@testing-library/react';
import { plugin } from '../module';
import { buildOptions } from '../options';
import { STEP, T0, scoresFrame, timelineFrame } from '../test-frames';
import { HealingOptions } from '../types';
import { HealingPanel } from './HealingPanel';
import { testIds } from './testIds';

const options: HealingOptions = {
  metric: '',
  showScore: true,
  showBands: true,
  showTimeline: true,
  showHealth: true,
  threshold: 1,
  bandColor: 'red',
};

function props(series = [scoresFrame('orders', [10, 11, 12])], width = 600): PanelProps<HealingOptions> {
  const timeRange = { from: dateTime(T0), to: dateTime(T0 + 40 * STEP), raw: { from: 'a', to: 'b' } };
  return {
    id: 1,
    data: { series, state: LoadingState.Done, timeRange },
    timeRange,
    timeZone: 'utc',
    options,
    fieldConfig: { defaults: {}, overrides: [] },
    width,
    height: 300,
    title: 'Healing',
    transparent: false,
    renderCounter: 0,
    eventBus: new EventBusSrv(),
    replaceVariables: (s: string) => s,
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    onChangeTimeRange: jest.fn(),
  } as unknown as PanelProps<HealingOptions>;
}

describe('HealingPanel', () => {
  it('shades the anomaly where it was and draws score and threshold', () => {
    render(<HealingPanel {...props()} />);
    const bands = screen.getAllByTestId(testIds.band);
    expect(bands).toHaveLength(1);
    // 40 steps over 574 px of plot: the band starts a quarter of the way in
    expect(Number(bands[0].getAttribute('x'))).toBeCloseTo((10 / 40) * 574, 0);
    expect(screen.getAllByTestId(testIds.scoreLine)).toHaveLength(1);
    expect(screen.getByTestId(testIds.threshold)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.health)).toHaveTextContent('Health 92');
  });

  it('shows the timeline entries and the decision reason on hover', () => {
    const series = [
      scoresFrame('orders', [10]),
      timelineFrame([
        [T0 + 10 * STEP, 'anomaly', 'open', { topFeatures: [{ feature: 'cpu', contribution: 0.8 }] }],
        [T0 + 12 * STEP, 'alert', 'firing'],
        [T0 + 13 * STEP, 'action', 'succeeded', { reason: 'rule cpu-high, step 0, budget 2/5' }],
        [T0 + 16 * STEP, 'verification', 'passed'],
      ]),
    ];
    render(<HealingPanel {...props(series)} />);
    const marks = screen.getAllByTestId(testIds.laneEvent);
    expect(marks.map((m) => m.getAttribute('data-kind'))).toEqual(['anomaly', 'alert', 'action', 'verification']);
    fireEvent.mouseEnter(marks[2]);
    expect(screen.getByTestId(testIds.hoverCard)).toHaveTextContent('rule cpu-high, step 0, budget 2/5');
    fireEvent.mouseEnter(marks[0]);
    expect(screen.getByTestId(testIds.hoverCard)).toHaveTextContent('cpu 80%');
    expect(screen.getByTestId(testIds.mttd)).toHaveTextContent('30 s');
    expect(screen.getByTestId(testIds.mttr)).toHaveTextContent('1.5 min');
  });

  it('draws a give-back of scale-out capacity as its own mark on the action row, with the replica change', () => {
    const back = {
      actuator: 'process',
      target: { actuator: 'process', kind: 'process-group', name: 'orders' },
      replica: '9101',
      incidentId: 'inc-1',
      heldSeconds: 600,
      replicas: { before: 2, after: 1 },
    };
    const series = [
      scoresFrame('orders', [10]),
      timelineFrame([
        [T0 + 13 * STEP, 'action', 'succeeded', { reason: 'rule load, step 0' }],
        [T0 + 30 * STEP, 'scale_back', 'succeeded', back],
      ]),
    ];
    render(<HealingPanel {...props(series)} />);
    const [action, give] = screen.getAllByTestId(testIds.laneEvent);
    expect(give.getAttribute('data-kind')).toBe('scale_back');
    // not an action's bar: its own marker, on the scale-out's row
    expect(give.tagName).toBe('path');
    expect(action.tagName).toBe('rect');
    expect(give.getAttribute('data-shape')).toBe('give-back');
    expect(Number(action.getAttribute('y'))).toBeGreaterThan(0);
    expect(give.getAttribute('d')).toContain(`,${action.getAttribute('y')}h8`);
    expect(screen.getByTestId(testIds.scaleBackLabel)).toHaveTextContent('2→1');
    fireEvent.focus(give);
    const card = screen.getByTestId(testIds.hoverCard);
    expect(card).toHaveTextContent('process-group orders');
    expect(card).toHaveTextContent('2 → 1');
    expect(card).toHaveTextContent('inc-1');
  });

  it('stays readable at 300 px: short lane labels, compact health', () => {
    render(<HealingPanel {...props(undefined, 300)} />);
    expect(screen.getByTestId(testIds.health).textContent).toBe('92');
    expect(screen.getAllByTestId(testIds.laneLabel).map((l) => l.textContent)).toEqual(['anom', 'alert', 'act', 'verif', 'undo']);
  });

  it('tells a lane entry\'s status by shape too, and shows its details when focused from the keyboard', () => {
    const series = [
      scoresFrame('orders', [10]),
      timelineFrame([
        [T0 + 13 * STEP, 'action', 'failed', { reason: 'restart refused' }],
        [T0 + 14 * STEP, 'action', 'pending_approval'],
        [T0 + 16 * STEP, 'verification', 'passed'],
      ]),
    ];
    render(<HealingPanel {...props(series)} />);
    const marks = screen.getAllByTestId(testIds.laneEvent);
    expect(marks.map((m) => m.getAttribute('data-shape'))).toEqual(['failed', 'waiting', 'done']);
    expect(marks.every((m) => m.getAttribute('tabindex') === '0')).toBe(true);
    fireEvent.focus(marks[0]);
    expect(screen.getByTestId(testIds.hoverCard)).toHaveTextContent('restart refused');
    fireEvent.blur(marks[0]);
    expect(screen.queryByTestId(testIds.hoverCard)).toBeNull();
  });

  it('names each series in a legend and shows their values in the field\'s unit under the pointer', () => {
    const frame = scoresFrame('orders', [10, 11, 12]);
    frame.fields.find((f) => f.name === 'cpu')!.config.unit = 'percentunit';
    render(<HealingPanel {...props([frame])} />);
    expect(screen.getByTestId(testIds.legendItem)).toHaveTextContent('orders 10% · peak 1.60 ⚠');
    expect(screen.getByTestId(testIds.metricAxis)).toHaveTextContent(/cpu 99.8%/);
    // jsdom lays nothing out: the plot's box starts at 0, so clientX is the x in the plot
    fireEvent.mouseMove(screen.getByTestId(testIds.chartHover), { clientX: (11 / 40) * 574, clientY: 50 });
    const card = screen.getByTestId(testIds.hoverCard);
    expect(card).toHaveTextContent('orders: cpu 95% · score 1.60');
    expect(card).toHaveTextContent('top features: cpu');
  });

  it('of twelve services draws the five worst and folds the rest into the legend', () => {
    const series = Array.from({ length: 12 }, (_, i) => scoresFrame(`svc-${i}`, i < 3 ? [5 + i] : []));
    render(<HealingPanel {...props(series)} />);
    expect(screen.getAllByTestId(testIds.scoreLine)).toHaveLength(5);
    expect(screen.getAllByTestId(testIds.legendItem)).toHaveLength(5);
    expect(screen.getByTestId(testIds.legendFolded)).toHaveTextContent('+7 more, peak ≤ 0.300');
    expect(screen.getAllByTestId(testIds.band)).toHaveLength(3);
  });

  it('hides layers the options turn off', () => {
    const p = props();
    render(<HealingPanel {...p} options={{ ...options, showBands: false, showTimeline: false }} />);
    expect(screen.queryByTestId(testIds.band)).toBeNull();
    expect(screen.queryByTestId(testIds.lane)).toBeNull();
  });

  it('says there is no data instead of drawing an empty chart', () => {
    render(<HealingPanel {...props([])} data={{ series: [], state: LoadingState.Done, timeRange: getDefaultTimeRange() }} />);
    expect(screen.queryByTestId(testIds.panel)).toBeNull();
    // Grafana's PanelDataErrorView (its fallback outside Grafana says it cannot render the data)
    expect(screen.getByText(/no data|unable to render data/i)).toBeInTheDocument();
  });
});

describe('plugin', () => {
  it('exports the panel, and every option has an editor with the documented default', () => {
    expect(plugin.panel).toBe(HealingPanel);
    // Grafana fills the option editor registry at boot; a recording builder captures the same calls.
    const items: Array<{ path: string; defaultValue: unknown }> = [];
    const recorder: PanelOptionsEditorBuilder<HealingOptions> = new Proxy({} as PanelOptionsEditorBuilder<HealingOptions>, {
      get: () => (item: { path: string; defaultValue: unknown }) => {
        items.push(item);
        return recorder;
      },
    });
    buildOptions(recorder);
    const defaults = Object.fromEntries(items.map((item) => [item.path, item.defaultValue]));
    expect(defaults).toEqual(options);
  });
});
