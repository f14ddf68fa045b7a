-- 034_config_reload: an admin reloads the city's YAML configuration (the catalogue, the
-- routing matrix, the classification rules, the calendar and SLA policies) from the desk once
-- it has been checked: each reload is a row here, with who asked, and the workers, which look
-- at config_generation() on every tick, read the files again when it has grown.

CREATE TABLE config_reload (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asked_by text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION config_generation() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce(max(id), 0) FROM config_reload
$$;

-- The admin's reload: the new generation, or an error for anyone else.
CREATE FUNCTION desk_config_reload() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM desk_user() u WHERE u.role = 'admin') THEN
        RAISE EXCEPTION 'may not do that: only an admin reloads the configuration';
    END IF;
    INSERT INTO config_reload (asked_by) VALUES (desk_actor()) RETURNING id INTO v_id;
    RETURN v_id;
END $$;

SELECT desk_grant_definers();   -- the desk's alone, as in 031
