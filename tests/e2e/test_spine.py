"""End-to-end tests of suqiu's spine: hotline -> broker -> worker -> PostgreSQL, with the
real programs on free ports and a fresh database per hub (see harness.py).

Tests that only read and add complaints share one hub (SharedHubTests); tests that
break something (a killed worker, a crashed broker, a database that refuses the worker)
each start their own.
"""
import json
import os
import re
import signal
import threading
import time
import unittest
import urllib.parse

import harness
import mdp

NUMBER_12345 = re.compile(r"^12345-\d{8}-\d{6}$")
NUMBER_12315 = re.compile(r"^12315-\d{8}-\d{6}$")


def lit(text):
    return harness.quote_literal(text)


class HubTestCase(unittest.TestCase):
    """Helpers for tests that run a hub."""

    maxDiff = None

    def start_hub(self, **options):
        """A hub for this test alone, stopped (and checked for sanitizer reports) at its end."""
        hub = harness.Hub(name=self._testMethodName, **options).start()
        self.addCleanup(self._stop_hub, hub)
        return hub

    def _stop_hub(self, hub):
        hub.stop()
        self.assertEqual(hub.sanitizer_reports(), [], "sanitizer reports; logs in " + hub.dir)

    def rows_for(self, hub, external_ids, channel="hotline12345"):
        """{external_id: [numbers]} for the given keys, straight from PostgreSQL."""
        found = {}
        keys = ",".join(lit(k) for k in external_ids)
        for external_id, number in hub.sql(
                "SELECT external_id, number FROM complaint WHERE channel = %s AND external_id IN (%s)"
                % (lit(channel), keys)):
            found.setdefault(external_id, []).append(number)
        return found

    def assert_exactly_once(self, hub, answers):
        """answers: {external_id: number the client got}.  Every key has exactly one row,
        with that number; numbers are unique; each complaint has one 'received' event."""
        got_nothing = sorted(k for k, n in answers.items() if not n)
        self.assertEqual(got_nothing, [], "clients that never got a number")
        rows = self.rows_for(hub, list(answers))
        missing = sorted(set(answers) - set(rows))
        self.assertEqual(missing, [], "keys acknowledged but not in PostgreSQL")
        doubled = {k: v for k, v in rows.items() if len(v) != 1}
        self.assertEqual(doubled, {}, "keys with more than one row")
        differ = {k: (n, rows[k][0]) for k, n in answers.items() if rows[k][0] != n}
        self.assertEqual(differ, {}, "numbers the clients got differ from the database's")
        self.assertEqual(hub.sql("SELECT number, count(*) FROM complaint GROUP BY number "
                                 "HAVING count(*) > 1"), [], "duplicate work-order numbers")
        self.assertEqual(hub.sql(
            "SELECT c.number, count(e.id) FROM complaint c LEFT JOIN complaint_event e "
            "ON e.complaint_id = c.id AND e.kind = 'received' GROUP BY c.number "
            "HAVING count(e.id) <> 1"), [], "complaints without exactly one 'received' event")

    def stream(self, hub, bodies, threads, on_ack=None, deadline_s=20.0):
        """Submit bodies from several client threads, each retrying like an operator's
        system (hub.submit).  Returns (threads, answers) where answers fills with
        {external_id: number or None}; call join_stream(threads) to wait."""
        answers = {}
        lock = threading.Lock()
        slices = [bodies[i::threads] for i in range(threads)]
        self._stream_errors = {}

        def client(mine):
            for body in mine:
                try:
                    _, number, _ = hub.submit(body, deadline_s=deadline_s)
                except AssertionError as error:   # an answer that is neither ok nor 503
                    number = None
                    with lock:
                        self._stream_errors[body["external_id"]] = str(error)
                with lock:
                    answers[body["external_id"]] = number
                if on_ack and number:
                    on_ack()

        workers = [threading.Thread(target=client, args=(s,), daemon=True) for s in slices]
        for w in workers:
            w.start()
        return workers, answers

    def join_stream(self, workers, timeout=90):
        """Wait for the client threads; fail on answers that were neither a number nor 503."""
        deadline = time.monotonic() + timeout
        for w in workers:
            w.join(max(0.1, deadline - time.monotonic()))
        self.assertFalse(any(w.is_alive() for w in workers), "client threads still running")
        self.assertEqual(self._stream_errors, {}, "unexpected answers")


