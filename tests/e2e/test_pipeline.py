"""The whole pipeline in batches (issue 13): many varied complaints through intake,
classification, routing and deadlines all end dispatched, in triage or merged, each decided
once, many per transaction; and a classify/route worker killed in the middle of a batch (its
transaction open, complaints claimed) loses nothing and duplicates nothing: the batch is let go
and the next claim takes it again.
"""
import json
import os
import subprocess
import threading
import time
import unittest

import harness

GENERATOR = os.path.join(harness.ROOT, "ops", "bench", "pipeline_orders.py")


def lit(text):
    return harness.quote_literal(text)


def varied_orders(count, seed):
    """count hotline orders with varied real texts (the bench's generator), each its key."""
    out = subprocess.run(["/usr/bin/python3", GENERATOR, str(count), "--seed", str(seed)],
                         capture_output=True, text=True, check=True).stdout
    orders = []
    for i, line in enumerate(out.splitlines()):
        body = json.loads(line)
        body["external_id"] = harness.unique_id("PIPE%d" % i)
        body["received_at"] = harness.now_shanghai()
        orders.append(body)
    return orders


class PipelineTests(unittest.TestCase):
    maxDiff = None

    def wait_processed(self, hub, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = int(hub.sql_value(
                "SELECT count(*) FROM complaint WHERE state IN ('received', 'classified')"))
            if left == 0:
                return
            self.assertLess(time.monotonic(), deadline, "%d complaints still to classify or route" % left)
            time.sleep(0.2)

    def assert_each_decided_once(self, hub, expected):
        """Every complaint dispatched, in triage or merged; one classification each, and one
        routing with its three deadlines for those not merged; a merge into one not merged."""
        rows = hub.sql("""
            SELECT c.state,
                   (SELECT count(*) FROM complaint_event e WHERE e.complaint_id = c.id AND e.to_state = 'classified'),
                   (SELECT count(*) FROM complaint_event e WHERE e.complaint_id = c.id
                        AND e.to_state IN ('dispatched', 'triage')),
                   (SELECT count(*) FROM complaint_event e WHERE e.complaint_id = c.id AND e.kind = 'deadlines'),
                   (SELECT count(*) FROM complaint_deadline d WHERE d.complaint_id = c.id),
                   (SELECT count(*) FROM complaint_fingerprint f WHERE f.complaint_id = c.id),
                   coalesce((SELECT m.state FROM complaint m WHERE m.id = c.duplicate_of), '')
            FROM complaint c""")
        self.assertEqual(len(rows), expected)
        for state, classified, routed, deadline_events, deadlines, prints, master in rows:
            self.assertIn(state, ("dispatched", "triage", "merged"))
            self.assertEqual((classified, prints), ("1", "1"), rows[:3])
            if state == "merged":
                self.assertEqual((routed, deadlines), ("0", "0"))
                self.assertNotIn(master, ("", "merged"))
            else:
                self.assertEqual((routed, deadline_events, deadlines), ("1", "1", "3"))

    def test_many_varied_complaints_all_end_dispatched_or_in_triage_with_deadlines(self):
        with harness.Hub(workers=2, name="pipeline", overrides={
                "worker": {"services": harness.ALL_SERVICES}}) as hub:
            orders = varied_orders(400, seed=1)
            failures = []

            def send(part):
                for body in part:
                    status, number, _ = hub.submit(body)
                    if status not in (200, 201):
                        failures.append((body["external_id"], status))

            threads = [threading.Thread(target=send, args=(orders[i::8],)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(failures, [])
            self.wait_processed(hub, 90)
            self.assert_each_decided_once(hub, len(orders))
            # Group commit: some transaction decided several complaints.
            most = int(hub.sql_value(
                "SELECT max(n) FROM (SELECT count(*) AS n FROM complaint_event"
                " WHERE to_state = 'classified' GROUP BY xmin::text) t"))
            self.assertGreater(most, 1)
            # What one complaint at a time recorded is recorded: the explanation, its actor.
            detail = json.loads(hub.sql_value(
                "SELECT detail::text FROM complaint_event WHERE to_state = 'classified' LIMIT 1"))
            for key in ("category", "type", "urgency", "region", "lead", "low_confidence", "repeat"):
                self.assertIn(key, detail)
            actors = {a for (a,) in hub.sql(
                "SELECT DISTINCT actor FROM complaint_event WHERE to_state <> 'received'")}
            self.assertEqual(actors, {"suqiu.classify", "suqiu.route"})

    def test_a_stage_worker_killed_in_the_middle_of_a_batch_loses_and_duplicates_nothing(self):
        with harness.Hub(workers=1, name="pipeline-kill", overrides={
                "worker": {"services": "suqiu.intake,suqiu.lookup,suqiu.classify,suqiu.route",
                           "batch_max": 64}}) as hub:
            # Committed as intake commits them, without hand-offs: the stages find them by
            # their claims alone (once a tick), so nothing but the database drives them.
            orders = varied_orders(600, seed=2)
            envelopes = [{"channel": "hotline12345", "external_id": o["external_id"],
                          "received_at": o["received_at"], "title": o["title"],
                          "content": o["content"], "phone": o["phone"],
                          "address": o.get("address")} for o in orders]
            for start in range(0, len(envelopes), 25):   # psql -c takes one argument
                hub.sql("SELECT count(*) FROM intake_batch(%s::jsonb, 'test')"
                        % lit(json.dumps(envelopes[start:start + 25], ensure_ascii=False)))
            kills = 0
            deadline = time.monotonic() + 60
            while kills < 3 and time.monotonic() < deadline:
                # A worker in the middle of a batch: its transaction holds claimed complaints.
                busy = hub.sql(
                    "SELECT query FROM pg_stat_activity WHERE application_name = 'suqiu-worker'"
                    " AND backend_xid IS NOT NULL AND (query LIKE '%claim%' OR query LIKE '%batch%')")
                if not busy:
                    time.sleep(0.005)
                    continue
                hub.kill_worker(len(hub.workers) - 1)
                kills += 1
                hub.start_worker()
            self.assertGreaterEqual(kills, 3, "never saw a worker in the middle of a batch")
            self.wait_processed(hub, 90)
            self.assert_each_decided_once(hub, len(orders))


if __name__ == "__main__":
    unittest.main(verbosity=2)
