-- 001_spine: complaints, their append-only history, work-order numbering, and the
-- intake and lookup functions that the workers call.  Times are timestamptz; the
-- city runs on Asia/Shanghai, and every time shown to people is in that zone.

-- The channels a complaint can come through, with the prefix of its work-order number.
CREATE TABLE channel (
    name          text PRIMARY KEY,
    number_prefix text NOT NULL UNIQUE,
    description   text NOT NULL
);
INSERT INTO channel (name, number_prefix, description) VALUES
    ('hotline12345', '12345', '12345 政务服务便民热线 (government-service hotline)'),
    ('hotline12315', '12315', '12315 市场监管投诉举报热线 (market-regulation hotline)'),
    ('web',          'WEB',   'web form and Open311 GeoReport v2 API'),
    ('wechat',       'WX',    'WeChat Official Account'),
    ('email',        'EM',    'email delivered over LMTP');

-- The lifecycle of a complaint.  Only complaint_set_state() moves a complaint between
-- these, and it writes an event row each time.
CREATE TABLE complaint_state (
    name        text PRIMARY KEY,
    position    int NOT NULL UNIQUE,
    is_open     boolean NOT NULL,
    description text NOT NULL
);
INSERT INTO complaint_state (name, position, is_open, description) VALUES
    ('received',   10, true,  '已受理: committed at intake, not yet classified'),
    ('classified', 20, true,  '已分类: category, type and urgency decided'),
    ('triage',     30, true,  '待人工分拨: no rule or low confidence; waits for the dispatch desk'),
    ('dispatched', 40, true,  '已派单: assigned to a lead department (and co-handlers)'),
    ('signed_for', 50, true,  '已签收: the lead department has signed for it'),
    ('responded',  60, true,  '已答复: the citizen has been answered'),
    ('closed',     70, false, '已办结: closed with a recorded reply'),
    ('merged',     80, false, '已并单: merged into a master order as a repeat report');

-- One counter per number prefix and day (Asia/Shanghai): 12345-20261123-000042.
CREATE TABLE number_counter (
    prefix     text NOT NULL,
    day        date NOT NULL,
    last_value int  NOT NULL,
    PRIMARY KEY (prefix, day)
);

-- The hot row: narrow, so that scans by state and time stay cheap.  Long text lives
-- in complaint_detail.
CREATE TABLE complaint (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number      text NOT NULL UNIQUE,
    channel     text NOT NULL REFERENCES channel (name),
    external_id text NOT NULL,
    state       text NOT NULL REFERENCES complaint_state (name),
    received_at timestamptz NOT NULL,               -- when the channel took it from the citizen
    created_at  timestamptz NOT NULL DEFAULT now(),  -- when the hub committed it
    state_since timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT complaint_idempotency UNIQUE (channel, external_id)
);

-- The sweeper walks open complaints that sat too long in their state, oldest first.
CREATE INDEX complaint_open_by_state_since ON complaint (state_since, id)
    WHERE state NOT IN ('closed', 'merged');

CREATE TABLE complaint_detail (
    complaint_id bigint PRIMARY KEY REFERENCES complaint (id),
    caller_name  text,
    phone        text,
    address      text,
    region       text,
    title        text NOT NULL,
    content      text NOT NULL,
    operator_id  text,
    extra        jsonb NOT NULL DEFAULT '{}'
);

