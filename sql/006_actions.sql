-- 006_actions: what departments do with a complaint: sign for it (签收), answer the citizen
-- (答复, with the reply text and the channel it went out on), and close it (办结).  A
-- complaint cannot be closed without a recorded reply: that is what makes "100% response"
-- checkable.  Each action meets its stage's deadline and writes an event.

CREATE TABLE complaint_reply (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id bigint NOT NULL REFERENCES complaint (id),
    body         text NOT NULL CHECK (length(btrim(body)) > 0),
    sent_via     text NOT NULL,        -- phone, sms, wechat, email, letter, web, in_person
    department   text,
    actor        text NOT NULL,
    at           timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX complaint_reply_by_complaint ON complaint_reply (complaint_id);

-- Meet a stage's deadline (the first time only).
CREATE FUNCTION complaint_meet(p_id bigint, p_stage text) RETURNS void LANGUAGE sql AS $$
    UPDATE complaint_deadline SET met_at = now()
    WHERE complaint_id = p_id AND stage = p_stage AND met_at IS NULL
$$;

-- The lead department signs for a dispatched complaint.  Returns an error text, or NULL
-- when done.
CREATE FUNCTION complaint_sign_for(p_number text, p_department text, p_actor text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v complaint%ROWTYPE;
BEGIN
    SELECT * INTO v FROM complaint WHERE number = p_number FOR UPDATE;
    IF NOT FOUND THEN RETURN 'no such work order'; END IF;
    IF v.state <> 'dispatched' THEN RETURN 'it is ' || v.state || ', not dispatched'; END IF;
    IF v.lead_department IS DISTINCT FROM p_department THEN
        RETURN 'only its lead department, ' || coalesce(v.lead_department, '-') || ', signs for it';
    END IF;
    PERFORM complaint_meet(v.id, 'sign_for');
    PERFORM complaint_set_state(v.id, 'signed_for', p_actor,
                                jsonb_build_object('department', p_department));
    RETURN NULL;
END $$;

-- The lead department answers the citizen: the reply is recorded with the channel it went
-- out on, and the first-response deadline is met.  Returns an error text, or NULL.
CREATE FUNCTION complaint_respond(p_number text, p_department text, p_body text, p_sent_via text,
                                  p_actor text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v complaint%ROWTYPE;
BEGIN
    SELECT * INTO v FROM complaint WHERE number = p_number FOR UPDATE;
    IF NOT FOUND THEN RETURN 'no such work order'; END IF;
    IF v.state NOT IN ('signed_for', 'responded') THEN
        RETURN 'it is ' || v.state || ': sign for it first';
    END IF;
    IF v.lead_department IS DISTINCT FROM p_department THEN
        RETURN 'only its lead department, ' || coalesce(v.lead_department, '-') || ', answers it';
    END IF;
    IF p_body IS NULL OR length(btrim(p_body)) = 0 THEN RETURN 'the reply is empty'; END IF;
    INSERT INTO complaint_reply (complaint_id, body, sent_via, department, actor)
        VALUES (v.id, p_body, p_sent_via, p_department, p_actor);
    PERFORM complaint_meet(v.id, 'first_response');
    IF v.state = 'signed_for' THEN
        PERFORM complaint_set_state(v.id, 'responded', p_actor,
            jsonb_build_object('department', p_department, 'sent_via', p_sent_via));
    ELSE
        INSERT INTO complaint_event (complaint_id, kind, actor, detail)
            VALUES (v.id, 'replied', p_actor,
                    jsonb_build_object('department', p_department, 'sent_via', p_sent_via));
    END IF;
    RETURN NULL;
END $$;

-- The lead department closes a complaint it has answered.  Its repeat reports (并单) are
-- answered with the same reply and closed with it, so every reporter gets an answer.
-- Returns an error text, or NULL.
CREATE FUNCTION complaint_close(p_number text, p_department text, p_result text, p_actor text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v complaint%ROWTYPE;
    v_reply complaint_reply%ROWTYPE;
    v_repeat record;
BEGIN
    SELECT * INTO v FROM complaint WHERE number = p_number FOR UPDATE;
    IF NOT FOUND THEN RETURN 'no such work order'; END IF;
    IF v.lead_department IS DISTINCT FROM p_department THEN
        RETURN 'only its lead department, ' || coalesce(v.lead_department, '-') || ', closes it';
    END IF;
    SELECT * INTO v_reply FROM complaint_reply WHERE complaint_id = v.id ORDER BY id DESC LIMIT 1;
    IF v.state <> 'responded' OR NOT FOUND THEN
        RETURN 'it is ' || v.state || ': a complaint is closed only after a recorded reply';
    END IF;
    PERFORM complaint_meet(v.id, 'close');
    PERFORM complaint_set_state(v.id, 'closed', p_actor,
        jsonb_build_object('department', p_department, 'result', p_result));
    FOR v_repeat IN SELECT id FROM complaint WHERE duplicate_of = v.id FOR UPDATE LOOP
        INSERT INTO complaint_reply (complaint_id, body, sent_via, department, actor)
            VALUES (v_repeat.id, v_reply.body, v_reply.sent_via, p_department, p_actor);
        INSERT INTO complaint_event (complaint_id, kind, actor, detail)
            VALUES (v_repeat.id, 'answered', p_actor,
                    jsonb_build_object('via_master', v.number, 'sent_via', v_reply.sent_via));
    END LOOP;
    RETURN NULL;
END $$;

-- Every overdue stage of an open complaint now, for the supervisors: who, how late, and
-- whether it has been escalated.
CREATE VIEW overdue_now AS
    SELECT c.number, c.channel, c.state, d.stage, c.lead_department AS department,
           dep.name AS department_name, d.due_at,
           round(extract(epoch FROM now() - d.due_at) / 86400, 1) AS days_over,
           d.overdue_at IS NOT NULL AS escalated
    FROM complaint_deadline d
    JOIN complaint c ON c.id = d.complaint_id
    LEFT JOIN department dep ON dep.id = c.lead_department
    WHERE d.met_at IS NULL AND d.due_at < now() AND c.state NOT IN ('closed', 'merged');

-- The replies of one complaint as JSON, oldest first.
CREATE FUNCTION complaint_replies_json(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'at', iso_shanghai(at), 'body', body, 'sent_via', sent_via,
               'department', department)) ORDER BY id), '[]'::jsonb)
    FROM complaint_reply WHERE complaint_id = p_id
$$;

CREATE OR REPLACE FUNCTION complaint_json_by_number(p_number text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT complaint_json(id) || jsonb_build_object('deadlines', complaint_deadlines_json(id),
                                                    'replies', complaint_replies_json(id))
    FROM complaint WHERE number = p_number
$$;

CREATE OR REPLACE FUNCTION complaint_json_by_key(p_channel text, p_external_id text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT complaint_json(id) || jsonb_build_object('deadlines', complaint_deadlines_json(id),
                                                    'replies', complaint_replies_json(id))
    FROM complaint WHERE channel = p_channel AND external_id = p_external_id
$$;
