// Grafana 11.6.0-11.6.10 do not share react/jsx-runtime: a plugin importing it fails to load there.
export const sharedExtras: Record<string, unknown> = {};
