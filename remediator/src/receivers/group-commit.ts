import type { AuditSqlite, IncomingAlert, Job } from '../sinks/audit-sqlite';

type Source = 'alertmanager' | 'grafana';
interface Pending {
  source: Source;
  alerts: IncomingAlert[];
  resolve: (r: { fresh: number; duplicates: number }) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: notifications arriving in the same event-loop turn are persisted in one SQLite
 * transaction, and each request is answered only after that commit. Under load this turns N
 * commits into one without ever acknowledging an unpersisted alert.
 */
export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly store: AuditSqlite,
    private readonly onJobs: (jobs: Job[]) => void,
  ) {}

  submit(source: Source, alerts: IncomingAlert[]): Promise<{ fresh: number; duplicates: number }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ source, alerts, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    try {
      const { counts, jobs } = this.store.acceptBatch(batch, Date.now());
      batch.forEach((p, i) => p.resolve(counts[i]!));
      if (jobs.length > 0) this.onJobs(jobs);
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
