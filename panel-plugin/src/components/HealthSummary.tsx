import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { HealthSummary as Summary, formatDuration } from '../model/health';
import { testIds } from './testIds';

interface Props {
  summary: Summary;
  compact: boolean;
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css`
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: ${theme.spacing(0.5, 2)};
    padding: ${theme.spacing(0, 0.5)};
  `,
  health: css`
    font-size: ${theme.typography.h3.fontSize};
    font-weight: ${theme.typography.fontWeightMedium};
    line-height: 1.1;
  `,
  stat: css`
    color: ${theme.colors.text.secondary};
    font-size: ${theme.typography.bodySmall.fontSize};
    white-space: nowrap;
  `,
  value: css`
    color: ${theme.colors.text.primary};
    font-weight: ${theme.typography.fontWeightMedium};
  `,
});

/** Health score 0-100 (green from 90, orange from 70, red below) and the range's MTTD and MTTR. */
export function HealthSummary({ summary, compact }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const h = summary.health;
  const color =
    h === null
      ? theme.colors.text.secondary
      : theme.visualization.getColorByName(h >= 90 ? 'green' : h >= 70 ? 'orange' : 'red');
  return (
    <div className={styles.row}>
      <span className={styles.health} style={{ color }} data-testid={testIds.health} title="share of scored points below the anomaly threshold">
        {compact ? '' : 'Health '}
        {h === null ? '–' : h}
      </span>
      <span className={styles.stat}>
        MTTD <span className={styles.value} data-testid={testIds.mttd}>{formatDuration(summary.mttdSeconds)}</span>
      </span>
      <span className={styles.stat}>
        MTTR <span className={styles.value} data-testid={testIds.mttr}>{formatDuration(summary.mttrSeconds)}</span>
      </span>
      {!compact && (
        <span className={styles.stat}>
          incidents <span className={styles.value}>{summary.incidents}</span>
        </span>
      )}
    </div>
  );
}
