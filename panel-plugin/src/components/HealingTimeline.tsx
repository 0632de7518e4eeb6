import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { LaneEvent } from '../model/read-frames';
import { replicaChange, scaleBackLines } from '../model/scale-back';
import { TimeScale } from '../model/time-scale';
import { LANE_KINDS, LaneKind } from '../types';
import { HoverContent } from './HoverCard';
import { testIds } from './testIds';

interface Props {
  events: LaneEvent[];
  scale: TimeScale;
  rightPad: number;
  showLabels: boolean;
  onHover: (content: HoverContent | null) => void;
}

export const ROW_H = 14;

/** Status -> Grafana palette colour name: green is healed, red failed, orange waiting, grey did nothing. */
const STATUS_COLORS: Record<string, string> = {
  succeeded: 'green',
  passed: 'green',
  resolved: 'green',
  healed: 'green',
  failed: 'red',
  firing: 'red',
  open: 'red',
  rolled_back: 'purple',
  pending: 'orange',
  pending_approval: 'orange',
  healing: 'orange',
  escalated: 'orange',
  dry_run: 'blue',
  skipped: 'text',
  not_applicable: 'text',
};

/**
 * Status told by shape as well as colour: done (filled), failed (filled, crossed), waiting (hollow,
 * dashed), undone (filled, struck through), nothing done (hollow).
 */
type Shape = 'done' | 'failed' | 'waiting' | 'undone' | 'none';
const STATUS_SHAPES: Record<string, Shape> = {
  succeeded: 'done',
  passed: 'done',
  resolved: 'done',
  healed: 'done',
  failed: 'failed',
  firing: 'failed',
  open: 'failed',
  rolled_back: 'undone',
  pending: 'waiting',
  pending_approval: 'waiting',
  healing: 'waiting',
  escalated: 'waiting',
  dry_run: 'none',
  skipped: 'none',
  not_applicable: 'none',
};

/** Row labels when the panel is narrow: short, so they never cover the marks. */
const SHORT_LABELS: Record<LaneKind, string> = {
  anomaly: 'anom',
  alert: 'alert',
  action: 'act',
  verification: 'verif',
  rollback: 'undo',
};

/**
 * `resolved` entries end an incident: drawn on the verification row, where recovery is confirmed.
 * `scale_back` (a scale-out's capacity given back) is drawn on the action row, where the scale-out is.
 */
function rowOf(kind: string): number {
  const k = (kind === 'resolved' ? 'verification' : kind === 'scale_back' ? 'action' : kind) as LaneKind;
  const i = LANE_KINDS.indexOf(k);
  return i < 0 ? LANE_KINDS.indexOf('action') : i;
}

const getStyles = (theme: GrafanaTheme2) => ({
  svg: css`
    display: block;
  `,
  label: css`
    fill: ${theme.colors.text.disabled};
    font-size: 10px;
    pointer-events: none;
  `,
  mark: css`
    cursor: help;
    &:focus-visible {
      outline: none;
      stroke: ${theme.colors.primary.main};
      stroke-width: 2;
    }
  `,
  glyph: css`
    pointer-events: none;
  `,
});

/** A top feature as the detector sends it ({ feature, contribution }) or as a plain name. */
function featureText(f: unknown): string {
  if (f && typeof f === 'object' && 'feature' in f) {
    const { feature, contribution } = f as { feature: unknown; contribution?: unknown };
    return typeof contribution === 'number' ? `${String(feature)} ${Math.round(contribution * 100)}%` : String(feature);
  }
  return String(f);
}

function detailLines(e: LaneEvent): Array<[string, string]> {
  if (e.scaleBack) {
    return [...scaleBackLines(e.scaleBack), ...(e.service ? [['service', e.service] as [string, string]] : [])];
  }
  const lines: Array<[string, string]> = [];
  const d = e.detail;
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  if (d.reason !== undefined) {
    lines.push(['reason', text(d.reason)]);
  }
  if (Array.isArray(d.topFeatures)) {
    lines.push(['top features', d.topFeatures.map(featureText).join(', ')]);
  }
  for (const [k, v] of Object.entries(d)) {
    if (k !== 'reason' && k !== 'topFeatures' && v !== null && v !== undefined && lines.length < 7) {
      lines.push([k, text(v)]);
    }
  }
  if (e.service) {
    lines.push(['service', e.service]);
  }
  return lines;
}

