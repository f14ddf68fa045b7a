-- 008_stats: the supervisors' measures: received, responded (rate), closed, closed on time
-- (rate), overdue now, working time to sign-for and to close (average and p90), returns and
-- extensions; by department, category, region or line.  suqiuctl stats prints
-- complaint_stats(); the views serve any PostgreSQL tool.  Definitions (README, "Measures"):
--   population   complaints received in the period; repeat reports merged into a master
--                (并单) are counted apart, as merged: they are answered with its reply.
--   responded    has at least one recorded reply to the citizen.
--   closed       in state closed.
--   on time      closed no later than its close deadline, which includes an approved
--                extension and the time paused while waiting for the citizen.
--   due          closed, or still open with its close deadline passed: on-time rate =
--                closed on time / due, so an open complaint past its deadline counts
--                against the rate before it closes.
--   overdue now  open, not paused, with a stage not met and its deadline passed.
--   working time the working seconds from receipt to the stage, pauses left out, as
--                lib/sq_deadline records them when the stage is met (in working hours).
--   returns      times departments handed it back (退回); extensions: approved requests.

-- Periods are chosen by receipt time.
CREATE INDEX complaint_by_received ON complaint (received_at);

-- One row per complaint with what the measures need.  Cheap per row: each fact is one
-- index probe.
CREATE VIEW complaint_measure AS
    SELECT c.id, c.number, c.channel AS line, c.lead_department AS department, c.category,
           c.region, c.state, c.received_at,
           c.state = 'merged' AS merged,
           EXISTS (SELECT 1 FROM complaint_reply r WHERE r.complaint_id = c.id) AS responded,
           c.state = 'closed' AS closed,
           k.due_at AS close_due,
           c.state = 'closed' AND k.met_at <= k.due_at AS closed_on_time,
           c.state = 'closed' OR (c.state <> 'merged' AND k.met_at IS NULL
                                  AND k.due_at < suqiu_now()) AS due_for_close,
           c.state NOT IN ('closed', 'merged')
             AND EXISTS (SELECT 1 FROM complaint_deadline d
                         WHERE d.complaint_id = c.id AND d.met_at IS NULL
                           AND d.due_at < suqiu_now())
             AND NOT EXISTS (SELECT 1 FROM complaint_pause p
                             WHERE p.complaint_id = c.id AND p.ended_at IS NULL) AS overdue_now,
           s.work_seconds AS sign_for_work_seconds,
           k.work_seconds AS close_work_seconds,
           (SELECT count(*) FROM complaint_return x WHERE x.complaint_id = c.id) AS returns,
           (SELECT count(*) FROM complaint_extension x
            WHERE x.complaint_id = c.id AND x.decision = 'approved') AS extensions
    FROM complaint c
    LEFT JOIN complaint_deadline s ON s.complaint_id = c.id AND s.stage = 'sign_for'
    LEFT JOIN complaint_deadline k ON k.complaint_id = c.id AND k.stage = 'close';

-- The measures of the complaints received from p_from (inclusive) to p_to (exclusive),
-- grouped by p_by: 'department', 'category', 'region', 'line' or 'all'.  Rates are
-- percentages with one decimal, NULL when nothing counts; working times in working hours.
CREATE FUNCTION complaint_stats(p_from timestamptz, p_to timestamptz, p_by text)
RETURNS TABLE (group_id text, group_name text, received bigint, responded bigint,
               responded_rate numeric, closed bigint, closed_on_time bigint, due bigint,
               on_time_rate numeric, overdue_now bigint,
               sign_for_avg_wh numeric, sign_for_p90_wh numeric,
               close_avg_wh numeric, close_p90_wh numeric,
               returns bigint, extensions bigint, merged bigint)
LANGUAGE sql STABLE AS $$
    WITH m AS (
        SELECT CASE p_by WHEN 'department' THEN m.department WHEN 'category' THEN m.category
                         WHEN 'region' THEN m.region WHEN 'line' THEN m.line ELSE 'all' END AS g,
               m.*
        FROM complaint_measure m
        WHERE m.received_at >= p_from AND m.received_at < p_to
    )
    SELECT coalesce(m.g, '-'),
           coalesce(CASE p_by WHEN 'department' THEN (SELECT name FROM department WHERE id = m.g)
                              WHEN 'category' THEN (SELECT name FROM category WHERE id = m.g)
                              WHEN 'region' THEN (SELECT name FROM region WHERE id = m.g)
                              WHEN 'line' THEN (SELECT description FROM channel WHERE name = m.g)
                              ELSE 'all complaints' END,
                    CASE WHEN m.g IS NULL AND p_by = 'department'
                         THEN 'no lead department: in triage or not yet routed' END, '-'),
           count(*) FILTER (WHERE NOT m.merged),
           count(*) FILTER (WHERE NOT m.merged AND m.responded),
           round(100.0 * count(*) FILTER (WHERE NOT m.merged AND m.responded)
                 / nullif(count(*) FILTER (WHERE NOT m.merged), 0), 1),
           count(*) FILTER (WHERE m.closed),
           count(*) FILTER (WHERE m.closed_on_time),
           count(*) FILTER (WHERE m.due_for_close),
           round(100.0 * count(*) FILTER (WHERE m.closed_on_time)
                 / nullif(count(*) FILTER (WHERE m.due_for_close), 0), 1),
           count(*) FILTER (WHERE m.overdue_now),
           round(avg(m.sign_for_work_seconds) / 3600.0, 2),
           round((percentile_cont(0.9) WITHIN GROUP (ORDER BY m.sign_for_work_seconds)
                  / 3600.0)::numeric, 2),
           round(avg(m.close_work_seconds) FILTER (WHERE m.closed) / 3600.0, 2),
           round((percentile_cont(0.9) WITHIN GROUP (ORDER BY m.close_work_seconds)
                  FILTER (WHERE m.closed) / 3600.0)::numeric, 2),
           coalesce(sum(m.returns), 0)::bigint,
           coalesce(sum(m.extensions), 0)::bigint,
           count(*) FILTER (WHERE m.merged)
    FROM m
    GROUP BY m.g
    ORDER BY count(*) DESC, m.g
$$;

-- The same measures per month (Asia/Shanghai) and department, for SQL tools.
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
