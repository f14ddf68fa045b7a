-- 032_follow_up_files: a follow-up may bring files (an e-mail answering the acknowledgement
-- with photos attached): they are kept as the complaint's attachments, with the message they
-- came with, their SHA-256 checked as at intake (030).  The detail of the message lists them
-- without their bytes.

CREATE FUNCTION complaint_message_attachments() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_file jsonb;
    v_data bytea;
    v_list jsonb := '[]';
BEGIN
    FOR v_file IN SELECT value FROM jsonb_array_elements(NEW.detail->'attachments') LOOP
        v_data := decode(v_file->>'data', 'base64');
        IF encode(sha256(v_data), 'hex') <> v_file->>'sha256' THEN
            RAISE EXCEPTION 'attachment "%": the checksum does not match its bytes', v_file->>'file_name';
        END IF;
        v_list := v_list || jsonb_build_array(jsonb_build_object(
            'file_name', v_file->>'file_name', 'content_type', v_file->>'content_type',
            'size', octet_length(v_data), 'sha256', v_file->>'sha256'));
    END LOOP;
    NEW.detail := (NEW.detail - 'attachments') || jsonb_build_object('files', v_list);
    RETURN NEW;
END $$;
CREATE TRIGGER complaint_message_attachments BEFORE INSERT ON complaint_message
    FOR EACH ROW WHEN (jsonb_typeof(NEW.detail->'attachments') = 'array')
    EXECUTE FUNCTION complaint_message_attachments();

-- The bytes themselves, once the message row (and so its id) exists.
CREATE FUNCTION complaint_message_files(p_message bigint, p_files jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO complaint_attachment (complaint_id, message_id, file_name, content_type, size, sha256, data)
        SELECT m.complaint_id, m.id, f.value->>'file_name', f.value->>'content_type',
               octet_length(decode(f.value->>'data', 'base64')), f.value->>'sha256',
               decode(f.value->>'data', 'base64')
        FROM complaint_message m, jsonb_array_elements(coalesce(p_files, '[]')) f
        WHERE m.id = p_message
$$;

-- complaint_follow_up as in 030, the files of p_detail.attachments kept too.
CREATE OR REPLACE FUNCTION complaint_follow_up(p_channel text, p_external_id text, p_number text,
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
    PERFORM complaint_message_files(v_message, p_detail->'attachments');
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v_id, 'follow_up', 'channel:' || p_channel,
                jsonb_build_object('message', v_message, 'kind', p_kind, 'external_id', p_external_id));
    RETURN jsonb_build_object('number', v_number, 'created', true);
END $$;
