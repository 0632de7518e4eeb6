import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, dateTimeFormat } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { Band, ScoreTrack } from '../model/read-frames';
import { TimeScale, linePath, valueScale } from '../model/time-scale';
import { HealingOptions } from '../types';
import { HoverContent } from './HoverCard';
import { testIds } from './testIds';

interface Props {
  tracks: ScoreTrack[];
  bands: Band[];
  scale: TimeScale;
  height: number;
  options: HealingOptions;
  timeZone?: string;
  onHover: (content: HoverContent | null) => void;
}

/** Space under the plot for time labels, and right of it for the score axis. */
const AXIS_H = 16;
export const SCORE_AXIS_W = 26;

const getStyles = (theme: GrafanaTheme2) => ({
  svg: css`
    display: block;
    overflow: visible;
  `,
  axisText: css`
    fill: ${theme.colors.text.secondary};
    font-size: 10px;
  `,
  band: css`
    cursor: help;
  `,
});

function finiteRange(values: Array<number | null>[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const vs of values) {
    for (const v of vs) {
      if (typeof v === 'number' && Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
  }
  return min <= max ? [min, max] : [0, 1];
}

/**
 * The chosen metric of each entity (left, own scale), its anomaly score (right axis, threshold line
 * at `options.threshold`) and shaded bands where the detector saw anomalies.
 */
export function SeriesChart({ tracks, bands, scale, height, options, timeZone, onHover }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const plotH = Math.max(20, height - AXIS_H);
  const plotW = scale.width;

  const metricOf = (t: ScoreTrack) =>
    (options.metric ? t.metrics.find((m) => m.name === options.metric) : undefined) ?? t.metrics[0];
  const metricValues = tracks.map((t) => metricOf(t)?.values ?? []);
  const [mMin, mMax] = finiteRange(metricValues);
  const yMetric = valueScale(Math.min(0, mMin), mMax * 1.05 || 1, plotH);

  const [, sMax] = finiteRange(tracks.map((t) => t.scores));
  // Scores of a strong anomaly reach hundreds; capping the axis at 5x the threshold keeps the
  // threshold line readable, and higher scores are drawn pinned to the top edge.
  const scoreTop = Math.max(options.threshold * 2, Math.min(sMax * 1.1, options.threshold * 5));
  const yScoreRaw = valueScale(0, scoreTop, plotH);
  const yScore = (v: number) => Math.max(0, yScoreRaw(v));
  const color = (i: number) => theme.visualization.getColorByName(theme.visualization.palette[i % theme.visualization.palette.length]);
  const bandColor = theme.visualization.getColorByName(options.bandColor);

  return (
    <svg className={styles.svg} width={plotW + SCORE_AXIS_W} height={height} data-testid={testIds.chart} role="img" aria-label="series, anomaly bands and score">
      {options.showBands &&
        bands.map((b, i) => {
          const x0 = Math.max(0, scale.x(b.start));
          const x1 = Math.min(plotW, scale.x(b.end ?? scale.to));
          if (x1 < 0 || x0 > plotW) {
            return null;
          }
          return (
            <rect
              key={`band-${i}`}
              className={styles.band}
              data-testid={testIds.band}
              data-start={b.start}
              data-end={b.end ?? ''}
              x={x0}
              y={0}
              width={Math.max(2, x1 - x0)}
              height={plotH}
              fill={bandColor}
              fillOpacity={0.22}
              onMouseEnter={(e) =>
                onHover({
                  title: b.label,
                  subtitle: 'anomaly',
                  time: b.start,
                  endTime: b.end,
                  lines: b.topFeatures ? [['top features', b.topFeatures]] : [],
                  x: x0,
                  y: e.nativeEvent.offsetY ?? 0,
                })
              }
              onMouseLeave={() => onHover(null)}
            />
          );
        })}
      {tracks.map((t, i) => {
        const m = metricOf(t);
        return m ? (
          <path
            key={`metric-${i}`}
            data-testid={testIds.metricLine}
            d={linePath(t.times, m.values, scale.x, yMetric)}
            fill="none"
            stroke={color(i)}
            strokeOpacity={options.showScore && t.scores.length ? 0.55 : 1}
            strokeWidth={1}
          />
        ) : null;
      })}
      {options.showScore && tracks.some((t) => t.scores.length) && (
        <>
          <line
            data-testid={testIds.threshold}
            x1={0}
            x2={plotW}
            y1={yScore(options.threshold)}
            y2={yScore(options.threshold)}
            stroke={theme.visualization.getColorByName('red')}
            strokeDasharray="4 3"
          />
          <text className={styles.axisText} x={plotW + 3} y={yScore(options.threshold) + 3}>
            {options.threshold.toFixed(1)}
          </text>
          <text className={styles.axisText} x={plotW + 3} y={9}>
            {sMax > scoreTop ? `≥${scoreTop.toFixed(0)}` : scoreTop.toFixed(1)}
          </text>
          {tracks.map((t, i) =>
            t.scores.length ? (
              <path
                key={`score-${i}`}
                data-testid={testIds.scoreLine}
                d={linePath(t.times, t.scores, scale.x, yScore)}
                fill="none"
                stroke={color(i)}
                strokeWidth={2}
              />
            ) : null
          )}
        </>
      )}
      <line x1={0} x2={plotW} y1={plotH + 0.5} y2={plotH + 0.5} stroke={theme.colors.border.weak} />
      {scale.ticks().map((t) => (
        <text key={t} className={styles.axisText} x={scale.x(t)} y={plotH + 12} textAnchor="middle">
          {dateTimeFormat(t, { format: 'HH:mm', timeZone })}
        </text>
      ))}
    </svg>
  );
}
