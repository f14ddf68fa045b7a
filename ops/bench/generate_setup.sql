-- ops/bench_deadlines.sh, before the complaints: the catalogue the generated complaints name,
-- the generator's helper and the marker that says what the database holds.  Run by psql on a
-- freshly migrated database, with -v departments, categories and regions: lines of three
-- tab-separated fields read from config/*.yaml (at run time the workers' catalogue sync fills
-- these tables).
\set ON_ERROR_STOP on

INSERT INTO department (id, name, kind)
SELECT f[1], f[2], f[3] FROM regexp_split_to_table(:'departments', E'\n') AS line,
     string_to_array(line, E'\t') AS f WHERE line <> '';
INSERT INTO category (id, name, category_group)
SELECT f[1], f[2], f[3] FROM regexp_split_to_table(:'categories', E'\n') AS line,
     string_to_array(line, E'\t') AS f WHERE line <> '';
INSERT INTO region (id, name, government)
SELECT f[1], f[2], f[3] FROM regexp_split_to_table(:'regions', E'\n') AS line,
     string_to_array(line, E'\t') AS f WHERE line <> '';

-- A uniform number in [0, 1) drawn from (i, salt): the same complaint gets the same facts
-- each time it is generated, and a later step can draw again what an earlier one drew.
CREATE FUNCTION bench_u(i bigint, salt int) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (hashint8extended(i, salt) & 4503599627370495)::double precision / 4503599627370496
$$;

-- Written last, once everything is loaded and vacuumed: a database without its row is
-- regenerated.  schema and generator: file names and md5 sums of sql/*.sql (the migrations
-- it was generated with; later ones are applied to it) and of the generator (a change
-- regenerates).  generated_at is the hub's clock for
-- the timed queries (suqiu.now), so that what is overdue stays the same run after run.
CREATE TABLE bench_marker (
    complaints         bigint NOT NULL,
    schema             text NOT NULL,
    generator          text NOT NULL,
    generated_at       timestamptz NOT NULL,
    generation_seconds int NOT NULL,
    biggest_department text NOT NULL
);
