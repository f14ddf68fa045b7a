-- 004_deadlines: each complaint's deadline per stage (签收 sign-for, 首次响应 first response,
-- 办结 close), from the SLA policy in force when it was received (config/sla.yaml) and the
-- working-time calendar.  Computed at routing time; recomputed on re-routing, returns and
-- extensions, always with an event saying why.

CREATE TABLE complaint_deadline (
    complaint_id bigint NOT NULL REFERENCES complaint (id),
    stage        text NOT NULL CHECK (stage IN ('sign_for', 'first_response', 'close')),
    due_at       timestamptz NOT NULL,
    policy_id    text NOT NULL,
    met_at       timestamptz,          -- when the stage happened; NULL while it is due
    PRIMARY KEY (complaint_id, stage)
);

-- What is still due, by when: the deadline work walks this and nothing else, so its cost
-- grows with what is due, not with the table.
CREATE INDEX complaint_deadline_due ON complaint_deadline (due_at) WHERE met_at IS NULL;

-- Set a complaint's deadlines from {"policy": id, "basis": text, "sign_for": iso,
-- "first_response": iso, "close": iso}; a stage already met keeps its row.  Writes an event
-- with the deadlines and the reason.  Returns true.
CREATE FUNCTION complaint_set_deadlines(p_id bigint, p_deadlines jsonb, p_actor text, p_reason text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    v_stage text;
BEGIN
    FOREACH v_stage IN ARRAY ARRAY['sign_for', 'first_response', 'close'] LOOP
        IF p_deadlines ? v_stage THEN
            INSERT INTO complaint_deadline (complaint_id, stage, due_at, policy_id)
                VALUES (p_id, v_stage, (p_deadlines->>v_stage)::timestamptz, p_deadlines->>'policy')
                ON CONFLICT (complaint_id, stage) DO UPDATE
                    SET due_at = excluded.due_at, policy_id = excluded.policy_id
                    WHERE complaint_deadline.met_at IS NULL;
        END IF;
    END LOOP;
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (p_id, 'deadlines', p_actor, p_deadlines || jsonb_build_object('reason', p_reason));
    RETURN true;
END $$;

-- The deadlines of one complaint as JSON: {"sign_for": {"due", "met", "policy"}, ...}.
CREATE FUNCTION complaint_deadlines_json(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(stage, jsonb_strip_nulls(jsonb_build_object(
               'due', iso_shanghai(due_at),
               'met', CASE WHEN met_at IS NOT NULL THEN iso_shanghai(met_at) END,
               'policy', policy_id))), '{}'::jsonb)
    FROM complaint_deadline WHERE complaint_id = p_id
$$;

-- The lookups now show the deadlines beside the rest.
CREATE OR REPLACE FUNCTION complaint_json_by_number(p_number text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT complaint_json(id) || jsonb_build_object('deadlines', complaint_deadlines_json(id))
    FROM complaint WHERE number = p_number
$$;

CREATE OR REPLACE FUNCTION complaint_json_by_key(p_channel text, p_external_id text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT complaint_json(id) || jsonb_build_object('deadlines', complaint_deadlines_json(id))
    FROM complaint WHERE channel = p_channel AND external_id = p_external_id
$$;

-- What routing needs, now also the urgency and when the complaint was received (seconds
-- since the epoch), since the deadlines it sets count from then.
DROP FUNCTION complaint_for_route(text);
CREATE FUNCTION complaint_for_route(p_number text)
RETURNS TABLE (id bigint, state text, channel text, category text, complaint_type text,
               region text, low_confidence boolean, returned_by text[], urgency text,
               received_epoch bigint)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.state, c.channel, c.category, c.complaint_type, c.region,
           coalesce((SELECT (e.detail->>'low_confidence')::boolean FROM complaint_event e
                     WHERE e.complaint_id = c.id AND e.to_state = 'classified'
                       AND e.detail ? 'low_confidence'
                     ORDER BY e.id DESC LIMIT 1), false),
           complaint_returned_by(c.id), c.urgency, extract(epoch FROM c.received_at)::bigint
    FROM complaint c WHERE c.number = p_number
$$;
