-- 027_desk_supervision: the supervisors', operators' and admins' part of the desks (025, 026):
-- dispatch by hand (triage, 改派), a caller's history by phone, the overdue board, and users.

-- The manual triage queue: a supervisor classifies a complaint the classifier was unsure of;
-- routing then dispatches it by the matrix, and the correction teaches the classifier
-- (complaint_correct, training_rows).  NULL when done.
CREATE FUNCTION desk_correct(p_number text, p_category text, p_type text, p_urgency text,
                             p_reason text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_id bigint := desk_find(p_number);
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'supervise');
    IF p_category IS NOT NULL AND NOT EXISTS (SELECT 1 FROM category WHERE id = p_category) THEN
        RETURN 'no such category';
    END IF;
    IF complaint_correct(p_number, p_category, p_type, p_urgency, desk_actor(), p_reason) IS NULL THEN
        RETURN 'no such work order';
    END IF;
    RETURN NULL;
END $$;

-- 改派: a supervisor gives a dispatched or returned complaint to a department of their choice
-- (with co-handlers).  Its deadlines run on from receipt, the sign-for stage starts again (as
-- after a return); the desk recomputes them in the same transaction.  A complaint that was
-- never dispatched has no deadlines yet: it is classified in triage first.  NULL when done.
CREATE FUNCTION desk_redispatch(p_number text, p_lead text, p_co text[], p_reason text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_id bigint := desk_find(p_number);
    v complaint%ROWTYPE;
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'supervise');
    IF NOT EXISTS (SELECT 1 FROM department WHERE id = p_lead) THEN RETURN 'no such department'; END IF;
    IF EXISTS (SELECT 1 FROM unnest(coalesce(p_co, '{}')) co WHERE co NOT IN (SELECT id FROM department)
               OR co = p_lead) THEN
        RETURN 'a co-handler is no department, or is the lead';
    END IF;
    SELECT * INTO v FROM complaint WHERE id = v_id FOR UPDATE;
    IF v.state NOT IN ('classified', 'dispatched', 'signed_for') THEN
        RETURN 'it is ' || v.state || ': only a classified, dispatched or signed-for complaint is re-dispatched';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM complaint_deadline WHERE complaint_id = v_id) THEN
        RETURN 'it has never been dispatched: classify it in triage first';
    END IF;
    IF v.state <> 'classified' THEN
        UPDATE complaint SET lead_department = NULL, co_departments = '{}' WHERE id = v_id;
        PERFORM complaint_set_state(v_id, 'classified', desk_actor(),
                                    jsonb_build_object('redispatching', true, 'from', v.lead_department));
    END IF;
    PERFORM complaint_deadline_restart(v_id, 'sign_for');
    PERFORM complaint_assign(v_id, p_lead, p_co, desk_actor(),
                             jsonb_build_object('redispatched', true, 'reason', p_reason,
                                                'from', v.lead_department));
    RETURN NULL;
END $$;

-- A caller's complaints by phone, newest first, for the operator taking the call: repeat
-- reports (并单) marked.  Operators, supervisors and admins only.
CREATE FUNCTION desk_by_phone(p_phone text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE v_role text;
BEGIN
    SELECT role INTO v_role FROM desk_user();
    IF v_role IS NULL OR v_role = 'department' THEN
        RAISE EXCEPTION '% may not look callers up', coalesce(v_role, 'nobody')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN coalesce((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'number', c.number, 'state', c.state, 'received_at', iso_shanghai(c.received_at),
               'title', d.title, 'lead_department_name', lead.name,
               'repeat_of', (SELECT m.number FROM complaint m WHERE m.id = c.duplicate_of),
               'repeats', (SELECT count(*) FROM complaint r WHERE r.duplicate_of = c.id)))
               ORDER BY c.received_at DESC)
        FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id
        LEFT JOIN department lead ON lead.id = c.lead_department
        WHERE d.phone = p_phone AND length(p_phone) >= 5), '[]');
END $$;

-- The overdue board: every overdue or soon-due open stage the acting user may see, by
-- department, with how late (days) and whether it was escalated.
CREATE FUNCTION desk_overdue() RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'number', c.number, 'state', c.state, 'stage', d.stage,
               'department', c.lead_department, 'department_name', dep.name,
               'due_at', iso_shanghai(d.due_at),
               'days_over', round(extract(epoch FROM suqiu_now() - d.due_at)::numeric / 86400, 1),
               'light', CASE WHEN d.due_at < suqiu_now() THEN 'red' ELSE 'yellow' END,
               'escalated', d.overdue_at IS NOT NULL,
               'urged', (SELECT count(*) FROM complaint_event e WHERE e.complaint_id = c.id AND e.kind = 'urged'))
               ORDER BY dep.name, d.due_at), '[]')
    FROM complaint_deadline d JOIN complaint c ON c.id = d.complaint_id
        LEFT JOIN department dep ON dep.id = c.lead_department
    WHERE d.met_at IS NULL AND c.state NOT IN ('closed', 'merged')
      AND (d.due_at < suqiu_now() OR d.remind_at <= suqiu_now())
      AND NOT EXISTS (SELECT 1 FROM complaint_pause p WHERE p.complaint_id = c.id AND p.ended_at IS NULL)
$$;

