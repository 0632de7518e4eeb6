import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { FoldedTracks } from '../model/fold-tracks';
import { formatFieldValue } from '../model/field-value';
import { ScoreTrack } from '../model/read-frames';
import { testIds } from './testIds';

interface Props {
  folded: FoldedTracks;
  metric: string;
  threshold: number;
  color: (i: number) => string;
}

export const LEGEND_ROW_H = 18;

const getStyles = (theme: GrafanaTheme2) => ({
  legend: css`
    display: flex;
    flex-wrap: wrap;
    gap: ${theme.spacing(0, 1.5)};
    padding: ${theme.spacing(0, 0.5)};
    font-size: ${theme.typography.bodySmall.fontSize};
    line-height: ${LEGEND_ROW_H}px;
    color: ${theme.colors.text.secondary};
    overflow: hidden;
  `,
  item: css`
    white-space: nowrap;
  `,
  swatch: css`
    display: inline-block;
    width: 12px;
    height: 3px;
    margin-right: 4px;
    vertical-align: middle;
  `,
  name: css`
    color: ${theme.colors.text.primary};
  `,
});

function last(values: Array<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      return v;
    }
  }
  return null;
}

function peak(values: Array<number | null>): number | null {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return finite.length ? Math.max(...finite) : null;
}

function metricOf(t: ScoreTrack, metric: string) {
  return (metric ? t.metrics.find((m) => m.name === metric) : undefined) ?? t.metrics[0];
}

/**
 * Which line is which: each shown entity with its colour, the metric's last value (in the field's
 * unit) and its peak score, a warning mark when that crossed the threshold (so status is not told by
 * colour alone); then how many entities were folded away and how high they went.
 */
export function SeriesLegend({ folded, metric, threshold, color }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.legend} data-testid={testIds.legend}>
      {folded.shown.map((t, i) => {
        const m = metricOf(t, metric);
        const p = peak(t.scores);
        return (
          <span key={`${t.name}-${i}`} className={styles.item} data-testid={testIds.legendItem}>
            <span className={styles.swatch} style={{ background: color(i) }} />
            <span className={styles.name}>{t.service ?? t.name}</span>
            {m && ` ${formatFieldValue(m.field, last(m.values))}`}
            {p !== null && ` · peak ${formatFieldValue(undefined, p)}${p >= threshold ? ' ⚠' : ''}`}
          </span>
        );
      })}
      {folded.folded.count > 0 && (
        <span className={styles.item} data-testid={testIds.legendFolded}>
          {`+${folded.folded.count} more`}
          {folded.folded.peakScore !== null && `, peak ≤ ${formatFieldValue(undefined, folded.folded.peakScore)}`}
        </span>
      )}
    </div>
  );
}
