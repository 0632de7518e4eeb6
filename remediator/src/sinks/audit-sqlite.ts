import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type {
  ActionRecord,
  ActionResult,
  ApiCall,
  Incident,
  IncidentStatus,
  VerificationStatus,
} from '@homeostat/contracts';
import { RemediatorError } from '../errors';
import { toAction, toIncident, type ActionRow, type IncidentRow } from '../store/rows';
import { addMissingColumns } from '../store/migrate';
import { IncidentPrefetch } from '../store/incident-prefetch';
import { PostgresDatabase } from '../store/postgres-database';
import { SCHEMA } from '../store/schema.sql';
import {
  alertAuditData,
  declinedAudit,
  declinedIncidentOf,
  declinedOf,
  declinedRecord,
} from '../store/declined-alert';
import { prepareStatements, type Statements } from '../store/statements';
import {
  closable,
  dedupeKeyOf,
  incidentIdOf,
  type IncomingAlert,
  type IntakeBatch,
  type IntakeResult,
  type Job,
  type NewAction,
  actionParams,
  json,
} from '../store/records';

// the record shapes were declared here first; their importers keep importing them from here
export * from '../store/records';

/**
 * The audit store: SQLite in WAL mode, synchronous=NORMAL (a commit survives a process crash;
 * power loss may lose the last transactions, which Alertmanager then re-sends). Every write is
 * also appended to the append-only `audit` table.
 */
export class AuditSqlite {
  readonly db: Database.Database;
  private readonly st: Statements;
  /**
   * One transaction wrapper for the store's life: better-sqlite3 builds four wrapper functions per
   * `db.transaction()` call, which cost as much as the writes they wrapped (profiled).
   */
  private readonly tx: (fn: () => unknown) => unknown;
  /** Inside inBatch() on SQLite: nested blocks run without a savepoint; `poisoned` if one threw. */
  private batching = false;
  private poisoned = false;
  /** Incident rows of the engine's current pass (empty outside one). */
  readonly prefetched = new IncidentPrefetch();

  /** `file`: a SQLite file; or an opened database with the schema applied (PostgresDatabase). */
  constructor(file: string | Database.Database) {
    if (typeof file !== 'string') {
      this.db = file;
      this.st = prepareStatements(this.db);
      this.tx = this.db.transaction((fn: () => unknown) => fn());
      return;
    }
    try {
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      // Fewer, larger checkpoints: each one fsyncs the database file, the one slow step of a commit.
      this.db.pragma('wal_autocheckpoint = 10000');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
      addMissingColumns(this.db);
    } catch (e) {
      throw new RemediatorError('PERSISTENCE_FAILED', `cannot open audit database ${file}`, {
        field: 'storage.file',
        cause: e,
      });
    }
    this.st = prepareStatements(this.db);
    this.tx = this.db.transaction((fn: () => unknown) => fn());
  }

  /**
   * Persists notifications' alerts in one transaction (group commit: concurrent requests share a
   * commit): new (fingerprint, startsAt, status) keys create or update the incident and queue a
   * job; seen keys are duplicates and change nothing. A new firing alert the intake already decided
   * (`decided`: no rule matches it) is persisted as its incident closed instead, with no job, its
   * decision on the incident row and the engine's audit rows for it (declined-alert.ts).
   * Returns per-notification counts, the jobs and the incidents closed here.
   */
  acceptBatch(batch: IntakeBatch, now: number): IntakeResult {
    const jobs: Job[] = [];
    const closed: IntakeResult['closed'] = [];
    const all = batch.flatMap(({ alerts }) =>
      alerts.map((a) => ({ a, id: incidentIdOf(a.fingerprint, a.startsAtRaw) })),
    );
    const prepared = closable(all);
    let n = 0;
    const tx = () =>
      batch.map(({ source, alerts }, i) => {
        if (i === 0) n = 0;
        let fresh = 0;
        let duplicates = 0;
        for (const a of alerts) {
          const { id, close: decided } = prepared[n++]!;
          const key = dedupeKeyOf(a);
          if (this.st.dedupe.run(key, now).changes === 0) {
            duplicates++;
            continue;
          }
          fresh++;
          const declined = decided ? declinedRecord(id, decided, now) : null;
          const created = this.st.incidentInsert.run(
            id,
            a.fingerprint,
            a.labels.alertname ?? '',
            a.labels.service ?? null,
            JSON.stringify(a.labels),
            JSON.stringify(a.annotations),
            source,
            decided ? decided.status : a.status === 'firing' ? 'open' : 'resolved',
            a.startsAt,
            now,
            declined?.json ?? null,
          ).changes;
          if (a.status === 'resolved') this.st.incidentResolve.run(now, id);
          this.st.audit.run(now, 'alert', id, null, alertAuditData(source, a));
          if (decided && declined && created === 1) {
            // created closed with its decision: the audit rows the engine would write for it
            const log = declinedAudit(id, decided);
            this.st.audit.run(now, 'decision', id, declined.record.id, log.decision);
            this.st.audit.run(now, 'incident', id, null, log.incident);
            this.st.audit.run(now, 'escalation', id, null, log.escalation);
            closed.push({ incidentId: id, decided });
            continue;
          }
          // an incident that existed already is the engine's to look at, as it always was
          const seq = Number(this.st.jobInsert.run(id, a.status, now).lastInsertRowid);
          jobs.push({ seq, incidentId: id, status: a.status });
        }
        return { fresh, duplicates };
      });
    try {
      return { counts: this.inTransaction(tx), jobs, closed };
    } catch (e) {
      throw new RemediatorError('PERSISTENCE_FAILED', 'could not persist the notification', { cause: e });
    }
  }

