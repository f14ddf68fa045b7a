-- 030_deliveries: what goes back to the citizen, through the channel the complaint came in
-- on (issue 12), and what a citizen adds to a complaint after it was made.
--   - complaint_delivery: one row per message owed to the citizen, the acknowledgement with
--     the work-order number (WeChat after a spooled message, every e-mail) and each reply of
--     the department, tracked queued -> sent | failed, with its tries, the last error and
--     the time of the next try.  An adapter takes what is due for its channel with a lease
--     (delivery_take), sends it and says done or failed (delivery_done, delivery_failed):
--     a taken row whose adapter died is taken again when its lease ends, so nothing owed is
--     lost (a message may be sent twice then, never not at all).
--   - Where the answer goes is said by the adapter in the envelope: extra.reply_to =
--     {"via": "wechat"|"email", "address": openid|e-mail, ...threading}.  Replies to the
--     hotlines go on the operators' call-back list (via 'phone', done by the call-back), and
--     the web door's are published as the Open311 status_notes (via 'open311', sent at once).
--   - complaint_message: a follow-up (a photo or location after a WeChat text, an e-mail
--     answering the acknowledgement, with its files), idempotent on (channel, external_id)
--     like intake.
--   - complaint_attachment: files a citizen sent (e-mail attachments), out of the hot rows;
--     intake takes them from extra.attachments, so that the detail row keeps only their list.

CREATE TABLE complaint_delivery (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id bigint NOT NULL REFERENCES complaint (id),
    kind         text NOT NULL CHECK (kind IN ('ack', 'reply')),
    reply_id     bigint REFERENCES complaint_reply (id),
    via          text NOT NULL CHECK (via IN ('wechat', 'email', 'phone', 'open311')),
    address      text,
    detail       jsonb NOT NULL DEFAULT '{}',   -- threading: the citizen's Message-ID ...
    state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
    tries        int NOT NULL DEFAULT 0,
    next_try_at  timestamptz NOT NULL DEFAULT now(),
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    CONSTRAINT complaint_delivery_once UNIQUE NULLS NOT DISTINCT (complaint_id, kind, reply_id)
);
CREATE INDEX complaint_delivery_due ON complaint_delivery (via, next_try_at) WHERE state = 'queued';
CREATE INDEX complaint_delivery_by_complaint ON complaint_delivery (complaint_id);

CREATE TABLE complaint_message (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id bigint NOT NULL REFERENCES complaint (id),
    channel      text NOT NULL REFERENCES channel (name),
    external_id  text NOT NULL,
    received_at  timestamptz NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('text', 'image', 'location', 'mail')),
    body         text NOT NULL DEFAULT '',
    detail       jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT complaint_message_idempotency UNIQUE (channel, external_id)
);
CREATE INDEX complaint_message_by_complaint ON complaint_message (complaint_id, id);

CREATE TABLE complaint_attachment (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id bigint NOT NULL REFERENCES complaint (id),
    message_id   bigint REFERENCES complaint_message (id),
    file_name    text NOT NULL,
    content_type text NOT NULL,
    size         int NOT NULL CHECK (size >= 0),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    data         bytea NOT NULL,
    CHECK (octet_length(data) = size)
);
CREATE INDEX complaint_attachment_by_complaint ON complaint_attachment (complaint_id);

-- --------------------------------------------------------------------------------------
-- Intake: the attachments out of the detail row, the acknowledgement owed

