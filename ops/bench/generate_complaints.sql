-- ops/bench_deadlines.sh: one chunk of generated complaints, ids :lo to :hi of :total, received
-- uniformly from 2021-01-01 00:00 +08:00 to :t_end, with their deadlines, replies, returns,
-- extensions and pauses.  Every fact is drawn with bench_u(id, salt), so a complaint is the
-- same each time it is generated.  Run by psql with -v lo hi total t_end, and the catalogue
-- as array literals: deps (lead departments, the big ones first), cats, regions, rules.
--
-- The shape: received more than 20 days before :t_end -> closed (1% merged into an earlier
-- complaint: 并单, no deadlines, no lead department); the newer ones dispatched, signed for
-- or responded.  Three deadlines per complaint that is not merged, from its policy in
-- config/sla.yaml, with clock durations standing in for the calendar's working days.
-- Closed ones met all three (the close late for 2%); open ones met the stages of their
-- state, and 3% of their other stages are past due (most already escalated).  One reply per
-- responded or closed complaint; the merged ones get their master's in generate_finish.sql.
-- complaint_detail and complaint_event stay empty: the timed queries do not read them.
--
-- The measures a complaint row keeps (sql/010: first reply, returns, extensions, working
-- times, closed on time) are written with it, and the triggers that keep them at run time
-- are off for the load (session_replication_role = replica: the private cluster's user is a
-- superuser), as are the foreign-key checks, which are triggers too.
\set ON_ERROR_STOP on
SET session_replication_role = replica;
SET synchronous_commit = off;
SET work_mem = '512MB';
SET maintenance_work_mem = '1GB';
SET temp_buffers = '1GB';
SELECT extract(epoch FROM timestamptz '2021-01-01 00:00+08') AS t0,
       extract(epoch FROM :'t_end'::timestamptz) AS t1 \gset

BEGIN;

