export * from './common';
export * from './alertmanager';
export * from './detector-api';
export * from './remediator-api';
export * from './grafana-frames';
export * from './draining-replica';
