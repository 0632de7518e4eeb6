import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, PanelProps } from '@grafana/data';
import { PanelDataErrorView } from '@grafana/runtime';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { foldTracks } from '../model/fold-tracks';
import { summarize } from '../model/health';
import { readFrames } from '../model/read-frames';
import { timeScale } from '../model/time-scale';
import { HealingOptions, LANE_KINDS } from '../types';
import { HealingTimeline, ROW_H } from './HealingTimeline';
import { HealthSummary } from './HealthSummary';
import { HoverCard, HoverContent } from './HoverCard';
import { SCORE_AXIS_W, SeriesChart } from './SeriesChart';
import { LEGEND_ROW_H, SeriesLegend } from './SeriesLegend';
import { testIds } from './testIds';

interface Props extends PanelProps<HealingOptions> {}

/** Below this width the panel drops labels and secondary figures so the story still reads. */
const COMPACT_WIDTH = 420;
const HEADER_H = 34;
/** About how wide one legend entry is, to reserve its rows. */
const LEGEND_ITEM_W = 190;

const getStyles = (theme: GrafanaTheme2) => ({
  root: css`
    position: relative;
    display: flex;
    flex-direction: column;
    gap: ${theme.spacing(0.5)};
    overflow: hidden;
  `,
});

/** The incident story on one time axis: health, the series with anomaly bands and score, the healing lane. */
export function HealingPanel({ id, data, options, width, height, timeRange, timeZone, fieldConfig }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const [hover, setHover] = useState<HoverContent | null>(null);
  const model = useMemo(() => readFrames(data.series), [data.series]);
  const summary = useMemo(() => summarize(model, options.threshold), [model, options.threshold]);
  const folded = useMemo(() => foldTracks(model.tracks, model.bands), [model]);

  if (!model.tracks.length && !model.lane.length && !model.bands.length) {
    return <PanelDataErrorView panelId={id} data={data} fieldConfig={fieldConfig} needsTimeField />;
  }

  const compact = width < COMPACT_WIDTH;
  const plotW = Math.max(50, width - SCORE_AXIS_W);
  const scale = timeScale(timeRange.from.valueOf(), timeRange.to.valueOf(), plotW);
  const laneH = options.showTimeline ? LANE_KINDS.length * ROW_H + 4 : 0;
  const headerH = options.showHealth ? HEADER_H : 0;
  const legendItems = folded.shown.length + (folded.folded.count ? 1 : 0);
  const legendH = folded.shown.length ? Math.ceil((legendItems * LEGEND_ITEM_W) / width) * LEGEND_ROW_H : 0;
  const chartH = Math.max(40, height - laneH - headerH - legendH - 12);
  const palette = theme.visualization.palette;
  const color = (i: number) => theme.visualization.getColorByName(palette[i % palette.length]);

  return (
    <div className={styles.root} style={{ width, height }} data-testid={testIds.panel}>
      {options.showHealth && <HealthSummary summary={summary} compact={compact} />}
      <SeriesChart
        tracks={folded.shown}
        bands={folded.bands}
        scale={scale}
        height={chartH}
        options={options}
        timeZone={timeZone}
        color={color}
        onHover={(c) => setHover(c && { ...c, y: c.y + headerH })}
      />
      {legendH > 0 && <SeriesLegend folded={folded} metric={options.metric} threshold={options.threshold} color={color} />}
      {options.showTimeline && (
        <HealingTimeline events={model.lane} scale={scale} rightPad={SCORE_AXIS_W} showLabels={!compact}
          onHover={(c) => setHover(c && { ...c, y: c.y + headerH + chartH + legendH + 8 })}
        />
      )}
      {hover && <HoverCard content={hover} panelWidth={width} panelHeight={height} timeZone={timeZone} />}
    </div>
  );
}
