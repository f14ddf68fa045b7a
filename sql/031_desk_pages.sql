-- 031_desk_pages: what the desks' pages need beyond 025-028.
--  * 改派 after an approved return: the return sends the complaint back to routing, which puts
--    it in triage when every rule's lead has handed it back; a supervisor then re-dispatches
--    it to the department they choose, as from any other handling state.
--  * The audit trail names the address a person acted from: every event a desk session writes
--    carries the session's client address (detail.client), whichever desk_* function writes it.

CREATE OR REPLACE FUNCTION desk_redispatch(p_number text, p_lead text, p_co text[], p_reason text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_id bigint := desk_find(p_number);
    v complaint%ROWTYPE;
BEGIN
    IF v_id IS NULL THEN RETURN 'no such work order'; END IF;
    PERFORM desk_guard(v_id, 'supervise');
    IF NOT EXISTS (SELECT 1 FROM department WHERE id = p_lead) THEN RETURN 'no such department'; END IF;
    IF EXISTS (SELECT 1 FROM unnest(coalesce(p_co, '{}')) co WHERE co NOT IN (SELECT id FROM department)
               OR co = p_lead) THEN
        RETURN 'a co-handler is no department, or is the lead';
    END IF;
    SELECT * INTO v FROM complaint WHERE id = v_id FOR UPDATE;
    IF v.state NOT IN ('classified', 'triage', 'dispatched', 'signed_for') THEN
        RETURN 'it is ' || v.state || ': only a classified, triaged, dispatched or signed-for complaint is re-dispatched';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM complaint_deadline WHERE complaint_id = v_id) THEN
        RETURN 'it has never been dispatched: classify it in triage first';
    END IF;
    IF v.state <> 'classified' THEN
        UPDATE complaint SET lead_department = NULL, co_departments = '{}' WHERE id = v_id;
        PERFORM complaint_set_state(v_id, 'classified', desk_actor(),
                                    jsonb_build_object('redispatching', true, 'from', v.lead_department));
    END IF;
    PERFORM complaint_deadline_restart(v_id, 'sign_for');
    PERFORM complaint_assign(v_id, p_lead, p_co, desk_actor(),
                             jsonb_build_object('redispatched', true, 'reason', p_reason,
                                                'from', v.lead_department));
    RETURN NULL;
END $$;

-- The session's client address on the events a desk user's request writes.
CREATE FUNCTION desk_event_client() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_client text;
BEGIN
    IF NEW.actor LIKE 'user:%' AND coalesce(current_setting('suqiu.session', true), '') <> '' THEN
        SELECT s.client INTO v_client FROM staff_session s
            WHERE s.token_hash = current_setting('suqiu.session', true);
        IF v_client IS NOT NULL THEN
            NEW.detail := coalesce(NEW.detail, '{}'::jsonb) || jsonb_build_object('client', v_client);
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER desk_event_client BEFORE INSERT ON complaint_event
    FOR EACH ROW EXECUTE FUNCTION desk_event_client();

-- The functions that run as the owner are the desk's alone (and the owner's), as in 026;
-- each later migration that adds some calls this again.
CREATE FUNCTION desk_grant_definers() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_function regprocedure;
BEGIN
    FOR v_function IN
        SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prosecdef
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_function);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO suqiu_desk', v_function);
    END LOOP;
END $$;
SELECT desk_grant_definers();
