-- 010_measures_at_scale: the supervisors' queries stay fast with 10 million complaints
-- (make bench: ops/bench_deadlines.sh).
--   - The hub's clock is STABLE, so that "due_at < suqiu_now()" is an index condition.
--   - The overdue list looks each overdue deadline's complaint up by its key.
--   - The measures of a complaint that its facts tables hold (first reply, returns, approved
--     extensions, working time to sign-for and to close, closed on time) are also kept on its
--     row, by triggers on those tables, so that a month of statistics reads one row per
--     complaint instead of probing five tables; an index serves the monthly view.
--   - JIT compilation is off for the hub's database: its queries are short, and compiling
--     them cost more than it saved (10-400 ms a query in the bench).

-- The hub's clock: as in 007, but STABLE (the transaction's time, or suqiu.now when set).
CREATE OR REPLACE FUNCTION suqiu_now() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('suqiu.now', true), '')::timestamptz, now())
$$;

DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'jit stays as the server sets it: only the owner of database % may turn it off',
                 current_database();
END $$;

-- ---------------------------------------------------------------------------------------
-- The measures on the complaint row: a cache of its facts tables, kept by triggers.

ALTER TABLE complaint
    ADD COLUMN replied_at            timestamptz,       -- its first reply to the citizen
    ADD COLUMN returns               smallint NOT NULL DEFAULT 0,   -- times handed back
    ADD COLUMN extensions            smallint NOT NULL DEFAULT 0,   -- extensions approved
    ADD COLUMN sign_for_work_seconds integer,           -- working time to sign-for, when met
    ADD COLUMN close_work_seconds    integer,           -- working time to closure, when met
    ADD COLUMN closed_on_time        boolean;           -- closed by its close deadline

CREATE FUNCTION complaint_measure_reply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE complaint SET replied_at = NEW.at WHERE id = NEW.complaint_id AND replied_at IS NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER complaint_reply_measure AFTER INSERT ON complaint_reply
    FOR EACH ROW EXECUTE FUNCTION complaint_measure_reply();

CREATE FUNCTION complaint_measure_return() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE complaint SET returns = returns + 1 WHERE id = NEW.complaint_id;
    RETURN NULL;
END $$;
CREATE TRIGGER complaint_return_measure AFTER INSERT ON complaint_return
    FOR EACH ROW EXECUTE FUNCTION complaint_measure_return();

CREATE FUNCTION complaint_measure_extension() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE complaint SET extensions = extensions + 1 WHERE id = NEW.complaint_id;
    RETURN NULL;
END $$;
CREATE TRIGGER complaint_extension_measure AFTER UPDATE OF decision ON complaint_extension
    FOR EACH ROW WHEN (NEW.decision = 'approved' AND OLD.decision IS DISTINCT FROM 'approved')
    EXECUTE FUNCTION complaint_measure_extension();

CREATE FUNCTION complaint_measure_deadline() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.stage = 'sign_for' THEN
        UPDATE complaint SET sign_for_work_seconds = NEW.work_seconds WHERE id = NEW.complaint_id;
    ELSE
        UPDATE complaint SET close_work_seconds = NEW.work_seconds,
                             closed_on_time = NEW.met_at <= NEW.due_at
            WHERE id = NEW.complaint_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER complaint_deadline_measure AFTER UPDATE OF met_at, work_seconds ON complaint_deadline
    FOR EACH ROW WHEN (NEW.stage IN ('sign_for', 'close')
                       AND (OLD.met_at IS DISTINCT FROM NEW.met_at
                            OR OLD.work_seconds IS DISTINCT FROM NEW.work_seconds))
    EXECUTE FUNCTION complaint_measure_deadline();