/**
 * One row per stage of healing (anomaly, alert, action, verification, rollback) on the panel's time
 * axis; spans for entries that last, ticks for instants, coloured and shaped by status; each mark can
 * be focused with the keyboard to show its details. A give-back of a scale-out's capacity is its own
 * mark on the action row: a downward triangle, labelled with the replica change, so a scale-out is
 * seen to end.
 */
export function HealingTimeline({ events, scale, rightPad, showLabels, onHover }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const height = LANE_KINDS.length * ROW_H;
  // Same x as the chart above: the lane shares its time axis, labels sit faintly under the marks.
  const plotScale = scale.x;

  return (
    <svg className={styles.svg} width={scale.width + rightPad} height={height} data-testid={testIds.lane} role="img" aria-label="healing timeline">
      {LANE_KINDS.map((k, i) => (
        <g key={k}>
          <line x1={0} x2={scale.width} y1={i * ROW_H + ROW_H / 2} y2={i * ROW_H + ROW_H / 2} stroke={theme.colors.border.weak} />
          <text className={styles.label} x={2} y={i * ROW_H + ROW_H - 3} data-testid={testIds.laneLabel}>
            {showLabels ? k : SHORT_LABELS[k]}
          </text>
        </g>
      ))}
      {events.map((e, i) => {
        const x0 = plotScale(Math.max(scale.from, e.time));
        const x1 = e.endTime ? plotScale(Math.min(scale.to, e.endTime)) : x0;
        if (x1 < 0 || x0 > scale.width) {
          return null;
        }
        const w = Math.max(5, x1 - x0);
        const x = e.endTime ? x0 : x0 - 2.5;
        const y = rowOf(e.kind) * ROW_H + 2;
        const h = ROW_H - 4;
        const colour =
          STATUS_COLORS[e.status] === 'text' ? theme.colors.text.disabled : theme.visualization.getColorByName(STATUS_COLORS[e.status] ?? 'blue');
        const shape = STATUS_SHAPES[e.status] ?? 'done';
        const hollow = shape === 'waiting' || shape === 'none';
        const show = () =>
          onHover({
            title: e.title,
            subtitle: `${e.kind} · ${e.status}`,
            time: e.time,
            endTime: e.endTime,
            lines: detailLines(e),
            x: x0,
            y,
          });
        // hover and keyboard focus show the same card
        const focusable = {
          tabIndex: 0,
          onMouseEnter: show,
          onMouseLeave: () => onHover(null),
          onFocus: show,
          onBlur: () => onHover(null),
        };
        if (e.kind === 'scale_back') {
          const change = e.scaleBack ? replicaChange(e.scaleBack) : '';
          return (
            <g key={`${e.incidentId}-${i}`}>
              <path
                className={styles.mark}
                data-testid={testIds.laneEvent}
                data-kind={e.kind}
                data-status={e.status}
                data-shape="give-back"
                d={`M${x0 - 4},${y}h8l-4,${h}z`}
                fill={colour}
                aria-label={`scale back ${e.status}: ${e.title}`}
                {...focusable}
              />
              {showLabels && change && (
                <text className={styles.label} x={x0 + 6} y={y + h - 1} data-testid={testIds.scaleBackLabel}>
                  {change}
                </text>
              )}
            </g>
          );
        }
        return (
          <g key={`${e.incidentId}-${i}`}>
            <rect
              className={styles.mark}
              data-testid={testIds.laneEvent}
              data-kind={e.kind}
              data-status={e.status}
              data-shape={shape}
              x={x}
              y={y}
              width={w}
              height={h}
              rx={2}
              fill={hollow ? theme.colors.background.primary : colour}
              stroke={hollow ? colour : 'none'}
              strokeDasharray={shape === 'waiting' ? '2 1.5' : undefined}
              aria-label={`${e.kind} ${e.status}: ${e.title}`}
              {...focusable}
            />
            {shape === 'failed' && (
              <path className={styles.glyph} d={`M${x + w / 2 - 2.5},${y + 2.5}l5,5m0,-5l-5,5`} stroke={theme.colors.background.primary} strokeWidth={1.5} />
            )}
            {shape === 'undone' && (
              <path className={styles.glyph} d={`M${x},${y + h / 2}h${w}`} stroke={theme.colors.background.primary} strokeWidth={1.5} />
            )}
          </g>
        );
      })}
    </svg>
  );
}
