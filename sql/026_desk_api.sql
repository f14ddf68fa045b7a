-- 026_desk_api: what the desk reads and does, as the acting user of its session (025_desk).
-- The reading functions run with the desk's rights, so row-level security filters them; the
-- desk_* actions run as the owner after desk_guard() has checked the user, and write every
-- change as an event naming the user ("user:LOGIN").

-- The acting user's name in events.
CREATE FUNCTION desk_actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT 'user:' || login FROM desk_user()
$$;

-- A complaint's id when the acting user may see it; NULL otherwise (never "exists but
-- hidden").  It runs as the owner for the desk_* functions that run as the owner.
CREATE FUNCTION desk_find(p_number text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT c.id FROM complaint c
    WHERE c.number = p_number AND desk_may_see(c.lead_department, c.co_departments)
$$;

-- The light of a complaint's deadlines: red once a stage is overdue, yellow once a reminder
-- is due, green otherwise; none when nothing is due.
CREATE FUNCTION desk_light(p_id bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN bool_or(d.due_at < suqiu_now()) THEN 'red'
                WHEN bool_or(d.remind_at <= suqiu_now()) THEN 'yellow'
                WHEN count(*) > 0 THEN 'green' END
    FROM complaint_deadline d WHERE d.complaint_id = p_id AND d.met_at IS NULL
$$;

-- The reporter's name, phone and e-mail as the acting user may see them: masked (张**,
-- 138****5678) on a 举报 whose reporter did not consent to be known, for every desk user; a
-- supervisor sees them only through desk_unmask, which is recorded.  NULL when the complaint
-- is not visible to the user.
CREATE FUNCTION desk_person(p_id bigint, p_unmasked boolean DEFAULT false) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT CASE WHEN masked AND NOT p_unmasked THEN
                    jsonb_build_object('caller_name', CASE WHEN d.caller_name IS NULL THEN NULL
                                                           ELSE left(d.caller_name, 1) || '**' END,
                                       'phone', CASE WHEN d.phone IS NULL THEN NULL
                                                     WHEN length(d.phone) > 7
                                                     THEN left(d.phone, 3) || '****' || right(d.phone, 4)
                                                     ELSE '****' END,
                                       'email', CASE WHEN d.extra ? 'email' THEN '***' END,
                                       'masked', true)
                ELSE jsonb_build_object('caller_name', d.caller_name, 'phone', d.phone,
                                        'email', d.extra->>'email', 'masked', false) END
    FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id,
         LATERAL (SELECT c.complaint_type = 'report'
                         AND NOT coalesce((d.extra->>'reporter_consent')::boolean,
                                          (d.extra->>'consent_to_contact')::boolean, false)
                         AS masked) m
    WHERE c.id = p_id AND desk_may_see(c.lead_department, c.co_departments)
$$;

-- One row of a desk's list.
CREATE FUNCTION desk_list_item(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'number', c.number, 'channel', c.channel, 'state', c.state,
        'received_at', iso_shanghai(c.received_at),
        'title', (SELECT d.title FROM complaint_detail d WHERE d.complaint_id = c.id),
        'category', c.category, 'category_name', (SELECT name FROM category WHERE id = c.category),
        'type', c.complaint_type, 'urgency', c.urgency, 'region', c.region,
        'lead_department', c.lead_department,
        'lead_department_name', (SELECT name FROM department WHERE id = c.lead_department),
        'co_departments', CASE WHEN cardinality(c.co_departments) > 0 THEN to_jsonb(c.co_departments) END,
        'due_at', (SELECT iso_shanghai(min(d.due_at)) FROM complaint_deadline d
                   WHERE d.complaint_id = c.id AND d.met_at IS NULL),
        'light', desk_light(c.id),
        'urged', (SELECT count(*) FROM complaint_event e WHERE e.complaint_id = c.id AND e.kind = 'urged'),
        'paused', EXISTS (SELECT 1 FROM complaint_pause p WHERE p.complaint_id = c.id AND p.ended_at IS NULL),
        'return_waiting', EXISTS (SELECT 1 FROM complaint_return_request r
                                  WHERE r.complaint_id = c.id AND r.decision IS NULL),
        'extension_waiting', EXISTS (SELECT 1 FROM complaint_extension x
                                     WHERE x.complaint_id = c.id AND x.decision IS NULL)))
    FROM complaint c WHERE c.id = p_id
$$;

