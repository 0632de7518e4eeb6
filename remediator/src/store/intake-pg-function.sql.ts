/**
 * The name of this release's intake function: versioned, so each release calls the body it
 * installed. A replica installs its function at every start (CREATE OR REPLACE); under one shared
 * name, an old replica restarting late in a rolling update would put its body back under the name
 * the new replicas call, and nothing would show it. A release that changes the function's
 * parameters or rows takes the next name; the old function stays for the old replicas still running
 * (the previous release's is `homeostat_intake`, left in place).
 */
export const INTAKE_FUNCTION_NAME = 'homeostat_intake_v2';

/**
 * The PostgreSQL intake's group commit as one server-side function, so a batch costs one round trip
 * and no SQL text per batch: IntakePostgres calls it through a statement prepared once per
 * connection, with the batch as one JSON parameter (one record per alert, rowOf in
 * intake-postgres.ts), parsed once. PL/pgSQL plans its statements once per connection. Two
 * statements: every insert in one (dedupe keys, incidents, jobs, audit rows), then the
 * resolutions' UPDATE, which in a VOLATILE function under READ COMMITTED takes a snapshot of its own:
 * it runs after the incidents' INSERT waited for a concurrent replica's commit of the same incident,
 * so it sees that row (an UPDATE inside the one statement would not).
 *
 * Same rows, order and exactly-once rule as the SQLite intake: the `dedupe` primary key decides
 * which alerts are new; an alert the intake declined (`declined` set: its decision, declined-alert.ts)
 * is closed only if no resolved copy of its incident is new in the batch (records.ts closable()) and
 * only where this statement created the incident (`closed`: created with its decision); every other
 * new alert gets its job. Audit rows in alert order: each alert's, and after a closed one's its
 * decision, incident status and escalation (declined-alert.ts declinedAudit(), the texts given).
 * The previous release's replicas call their own function (`homeostat_intake`: an actions row per
 * declined alert), whose rows this release reads as well.
 *
 * Returns one row per new dedupe key ('fresh', key), per job ('job', seq, incident, status) and per
 * incident closed ('closed', incident id).
 */
export const INTAKE_FUNCTION = `
CREATE OR REPLACE FUNCTION ${INTAKE_FUNCTION_NAME}(p_batch json, p_now bigint)
RETURNS TABLE (r_kind text, r_seq bigint, r_text text, r_status text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_kind text[];
  v_seq bigint[];
  v_text text[];
  v_status text[];
  v_resolved text[];
BEGIN
  -- the batch parsed once; the dedupe keys' RETURNING says which alerts are new
  WITH b AS MATERIALIZED (
    SELECT * FROM json_to_recordset(p_batch) AS b (ord int, key text, id text, fingerprint text,
      alertname text, service text, labels text, annotations text, source text, status text,
      starts_at bigint, logged text, did text, closed_status text, declined text, decision text,
      incident text, escalation text)),
  k AS (
    INSERT INTO dedupe (key, received_at) SELECT b.key, p_now FROM b ORDER BY b.ord
    ON CONFLICT DO NOTHING RETURNING key),
  a AS (SELECT b.* FROM b JOIN k USING (key)),
  c AS (
    SELECT a.*, (a.declined IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM a r WHERE r.status = 'resolved' AND r.id = a.id)) AS closes
    FROM a),
  created AS (
    INSERT INTO incidents (id, fingerprint, alertname, service, labels, annotations, source, status,
      starts_at, received_at, decision)
    SELECT c.id, c.fingerprint, c.alertname, c.service, c.labels, c.annotations, c.source,
      CASE WHEN c.closes THEN c.closed_status WHEN c.status = 'firing' THEN 'open' ELSE 'resolved' END,
      c.starts_at, p_now, CASE WHEN c.closes THEN c.declined END
    FROM c ORDER BY c.ord
    ON CONFLICT DO NOTHING RETURNING id, decision IS NOT NULL AS closed),
  closed AS (SELECT x.id FROM created x WHERE x.closed),
  queued AS (
    INSERT INTO jobs (incident_id, status, received_at)
    SELECT c.id, c.status, p_now FROM c WHERE c.id NOT IN (SELECT x.id FROM closed x)
    ORDER BY c.ord RETURNING seq, incident_id, status),
  logged AS (
    INSERT INTO audit (ts, kind, incident_id, action_id, data)
    SELECT p_now, l.kind, c.id, l.action_id, l.data
    FROM c LEFT JOIN closed x ON x.id = c.id
    CROSS JOIN LATERAL (VALUES (0, 'alert', NULL, c.logged), (1, 'decision', c.did, c.decision),
      (2, 'incident', NULL, c.incident), (3, 'escalation', NULL, c.escalation))
      AS l (step, kind, action_id, data)
    WHERE l.step = 0 OR x.id IS NOT NULL
    ORDER BY c.ord, l.step),
  r AS (
    SELECT 'fresh' AS kind, NULL::bigint AS seq, k.key AS txt, NULL::text AS status FROM k
    UNION ALL SELECT 'job', q.seq, q.incident_id, q.status FROM queued q
    UNION ALL SELECT 'closed', NULL, x.id, NULL FROM closed x)
  SELECT array_agg(r.kind), array_agg(r.seq), array_agg(r.txt), array_agg(r.status),
    (SELECT array_agg(a.id) FROM a WHERE a.status = 'resolved')
  INTO v_kind, v_seq, v_text, v_status, v_resolved FROM r;
  -- a statement of its own: its snapshot is taken after the INSERT above waited for a concurrent
  -- replica's commit of the same incident, so it sees that row
  IF v_resolved IS NOT NULL THEN
    UPDATE incidents i SET resolved_at = COALESCE(i.resolved_at, p_now),
      status = CASE WHEN i.status IN ('open', 'healing') THEN 'resolved' ELSE i.status END
    WHERE i.id = ANY (v_resolved);
  END IF;
  RETURN QUERY SELECT * FROM unnest(v_kind, v_seq, v_text, v_status);
END $$;
`;
