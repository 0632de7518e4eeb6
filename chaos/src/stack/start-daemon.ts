import { spawnDaemon, waitFor, type Daemon } from '@homeostat/testkit';

/**
 * Starts one process of the stack on a loopback port and waits until it is ready: `ready` is a
 * path on it that answers 2xx, or a check of the base URL; a process that exits first, or never gets ready, fails the start with its log file
 * named and is stopped.
 */
export async function startDaemon(
  name: string,
  bin: string,
  args: string[],
  o: { dir: string; port: number; ready: string | ((url: string) => Promise<boolean>); env?: Record<string, string>; log?: (msg: string) => void },
): Promise<Daemon> {
  const url = `http://127.0.0.1:${o.port}`;
  o.log?.(`starting ${name} on ${url}`);
  const d = spawnDaemon(bin, args, { dir: o.dir, port: o.port, url, name, env: o.env });
  try {
    await waitFor(
      `${name} on ${url} (log: ${d.logFile})`,
      async () => {
        if (d.child.exitCode !== null) throw new Error(`exited with ${d.child.exitCode}`);
        return typeof o.ready === 'string' ? (await fetch(`${url}${o.ready}`)).ok : o.ready(url);
      },
      { timeoutMs: 30_000 },
    );
  } catch (e) {
    await d.stop();
    throw e;
  }
  return d;
}