class Counter:
    """A count that other threads can wait on."""

    def __init__(self):
        self.value = 0
        self.condition = threading.Condition()

    def add(self):
        with self.condition:
            self.value += 1
            self.condition.notify_all()

    def wait_for(self, target, timeout):
        with self.condition:
            return self.condition.wait_for(lambda: self.value >= target, timeout)


# ======================================================================================
# One shared hub: intake, idempotency, lookups, MDP from Python, the sweeper, HTTP errors,
# suqiuctl show and list.

class SharedHubTests(HubTestCase):
    hub = None

    @classmethod
    def setUpClass(cls):
        # max_body_bytes 2048 for the 413 test; every other order here is smaller.
        cls.hub = harness.Hub(workers=1, name="shared",
                              overrides={"hotline": {"max_body_bytes": 2048}}).start()

    @classmethod
    def tearDownClass(cls):
        hub, cls.hub = cls.hub, None
        if hub:
            hub.stop()
            reports = hub.sanitizer_reports()
            if reports:
                raise AssertionError("sanitizer reports (logs in %s):\n%s"
                                     % (hub.dir, "\n".join(reports)))

    def setUp(self):
        self.hub.check_alive()

    # --- 1. a valid order is committed before it is acknowledged ---

    def test_01_post_commits_before_the_reply(self):
        hub = self.hub
        for i in range(10):
            body = harness.order()
            status, answer = hub.post(body)
            # Read PostgreSQL at once: the row must already be there, committed.
            rows = hub.sql(
                "SELECT c.number, c.state, c.channel, iso_shanghai(c.received_at), "
                "to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD'), "
                "d.caller_name, d.phone, d.address, d.title, d.operator_id, "
                "(SELECT string_agg(e.kind || '/' || coalesce(e.from_state, '-') || '/' || "
                "e.to_state || '/' || e.actor, ',' ORDER BY e.id) FROM complaint_event e "
                "WHERE e.complaint_id = c.id) "
                "FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id "
                "WHERE c.channel = 'hotline12345' AND c.external_id = %s" % lit(body["external_id"]))
            self.assertEqual(status, 201, answer)
            number = answer["number"]
            self.assertRegex(number, NUMBER_12345)
            self.assertEqual(answer["external_id"], body["external_id"])
            self.assertEqual(answer["channel"], "hotline12345")
            self.assertEqual(len(rows), 1, "order %d: no committed row when the 201 arrived" % i)
            (db_number, state, channel, received_at, day, caller, phone, address, title,
             operator, events) = rows[0]
            self.assertEqual(db_number, number)
            self.assertEqual(state, "received")
            self.assertEqual(channel, "hotline12345")
            self.assertEqual(received_at, body["received_at"])
            self.assertEqual(number.split("-")[1], day, "the number's date is the commit day")
            self.assertEqual((caller, phone, address, title, operator),
                             (body["caller_name"], body["phone"], body["address"], body["title"],
                              body["operator_id"]))
            self.assertEqual(events, "received/-/received/suqiu.intake")

    # --- 3. a retried submit gives the same number and one row ---

    def test_03a_repeated_post_gives_the_same_number(self):
        hub = self.hub
        body = harness.order()
        answers = [hub.post(body) for _ in range(3)]
        self.assertEqual([s for s, _ in answers], [201, 200, 200], answers)
        numbers = {a["number"] for _, a in answers}
        self.assertEqual(len(numbers), 1, answers)
        self.assertEqual(self.rows_for(hub, [body["external_id"]]),
                         {body["external_id"]: list(numbers)})
        # A repeat that differs in content is still the same complaint; the first wins.
        changed = dict(body, title="另一个标题", content="内容改了")
        status, answer = hub.post(changed)
        self.assertEqual((status, answer["number"]), (200, numbers.pop()))
        self.assertEqual(hub.sql("SELECT d.title, (SELECT count(*) FROM complaint_event e "
                                 "WHERE e.complaint_id = c.id) FROM complaint c JOIN "
                                 "complaint_detail d ON d.complaint_id = c.id WHERE "
                                 "c.external_id = %s" % lit(body["external_id"])),
                         [(body["title"], "1")])
        # The key is line + external_id: the same id on the other line is another complaint.
        status, other = hub.post(dict(body, line="12315"))
        self.assertEqual(status, 201, other)
        self.assertRegex(other["number"], NUMBER_12315)

    def test_03b_concurrent_posts_of_one_key(self):
        hub = self.hub
        body = harness.order()
        barrier = threading.Barrier(10)
        results = [None] * 10

        def post(i):
            barrier.wait(5)
            results[i] = hub.post(body)

        threads = [threading.Thread(target=post, args=(i,)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertTrue(all(r is not None for r in results), results)
        statuses = sorted(s for s, _ in results)
        self.assertEqual(statuses, [200] * 9 + [201], results)
        numbers = {a["number"] for _, a in results}
        self.assertEqual(len(numbers), 1, results)
        self.assertEqual(self.rows_for(hub, [body["external_id"]]),
                         {body["external_id"]: list(numbers)})
        self.assertEqual(hub.sql_value("SELECT count(*) FROM complaint_event e JOIN complaint c "
                                       "ON c.id = e.complaint_id WHERE c.external_id = %s"
                                       % lit(body["external_id"])), "1")

    # --- 6. the broker, spoken to by an MDP client written from RFC 7 ---

    def test_06_python_mdp_client(self):
        hub = self.hub
        with mdp.Client(hub.client_endpoint, timeout_ms=3000, retries=1) as client:
            # MMI (RFC 8)
            self.assertEqual(client.request("mmi.service", "suqiu.intake"), [b"200"])
            self.assertEqual(client.request("mmi.service", "suqiu.lookup"), [b"200"])
            self.assertEqual(client.request("mmi.service", "nope"), [b"404"])
            self.assertEqual(client.request("mmi.other"), [b"501"])
            self.assertEqual(client.request("mmi.other", "suqiu.intake"), [b"501"])

            # suqiu.intake with a raw envelope: 201, then 200 with the same number.
            envelope = {"channel": "hotline12315", "external_id": harness.unique_id("MDP"),
                        "received_at": harness.now_shanghai(), "title": "商家拒绝退货",
                        "content": "购买的电饭煲有质量问题，商家拒绝退货。",
                        "caller_name": "李四", "phone": "+86 139-0000-0000"}
            first = client.request("suqiu.intake", json.dumps(envelope))
            self.assertIsNotNone(first, "no reply from suqiu.intake")
            self.assertEqual(len(first), 2, first)
            self.assertEqual(first[0], b"201", first)
            answer = json.loads(first[1])
            self.assertRegex(answer["number"], NUMBER_12315)
            self.assertEqual((answer["channel"], answer["external_id"]),
                             ("hotline12315", envelope["external_id"]))
            again = client.request("suqiu.intake", json.dumps(envelope))
            self.assertEqual(again[0], b"200", again)
            self.assertEqual(json.loads(again[1])["number"], answer["number"])
            self.assertEqual(self.rows_for(hub, [envelope["external_id"]], "hotline12315"),
                             {envelope["external_id"]: [answer["number"]]})

            # A bad envelope is refused at once, naming the field.
            bad = dict(envelope, external_id=harness.unique_id("MDP"), colour="red")
            refused = client.request("suqiu.intake", json.dumps(bad))
            self.assertEqual(refused[0], b"400", refused)
            self.assertEqual(json.loads(refused[1]).get("field"), "colour")
            refused = client.request("suqiu.intake", "not json")
            self.assertEqual(refused[0], b"400", refused)

            # suqiu.lookup by number and by key: the same JSON as the hotline's GET.
            reply = client.request("suqiu.lookup", "number", answer["number"])
            self.assertEqual(reply[0], b"200", reply)
            found = json.loads(reply[1])
            self.assertEqual(found["number"], answer["number"])
            self.assertEqual(found["title"], envelope["title"])
            self.assertEqual(found["state"], "received")
            status, via_http = hub.get("/v1/workorders/" + answer["number"])
            self.assertEqual((status, via_http), (200, found))
            reply = client.request("suqiu.lookup", "key", "hotline12315", envelope["external_id"])
            self.assertEqual(reply[0], b"200", reply)
            self.assertEqual(json.loads(reply[1]), found)
            reply = client.request("suqiu.lookup", "number", "12345-20200101-999999")
            self.assertEqual(reply[0], b"404", reply)
            reply = client.request("suqiu.lookup", "number", "nonsense")
            self.assertEqual(reply[0], b"400", reply)

    # --- 7. the sweeper hands a stale complaint to a Python MDP worker ---

    def test_07_new_complaints_and_stale_ones_go_to_classify(self):
        """Intake hands a new complaint to suqiu.classify right after its commit ("new"), and
        the sweeper hands it on again ("sweep") while it stays in 'received'."""
        hub = self.hub
        worker = mdp.WorkerThread(hub.worker_endpoint, "suqiu.classify",
                                  heartbeat_ms=hub.config["broker"]["heartbeat_ms"]).start()
        try:
            with mdp.Client(hub.client_endpoint, timeout_ms=2000, retries=1) as client:
                deadline = time.monotonic() + 5
                while client.mmi_service("suqiu.classify") != "200":
                    self.assertLess(time.monotonic(), deadline, "suqiu.classify never registered")
                    time.sleep(0.05)
            # The intake caches MMI answers for 2 s: let an earlier "not served" expire.
            time.sleep(2.2)
            status, answer = hub.post(harness.order())
            committed_at = time.monotonic()
            self.assertEqual(status, 201, answer)
            number = answer["number"].encode()
            fresh = worker.wait_for(lambda body: body == [b"new", number], 3)
            self.assertIsNone(worker.error)
            self.assertIsNotNone(fresh, "no [new, %s] right after the commit; got %r"
                                 % (number, [b for _, b in worker.requests][-5:]))
            self.assertLess(fresh[0] - committed_at, 1.0, "the fast path took too long")

            wanted = [b"sweep", number]
            first = worker.wait_for(lambda body: body == wanted, 5)
            self.assertIsNotNone(first, "no [sweep, %s] request within 5 s; got %r"
                                 % (number, [b for _, b in worker.requests][-5:]))
            stale_after = hub.config["worker"]["stale_after_s"]
            self.assertGreater(first[0] - committed_at, stale_after * 0.8,
                               "swept before it was stale")
            # Still in 'received' after another stale_after_s: handed on again.
            second = None
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                handed = [t for t, b in list(worker.requests) if b == wanted]
                if len(handed) >= 2:
                    second = handed[1]
                    break
                time.sleep(0.05)
            self.assertIsNotNone(second, "not handed on again while it stayed in 'received'")
            self.assertGreater(second - first[0], stale_after * 0.8)
            # Every hand-off is of the form ["new" or "sweep", NUMBER].
            for _, body in list(worker.requests):
                self.assertEqual(len(body), 2, body)
                self.assertIn(body[0], (b"new", b"sweep"))
                self.assertRegex(body[1].decode(), r"^[A-Z0-9]+-\d{8}-\d{6}$")
            self.assertEqual(hub.sql_value("SELECT state FROM complaint WHERE number = %s"
                                           % lit(answer["number"])), "received")
        finally:
            worker.stop()
        self.assertIsNone(worker.error)

    # --- 8. HTTP errors and Chinese text ---

    def assert_error(self, response, status, field=None):
        self.assertEqual(response.status, status, response.raw)
        self.assertIsInstance(response.json, dict, response.raw)
        self.assertIn("error", response.json, response.raw)
        self.assertTrue((response.header("Content-Type") or "").startswith("application/json"))
        if field is not None:
            self.assertEqual(response.json.get("field"), field, response.raw)

    def test_08a_post_errors(self):
        hub = self.hub
        refused_ids = []

        def post(body, **kw):
            refused_ids.append(body.get("external_id", ""))
            return hub.request("POST", "/v1/workorders", body, **kw)

        json_type = {"Content-Type": "application/json"}
        self.assert_error(post(harness.order(phone="call me")), 400, "phone")
        self.assert_error(post(harness.order(line="110")), 400, "line")
        self.assert_error(post(harness.order(received_at="yesterday")), 400, "received_at")
        self.assert_error(post(harness.order(external_id="has space")), 400, "external_id")
        self.assert_error(post(harness.order(title="两行\n标题")), 400, "title")
        missing = harness.order()
        del missing["content"]
        self.assert_error(post(missing), 400, "content")
        self.assert_error(post(harness.order(colour="red")), 400, "colour")
        # Limits count characters, not bytes: 200 Chinese characters (600 bytes) pass.
        status, answer = hub.post(harness.order(title="噪" * 200))
        self.assertEqual(status, 201, answer)
        self.assert_error(post(harness.order(title="噪" * 201)), 400, "title")
        # Over hotline.max_body_bytes (2048 here): 413, with a length or chunked; a body
        # of exactly 2048 bytes is taken.
        limit = hub.config["hotline"]["max_body_bytes"]
        exact = harness.order(content="")
        exact["content"] = "x" * (limit - len(json.dumps(exact).encode()))
        raw = json.dumps(exact).encode()
        self.assertEqual(len(raw), limit)
        response = hub.request("POST", "/v1/workorders", raw, json_type)
        self.assertEqual(response.status, 201, response.raw)
        over = dict(exact, external_id=exact["external_id"] + "x")
        refused_ids.append(over["external_id"])
        self.assert_error(hub.request("POST", "/v1/workorders", json.dumps(over).encode(),
                                      json_type), 413)
        big = harness.order(content="x" * 2100)
        self.assert_error(post(big), 413)
        raw = json.dumps(big).encode()
        chunks = (raw[i:i + 500] for i in range(0, len(raw), 500))
        self.assert_error(hub.request("POST", "/v1/workorders", chunks, json_type, chunked=True),
                          413)
        # Not JSON by its Content-Type: 415.
        ok_body = json.dumps(harness.order()).encode()
        self.assert_error(hub.request("POST", "/v1/workorders", ok_body,
                                      {"Content-Type": "text/plain"}), 415)
        self.assert_error(hub.request("POST", "/v1/workorders", ok_body), 415)
        # Bytes that are not UTF-8, and bodies that are not a JSON object.
        body = harness.order()
        refused_ids.append(body["external_id"])
        raw = json.dumps(body, ensure_ascii=False).encode().replace(
            "小区".encode(), b"\xff\xfe")
        self.assert_error(hub.request("POST", "/v1/workorders", raw, json_type), 400)
        latin1 = json.dumps(harness.order(), ensure_ascii=False).encode("utf-8").replace(
            "张三".encode(), "Zoë".encode("latin-1"))
        self.assert_error(hub.request("POST", "/v1/workorders", latin1, json_type), 400)
        self.assert_error(hub.request("POST", "/v1/workorders", b"[1, 2]", json_type), 400)
        self.assert_error(hub.request("POST", "/v1/workorders", b"{", json_type), 400)
        self.assert_error(hub.request("POST", "/v1/workorders", b"", json_type), 400)
        # Methods: 405 with Allow.
        response = hub.request("DELETE", "/v1/workorders")
        self.assert_error(response, 405)
        self.assertIsNotNone(response.header("Allow"))
        self.assert_error(hub.request("PUT", "/v1/workorders/12345-20261123-000001",
                                      b"{}", json_type), 405)
        self.assert_error(hub.request("POST", "/v1/health", b"{}", json_type), 405)
        self.assert_error(hub.request("GET", "/v1/nothing-here"), 404)
        # None of the refused orders left a row.
        ids = [i for i in refused_ids if isinstance(i, str) and i]
        self.assertEqual(hub.sql("SELECT external_id FROM complaint WHERE external_id IN (%s)"
                                 % ",".join(lit(i) for i in ids)), [])

    def test_08b_get_errors_and_lookup_by_key(self):
        hub = self.hub
        body = harness.order()
        status, answer = hub.post(body)
        self.assertEqual(status, 201, answer)
        status, by_number = hub.get("/v1/workorders/" + answer["number"])
        self.assertEqual(status, 200, by_number)
        self.assertEqual(by_number["number"], answer["number"])
        self.assertEqual((by_number["line"], by_number["channel"], by_number["state"]),
                         ("12345", "hotline12345", "received"))
        self.assertEqual([(e["kind"], e["to_state"], e["actor"]) for e in by_number["history"]],
                         [("received", "received", "suqiu.intake")])
        query = urllib.parse.urlencode({"channel": "hotline12345",
                                        "external_id": body["external_id"]})
        status, by_key = hub.get("/v1/workorders?" + query)
        self.assertEqual((status, by_key), (200, by_number))
        # Unknown, malformed.
        unknown = "12345-20200101-999999"
        self.assert_error(hub.request("GET", "/v1/workorders/" + unknown), 404)
        self.assert_error(hub.request("GET", "/v1/workorders/not-a-number"), 400, "number")
        self.assert_error(hub.request("GET", "/v1/workorders/12345-2026-1"), 400, "number")
        query = urllib.parse.urlencode({"channel": "hotline12345", "external_id": "NO-SUCH-KEY"})
        self.assert_error(hub.request("GET", "/v1/workorders?" + query), 404)
        query = urllib.parse.urlencode({"channel": "fax", "external_id": body["external_id"]})
        self.assert_error(hub.request("GET", "/v1/workorders?" + query), 400, "channel")
        self.assert_error(hub.request("GET", "/v1/workorders?channel=hotline12345"), 400,
                          "external_id")

    def test_08c_chinese_text_round_trips(self):
        hub = self.hub
        body = harness.order(
            caller_name="欧阳娜娜",
            address="北京市朝阳区建国路８８号（ＳＯＨＯ现代城）２号楼",
            region="朝阳区",
            title="𠮷野家门口夜间施工扰民（繁體：擾民）",
            content="第一行：夜间施工噪音，凌晨两点仍未停止。\n第二行\t含制表符；"
                    "表情😀；繁體字「臺灣」；全角ＡＢＣ１２３；引号\"和\\反斜杠。")
        self.assertLess(len(json.dumps(body, ensure_ascii=False).encode()), 2048)
        status, answer = hub.post(body)
        self.assertEqual(status, 201, answer)
        status, found = hub.get("/v1/workorders/" + answer["number"])
        self.assertEqual(status, 200, found)
        for field in ("caller_name", "address", "region", "title", "content"):
            self.assertEqual(found[field], body[field], field)
        # And byte for byte in PostgreSQL.
        stored = hub.sql("SELECT encode(convert_to(d.title, 'UTF8'), 'hex'), "
                         "encode(convert_to(d.content, 'UTF8'), 'hex') FROM complaint c JOIN "
                         "complaint_detail d ON d.complaint_id = c.id WHERE c.number = %s"
                         % lit(answer["number"]))
        self.assertEqual(stored, [(body["title"].encode().hex(), body["content"].encode().hex())])

    # --- 9. suqiuctl show and list ---

    def test_09_suqiuctl_show_and_list(self):
        hub = self.hub
        status, answer = hub.post(harness.order(title="路灯不亮"))
        self.assertEqual(status, 201, answer)
        number = answer["number"]
        shown = hub.ctl("show", number)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertIn("work order  " + number, shown.stdout)
        self.assertIn("路灯不亮", shown.stdout)
        self.assertRegex(shown.stdout, re.compile(
            r"^history\n\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00\s+received\s+received\s+"
            r"by suqiu\.intake\b", re.M))
        as_json = hub.ctl("show", number, "--json")
        self.assertEqual(as_json.returncode, 0, as_json.stderr)
        status, via_http = hub.get("/v1/workorders/" + number)
        self.assertEqual(json.loads(as_json.stdout), via_http)
        listed = hub.ctl("list", "--state", "received")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        lines = [line for line in listed.stdout.splitlines() if line.startswith(number + " ")]
        self.assertEqual(len(lines), 1, listed.stdout)
        self.assertRegex(lines[0], r"\bhotline12345\s+received\s+.*路灯不亮")
        closed = hub.ctl("list", "--state", "closed")
        self.assertEqual(closed.returncode, 0, closed.stderr)
        self.assertNotIn(number, closed.stdout)
        missing = hub.ctl("show", "12345-20200101-999999")
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("12345-20200101-999999", missing.stderr)


# ======================================================================================
# 9. The programs themselves: --help, and a config with an unknown key.

class ProgramTests(unittest.TestCase):

    def test_help_exits_zero_with_usage(self):
        for name in harness.PROGRAMS:
            for flag in ("--help", "-h"):
                with self.subTest(program=name, flag=flag):
                    result = harness.run([harness.program(name), flag], timeout=10)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    self.assertIn("usage: " + name, result.stdout)
                    self.assertIn("-c", result.stdout)

    def test_unknown_config_key_stops_each_program(self):
        folder = os.path.join(harness.RUN_DIR, "bad-config")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "hub.yaml")
        port = harness.free_ports(1)[0]
        with open(path, "w") as out:
            out.write("hotline:\n  port: %d\n  colour: red\n" % port)
        expected = "%s:3: hotline.colour: unknown key" % path
        for name in harness.PROGRAMS:
            with self.subTest(program=name):
                args = [harness.program(name), "-c", path] + (["list"] if name == "suqiuctl" else [])
                result = harness.run(args, timeout=10)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(expected, result.stderr + result.stdout)

    def test_bad_config_values_name_file_line_and_key(self):
        folder = os.path.join(harness.RUN_DIR, "bad-values")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "hub.yaml")
        cases = [("broker:\n  heartbeat_ms: fast\n", ":2: broker.heartbeat_ms"),
                 ("log:\n  level: info\n  level: debug\n", ":3: log.level"),
                 ("colour:\n  a: 1\n", ":1: colour")]
        for text, where in cases:
            with open(path, "w") as out:
                out.write(text)
            for name in harness.PROGRAMS:
                with self.subTest(program=name, config=text):
                    args = [harness.program(name), "-c", path] + (
                        ["list"] if name == "suqiuctl" else [])
                    result = harness.run(args, timeout=10)
                    self.assertNotEqual(result.returncode, 0)
                    self.assertIn(path + where, result.stderr)


