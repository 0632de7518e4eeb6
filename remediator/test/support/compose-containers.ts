import type Docker from 'dockerode';

/** What the Docker actuator tests read of a fake compose project's containers (host networking). */
export function composeProject(docker: Docker, project: string) {
  return {
    /** The project's containers (running only with `all` false), clones included. */
    containers: (all = true) =>
      docker.listContainers({
        all,
        filters: JSON.stringify({ label: [`com.docker.compose.project=${project}`] }),
      }),
    /** The port a container listens on: its PORT env (a clone gets a fresh one). */
    portOf: async (id: string): Promise<number> => {
      const env = (await docker.getContainer(id).inspect()).Config.Env ?? [];
      return Number(env.find((e) => e.startsWith('PORT='))?.slice(5));
    },
  };
}

/** Whether the replica on `port` answers /healthz. */
export async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  } catch {
    return false;
  }
}
