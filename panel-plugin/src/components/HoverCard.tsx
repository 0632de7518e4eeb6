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
  panelHeight: number;
  timeZone?: string;
}

const CARD_MAX_W = 280;
const GAP = 8;

const getStyles = (theme: GrafanaTheme2) => ({
  card: css`
    position: absolute;
    box-sizing: border-box;
    z-index: 10;
    max-width: ${CARD_MAX_W}px;
    overflow: auto;
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

/**
 * The details of what is under the pointer (or focused). Grafana clips a panel to its box, so the card
 * stays inside it: right of the point unless that overflows, below it in the upper half and above it
 * in the lower half, never taller than the room it has (it scrolls then).
 */
export function HoverCard({ content, panelWidth, panelHeight, timeZone }: Props) {
  const styles = useStyles2(getStyles);
  const fmt = (t: number) => dateTimeFormat(t, { format: 'HH:mm:ss', timeZone });
  const width = Math.min(CARD_MAX_W, panelWidth - 2 * GAP);
  const left = Math.max(0, Math.min(content.x + GAP, panelWidth - width - 2));
  const below = content.y < panelHeight / 2;
  const place = below
    ? { top: content.y + GAP, maxHeight: panelHeight - content.y - GAP - 2 }
    : { bottom: panelHeight - content.y + GAP, maxHeight: content.y - GAP - 2 };
  return (
    <div className={styles.card} style={{ left, maxWidth: width, ...place }} data-testid={testIds.hoverCard} role="tooltip">
      <div className={styles.title}>{content.title}</div>
      {content.subtitle && <div className={styles.muted}>{content.subtitle}</div>}
      <div className={styles.muted}>
        {fmt(content.time)}
        {content.endTime ? ` – ${fmt(content.endTime)}` : ''}
      </div>
      {content.lines.map(([k, v], i) => (
        <div key={`${i}-${k}`} className={styles.line}>
          <span className={styles.muted}>{k}: </span>
          {v}
        </div>
      ))}
    </div>
  );
}