-- A desk's list: the complaints the acting user may see, filtered (p_filter: department (id
-- or name, as lead), state, q (in number, title or content), light, channel, role: lead|co
-- for the acting department), soonest deadline first, p_limit from p_offset.  Returns
-- {"items": [...], "total": n}.
CREATE FUNCTION desk_complaints(p_filter jsonb, p_limit int, p_offset int) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_user record;
    v_department text := nullif(p_filter->>'department', '');
    v_state text := nullif(p_filter->>'state', '');
    v_q text := nullif(p_filter->>'q', '');
    v_light text := nullif(p_filter->>'light', '');
    v_channel text := nullif(p_filter->>'channel', '');
    v_role text := nullif(p_filter->>'role', '');
    v_items jsonb;
    v_total bigint;
BEGIN
    SELECT * INTO v_user FROM desk_user();
    IF v_department IS NOT NULL AND NOT EXISTS (SELECT 1 FROM department WHERE id = v_department) THEN
        SELECT id INTO v_department FROM department WHERE name = v_department;
        v_department := coalesce(v_department, '-');
    END IF;
    WITH picked AS (
        SELECT c.id, c.received_at, (SELECT min(d.due_at) FROM complaint_deadline d
                                     WHERE d.complaint_id = c.id AND d.met_at IS NULL) AS next_due
        FROM complaint c
        WHERE (v_department IS NULL OR c.lead_department = v_department)
          AND (v_state IS NULL OR c.state = v_state
               OR (v_state = 'open' AND c.state NOT IN ('closed', 'merged')))
          AND (v_channel IS NULL OR c.channel = v_channel)
          AND (v_role IS NULL OR (v_role = 'lead' AND c.lead_department = v_user.department)
               OR (v_role = 'co' AND v_user.department = ANY (c.co_departments)))
          AND (v_q IS NULL OR c.number ILIKE '%' || v_q || '%'
               OR EXISTS (SELECT 1 FROM complaint_detail d WHERE d.complaint_id = c.id
                          AND (d.title ILIKE '%' || v_q || '%' OR d.content ILIKE '%' || v_q || '%')))
          AND (v_light IS NULL OR desk_light(c.id) = v_light)
    )
    SELECT (SELECT count(*) FROM picked),
           coalesce((SELECT jsonb_agg(desk_list_item(p.id) ORDER BY p.next_due NULLS LAST,
                                      p.received_at DESC)
                     FROM (SELECT * FROM picked ORDER BY next_due NULLS LAST, received_at DESC
                           LIMIT p_limit OFFSET p_offset) p), '[]')
        INTO v_total, v_items;
    RETURN jsonb_build_object('items', v_items, 'total', v_total);
END $$;

-- One complaint for the desk: complaint_json() and its deadlines and replies (its history
-- included), the person as desk_person() gives it (the name and phone never otherwise), the
-- co-handlers' opinions, the waiting extension and return, the call-backs.  NULL when the
-- acting user may not see it: it runs as the owner, so it checks that first (desk_find).
CREATE FUNCTION desk_complaint(p_number text) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT complaint_json(c.id) - 'caller_name' - 'phone'
           || jsonb_build_object(
               'person', desk_person(c.id),
               'respondent', complaint_respondent_json(c.id),
               'deadlines', complaint_deadlines_json(c.id),
               'replies', complaint_replies_json(c.id),
               'light', desk_light(c.id),
               'co_opinions', coalesce((SELECT jsonb_agg(jsonb_build_object(
                       'department', o.department, 'body', o.body, 'actor', o.actor,
                       'at', iso_shanghai(o.at)) ORDER BY o.id)
                   FROM complaint_co_opinion o WHERE o.complaint_id = c.id), '[]'),
               'extension_waiting', (SELECT jsonb_build_object('stage', x.stage, 'within', x.within,
                       'reason', x.reason, 'department', x.department, 'asked_by', x.asked_by,
                       'asked_at', iso_shanghai(x.asked_at))
                   FROM complaint_extension x WHERE x.complaint_id = c.id AND x.decision IS NULL),
               'return_waiting', (SELECT jsonb_build_object('department', r.department,
                       'reason', r.reason, 'asked_by', r.asked_by, 'asked_at', iso_shanghai(r.asked_at))
                   FROM complaint_return_request r WHERE r.complaint_id = c.id AND r.decision IS NULL),
               'paused', EXISTS (SELECT 1 FROM complaint_pause p WHERE p.complaint_id = c.id AND p.ended_at IS NULL),
               'callbacks', coalesce((SELECT jsonb_agg(jsonb_build_object('satisfaction', b.satisfaction,
                       'note', b.note, 'reopened', b.reopened, 'actor', b.actor, 'at', iso_shanghai(b.at))
                       ORDER BY b.id)
                   FROM complaint_callback b WHERE b.complaint_id = c.id), '[]'))
    FROM complaint c WHERE c.id = desk_find(p_number)
$$;

