/** data-testid values used by unit and browser tests. */
export const testIds = {
  configEditor: {
    detectorUrl: 'homeostat-config-detector-url',
    remediatorUrl: 'homeostat-config-remediator-url',
  },
  queryEditor: {
    root: 'homeostat-query-editor',
    queryType: 'homeostat-query-type',
    detector: 'homeostat-query-detector',
    expr: 'homeostat-query-expr',
    entity: 'homeostat-query-entity',
    service: 'homeostat-query-service',
    hint: 'homeostat-query-hint',
  },
};