-- Files as the adapters send them ([{file_name, content_type, sha256, data (base64)}]):
-- their list without the bytes, each checksum checked.  A checksum that does not match
-- refuses the whole envelope or follow-up (the intake answers it 400 or 503).
CREATE FUNCTION attachment_list(p_files jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_file jsonb;
    v_data bytea;
    v_list jsonb := '[]';
BEGIN
    FOR v_file IN SELECT value FROM jsonb_array_elements(coalesce(p_files, '[]')) LOOP
        v_data := decode(v_file->>'data', 'base64');
        IF encode(sha256(v_data), 'hex') <> v_file->>'sha256' THEN
            RAISE EXCEPTION 'attachment "%": the checksum does not match its bytes', v_file->>'file_name';
        END IF;
        v_list := v_list || jsonb_build_array(jsonb_build_object(
            'file_name', v_file->>'file_name', 'content_type', v_file->>'content_type',
            'size', octet_length(v_data), 'sha256', v_file->>'sha256'));
    END LOOP;
    RETURN v_list;
END $$;

-- The files' bytes, kept for the complaint (and the follow-up they came with, or NULL).
CREATE FUNCTION attachment_store(p_complaint bigint, p_message bigint, p_files jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO complaint_attachment (complaint_id, message_id, file_name, content_type, size, sha256, data)
        SELECT p_complaint, p_message, f.value->>'file_name', f.value->>'content_type',
               octet_length(decode(f.value->>'data', 'base64')), f.value->>'sha256',
               decode(f.value->>'data', 'base64')
        FROM jsonb_array_elements(coalesce(p_files, '[]')) f
$$;

-- An envelope's extra.attachments become rows of complaint_attachment; the detail keeps
-- their list without the bytes.
CREATE FUNCTION complaint_detail_attachments() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_list jsonb := attachment_list(NEW.extra->'attachments');
BEGIN
    PERFORM attachment_store(NEW.complaint_id, NULL, NEW.extra->'attachments');
    NEW.extra := (NEW.extra - 'attachments') || jsonb_build_object('files', v_list);
    RETURN NEW;
END $$;
CREATE TRIGGER complaint_detail_attachments BEFORE INSERT ON complaint_detail
    FOR EACH ROW WHEN (jsonb_typeof(NEW.extra->'attachments') = 'array')
    EXECUTE FUNCTION complaint_detail_attachments();

-- The acknowledgement owed to a complaint whose channel answers by message: due at once for
-- e-mail; for WeChat only after reply_to.ack_after_seconds (the passive reply carried the
-- number when the commit came in time, and the adapter then marks it sent: delivery_passive).
CREATE FUNCTION complaint_detail_ack() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO complaint_delivery (complaint_id, kind, via, address, detail, next_try_at)
        VALUES (NEW.complaint_id, 'ack', NEW.extra->'reply_to'->>'via',
                NEW.extra->'reply_to'->>'address', NEW.extra->'reply_to',
                now() + make_interval(secs => coalesce((NEW.extra->'reply_to'->>'ack_after_seconds')::int, 0)))
        ON CONFLICT ON CONSTRAINT complaint_delivery_once DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER complaint_detail_ack AFTER INSERT ON complaint_detail
    FOR EACH ROW WHEN (NEW.extra->'reply_to'->>'via' IN ('wechat', 'email'))
    EXECUTE FUNCTION complaint_detail_ack();

-- --------------------------------------------------------------------------------------
-- A reply recorded (at a desk, with suqiuctl respond): owed through the complaint's channel

CREATE FUNCTION complaint_reply_owed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_channel text;
    v_reply_to jsonb;
    v_phone text;
BEGIN
    SELECT c.channel, d.extra->'reply_to', d.phone INTO v_channel, v_reply_to, v_phone
        FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id
        WHERE c.id = NEW.complaint_id;
    IF v_reply_to->>'via' IN ('wechat', 'email') THEN
        INSERT INTO complaint_delivery (complaint_id, kind, reply_id, via, address, detail)
            VALUES (NEW.complaint_id, 'reply', NEW.id, v_reply_to->>'via', v_reply_to->>'address',
                    v_reply_to);
    ELSIF v_channel = 'web' THEN
        -- the citizen reads it as the service request's status_notes
        INSERT INTO complaint_delivery (complaint_id, kind, reply_id, via, state, sent_at)
            VALUES (NEW.complaint_id, 'reply', NEW.id, 'open311', 'sent', now());
    ELSE
        -- the hotlines: on the operators' call-back list until the call is made
        INSERT INTO complaint_delivery (complaint_id, kind, reply_id, via, address)
            VALUES (NEW.complaint_id, 'reply', NEW.id, 'phone', v_phone);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER complaint_reply_owed AFTER INSERT ON complaint_reply
    FOR EACH ROW EXECUTE FUNCTION complaint_reply_owed();

-- The call-back (回访) tells the citizen the reply: what was owed by phone is sent.
CREATE FUNCTION complaint_callback_delivers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE complaint_delivery SET state = 'sent', sent_at = now(), tries = tries + 1,
                                  detail = detail || jsonb_build_object('callback', NEW.id)
        WHERE complaint_id = NEW.complaint_id AND via = 'phone' AND state <> 'sent';
    RETURN NULL;
END $$;
CREATE TRIGGER complaint_callback_delivers AFTER INSERT ON complaint_callback
    FOR EACH ROW EXECUTE FUNCTION complaint_callback_delivers();

-- --------------------------------------------------------------------------------------
-- The adapters' side (through the suqiu.outbox service)

-- Up to p_limit deliveries due on p_via, leased for p_lease_seconds: each with what the
-- message says (the number, the reply's text, the threading detail).
CREATE FUNCTION delivery_take(p_via text, p_limit int, p_lease_seconds int) RETURNS jsonb
LANGUAGE sql AS $$
    WITH due AS (
        SELECT id FROM complaint_delivery
        WHERE via = p_via AND state = 'queued' AND next_try_at <= now()
        ORDER BY next_try_at, id LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), taken AS (
        UPDATE complaint_delivery d
            SET tries = d.tries + 1, next_try_at = now() + make_interval(secs => p_lease_seconds)
            FROM due WHERE d.id = due.id
            RETURNING d.*
    )
    SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'id', t.id, 'kind', t.kind, 'number', c.number, 'address', t.address,
               'try', t.tries, 'detail', t.detail, 'title', dt.title,
               'received_at', iso_shanghai(c.received_at),
               'reply', r.body, 'reply_id', t.reply_id, 'department', dep.name,
               'replied_at', iso_shanghai(r.at))) ORDER BY t.id), '[]')
    FROM taken t
    JOIN complaint c ON c.id = t.complaint_id
    JOIN complaint_detail dt ON dt.complaint_id = c.id
    LEFT JOIN complaint_reply r ON r.id = t.reply_id
    LEFT JOIN department dep ON dep.id = r.department
