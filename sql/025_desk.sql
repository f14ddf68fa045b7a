-- 025_desk: the people who work the complaints (staff_user: hotline operators, department
-- dispatch desks, supervisors, admins), their sessions, and what each may see and change,
-- enforced here, not only in the desk's C:
--   * the desk process connects as the role suqiu_desk, which has no BYPASSRLS and no right to
--     write any table: it reads through row-level security, and it changes complaints only
--     through the desk_* functions below, each of which checks the acting user;
--   * the acting user is the one of a live session: the desk sets suqiu.session (the SHA-256 of
--     the session cookie) in each transaction with desk_begin(); nothing else names a user, so
--     a desk that is not given a valid session token sees nothing and can do nothing;
--   * a reporter's name and phone on a 举报 are masked unless the reporter consented; a
--     supervisor may unmask one, and each unmasking is an event.
-- The hub's own processes connect as the tables' owner and are not limited by any of it.

CREATE TABLE staff_user (
    id            int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login         text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9_.-]{1,31}$'),
    display_name  text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 64),
    role          text NOT NULL CHECK (role IN ('admin', 'operator', 'supervisor', 'department')),
    department    text REFERENCES department (id),
    password_hash text NOT NULL,            -- argon2id, as libsodium's crypto_pwhash_str writes it
    failed_logins int NOT NULL DEFAULT 0,
    locked_until  timestamptz,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'department') = (department IS NOT NULL))
);

CREATE TABLE staff_session (
    token_hash text PRIMARY KEY,             -- hex SHA-256 of the cookie's value; the value is never kept
    user_id    int NOT NULL REFERENCES staff_user (id),
    csrf       text NOT NULL,                -- the token state-changing requests must carry
    client     text,
    created_at timestamptz NOT NULL DEFAULT now(),
    seen_at    timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL          -- absolute; an idle session ends sooner (desk_begin)
);
CREATE INDEX staff_session_by_user ON staff_session (user_id);

-- What co-handlers (协办) contribute, and returns (退单) waiting for a supervisor's review.
CREATE TABLE complaint_co_opinion (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id bigint NOT NULL REFERENCES complaint (id),
    department   text NOT NULL REFERENCES department (id),
    body         text NOT NULL CHECK (length(btrim(body)) > 0),
    actor        text NOT NULL,
    at           timestamptz NOT NULL DEFAULT suqiu_now()
);
CREATE INDEX complaint_co_opinion_by_complaint ON complaint_co_opinion (complaint_id);

CREATE TABLE complaint_return_request (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id    bigint NOT NULL REFERENCES complaint (id),
    department      text NOT NULL REFERENCES department (id),
    reason          text NOT NULL CHECK (length(btrim(reason)) > 0),
    asked_by        text NOT NULL,
    asked_at        timestamptz NOT NULL DEFAULT suqiu_now(),
    decision        text CHECK (decision IN ('approved', 'refused')),
    decided_by      text,
    decided_at      timestamptz,
    decision_reason text
);
CREATE UNIQUE INDEX complaint_return_request_one_waiting ON complaint_return_request (complaint_id)
    WHERE decision IS NULL;

-- The satisfaction call-back (回访).
CREATE TABLE complaint_callback (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id bigint NOT NULL REFERENCES complaint (id),
    satisfaction text NOT NULL CHECK (satisfaction IN ('satisfied', 'basically', 'dissatisfied')),
    note         text,
    reopened     boolean NOT NULL DEFAULT false,
    actor        text NOT NULL,
    at           timestamptz NOT NULL DEFAULT suqiu_now()
);
CREATE INDEX complaint_callback_by_complaint ON complaint_callback (complaint_id);

-- --------------------------------------------------------------------------------------
-- Users and sessions (called by suqiuctl as the owner, and by the desk)

-- Add a user, or replace the password, name and role of one.  Returns its id.
CREATE FUNCTION staff_user_put(p_login text, p_name text, p_role text, p_department text,
                               p_hash text)
RETURNS int LANGUAGE sql AS $$
    INSERT INTO staff_user (login, display_name, role, department, password_hash)
        VALUES (p_login, p_name, p_role, p_department, p_hash)
    ON CONFLICT (login) DO UPDATE SET display_name = excluded.display_name,
        role = excluded.role, department = excluded.department,
        password_hash = excluded.password_hash, failed_logins = 0, locked_until = NULL
    RETURNING id
$$;

