-- 035_pipeline_batches: classification and routing many complaints per transaction, as intake
-- does (issue 13).  A stage worker claims a batch of the complaints waiting for it (FOR UPDATE
-- SKIP LOCKED: another worker takes the next ones; a worker killed before its commit releases
-- its batch, which the next claim takes again), decides them in memory, and writes the batch
-- back with a few set-wise statements, then commits once.  The answers, events and rows are
-- the same as those of one complaint at a time (020, 002, 005).

-- What waits for each stage, oldest first: the claims walk these and nothing else.
CREATE INDEX complaint_waiting_classify ON complaint (id) WHERE state = 'received';
CREATE INDEX complaint_waiting_route ON complaint (id) WHERE state = 'classified';

-- Classification's turns.  Workers classify their batches side by side, but each batch's
-- write takes the next turn (the row lock on this one row makes the writers take turns, to
-- the commit) and stamps its fingerprints with it.  A batch reads its repeat candidates
-- before its turn, noting the last turn it saw; in its turn it reads again only the
-- fingerprints of the turns after that one (complaint_repeat_candidates_since), so that it
-- is judged against every report committed before its write, never beside a batch still
-- in flight, while the long read runs side by side.
CREATE TABLE classify_turn (n bigint NOT NULL);
INSERT INTO classify_turn VALUES (0);
ALTER TABLE complaint_fingerprint ADD COLUMN turn bigint;
CREATE INDEX complaint_fingerprint_by_turn ON complaint_fingerprint (turn);

