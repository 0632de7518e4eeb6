import type { RunRecord } from '@homeostat/chaos/dist/runner/run-record';
import { DockerFleet, E2E_LABEL, IMAGE, PROJECT, RUN_ID, RUN_LABEL } from '@homeostat/chaos/dist/stack/docker-fleet';
import type { FleetKind } from '@homeostat/chaos/dist/stack/fleet';
import type { Stack } from '@homeostat/chaos/dist/stack/start-stack';

/**
 * What a user sees of healing where a fleet keeps its replicas, beyond the checks every fleet
 * shares (Prometheus, Alertmanager, the remediator's audit, the gateway): for Docker, the
 * containers themselves.
 */
export interface FleetChecks {
  /** Before the CPU spike: one replica per service. */
  beforeScaleOut(stack: Stack, service: string): Promise<void>;
  /** After the scale-out: the added replica runs where the fleet keeps its replicas. */
  scaledOut(stack: Stack, service: string): Promise<void>;
  /** After the crash was healed: the replica that went down is the one running again. */
  restarted(stack: Stack, service: string, run: RunRecord): Promise<void>;
  /** After stop(): nothing the stack started is left. */
  nothingLeft(stack: Stack): Promise<void>;
}

const answers = (url: string) => fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(() => true, () => false);

/** The processes fleet: its replicas are processes on loopback ports; the shared checks see them through the gateway. */
const processes: FleetChecks = {
  beforeScaleOut: async () => {},
  scaledOut: async () => {},
  // the process actuator may start the replacement on another port of the group: the shared check sees it through the gateway
  restarted: async () => {},
  nothingLeft: async (stack) => {
    // the gateway and the backends the remediator started: no process of the stack answers any more
    for (const url of [stack.gatewayUrl, ...['orders', 'payments', 'inventory'].map((s) => stack.serviceUrl(s))]) {
      expect({ url, answers: await answers(url) }).toEqual({ url, answers: false });
    }
  },
};

const dockerFleet = (stack: Stack): DockerFleet => {
  if (!(stack.fleet instanceof DockerFleet)) throw new Error(`expected the docker fleet, got ${stack.fleet.kind}`);
  return stack.fleet;
};

const projectContainers = (fleet: DockerFleet, service: string) =>
  fleet.docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`com.docker.compose.project=${PROJECT}`, `com.docker.compose.service=${service}`] }),
  });

/** The Docker fleet: a scale-out is a cloned container with the compose labels, a restart restarts the same container. */
const docker: FleetChecks = {
  beforeScaleOut: async (stack, service) => {
    expect(await projectContainers(dockerFleet(stack), service)).toHaveLength(1);
  },
  scaledOut: async (stack, service) => {
    const clones = (await projectContainers(dockerFleet(stack), service)).filter((c) => c.Labels['io.homeostat.remediator.clone'] === 'true');
    expect(clones.length).toBeGreaterThanOrEqual(1);
    expect(clones[0]).toMatchObject({ State: 'running', Labels: { 'com.docker.compose.service': service, [E2E_LABEL]: 'true' } });
  },
  restarted: async (stack, service, run) => {
    const fleet = dockerFleet(stack);
    const info = await fleet.docker.getContainer(fleet.originalId(service)).inspect();
    expect(info.State.Running).toBe(true);
    expect(Date.parse(info.State.StartedAt)).toBeGreaterThan(run.groundTruth[0].start);
  },
  nothingLeft: async (stack) => {
    // no container with our run's label (clones included), no image tag
    const d = dockerFleet(stack).docker;
    expect(await d.listContainers({ all: true, filters: JSON.stringify({ label: [`${RUN_LABEL}=${RUN_ID}`] }) })).toEqual([]);
    expect((await d.listImages({ filters: JSON.stringify({ reference: [IMAGE] }) })).length).toBe(0);
  },
};

export const FLEET_CHECKS: Record<FleetKind, FleetChecks> = { processes, docker };
