import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort, makeTempDir, spawnDaemon, waitFor, type Daemon } from '@homeostat/testkit';
import { docker, importNodeImage } from '../src/node-image';
import { repoPath } from '../src/repo';

// The compose stack's Prometheus configuration on a real Prometheus and a real Docker engine:
// a container labelled like the compose file's backends is scraped as job="demo" with its
// service, a second replica (what `--scale` or the remediator's scale-out adds) is found without
// any configuration change, a removed one disappears, and a crashed one stays as a target that is
// down (what HomeostatTargetDown alerts on). Containers use host networking, the
// only kind this machine allows; the same relabelling handles bridge-network IPs.
jest.setTimeout(120_000);

const RUN = `hs-deploy-sd-${process.pid}`;
const IMAGE = `homeostat-deploy-test/node:${process.pid}`;

interface Target {
  labels: Record<string, string>;
  health: string;
  scrapeUrl: string;
}

let prometheus: Daemon;
const started: string[] = [];

async function targets(): Promise<Target[]> {
  const r = (await (await fetch(`${prometheus.url}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: Target[] } };
  return r.data.activeTargets.filter((t) => t.labels.container?.startsWith(RUN));
}

/** A stand-in backend: serves the series a demo service exposes, with its own `service` label. */
function startReplica(service: string, n: number, port: number, crash = false): string {
  const name = `${RUN}-${service}-${n}`;
  const script = crash
    ? 'process.exit(3)'
    : `require('http').createServer((q,s)=>s.end('http_requests_total{service="${service}",code="200"} ${n}\\n')).listen(${port},'127.0.0.1')`;
  docker(
    'run', '-d', '--name', name, '--network', 'host',
    '--label', 'homeostat.scrape=true', '--label', 'homeostat.job=demo', '--label', `homeostat.metrics-port=${port}`,
    '--label', `com.docker.compose.service=${service}`, '--label', 'com.docker.compose.project=homeostat-deploy-test',
    IMAGE, process.execPath, '-e', script,
  );
  started.push(name);
  return name;
}

beforeAll(async () => {
  docker('info', '--format', '{{.ServerVersion}}');
  importNodeImage(IMAGE);
  const dir = makeTempDir('prometheus-sd');
  // the shipped file; only the Alertmanager address (a compose DNS name) is dropped
  const config = parse(readFileSync(repoPath('provisioning', 'prometheus', 'prometheus.yml'), 'utf8')) as { alerting?: unknown };
  delete config.alerting;
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  cpSync(repoPath('provisioning', 'prometheus', 'rules'), join(dir, 'rules'), { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  prometheus = spawnDaemon(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { dir, port, url, name: 'prometheus' },
  );
  await waitFor(`prometheus on ${url}`, async () => (await fetch(`${url}/-/ready`)).ok, { timeoutMs: 30_000 });
});

afterAll(async () => {
  for (const name of started) {
    try {
      docker('rm', '-f', name);
    } catch {
      /* already gone */
    }
  }
  await prometheus?.stop({ removeDir: true });
  try {
    docker('rmi', '-f', IMAGE);
  } catch {
    /* never built */
  }
});

it('scrapes a labelled container as job="demo", finds a scaled-out replica, and drops a removed one', async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  const first = startReplica('orders', 1, p1);
  const one = await waitFor('the first orders replica to be scraped', async () => {
    const t = await targets();
    return t.length === 1 && t[0].health === 'up' ? t : undefined;
  });
  expect(one[0].labels).toEqual(expect.objectContaining({ job: 'demo', service: 'orders', container: first, instance: `localhost:${p1}` }));

  const second = startReplica('orders', 2, p2);
  const two = await waitFor('the scaled-out replica to be scraped', async () => {
    const t = await targets();
    return t.length === 2 && t.every((x) => x.health === 'up') ? t : undefined;
  });
  expect(two.map((t) => t.labels.container).sort()).toEqual([first, second].sort());

  // the app's own `service` label survives on its series (honor_labels), next to the container
  const series = await waitFor('both replicas series', async () => {
    const r = (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(`http_requests_total{job="demo",container=~"${RUN}.*"}`)}`)).json()) as {
      data: { result: { metric: Record<string, string> }[] };
    };
    return r.data.result.length === 2 ? r.data.result : undefined;
  });
  expect(series.map((s) => s.metric.service)).toEqual(['orders', 'orders']);

  docker('rm', '-f', first);
  const left = await waitFor('the removed replica to be dropped', async () => {
    const t = await targets();
    return t.length === 1 ? t : undefined;
  });
  expect(left[0].labels.container).toBe(second);
});

it('keeps a crashed replica as a target that is down, so up{job="demo"} == 0 names its service', async () => {
  const crashed = startReplica('payments', 1, await freePort(), true);
  const down = await waitFor('the crashed replica to be scraped as down', async () => {
    const t = (await targets()).filter((x) => x.labels.container === crashed);
    return t.length === 1 && t[0].health === 'down' ? t : undefined;
  });
  expect(down[0].labels).toEqual(expect.objectContaining({ job: 'demo', service: 'payments' }));
  const up = await waitFor('up == 0 for payments', async () => {
    const r = (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(`up{job="demo",container="${crashed}"} == 0`)}`)).json()) as {
      data: { result: { metric: Record<string, string> }[] };
    };
    return r.data.result.length === 1 ? r.data.result : undefined;
  });
  expect(up[0].metric.service).toBe('payments');
});

it('drops a replica renamed "<name>.draining" (a clone the remediator gives back) while it still answers, never scraping it down', async () => {
  const name = startReplica('inventory', 2, await freePort());
  await waitFor('the inventory replica to be scraped', async () => (await targets()).some((t) => t.labels.container === name && t.health === 'up'));
  docker('rename', name, `${name}.draining`);
  started.push(`${name}.draining`);
  await waitFor('the draining replica to be dropped', async () => !(await targets()).some((t) => t.labels.container?.startsWith(name)));
  const r = (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(`min_over_time(up{job="demo",container="${name}"}[5m])`)}`)).json()) as {
    data: { result: { value: [number, string] }[] };
  };
  expect(r.data.result.map((s) => s.value[1])).toEqual(['1']); // scraped, and only ever up
});
