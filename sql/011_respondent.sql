-- 011_respondent: the business a hotline order is about (被投诉人/被举报人: its name, address
-- and unified social credit code, GB 32100-2015), as 12315 orders carry it.  Intake keeps it
-- beside the complaint, the lookups show it, and classification takes a 12315 complaint's
-- region from its address: a consumer complaint goes to the market-regulation office where
-- the business is, not where the caller lives (市场监督管理投诉举报处理暂行办法, 2019).

CREATE TABLE complaint_respondent (
    complaint_id bigint PRIMARY KEY REFERENCES complaint (id),
    name         text,
    address      text,
    credit_code  text CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$')
);

-- intake_batch as in 001 (the same answers, numbers and history), now also writing the
-- respondent when the envelope names one, and in a few set-wise statements instead of five
-- per envelope: an import of 100,000 rows (suqiuctl import) and the intake's group commit
-- spend their time writing rows, not starting statements.
--   - Keys committed before answer their number (created false) and write nothing.
--   - Of the rows of one new key the first in the batch is the one committed; the others
--     get its number with created false.
--   - Numbers are drawn per prefix and day in key order (channel, external_id), all of a
--     batch's at once: its counters are locked in prefix order before any complaint row is
--     written, so concurrent batches wait for each other there and never deadlock.
--   - A key that another transaction committed after the look-up is skipped (ON CONFLICT)
--     and answers that transaction's number, as in 001; the number drawn for it is unused.
CREATE OR REPLACE FUNCTION intake_batch(p_envelopes jsonb, p_actor text)
RETURNS TABLE (idx int, number text, created boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_today   date := (now() AT TIME ZONE 'Asia/Shanghai')::date;
    v_answers jsonb;
    v_answer  record;
    v_unknown text;
BEGIN
    SELECT e.value->>'channel' INTO v_unknown FROM jsonb_array_elements(p_envelopes) e
        WHERE NOT EXISTS (SELECT 1 FROM channel ch WHERE ch.name = e.value->>'channel') LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'unknown channel "%"', v_unknown;
    END IF;
    WITH item AS (
        SELECT (e.ordinality - 1)::int AS position, e.value AS envelope,
               e.value->>'channel' AS channel, e.value->>'external_id' AS external_id
        FROM jsonb_array_elements(p_envelopes) WITH ORDINALITY AS e
    ), known AS (
        SELECT i.position, c.number FROM item i
        JOIN complaint c ON c.channel = i.channel AND c.external_id = i.external_id
    ), fresh AS (
        SELECT DISTINCT ON (i.channel, i.external_id) i.position, i.envelope, i.channel,
               i.external_id, ch.number_prefix AS prefix
        FROM item i JOIN channel ch ON ch.name = i.channel
        WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.position = i.position)
        ORDER BY i.channel, i.external_id, i.position
    ), ranked AS (
        SELECT f.*, row_number() OVER (PARTITION BY f.prefix ORDER BY f.channel, f.external_id)
                        AS rank,
               count(*) OVER (PARTITION BY f.prefix) AS total
        FROM fresh f
    ), counter AS (
        INSERT INTO number_counter AS nc (prefix, day, last_value)
            SELECT r.prefix, v_today, max(r.total) FROM ranked r GROUP BY r.prefix ORDER BY r.prefix
            ON CONFLICT (prefix, day) DO UPDATE SET last_value = nc.last_value + EXCLUDED.last_value
            RETURNING nc.prefix, nc.last_value
    ), numbered AS (
        SELECT r.position, r.envelope, r.channel, r.external_id,
               r.prefix || '-' || to_char(v_today, 'YYYYMMDD') || '-'
                   || lpad(s.seq::text, greatest(6, length(s.seq::text)), '0') AS number
        FROM ranked r JOIN counter k ON k.prefix = r.prefix
        CROSS JOIN LATERAL (SELECT k.last_value - r.total + r.rank AS seq) s
    ), inserted AS (
        INSERT INTO complaint (number, channel, external_id, state, received_at)
            SELECT n.number, n.channel, n.external_id, 'received',
                   (n.envelope->>'received_at')::timestamptz
            FROM numbered n ORDER BY n.channel, n.external_id
            ON CONFLICT ON CONSTRAINT complaint_idempotency DO NOTHING
            RETURNING complaint.id, complaint.number
    ), created AS (
        SELECT i.id, n.position, n.envelope, i.number FROM inserted i JOIN numbered n ON n.number = i.number
    ), details AS (
        INSERT INTO complaint_detail (complaint_id, caller_name, phone, address, region, title,
                                      content, operator_id, extra)
            SELECT c.id, c.envelope->>'caller_name', c.envelope->>'phone', c.envelope->>'address',
                   c.envelope->>'region', c.envelope->>'title', c.envelope->>'content',
                   c.envelope->>'operator_id', coalesce(c.envelope->'extra', '{}')
            FROM created c
    ), respondents AS (
        INSERT INTO complaint_respondent (complaint_id, name, address, credit_code)
            SELECT c.id, c.envelope->>'respondent_name', c.envelope->>'respondent_address',
                   c.envelope->>'respondent_credit_code'
            FROM created c
            WHERE c.envelope ?| ARRAY['respondent_name', 'respondent_address', 'respondent_credit_code']
    ), events AS (
        INSERT INTO complaint_event (complaint_id, kind, to_state, actor, detail)
            SELECT c.id, 'received', 'received', p_actor,
                   jsonb_build_object('channel', c.envelope->>'channel',
                                      'external_id', c.envelope->>'external_id',
                                      'operator_id', c.envelope->>'operator_id')
            FROM created c ORDER BY c.id
    )
    SELECT jsonb_agg(jsonb_build_object('idx', i.position,
                                        'number', coalesce(k.number, c.number, n.number),
                                        'created', c.position IS NOT DISTINCT FROM i.position
                                                   AND c.id IS NOT NULL,
                                        'conflict', k.number IS NULL AND c.id IS NULL)
                     ORDER BY i.position)
        INTO v_answers
    FROM item i
    LEFT JOIN known k ON k.position = i.position
    LEFT JOIN numbered n ON n.channel = i.channel AND n.external_id = i.external_id
    LEFT JOIN created c ON c.number = n.number;
    FOR v_answer IN SELECT * FROM jsonb_to_recordset(coalesce(v_answers, '[]'))
                        AS a(idx int, number text, created boolean, conflict boolean) LOOP
        idx := v_answer.idx;
        created := v_answer.created;
        number := v_answer.number;
        IF v_answer.conflict THEN
            -- Another transaction committed the same key after our look-up.
            SELECT c.number INTO number FROM complaint c
                WHERE c.channel = p_envelopes->idx->>'channel'
                  AND c.external_id = p_envelopes->idx->>'external_id';
        END IF;
        RETURN NEXT;
    END LOOP;
END $$;

-- The respondent of one complaint as JSON ({"name", "address", "credit_code"}, each only
-- when known), or NULL when it names none.
CREATE FUNCTION complaint_respondent_json(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object('name', r.name, 'address', r.address,
                                                'credit_code', r.credit_code))
    FROM complaint_respondent r WHERE r.complaint_id = p_id
$$;

-- The lookups (GET /v1/workorders/..., suqiuctl show) as in 006, with the respondent.
CREATE OR REPLACE FUNCTION complaint_json_by_number(p_number text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT complaint_json(c.id)
           || jsonb_build_object('deadlines', complaint_deadlines_json(c.id),
                                 'replies', complaint_replies_json(c.id))
           || CASE WHEN r.respondent IS NULL THEN '{}'::jsonb
                   ELSE jsonb_build_object('respondent', r.respondent) END
    FROM complaint c CROSS JOIN LATERAL (SELECT complaint_respondent_json(c.id) AS respondent) r
    WHERE c.number = p_number
$$;

CREATE OR REPLACE FUNCTION complaint_json_by_key(p_channel text, p_external_id text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT complaint_json_by_number(number)
    FROM complaint WHERE channel = p_channel AND external_id = p_external_id
$$;