  accept(
    source: 'alertmanager' | 'grafana',
    alerts: IncomingAlert[],
    now: number,
  ): { fresh: number; duplicates: number } {
    return this.acceptBatch([{ source, alerts }], now).counts[0]!;
  }

  /**
   * Runs `fn` in one transaction, or in a savepoint when one is open (the engine batches its quick
   * decisions into one commit); rolled back if `fn` throws.
   */
  inTransaction<T>(fn: () => T): T {
    if (!this.batching || !this.db.inTransaction) return this.tx(fn) as T;
    try {
      return fn();
    } catch (e) {
      this.poisoned = true;
      throw e;
    }
  }

  /**
   * Runs `fn` in one transaction whose nested blocks are no savepoints (the engine's pass over its
   * queue, where one failed decision fails the pass): a failure in any of them fails all of it,
   * even if a caller caught it. Same on both stores; on PostgreSQL the nested blocks also cost no
   * round trip of their own (PostgresDatabase.batch). The rows of `incidentIds` are read once up
   * front (IncidentPrefetch).
   */
  inBatch<T>(fn: () => T, incidentIds: string[] = []): T {
    const run = () => this.prefetched.around(this.db, incidentIds, fn);
    if (this.db instanceof PostgresDatabase) return this.db.batch(run);
    if (this.batching) return run();
    this.batching = true;
    this.poisoned = false;
    try {
      return this.tx(() => {
        const out = run();
        if (this.poisoned)
          throw new RemediatorError(
            'PERSISTENCE_FAILED',
            'a block of this batch failed: all of it is rolled back',
          );
        return out;
      }) as T;
    } finally {
      this.batching = false;
    }
  }

  pendingJobs(limit = 100): Job[] {
    return this.st.jobsPending.all(limit) as Job[];
  }
  pendingCount(): number {
    return (this.st.pendingCount.get() as { n: number }).n;
  }
  jobDone(seq: number): void {
    this.st.jobDone.run(seq);
  }

  appendAudit(
    kind: string,
    incidentId: string | null,
    actionId: string | null,
    data: Record<string, unknown>,
    now = Date.now(),
  ): void {
    this.st.audit.run(now, kind, incidentId, actionId, JSON.stringify(data));
  }
  auditCount(): number {
    return (this.st.auditCount.get() as { n: number }).n;
  }

  incidentRow(id: string): (Omit<Incident, 'actions'> & { step: number }) | null {
    const r = this.prefetched.get(id) ?? (this.st.incident.get(id) as IncidentRow | undefined);
    return r ? toIncident(r) : null;
  }

  setIncident(id: string, status: IncidentStatus, step: number, why: Record<string, unknown> = {}): void {
    this.prefetched.forget(id);
    this.inTransaction(() => {
      this.st.setIncident.run(status, step, id);
      this.appendAudit('incident', id, null, { status, step, ...why });
    });
  }

  healIncident(id: string, now: number): number | null {
    const inc = this.incidentRow(id);
    if (!inc) return null;
    const mttr = Math.max(0, (now - inc.startsAt) / 1000);
    this.prefetched.forget(id);
    this.inTransaction(() => {
      this.st.heal.run('healed', now, mttr, id);
      this.appendAudit('incident', id, null, { status: 'healed', mttrSeconds: mttr }, now);
    });
    return mttr;
  }

