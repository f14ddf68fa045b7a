-- 013_web: what the web door (suqiu-web) reads: Open311 GeoReport v2 service requests, and the
-- citizen's own status page.  Both show only what a citizen may see: never a caller's name,
-- phone or e-mail.

-- One complaint as an Open311 service request (GeoReport v2 "requests" fields, in the
-- specification's order: json, not jsonb, keeps it for the XML).  Its service is the one the
-- client chose, whatever category the hub's classifier gave it.  A repeat report merged into
-- another (并单) shows its master's status, notes and agency.
CREATE FUNCTION open311_request(p_id bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'service_request_id', c.number,
        'status', CASE WHEN coalesce(m.state, c.state) = 'closed' THEN 'closed' ELSE 'open' END,
        'status_notes', (SELECT r.body FROM complaint_reply r
                         WHERE r.complaint_id = coalesce(m.id, c.id) ORDER BY r.at DESC, r.id DESC
                         LIMIT 1),
        'service_name', coalesce(submitted.name, cat.name),
        'service_code', coalesce(d.extra->>'service_code', c.category),
        'description', CASE WHEN d.extra->>'description_given' = 'false' THEN NULL ELSE d.content END,
        'agency_responsible', lead.name,
        'service_notice', NULL,
        'requested_datetime', iso_shanghai(c.received_at),
        'updated_datetime', iso_shanghai(greatest(c.state_since, coalesce(m.state_since, c.state_since),
                                                  (SELECT max(e.at) FROM complaint_event e
                                                   WHERE e.complaint_id = c.id))),
        'expected_datetime', (SELECT iso_shanghai(dl.due_at) FROM complaint_deadline dl
                              WHERE dl.complaint_id = coalesce(m.id, c.id) AND dl.stage = 'close'),
        'address', d.address,
        'address_id', d.extra->>'address_id',
        'zipcode', NULL,
        'lat', (d.extra->>'lat')::double precision,
        'long', (d.extra->>'long')::double precision,
        'media_url', d.extra->>'media_url')
    FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id
        LEFT JOIN complaint m ON m.id = c.duplicate_of
        LEFT JOIN category cat ON cat.id = c.category
        LEFT JOIN category submitted ON submitted.id = d.extra->>'service_code'
        LEFT JOIN department lead ON lead.id = coalesce(m.lead_department, c.lead_department)
    WHERE c.id = p_id
$$;

-- GET requests: the web door's service requests, newest first, at most p_limit.  p_numbers,
-- when given, picks requests by id and overrides the other filters (as the spec says);
-- otherwise service_code, the time window [p_start, p_end] and status filter.
CREATE FUNCTION open311_requests(p_numbers text[], p_service_code text, p_start timestamptz,
                                 p_end timestamptz, p_status text, p_limit int)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(open311_request(picked.id) ORDER BY picked.received_at DESC,
                             picked.id DESC), '[]'::json)
    FROM (
        SELECT c.id, c.received_at
        FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id
            LEFT JOIN complaint m ON m.id = c.duplicate_of
        WHERE c.channel = 'web'
          AND (CASE WHEN p_numbers IS NOT NULL THEN c.number = ANY (p_numbers)
               ELSE (p_service_code IS NULL
                     OR coalesce(d.extra->>'service_code', c.category) = p_service_code)
                    AND c.received_at >= p_start AND c.received_at <= p_end
                    AND (p_status IS NULL
                         OR (p_status = 'closed') = (coalesce(m.state, c.state) = 'closed'))
               END)
        ORDER BY c.received_at DESC, c.id DESC
        LIMIT p_limit
    ) picked
$$;

-- The citizen's status page: a complaint found by its number and the last four digits of the
-- phone it was filed with, from any channel.  NULL when there is no such complaint, it has no
-- phone, or the digits differ: the page cannot tell which, so it tells nothing.
CREATE FUNCTION citizen_status(p_number text, p_last4 text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'number', c.number,
        'state', coalesce(m.state, c.state),
        'merged_into', m.number,
        'received_at', iso_shanghai(c.received_at),
        'title', d.title,
        'agency', lead.name,
        'expected_at', (SELECT iso_shanghai(dl.due_at) FROM complaint_deadline dl
                        WHERE dl.complaint_id = coalesce(m.id, c.id) AND dl.stage = 'close'),
        'replies', (SELECT jsonb_agg(jsonb_build_object('at', iso_shanghai(r.at), 'body', r.body)
                                     ORDER BY r.at, r.id)
                    FROM complaint_reply r WHERE r.complaint_id = coalesce(m.id, c.id))))
    FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id
        LEFT JOIN complaint m ON m.id = c.duplicate_of
        LEFT JOIN department lead ON lead.id = coalesce(m.lead_department, c.lead_department)
    WHERE c.number = p_number
      AND p_last4 ~ '^[0-9]{4}$'
      AND length(regexp_replace(coalesce(d.phone, ''), '[^0-9]', '', 'g')) >= 4
      AND right(regexp_replace(d.phone, '[^0-9]', '', 'g'), 4) = p_last4
$$;

-- The web door's list scans by channel and time.
CREATE INDEX complaint_web_by_received ON complaint (received_at DESC, id DESC) WHERE channel = 'web';
