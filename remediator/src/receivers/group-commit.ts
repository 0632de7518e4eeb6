import type { Policy } from '../policy/policy-schema';
import type { AuditSqlite, IncomingAlert, IntakeBatch, IntakeResult, Job } from '../sinks/audit-sqlite';
import { IntakePostgres } from '../store/intake-postgres';
import { PostgresDatabase } from '../store/postgres-database';
import { decideUnmatched } from './unmatched-alert';

type Source = 'alertmanager' | 'grafana';
interface Pending {
  source: Source;
  alerts: IncomingAlert[];
  resolve: (r: { fresh: number; duplicates: number }) => void;
  reject: (e: unknown) => void;
}

/** Persists a group commit's notifications; resolves once they are committed. */
type Writer = { acceptBatch(batch: IntakeBatch, now: number): IntakeResult | Promise<IntakeResult> };

export interface GroupCommitDeps {
  /** The policy in force now: alerts no rule of it matches are decided at intake (unmatched-alert.ts). */
  policy: () => Policy;
  /** The jobs a commit queued, for the engine. */
  onJobs: (jobs: Job[]) => void;
  /** The incidents a commit closed itself, for the metrics and the log the engine would have written. */
  onClosed: (closed: IntakeResult['closed']) => void;
}

/**
 * Group commit: notifications arriving while the previous commit is being made are persisted in
 * one transaction, and each request is answered only after that commit. Under load this turns N
 * commits into one without ever acknowledging an unpersisted alert.
 *
 * SQLite commits synchronously (a WAL append), so a batch is what arrived in one event-loop turn.
 * PostgreSQL commits on pooled connections (IntakePostgres) while the loop keeps reading requests:
 * up to `maxInFlight` commits overlap (PostgreSQL flushes their WAL together) and the next batch
 * is whatever arrived meanwhile, so batches grow with the load instead of the event loop stalling.
 */
export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  private readonly writer: Writer;
  private readonly ownWriter: IntakePostgres | null;

  constructor(
    store: AuditSqlite,
    private readonly d: GroupCommitDeps,
    private readonly maxInFlight = 2,
  ) {
    const pg = store.db instanceof PostgresDatabase ? new IntakePostgres(store.db.url) : null;
    this.ownWriter = pg;
    this.writer = pg ?? store;
  }

  submit(source: Source, alerts: IncomingAlert[]): Promise<{ fresh: number; duplicates: number }> {
    const policy = this.d.policy();
    const decided = alerts.map((a) => {
      const d = decideUnmatched(policy, a);
      return d ? { ...a, decided: d } : a;
    });
    return new Promise((resolve, reject) => {
      this.pending.push({ source, alerts: decided, resolve, reject });
      this.schedule();
    });
  }

  /** Ends the PostgreSQL intake's connections (after the server stopped taking requests). */
  async close(): Promise<void> {
    await this.ownWriter?.close();
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.inFlight++;
    try {
      const { counts, jobs, closed } = await this.writer.acceptBatch(batch, Date.now());
      batch.forEach((p, i) => p.resolve(counts[i]!));
      if (closed.length > 0) this.d.onClosed(closed);
      if (jobs.length > 0) this.d.onJobs(jobs);
    } catch (e) {
      for (const p of batch) p.reject(e);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}