-- Move complaints p_ids[i] to p_to[i] with the event of each (its detail p_details[i]): the
-- one way a state changes, now for many complaints in one statement.  Rows are locked in id
-- order.  Raises when one of them does not exist.
CREATE FUNCTION complaint_set_states(p_ids bigint[], p_to text[], p_actor text, p_details jsonb[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_found int;
BEGIN
    WITH wanted AS (
        SELECT w.id, w.to_state, w.detail, w.n
        FROM unnest(p_ids, p_to, p_details) WITH ORDINALITY AS w(id, to_state, detail, n)
    ), locked AS (
        SELECT c.id, c.state AS from_state FROM complaint c
        WHERE c.id IN (SELECT id FROM wanted) ORDER BY c.id FOR UPDATE
    ), moved AS (
        UPDATE complaint c SET state = w.to_state, state_since = now()
        FROM wanted w WHERE c.id = w.id
        RETURNING c.id
    ), events AS (
        INSERT INTO complaint_event (complaint_id, kind, from_state, to_state, actor, detail)
            SELECT w.id, 'state', l.from_state, w.to_state, p_actor, coalesce(w.detail, '{}')
            FROM wanted w JOIN locked l ON l.id = w.id ORDER BY w.n
    )
    SELECT count(*) INTO v_found FROM locked;
    IF v_found < coalesce(cardinality(p_ids), 0) THEN
        RAISE EXCEPTION 'no complaint with one of the ids %', p_ids;
    END IF;
END $$;

-- The one complaint form goes through the same function.
CREATE OR REPLACE FUNCTION complaint_set_state(p_id bigint, p_to text, p_actor text, p_detail jsonb)
RETURNS void LANGUAGE sql AS $$
    SELECT complaint_set_states(ARRAY[p_id], ARRAY[p_to], p_actor, ARRAY[p_detail])
$$;

-- Claim up to p_limit complaints waiting for classification, oldest first, with what the
-- classifier reads (as complaint_to_classify) and the respondent's address (12315).  Locks
-- them until the caller's transaction ends; rows another transaction holds are skipped.
CREATE FUNCTION complaint_classify_claim(p_limit int)
RETURNS TABLE (id bigint, number text, channel text, title text, content text,
               region_text text, address text, phone text, operator jsonb,
               respondent_address text)
LANGUAGE sql AS $$
    WITH claimed AS (
        SELECT c.id, c.number, c.channel FROM complaint c
        WHERE c.state = 'received' ORDER BY c.id LIMIT p_limit
        FOR UPDATE OF c SKIP LOCKED
    )
    SELECT k.id, k.number, k.channel, d.title, d.content, d.region, d.address, d.phone,
           d.extra->'operator', r.address
    FROM claimed k JOIN complaint_detail d ON d.complaint_id = k.id
    LEFT JOIN complaint_respondent r ON r.complaint_id = k.id
    ORDER BY k.id
$$;

-- complaint_repeat_candidates for many complaints at once: p_reports is a JSON array of
-- {"id", "region", "phone", "category"}; for each, the earlier complaints it may repeat, as
-- there, named by for_id, in the order of the array.
CREATE FUNCTION complaint_repeat_candidates_batch(p_reports jsonb, p_window interval, p_limit int)
RETURNS TABLE (for_id bigint, id bigint, number text, region text, phone text,
               category text, setting text, simhash bigint, terms int[])
LANGUAGE sql STABLE AS $$
    SELECT (w.v->>'id')::bigint, r.*
    FROM jsonb_array_elements(p_reports) WITH ORDINALITY AS w(v, n)
    CROSS JOIN LATERAL complaint_repeat_candidates((w.v->>'id')::bigint, w.v->>'region',
                                                   w.v->>'phone', w.v->>'category',
                                                   p_window, p_limit) r
    ORDER BY w.n, r.id DESC
$$;

-- The candidates of complaint_repeat_candidates_batch among the fingerprints of the turns
-- after p_after_turn only (the same rule, written out for them): what a batch reads again
-- in its turn.
CREATE FUNCTION complaint_repeat_candidates_since(p_reports jsonb, p_window interval,
                                                  p_limit int, p_after_turn bigint)
RETURNS TABLE (for_id bigint, id bigint, number text, region text, phone text,
               category text, setting text, simhash bigint, terms int[])
LANGUAGE sql STABLE AS $$
    WITH recent AS (
        SELECT f.*, c.number FROM complaint_fingerprint f JOIN complaint c ON c.id = f.complaint_id
        WHERE f.turn > p_after_turn AND c.duplicate_of IS NULL
    )
    SELECT w.id, r.*
    FROM (SELECT (e.v->>'id')::bigint AS id, e.v->>'region' AS region, e.v->>'phone' AS phone,
                 e.v->>'category' AS category, e.n
          FROM jsonb_array_elements(p_reports) WITH ORDINALITY AS e(v, n)) w
    JOIN complaint me ON me.id = w.id
    CROSS JOIN LATERAL (
        SELECT f.complaint_id, f.number, f.region, f.phone, f.category, f.setting, f.simhash,
               f.terms
        FROM recent f
        WHERE f.complaint_id <> w.id
          AND f.created_at >= me.created_at - p_window AND f.created_at <= me.created_at
          AND ((w.phone IS NOT NULL AND f.phone = w.phone)
               OR (w.category IS NOT NULL AND f.category = w.category
                   AND (f.region = w.region OR f.region IS NULL OR w.region IS NULL)))
        ORDER BY f.complaint_id DESC LIMIT p_limit) r
    ORDER BY w.n, r.complaint_id DESC
$$;

-- Record the classifications of a batch (complaint_classify_decided for each, in one
-- statement): p_decisions is a JSON array of {"id", "category", "type", "urgency", "region",
-- "setting", "simhash", "terms" (int array), "master" (id), "repeat" (merge|suggest),
-- "similarity", "detail"}, in the order the worker decided them (a master decided in the
-- same batch comes before its repeat).  Each complaint still in 'received' goes to
-- 'classified', then to 'merged' when its repeat is 'merge' and its master is not merged
-- itself, or gets a repeat_suggested event for 'suggest'.  The fingerprints are stamped
-- with p_turn (classify_turn, NULL when none was taken).  Returns per complaint its outcome
-- ('classified', 'merged' with the master's number, or 'skipped' when it was no longer in
-- 'received': nothing written).
CREATE FUNCTION complaint_classify_batch(p_decisions jsonb, p_actor text, p_turn bigint)
RETURNS TABLE (id bigint, outcome text, master_number text)
LANGUAGE plpgsql AS $$
DECLARE
    v_ids bigint[];
    v_details jsonb[];
    v_merged bigint[];
    v_merge_details jsonb[];
BEGIN
    -- The batch, as the statements below read it: a table of the session's own.
    IF to_regclass('pg_temp.s_classified') IS NULL THEN
        CREATE TEMP TABLE s_classified (
            n int, id bigint, category text, complaint_type text, urgency text, region text,
            setting text, simhash bigint, terms int[], master bigint, repeat text,
            similarity real, detail jsonb, master_number text) ON COMMIT DELETE ROWS;
    END IF;
    DELETE FROM pg_temp.s_classified;
    INSERT INTO pg_temp.s_classified
        SELECT e.n, (e.v->>'id')::bigint, e.v->>'category', e.v->>'type', e.v->>'urgency',
               e.v->>'region', e.v->>'setting', (e.v->>'simhash')::bigint,
               ARRAY(SELECT jsonb_array_elements_text(coalesce(e.v->'terms', '[]'))::int),
               (e.v->>'master')::bigint, e.v->>'repeat', (e.v->>'similarity')::real,
               e.v->'detail', NULL
        FROM jsonb_array_elements(p_decisions) WITH ORDINALITY AS e(v, n)
        JOIN complaint c ON c.id = (e.v->>'id')::bigint AND c.state = 'received';
    UPDATE complaint c SET category = s.category, complaint_type = s.complaint_type,
                           urgency = s.urgency, region = s.region, setting = s.setting
        FROM pg_temp.s_classified s WHERE c.id = s.id;
    INSERT INTO complaint_fingerprint (complaint_id, simhash, region, phone, category, setting,
                                       terms, turn)
        SELECT s.id, s.simhash, s.region, d.phone, s.category, s.setting, s.terms, p_turn
        FROM pg_temp.s_classified s JOIN complaint_detail d ON d.complaint_id = s.id
        ORDER BY s.n
        ON CONFLICT (complaint_id) DO NOTHING;
    SELECT array_agg(s.id ORDER BY s.n), array_agg(s.detail ORDER BY s.n)
        INTO v_ids, v_details FROM pg_temp.s_classified s;
    IF v_ids IS NOT NULL THEN
        PERFORM complaint_set_states(v_ids, array_fill('classified'::text, ARRAY[cardinality(v_ids)]),
                                     p_actor, v_details);
    END IF;
    -- Masters that are not merged themselves (one of this batch is never merged: the worker
    -- does not take a repeat as a master).
    UPDATE pg_temp.s_classified s SET master_number = m.number
        FROM complaint m WHERE m.id = s.master AND m.duplicate_of IS NULL;
    UPDATE complaint c SET duplicate_of = s.master
        FROM pg_temp.s_classified s
        WHERE c.id = s.id AND s.repeat = 'merge' AND s.master_number IS NOT NULL;
    SELECT array_agg(s.id ORDER BY s.n),
           array_agg(jsonb_build_object('master', s.master_number,
                                        'similarity', round(s.similarity::numeric, 3))
                     ORDER BY s.n)
        INTO v_merged, v_merge_details
        FROM pg_temp.s_classified s WHERE s.repeat = 'merge' AND s.master_number IS NOT NULL;
    IF v_merged IS NOT NULL THEN
        PERFORM complaint_set_states(v_merged, array_fill('merged'::text, ARRAY[cardinality(v_merged)]),
                                     p_actor, v_merge_details);
    END IF;
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        SELECT s.id, 'repeat_suggested', p_actor,
               jsonb_build_object('candidate', s.master_number,
                                  'similarity', round(s.similarity::numeric, 3),
                                  'note', '疑似重复诉求,请派单台确认是否并单')
        FROM pg_temp.s_classified s
        WHERE s.repeat = 'suggest' AND s.master_number IS NOT NULL ORDER BY s.n;
    RETURN QUERY
        SELECT (e.v->>'id')::bigint,
               CASE WHEN s.id IS NULL THEN 'skipped'
                    WHEN s.repeat = 'merge' AND s.master_number IS NOT NULL THEN 'merged'
                    ELSE 'classified' END,
               CASE WHEN s.repeat = 'merge' THEN s.master_number END
        FROM jsonb_array_elements(p_decisions) WITH ORDINALITY AS e(v, n)
        LEFT JOIN pg_temp.s_classified s ON s.n = e.n
        ORDER BY e.n;
END $$;

-- Claim up to p_limit complaints waiting for routing, oldest first, with what routing needs
-- (as complaint_to_route) and whether they have deadlines already (a complaint routed
-- again after a return or a correction: the worker routes those one at a time, settling
-- their deadlines).  Locked until the caller's transaction ends; rows held elsewhere are
-- skipped.
CREATE FUNCTION complaint_route_claim(p_limit int)
RETURNS TABLE (id bigint, number text, channel text, category text, complaint_type text,
               region text, low_confidence boolean, returned_by text[], urgency text,
               received_epoch bigint, setting text, decision jsonb, has_deadlines boolean)
LANGUAGE sql AS $$
    WITH claimed AS (
        SELECT c.id FROM complaint c
        WHERE c.state = 'classified' ORDER BY c.id LIMIT p_limit
        FOR UPDATE OF c SKIP LOCKED
    )
    SELECT c.id, c.number, c.channel, c.category, c.complaint_type, c.region,
           coalesce((e.detail->>'low_confidence')::boolean, false), complaint_returned_by(c.id),
           c.urgency, extract(epoch FROM c.received_at)::bigint, c.setting, e.detail,
           EXISTS (SELECT 1 FROM complaint_deadline d WHERE d.complaint_id = c.id)
    FROM claimed k JOIN complaint c ON c.id = k.id
    LEFT JOIN LATERAL (SELECT ev.detail FROM complaint_event ev
                       WHERE ev.complaint_id = c.id AND ev.to_state = 'classified'
                         AND ev.detail ? 'low_confidence'
                       ORDER BY ev.id DESC LIMIT 1) e ON true
    ORDER BY c.id
$$;

-- Record the routing of a batch of complaints routed for the first time (complaint_assign
-- and complaint_set_deadlines for each, in one statement): p_assignments is a JSON array of
-- {"id", "lead" (NULL: triage), "co" (array), "detail", "deadlines" ({"policy", "basis",
-- "remind_percent", "sign_for", "first_response", "close"}, or absent when no policy
-- applies)}.  A complaint no longer in 'classified' is skipped.  Returns the ids assigned.
CREATE FUNCTION complaint_route_batch(p_assignments jsonb, p_actor text, p_reason text)
RETURNS TABLE (id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_ids bigint[];
    v_to text[];
    v_details jsonb[];
BEGIN
    IF to_regclass('pg_temp.s_routed') IS NULL THEN
        CREATE TEMP TABLE s_routed (
            n int, id bigint, lead text, co text[], detail jsonb, deadlines jsonb,
            received_at timestamptz) ON COMMIT DELETE ROWS;
    END IF;
    DELETE FROM pg_temp.s_routed;
    INSERT INTO pg_temp.s_routed
        SELECT e.n, c.id, e.v->>'lead',
               ARRAY(SELECT jsonb_array_elements_text(coalesce(e.v->'co', '[]'))),
               e.v->'detail', e.v->'deadlines', c.received_at
        FROM jsonb_array_elements(p_assignments) WITH ORDINALITY AS e(v, n)
        JOIN complaint c ON c.id = (e.v->>'id')::bigint AND c.state = 'classified';
    UPDATE complaint c SET lead_department = s.lead, co_departments = s.co
        FROM pg_temp.s_routed s WHERE c.id = s.id;
    SELECT array_agg(s.id ORDER BY s.n),
           array_agg(CASE WHEN s.lead IS NULL THEN 'triage' ELSE 'dispatched' END ORDER BY s.n),
           array_agg(s.detail ORDER BY s.n)
        INTO v_ids, v_to, v_details FROM pg_temp.s_routed s;
    IF v_ids IS NULL THEN
        RETURN;
    END IF;
    PERFORM complaint_set_states(v_ids, v_to, p_actor, v_details);
    -- The deadlines as complaint_set_deadlines (005) sets them, clocks from receipt.
    INSERT INTO complaint_deadline AS cd (complaint_id, stage, due_at, policy_id, started_at,
                                          remind_at)
        SELECT s.id, st.stage, (s.deadlines->>st.stage)::timestamptz, s.deadlines->>'policy',
               s.received_at,
               s.received_at + ((s.deadlines->>st.stage)::timestamptz - s.received_at)
                   * (coalesce((s.deadlines->>'remind_percent')::numeric, 75) / 100)
        FROM pg_temp.s_routed s
        CROSS JOIN unnest(ARRAY['sign_for', 'first_response', 'close']) AS st(stage)
        WHERE s.deadlines ? st.stage
        ORDER BY s.n
        ON CONFLICT (complaint_id, stage) DO UPDATE
            SET due_at = excluded.due_at, policy_id = excluded.policy_id,
                started_at = excluded.started_at, remind_at = excluded.remind_at,
                reminded_at = NULL, overdue_at = NULL
            WHERE cd.met_at IS NULL;
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        SELECT s.id, 'deadlines', p_actor, s.deadlines || jsonb_build_object('reason', p_reason)
        FROM pg_temp.s_routed s WHERE s.deadlines IS NOT NULL ORDER BY s.n;
    RETURN QUERY SELECT s.id FROM pg_temp.s_routed s ORDER BY s.n;
END $$;