-- The measures of a period (dates, both included, Asia/Shanghai) by p_by, as complaint_stats
-- gives them for the acting user's complaints (row-level security), with the call-backs'
-- satisfaction (满意 and 基本满意 of all call-backs) of each group.
CREATE FUNCTION desk_stats(p_from date, p_to date, p_by text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH period AS (
        SELECT (p_from::timestamp AT TIME ZONE 'Asia/Shanghai') AS start_at,
               ((p_to + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') AS end_at
    ), satisfaction AS (
        SELECT CASE p_by WHEN 'department' THEN c.lead_department WHEN 'category' THEN c.category
                         WHEN 'region' THEN c.region WHEN 'line' THEN c.channel ELSE 'all' END AS g,
               count(*) AS callbacks,
               count(*) FILTER (WHERE b.satisfaction <> 'dissatisfied') AS satisfied
        FROM complaint_callback b JOIN complaint c ON c.id = b.complaint_id, period
        WHERE c.received_at >= period.start_at AND c.received_at < period.end_at
        GROUP BY 1
    )
    SELECT coalesce(jsonb_agg(to_jsonb(s) || jsonb_build_object(
               'callbacks', coalesce(f.callbacks, 0), 'satisfied', coalesce(f.satisfied, 0),
               'satisfied_rate', round(100.0 * f.satisfied / nullif(f.callbacks, 0), 1))), '[]')
    FROM period, complaint_stats(period.start_at, period.end_at, p_by) s
        LEFT JOIN satisfaction f ON f.g IS NOT DISTINCT FROM nullif(s.group_id, '-')
                                    OR (p_by NOT IN ('department', 'category', 'region', 'line') AND f.g = 'all')
$$;

-- What the desk's pickers offer: departments, categories, regions, and the fixed labels.
CREATE FUNCTION desk_catalog() RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'departments', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'name', name, 'kind', kind)
                                                  ORDER BY kind, name), '[]') FROM department),
        'categories', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'name', name,
                                                                    'group', category_group)
                                                 ORDER BY category_group, name), '[]') FROM category),
        'regions', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'name', name) ORDER BY name), '[]')
                    FROM region),
        'types', '[{"id":"complaint","name":"投诉"},{"id":"report","name":"举报"},{"id":"enquiry","name":"咨询"},
                   {"id":"help","name":"求助"},{"id":"suggestion","name":"建议"},{"id":"praise","name":"表扬"}]'::jsonb,
        'urgencies', '[{"id":"urgent","name":"紧急"},{"id":"normal","name":"一般"}]'::jsonb)
$$;

-- The hotlines' answer rate (接通率) of a period, per line and for both, with the target
-- (call_answer_rate in 012): for the supervisors' measures.
CREATE FUNCTION desk_calls(p_from date, p_to date) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM desk_user() WHERE role IN ('supervisor', 'admin')) THEN
        RAISE EXCEPTION 'the answer rate is for supervisors' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN coalesce((SELECT jsonb_agg(to_jsonb(r)) FROM call_answer_rate(p_from, p_to) r), '[]');
END $$;

-- The desk reads the respondent business of the complaints it sees, and the call records.
ALTER TABLE complaint_respondent ENABLE ROW LEVEL SECURITY;
CREATE POLICY desk_sees ON complaint_respondent FOR SELECT TO suqiu_desk
    USING (EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));
ALTER VIEW call_answer_rate_daily SET (security_invoker = true);
GRANT SELECT ON complaint_respondent, call_record, call_line, call_answer_rate_daily TO suqiu_desk;

-- Users, for the admins.
CREATE FUNCTION desk_users() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM desk_user() WHERE role = 'admin') THEN
        RAISE EXCEPTION 'only an admin may list users' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN coalesce((SELECT jsonb_agg(jsonb_build_object('login', u.login, 'name', u.display_name,
                'role', u.role, 'department', u.department, 'department_name', d.name,
                'disabled', u.disabled, 'locked', u.locked_until > now()) ORDER BY u.role, u.login)
        FROM staff_user u LEFT JOIN department d ON d.id = u.department), '[]');
END $$;

CREATE FUNCTION desk_user_put(p_login text, p_name text, p_role text, p_department text,
                              p_hash text, p_disabled boolean)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM desk_user() WHERE role = 'admin') THEN
        RAISE EXCEPTION 'only an admin may change users' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_department IS NOT NULL AND NOT EXISTS (SELECT 1 FROM department WHERE id = p_department) THEN
        RETURN 'no such department';
    END IF;
    IF p_hash IS NULL THEN
        UPDATE staff_user SET display_name = p_name, role = p_role, department = p_department,
                              disabled = coalesce(p_disabled, disabled)
            WHERE login = p_login;
        IF NOT FOUND THEN RETURN 'a new user needs a password'; END IF;
    ELSE
        PERFORM staff_user_put(p_login, p_name, p_role, p_department, p_hash);
        UPDATE staff_user SET disabled = coalesce(p_disabled, false) WHERE login = p_login;
    END IF;
    IF coalesce(p_disabled, false) THEN
        DELETE FROM staff_session WHERE user_id = (SELECT id FROM staff_user WHERE login = p_login);
    END IF;
    RETURN NULL;
EXCEPTION WHEN check_violation THEN
    RETURN 'the login, role or department is not valid (a department''s desk names its department)';
END $$;

DO $$
DECLARE
    v_function regprocedure;
BEGIN
    FOR v_function IN
        SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prosecdef
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_function);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO suqiu_desk', v_function);
    END LOOP;
END $$;
