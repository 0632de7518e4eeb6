import type { AuditSqlite } from '../sinks/audit-sqlite';

/**
 * The audit kind written right before an undo's call. A crash between the call and the record of
 * its outcome would otherwise leave no trace of a call that may have reached the platform, and the
 * restarted remediator would verify again and undo a second time.
 */
export const UNDO_STARTED = 'undo_started';

/** Whether an undo of this action was started (by any process, before any crash). */
export function undoStarted(store: Pick<AuditSqlite, 'db'>, actionId: string): boolean {
  const row = store.db
    .prepare('SELECT COUNT(*) AS n FROM audit WHERE action_id = ? AND kind = ?')
    .get(actionId, UNDO_STARTED) as { n: number | string };
  return Number(row.n) > 0;
}