$$;

-- Sent.  Returns false when there is no such delivery.
CREATE FUNCTION delivery_done(p_id bigint, p_detail jsonb) RETURNS boolean LANGUAGE sql AS $$
    UPDATE complaint_delivery SET state = 'sent', sent_at = now(), last_error = NULL,
                                  detail = detail || coalesce(p_detail, '{}')
        WHERE id = p_id AND state <> 'sent'
    RETURNING true
$$;

-- Not sent: tried again after a backoff that doubles from a minute, up to six hours; after
-- p_max_tries it is failed, for a person to see on the complaint.  Returns the state.
CREATE FUNCTION delivery_failed(p_id bigint, p_error text, p_max_tries int) RETURNS text
LANGUAGE sql AS $$
    UPDATE complaint_delivery
        SET last_error = left(p_error, 500),
            state = CASE WHEN tries >= p_max_tries THEN 'failed' ELSE 'queued' END,
            next_try_at = now() + least(interval '6 hours',
                                        interval '1 minute' * power(2, greatest(tries - 1, 0)))
        WHERE id = p_id AND state = 'queued'
    RETURNING state
$$;

-- The passive reply carried the number (WeChat answered within its window): the ack is sent.
CREATE FUNCTION delivery_passive(p_number text) RETURNS boolean LANGUAGE sql AS $$
    UPDATE complaint_delivery d SET state = 'sent', sent_at = now(),
                                    detail = d.detail || '{"passive": true}'
        FROM complaint c
        WHERE c.number = p_number AND d.complaint_id = c.id AND d.kind = 'ack' AND d.state = 'queued'
    RETURNING true
$$;

-- A follow-up's files (an e-mail answering the acknowledgement with photos attached) are
-- kept as the complaint's attachments, with the message they came with, their SHA-256
-- checked as at intake; the message's detail lists them without their bytes.
CREATE FUNCTION complaint_message_attachments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.detail := (NEW.detail - 'attachments')
                  || jsonb_build_object('files', attachment_list(NEW.detail->'attachments'));
    RETURN NEW;
END $$;
CREATE TRIGGER complaint_message_attachments BEFORE INSERT ON complaint_message
    FOR EACH ROW WHEN (jsonb_typeof(NEW.detail->'attachments') = 'array')
    EXECUTE FUNCTION complaint_message_attachments();

