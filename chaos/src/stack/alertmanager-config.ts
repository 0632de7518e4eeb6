/**
 * alertmanager.yml of the local stack: alerts labelled remediate="true" go to the remediator's
 * webhook with a bearer token; short waits so a chaos run measures the healer, not the batching.
 */
export function alertmanagerConfig(remediatorUrl: string, tokenFile: string): Record<string, unknown> {
  return {
    route: {
      receiver: 'null',
      group_by: ['alertname', 'service'],
      group_wait: '1s',
      group_interval: '5s',
      repeat_interval: '1h',
      routes: [{ receiver: 'homeostat-remediator', matchers: ['remediate="true"'], continue: false }],
    },
    receivers: [
      { name: 'null' },
      {
        name: 'homeostat-remediator',
        webhook_configs: [
          {
            url: `${remediatorUrl}/api/v1/alerts/alertmanager`,
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials_file: tokenFile } },
          },
        ],
      },
    ],
  };
}
