-- 007_extensions: what moves a deadline after routing.  An extension (延期) asked by the
-- lead department with a reason and approved or refused by a supervisor; a pause while
-- waiting for the citizen (e.g. unreachable); and a stage counted from an earlier one,
-- once that stage really happens.  The arithmetic is the calendar's, in C (lib/sq_deadline):
-- these functions keep the facts, and move a deadline when told, always with an event.
-- Also: the hub's clock, which a test may set, and the working time each stage took.

-- The hub's clock: the session setting suqiu.now when set (tests drive time with
-- PGOPTIONS='-c suqiu.now=2026-02-16T10:00:00+08:00'), else the real time.
CREATE FUNCTION suqiu_now() RETURNS timestamptz LANGUAGE sql VOLATILE AS $$
    SELECT coalesce(nullif(current_setting('suqiu.now', true), '')::timestamptz, clock_timestamp())
$$;

ALTER TABLE complaint_event ALTER COLUMN at SET DEFAULT suqiu_now();
ALTER TABLE complaint_reply ALTER COLUMN at SET DEFAULT suqiu_now();

CREATE OR REPLACE FUNCTION complaint_meet(p_id bigint, p_stage text) RETURNS void LANGUAGE sql AS $$
    UPDATE complaint_deadline SET met_at = suqiu_now()
    WHERE complaint_id = p_id AND stage = p_stage AND met_at IS NULL
$$;

-- The working seconds a met stage took from receipt, pauses left out (lib/sq_deadline).
ALTER TABLE complaint_deadline ADD COLUMN work_seconds bigint;

-- Extensions: one request waiting at a time per complaint, one approved per stage.
CREATE TABLE complaint_extension (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id    bigint NOT NULL REFERENCES complaint (id),
    stage           text NOT NULL CHECK (stage IN ('sign_for', 'first_response', 'close')),
    within          text NOT NULL,         -- the time asked for, a duration: 10wd, 8wh, 24h
    reason          text NOT NULL CHECK (length(btrim(reason)) > 0),
    department      text NOT NULL,
    asked_by        text NOT NULL,
    asked_at        timestamptz NOT NULL DEFAULT suqiu_now(),
    decision        text CHECK (decision IN ('approved', 'refused')),
    decided_by      text,
    decided_at      timestamptz,
    decision_reason text,
    due_before      timestamptz,           -- the stage's deadline when it was decided
    due_after       timestamptz            -- and after, when approved
);
CREATE INDEX complaint_extension_by_complaint ON complaint_extension (complaint_id);
CREATE UNIQUE INDEX complaint_extension_one_waiting ON complaint_extension (complaint_id)
    WHERE decision IS NULL;
CREATE UNIQUE INDEX complaint_extension_one_approved ON complaint_extension (complaint_id, stage)
    WHERE decision = 'approved';

