import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { isDraining } from '@homeostat/contracts';
import { waitFor, type Daemon } from '@homeostat/testkit';
import { ChaosError } from '../errors';
import { buildDemoImage, IMAGE_ENTRY, IMAGE_REPO, imageTag, removeImage } from './demo-image';
import { DEMO_SERVICES, type Fleet, type FleetContext, type FleetPlan } from './fleet';
import type { StackTarget } from './prometheus-config';
import { ENTRY_POINTS } from './repo-paths';
import { startDaemon } from './start-daemon';

const run = promisify(execFile);

/** Every container a Docker fleet creates carries it (the remediator's clones copy it): removal by label. */
export const E2E_LABEL = 'io.homeostat.e2e';
/**
 * Which run made a container: this process' id. Runs may overlap on one dockerd (CI and a
 * developer on the same machine); each removes its own things and those of runs that are gone.
 */
export const RUN_LABEL = 'io.homeostat.e2e.run';
export const RUN_ID = String(process.pid);
/** The compose project the containers pretend to belong to: the remediator's policy targets it. */
export const PROJECT = `homeostat-e2e-${RUN_ID}`;
export const IMAGE = imageTag(RUN_ID);

/** Why Docker cannot be used here (no CLI, no daemon), or null when it can. */
export function dockerUnavailable(): string | null {
  const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', timeout: 15_000 });
  if (r.error) return `the docker CLI could not run (${r.error.message})`;
  if (r.status !== 0) return `dockerd did not answer (${(r.stderr || '').trim().split('\n')[0]})`;
  return null;
}

export interface Replica {
  id: string;
  /** Container name: Prometheus labels the target with it, as compose's docker_sd relabelling does. */
  name: string;
  service: string;
  url: string;
  running: boolean;
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
 * removes what runs that are no longer alive left behind (a run killed before it could clean up).
 */
export async function removeEverything(docker: Docker, { image = false, stale = false } = {}): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [E2E_LABEL] }) });
  for (const c of list) {
    const owner = c.Labels[RUN_LABEL] ?? '';
    if (owner === RUN_ID || (stale && !alive(owner))) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
  const tags = (await docker.listImages({ filters: JSON.stringify({ reference: [IMAGE_REPO] }) })).flatMap((i) => i.RepoTags ?? []);
  for (const tag of tags) {
    const owner = tag.slice(IMAGE_REPO.length + 1);
    if ((image && owner === RUN_ID) || (stale && !alive(owner))) await removeImage(tag);
  }
}

export async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/**
 * The demo backends as Docker containers on the host network, one per service, labelled like a
 * compose project (project, service, container-number) so the remediator's Docker actuator finds,
 * restarts and clones them; each listens on the port in its PORT env (clones get a fresh one). The
 * gateway is a local process reading its upstreams from a file that `targets()` keeps in step with
 * the project's containers, playing compose's part: a clone gets traffic once it answers /healthz.
 */
export class DockerFleet implements Fleet {
  readonly kind = 'docker';
  readonly docker = new Docker();
  private readonly originals = new Map<string, { id: string; port: number }>();
  private readonly ports = new Map<string, number>();
  /** Containers that have answered /healthz once: like a readiness probe, a clone still booting is not "down". */
  private readonly ready = new Set<string>();
  private gateway: Daemon | null = null;

  private constructor(
    private readonly gatewayPort: number,
    private readonly upstreamsFile: string,
  ) {}

