import { createServer } from 'node:net';
import type Docker from 'dockerode';
import type { Target } from '@homeostat/contracts';
import { RemediatorError } from '../errors';
import {
  CLONE_LABEL,
  CLONE_OF_LABEL,
  cloneFilter,
  HOLD_UNTIL_LABEL,
  INCIDENT_LABEL,
  NUMBER,
  PROJECT,
  SERVICE,
} from './docker-labels';

export interface CloneRequest {
  templateId: string;
  target: Target;
  incidentId: string;
  /** Env var holding the listen port; a host-network clone gets a fresh free port in it. */
  portEnv: string;
  /** When the scale-out hold gives the clone back (epoch ms); none: kept until scale_in/undo. */
  holdUntil?: number;
}

function freeHostPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Removes a container; one already gone is not an error. */
export async function removeContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}

/**
 * A scale-out's new replica: the template container's config, compose's labels with the next
 * number, CLONE_LABEL (and the hold), started and watched for a second. Returns its id.
 */
export async function createClone(docker: Docker, c0: CloneRequest): Promise<string> {
  const { templateId, target, incidentId } = c0;
  const src = await docker.getContainer(templateId).inspect();
  // Two writers on one volume corrupt it: a container with a writable mount is not cloned.
  const writable = (src.Mounts ?? []).filter((m) => m.RW);
  if (writable.length > 0)
    throw new RemediatorError(
      'ACTION_UNSUPPORTED',
      `${src.Name.replace(/^\//, '')} has writable mounts (${writable.map((m) => m.Destination).join(', ')}): a clone would be a second writer`,
      { field: 'action' },
    );
  // Numbering is per compose project (another project's `orders` must not shift ours), and per
  // original container for a `container` target.
  const all = await docker.listContainers({
    all: true,
    filters: JSON.stringify(
      target.kind === 'container'
        ? cloneFilter(target)
        : {
            label: [
              `${SERVICE}=${target.name}`,
              ...(target.namespace ? [`${PROJECT}=${target.namespace}`] : []),
            ],
          },
    ),
  });
  const n = 1 + Math.max(0, ...all.map((c) => Number(c.Labels[NUMBER] ?? 0)));
  const hostNet = src.HostConfig.NetworkMode === 'host';
  const portEnv = c0.portEnv;
  let env = src.Config.Env ?? [];
  if (hostNet && env.some((e) => e.startsWith(`${portEnv}=`))) {
    // Host networking shares the port space: a clone must listen elsewhere.
    const port = await freeHostPort();
    env = env.map((e) => (e.startsWith(`${portEnv}=`) ? `${portEnv}=${port}` : e));
  }
  const nets = Object.entries(src.NetworkSettings.Networks ?? {});
  const name =
    target.kind === 'container'
      ? `${target.name}-clone-${n}`
      : `${target.namespace ?? 'default'}-${target.name}-${n}`;
  const c = await docker.createContainer({
    name,
    Image: src.Config.Image,
    Cmd: src.Config.Cmd ?? undefined,
    Entrypoint: src.Config.Entrypoint ?? undefined,
    Env: env,
    WorkingDir: src.Config.WorkingDir,
    User: src.Config.User,
    ExposedPorts: src.Config.ExposedPorts,
    Healthcheck: src.Config.Healthcheck,
    Labels: {
      ...src.Config.Labels,
      [NUMBER]: String(n),
      [CLONE_LABEL]: 'true',
      [INCIDENT_LABEL]: incidentId,
      ...(c0.holdUntil !== undefined ? { [HOLD_UNTIL_LABEL]: String(c0.holdUntil) } : {}),
      ...(target.kind === 'container' ? { [CLONE_OF_LABEL]: target.name } : {}),
    },
    HostConfig: { ...src.HostConfig, PortBindings: {} },
    ...(hostNet || nets.length === 0
      ? {}
      : {
          NetworkingConfig: {
            EndpointsConfig: {
              [nets[0]![0]]: { Aliases: [...new Set([target.name, ...(nets[0]![1].Aliases ?? [])])] },
            },
          },
        }),
  });
  if (!hostNet) {
    for (const [net, cfg] of nets.slice(1))
      await docker
        .getNetwork(net)
        .connect({ Container: c.id, EndpointConfig: { Aliases: cfg.Aliases ?? [target.name] } });
  }
  await c.start();
  // A clone that dies at once (a port fixed in its command, a missing file) is not a replica.
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const st = (await c.inspect()).State;
    if (!st.Running) {
      await removeContainer(docker, c.id);
      throw new RemediatorError(
        'ACTUATOR_FAILED',
        `clone ${name} exited (${st.ExitCode}) right after start; removed`,
      );
    }
  }
  return c.id;
}
