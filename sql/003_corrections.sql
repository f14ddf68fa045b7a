-- 003_corrections: people correct what the classifier decided, and the city retrains from
-- what people confirmed (suqiuctl correct, suqiuctl train --from-db).

-- A supervisor or the dispatch desk corrects a complaint's category, type or urgency (NULL
-- keeps the value).  A complaint not yet signed for goes back to routing ('classified',
-- sure of its labels now); a later one keeps its state and the correction is recorded.
-- Returns the state afterwards, or NULL when there is no such complaint.
CREATE FUNCTION complaint_correct(p_number text, p_category text, p_type text, p_urgency text,
                                  p_actor text, p_reason text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_complaint complaint%ROWTYPE;
    v_detail    jsonb;
BEGIN
    SELECT * INTO v_complaint FROM complaint WHERE number = p_number FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    v_detail := jsonb_build_object('corrected', true, 'reason', p_reason, 'low_confidence', false)
        || CASE WHEN p_category IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('category',
               jsonb_build_object('from', v_complaint.category, 'to', p_category)) END
        || CASE WHEN p_type IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('type',
               jsonb_build_object('from', v_complaint.complaint_type, 'to', p_type)) END
        || CASE WHEN p_urgency IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('urgency',
               jsonb_build_object('from', v_complaint.urgency, 'to', p_urgency)) END;
    UPDATE complaint SET category = coalesce(p_category, category),
                         complaint_type = coalesce(p_type, complaint_type),
                         urgency = coalesce(p_urgency, urgency)
        WHERE id = v_complaint.id;
    IF v_complaint.state IN ('received', 'classified', 'triage', 'dispatched') THEN
        UPDATE complaint SET lead_department = NULL, co_departments = '{}' WHERE id = v_complaint.id;
        PERFORM complaint_set_state(v_complaint.id, 'classified', p_actor, v_detail);
        RETURN 'classified';
    END IF;
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v_complaint.id, 'corrected', p_actor, v_detail);
    RETURN v_complaint.state;
END $$;

-- Labelled examples that people confirmed, for retraining one target (category, type or
-- urgency): complaints whose labels someone corrected, and complaints their department
-- signed for without returning them.
CREATE FUNCTION training_rows(p_target text)
RETURNS TABLE (title text, body text, label text)
LANGUAGE sql STABLE AS $$
    SELECT d.title, d.content, l.label
    FROM complaint c
    JOIN complaint_detail d ON d.complaint_id = c.id
    CROSS JOIN LATERAL (SELECT CASE p_target WHEN 'category' THEN c.category
                                             WHEN 'type' THEN c.complaint_type
                                             WHEN 'urgency' THEN c.urgency END AS label) l
    WHERE l.label IS NOT NULL
      AND (EXISTS (SELECT 1 FROM complaint_event e
                   WHERE e.complaint_id = c.id AND e.detail ? 'corrected')
           OR (c.state IN ('signed_for', 'responded', 'closed')
               AND NOT EXISTS (SELECT 1 FROM complaint_return r WHERE r.complaint_id = c.id)))
$$;