-- What the complaints already have.
UPDATE complaint c SET
    replied_at = (SELECT min(r.at) FROM complaint_reply r WHERE r.complaint_id = c.id),
    returns = (SELECT count(*) FROM complaint_return x WHERE x.complaint_id = c.id),
    extensions = (SELECT count(*) FROM complaint_extension x
                  WHERE x.complaint_id = c.id AND x.decision = 'approved'),
    sign_for_work_seconds = (SELECT d.work_seconds FROM complaint_deadline d
                             WHERE d.complaint_id = c.id AND d.stage = 'sign_for'),
    close_work_seconds = (SELECT d.work_seconds FROM complaint_deadline d
                          WHERE d.complaint_id = c.id AND d.stage = 'close'),
    closed_on_time = (SELECT d.met_at <= d.due_at FROM complaint_deadline d
                      WHERE d.complaint_id = c.id AND d.stage = 'close');

-- A month's complaints of one department, for complaint_stats_monthly.
CREATE INDEX complaint_by_month_and_lead ON complaint
    ((date_trunc('month', received_at AT TIME ZONE 'Asia/Shanghai')::date), lead_department);

-- ---------------------------------------------------------------------------------------
-- The measures (definitions in 008 and the README), now from the row; only open complaints
-- look at their deadlines.

DROP VIEW complaint_stats_monthly;
DROP VIEW complaint_measure;

CREATE VIEW complaint_measure AS
    SELECT c.id, c.number, c.channel AS line, c.lead_department AS department, c.category,
           c.region, c.state, c.received_at,
           c.state = 'merged' AS merged,
           c.replied_at IS NOT NULL AS responded,
           c.state = 'closed' AS closed,
           c.state = 'closed' AND coalesce(c.closed_on_time, false) AS closed_on_time,
           CASE c.state WHEN 'closed' THEN true WHEN 'merged' THEN false
                ELSE EXISTS (SELECT 1 FROM complaint_deadline k
                             WHERE k.complaint_id = c.id AND k.stage = 'close'
                               AND k.met_at IS NULL AND k.due_at < suqiu_now()) END
               AS due_for_close,
           CASE WHEN c.state IN ('closed', 'merged') THEN false
                ELSE EXISTS (SELECT 1 FROM complaint_deadline d
                             WHERE d.complaint_id = c.id AND d.met_at IS NULL
                               AND d.due_at < suqiu_now())
                     AND NOT EXISTS (SELECT 1 FROM complaint_pause p
                                     WHERE p.complaint_id = c.id AND p.ended_at IS NULL) END
               AS overdue_now,
           c.sign_for_work_seconds, c.close_work_seconds, c.returns, c.extensions
    FROM complaint c;

CREATE OR REPLACE FUNCTION complaint_stats(p_from timestamptz, p_to timestamptz, p_by text)
RETURNS TABLE (group_id text, group_name text, received bigint, responded bigint,
               responded_rate numeric, closed bigint, closed_on_time bigint, due bigint,
               on_time_rate numeric, overdue_now bigint,
               sign_for_avg_wh numeric, sign_for_p90_wh numeric,
               close_avg_wh numeric, close_p90_wh numeric,
               returns bigint, extensions bigint, merged bigint)