-- A login's id, hash and whether it may log in now: what the desk needs to check a password.
CREATE FUNCTION desk_login_find(p_login text)
RETURNS TABLE (id int, password_hash text, locked_until timestamptz, disabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT u.id, u.password_hash, u.locked_until, u.disabled FROM staff_user u WHERE u.login = p_login
$$;

-- A wrong password: the fifth in a row locks the account for p_lock_minutes.  Returns the
-- time it is locked until, or NULL.
CREATE FUNCTION desk_login_failed(p_id int, p_lock_minutes int)
RETURNS timestamptz LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_until timestamptz;
BEGIN
    UPDATE staff_user SET failed_logins = failed_logins + 1 WHERE id = p_id;
    UPDATE staff_user SET locked_until = now() + make_interval(mins => p_lock_minutes),
                          failed_logins = 0
        WHERE id = p_id AND failed_logins >= 5
        RETURNING locked_until INTO v_until;
    RETURN v_until;
END $$;

-- A right password: a new session.  Returns the user as JSON.
CREATE FUNCTION desk_login_succeeded(p_id int, p_token_hash text, p_csrf text, p_client text,
                                     p_hours int)
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    UPDATE staff_user SET failed_logins = 0, locked_until = NULL WHERE id = p_id;
    DELETE FROM staff_session WHERE user_id = p_id AND expires_at < now();
    INSERT INTO staff_session (token_hash, user_id, csrf, client, expires_at)
        VALUES (p_token_hash, p_id, p_csrf, p_client, now() + make_interval(hours => p_hours));
    RETURN (SELECT jsonb_build_object('id', u.id, 'login', u.login, 'name', u.display_name,
                                      'role', u.role, 'department', u.department,
                                      'department_name', d.name)
            FROM staff_user u LEFT JOIN department d ON d.id = u.department WHERE u.id = p_id);
END $$;

CREATE FUNCTION desk_logout(p_token_hash text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    DELETE FROM staff_session WHERE token_hash = p_token_hash
$$;

-- Start a request's transaction as the session's user: checks the session (not expired, not
-- idle longer than p_idle_minutes, its user not disabled), marks it seen, and sets
-- suqiu.session for the rest of the transaction.  Returns the user with the session's CSRF
-- token as JSON, or NULL when there is no such live session.
CREATE FUNCTION desk_begin(p_token_hash text, p_idle_minutes int)
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_user jsonb;
BEGIN
    UPDATE staff_session s SET seen_at = now()
        FROM staff_user u
        WHERE s.token_hash = p_token_hash AND u.id = s.user_id AND NOT u.disabled
          AND s.expires_at > now() AND s.seen_at > now() - make_interval(mins => p_idle_minutes);
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('suqiu.session', p_token_hash, true);
    SELECT jsonb_build_object('id', u.id, 'login', u.login, 'name', u.display_name, 'role', u.role,
                              'department', u.department, 'department_name', d.name,
                              'csrf', s.csrf)
        INTO v_user
        FROM staff_session s JOIN staff_user u ON u.id = s.user_id
        LEFT JOIN department d ON d.id = u.department
        WHERE s.token_hash = p_token_hash;
    RETURN v_user;
END $$;

-- The acting user of this transaction (its session's), or no row.
CREATE FUNCTION desk_user()
RETURNS TABLE (id int, login text, role text, department text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT u.id, u.login, u.role, u.department
    FROM staff_session s JOIN staff_user u ON u.id = s.user_id
    WHERE s.token_hash = current_setting('suqiu.session', true)
      AND s.expires_at > now() AND NOT u.disabled
$$;

-- May the acting user see a complaint with this lead and these co-handlers?  Departments see
-- theirs (lead or co-handler); operators, supervisors and admins see all.
CREATE FUNCTION desk_may_see(p_lead text, p_co text[]) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT coalesce((SELECT CASE u.role WHEN 'department'
                                        THEN u.department = p_lead OR u.department = ANY (p_co)
                                        ELSE true END
                     FROM desk_user() u), false)
$$;

-- Check that the acting user may do p_action to the complaint p_id, and raise when not.  A
-- session that is not the desk's (the hub's workers, suqiuctl) passes: they act as the owner.
--   lead      the lead department's own work: sign, reply, extend, pause, note, return, close
--   co        a co-handler's opinion
--   supervise decide extensions and returns, re-dispatch, urge, triage, unmask
--   callback  the satisfaction call-back (operators and supervisors)
--   deadline  move a deadline, after one of the above (anyone but another department)
CREATE FUNCTION desk_guard(p_id bigint, p_action text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_user record;
    v_lead text;
    v_co text[];
    v_ok boolean;
BEGIN
    IF session_user <> 'suqiu_desk' THEN
        RETURN;
    END IF;
    SELECT * INTO v_user FROM desk_user();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user is logged in' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT lead_department, co_departments INTO v_lead, v_co FROM complaint WHERE id = p_id;
    v_ok := CASE p_action
        WHEN 'lead' THEN v_user.role = 'department' AND v_user.department = v_lead
        WHEN 'co' THEN v_user.role = 'department' AND v_user.department = ANY (v_co)
        WHEN 'supervise' THEN v_user.role IN ('supervisor', 'admin')
        WHEN 'callback' THEN v_user.role IN ('operator', 'supervisor', 'admin')
        WHEN 'deadline' THEN v_user.role <> 'department' OR v_user.department = v_lead
        ELSE false END;
    IF NOT coalesce(v_ok, false) THEN
        RAISE EXCEPTION '% may not do that (%) to this complaint', v_user.login, p_action
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

-- --------------------------------------------------------------------------------------
-- The desk's role: reads through row-level security, writes only through desk_* functions

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'suqiu_desk') THEN
        CREATE ROLE suqiu_desk LOGIN NOBYPASSRLS;
    END IF;
END $$;

ALTER TABLE complaint ENABLE ROW LEVEL SECURITY;
ALTER TABLE complaint_detail ENABLE ROW LEVEL SECURITY;
ALTER TABLE complaint_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE complaint_reply ENABLE ROW LEVEL SECURITY;
ALTER TABLE complaint_deadline ENABLE ROW LEVEL SECURITY;
ALTER TABLE complaint_extension ENABLE ROW LEVEL SECURITY;
ALTER TABLE complaint_pause ENABLE ROW LEVEL SECURITY;
ALTER TABLE complaint_return ENABLE ROW LEVEL SECURITY;
ALTER TABLE complaint_co_opinion ENABLE ROW LEVEL SECURITY;
ALTER TABLE complaint_return_request ENABLE ROW LEVEL SECURITY;
ALTER TABLE complaint_callback ENABLE ROW LEVEL SECURITY;

CREATE POLICY desk_sees ON complaint FOR SELECT TO suqiu_desk
    USING (desk_may_see(lead_department, co_departments));
-- The others follow the complaint: a row is visible when its complaint is (the subquery on
-- complaint is itself filtered by the policy above).
CREATE POLICY desk_sees ON complaint_detail FOR SELECT TO suqiu_desk
    USING (EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));
CREATE POLICY desk_sees ON complaint_event FOR SELECT TO suqiu_desk
    USING (EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));
CREATE POLICY desk_sees ON complaint_reply FOR SELECT TO suqiu_desk
    USING (EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));
