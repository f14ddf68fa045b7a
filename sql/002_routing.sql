-- 002_routing: classification, assignment to a lead department and co-handlers, returns
-- (退单), duplicates (并单), and the city's catalogue mirrored from config/*.yaml so that
-- any PostgreSQL tool can read names.

-- The catalogue, written by the classify/route workers at start from config/*.yaml.
CREATE TABLE department (
    id   text PRIMARY KEY,
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('department', 'township', 'street', 'hotline'))
);
CREATE TABLE category (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    category_group text NOT NULL
);
CREATE TABLE region (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    government text NOT NULL
);

-- What classification and routing decided: short codes on the hot row, for the deadline
-- and statistics queries to come.
ALTER TABLE complaint
    ADD COLUMN category        text,
    ADD COLUMN complaint_type  text CHECK (complaint_type IN
                                   ('complaint', 'report', 'enquiry', 'help', 'suggestion', 'praise')),
    ADD COLUMN urgency         text CHECK (urgency IN ('urgent', 'normal')),
    ADD COLUMN region          text,
    ADD COLUMN lead_department text,
    ADD COLUMN co_departments  text[] NOT NULL DEFAULT '{}',
    ADD COLUMN duplicate_of    bigint REFERENCES complaint (id);

-- A department's desk: what it leads or helps with, open ones first.
CREATE INDEX complaint_open_by_lead ON complaint (lead_department, state_since)
    WHERE state NOT IN ('closed', 'merged');
CREATE INDEX complaint_co_departments ON complaint USING gin (co_departments);

-- Every return of a misrouted complaint by a department, with its reason and the rule
-- that had sent it there (counted per rule: route_rule_returns).
CREATE TABLE complaint_return (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id bigint NOT NULL REFERENCES complaint (id),
    department   text NOT NULL,
    rule_id      text,
    reason       text NOT NULL,
    actor        text NOT NULL,
    at           timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX complaint_return_by_complaint ON complaint_return (complaint_id);

CREATE VIEW route_rule_returns AS
    SELECT rule_id, count(*) AS returns, count(DISTINCT complaint_id) AS complaints
    FROM complaint_return GROUP BY rule_id;

-- Near-duplicate detection: a 64-bit SimHash of the text's character shingles, with the
-- region and phone that must also agree, for complaints received within a window.
CREATE TABLE complaint_fingerprint (
    complaint_id bigint PRIMARY KEY REFERENCES complaint (id),
    simhash      bigint NOT NULL,
    region       text,
    phone        text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaint_fingerprint_by_region ON complaint_fingerprint (region, created_at);
CREATE INDEX complaint_fingerprint_by_phone ON complaint_fingerprint (phone, created_at);

-- The text a classifier reads, with what routing needs: NULL when no such complaint.
CREATE FUNCTION complaint_for_classify(p_number text)
RETURNS TABLE (id bigint, state text, channel text, title text, content text, region_text text,
               address text, phone text)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.state, c.channel, d.title, d.content, d.region, d.address, d.phone
    FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id
    WHERE c.number = p_number
$$;

-- The earliest complaint other than p_id, received within p_window before it, not itself
-- a repeat, with the same region or phone and a SimHash within p_max_distance bits: the
-- master report that p_id repeats.  No row when there is none.
CREATE FUNCTION complaint_find_master(p_id bigint, p_simhash bigint, p_region text, p_phone text,
                                      p_window interval, p_max_distance int)
RETURNS TABLE (master_id bigint, master_number text, distance int)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.number, bit_count((f.simhash # p_simhash)::bit(64))::int
    FROM complaint_fingerprint f JOIN complaint c ON c.id = f.complaint_id
    WHERE f.complaint_id <> p_id AND c.duplicate_of IS NULL
      AND f.created_at >= (SELECT created_at FROM complaint WHERE id = p_id) - p_window
      AND f.created_at <= (SELECT created_at FROM complaint WHERE id = p_id)
      AND ((p_region IS NOT NULL AND f.region = p_region)
           OR (p_phone IS NOT NULL AND f.phone = p_phone))
      AND bit_count((f.simhash # p_simhash)::bit(64)) <= p_max_distance
    ORDER BY c.id LIMIT 1
$$;

-- Record a classification (received -> classified) and, when the complaint repeats an
-- earlier report (complaint_find_master), merge it into that one (并单: -> merged), all in
-- one transaction.  outcome: 'classified', 'merged' (with the master), or 'skipped' when
-- the complaint was no longer in 'received' (a repeated hand-off: nothing written).
CREATE FUNCTION complaint_classify(p_id bigint, p_category text, p_type text, p_urgency text,
                                   p_region text, p_simhash bigint, p_window interval,
                                   p_max_distance int, p_actor text, p_detail jsonb)
RETURNS TABLE (outcome text, master_number text, distance int)
LANGUAGE plpgsql AS $$
DECLARE
    v_phone  text;
    v_master record;
BEGIN
    PERFORM 1 FROM complaint WHERE id = p_id AND state = 'received' FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'skipped';
        RETURN NEXT;
        RETURN;
    END IF;
    UPDATE complaint SET category = p_category, complaint_type = p_type, urgency = p_urgency,
                         region = p_region
        WHERE id = p_id;
    SELECT d.phone INTO v_phone FROM complaint_detail d WHERE d.complaint_id = p_id;
    INSERT INTO complaint_fingerprint (complaint_id, simhash, region, phone)
        VALUES (p_id, p_simhash, p_region, v_phone)
        ON CONFLICT (complaint_id) DO NOTHING;
    PERFORM complaint_set_state(p_id, 'classified', p_actor, p_detail);
    outcome := 'classified';
    IF p_window > interval '0' THEN
        SELECT * INTO v_master
            FROM complaint_find_master(p_id, p_simhash, p_region, v_phone, p_window, p_max_distance);
        IF FOUND THEN
            UPDATE complaint SET duplicate_of = v_master.master_id WHERE id = p_id;
            PERFORM complaint_set_state(p_id, 'merged', p_actor,
                jsonb_build_object('master', v_master.master_number, 'simhash_distance',
                                   v_master.distance));
            outcome := 'merged';
            master_number := v_master.master_number;
            distance := v_master.distance;
        END IF;
    END IF;
    RETURN NEXT;
END $$;

-- The departments that returned a complaint: routing must not send it back to them.
CREATE FUNCTION complaint_returned_by(p_id bigint) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(DISTINCT department), '{}') FROM complaint_return
    WHERE complaint_id = p_id
$$;

-- What routing needs to know of a complaint: its classification, how sure the classifier
-- was (from the classification event), and who returned it before.
CREATE FUNCTION complaint_for_route(p_number text)
RETURNS TABLE (id bigint, state text, channel text, category text, complaint_type text,
               region text, low_confidence boolean, returned_by text[])
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.state, c.channel, c.category, c.complaint_type, c.region,
           coalesce((SELECT (e.detail->>'low_confidence')::boolean FROM complaint_event e
                     WHERE e.complaint_id = c.id AND e.to_state = 'classified'
                       AND e.detail ? 'low_confidence'
                     ORDER BY e.id DESC LIMIT 1), false),
           complaint_returned_by(c.id)
    FROM complaint c WHERE c.number = p_number
$$;

-- Assign a classified complaint: to a lead and co-handlers (-> dispatched), or, with a NULL
-- lead, to the dispatch desk's manual triage queue (-> triage).  Returns false when the
-- complaint is no longer in 'classified'.
CREATE FUNCTION complaint_assign(p_id bigint, p_lead text, p_co text[], p_actor text, p_detail jsonb)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM complaint WHERE id = p_id AND state = 'classified' FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE complaint SET lead_department = p_lead, co_departments = coalesce(p_co, '{}')
        WHERE id = p_id;
    PERFORM complaint_set_state(p_id, CASE WHEN p_lead IS NULL THEN 'triage' ELSE 'dispatched' END,
                                p_actor, p_detail);
    RETURN true;
END $$;

-- A department returns (退回) a complaint it was wrongly given, with a reason: recorded and
-- counted against the rule that sent it, and the complaint goes back to 'classified' so that
-- routing decides again without that department.
CREATE FUNCTION complaint_return_to_routing(p_number text, p_department text, p_reason text,
                                            p_actor text)
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
    PERFORM complaint_set_state(v_id, 'classified', p_actor,
        jsonb_build_object('returned_by', p_department, 'reason', p_reason, 'rule', v_rule));
    RETURN true;
END $$;

-- The lookup JSON, now with what classification and routing decided.
CREATE OR REPLACE FUNCTION complaint_json(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'number', c.number,
        'channel', c.channel,
        'line', CASE c.channel WHEN 'hotline12345' THEN '12345'
                               WHEN 'hotline12315' THEN '12315' END,
        'external_id', c.external_id,
        'state', c.state,
        'received_at', iso_shanghai(c.received_at),
        'created_at', iso_shanghai(c.created_at),
        'state_since', iso_shanghai(c.state_since),
        'caller_name', d.caller_name,
        'phone', d.phone,
        'address', d.address,
        'region', coalesce(r.name, d.region),
        'region_id', c.region,
        'title', d.title,
        'content', d.content,
        'operator_id', d.operator_id,
        'category', c.category,
        'category_name', cat.name,
        'type', c.complaint_type,
        'urgency', c.urgency,
        'lead_department', c.lead_department,
        'lead_department_name', lead.name,
        'co_departments', CASE WHEN cardinality(c.co_departments) > 0
                               THEN to_jsonb(c.co_departments) END,
        'duplicate_of', (SELECT m.number FROM complaint m WHERE m.id = c.duplicate_of)))
        || jsonb_build_object('history', coalesce((
            SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                       'at', iso_shanghai(e.at), 'kind', e.kind, 'from_state', e.from_state,
                       'to_state', e.to_state, 'actor', e.actor, 'detail', e.detail))
                   ORDER BY e.id)
            FROM complaint_event e WHERE e.complaint_id = c.id), '[]'::jsonb))
    FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id
        LEFT JOIN region r ON r.id = c.region
        LEFT JOIN category cat ON cat.id = c.category
        LEFT JOIN department lead ON lead.id = c.lead_department
    WHERE c.id = p_id
$$;

-- Mirror the catalogue from config/*.yaml (arrays of {id, name, ...}): rows are added or
-- renamed, never deleted, since old complaints still name them.
CREATE FUNCTION catalog_sync(p_departments jsonb, p_categories jsonb, p_regions jsonb)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO department (id, name, kind)
        SELECT d->>'id', d->>'name', d->>'kind' FROM jsonb_array_elements(p_departments) d
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind;
    INSERT INTO category (id, name, category_group)
        SELECT c->>'id', c->>'name', c->>'group' FROM jsonb_array_elements(p_categories) c
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, category_group = excluded.category_group;
    INSERT INTO region (id, name, government)
        SELECT r->>'id', r->>'name', r->>'government' FROM jsonb_array_elements(p_regions) r
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, government = excluded.government;
$$;