LANGUAGE sql STABLE AS $$
    WITH totals AS (
        SELECT CASE p_by WHEN 'department' THEN m.department WHEN 'category' THEN m.category
                         WHEN 'region' THEN m.region WHEN 'line' THEN m.line ELSE 'all' END AS g,
               count(*) FILTER (WHERE NOT m.merged) AS received,
               count(*) FILTER (WHERE NOT m.merged AND m.responded) AS responded,
               count(*) FILTER (WHERE m.closed) AS closed,
               count(*) FILTER (WHERE m.closed_on_time) AS closed_on_time,
               count(*) FILTER (WHERE m.due_for_close) AS due,
               count(*) FILTER (WHERE m.overdue_now) AS overdue_now,
               avg(m.sign_for_work_seconds) AS sign_avg,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY m.sign_for_work_seconds) AS sign_p90,
               avg(m.close_work_seconds) FILTER (WHERE m.closed) AS close_avg,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY m.close_work_seconds)
                   FILTER (WHERE m.closed) AS close_p90,
               sum(m.returns) AS returns,
               sum(m.extensions) AS extensions,
               count(*) FILTER (WHERE m.merged) AS merged,
               count(*) AS everything
        FROM complaint_measure m
        WHERE m.received_at >= p_from AND m.received_at < p_to
        GROUP BY 1
    )
    SELECT coalesce(t.g, '-'),
           coalesce(CASE p_by WHEN 'department' THEN (SELECT name FROM department WHERE id = t.g)
                              WHEN 'category' THEN (SELECT name FROM category WHERE id = t.g)
                              WHEN 'region' THEN (SELECT name FROM region WHERE id = t.g)
                              WHEN 'line' THEN (SELECT description FROM channel WHERE name = t.g)
                              ELSE 'all complaints' END,
                    CASE WHEN t.g IS NULL AND p_by = 'department'
                         THEN 'no lead department: in triage or not yet routed' END, '-'),
           t.received, t.responded, round(100.0 * t.responded / nullif(t.received, 0), 1),
           t.closed, t.closed_on_time, t.due, round(100.0 * t.closed_on_time / nullif(t.due, 0), 1),
           t.overdue_now,
           round(t.sign_avg / 3600.0, 2), round((t.sign_p90 / 3600.0)::numeric, 2),
           round(t.close_avg / 3600.0, 2), round((t.close_p90 / 3600.0)::numeric, 2),
           coalesce(t.returns, 0)::bigint, coalesce(t.extensions, 0)::bigint, t.merged
    FROM totals t
    ORDER BY t.everything DESC, t.g
$$;

CREATE VIEW complaint_stats_monthly AS
    SELECT date_trunc('month', m.received_at AT TIME ZONE 'Asia/Shanghai')::date AS month,
           m.department,
           count(*) FILTER (WHERE NOT m.merged) AS received,
           count(*) FILTER (WHERE NOT m.merged AND m.responded) AS responded,
           round(100.0 * count(*) FILTER (WHERE NOT m.merged AND m.responded)
                 / nullif(count(*) FILTER (WHERE NOT m.merged), 0), 1) AS responded_rate,
           count(*) FILTER (WHERE m.closed) AS closed,
           count(*) FILTER (WHERE m.closed_on_time) AS closed_on_time,
           count(*) FILTER (WHERE m.due_for_close) AS due,
           round(100.0 * count(*) FILTER (WHERE m.closed_on_time)
                 / nullif(count(*) FILTER (WHERE m.due_for_close), 0), 1) AS on_time_rate,
           count(*) FILTER (WHERE m.overdue_now) AS overdue_now,
           round(avg(m.sign_for_work_seconds) / 3600.0, 2) AS sign_for_avg_wh,
           round(avg(m.close_work_seconds) FILTER (WHERE m.closed) / 3600.0, 2) AS close_avg_wh,
           coalesce(sum(m.returns), 0) AS returns,
           coalesce(sum(m.extensions), 0) AS extensions
    FROM complaint_measure m
    GROUP BY 1, 2;

-- ---------------------------------------------------------------------------------------
-- The overdue list: each overdue deadline found through the partial index, then its
-- complaint by key (a LIMIT 1 lateral, so that the planner never hashes every open
-- complaint on a misjudged row count).
CREATE OR REPLACE VIEW overdue_now AS
    SELECT c.number, c.channel, c.state, d.stage, c.lead_department AS department,
           c.department_name, d.due_at,
           round(extract(epoch FROM suqiu_now() - d.due_at)::numeric / 86400, 1) AS days_over,
           d.overdue_at IS NOT NULL AS escalated
    FROM complaint_deadline d
    CROSS JOIN LATERAL (SELECT c.number, c.channel, c.state, c.lead_department,
                               (SELECT name FROM department WHERE id = c.lead_department)
                                   AS department_name
                        FROM complaint c
                        WHERE c.id = d.complaint_id AND c.state NOT IN ('closed', 'merged')
                        LIMIT 1) c
    WHERE d.met_at IS NULL AND d.due_at < suqiu_now()
      AND NOT EXISTS (SELECT 1 FROM complaint_pause p
                      WHERE p.complaint_id = d.complaint_id AND p.ended_at IS NULL);