-- Everything about each complaint of the chunk, in seconds since the epoch until the end.
CREATE TEMP TABLE g ON COMMIT DROP AS
WITH k AS (
    SELECT :'deps'::text[] AS deps, :'cats'::text[] AS cats, :'regions'::text[] AS regs
), a AS (
    SELECT i, :t0 + (:t1 - :t0) * ((i - 1) + bench_u(i, 1)) / :total AS rcv,
           CASE WHEN bench_u(i, 2) < 0.70 THEN 'hotline12345'
                WHEN bench_u(i, 2) < 0.85 THEN 'hotline12315'
                WHEN bench_u(i, 2) < 0.93 THEN 'web'
                WHEN bench_u(i, 2) < 0.98 THEN 'wechat' ELSE 'email' END AS channel,
           i > 50 AND bench_u(i, 3) < 0.01 AS merged,
           CASE WHEN bench_u(i, 4) < 0.03 THEN 'urgent' ELSE 'normal' END AS urgency
    FROM generate_series(:lo::bigint, :hi::bigint) AS i
), b AS (
    SELECT a.*, :t1 - a.rcv AS age,
           CASE WHEN a.channel = 'hotline12315'
                     THEN CASE WHEN bench_u(i, 5) < 0.70 THEN 'complaint' ELSE 'report' END
                WHEN bench_u(i, 5) < 0.45 THEN 'complaint'
                WHEN bench_u(i, 5) < 0.70 THEN 'enquiry'
                WHEN bench_u(i, 5) < 0.82 THEN 'help'
                WHEN bench_u(i, 5) < 0.90 THEN 'suggestion'
                WHEN bench_u(i, 5) < 0.97 THEN 'report' ELSE 'praise' END AS type,
           k.cats[1 + floor(bench_u(i, 6) ^ 1.5 * cardinality(k.cats))::int] AS category,
           k.regs[1 + floor(bench_u(i, 7) * cardinality(k.regs))::int] AS region,
           CASE WHEN a.merged THEN NULL
                WHEN a.channel = 'hotline12315' AND bench_u(i, 8) < 0.85 THEN 'scjgj'
                ELSE k.deps[1 + floor(bench_u(i, 9) ^ 2 * cardinality(k.deps))::int] END AS lead,
           CASE WHEN a.merged THEN 'merged'
                WHEN :t1 - a.rcv > 20 * 86400 THEN 'closed'
                WHEN bench_u(i, 10) < CASE WHEN :t1 - a.rcv < 86400 THEN 0.40
                                           WHEN :t1 - a.rcv < 3 * 86400 THEN 0.10 ELSE 0.03 END
                     THEN 'dispatched'
                WHEN bench_u(i, 10) < CASE WHEN :t1 - a.rcv < 86400 THEN 0.85
                                           WHEN :t1 - a.rcv < 3 * 86400 THEN 0.50 ELSE 0.20 END
                     THEN 'signed_for'
                ELSE 'responded' END AS state
    FROM a CROSS JOIN k
), c AS (
    -- The policy and its three limits (sign for, first response, close) as clock seconds.
    SELECT b.*, p.policy, p.d1, p.d2,
           p.d3 + CASE WHEN b.state = 'closed' AND bench_u(i, 25) < 0.01 THEN 7 * 86400 ELSE 0 END
               AS d3,
           b.state = 'closed' AND bench_u(i, 25) < 0.01 AS extended,
           1800 + bench_u(i, 20) * 52200 AS ws1
    FROM b JOIN (VALUES ('12315-complaint-2020', 86400, 864000, 1814400),
                        ('12315-report-2020', 86400, 1814400, 1814400),
                        ('12345-urgent-2020', 3600, 7200, 604800),
                        ('12345-enquiry-2020', 86400, 86400, 259200),
                        ('12345-help-2020', 86400, 172800, 604800),
                        ('12345-complaint-report-2020', 86400, 172800, 1814400),
                        ('12345-default-2020', 86400, 172800, 604800)) AS p (policy, d1, d2, d3)
      ON p.policy = CASE WHEN b.channel = 'hotline12315' AND b.type = 'complaint'
                              THEN '12315-complaint-2020'
                         WHEN b.channel = 'hotline12315' THEN '12315-report-2020'
                         WHEN b.urgency = 'urgent' THEN '12345-urgent-2020'
                         WHEN b.type = 'enquiry' THEN '12345-enquiry-2020'
                         WHEN b.type = 'help' THEN '12345-help-2020'
                         WHEN b.type IN ('complaint', 'report') THEN '12345-complaint-report-2020'
                         ELSE '12345-default-2020' END
), d AS (
    -- Working seconds (sign-for 0.5-15 h, close 5-150 h) and when each stage was met, as
    -- seconds after receipt: the longer the work, the later within the limit.
    SELECT c.*,
           c.ws1 + 600 + bench_u(i, 21) * 28800 AS ws2,
           greatest(c.ws1 + 4200 + bench_u(i, 21) * 28800,
                    18000 + bench_u(i, 22) ^ 2 * 522000) AS ws3,
           least((0.05 + 0.85 * (c.ws1 - 1800) / 52200) * c.d1, 0.4 * c.age) AS o1
    FROM c
), e AS (
    SELECT d.*,
           least(greatest(d.o1 + 60, least((0.1 + 0.85 * bench_u(i, 21)) * d.d2, 0.8 * d.age)),
                 0.9 * d.age) AS o2
    FROM d
), f AS (
    SELECT e.*,
           greatest(e.o2 + 60,
                    least(CASE WHEN bench_u(i, 23) < 0.02 THEN 1.02 + 0.4 * bench_u(i, 24)
                               ELSE 0.1 + 0.85 * (e.ws3 - 18000) / 522000 END * e.d3,
                          0.95 * e.age)) AS o3,
           e.state IN ('signed_for', 'responded', 'closed') AS met1,
           e.state IN ('responded', 'closed') AS met2,
           e.state = 'closed' AS met3
    FROM e
)
SELECT i, channel, type, urgency, category, region, lead, state, merged, extended,
       ch.number_prefix AS prefix,
       (to_timestamp(rcv) AT TIME ZONE 'Asia/Shanghai')::date AS day,
       i - floor((extract(epoch FROM (to_timestamp(rcv) AT TIME ZONE 'Asia/Shanghai')::date::timestamp
                                      AT TIME ZONE 'Asia/Shanghai') - :t0)
                 / (:t1 - :t0) * :total)::bigint AS seq,
       CASE channel WHEN 'hotline12345' THEN 'GD' WHEN 'hotline12315' THEN 'TS'
                    WHEN 'web' THEN 'WEB' WHEN 'wechat' THEN 'WX' ELSE 'EM' END || '-' || i
           AS external_id,
       CASE WHEN merged THEN i - 1 - floor(bench_u(i, 11) * 20)::bigint END AS master,
       policy,
       to_timestamp(rcv) AS received_at,
       to_timestamp(rcv + 1 + 30 * bench_u(i, 12)) AS created_at,
       to_timestamp(rcv + CASE state WHEN 'merged' THEN 33
                                     WHEN 'dispatched' THEN least(40 + 120 * bench_u(i, 13), 0.5 * age)
                                     WHEN 'signed_for' THEN o1 WHEN 'responded' THEN o2
                                     ELSE o3 END) AS state_since,
       -- A stage not met: 3% overdue, the others due at the limit when that is still ahead,
       -- else moved ahead (as if extended or counted from a later stage).
       to_timestamp(rcv + CASE WHEN met1 THEN d1
                               WHEN bench_u(i, 31) < 0.03 THEN age * (0.3 + 0.65 * bench_u(i, 41))
                               WHEN d1 > age THEN d1
                               ELSE age + 600 + bench_u(i, 41) * d1 END) AS due1,
       to_timestamp(rcv + CASE WHEN met2 THEN d2
                               WHEN bench_u(i, 32) < 0.03 THEN age * (0.3 + 0.65 * bench_u(i, 42))
                               WHEN d2 > age THEN d2
                               ELSE age + 600 + bench_u(i, 42) * d2 END) AS due2,
       to_timestamp(rcv + CASE WHEN met3 THEN d3
                               WHEN bench_u(i, 33) < 0.03 THEN age * (0.3 + 0.65 * bench_u(i, 43))
                               WHEN d3 > age THEN d3
                               ELSE age + 600 + bench_u(i, 43) * d3 END) AS due3,
       CASE WHEN met1 THEN to_timestamp(rcv + o1) END AS met1,
       CASE WHEN met2 THEN to_timestamp(rcv + o2) END AS met2,
       CASE WHEN met3 THEN to_timestamp(rcv + o3) END AS met3,
       CASE WHEN met1 THEN ws1::bigint END AS ws1,
       CASE WHEN met2 THEN ws2::bigint END AS ws2,
       CASE WHEN met3 THEN ws3::bigint END AS ws3