-- A follow-up to the complaint p_number (or, with p_number NULL, to the newest open
-- complaint of the same sender on that channel received in the last p_minutes): kept once
-- per (channel, external_id).  Returns {"number", "created"}, or NULL when there is no such
-- complaint.
CREATE FUNCTION complaint_follow_up(p_channel text, p_external_id text, p_number text,
                                    p_sender text, p_minutes int, p_kind text, p_body text,
                                    p_detail jsonb, p_received_at timestamptz) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    v_number text;
    v_message bigint;
BEGIN
    SELECT c.number INTO v_number FROM complaint_message m JOIN complaint c ON c.id = m.complaint_id
        WHERE m.channel = p_channel AND m.external_id = p_external_id;
    IF FOUND THEN
        RETURN jsonb_build_object('number', v_number, 'created', false);
    END IF;
    IF p_number IS NOT NULL THEN
        SELECT id, number INTO v_id, v_number FROM complaint WHERE number = p_number;
    ELSE
        SELECT c.id, c.number INTO v_id, v_number
            FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id
            WHERE c.channel = p_channel AND d.extra->'reply_to'->>'address' = p_sender
              AND c.received_at > now() - make_interval(mins => p_minutes)
              AND c.state NOT IN ('closed', 'merged')
            ORDER BY c.received_at DESC LIMIT 1;
    END IF;
    IF v_id IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO complaint_message (complaint_id, channel, external_id, received_at, kind, body, detail)
        VALUES (v_id, p_channel, p_external_id, p_received_at, p_kind, coalesce(p_body, ''),
                coalesce(p_detail, '{}'))
        ON CONFLICT ON CONSTRAINT complaint_message_idempotency DO NOTHING
        RETURNING id INTO v_message;
    IF v_message IS NULL THEN   -- a concurrent retry of the same message
        SELECT c.number INTO v_number FROM complaint_message m JOIN complaint c ON c.id = m.complaint_id
            WHERE m.channel = p_channel AND m.external_id = p_external_id;
        RETURN jsonb_build_object('number', v_number, 'created', false);
    END IF;
    PERFORM attachment_store(v_id, v_message, p_detail->'attachments');   -- checked above
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v_id, 'follow_up', 'channel:' || p_channel,
                jsonb_build_object('message', v_message, 'kind', p_kind, 'external_id', p_external_id));
    RETURN jsonb_build_object('number', v_number, 'created', true);
END $$;

-- What the citizen is told when asking about a work order by its number: its state and the
-- department's latest reply, when there is one.  NULL when there is no such work order.
CREATE FUNCTION complaint_status_for_citizen(p_number text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
               'number', c.number, 'state', c.state, 'state_label', split_part(s.description, ':', 1),
               'department', dep.name,
               'reply', (SELECT r.body FROM complaint_reply r WHERE r.complaint_id = c.id
                         ORDER BY r.at DESC, r.id DESC LIMIT 1)))
    FROM complaint c
    JOIN complaint_state s ON s.name = c.state
    LEFT JOIN department dep ON dep.id = c.lead_department
    WHERE c.number = p_number
$$;

-- The desks read deliveries, messages and the list of attachments with their complaint.
ALTER TABLE complaint_delivery ENABLE ROW LEVEL SECURITY;
ALTER TABLE complaint_message ENABLE ROW LEVEL SECURITY;
ALTER TABLE complaint_attachment ENABLE ROW LEVEL SECURITY;
CREATE POLICY desk_sees ON complaint_delivery FOR SELECT TO suqiu_desk USING (
    (SELECT desk_scope()) = '' OR EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));
CREATE POLICY desk_sees ON complaint_message FOR SELECT TO suqiu_desk USING (
    (SELECT desk_scope()) = '' OR EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));
CREATE POLICY desk_sees ON complaint_attachment FOR SELECT TO suqiu_desk USING (
    (SELECT desk_scope()) = '' OR EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));
GRANT SELECT ON complaint_delivery, complaint_message TO suqiu_desk;
GRANT SELECT (id, complaint_id, message_id, file_name, content_type, size, sha256)
    ON complaint_attachment TO suqiu_desk;
