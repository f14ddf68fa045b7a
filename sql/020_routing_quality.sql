-- 020_routing_quality: what classification needs to route as a dispatch desk would (issue 13):
-- the setting a matter happens in, the labels an operator chose, and repeat reports found by
-- what survives rewording, merged when sure and otherwise suggested to the desk.

-- Where the matter happens when that changes who leads (a school, a care home ...: the
-- settings of config/categories.yaml); NULL when none was found.
ALTER TABLE complaint ADD COLUMN setting text;

-- A repeat report's candidates are found by category as well as by region and phone, and
-- compared by their terms (lib/sq_repeat: the heaviest character bigrams of the text).
ALTER TABLE complaint_fingerprint
    ADD COLUMN category text,
    ADD COLUMN setting  text,
    ADD COLUMN terms    int[];
CREATE INDEX complaint_fingerprint_by_category ON complaint_fingerprint (category, created_at);

-- The text a classifier reads, and the labels the operator chose (the envelope's
-- extra.operator: {"type", "urgency", "category"}, each optional; NULL when none).
CREATE FUNCTION complaint_to_classify(p_number text)
RETURNS TABLE (id bigint, state text, channel text, title text, content text, region_text text,
               address text, phone text, operator jsonb)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.state, c.channel, d.title, d.content, d.region, d.address, d.phone,
           d.extra->'operator'
    FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id
    WHERE c.number = p_number
$$;

-- The earlier complaints that p_id may repeat: received within p_window before it, not
-- themselves merged into another, with the same phone, or the same category and region
-- (or the same category where one of the two regions is unknown); the newest p_limit.
-- The caller compares their terms and decides.
CREATE FUNCTION complaint_repeat_candidates(p_id bigint, p_region text, p_phone text,
                                            p_category text, p_window interval, p_limit int)
RETURNS TABLE (id bigint, number text, region text, phone text, category text, setting text,
               simhash bigint, terms int[])
LANGUAGE sql STABLE AS $$
    WITH me AS (SELECT created_at FROM complaint WHERE id = p_id)
    SELECT c.id, c.number, f.region, f.phone, f.category, f.setting, f.simhash, f.terms
    FROM complaint_fingerprint f JOIN complaint c ON c.id = f.complaint_id, me
    WHERE f.complaint_id <> p_id AND c.duplicate_of IS NULL
      AND f.created_at >= me.created_at - p_window AND f.created_at <= me.created_at
      AND ((p_phone IS NOT NULL AND f.phone = p_phone)
           OR (p_category IS NOT NULL AND f.category = p_category
               AND (f.region = p_region OR f.region IS NULL OR p_region IS NULL)))
    ORDER BY c.id DESC LIMIT p_limit
$$;

-- Record a classification (received -> classified) with the repeat decision the worker
-- made: p_repeat 'merge' merges the complaint into p_master (并单: -> merged, when the
-- master is still not merged itself), 'suggest' records a repeat_suggested event for the
-- dispatch desk and lets the complaint go on, NULL does neither.  outcome: 'classified',
-- 'merged' (with the master's number) or 'skipped' when the complaint was no longer in
-- 'received' (a repeated hand-off: nothing written).
CREATE FUNCTION complaint_classify_decided(p_id bigint, p_category text, p_type text,
                                           p_urgency text, p_region text, p_setting text,
                                           p_simhash bigint, p_terms int[], p_master bigint,
                                           p_repeat text, p_similarity real, p_actor text,
                                           p_detail jsonb)
RETURNS TABLE (outcome text, master_number text)
LANGUAGE plpgsql AS $$
DECLARE
    v_phone  text;
    v_master text;
BEGIN
    PERFORM 1 FROM complaint WHERE id = p_id AND state = 'received' FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'skipped';
        RETURN NEXT;
        RETURN;
    END IF;
    UPDATE complaint SET category = p_category, complaint_type = p_type, urgency = p_urgency,
                         region = p_region, setting = p_setting
        WHERE id = p_id;
    SELECT d.phone INTO v_phone FROM complaint_detail d WHERE d.complaint_id = p_id;
    INSERT INTO complaint_fingerprint (complaint_id, simhash, region, phone, category, setting,
                                       terms)
        VALUES (p_id, p_simhash, p_region, v_phone, p_category, p_setting, p_terms)
        ON CONFLICT (complaint_id) DO NOTHING;
    PERFORM complaint_set_state(p_id, 'classified', p_actor, p_detail);
    outcome := 'classified';
    IF p_master IS NOT NULL THEN
        SELECT number INTO v_master FROM complaint WHERE id = p_master AND duplicate_of IS NULL;
    END IF;
    IF v_master IS NOT NULL AND p_repeat = 'merge' THEN
        UPDATE complaint SET duplicate_of = p_master WHERE id = p_id;
        PERFORM complaint_set_state(p_id, 'merged', p_actor,
            jsonb_build_object('master', v_master, 'similarity', round(p_similarity::numeric, 3)));
        outcome := 'merged';
        master_number := v_master;
    ELSIF v_master IS NOT NULL AND p_repeat = 'suggest' THEN
        INSERT INTO complaint_event (complaint_id, kind, actor, detail)
            VALUES (p_id, 'repeat_suggested', p_actor,
                    jsonb_build_object('candidate', v_master,
                                       'similarity', round(p_similarity::numeric, 3),
                                       'note', '疑似重复诉求,请派单台确认是否并单'));
    END IF;
    RETURN NEXT;
END $$;

-- What routing needs, now also the setting and the classification's own record (its
-- event detail: scores, and which labels it was unsure of).
CREATE FUNCTION complaint_to_route(p_number text)
RETURNS TABLE (id bigint, state text, channel text, category text, complaint_type text,
               region text, low_confidence boolean, returned_by text[], urgency text,
               received_epoch bigint, setting text, decision jsonb)
LANGUAGE sql STABLE AS $$
    SELECT r.id, r.state, r.channel, r.category, r.complaint_type, r.region, r.low_confidence,
           r.returned_by, r.urgency, r.received_epoch, c.setting,
           (SELECT e.detail FROM complaint_event e
            WHERE e.complaint_id = c.id AND e.to_state = 'classified'
              AND e.detail ? 'low_confidence'
            ORDER BY e.id DESC LIMIT 1)
    FROM complaint_for_route(p_number) r JOIN complaint c ON c.id = r.id
$$;

-- The dispatch desk's queue of suggested repeat reports: complaints the classifier found
-- like an earlier one but not sure enough to merge, newest first, while they are open.
CREATE VIEW repeat_suggestions AS
    SELECT c.number, e.detail->>'candidate' AS candidate, (e.detail->>'similarity')::real
               AS similarity, c.state, e.at AS suggested_at
    FROM complaint_event e JOIN complaint c ON c.id = e.complaint_id
    WHERE e.kind = 'repeat_suggested' AND c.state NOT IN ('closed', 'merged')
    ORDER BY e.at DESC;
