// Child process for the benchmark: `node bench/server.cjs bare|remediator DBFILE|postgres URL` listens on an
// ephemeral port and prints it. Separate processes keep the load generator off the server's core.
const kind = process.argv[2];
async function main() {
  if (kind === 'bare') {
    const app = require('fastify')({ logger: false });
    app.post('/api/v1/alerts/alertmanager', async (_req, reply) =>
      reply.code(202).send({ accepted: 0, duplicates: 0 }),
    );
    return app.listen({ host: '127.0.0.1', port: 0 });
  }
  const { parseConfig } = require('../dist/config.js');
  const { createRemediator } = require('../dist/remediator.js');
  const loaded = parseConfig(
    {
      server: { port: 0, logLevel: 'warn' },
      auth: { bearerTokens: [{ value: 'bench-token' }] },
      ...(kind === 'postgres' ? { state: { url: process.argv[3] } } : { storage: { file: process.argv[3] } }),
      policy: {
        rules: [
          {
            name: 'bench',
            match: { alertname: 'BenchNeverActs' },
            target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
            allow: ['*'],
            ladder: [{ action: 'restart' }],
          },
        ],
      },
    },
    __dirname,
  );
  const r = await createRemediator(loaded);
  return r.listen();
}
main().then(
  (url) => process.stdout.write(`${url}\n`),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