-- Append-only: every change to a complaint, with time and actor.
CREATE TABLE complaint_event (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id bigint NOT NULL REFERENCES complaint (id),
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    kind         text NOT NULL,
    from_state   text REFERENCES complaint_state (name),
    to_state     text REFERENCES complaint_state (name),
    actor        text NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX complaint_event_by_complaint ON complaint_event (complaint_id, id);

CREATE FUNCTION complaint_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'complaint_event is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER complaint_event_append_only BEFORE UPDATE OR DELETE ON complaint_event
    FOR EACH ROW EXECUTE FUNCTION complaint_event_is_append_only();

-- A time as people read it here: ISO-8601 in Asia/Shanghai, e.g. 2026-11-23T10:00:00+08:00.
CREATE FUNCTION iso_shanghai(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS') || '+08:00'
$$;

-- The one way a complaint changes state: updates the row and appends the event.
CREATE FUNCTION complaint_set_state(p_id bigint, p_to text, p_actor text, p_detail jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_from text;
BEGIN
    SELECT state INTO v_from FROM complaint WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no complaint with id %', p_id;
    END IF;
    UPDATE complaint SET state = p_to, state_since = now() WHERE id = p_id;
    INSERT INTO complaint_event (complaint_id, kind, from_state, to_state, actor, detail)
        VALUES (p_id, 'state', v_from, p_to, p_actor, coalesce(p_detail, '{}'));
END $$;

-- Intake of a batch of envelopes (a JSON array, validated by the worker) in the
-- caller's transaction.  Idempotent on (channel, external_id): a key seen before
-- returns its existing number with created = false and writes nothing.  Envelopes
-- are handled in key order so that concurrent batches take locks in one order.
CREATE FUNCTION intake_batch(p_envelopes jsonb, p_actor text)
RETURNS TABLE (idx int, number text, created boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_item   record;
    v_env    jsonb;
    v_id     bigint;
    v_prefix text;
    v_seq    int;
    v_today  date := (now() AT TIME ZONE 'Asia/Shanghai')::date;
BEGIN
    FOR v_item IN
        SELECT (e.ordinality - 1)::int AS position, e.value AS envelope
        FROM jsonb_array_elements(p_envelopes) WITH ORDINALITY AS e
        ORDER BY e.value->>'channel', e.value->>'external_id'
    LOOP
        v_env := v_item.envelope;
        idx := v_item.position;
        SELECT c.number INTO number FROM complaint c
            WHERE c.channel = v_env->>'channel' AND c.external_id = v_env->>'external_id';
        IF FOUND THEN
            created := false;
            RETURN NEXT;
            CONTINUE;
        END IF;
        SELECT ch.number_prefix INTO v_prefix FROM channel ch WHERE ch.name = v_env->>'channel';
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown channel "%"', v_env->>'channel';
        END IF;
        INSERT INTO number_counter AS nc (prefix, day, last_value) VALUES (v_prefix, v_today, 1)
            ON CONFLICT (prefix, day) DO UPDATE SET last_value = nc.last_value + 1
            RETURNING nc.last_value INTO v_seq;
        number := v_prefix || '-' || to_char(v_today, 'YYYYMMDD') || '-'
                  || lpad(v_seq::text, greatest(6, length(v_seq::text)), '0');
        v_id := NULL;
        INSERT INTO complaint (number, channel, external_id, state, received_at)
            VALUES (number, v_env->>'channel', v_env->>'external_id', 'received',
                    (v_env->>'received_at')::timestamptz)
            ON CONFLICT ON CONSTRAINT complaint_idempotency DO NOTHING
            RETURNING id INTO v_id;
        IF v_id IS NULL THEN
            -- Another transaction committed the same key after our look-up.
            SELECT c.number INTO number FROM complaint c
                WHERE c.channel = v_env->>'channel' AND c.external_id = v_env->>'external_id';
            created := false;
            RETURN NEXT;
            CONTINUE;
        END IF;
        INSERT INTO complaint_detail (complaint_id, caller_name, phone, address, region, title,
                                      content, operator_id, extra)
            VALUES (v_id, v_env->>'caller_name', v_env->>'phone', v_env->>'address',
                    v_env->>'region', v_env->>'title', v_env->>'content', v_env->>'operator_id',
                    coalesce(v_env->'extra', '{}'));
        INSERT INTO complaint_event (complaint_id, kind, to_state, actor, detail)
            VALUES (v_id, 'received', 'received', p_actor,
                    jsonb_build_object('channel', v_env->>'channel',
                                       'external_id', v_env->>'external_id',
                                       'operator_id', v_env->>'operator_id'));
        created := true;
        RETURN NEXT;
    END LOOP;
END $$;

-- One complaint as JSON, with its history: what GET /v1/workorders/{number} and
-- `suqiuctl show` print.  NULL when there is no such complaint.
CREATE FUNCTION complaint_json(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
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
        'region', d.region,
        'title', d.title,
        'content', d.content,
        'operator_id', d.operator_id))
        || jsonb_build_object('history', coalesce((
            SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                       'at', iso_shanghai(e.at), 'kind', e.kind, 'from_state', e.from_state,
                       'to_state', e.to_state, 'actor', e.actor, 'detail', e.detail))
                   ORDER BY e.id)
            FROM complaint_event e WHERE e.complaint_id = c.id), '[]'::jsonb))
    FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id
    WHERE c.id = p_id
$$;

CREATE FUNCTION complaint_json_by_number(p_number text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT complaint_json(id) FROM complaint WHERE number = p_number
$$;

CREATE FUNCTION complaint_json_by_key(p_channel text, p_external_id text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT complaint_json(id) FROM complaint WHERE channel = p_channel AND external_id = p_external_id
$$;

-- Open complaints in one of p_states, idle in it since before p_before, in (state_since, id)
-- order after the cursor (p_after_since, p_after_id): the sweeper pages through them all.
CREATE FUNCTION complaint_stale(p_before timestamptz, p_states text[], p_after_since timestamptz,
                                p_after_id bigint, p_limit int)
RETURNS TABLE (id bigint, number text, state text, state_since timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.number, c.state, c.state_since FROM complaint c
    WHERE c.state NOT IN ('closed', 'merged') AND c.state = ANY (p_states)
      AND c.state_since < p_before AND (c.state_since, c.id) > (p_after_since, p_after_id)
    ORDER BY c.state_since, c.id LIMIT p_limit
$$;

-- The newest complaints, optionally in one state, for `suqiuctl list`.
CREATE FUNCTION complaint_list(p_state text, p_limit int)
RETURNS TABLE (number text, channel text, state text, received_at text, title text)
LANGUAGE sql STABLE AS $$
    SELECT c.number, c.channel, c.state, iso_shanghai(c.received_at), d.title
    FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id
    WHERE p_state IS NULL OR c.state = p_state
    ORDER BY c.id DESC LIMIT p_limit
$$;
