-- 009_redispatch: a returned complaint's new lead department gets a fresh sign-for limit.
-- When the lead department hands a complaint back (退回), its sign-for stage starts again:
-- not met, no alerts raised, its clock restarted at the return, so that routing's next
-- department is not late for what the last one did or failed to do.  The other stages keep
-- counting from receipt: the citizen's wait does not start again.

ALTER TABLE complaint_deadline
    ADD COLUMN restarted_at timestamptz;   -- the stage's clock started again then (NULL: never)

CREATE FUNCTION complaint_deadline_restart(p_id bigint, p_stage text) RETURNS void
LANGUAGE sql AS $$
    UPDATE complaint_deadline
        SET met_at = NULL, work_seconds = NULL, reminded_at = NULL, overdue_at = NULL,
            restarted_at = suqiu_now()
        WHERE complaint_id = p_id AND stage = p_stage
$$;

CREATE OR REPLACE FUNCTION complaint_return_to_routing(p_number text, p_department text,
                                                       p_reason text, p_actor text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    v_lead text;
    v_rule text;
BEGIN
    SELECT id, lead_department INTO v_id, v_lead FROM complaint
        WHERE number = p_number AND state IN ('dispatched', 'signed_for') FOR UPDATE;
    IF NOT FOUND OR v_lead IS DISTINCT FROM p_department THEN
        RETURN false;
    END IF;
    SELECT e.detail->>'rule' INTO v_rule FROM complaint_event e
        WHERE e.complaint_id = v_id AND e.to_state = 'dispatched' ORDER BY e.id DESC LIMIT 1;
    INSERT INTO complaint_return (complaint_id, department, rule_id, reason, actor)
        VALUES (v_id, p_department, v_rule, p_reason, p_actor);
    UPDATE complaint SET lead_department = NULL, co_departments = '{}' WHERE id = v_id;
    PERFORM complaint_deadline_restart(v_id, 'sign_for');
    PERFORM complaint_set_state(v_id, 'classified', p_actor,
        jsonb_build_object('returned_by', p_department, 'reason', p_reason, 'rule', v_rule));
    RETURN true;
END $$;

-- The facts lib/sq_deadline reads, now with the time a stage's clock restarted.
DROP FUNCTION complaint_deadline_facts(text);
CREATE FUNCTION complaint_deadline_facts(p_number text)
RETURNS TABLE (id bigint, received bigint, policy_id text, stage text, due bigint, met bigint,
               work_seconds bigint, extension text, restarted bigint)
LANGUAGE sql STABLE AS $$
    SELECT c.id, extract(epoch FROM c.received_at)::bigint, d.policy_id, d.stage,
           extract(epoch FROM d.due_at)::bigint, extract(epoch FROM d.met_at)::bigint,
           d.work_seconds,
           (SELECT x.within FROM complaint_extension x
            WHERE x.complaint_id = c.id AND x.stage = d.stage AND x.decision = 'approved'),
           extract(epoch FROM d.restarted_at)::bigint
    FROM complaint c JOIN complaint_deadline d ON d.complaint_id = c.id
    WHERE c.number = p_number
$$;
