import * as jsxRuntime from 'react/jsx-runtime';

// Grafana 13.2 (React 19) shares react/jsx-runtime too.
export const sharedExtras: Record<string, unknown> = { 'react/jsx-runtime': jsxRuntime };
