-- 012_calls: the hotlines' telephone queue, call by call, and its answer rate (接通率).
--
-- A call record is one call that reached the queue for an operator (offered), as the
-- hotline platform reports it (POST /v1/calls, suqiuctl import-calls): answered when an
-- operator took it, else abandoned when the caller hung up first.  The convention
-- (README, "The answer rate"), as call centres count it:
--   short abandon  abandoned within 10 seconds of entering the queue (短时放弃, 秒挂): too
--                  soon for anyone to answer (a wrong number, a wrong menu choice), so it is
--                  counted apart and left out of the rate;
--   answer rate    answered / (offered - short abandons), a percentage with one decimal;
--   in working     the same over the calls that entered the queue inside the working
--     hours        periods of a working day of the city's calendar: the seed's target,
--                  工作时间内12345(12315)热线接通率达到90%以上.
-- Whether a call came in working hours is decided in C when it is recorded (lib/sq_call,
-- by config/calendar.yaml), as the working time of a deadline's stage is (008, 010).

CREATE TABLE call_line (
    line        text PRIMARY KEY,
    channel     text NOT NULL UNIQUE REFERENCES channel (name),
    target_rate numeric NOT NULL,     -- the answer rate in working hours to reach, percent
    basis       text NOT NULL
);
INSERT INTO call_line (line, channel, target_rate, basis) VALUES
    ('12345', 'hotline12345', 90, 'seed 002: 工作时间内12345(12315)热线接通率达到90%以上'),
    ('12315', 'hotline12315', 90, 'seed 002: 工作时间内12315(12345)热线接通率达到90%以上');

CREATE TABLE call_record (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    line             text NOT NULL REFERENCES call_line (line),
    call_id          text NOT NULL,
    queued_at        timestamptz NOT NULL,   -- entered the queue for an operator
    answered_at      timestamptz,            -- an operator took it; NULL when abandoned
    abandoned        boolean NOT NULL,       -- the caller hung up before an answer
    ended_at         timestamptz NOT NULL,
    operator_id      text,
    in_working_hours boolean NOT NULL,       -- queued_at inside the calendar's working time
    short_abandon    boolean NOT NULL GENERATED ALWAYS AS
                         (abandoned AND ended_at - queued_at < interval '10 seconds') STORED,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    actor            text NOT NULL,          -- who recorded it: suqiu.calls, suqiuctl import-calls
    CONSTRAINT call_record_idempotency UNIQUE (line, call_id),
    CONSTRAINT call_record_answered_or_abandoned CHECK ((answered_at IS NULL) = abandoned),
    CONSTRAINT call_record_in_order
        CHECK (queued_at <= coalesce(answered_at, queued_at)
               AND coalesce(answered_at, queued_at) <= ended_at
               AND ended_at - queued_at <= interval '1 day')
);
-- The answer rates of a period read its days by this.
CREATE INDEX call_record_by_day ON call_record (((queued_at AT TIME ZONE 'Asia/Shanghai')::date), line);

-- A call record as JSON, as the hub keeps it.
CREATE FUNCTION call_record_json(r call_record) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'line', r.line, 'call_id', r.call_id, 'queued_at', iso_shanghai(r.queued_at),
        'answered_at', iso_shanghai(r.answered_at), 'abandoned', r.abandoned,
        'ended_at', iso_shanghai(r.ended_at), 'operator_id', r.operator_id,
        'in_working_hours', r.in_working_hours, 'short_abandon', r.short_abandon,
        'recorded_at', iso_shanghai(r.recorded_at)))
$$;

