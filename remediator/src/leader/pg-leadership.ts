import type { Logger } from 'pino';
import type { Engine } from '../engine/engine';
import type { AuditSqlite, Job } from '../sinks/audit-sqlite';
import type { PostgresDatabase } from '../store/postgres-database';

const LOCK = "hashtext('homeostat-remediator-leader')";

export interface PgLeadershipDeps {
  db: PostgresDatabase;
  store: AuditSqlite;
  engine: Engine;
  pollMs: number;
  log: Logger;
  /** Leadership ended while this process led (connection lost, or a new session). */
  onLost: (why: string) => void;
}

/**
 * Active-active intake, one actor: every replica accepts and persists webhooks (Alertmanager's HA
 * pair may send to any of them), and only the holder of a PostgreSQL session advisory lock runs
 * the engine. The lock lives exactly as long as the holder's connection: a killed or partitioned
 * leader loses it without any clock being compared, and the next replica takes over with
 * recover(): in-flight actions are closed as interrupted (never repeated), verifications resumed,
 * every pending job and open incident looked at. A follower never closes a job; the leader picks
 * up what the followers accepted by polling the shared job table.
 */
export class PgLeadership {
  private leader = false;
  /** Lost once: this process never leads again (its engine may hold stale work); restart it. */
  private retired = false;
  private pid: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Jobs handed to the engine, so a poll never hands one over twice. */
  private readonly handed = new Set<number>();

  constructor(private readonly d: PgLeadershipDeps) {}

  isLeader(): boolean {
    return this.leader;
  }

  /**
   * The live check right before a call that changes the platform: one round trip proving this
   * connection is still the session that took the lock (the poll alone is up to pollMs old). A
   * failed check ends leadership like a failed poll.
   */
  confirm(): boolean {
    if (!this.leader) return false;
    try {
      const why = this.sessionLost();
      if (why) this.lose(why);
    } catch (e) {
      this.lose(`leadership check failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    return this.leader;
  }

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.d.pollMs);
    this.timer.unref();
  }

  /** Jobs this replica just persisted: acted on here when leading, else left for the leader. */
  accepted(jobs: Job[]): void {
    if (this.leader) this.handOver(jobs);
  }

  /** No more polls or takeovers (shutdown); a held lock stays held until release(). */
  stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.retired = true;
  }

  /**
   * Gives leadership up at once, so another replica takes over without waiting for this
   * connection to end. Call it only after the engine stopped: nothing of this process acts after.
   */
  release(): void {
    this.stopPolling();
    if (this.leader && this.d.db.open) {
      try {
        this.d.db.client.query(`SELECT pg_advisory_unlock(${LOCK})`);
      } catch {
        // closing the connection releases it too
      }
    }
    this.leader = false;
  }

  private tick(): void {
    try {
      if (this.leader) this.keep();
      else this.tryTake();
    } catch (e) {
      if (this.leader) this.lose(`leadership check failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private tryTake(): void {
    if (this.retired || !this.d.db.open) return;
    const { db, store, engine } = this.d;
    const row = db.client.query(`SELECT pg_try_advisory_lock(${LOCK}) AS ok, pg_backend_pid() AS pid`)
      .rows[0]!;
    if (row.ok !== true) return;
    this.pid = Number(row.pid);
    // Other replicas' inserts wait for this transaction, so each pending job is either in
    // recover()'s queue or left for a later poll, never both.
    db.transaction(() => {
      db.exec('LOCK TABLE jobs IN EXCLUSIVE MODE');
      for (const j of store.pendingJobs(Number.MAX_SAFE_INTEGER)) this.handed.add(j.seq);
      this.leader = true;
      engine.recover();
    })();
    engine.wake();
    this.d.log.info({ pid: this.pid }, 'leader: took over the shared state');
  }

  private keep(): void {
    const why = this.sessionLost();
    if (why) return this.lose(why);
    this.handOver(this.d.store.pendingJobs(1000));
  }

  /** Why this connection no longer holds the lock, or null while it does. */
  private sessionLost(): string | null {
    const { db } = this.d;
    if (!db.open) return 'PostgreSQL connection lost';
    const pid = Number(db.client.query('SELECT pg_backend_pid() AS pid').rows[0]!.pid);
    return pid === this.pid ? null : 'PostgreSQL session changed (reconnected without the lock)';
  }

  private handOver(jobs: Job[]): void {
    const fresh = jobs.filter((j) => !this.handed.has(j.seq));
    if (fresh.length === 0) return;
    for (const j of fresh) this.handed.add(j.seq);
    this.d.engine.enqueue(fresh);
  }

  private lose(why: string): void {
    this.leader = false;
    this.retired = true;
    this.d.log.error({ why }, 'leadership lost: this replica stops acting');
    this.d.onLost(why);
  }
}