  /** Inserts an action row and, in the same transaction, marks the job that caused it done. */
  startAction(a: NewAction, now: number, jobSeq: number | null): string {
    const id = randomUUID();
    this.inTransaction(() => {
      this.st.actionInsert.run(...actionParams(id, a, now));
      if (jobSeq !== null) this.st.jobDone.run(jobSeq);
      this.appendAudit(
        a.phase === 'started' ? 'action_started' : 'decision',
        a.incidentId,
        id,
        { ...a },
        now,
      );
    });
    return id;
  }

  finishAction(
    id: string,
    f: {
      after: Record<string, unknown> | null;
      result: ActionResult;
      error: string | null;
      apiCall?: ApiCall | null;
      verification: VerificationStatus;
    },
    now: number,
  ): void {
    this.inTransaction(() => {
      this.st.actionFinish.run(
        json(f.after),
        f.result,
        f.error,
        now,
        json(f.apiCall ?? null),
        f.verification,
        id,
      );
      this.appendAudit('action_finished', this.action(id)?.incidentId ?? null, id, { ...f }, now);
    });
  }

  verifyAction(
    id: string,
    verification: VerificationStatus,
    now: number,
    result: ActionResult | null,
    detail: Record<string, unknown>,
  ): void {
    this.inTransaction(() => {
      this.st.actionVerify.run(verification, now, result, id);
      this.appendAudit(
        'verification',
        this.action(id)?.incidentId ?? null,
        id,
        { verification, result, ...detail },
        now,
      );
    });
  }

  /** The Alertmanager silence written for this action: expired on every way out, even after a crash. */
  setActionSilence(id: string, silenceId: string): void {
    this.st.actionSilence.run(silenceId, id);
  }
  actionSilence(id: string): string | null {
    return (this.st.actionSilenceOf.get(id) as { s: string | null } | undefined)?.s ?? null;
  }

  /** The undo of a failed action failed too: the action is marked failed, the target is half-restored. */
  markUndoFailed(id: string, error: string, now: number): void {
    this.inTransaction(() => {
      this.st.actionUndoFailed.run(`undo failed: ${error}`, id);
      this.appendAudit('undo_failed', this.action(id)?.incidentId ?? null, id, { error }, now);
    });
  }

  /** An action row, or the declined decision an incident holds (declined-alert.ts). */
  action(id: string): ActionRecord | null {
    const r = this.st.action.get(id) as ActionRow | undefined;
    if (r) return toAction(r);
    const incident = declinedIncidentOf(id);
    if (incident === null) return null;
    const row = this.st.incident.get(incident) as IncidentRow | undefined;
    return declinedOf(row?.decision)[0] ?? null;
  }
  actionsOf(incidentId: string): ActionRecord[] {
    return (this.st.actionsOfIncident.all(incidentId) as ActionRow[]).map((r) => toAction(r));
  }
  /** Actions whose actuator call was in flight when the process died. */
  interruptedActions(): ActionRecord[] {
    return (this.st.interrupted.all() as ActionRow[]).map((r) => toAction(r));
  }
  unverifiedActions(): ActionRecord[] {
    return (this.st.unverified.all() as ActionRow[]).map((r) => toAction(r));
  }

  /** Incidents not yet healed, resolved, escalated or failed. */
  openIncidents(): string[] {
    return (this.st.openIncidents.all() as { id: string }[]).map((r) => r.id);
  }

  getSetting(key: string): string | null {
    return (this.st.setting.get(key) as { value: string } | undefined)?.value ?? null;
  }
  setSetting(key: string, value: string, why: Record<string, unknown> = {}): void {
    this.inTransaction(() => {
      this.st.setSetting.run(key, value);
      this.appendAudit('setting', null, null, { key, value, ...why });
    });
  }

  incidents(from: number, to: number, service?: string): Incident[] {
    const rows = this.st.incidentsRange.all(from, to, service ?? null, service ?? null) as IncidentRow[];
    return rows.map((r) => {
      const { step: _step, ...inc } = toIncident(r);
      return { ...inc, actions: [...declinedOf(r.decision), ...this.actionsOf(r.id)] };
    });
  }
  /** Actions started in [from, to], the intake's declined decisions among them, by start time. */
  actions(from: number, to: number, service?: string): ActionRecord[] {
    const s = service ?? null;
    const rows = (this.st.actionsRange.all(from, to, s, s) as ActionRow[]).map((r) => toAction(r));
    const declined = (this.st.declinedRange.all(from, to, s, s) as { decision: string }[]).flatMap((r) =>
      declinedOf(r.decision),
    );
    if (declined.length === 0) return rows;
    return [...rows, ...declined].sort((x, y) => x.startedAt - y.startedAt).slice(0, 10_000);
  }

  close(): void {
    this.db.close();
  }
}
