import { coalesceAudit } from './append-coalesce';

const audit = (k: string) => ({
  sql: 'INSERT INTO audit (ts, kind, incident_id, action_id, data) VALUES ($1, $2, $3, $4, $5)',
  params: [1, k, 'i', null, '{}'],
});
const other = (n: number) => ({ sql: `UPDATE jobs SET done = 1 WHERE seq = $1`, params: [n] });

describe('coalesceAudit', () => {
  it('folds the audit inserts into one, in order, at the place of the last; the rest stay in place', () => {
    const batch = [audit('a'), other(1), audit('b'), other(2), audit('c'), other(3)];
    const { statements, slots } = coalesceAudit(batch);
    expect(statements.map((s) => s.sql.split(' (')[0])).toEqual([
      'UPDATE jobs SET done = 1 WHERE seq = $1',
      'UPDATE jobs SET done = 1 WHERE seq = $1',
      'INSERT INTO audit',
      'UPDATE jobs SET done = 1 WHERE seq = $1',
    ]);
    expect(statements[2]!.sql).toMatch(
      /VALUES \(\$1, \$2, \$3, \$4, \$5\), \(\$6, .*\), \(\$11, \$12, \$13, \$14, \$15\)$/,
    );
    expect(statements[2]!.params.filter((_v, i) => i % 5 === 1)).toEqual(['a', 'b', 'c']);
    expect(slots).toEqual([2, 0, 2, 1, 2, 3]);
  });

  it('leaves a batch with fewer than two audit inserts as it is', () => {
    const batch = [other(1), audit('a')];
    expect(coalesceAudit(batch)).toEqual({ statements: batch, slots: [0, 1] });
  });
});