-- Pauses while waiting for the citizen: at most one open per complaint.
CREATE TABLE complaint_pause (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id bigint NOT NULL REFERENCES complaint (id),
    reason       text NOT NULL CHECK (length(btrim(reason)) > 0),
    department   text NOT NULL,
    paused_by    text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT suqiu_now(),
    resumed_by   text,
    ended_at     timestamptz,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX complaint_pause_by_complaint ON complaint_pause (complaint_id);
CREATE UNIQUE INDEX complaint_pause_open ON complaint_pause (complaint_id) WHERE ended_at IS NULL;

-- What lib/sq_deadline needs to recompute a complaint's deadlines: one row per stage, times
-- in seconds since the epoch, and the duration of the stage's approved extension.
CREATE FUNCTION complaint_deadline_facts(p_number text)
RETURNS TABLE (id bigint, received bigint, policy_id text, stage text, due bigint, met bigint,
               work_seconds bigint, extension text)
LANGUAGE sql STABLE AS $$
    SELECT c.id, extract(epoch FROM c.received_at)::bigint, d.policy_id, d.stage,
           extract(epoch FROM d.due_at)::bigint, extract(epoch FROM d.met_at)::bigint,
           d.work_seconds,
           (SELECT x.within FROM complaint_extension x
            WHERE x.complaint_id = c.id AND x.stage = d.stage AND x.decision = 'approved')
    FROM complaint c JOIN complaint_deadline d ON d.complaint_id = c.id
    WHERE c.number = p_number
$$;

CREATE FUNCTION complaint_pauses(p_id bigint) RETURNS TABLE (started bigint, ended bigint)
LANGUAGE sql STABLE AS $$
    SELECT extract(epoch FROM started_at)::bigint, extract(epoch FROM ended_at)::bigint
    FROM complaint_pause WHERE complaint_id = p_id ORDER BY started_at
$$;

-- Move a stage's deadline (not yet met) to p_due, its clock now starting at p_started.  The
-- reminder keeps its fraction of the time; alerts already raised stay raised unless the new
-- times are still ahead, so nothing is raised twice for the same lateness.  Writes an event.
CREATE FUNCTION complaint_deadline_move(p_id bigint, p_stage text, p_due timestamptz,
                                        p_started timestamptz, p_actor text, p_reason text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v        complaint_deadline%ROWTYPE;
    v_now    timestamptz := suqiu_now();
    v_part   double precision := 0.75;
    v_remind timestamptz;
BEGIN
    SELECT * INTO v FROM complaint_deadline WHERE complaint_id = p_id AND stage = p_stage
        AND met_at IS NULL FOR UPDATE;
    IF NOT FOUND THEN RETURN; END IF;
    IF v.remind_at IS NOT NULL AND v.started_at IS NOT NULL AND v.due_at > v.started_at THEN
        v_part := extract(epoch FROM v.remind_at - v.started_at)
                  / extract(epoch FROM v.due_at - v.started_at);
    END IF;
    v_remind := p_started + (p_due - p_started) * v_part;
    UPDATE complaint_deadline
        SET due_at = p_due, started_at = p_started, remind_at = v_remind,
            reminded_at = CASE WHEN v_remind > v_now THEN NULL ELSE reminded_at END,
            overdue_at = CASE WHEN p_due > v_now THEN NULL ELSE overdue_at END
        WHERE complaint_id = p_id AND stage = p_stage;
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (p_id, 'deadline_moved', p_actor,
                jsonb_build_object('stage', p_stage, 'from', iso_shanghai(v.due_at),
                                   'to', iso_shanghai(p_due), 'reason', p_reason));
END $$;

CREATE FUNCTION complaint_deadline_work(p_id bigint, p_stage text, p_seconds bigint)
RETURNS void LANGUAGE sql AS $$
    UPDATE complaint_deadline SET work_seconds = p_seconds
    WHERE complaint_id = p_id AND stage = p_stage AND met_at IS NOT NULL
$$;

-- Lock the open complaint p_number; NULL when p_department (unless NULL) is its lead
-- department, else the reason it may not act (p_what: what it may not do).
CREATE FUNCTION complaint_department_check(p_number text, p_department text, p_what text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v complaint%ROWTYPE;
BEGIN
    SELECT * INTO v FROM complaint WHERE number = p_number FOR UPDATE;
    IF NOT FOUND THEN RETURN 'no such work order'; END IF;
    IF v.state NOT IN ('dispatched', 'signed_for', 'responded') THEN
        RETURN 'it is ' || v.state || ', not with a department';
    END IF;
    IF p_department IS NOT NULL AND v.lead_department IS DISTINCT FROM p_department THEN
        RETURN 'only its lead department, ' || coalesce(v.lead_department, '-') || ', ' || p_what;
    END IF;
    RETURN NULL;
END $$;

-- The lead department asks for more time for a stage not yet met.  The duration has been
-- checked against the policy by the caller.  Returns an error text, or NULL.
CREATE FUNCTION complaint_extension_request(p_number text, p_department text, p_stage text,
                                            p_within text, p_reason text, p_actor text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v complaint%ROWTYPE; v_error text;
BEGIN
    v_error := complaint_department_check(p_number, p_department, 'asks for an extension');
    IF v_error IS NOT NULL THEN RETURN v_error; END IF;
    SELECT * INTO v FROM complaint WHERE number = p_number;
    IF p_reason IS NULL OR length(btrim(p_reason)) = 0 THEN RETURN 'give a reason'; END IF;
    IF NOT EXISTS (SELECT 1 FROM complaint_deadline
                   WHERE complaint_id = v.id AND stage = p_stage AND met_at IS NULL) THEN
        RETURN 'its ' || p_stage || ' stage is not due';
    END IF;
    IF EXISTS (SELECT 1 FROM complaint_extension WHERE complaint_id = v.id AND decision IS NULL) THEN
        RETURN 'a request is already waiting for a supervisor';
    END IF;
    IF EXISTS (SELECT 1 FROM complaint_extension
               WHERE complaint_id = v.id AND stage = p_stage AND decision = 'approved') THEN
        RETURN 'its ' || p_stage || ' stage has been extended once already';
    END IF;
    INSERT INTO complaint_extension (complaint_id, stage, within, reason, department, asked_by)
        VALUES (v.id, p_stage, p_within, p_reason, p_department, p_actor);
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v.id, 'extension_requested', p_actor,
                jsonb_build_object('stage', p_stage, 'within', p_within, 'reason', p_reason,
                                   'department', p_department));
    RETURN NULL;
END $$;

-- The request waiting for complaint p_number: its stage and duration and the policy of the
-- complaint's deadlines, for the caller's checks; no row when none waits.
CREATE FUNCTION complaint_extension_waiting(p_number text)
RETURNS TABLE (stage text, within text, policy_id text, department text, reason text)
LANGUAGE sql STABLE AS $$
    SELECT x.stage, x.within, d.policy_id, x.department, x.reason
    FROM complaint c
    JOIN complaint_extension x ON x.complaint_id = c.id AND x.decision IS NULL
    JOIN complaint_deadline d ON d.complaint_id = c.id AND d.stage = x.stage
    WHERE c.number = p_number
$$;

-- A supervisor approves or refuses the waiting request.  The caller then recomputes the
-- deadlines (an approved extension counts from then on) and calls
-- complaint_extension_settled.  Returns an error text, or NULL.
CREATE FUNCTION complaint_extension_decide(p_number text, p_approve boolean, p_actor text,
                                           p_reason text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v complaint%ROWTYPE; v_error text; v_request complaint_extension%ROWTYPE;
BEGIN
    v_error := complaint_department_check(p_number, NULL, '');
    IF v_error IS NOT NULL THEN RETURN v_error; END IF;
    SELECT * INTO v FROM complaint WHERE number = p_number;
    SELECT * INTO v_request FROM complaint_extension
        WHERE complaint_id = v.id AND decision IS NULL FOR UPDATE;
    IF NOT FOUND THEN RETURN 'no extension request is waiting'; END IF;
    UPDATE complaint_extension
        SET decision = CASE WHEN p_approve THEN 'approved' ELSE 'refused' END,
            decided_by = p_actor, decided_at = suqiu_now(), decision_reason = p_reason,
            due_before = (SELECT due_at FROM complaint_deadline
                          WHERE complaint_id = v.id AND stage = v_request.stage)
        WHERE id = v_request.id;
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v.id, CASE WHEN p_approve THEN 'extension_approved' ELSE 'extension_refused' END,
                p_actor, jsonb_strip_nulls(jsonb_build_object(
                    'stage', v_request.stage, 'within', v_request.within, 'reason', p_reason)));
    RETURN NULL;
END $$;

-- After the deadlines were recomputed: note the new deadline on the approved extension.
CREATE FUNCTION complaint_extension_settled(p_number text) RETURNS void LANGUAGE sql AS $$
    UPDATE complaint_extension x SET due_after = d.due_at
    FROM complaint c, complaint_deadline d
    WHERE c.number = p_number AND x.complaint_id = c.id AND x.decision = 'approved'
      AND x.due_after IS NULL AND d.complaint_id = c.id AND d.stage = x.stage
$$;

-- The lead department stops the clock while it waits for the citizen.  Returns an error
-- text, or NULL.
CREATE FUNCTION complaint_pause_start(p_number text, p_department text, p_reason text,
                                      p_actor text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v complaint%ROWTYPE; v_error text;
BEGIN
    v_error := complaint_department_check(p_number, p_department, 'pauses it');
    IF v_error IS NOT NULL THEN RETURN v_error; END IF;
    SELECT * INTO v FROM complaint WHERE number = p_number;
    IF p_reason IS NULL OR length(btrim(p_reason)) = 0 THEN RETURN 'give a reason'; END IF;
    IF EXISTS (SELECT 1 FROM complaint_pause WHERE complaint_id = v.id AND ended_at IS NULL) THEN
        RETURN 'it is paused already';
    END IF;
    INSERT INTO complaint_pause (complaint_id, reason, department, paused_by)
        VALUES (v.id, p_reason, p_department, p_actor);
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v.id, 'paused', p_actor,
                jsonb_build_object('reason', p_reason, 'department', p_department));
    RETURN NULL;
END $$;

-- The clock runs again.  With p_required false (before any other action) a complaint not
-- paused is fine.  Returns an error text, or NULL.
CREATE FUNCTION complaint_pause_end(p_number text, p_actor text, p_note text, p_required boolean)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint; v_pause complaint_pause%ROWTYPE;
BEGIN
    SELECT id INTO v_id FROM complaint WHERE number = p_number;
    IF NOT FOUND THEN RETURN 'no such work order'; END IF;
    UPDATE complaint_pause SET ended_at = greatest(suqiu_now(), started_at), resumed_by = p_actor
        WHERE complaint_id = v_id AND ended_at IS NULL RETURNING * INTO v_pause;
    IF NOT FOUND THEN
        RETURN CASE WHEN p_required THEN 'it is not paused' END;
    END IF;
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v_id, 'resumed', p_actor,
                jsonb_build_object('paused_at', iso_shanghai(v_pause.started_at),
                                   'note', p_note));
    RETURN NULL;
END $$;

-- The watch leaves paused complaints alone: their clocks are stopped.
CREATE OR REPLACE FUNCTION deadline_sweep(p_now timestamptz, p_limit int)
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
          AND NOT EXISTS (SELECT 1 FROM complaint_pause p
                          WHERE p.complaint_id = d.complaint_id AND p.ended_at IS NULL)
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
          AND NOT EXISTS (SELECT 1 FROM complaint_pause p
                          WHERE p.complaint_id = d.complaint_id AND p.ended_at IS NULL)
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

-- Overdue now, by the hub's clock; a paused complaint's clock is stopped, so it is not.
CREATE OR REPLACE VIEW overdue_now AS
    SELECT c.number, c.channel, c.state, d.stage, c.lead_department AS department,
           dep.name AS department_name, d.due_at,
           round(extract(epoch FROM suqiu_now() - d.due_at)::numeric / 86400, 1) AS days_over,
           d.overdue_at IS NOT NULL AS escalated
    FROM complaint_deadline d
    JOIN complaint c ON c.id = d.complaint_id
    LEFT JOIN department dep ON dep.id = c.lead_department
    WHERE d.met_at IS NULL AND d.due_at < suqiu_now() AND c.state NOT IN ('closed', 'merged')
      AND NOT EXISTS (SELECT 1 FROM complaint_pause p
                      WHERE p.complaint_id = d.complaint_id AND p.ended_at IS NULL);

-- The deadlines JSON of the lookups, now with the working time of met stages.
CREATE OR REPLACE FUNCTION complaint_deadlines_json(p_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(stage, jsonb_strip_nulls(jsonb_build_object(
               'due', iso_shanghai(due_at),
               'met', CASE WHEN met_at IS NOT NULL THEN iso_shanghai(met_at) END,
               'reminded', CASE WHEN reminded_at IS NOT NULL THEN iso_shanghai(reminded_at) END,
               'overdue', CASE WHEN overdue_at IS NOT NULL THEN iso_shanghai(overdue_at) END,
               'work_seconds', work_seconds,
               'policy', policy_id))), '{}'::jsonb)
    FROM complaint_deadline WHERE complaint_id = p_id
$$;