FROM f JOIN channel ch ON ch.name = f.channel;

INSERT INTO complaint (id, number, channel, external_id, state, received_at, created_at,
                       state_since, category, complaint_type, urgency, region, lead_department,
                       duplicate_of, replied_at, returns, extensions, sign_for_work_seconds,
                       close_work_seconds, closed_on_time)
OVERRIDING SYSTEM VALUE
SELECT i, prefix || '-' || to_char(day, 'YYYYMMDD') || '-' || lpad(seq::text, 6, '0'), channel,
       external_id, state, received_at, created_at, state_since, category, type, urgency, region,
       lead, master,
       CASE WHEN state IN ('responded', 'closed') THEN met2 END,
       (NOT merged AND bench_u(i, 80) < 0.02)::int, extended::int, ws1, ws3,
       CASE WHEN met3 IS NOT NULL THEN met3 <= due3 END
FROM g ORDER BY i;

-- The day counters intake would have left, so that numbers issued later do not collide.
INSERT INTO number_counter AS nc (prefix, day, last_value)
SELECT prefix, day, max(seq) FROM g GROUP BY prefix, day
ON CONFLICT (prefix, day) DO UPDATE SET last_value = greatest(nc.last_value, excluded.last_value);

-- Reminders at 75% of the time and overdue flags at the deadline, as the watch raises them:
-- for a met stage when it was met after them; for one not met, most of those whose time has
-- come (the rest are what deadline_sweep still finds).
INSERT INTO complaint_deadline (complaint_id, stage, due_at, policy_id, met_at, started_at,
                                remind_at, reminded_at, overdue_at, work_seconds)
SELECT g.i, s.stage, s.due, g.policy, s.met, g.received_at, r.remind,
       CASE WHEN s.met IS NOT NULL THEN CASE WHEN s.met > r.remind THEN r.remind + interval '5 s' END
            WHEN r.overdue IS NOT NULL THEN least(r.remind + interval '5 s', r.overdue)
            WHEN r.remind <= to_timestamp(:t1) AND bench_u(g.i, 60 + s.k) >= 0.03
                 THEN least(r.remind + interval '5 s', to_timestamp(:t1)) END,
       CASE WHEN s.met IS NOT NULL THEN CASE WHEN s.met > s.due THEN s.due + interval '5 s' END
            ELSE r.overdue END,
       s.ws
FROM g
CROSS JOIN LATERAL (VALUES (1, 'sign_for', g.due1, g.met1, g.ws1),
                           (2, 'first_response', g.due2, g.met2, g.ws2),
                           (3, 'close', g.due3, g.met3, g.ws3)) AS s (k, stage, due, met, ws)
CROSS JOIN LATERAL (
    SELECT g.received_at + (s.due - g.received_at) * 0.75 AS remind,
           CASE WHEN s.met IS NULL AND s.due < to_timestamp(:t1) AND bench_u(g.i, 70 + s.k) >= 0.1
                THEN least(s.due + interval '5 s', to_timestamp(:t1)) END AS overdue) AS r
