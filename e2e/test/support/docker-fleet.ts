import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import Docker from 'dockerode';
import { buildNodeImage, freePort, waitFor } from '@homeostat/testkit';
import { runtimeClosure } from './runtime-closure';

const run = promisify(execFile);
const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Every container this suite creates carries it (the remediator's clones copy it): removal by label. */
export const E2E_LABEL = 'io.homeostat.e2e';
/**
 * Which run made a container: the jest process id. Runs may overlap on one dockerd (CI and a
 * developer on the same machine); each removes its own things and those of runs that are gone.
 */
export const RUN_LABEL = 'io.homeostat.e2e.run';
export const RUN_ID = String(process.pid);
/** The compose project the containers pretend to belong to: the remediator's policy targets it. */
export const PROJECT = `homeostat-e2e-${RUN_ID}`;
const IMAGE_REPO = 'homeostat-e2e/demo-backend';
export const IMAGE = `${IMAGE_REPO}:${RUN_ID}`;
const ENTRY = '/app/demo/dist/bin/backend.js';

export interface Replica {
  id: string;
  /** Container name: Prometheus labels the target with it, as compose's docker_sd relabelling does. */
  name: string;
  service: string;
  url: string;
  running: boolean;
  clone: boolean;
}

/**
 * The demo image: node + its libraries (testkit's buildNodeImage, no pull), the built demo and
 * contracts, and the npm packages the demo needs at run time, laid out as in the repository.
 */
export async function buildDemoImage(): Promise<string> {
  const files: Record<string, string> = {
    '/app/demo/package.json': resolve(REPO_ROOT, 'demo/package.json'),
    '/app/demo/dist': resolve(REPO_ROOT, 'demo/dist'),
    '/app/node_modules/@homeostat/contracts/package.json': resolve(REPO_ROOT, 'contracts/package.json'),
    '/app/node_modules/@homeostat/contracts/dist': resolve(REPO_ROOT, 'contracts/dist'),
  };
  for (const rel of runtimeClosure(resolve(REPO_ROOT, 'demo'), REPO_ROOT, ['@homeostat/contracts'])) {
    files[`/app/${rel}`] = resolve(REPO_ROOT, rel);
  }
  return buildNodeImage({ tag: IMAGE, files, rebuild: true, env: { NODE_ENV: 'production' } });
}

const alive = (pid: string): boolean => {
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes this run's containers (running or not) and, with `image`, its image tag; `stale` also
 * removes what runs that are no longer alive left behind (a run killed before its afterAll).
 */
export async function removeEverything(docker: Docker, { image = false, stale = false } = {}): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [E2E_LABEL] }) });
  for (const c of list) {
    const run = c.Labels[RUN_LABEL] ?? '';
    if (run === RUN_ID || (stale && !alive(run))) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
  const tags = (await docker.listImages({ filters: JSON.stringify({ reference: [IMAGE_REPO] }) })).flatMap((i) => i.RepoTags ?? []);
  for (const tag of tags) {
    const run = tag.slice(IMAGE_REPO.length + 1);
    if ((image && run === RUN_ID) || (stale && !alive(run))) await execRm(tag);
  }
}

const execRm = (tag: string) => run('docker', ['image', 'rm', '-f', tag]).catch(() => undefined);

/**
 * The demo backends as Docker containers on the host network, one per service, labelled like a
 * compose project (project, service, container-number) so the remediator's Docker actuator finds,
 * restarts and clones them. Each listens on the port in its PORT env (clones get a fresh one).
 */
export class DockerFleet {
  private readonly ports = new Map<string, number>();

  private constructor(
    readonly docker: Docker,
    private readonly originals: Map<string, { id: string; port: number }>,
  ) {}

  static async start(docker: Docker, services: readonly string[], adminToken: string): Promise<DockerFleet> {
    const originals = new Map<string, { id: string; port: number }>();
    const fleet = new DockerFleet(docker, originals);
    for (const service of services) {
      const port = await freePort();
      const { stdout } = await run('docker', [
        'run', '-d', '--network', 'host', '--restart', 'no',
        '--name', `${PROJECT}-${service}-1`,
        '--label', `${E2E_LABEL}=true`,
        '--label', `${RUN_LABEL}=${RUN_ID}`,
        '--label', `com.docker.compose.project=${PROJECT}`,
        '--label', `com.docker.compose.service=${service}`,
        '--label', 'com.docker.compose.container-number=1',
        '--env', `PORT=${port}`,
        '--env', `HOMEOSTAT_SERVICE=${service}`,
        '--env', 'HOMEOSTAT_HOST=127.0.0.1',
        '--env', `HOMEOSTAT_ADMIN_TOKEN=${adminToken}`,
        IMAGE, 'node', ENTRY,
      ]);
      originals.set(service, { id: stdout.trim(), port });
    }
    await Promise.all([...originals].map(([s, o]) => waitFor(`container ${s} on port ${o.port}`, () => healthy(o.port), { timeoutMs: 60_000 })));
    return fleet;
  }

  /** URL of a service's original container (where the runner injects faults). */
  url(service: string): string {
    const o = this.originals.get(service);
    if (!o) throw new Error(`no service ${service} in the Docker fleet`);
    return `http://127.0.0.1:${o.port}`;
  }

  originalId(service: string): string {
    return this.originals.get(service)!.id;
  }

  /** Every container of the project, running or exited (a crashed one stays a scrape target: up == 0). */
  async replicas(): Promise<Replica[]> {
    const list = await this.docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`com.docker.compose.project=${PROJECT}`, `${RUN_LABEL}=${RUN_ID}`] }),
    });
    const out: Replica[] = [];
    for (const c of list) {
      let port = this.ports.get(c.Id);
      if (port === undefined) {
        const env = (await this.docker.getContainer(c.Id).inspect()).Config.Env ?? [];
        port = Number(env.find((e) => e.startsWith('PORT='))?.slice(5));
        this.ports.set(c.Id, port);
      }
      out.push({
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        service: c.Labels['com.docker.compose.service'] ?? '',
        url: `http://127.0.0.1:${port}`,
        running: c.State === 'running',
        clone: c.Labels['io.homeostat.remediator.clone'] === 'true',
      });
    }
    return out;
  }

  /** The runner's no-heal rollback: starts the original container again if it is not running. */
  async restartIfDown(service: string): Promise<boolean> {
    const o = this.originals.get(service);
    if (!o) return false;
    const info = await this.docker.getContainer(o.id).inspect();
    if (info.State.Running) return false;
    await this.docker.getContainer(o.id).start();
    await waitFor(`${service} container again`, () => healthy(o.port), { timeoutMs: 60_000 });
    return true;
  }
}

export async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}