  static async start(ctx: FleetContext, gatewayPort: number): Promise<DockerFleet> {
    const fleet = new DockerFleet(gatewayPort, join(ctx.dir, 'upstreams.json'));
    try {
      await removeEverything(fleet.docker, { image: true, stale: true });
      ctx.log('building the demo image (docker import)');
      await buildDemoImage(IMAGE);
      ctx.log(`starting ${DEMO_SERVICES.join(', ')} as containers`);
      for (const service of DEMO_SERVICES) {
        const port = await ctx.ports.next();
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
          ...Object.entries(ctx.serviceEnv).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
          IMAGE, 'node', IMAGE_ENTRY,
        ]);
        fleet.originals.set(service, { id: stdout.trim(), port });
      }
      await Promise.all([...fleet.originals].map(([s, o]) => waitFor(`container ${s} on port ${o.port}`, () => healthy(o.port), { timeoutMs: 60_000 })));
      await fleet.targets(); // the gateway reads the upstreams file at start
      fleet.gateway = await startDaemon(
        'gateway',
        process.execPath,
        [ENTRY_POINTS.gateway, '--port', String(gatewayPort), '--upstreams-file', fleet.upstreamsFile, '--file-interval-ms', '500'],
        { dir: ctx.dir, port: gatewayPort, ready: '/healthz', env: ctx.serviceEnv, log: ctx.log },
      );
      return fleet;
    } catch (e) {
      await fleet.stop();
      throw new ChaosError('STACK_START_FAILED', `Docker fleet: ${(e as Error).message}`, { cause: e });
    }
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.gatewayPort}`;
  }

  /** URL of a service's original container (where the runner injects faults). */
  url(service: string): string {
    const o = this.originals.get(service);
    if (!o) throw new ChaosError('INVALID_ARGUMENT', `no service "${service}" in the fleet`, { field: 'target.service' });
    return `http://127.0.0.1:${o.port}`;
  }

  originalId(service: string): string {
    return this.originals.get(service)!.id;
  }

  /**
   * The gateway and every container of the project that has been ready once, running or exited (a
   * crashed one stays a scrape target with up == 0, as with compose's docker_sd), except a clone the
   * remediator is giving back (its draining name: it leaves the targets and the gateway while it
   * still answers, as compose's docker_sd relabelling drops it); rewrites the gateway's upstreams
   * file when the set changed.
   */
  async targets(): Promise<StackTarget[]> {
    const all = (await this.replicas()).filter((r) => !isDraining(r.name));
    for (const r of all) if (!this.ready.has(r.id) && r.running && (await healthy(Number(new URL(r.url).port)))) this.ready.add(r.id);
    const replicas = all.filter((r) => this.ready.has(r.id));
    const upstreams: Record<string, string[]> = {};
    for (const s of DEMO_SERVICES) upstreams[s] = replicas.filter((r) => r.service === s).map((r) => r.url).sort();
    const text = JSON.stringify(upstreams);
    if (!existsSync(this.upstreamsFile) || readFileSync(this.upstreamsFile, 'utf8') !== text) writeFileSync(this.upstreamsFile, text);
    return [
      { service: 'gateway', address: `127.0.0.1:${this.gatewayPort}` },
      ...replicas.map((r) => ({ service: r.service, address: new URL(r.url).host, container: r.name })),
    ];
  }

  /** Every container of the project, running or exited. */
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

  /** Stops the gateway and removes this run's containers (clones included) and image. */
  async stop(): Promise<void> {
    await this.gateway?.stop();
    await removeEverything(this.docker, { image: true });
  }
}

/** The Docker fleet's plan: the remediator acts through its Docker actuator on compose service `{{service}}` of PROJECT. */
export async function planDockerFleet(ctx: FleetContext): Promise<FleetPlan> {
  const why = dockerUnavailable();
  if (why) throw new ChaosError('STACK_START_FAILED', `the docker fleet needs a running dockerd: ${why}`, { field: 'fleet' });
  if (ctx.replicas !== 1) throw new ChaosError('INVALID_ARGUMENT', 'the docker fleet starts one replica per backend', { field: 'replicas' });
  const gatewayPort = await ctx.ports.next();
  return {
    actuator: {
      config: { docker: { socketPath: '/var/run/docker.sock', scaleOutHoldSeconds: ctx.scaleOutHoldSeconds } },
      target: { actuator: 'docker', kind: 'compose-service', name: '{{service}}', namespace: PROJECT },
    },
    start: () => DockerFleet.start(ctx, gatewayPort),
  };
}
