-- 005_deadline_alerts: the deadline watch.  Before a stage's deadline, at a fraction of its
-- limit, a reminder to the department desk (黄灯); at the deadline, the overdue flag (红灯)
-- and an escalation to the supervisors (督办).  Each at most once per complaint and stage,
-- and every one recorded as an event.

ALTER TABLE complaint_deadline
    ADD COLUMN started_at  timestamptz,   -- when the clock of this stage started
    ADD COLUMN remind_at   timestamptz,   -- when the reminder is due
    ADD COLUMN reminded_at timestamptz,   -- when it was raised
    ADD COLUMN overdue_at  timestamptz;   -- when the overdue flag and escalation were raised

-- Only what still has an alert to raise is in these indexes, so the watch's cost grows with
-- what is due, not with the table.
CREATE INDEX complaint_deadline_remind ON complaint_deadline (remind_at)
    WHERE met_at IS NULL AND reminded_at IS NULL;
CREATE INDEX complaint_deadline_overdue ON complaint_deadline (due_at)
    WHERE met_at IS NULL AND overdue_at IS NULL;

-- Set a complaint's deadlines (see 004); now also when each clock started (the receipt) and
-- when its reminder is due: after remind_percent of the time to the deadline.  A stage
-- already met keeps its row; a stage set again may raise its alerts again.
CREATE OR REPLACE FUNCTION complaint_set_deadlines(p_id bigint, p_deadlines jsonb, p_actor text,
                                                   p_reason text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    v_stage    text;
    v_start    timestamptz;
    v_due      timestamptz;
    v_percent  numeric := coalesce((p_deadlines->>'remind_percent')::numeric, 75);
BEGIN
    SELECT received_at INTO v_start FROM complaint WHERE id = p_id;
    FOREACH v_stage IN ARRAY ARRAY['sign_for', 'first_response', 'close'] LOOP
        IF p_deadlines ? v_stage THEN
            v_due := (p_deadlines->>v_stage)::timestamptz;
            INSERT INTO complaint_deadline (complaint_id, stage, due_at, policy_id, started_at,
                                            remind_at)
                VALUES (p_id, v_stage, v_due, p_deadlines->>'policy', v_start,
                        v_start + (v_due - v_start) * (v_percent / 100))
                ON CONFLICT (complaint_id, stage) DO UPDATE
                    SET due_at = excluded.due_at, policy_id = excluded.policy_id,
                        started_at = excluded.started_at, remind_at = excluded.remind_at,
                        reminded_at = NULL, overdue_at = NULL
                    WHERE complaint_deadline.met_at IS NULL;
        END IF;
    END LOOP;
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (p_id, 'deadlines', p_actor, p_deadlines || jsonb_build_object('reason', p_reason));
    RETURN true;
END $$;

-- Raise what is due at p_now (at most p_limit of each kind): reminders whose time has come,
-- then overdue flags with escalation.  Rows locked by another watch are skipped, so several
-- workers may run it at once.  Returns what it raised.
CREATE FUNCTION deadline_sweep(p_now timestamptz, p_limit int)
RETURNS TABLE (number text, stage text, alert text, due_at text, department text)
LANGUAGE plpgsql AS $$
DECLARE
    v record;
BEGIN
    FOR v IN
        SELECT d.complaint_id, d.stage, d.due_at, c.number, c.lead_department
        FROM complaint_deadline d JOIN complaint c ON c.id = d.complaint_id
        WHERE d.met_at IS NULL AND d.overdue_at IS NULL AND d.due_at <= p_now
          AND c.state NOT IN ('closed', 'merged')
        ORDER BY d.due_at LIMIT p_limit
        FOR UPDATE OF d SKIP LOCKED
    LOOP
        UPDATE complaint_deadline SET overdue_at = p_now, reminded_at = coalesce(reminded_at, p_now)
            WHERE complaint_id = v.complaint_id AND complaint_deadline.stage = v.stage;
        INSERT INTO complaint_event (complaint_id, kind, actor, detail)
            VALUES (v.complaint_id, 'overdue', 'suqiu.deadline',
                    jsonb_build_object('stage', v.stage, 'due', iso_shanghai(v.due_at),
                                       'light', 'red', 'escalated_to', 'supervisors',
                                       'department', v.lead_department));
        number := v.number; stage := v.stage; alert := 'overdue';
        due_at := iso_shanghai(v.due_at); department := v.lead_department;
        RETURN NEXT;
    END LOOP;
    FOR v IN
        SELECT d.complaint_id, d.stage, d.due_at, c.number, c.lead_department
        FROM complaint_deadline d JOIN complaint c ON c.id = d.complaint_id
        WHERE d.met_at IS NULL AND d.reminded_at IS NULL AND d.remind_at <= p_now
          AND c.state NOT IN ('closed', 'merged')
        ORDER BY d.remind_at LIMIT p_limit
        FOR UPDATE OF d SKIP LOCKED
    LOOP
        UPDATE complaint_deadline SET reminded_at = p_now
            WHERE complaint_id = v.complaint_id AND complaint_deadline.stage = v.stage;
        INSERT INTO complaint_event (complaint_id, kind, actor, detail)
            VALUES (v.complaint_id, 'reminder', 'suqiu.deadline',
                    jsonb_build_object('stage', v.stage, 'due', iso_shanghai(v.due_at),
                                       'light', 'yellow', 'department', v.lead_department));
        number := v.number; stage := v.stage; alert := 'reminder';
        due_at := iso_shanghai(v.due_at); department := v.lead_department;
        RETURN NEXT;
    END LOOP;
END $$;

-- The deadlines JSON of the lookups, now with the alerts raised.
CREATE OR REPLACE FUNCTION complaint_deadlines_json(p_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(stage, jsonb_strip_nulls(jsonb_build_object(
               'due', iso_shanghai(due_at),
               'met', CASE WHEN met_at IS NOT NULL THEN iso_shanghai(met_at) END,
               'reminded', CASE WHEN reminded_at IS NOT NULL THEN iso_shanghai(reminded_at) END,
               'overdue', CASE WHEN overdue_at IS NOT NULL THEN iso_shanghai(overdue_at) END,
               'policy', policy_id))), '{}'::jsonb)
    FROM complaint_deadline WHERE complaint_id = p_id
$$;
