-- pgbench script for `make bench`: the baseline, one plain single-row INSERT per transaction
-- into the same complaint table that intake writes.
INSERT INTO complaint (number, channel, external_id, state, received_at)
VALUES ('WEB-20000101-' || nextval('bench_baseline_seq'), 'web',
        'BASE-' || currval('bench_baseline_seq'), 'received', now());
