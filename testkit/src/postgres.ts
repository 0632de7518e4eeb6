import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, spawnDaemon, type Daemon } from './daemon';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

const BIN = process.env.HOMEOSTAT_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresOptions {
  dir?: string;
  port?: number;
  /**
   * fsync on (a benchmark measuring commits as a user would pay for them). Off by default: a test
   * server's data dir is thrown away, and crash tests kill the client, not PostgreSQL.
   */
  durable?: boolean;
}

export interface PostgresDaemon extends Daemon {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth, loopback only). */
  readonly connectionUrl: string;
}

/**
 * initdb refuses to run as root: as root the server runs as `nobody` on a data dir chowned to it,
 * started directly (no su in between), so stop() and SIGKILL reach the postmaster itself.
 */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * Starts Debian's PostgreSQL 15 (`postgresql` package) on 127.0.0.1 with a random port and a temp
 * data dir, trust authentication for user `postgres`. Data stays in `dir` across stop()/start.
 */
export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresDaemon> {
  if (!existsSync(join(BIN, 'postgres')))
    throw new Error(
      `PostgreSQL not found in ${BIN}: install Debian's postgresql (see .ci/install-system-deps.sh)`,
    );
  const dir = opts.dir ?? makeTempDir('postgres');
  const port = opts.port ?? (await freePort());
  const user = runAs();
  const data = join(dir, 'data');
  if (user) chownSync(dir, user.uid, user.gid);
  if (!existsSync(join(data, 'PG_VERSION'))) {
    writeFileSync(join(dir, 'initdb.log'), '');
    if (user) chownSync(join(dir, 'initdb.log'), user.uid, user.gid);
    execFileSync(
      join(BIN, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
      {
        stdio: 'ignore',
        ...(user ?? {}),
      },
    );
  }
  const fast = opts.durable
    ? []
    : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const d = spawnDaemon(
    join(BIN, 'postgres'),
    ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'max_connections=200', ...fast],
    { dir, port, url, name: 'postgres', ...(user ? { user } : {}) },
  );
  await waitFor(
    `postgres on 127.0.0.1:${port} (log: ${d.logFile})`,
    async () => {
      if (d.child.exitCode !== null) throw new Error(`exited with ${d.child.exitCode}`);
      try {
        execFileSync(join(BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'], {
          stdio: 'ignore',
        });
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: 30_000 },
  );
  return { ...d, connectionUrl: url };
}
