import { toPostgresSql } from './postgres-database';

describe('toPostgresSql', () => {
  it.each([
    [
      'INSERT OR IGNORE INTO dedupe (key, received_at) VALUES (?, ?)',
      'INSERT INTO dedupe (key, received_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    ],
    [
      'SELECT seq, incident_id AS incidentId, status FROM jobs WHERE done = 0 ORDER BY seq LIMIT ?',
      'SELECT seq, incident_id AS "incidentId", status FROM jobs WHERE done = 0 ORDER BY seq LIMIT $1',
    ],
    [
      'SELECT * FROM t WHERE (? IS NULL OR service = ?)',
      'SELECT * FROM t WHERE ($1::text IS NULL OR service = $2)',
    ],
    ['SELECT * FROM actions ORDER BY started_at, rowid', 'SELECT * FROM actions ORDER BY started_at, ctid'],
    ['SELECT MAX(started_at) AS t FROM actions', 'SELECT MAX(started_at) AS t FROM actions'],
  ])('%s', (sqlite, pg) => {
    expect(toPostgresSql(sqlite).text).toBe(pg);
  });

  it('maps named parameters in order and reads back the job sequence', () => {
    const r = toPostgresSql('INSERT INTO jobs (incident_id, status) VALUES (@incidentId, @status)');
    expect(r).toEqual({
      text: 'INSERT INTO jobs (incident_id, status) VALUES ($1, $2) RETURNING seq',
      names: ['incidentId', 'status'],
      returning: 'seq',
    });
  });
});
