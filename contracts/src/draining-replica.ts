/**
 * A replica the remediator is giving back keeps serving while discovery lets go of it, so that
 * leaving never reads as a crash (a scrape target with up == 0, a gateway sending to a dead port).
 * Docker has no "deregister" and a container's labels cannot change, but its name can: the Docker
 * actuator appends this suffix to a clone it gives back, waits its drain, then removes it. Whatever
 * discovers containers drops names that end in it: the chaos fleet's target list, and Prometheus'
 * docker_sd through a `drop` relabelling on `__meta_docker_container_name` (provisioning/prometheus).
 */
export const DRAINING_SUFFIX = '.draining';

/** Whether a container name (with or without Docker's leading `/`) marks a replica being given back. */
export function isDraining(containerName: string): boolean {
  return containerName.endsWith(DRAINING_SUFFIX);
}

/** The replica's own name: the draining mark taken off (other names are returned as they are). */
export function undrainedName(containerName: string): string {
  return isDraining(containerName) ? containerName.slice(0, -DRAINING_SUFFIX.length) : containerName;
}