-- --------------------------------------------------------------------------------------
-- Actions.  Each returns NULL when done, or why it was not (the user may not, the complaint
-- is not in a state for it...); a complaint the user may not see is "no such work order".

-- The department the acting user acts for (a department's desk), or NULL.
CREATE FUNCTION desk_department() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT department FROM desk_user()
$$;

CREATE FUNCTION desk_sign(p_number text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_id bigint := desk_find(p_number);
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'lead');
    RETURN complaint_sign_for(p_number, desk_department(), desk_actor());
END $$;

CREATE FUNCTION desk_reply(p_number text, p_body text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_id bigint := desk_find(p_number);
    v_via text;
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'lead');
    -- The reply goes out through the complaint's own channel.
    SELECT CASE channel WHEN 'hotline12345' THEN 'phone' WHEN 'hotline12315' THEN 'phone'
                        ELSE channel END INTO v_via FROM complaint WHERE id = v_id;
    RETURN complaint_respond(p_number, desk_department(), p_body, v_via, desk_actor());
END $$;

CREATE FUNCTION desk_close(p_number text, p_result text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_id bigint := desk_find(p_number);
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'lead');
    RETURN complaint_close(p_number, desk_department(), p_result, desk_actor());
END $$;

-- A progress note (办理进展): the lead's or a co-handler's.
CREATE FUNCTION desk_note(p_number text, p_body text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_id bigint := desk_find(p_number);
    v_role text;
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    IF p_body IS NULL OR length(btrim(p_body)) = 0 THEN RETURN 'the note is empty'; END IF;
    SELECT CASE WHEN c.lead_department = desk_department() THEN 'lead'
                WHEN desk_department() = ANY (c.co_departments) THEN 'co' END
        INTO v_role FROM complaint c WHERE c.id = v_id;
    PERFORM desk_guard(v_id, coalesce(v_role, 'lead'));
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v_id, 'note', desk_actor(),
                jsonb_build_object('department', desk_department(), 'body', p_body));
    RETURN NULL;
END $$;

-- A co-handler's part (协办意见), for the lead.
CREATE FUNCTION desk_co_opinion(p_number text, p_body text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_id bigint := desk_find(p_number);
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'co');
    IF p_body IS NULL OR length(btrim(p_body)) = 0 THEN RETURN 'the opinion is empty'; END IF;
    INSERT INTO complaint_co_opinion (complaint_id, department, body, actor)
        VALUES (v_id, desk_department(), p_body, desk_actor());
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v_id, 'co_opinion', desk_actor(), jsonb_build_object('department', desk_department()));
    RETURN NULL;
END $$;

-- The lead asks to hand back a complaint that is not its own (退单); a supervisor reviews it.
CREATE FUNCTION desk_return_request(p_number text, p_reason text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_id bigint := desk_find(p_number);
    v_state text;
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'lead');
    SELECT state INTO v_state FROM complaint WHERE id = v_id FOR UPDATE;
    IF v_state NOT IN ('dispatched', 'signed_for') THEN
        RETURN 'it is ' || v_state || ': only a dispatched or signed-for complaint is handed back';
    END IF;
    IF p_reason IS NULL OR length(btrim(p_reason)) = 0 THEN RETURN 'say why it is not yours'; END IF;
    IF EXISTS (SELECT 1 FROM complaint_return_request WHERE complaint_id = v_id AND decision IS NULL) THEN
        RETURN 'a return of it waits for review already';
    END IF;
    INSERT INTO complaint_return_request (complaint_id, department, reason, asked_by)
        VALUES (v_id, desk_department(), p_reason, desk_actor());
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v_id, 'return_requested', desk_actor(),
                jsonb_build_object('department', desk_department(), 'reason', p_reason));
    RETURN NULL;
END $$;

-- A supervisor's review of a return (派单异议审核): approved, the complaint goes back to
-- routing without that department (or, when the caller then re-dispatches it, to another);
-- refused, it stays.  Returns NULL when done.
CREATE FUNCTION desk_return_decide(p_number text, p_approve boolean, p_reason text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_id bigint := desk_find(p_number);
    v_request complaint_return_request%ROWTYPE;
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'supervise');
    SELECT * INTO v_request FROM complaint_return_request
        WHERE complaint_id = v_id AND decision IS NULL FOR UPDATE;
    IF NOT FOUND THEN RETURN 'no return of it waits for review'; END IF;
    UPDATE complaint_return_request
        SET decision = CASE WHEN p_approve THEN 'approved' ELSE 'refused' END,
            decided_by = desk_actor(), decided_at = suqiu_now(), decision_reason = p_reason
        WHERE id = v_request.id;
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v_id, CASE WHEN p_approve THEN 'return_approved' ELSE 'return_refused' END,
                desk_actor(), jsonb_build_object('department', v_request.department, 'reason', p_reason));
    IF p_approve AND NOT complaint_return_to_routing(p_number, v_request.department,
                                                     v_request.reason, desk_actor()) THEN
        RETURN 'it is no longer with ' || v_request.department;
    END IF;
    RETURN NULL;
