import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, dateTimeFormat } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { testIds } from './testIds';

/** What the card shows: a title, a time span and labelled detail lines (reason, top features...). */
export interface HoverContent {
  title: string;
  subtitle?: string;
  time: number;
  endTime?: number | null;
  lines: Array<[string, string]>;
  /** Position inside the panel, in px. */
  x: number;
  y: number;
}

interface Props {
  content: HoverContent;
  panelWidth: number;
  timeZone?: string;
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css`
    position: absolute;
    z-index: 10;
    max-width: 280px;
    pointer-events: none;
    background: ${theme.colors.background.elevated};
    border: 1px solid ${theme.colors.border.medium};
    border-radius: ${theme.shape.radius.default};
    box-shadow: ${theme.shadows.z2};
    padding: ${theme.spacing(0.75, 1)};
    font-size: ${theme.typography.bodySmall.fontSize};
    color: ${theme.colors.text.primary};
  `,
  title: css`
    font-weight: ${theme.typography.fontWeightMedium};
    margin-bottom: ${theme.spacing(0.25)};
  `,
  muted: css`
    color: ${theme.colors.text.secondary};
  `,
  line: css`
    overflow-wrap: anywhere;
  `,
});

export function HoverCard({ content, panelWidth, timeZone }: Props) {
  const styles = useStyles2(getStyles);
  const fmt = (t: number) => dateTimeFormat(t, { format: 'HH:mm:ss', timeZone });
  const left = Math.max(0, Math.min(content.x + 8, panelWidth - 240));
  return (
    <div className={styles.card} style={{ left, top: content.y + 8 }} data-testid={testIds.hoverCard} role="tooltip">
      <div className={styles.title}>{content.title}</div>
      {content.subtitle && <div className={styles.muted}>{content.subtitle}</div>}
      <div className={styles.muted}>
        {fmt(content.time)}
        {content.endTime ? ` – ${fmt(content.endTime)}` : ''}
      </div>
      {content.lines.map(([k, v]) => (
        <div key={k} className={styles.line}>
          <span className={styles.muted}>{k}: </span>
          {v}
        </div>
      ))}
    </div>
  );
}
