-- ops/bench_deadlines.sh, after the last chunk: what needs all complaints in place, then
-- VACUUM (FREEZE, ANALYZE), so that the planner knows the tables, index-only scans find the
-- pages all-visible, and no anti-wraparound vacuum rewrites the tables in a later run.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET work_mem = '512MB';
SET maintenance_work_mem = '1GB';

-- The planner knows nothing of the new rows yet: without this the next join goes wrong.
ANALYZE complaint, complaint_reply;

-- A repeat report (并单) is answered with its master's reply when the master closes (the
-- trigger of sql/010 notes the reply on the complaint row, as at run time).
INSERT INTO complaint_reply (complaint_id, body, sent_via, department, actor, at)
SELECT c.id, r.body, r.sent_via, m.lead_department, r.actor, m.state_since
FROM complaint c
JOIN complaint m ON m.id = c.duplicate_of AND m.state = 'closed'
CROSS JOIN LATERAL (SELECT body, sent_via, actor FROM complaint_reply
                    WHERE complaint_id = m.id ORDER BY id DESC LIMIT 1) AS r
WHERE c.state = 'merged'
ORDER BY c.id;

-- The ids were given explicitly: intake's next complaint follows the last one.
SELECT setval(pg_get_serial_sequence('complaint', 'id'), max(id)) FROM complaint;

VACUUM (FREEZE, ANALYZE);
