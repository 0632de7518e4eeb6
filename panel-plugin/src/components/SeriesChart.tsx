import React, { useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, dateTimeFormat } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { formatFieldValue, nearestIndex } from '../model/field-value';
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
  color: (i: number) => string;
  onHover: (content: HoverContent | null) => void;
}

/** Space under the plot for time labels, and right of it for the score axis. */
const AXIS_H = 16;
export const SCORE_AXIS_W = 26;
/** A label this close to an edge is anchored to it, so the first and last ticks are never cut. */
const EDGE_PX = 18;

const getStyles = (theme: GrafanaTheme2) => ({
  svg: css`
    display: block;
    overflow: visible;
  `,
  axisText: css`
    fill: ${theme.colors.text.secondary};
    font-size: 10px;
    pointer-events: none;
  `,
  band: css`
    pointer-events: none;
    &:focus-visible {
      outline: none;
      stroke: ${theme.colors.primary.main};
      stroke-width: 2;
    }
  `,
  overlay: css`
    cursor: crosshair;
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

function anchorAt(x: number, width: number): 'start' | 'middle' | 'end' {
  return x < EDGE_PX ? 'start' : x > width - EDGE_PX ? 'end' : 'middle';
}

/**
 * The chosen metric of each entity (own scale, its unit on the left), its anomaly score (right axis,
 * threshold line at `options.threshold`) and shaded bands where the detector saw anomalies. Hovering
 * the plot shows every series' value at that time (and the anomaly there, if any); the bands can be
 * reached with the keyboard.
 */
export function SeriesChart({ tracks, bands, scale, height, options, timeZone, color, onHover }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const [crosshair, setCrosshair] = useState<number | null>(null);
  const plotH = Math.max(20, height - AXIS_H);
  const plotW = scale.width;

  const metricOf = (t: ScoreTrack) =>
    (options.metric ? t.metrics.find((m) => m.name === options.metric) : undefined) ?? t.metrics[0];
  const metricValues = tracks.map((t) => metricOf(t)?.values ?? []);
  const [mMin, mMax] = finiteRange(metricValues);
  const metricBottom = Math.min(0, mMin);
  const metricTop = mMax * 1.05 || 1;
  const yMetric = valueScale(metricBottom, metricTop, plotH);
  const firstMetric = tracks.map(metricOf).find(Boolean);

  const [, sMax] = finiteRange(tracks.map((t) => t.scores));
  // Scores of a strong anomaly reach hundreds; capping the axis at 5x the threshold keeps the
  // threshold line readable, and higher scores are drawn pinned to the top edge.
  const scoreTop = Math.max(options.threshold * 2, Math.min(sMax * 1.1, options.threshold * 5));
  const yScoreRaw = valueScale(0, scoreTop, plotH);
  const yScore = (v: number) => Math.max(0, yScoreRaw(v));
  const bandColor = theme.visualization.getColorByName(options.bandColor);
  const hasScores = options.showScore && tracks.some((t) => t.scores.length);

  const bandHover = (b: Band, x: number): HoverContent => ({
    title: b.label,
    subtitle: 'anomaly',
    time: b.start,
    endTime: b.end,
    lines: b.topFeatures ? [['top features', b.topFeatures]] : [],
    x,
    y: plotH / 2,
  });

  const valuesAt = (px: number, py: number): HoverContent => {
    const t = scale.from + (px / plotW) * (scale.to - scale.from);
    const lines: Array<[string, string]> = tracks.map((tr) => {
      const i = nearestIndex(tr.times, t);
      const m = metricOf(tr);
      const value = m ? `${m.name} ${formatFieldValue(m.field, m.values[i])}` : '';
      const score = hasScores && tr.scores.length ? `score ${formatFieldValue(undefined, tr.scores[i])}` : '';
      return [tr.service ?? tr.name, [value, score].filter(Boolean).join(' · ')];
    });
    const band = options.showBands ? bands.find((b) => b.start <= t && t <= (b.end ?? scale.to)) : undefined;
    if (band) {
      lines.push(['anomaly', band.label]);
      if (band.topFeatures) {
        lines.push(['top features', band.topFeatures]);
      }
    }
    return { title: firstMetric ? firstMetric.name : 'score', time: t, lines, x: px, y: py };
  };

  return (
    <svg className={styles.svg} width={plotW + SCORE_AXIS_W} height={height} data-testid={testIds.chart} role="group" aria-label="series, anomaly bands and score">
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
              tabIndex={0}
              aria-label={`anomaly ${b.label}${b.topFeatures ? `, top features ${b.topFeatures}` : ''}`}
              onFocus={() => onHover(bandHover(b, x0))}
              onBlur={() => onHover(null)}
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
            strokeOpacity={hasScores && t.scores.length ? 0.55 : 1}
            strokeWidth={1}
          />
        ) : null;
      })}
      {firstMetric && (
        <text className={styles.axisText} x={2} y={9} data-testid={testIds.metricAxis}>
          {`${firstMetric.name} ${formatFieldValue(firstMetric.field, metricTop)}`}
        </text>
      )}
      {hasScores && (
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
      {crosshair !== null && (
        <line x1={crosshair} x2={crosshair} y1={0} y2={plotH} stroke={theme.colors.text.secondary} strokeDasharray="2 2" pointerEvents="none" />
      )}
      <rect
        className={styles.overlay}
        data-testid={testIds.chartHover}
        x={0}
        y={0}
        width={plotW}
        height={plotH}
        fill="transparent"
        onMouseMove={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          const px = Math.max(0, Math.min(plotW, e.clientX - box.left));
          setCrosshair(px);
          onHover(valuesAt(px, e.clientY - box.top));
        }}
        onMouseLeave={() => {
          setCrosshair(null);
          onHover(null);
        }}
      />
      <line x1={0} x2={plotW} y1={plotH + 0.5} y2={plotH + 0.5} stroke={theme.colors.border.weak} />
      {scale.ticks().map((t) => (
        <text key={t} className={styles.axisText} x={scale.x(t)} y={plotH + 12} textAnchor={anchorAt(scale.x(t), plotW)}>
          {dateTimeFormat(t, { format: 'HH:mm', timeZone })}
        </text>
      ))}
    </svg>
  );
}
