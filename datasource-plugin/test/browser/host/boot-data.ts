// Grafana renders window.grafanaBootData into index.html before any module runs; @grafana/runtime
// reads it on import (config). The host page stands in for that page, so it sets a minimal one first.
const w = window as unknown as { grafanaBootData: unknown };
w.grafanaBootData = {
  settings: { buildInfo: { version: process.env.HOST_GRAFANA_VERSION, edition: 'Open Source' }, featureToggles: {}, theme2: undefined },
  user: { timezone: 'utc', theme: 'dark', orgRole: 'Admin', isSignedIn: true },
  navTree: [],
};
export {};