-- Record a batch of call records (a JSON array of lib/sq_call's form, checked by the
-- caller) in the caller's transaction.  Idempotent on (line, call_id): a key seen before
-- writes nothing and returns created = false with the record kept (the first one wins).
CREATE FUNCTION call_record_batch(p_calls jsonb, p_actor text)
RETURNS TABLE (idx int, created boolean, record jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    v_item record;
    v_row  call_record;
BEGIN
    FOR v_item IN
        SELECT (e.ordinality - 1)::int AS position, e.value AS call
        FROM jsonb_array_elements(p_calls) WITH ORDINALITY AS e
        ORDER BY e.value->>'line', e.value->>'call_id', e.ordinality
    LOOP
        idx := v_item.position;
        INSERT INTO call_record (line, call_id, queued_at, answered_at, abandoned, ended_at,
                                 operator_id, in_working_hours, actor)
            VALUES (v_item.call->>'line', v_item.call->>'call_id',
                    (v_item.call->>'queued_at')::timestamptz,
                    (v_item.call->>'answered_at')::timestamptz,
                    (v_item.call->>'abandoned')::boolean,
                    (v_item.call->>'ended_at')::timestamptz, v_item.call->>'operator_id',
                    (v_item.call->>'in_working_hours')::boolean, p_actor)
            ON CONFLICT ON CONSTRAINT call_record_idempotency DO NOTHING
            RETURNING * INTO v_row;
        created := FOUND;
        IF NOT created THEN
            SELECT * INTO v_row FROM call_record c
                WHERE c.line = v_item.call->>'line' AND c.call_id = v_item.call->>'call_id';
        END IF;
        record := call_record_json(v_row);
        RETURN NEXT;
    END LOOP;
END $$;

-- The answer rate per line and day (Asia/Shanghai, by queued_at): every call offered, and
-- the calls offered in working hours (wh_).
CREATE VIEW call_answer_rate_daily AS
    SELECT r.line, (r.queued_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
           count(*) AS offered,
           count(*) FILTER (WHERE NOT r.abandoned) AS answered,
           count(*) FILTER (WHERE r.abandoned) AS abandoned,
           count(*) FILTER (WHERE r.short_abandon) AS short_abandoned,
           round(100.0 * count(*) FILTER (WHERE NOT r.abandoned)
                 / nullif(count(*) FILTER (WHERE NOT r.short_abandon), 0), 1) AS answer_rate,
           count(*) FILTER (WHERE r.in_working_hours) AS wh_offered,
           count(*) FILTER (WHERE r.in_working_hours AND NOT r.abandoned) AS wh_answered,
           count(*) FILTER (WHERE r.in_working_hours AND r.abandoned) AS wh_abandoned,
           count(*) FILTER (WHERE r.in_working_hours AND r.short_abandon) AS wh_short_abandoned,
           round(100.0 * count(*) FILTER (WHERE r.in_working_hours AND NOT r.abandoned)
                 / nullif(count(*) FILTER (WHERE r.in_working_hours AND NOT r.short_abandon), 0),
                 1) AS wh_answer_rate
    FROM call_record r
    GROUP BY 1, 2;

-- The same over the days p_from to p_to (both included), per line and for both lines
-- together (line 'all'), with the target: what suqiuctl stats prints.  The counts are the
-- sums of call_answer_rate_daily's, and the rates are computed from those sums.
CREATE FUNCTION call_answer_rate(p_from date, p_to date)
RETURNS TABLE (line text, offered bigint, answered bigint, abandoned bigint,
               short_abandoned bigint, answer_rate numeric, wh_offered bigint,
               wh_answered bigint, wh_abandoned bigint, wh_short_abandoned bigint,
               wh_answer_rate numeric, target_rate numeric, wh_target_met boolean)
LANGUAGE sql STABLE AS $$
    WITH sums AS (
        SELECT coalesce(d.line, 'all') AS line,
               coalesce(sum(d.offered), 0)::bigint AS offered,
               coalesce(sum(d.answered), 0)::bigint AS answered,
               coalesce(sum(d.abandoned), 0)::bigint AS abandoned,
               coalesce(sum(d.short_abandoned), 0)::bigint AS short_abandoned,
               coalesce(sum(d.wh_offered), 0)::bigint AS wh_offered,
               coalesce(sum(d.wh_answered), 0)::bigint AS wh_answered,
               coalesce(sum(d.wh_abandoned), 0)::bigint AS wh_abandoned,
               coalesce(sum(d.wh_short_abandoned), 0)::bigint AS wh_short_abandoned
        FROM call_answer_rate_daily d
        WHERE d.day BETWEEN p_from AND p_to
        GROUP BY ROLLUP (d.line)
    )
    SELECT s.line, s.offered, s.answered, s.abandoned, s.short_abandoned,
           round(100.0 * s.answered / nullif(s.offered - s.short_abandoned, 0), 1),
           s.wh_offered, s.wh_answered, s.wh_abandoned, s.wh_short_abandoned,
           round(100.0 * s.wh_answered / nullif(s.wh_offered - s.wh_short_abandoned, 0), 1),
           t.target,
           round(100.0 * s.wh_answered / nullif(s.wh_offered - s.wh_short_abandoned, 0), 1)
               >= t.target
    FROM sums s
    CROSS JOIN LATERAL (SELECT coalesce((SELECT l.target_rate FROM call_line l
                                         WHERE l.line = s.line),
                                        (SELECT min(l.target_rate) FROM call_line l))
                               AS target) t
    ORDER BY s.line = 'all', s.line
$$;