# ======================================================================================
# 2. Committed before acknowledged, with a database that refuses the worker.

class DatabaseRefusalTest(HubTestCase):

    def test_no_201_without_a_commit(self):
        hub = self.start_hub(workers=1)
        status, answer = hub.post(harness.order())   # the worker holds a session now
        self.assertEqual(status, 201, answer)

        hub.refuse_connections()
        try:
            # Intake cannot commit: the hotline keeps the order in its spool and says so
            # (202 with a receipt), never 201.
            body = harness.order()
            status, answer = hub.post(body)
            self.assertEqual(status, 202, answer)
            self.assertEqual(answer["status"], "spooled")
            self.assertEqual(answer["receipt"], body["external_id"])
            others = [harness.order() for _ in range(5)]
            results = [None] * len(others)

            def post(i):
                results[i] = hub.post(others[i])

            threads = [threading.Thread(target=post, args=(i,)) for i in range(len(others))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            self.assertEqual([r[0] for r in results], [202] * len(others), results)
            # Its key says "spooled" while it waits; lookups of the hub itself say 503.
            status, answer = hub.get("/v1/workorders?channel=hotline12345&external_id="
                                     + body["external_id"])
            self.assertEqual((status, answer["status"]), (202, "spooled"), answer)
            self.assertEqual(hub.get("/v1/workorders/12345-20200101-000001")[0], 503)
            hub.check_alive()
        finally:
            hub.allow_connections()

        # Once the database takes connections again the spool is replayed: each kept order is
        # committed once, and its receipt (the key) gives its number.
        keys = [body["external_id"]] + [o["external_id"] for o in others]
        status, number, _ = hub.submit(body, deadline_s=15)
        self.assertIn(status, (200, 201, 202), "no commit within 15 s of the database coming back")
        self.assertRegex(number, NUMBER_12345)
        for other in others:
            self.assertIsNotNone(hub.submit(other, deadline_s=15)[1])
        rows = self.rows_for(hub, keys)
        self.assertEqual(sorted(rows), sorted(keys))
        self.assertTrue(all(len(numbers) == 1 for numbers in rows.values()), rows)
        self.assertEqual(rows[body["external_id"]], [number])
        status, answer = hub.post(body)
        self.assertEqual((status, answer["number"]), (200, number))


# ======================================================================================
# 4. Killing the worker mid-stream loses nothing.

class WorkerKillTest(HubTestCase):

    def test_killing_the_worker_mid_stream_loses_nothing(self):
        hub = self.start_hub(workers=1)
        prefix = harness.unique_id("KILL")
        bodies = [harness.order("%s-%03d" % (prefix, i)) for i in range(300)]
        acked = Counter()
        threads, answers = self.stream(hub, bodies, threads=4, on_ack=acked.add)
        self.assertTrue(acked.wait_for(100, 30), "100 orders were not acknowledged in 30 s")
        hub.kill_worker(0, signal.SIGKILL)
        acked_at_kill = acked.value
        hub.start_worker()
        self.join_stream(threads)
        self.assertLess(acked_at_kill, 250, "the stream was nearly over when the worker died")
        self.assertEqual(len(answers), 300)
        self.assert_exactly_once(hub, answers)
        self.assertEqual(hub.sql_value("SELECT count(*) FROM complaint"), "300")


# ======================================================================================
# 5. A broker crash: a new broker on the same endpoints, the workers find it.

class BrokerCrashTest(HubTestCase):

    def test_broker_crash_and_restart(self):
        hub = self.start_hub(workers=2)
        prefix = harness.unique_id("CRASH")
        before = {}
        for i in range(20):
            body = harness.order("%s-pre-%02d" % (prefix, i))
            status, answer = hub.post(body)
            self.assertEqual(status, 201, answer)
            before[body["external_id"]] = (body, answer["number"])

        # A stream of orders that runs across the crash.
        bodies = [harness.order("%s-%03d" % (prefix, i)) for i in range(150)]
        acked = Counter()

        def throttled_ack():
            acked.add()
            time.sleep(0.01)

        threads, answers = self.stream(hub, bodies, threads=3, on_ack=throttled_ack,
                                       deadline_s=30)
        self.assertTrue(acked.wait_for(30, 30))
        hub.kill_broker(signal.SIGKILL)
        time.sleep(0.3)
        hub.start_broker()
        restarted = time.monotonic()
        status, number, tries = hub.submit(harness.order(), deadline_s=15)
        recovery = time.monotonic() - restarted
        # 200 is as good as 201: a first attempt committed while its answer was lost in
        # the crash, and the retry found its number.
        self.assertIn(status, (200, 201), "no POST succeeded within 15 s of the new broker")
        self.assertLess(recovery, 8.0, "POSTs took %.1f s to succeed again" % recovery)
        self.join_stream(threads)
        self.assert_exactly_once(hub, answers)
        # What was committed before the crash is still known, by the same numbers.
        for external_id, (body, number) in before.items():
            self.assertEqual(hub.post(body), (200, {"number": number, "channel": "hotline12345",
                                                    "external_id": external_id}))
        status, found = hub.get("/v1/workorders/" + answers[bodies[-1]["external_id"]])
        self.assertEqual(status, 200, found)
        with mdp.Client(hub.client_endpoint, timeout_ms=2000, retries=1) as client:
            self.assertEqual(client.mmi_service("suqiu.intake"), "200")
            self.assertEqual(client.mmi_service("suqiu.lookup"), "200")
        self.assert_exactly_once(hub, {k: n for k, (_, n) in before.items()})
        hub.check_alive()


# ======================================================================================
# The sweeper must reach every stale complaint, not only the oldest it reads per pass.

class SweeperCoverageTest(HubTestCase):

    def test_sweeper_hands_on_every_stale_complaint(self):
        hub = self.start_hub(workers=1)
        numbers = set()
        with mdp.Client(hub.client_endpoint, timeout_ms=3000, retries=2) as client:
            for i in range(250):
                envelope = {"channel": "web", "external_id": harness.unique_id("SWEEP"),
                            "received_at": harness.now_shanghai(), "title": "问题 %d" % i,
                            "content": "内容"}
                reply = client.request("suqiu.intake", json.dumps(envelope))
                self.assertEqual(reply[0], b"201", reply)
                numbers.add(json.loads(reply[1])["number"])
        worker = mdp.WorkerThread(hub.worker_endpoint, "suqiu.classify",
                                  heartbeat_ms=hub.config["broker"]["heartbeat_ms"]).start()
        try:
            deadline = time.monotonic() + 8   # stale after 1 s, a pass every 200 ms
            while time.monotonic() < deadline:
                seen = {b[1].decode() for _, b in list(worker.requests) if len(b) == 2}
                if numbers <= seen:
                    break
                time.sleep(0.1)
        finally:
            worker.stop()
        self.assertIsNone(worker.error)
        missing = numbers - seen
        self.assertEqual(len(missing), 0, "%d of %d stale complaints were never handed to "
                         "suqiu.classify in 8 s (e.g. %s)"
                         % (len(missing), len(numbers), sorted(missing)[:3]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
