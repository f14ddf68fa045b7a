-- 033_desk_deliveries: the desk shows, on each complaint, what went back to the citizen
-- (the deliveries of 030, with their state, tries and the last error: "100% response" means
-- the citizen was really answered), the follow-ups the citizen sent, and the files, which a
-- desk that may see the complaint can download.

-- The channel's side of one complaint: deliveries (no addresses), follow-ups, attachments.
CREATE FUNCTION complaint_channel_json(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'deliveries', coalesce((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                'kind', d.kind, 'via', d.via, 'state', d.state, 'tries', d.tries,
                'last_error', d.last_error, 'queued_at', iso_shanghai(d.created_at),
                'next_try_at', CASE WHEN d.state = 'queued' THEN iso_shanghai(d.next_try_at) END,
                'sent_at', iso_shanghai(d.sent_at))) ORDER BY d.id)
            FROM complaint_delivery d WHERE d.complaint_id = p_id), '[]'),
        'messages', coalesce((SELECT jsonb_agg(jsonb_build_object(
                'kind', m.kind, 'body', m.body, 'received_at', iso_shanghai(m.received_at),
                'files', coalesce(m.detail->'files', '[]'), 'label', m.detail->>'label',
                'pic_url', m.detail->>'pic_url', 'subject', m.detail->>'subject') ORDER BY m.id)
            FROM complaint_message m WHERE m.complaint_id = p_id), '[]'),
        'attachments', coalesce((SELECT jsonb_agg(jsonb_build_object(
                'id', a.id, 'file_name', a.file_name, 'content_type', a.content_type,
                'size', a.size, 'sha256', a.sha256) ORDER BY a.id)
            FROM complaint_attachment a WHERE a.complaint_id = p_id), '[]'))
$$;

ALTER FUNCTION desk_complaint(text) RENAME TO desk_complaint_core;

-- desk_complaint as in 026, with the channel's side.
CREATE FUNCTION desk_complaint(p_number text) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT desk_complaint_core(p_number) || complaint_channel_json(c.id)
    FROM complaint c WHERE c.id = desk_find(p_number)
$$;

-- One attachment's bytes for a desk that may see its complaint: {file_name, content_type,
-- data (base64)}, or NULL.  Each download is an event, like an unmasking.
CREATE FUNCTION desk_attachment(p_id bigint) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v complaint_attachment%ROWTYPE;
    v_number text;
BEGIN
    SELECT * INTO v FROM complaint_attachment WHERE id = p_id;
    IF NOT FOUND THEN RETURN NULL; END IF;
    SELECT number INTO v_number FROM complaint WHERE id = v.complaint_id;
    IF desk_find(v_number) IS NULL THEN RETURN NULL; END IF;
    INSERT INTO complaint_event (complaint_id, kind, actor, detail)
        VALUES (v.complaint_id, 'attachment_read', desk_actor(),
                jsonb_build_object('attachment', v.id, 'file_name', v.file_name));
    RETURN jsonb_build_object('file_name', v.file_name, 'content_type', v.content_type,
                              'data', translate(encode(v.data, 'base64'), E'\n', ''));
END $$;
SELECT desk_grant_definers();   -- the desk's alone, as in 031
