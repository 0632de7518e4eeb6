/** A queued statement of PostgresDatabase: SQL with $n placeholders and its values. */
export interface Queued {
  sql: string;
  params: unknown[];
}

/** `INSERT INTO audit (...) VALUES ($1, ..., $n)`: the append-only audit log's one insert. */
const AUDIT_INSERT = /^INSERT INTO audit \(([^)]*)\) VALUES \((\$\d+(?:, \$\d+)*)\)$/;

/**
 * Folds the audit-log inserts of one batch into a single multi-row INSERT at the place of the
 * last one (an engine pass writes three audit rows per decision; PostgreSQL parses and plans each
 * statement). Safe only where nothing in between can observe the move: the audit table is
 * append-only and read by no statement of the batch (a read ends a batch), and inside
 * PostgresDatabase.batch() there are no savepoints, so a failure anywhere fails all of it. Rows
 * keep their order, so their sequence numbers do too. `slots[i]` is the index, in the returned
 * list, of the statement that carries queued statement `i`.
 */
export function coalesceAudit(batch: Queued[]): { statements: Queued[]; slots: number[] } {
  const audit = batch.map((q) => (q.sql.match(AUDIT_INSERT) ? q : null));
  const count = audit.filter((q) => q !== null).length;
  if (count < 2) return { statements: batch, slots: batch.map((_q, i) => i) };
  const last = audit.map((q) => q !== null).lastIndexOf(true);
  const columns = AUDIT_INSERT.exec(batch[last]!.sql)![1]!;
  const rows: string[] = [];
  const params: unknown[] = [];
  for (const q of audit) {
    if (!q) continue;
    rows.push(`(${q.params.map((_v, j) => `$${params.length + j + 1}`).join(', ')})`);
    params.push(...q.params);
  }
  const statements: Queued[] = [];
  const slots: number[] = [];
  batch.forEach((q, i) => {
    if (audit[i] && i !== last) {
      slots.push(-1); // carried by the merged insert, filled in below
      return;
    }
    slots.push(statements.length);
    statements.push(
      i === last ? { sql: `INSERT INTO audit (${columns}) VALUES ${rows.join(', ')}`, params } : q,
    );
  });
  const merged = slots[last]!;
  return { statements, slots: slots.map((s) => (s === -1 ? merged : s)) };
}
