// Node-only (node:crypto, node:fs): imported as @homeostat/contracts/access by the services, never
// re-exported from the package's index, which the browser plugins bundle.
export * from './credential-check';
export * from './secret';
