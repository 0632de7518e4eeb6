// Public surface of @homeostat/demo for other packages (the chaos runner, tests).
export { createBackend, type Backend, type BackendDeps } from './backend-app';
export { BackendConfig } from './backend-config';
export { DEFAULT_DEV_TOKEN } from './admin-auth';
export { DemoError, DemoErrorCode } from './errors';
export type { FaultWindow } from './fault-scheduler';
export { ServiceName, PERSONALITIES } from './personality';
export { startFleet, DEMO_BIN_DIR, FleetConfig, fleetPorts, type Fleet, type FleetMember } from './fleet';
export { createGateway, type Gateway, type GatewayDeps } from './gateway-app';
export { GatewayConfig } from './gateway-config';
