/** data-testid values shared by unit tests and the browser tests. */
export const testIds = {
  panel: 'homeostat-healing-panel',
  health: 'homeostat-health-score',
  mttd: 'homeostat-mttd',
  mttr: 'homeostat-mttr',
  chart: 'homeostat-series-chart',
  band: 'homeostat-anomaly-band',
  scoreLine: 'homeostat-score-line',
  metricLine: 'homeostat-metric-line',
  threshold: 'homeostat-threshold',
  lane: 'homeostat-healing-lane',
  laneEvent: 'homeostat-lane-event',
  hoverCard: 'homeostat-hover-card',
};
