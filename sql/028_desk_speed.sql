-- 028_desk_speed: the desks at the scale of a city (10,000 open complaints and more).
-- Row-level security asks who the acting user is once per statement (an InitPlan) instead of
-- once per row, and a desk's list sums the deadlines once for all complaints and builds its
-- page set-wise.  The list gains the filter waiting (a decision waiting for a supervisor).

-- The acting user's reach: its department for a department's desk, '' for the users who see
-- every complaint (operators, supervisors, admins), NULL without a valid session.
CREATE FUNCTION desk_scope() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT CASE u.role WHEN 'department' THEN u.department ELSE '' END FROM desk_user() u
$$;

DROP POLICY desk_sees ON complaint;
CREATE POLICY desk_sees ON complaint FOR SELECT TO suqiu_desk
    USING ((SELECT desk_scope()) = '' OR lead_department = (SELECT desk_scope())
           OR (SELECT desk_scope()) = ANY (co_departments));
DO $$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['complaint_detail', 'complaint_event', 'complaint_reply',
        'complaint_deadline', 'complaint_extension', 'complaint_pause', 'complaint_return',
        'complaint_co_opinion', 'complaint_return_request', 'complaint_callback'] LOOP
        EXECUTE format('DROP POLICY desk_sees ON %I', v_table);
        EXECUTE format('CREATE POLICY desk_sees ON %I FOR SELECT TO suqiu_desk USING ('
                       '(SELECT desk_scope()) = '''' OR EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id))', v_table);
    END LOOP;
END $$;

-- A desk's list (as in 026_desk_api, and the filter waiting: extension | return | any, the
-- complaints with a decision waiting for a supervisor): the deadlines are summed once for
-- all complaints (soonest open deadline, light) instead of once per complaint.
CREATE OR REPLACE FUNCTION desk_complaints(p_filter jsonb, p_limit int, p_offset int) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_scope text := desk_scope();
    v_department text := nullif(p_filter->>'department', '');
    v_state text := nullif(p_filter->>'state', '');
    v_q text := nullif(p_filter->>'q', '');
    v_light text := nullif(p_filter->>'light', '');
    v_channel text := nullif(p_filter->>'channel', '');
    v_role text := nullif(p_filter->>'role', '');
    v_waiting text := nullif(p_filter->>'waiting', '');
    v_now timestamptz := suqiu_now();
    v_items jsonb;
    v_total bigint;
BEGIN
    IF v_department IS NOT NULL AND NOT EXISTS (SELECT 1 FROM department WHERE id = v_department) THEN
        SELECT id INTO v_department FROM department WHERE name = v_department;
        v_department := coalesce(v_department, '-');
    END IF;
    WITH due AS MATERIALIZED (
        SELECT d.complaint_id, min(d.due_at) AS next_due,
               CASE WHEN bool_or(d.due_at < v_now) THEN 'red'
                    WHEN bool_or(d.remind_at <= v_now) THEN 'yellow' ELSE 'green' END AS light
        FROM complaint_deadline d WHERE d.met_at IS NULL GROUP BY d.complaint_id
    ), picked AS (
        SELECT c.id, c.received_at, due.next_due, due.light
        FROM complaint c LEFT JOIN due ON due.complaint_id = c.id
        WHERE (v_department IS NULL OR c.lead_department = v_department)
          AND (v_state IS NULL OR c.state = v_state
               OR (v_state = 'open' AND c.state NOT IN ('closed', 'merged')))
          AND (v_channel IS NULL OR c.channel = v_channel)
          AND (v_role IS NULL OR (v_role = 'lead' AND c.lead_department = v_scope)
               OR (v_role = 'co' AND v_scope = ANY (c.co_departments)))
          AND (v_light IS NULL OR due.light = v_light)
          AND (v_waiting IS NULL
               OR (v_waiting IN ('extension', 'any') AND EXISTS (SELECT 1 FROM complaint_extension x
                       WHERE x.complaint_id = c.id AND x.decision IS NULL))
               OR (v_waiting IN ('return', 'any') AND EXISTS (SELECT 1 FROM complaint_return_request r
                       WHERE r.complaint_id = c.id AND r.decision IS NULL)))
          AND (v_q IS NULL OR c.number ILIKE '%' || v_q || '%'
               OR EXISTS (SELECT 1 FROM complaint_detail d WHERE d.complaint_id = c.id
                          AND (d.title ILIKE '%' || v_q || '%' OR d.content ILIKE '%' || v_q || '%')))
    ), page AS (
        SELECT * FROM picked ORDER BY next_due NULLS LAST, received_at DESC
        LIMIT p_limit OFFSET p_offset
    )
    SELECT (SELECT count(*) FROM picked),
           coalesce((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'number', c.number, 'channel', c.channel, 'state', c.state,
               'received_at', iso_shanghai(c.received_at), 'title', dt.title,
               'category', c.category, 'category_name', cat.name,
               'type', c.complaint_type, 'urgency', c.urgency, 'region', c.region,
               'lead_department', c.lead_department, 'lead_department_name', dep.name,
               'co_departments', CASE WHEN cardinality(c.co_departments) > 0
                                      THEN to_jsonb(c.co_departments) END,
               'due_at', iso_shanghai(p.next_due), 'light', p.light,
               'urged', (SELECT count(*) FROM complaint_event e
                         WHERE e.complaint_id = c.id AND e.kind = 'urged'),
               'paused', EXISTS (SELECT 1 FROM complaint_pause s
                                 WHERE s.complaint_id = c.id AND s.ended_at IS NULL),
               'return_waiting', EXISTS (SELECT 1 FROM complaint_return_request r
                                         WHERE r.complaint_id = c.id AND r.decision IS NULL),
               'extension_waiting', EXISTS (SELECT 1 FROM complaint_extension x
                                            WHERE x.complaint_id = c.id AND x.decision IS NULL)))
               ORDER BY p.next_due NULLS LAST, p.received_at DESC)
               FROM page p JOIN complaint c ON c.id = p.id
                   LEFT JOIN complaint_detail dt ON dt.complaint_id = c.id
                   LEFT JOIN category cat ON cat.id = c.category
                   LEFT JOIN department dep ON dep.id = c.lead_department), '[]')
        INTO v_total, v_items;
    RETURN jsonb_build_object('items', v_items, 'total', v_total);
END $$;

DROP FUNCTION desk_list_item(bigint);
