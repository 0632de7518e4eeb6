import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port';
import { makeTempDir, spawnDaemon, type Daemon } from './daemon';
import { waitFor } from './wait-for';

export interface AlertmanagerOptions {
  /** The full alertmanager.yml as an object; a default route to a null receiver otherwise. */
  config?: Record<string, unknown>;
  /** Files written next to the config (e.g. a bearer token file referenced by credentials_file). */
  files?: { name: string; content: string }[];
  dir?: string;
  port?: number;
  /**
   * Join an HA cluster: gossip on `listenPort` (127.0.0.1) with `peers` (host:port). Without it
   * clustering is off.
   */
  cluster?: { listenPort: number; peers: string[]; peerTimeout?: string };
}

/**
 * Starts Debian's `prometheus-alertmanager` (0.25) on 127.0.0.1 (clustering off unless `cluster`) and a temp
 * storage dir. `{{dir}}` in string values of `config` is replaced by the temp dir, so configs can
 * point at `files`.
 */
export async function startAlertmanager(opts: AlertmanagerOptions = {}): Promise<Daemon> {
  const dir = opts.dir ?? makeTempDir('alertmanager');
  const port = opts.port ?? (await freePort());
  for (const f of opts.files ?? []) writeFileSync(join(dir, f.name), f.content);
  const config = opts.config ?? { route: { receiver: 'null' }, receivers: [{ name: 'null' }] };
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, stringify(config).replaceAll('{{dir}}', dir));
  const url = `http://127.0.0.1:${port}`;
  const d = spawnDaemon(
    'prometheus-alertmanager',
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(opts.cluster
        ? [
            `--cluster.listen-address=127.0.0.1:${opts.cluster.listenPort}`,
            `--cluster.advertise-address=127.0.0.1:${opts.cluster.listenPort}`,
            ...opts.cluster.peers.map((p) => `--cluster.peer=${p}`),
            `--cluster.peer-timeout=${opts.cluster.peerTimeout ?? '2s'}`,
            '--cluster.gossip-interval=100ms',
            '--cluster.pushpull-interval=1s',
          ]
        : ['--cluster.listen-address=']),
      '--log.level=warn',
    ],
    { dir, port, url, name: 'alertmanager' },
  );
  await waitFor(
    `alertmanager on ${url} (log: ${d.logFile})`,
    async () => (await fetch(`${url}/-/ready`)).ok,
    {
      timeoutMs: 30_000,
    },
  );
  return d;
}