END $$;

-- A supervisor urges (督办): the message lands on the lead department's queue.
CREATE FUNCTION desk_urge(p_number text, p_message text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_id bigint := desk_find(p_number);
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'supervise');
    IF p_message IS NULL OR length(btrim(p_message)) = 0 THEN RETURN 'the message is empty'; END IF;
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        SELECT v_id, 'urged', desk_actor(),
               jsonb_build_object('message', p_message, 'department', c.lead_department)
        FROM complaint c WHERE c.id = v_id;
    RETURN NULL;
END $$;

-- The satisfaction call-back (回访): a justified 不满意 reopens the complaint to its lead
-- department, which must answer again before it closes.
CREATE FUNCTION desk_callback(p_number text, p_satisfaction text, p_note text, p_reopen boolean)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_id bigint := desk_find(p_number);
    v_state text;
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'callback');
    IF p_satisfaction NOT IN ('satisfied', 'basically', 'dissatisfied') THEN
        RETURN 'satisfaction is satisfied, basically or dissatisfied';
    END IF;
    SELECT state INTO v_state FROM complaint WHERE id = v_id FOR UPDATE;
    IF v_state NOT IN ('responded', 'closed') THEN
        RETURN 'it is ' || v_state || ': the call-back comes after the reply';
    END IF;
    IF p_reopen AND p_satisfaction <> 'dissatisfied' THEN
        RETURN 'only a dissatisfied call-back reopens a complaint';
    END IF;
    IF p_reopen AND (p_note IS NULL OR length(btrim(p_note)) = 0) THEN
        RETURN 'say why the dissatisfaction is justified';
    END IF;
    INSERT INTO complaint_callback (complaint_id, satisfaction, note, reopened, actor)
        VALUES (v_id, p_satisfaction, p_note, coalesce(p_reopen, false), desk_actor());
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v_id, 'callback', desk_actor(),
                jsonb_build_object('satisfaction', p_satisfaction, 'note', p_note, 'reopened', coalesce(p_reopen, false)));
    IF p_reopen THEN
        UPDATE complaint_deadline SET met_at = NULL, work_seconds = NULL
            WHERE complaint_id = v_id AND stage = 'close';
        PERFORM complaint_set_state(v_id, 'signed_for', desk_actor(),
                                    jsonb_build_object('reopened', true, 'note', p_note));
    END IF;
    RETURN NULL;
END $$;

-- A supervisor sees a masked reporter: the unmasking is itself an event.
CREATE FUNCTION desk_unmask(p_number text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_id bigint := desk_find(p_number);
BEGIN
    IF v_id IS NULL THEN RETURN NULL; END IF;
    PERFORM desk_guard(v_id, 'supervise');
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v_id, 'unmasked', desk_actor(), '{}');
    RETURN desk_person(v_id, true);
END $$;

-- The lead's own requests that move deadlines; the desk recomputes the deadlines after them
-- (lib/sq_deadline) in the same transaction.
CREATE FUNCTION desk_extend(p_number text, p_stage text, p_within text, p_reason text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_id bigint := desk_find(p_number);
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'lead');
    RETURN complaint_extension_request(p_number, desk_department(), p_stage, p_within, p_reason,
                                       desk_actor());
END $$;

CREATE FUNCTION desk_extension_decide(p_number text, p_approve boolean, p_reason text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_id bigint := desk_find(p_number);
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'supervise');
    RETURN complaint_extension_decide(p_number, p_approve, desk_actor(), p_reason);
END $$;

CREATE FUNCTION desk_extension_settled(p_number text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_id bigint := desk_find(p_number);
BEGIN
    PERFORM desk_guard(v_id, 'supervise');
    PERFORM complaint_extension_settled(p_number);
END $$;

CREATE FUNCTION desk_pause(p_number text, p_reason text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_id bigint := desk_find(p_number);
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'lead');
    RETURN complaint_pause_start(p_number, desk_department(), p_reason, desk_actor());
END $$;

CREATE FUNCTION desk_resume(p_number text, p_note text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE v_id bigint := desk_find(p_number);
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'lead');
    RETURN complaint_pause_end(p_number, desk_actor(), p_note, true);
END $$;

-- The functions that run as the owner are the desk's alone (and the owner's).
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
