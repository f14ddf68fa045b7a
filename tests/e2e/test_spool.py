"""The spool: what an adapter accepted while the hub could not commit it is kept on the
adapter's disk (answered 202 with a receipt), replayed in order once the hub answers again,
and committed exactly once; a receipt then resolves to its number.  Tried as it happens: the
broker stopped during a stream, the database refusing during a stream, the adapter killed with
work in its spool, and a spool that cannot write (the adapter answers 503, never 202)."""
import glob
import json
import os
import subprocess
import threading
import time

import harness
from test_spine import HubTestCase, NUMBER_12345


class SpoolTest(HubTestCase):

    def stream(self, hub, prefix, count, pause=0.02):
        """POST count orders from 4 threads; returns {external_id: (status, answer)} of the first
        answer each got (no retry: a 202 is an answer)."""
        bodies = [harness.order("%s-%03d" % (prefix, i)) for i in range(count)]
        first = {}

        def run(part):
            for body in part:
                try:
                    first[body["external_id"]] = hub.post(body, timeout=30)
                except OSError as error:
                    first[body["external_id"]] = (None, str(error))
                time.sleep(pause)

        threads = [threading.Thread(target=run, args=(bodies[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        return threads, first

    def resolve_all(self, hub, keys, deadline_s=30):
        """{key: number} through the lookup by key, waiting while the spool replays."""
        numbers = {}
        deadline = time.monotonic() + deadline_s
        while len(numbers) < len(keys) and time.monotonic() < deadline:
            for key in keys:
                if key in numbers:
                    continue
                status, answer = hub.get("/v1/workorders?channel=hotline12345&external_id=" + key)
                if status == 200:
                    numbers[key] = answer["number"]
                else:
                    self.assertIn(status, (202, 404, 503), answer)
            time.sleep(0.2)
        return numbers

    def assert_each_once(self, hub, numbers):
        rows = self.rows_for(hub, list(numbers))
        self.assertEqual({k: v for k, v in rows.items()}, {k: [n] for k, n in numbers.items()})

    def test_broker_stopped_during_a_stream(self):
        hub = self.start_hub(workers=1)
        # a stream of about 3 s, so that the kill at 0.5 s lands in it however fast the hub is
        threads, first = self.stream(hub, harness.unique_id("SPBRK"), 60, pause=0.2)
        time.sleep(0.5)
        hub.kill_broker()
        time.sleep(4.0)      # longer than the hotline's 3 attempts of 1 s: orders are spooled
        hub.start_broker()
        for t in threads:
            t.join(60)
        statuses = sorted({status for status, _ in first.values()})
        self.assertIn(202, statuses, first)
        self.assertTrue(set(statuses) <= {200, 201, 202}, first)
        for status, answer in first.values():
            if status == 202:
                self.assertEqual(answer["status"], "spooled")
                self.assertTrue(answer["lookup"].startswith("/v1/workorders?channel=hotline12345"))
        numbers = self.resolve_all(hub, list(first))
        self.assertEqual(len(numbers), len(first), "receipts that never resolved")
        for key, (status, answer) in first.items():
            if status in (200, 201):
                self.assertEqual(numbers[key], answer["number"])
            self.assertRegex(numbers[key], NUMBER_12345)
        self.assert_each_once(hub, numbers)

    def test_database_refusing_during_a_stream_then_the_adapter_killed(self):
        hub = self.start_hub(workers=1)
        self.assertEqual(hub.post(harness.order())[0], 201)
        hub.refuse_connections()
        try:
            threads, first = self.stream(hub, harness.unique_id("SPDB"), 20)
            for t in threads:
                t.join(60)
            self.assertEqual(sorted({s for s, _ in first.values()}), [202], first)
            # The adapter dies with the orders in its spool, and starts again.
            hub.kill_hotline()
            hub.start_hotline()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    status, _ = hub.get("/v1/health", timeout=5)
                    break
                except OSError:
                    time.sleep(0.1)
            key = sorted(first)[0]
            status, answer = hub.get("/v1/workorders?channel=hotline12345&external_id=" + key)
            self.assertEqual((status, answer["status"]), (202, "spooled"), answer)
            # Operators see it with suqiuctl spool: the channel, 20 waiting, the owner running.
            time.sleep(0.5)
            listing = hub.ctl("spool")
            self.assertEqual(listing.returncode, 0, listing.stderr)
            self.assertRegex(listing.stdout, r"(?m)^hotline12345 +20 +\d+s +SPDB-\S+ +%d \(running\)"
                             % hub.hotline.pid)
            self.assertIn("20 work order(s) wait", listing.stdout)
        finally:
            hub.allow_connections()
        numbers = self.resolve_all(hub, list(first))
        self.assertEqual(len(numbers), len(first), "receipts that never resolved")
        self.assert_each_once(hub, numbers)
        # Replayed in order: the numbers follow the order in which the spool took them.
        spooled = [json.loads(line) for line in self.spool_records(hub) if '"kind":"item"' in line]
        order = [r["receipt"] for r in spooled]
        self.assertEqual(sorted(order, key=lambda k: numbers[k]), order)

    def spool_records(self, hub):
        """The JSON of every record in the hotline12345 spool's journal files (as text)."""
        lines = []
        for path in sorted(glob.glob(os.path.join(hub.spool_dir, "hotline12345", "*.spool"))):
            with open(path, "rb") as f:
                data = f.read()
            at = 0
            while at + 12 <= len(data):
                length = int.from_bytes(data[at + 4:at + 8], "big")
                lines.append(data[at + 12:at + 12 + length].decode("utf-8"))
                at += 12 + length
        return lines

    def test_a_spool_that_cannot_write_answers_503(self):
        hub = self.start_hub(workers=1)
        self.assertEqual(hub.post(harness.order())[0], 201)
        # The hotline again, with files limited to 2 KB: its journal fills after a few orders.
        hub.kill_hotline()
        hub.start_hotline(wrapper=["prlimit", "--fsize=2048", "--"])
        hub.wait_healthy(15)
        hub.refuse_connections()
        answers = {}
        try:
            for i in range(12):
                body = harness.order(harness.unique_id("SPFULL"))
                answers[body["external_id"]] = hub.post(body)
        finally:
            hub.allow_connections()
        statuses = [status for status, _ in answers.values()]
        self.assertIn(202, statuses)
        self.assertIn(503, statuses)
        self.assertEqual(set(statuses), {202, 503}, answers)
        # Once refused, every later one is refused too, with a reason; none says "received".
        first_refusal = statuses.index(503)
        self.assertEqual(set(statuses[first_refusal:]), {503})
        for status, answer in answers.values():
            if status == 503:
                self.assertIn("spool could not keep it", answer["error"])
        kept = [k for k, (s, _) in answers.items() if s == 202]
        numbers = self.resolve_all(hub, kept)
        self.assertEqual(sorted(numbers), sorted(kept))
        self.assert_each_once(hub, numbers)
        log = hub.log_text("hotline")
        self.assertIn("File too large", log)