WHERE NOT g.merged
ORDER BY g.i, s.stage;

INSERT INTO complaint_reply (complaint_id, body, sent_via, department, actor, at)
SELECT i,
       (ARRAY['您反映的问题已转交相关科室现场核查处理，感谢您的监督。',
              '经核实，您反映的情况属实，已责令整改，整改完成后将回访。',
              '已电话联系您说明相关政策规定，如仍有疑问请再次来电。',
              '您咨询的事项请携带身份证件到市民中心相关窗口办理。',
              '经现场查看，未发现您反映的问题，我们将持续关注。',
              '已协调相关单位处理，预计一周内完成，届时将回访。'])[1 + floor(bench_u(i, 50) * 6)::int],
       CASE WHEN bench_u(i, 51) < 0.70 THEN 'phone' WHEN bench_u(i, 51) < 0.85 THEN 'sms'
            WHEN bench_u(i, 51) < 0.92 THEN 'wechat' WHEN bench_u(i, 51) < 0.95 THEN 'email'
            WHEN bench_u(i, 51) < 0.97 THEN 'letter' ELSE 'in_person' END,
       lead, 'suqiuctl', met2
FROM g WHERE state IN ('responded', 'closed') ORDER BY i;

-- 2%: handed back once by a department it was wrongly sent to (before the sign-for).
INSERT INTO complaint_return (complaint_id, department, rule_id, reason, actor, at)
SELECT g.i,
       CASE WHEN k.deps[1 + floor(bench_u(g.i, 81) * cardinality(k.deps))::int] = g.lead
            THEN k.deps[1 + (floor(bench_u(g.i, 81) * cardinality(k.deps))::int + 1)
                            % cardinality(k.deps)]
            ELSE k.deps[1 + floor(bench_u(g.i, 81) * cardinality(k.deps))::int] END,
       k.rules[1 + floor(bench_u(g.i, 82) * cardinality(k.rules))::int],
       (ARRAY['不属于本单位职责范围', '事发地不在本辖区', '应由属地街道（镇）先行处理'])
           [1 + floor(bench_u(g.i, 83) * 3)::int],
       'suqiuctl',
       g.received_at + (coalesce(g.met1, to_timestamp(:t1)) - g.received_at) * (0.2 + 0.6 * bench_u(g.i, 84))
FROM g CROSS JOIN (SELECT :'deps'::text[] AS deps, :'rules'::text[] AS rules) AS k
WHERE NOT g.merged AND bench_u(g.i, 80) < 0.02
ORDER BY g.i;

-- 1% of the closed ones: the close stage extended once, approved by a supervisor.
INSERT INTO complaint_extension (complaint_id, stage, within, reason, department, asked_by,
                                 asked_at, decision, decided_by, decided_at, decision_reason,
                                 due_before, due_after)
SELECT i, 'close', '5wd', '涉及多个部门，需协调后现场处理', lead, 'suqiuctl', x.asked, 'approved',
       'supervisor:' || (ARRAY['chen', 'li', 'wang'])[1 + floor(bench_u(i, 86) * 3)::int],
       x.asked + least(interval '2 hours', (met3 - x.asked) / 2), '同意延期',
       due3 - interval '7 days', due3
FROM g CROSS JOIN LATERAL (
    SELECT received_at + (met3 - received_at) * (0.3 + 0.3 * bench_u(i, 85)) AS asked) AS x
WHERE extended
ORDER BY i;

-- 0.5%: a finished pause while waiting for the citizen; a few open ones still paused.
INSERT INTO complaint_pause (complaint_id, reason, department, paused_by, started_at, resumed_by,
                             ended_at)
SELECT i, (ARRAY['联系不上诉求人', '等待诉求人补充材料'])[1 + floor(bench_u(i, 91) * 2)::int], lead,
       'suqiuctl', p.started,
       CASE WHEN p.finished THEN 'suqiuctl' END,
       CASE WHEN p.finished THEN p.started + (p.until - p.started) * (0.1 + 0.4 * bench_u(i, 92)) END
FROM g CROSS JOIN LATERAL (
    SELECT bench_u(i, 90) < 0.005 AS finished, coalesce(met3, to_timestamp(:t1)) AS until) AS u
CROSS JOIN LATERAL (
    SELECT u.finished, u.until,
           received_at + (u.until - received_at) * (0.1 + 0.3 * bench_u(i, 93)) AS started) AS p
WHERE NOT merged
  AND (p.finished OR (state NOT IN ('closed', 'merged') AND bench_u(i, 90) < 0.006))
ORDER BY i;

COMMIT;