CREATE POLICY desk_sees ON complaint_deadline FOR SELECT TO suqiu_desk
    USING (EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));
CREATE POLICY desk_sees ON complaint_extension FOR SELECT TO suqiu_desk
    USING (EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));
CREATE POLICY desk_sees ON complaint_pause FOR SELECT TO suqiu_desk
    USING (EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));
CREATE POLICY desk_sees ON complaint_return FOR SELECT TO suqiu_desk
    USING (EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));
CREATE POLICY desk_sees ON complaint_co_opinion FOR SELECT TO suqiu_desk
    USING (EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));
CREATE POLICY desk_sees ON complaint_return_request FOR SELECT TO suqiu_desk
    USING (EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));
CREATE POLICY desk_sees ON complaint_callback FOR SELECT TO suqiu_desk
    USING (EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id));

-- Views read with the reader's rights, so that row-level security applies to them too.
ALTER VIEW overdue_now SET (security_invoker = true);
ALTER VIEW complaint_measure SET (security_invoker = true);
ALTER VIEW complaint_stats_monthly SET (security_invoker = true);
ALTER VIEW repeat_suggestions SET (security_invoker = true);
ALTER VIEW route_rule_returns SET (security_invoker = true);

GRANT SELECT ON complaint, complaint_event, complaint_reply, complaint_deadline,
    complaint_extension, complaint_pause, complaint_return, complaint_co_opinion,
    complaint_return_request, complaint_callback, department, category, region, channel,
    complaint_state, overdue_now, complaint_measure, complaint_stats_monthly, repeat_suggestions,
    route_rule_returns TO suqiu_desk;
-- Not the reporter's name and phone: desk_person() gives them, masked where it must.
GRANT SELECT (complaint_id, address, region, title, content, operator_id) ON complaint_detail
    TO suqiu_desk;

-- The deadline work that follows a change (lib/sq_deadline, run by the desk in the same
-- transaction as the change) writes as the owner; a trigger on complaint_deadline guards every
-- write made for a desk session, whichever function makes it.
ALTER FUNCTION complaint_deadline_move(bigint, text, timestamptz, timestamptz, text, text)
    SECURITY DEFINER SET search_path = public;
ALTER FUNCTION complaint_deadline_work(bigint, text, bigint) SECURITY DEFINER SET search_path = public;

CREATE FUNCTION desk_deadline_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM desk_guard(NEW.complaint_id, 'deadline');
    RETURN NEW;
END $$;
CREATE TRIGGER desk_deadline_guard BEFORE INSERT OR UPDATE ON complaint_deadline
    FOR EACH ROW EXECUTE FUNCTION desk_deadline_guard();
