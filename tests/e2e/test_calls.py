"""End-to-end tests of the call records and the answer rate (接通率, issue 10): POST /v1/calls
and `suqiuctl import-calls` into a real hub, the figures of a test day computed here by
hand, checked in `suqiuctl stats` and in the SQL view; and hostile input on the new
endpoints (invalid UTF-8, a 50 MB body, the wrong content type, SQL and HTML in every field),
each refused with a clear error and no row.
"""
import csv
import io
import json
import os
import re
import select
import socket
import unittest

import harness

HOSTILE = ["'); DROP TABLE call_record; --", "<script>alert(1)</script>", "1 OR 1=1",
           "\u202e12345"]


def lit(text):
    return harness.quote_literal(text)


def at(clock, day="2026-03-02"):
    """A time of the test day (Monday 2026-03-02, a working day) in +08:00."""
    return "%sT%s+08:00" % (day, clock)


def answered(call_id, queued, answer, end, line="12345", operator="1001", day="2026-03-02"):
    return {"line": line, "call_id": call_id, "queued_at": at(queued, day),
            "answered_at": at(answer, day), "ended_at": at(end, day), "operator_id": operator}


def abandoned(call_id, queued, end, line="12345", day="2026-03-02"):
    return {"line": line, "call_id": call_id, "queued_at": at(queued, day), "abandoned": True,
            "ended_at": at(end, day)}


def big_post(port, path, size, chunked=False, block=1 << 16):
    """POST size bytes of a JSON body that never ends on a raw socket, with a Content-Length
    or chunked, stopping when the server answers (or closes) before the end, as it may for a
    body over its limit; returns a harness.Response."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    try:
        framing = "Transfer-Encoding: chunked" if chunked else "Content-Length: %d" % size
        sock.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      "%s\r\nConnection: close\r\n\r\n" % (path, framing)).encode("ascii"))
        piece = b'{"call_id":"' + b"x" * (block - 12)
        sent = 0
        while sent < size:
            if select.select([sock], [], [], 0)[0]:
                break   # the server has answered
            data = piece[:min(block, size - sent)]
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(data)
        else:
            if chunked:
                try:
                    sock.sendall(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
        answer = b""
        while True:
            try:
                part = sock.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            answer += part
    finally:
        sock.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:] if ":" in line]
    return harness.Response(status, headers, body)


class CallTests(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.hub = harness.Hub(name="calls", overrides={
            "worker": {"services": "suqiu.intake,suqiu.lookup,suqiu.calls"}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()
        reports = cls.hub.sanitizer_reports()
        if reports:
            raise AssertionError("sanitizer reports:\n" + "\n".join(reports))

    def post(self, body, headers=None):
        return self.hub.request("POST", "/v1/calls", body, headers)

    def assert_error(self, response, status, field=None):
        self.assertEqual(response.status, status, response.raw[:300])
        self.assertIsInstance(response.json, dict, response.raw[:300])
        self.assertIn("error", response.json)
        self.assertTrue((response.header("Content-Type") or "").startswith("application/json"))
        if field is not None:
            self.assertEqual(response.json.get("field"), field, response.raw[:300])

    def test_a_call_is_recorded_once(self):
        call = answered(harness.unique_id("CALL"), "09:00:00", "09:00:12", "09:05:00",
                        day="2026-04-01")
        first = self.post(call)
        self.assertEqual(first.status, 201, first.raw)
        self.assertEqual(first.json, {
            "line": "12345", "call_id": call["call_id"], "queued_at": call["queued_at"],
            "answered_at": call["answered_at"], "abandoned": False, "ended_at": call["ended_at"],
            "operator_id": "1001", "in_working_hours": True, "short_abandon": False,
            "recorded_at": first.json["recorded_at"]})
        again = self.post(call)
        self.assertEqual((again.status, again.json), (200, first.json))
        # The key is line + call_id; the first record wins.
        changed = self.post(dict(call, ended_at=at("09:09:00", "2026-04-01")))
        self.assertEqual((changed.status, changed.json), (200, first.json))
        other_line = self.post(dict(call, line="12315"))
        self.assertEqual(other_line.status, 201, other_line.raw)
        self.assertEqual(self.hub.sql_value("SELECT count(*) FROM call_record WHERE call_id = %s"
                                            % lit(call["call_id"])), "2")

    def test_the_answer_rate_of_a_test_day(self):
        """Monday 2026-03-02, working hours 08:30-12:00 and 13:30-17:30.  By hand:
        12345: 12 calls offered; 6 answered; 6 abandoned, of which 2 within 10 s (09:20 after
            5 s, 20:00 after 3 s; 14:00 after exactly 10 s is not short): 6 / (12 - 2) = 60.0%.
            In working hours 8 offered (09:00 09:10 09:20 10:00 11:59:59 13:30 14:00
            17:29:59; not 12:00, 17:30, 20:00, 22:00), 5 answered, 3 abandoned, 1 short:
            5 / (8 - 1) = 71.4%: under the 90% target.
        12315: 4 offered, all in working hours, 3 answered, 1 short abandon: 3 / 3 = 100.0%.
        Both: 16 offered, 9 answered, 7 abandoned, 3 short: 9 / 13 = 69.2%; in working hours
            12 offered, 8 answered, 4 abandoned, 2 short: 8 / 10 = 80.0%.
        A Saturday call (03-07 10:00, answered) is outside working hours and outside the day.
        """
        p = harness.unique_id("DAY")
        line_12345 = [
            answered(p + "-01", "09:00:00", "09:00:12", "09:05:00"),
            answered(p + "-02", "09:10:00", "09:10:30", "09:15:00"),
            abandoned(p + "-03", "09:20:00", "09:20:05"),
            abandoned(p + "-04", "10:00:00", "10:00:45"),
            answered(p + "-05", "11:59:59", "12:00:20", "12:04:00"),
            abandoned(p + "-06", "12:00:00", "12:00:30"),
            answered(p + "-07", "13:30:00", "13:30:40", "13:33:00"),
            abandoned(p + "-08", "14:00:00", "14:00:10"),
            answered(p + "-09", "17:29:59", "17:30:30", "17:40:00"),
            answered(p + "-10", "17:30:00", "17:31:00", "17:35:00"),
            abandoned(p + "-11", "20:00:00", "20:00:03"),
            abandoned(p + "-12", "22:00:00", "22:01:00"),
        ]
        for call in line_12345:
            response = self.post(call)
            self.assertEqual(response.status, 201, response.raw)
        saturday = answered(p + "-13", "10:00:00", "10:00:05", "10:03:00", day="2026-03-07")
        self.assertFalse(self.post(saturday).json["in_working_hours"])
        # Line 12315 from the platform's export, with a bad row, a repeat and CSV's strings.
        rows = [
            dict(answered(p + "-21", "08:30:00", "08:30:20", "08:35:00", line="12315")),
            dict(answered(p + "-22", "09:00:00", "09:01:00", "09:10:00", line="12315")),
            dict(abandoned(p + "-23", "15:00:00", "15:00:09", line="12315"), abandoned="1"),
            dict(answered(p + "-24", "16:00:00", "16:00:10", "16:20:00", line="12315"),
                 abandoned="0"),
            dict(abandoned(p + "-25", "16:30:00", "16:29:00", line="12315"), abandoned="true"),
            dict(answered(p + "-21", "08:30:00", "08:30:20", "08:39:00", line="12315")),
        ]
        out = io.StringIO()
        writer = csv.DictWriter(out, ["line", "call_id", "queued_at", "answered_at", "abandoned",
                                      "ended_at", "operator_id"], lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("true" if v is True else v) for k, v in r.items()})
        path = os.path.join(self.hub.dir, "calls.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(out.getvalue())
        done = self.hub.ctl("import-calls", path, timeout=60)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn("imported 4, already present 1, rejected 1 (of 6 rows)", done.stdout)
        self.assertIn("rejected  line 6: ended_at: is before queued_at", done.stdout)
        again = self.hub.ctl("import-calls", path, timeout=60)
        self.assertIn("imported 0, already present 5, rejected 1 (of 6 rows)", again.stdout)

        day = self.hub.ctl("stats", "--from", "2026-03-02", "--to", "2026-03-02", "--calls",
                           "--csv")
        self.assertEqual(day.returncode, 0, day.stderr)
        table = {r["LINE"]: r for r in csv.DictReader(io.StringIO(day.stdout))}
        expected = {
            "12345": ["12", "6", "6", "2", "60.0", "8", "5", "3", "1", "71.4", "90", "NOT MET"],
            "12315": ["4", "3", "1", "1", "100.0", "4", "3", "1", "1", "100.0", "90", "met"],
            "all": ["16", "9", "7", "3", "69.2", "12", "8", "4", "2", "80.0", "90", "NOT MET"],
        }
        columns = ["OFFERED", "ANSWERED", "ABANDONED", "SHORT", "RATE%", "WH_OFFERED",
                   "WH_ANSWERED", "WH_ABANDONED", "WH_SHORT", "WH_RATE%", "TARGET%", "WH_TARGET"]
        self.assertEqual({line: [r[c] for c in columns] for line, r in table.items()}, expected)
        # The same numbers in SQL.
        view = self.hub.sql("SELECT line, offered, answered, abandoned, short_abandoned,"
                            " answer_rate, wh_offered, wh_answered, wh_abandoned,"
                            " wh_short_abandoned, wh_answer_rate FROM call_answer_rate_daily"
                            " WHERE day = '2026-03-02' ORDER BY line")
        self.assertEqual(view, [("12315",) + tuple(expected["12315"][:10]),
                                ("12345",) + tuple(expected["12345"][:10])])
        self.assertEqual(self.hub.sql("SELECT offered, wh_answer_rate, target_rate, wh_target_met"
                                      " FROM call_answer_rate('2026-03-02', '2026-03-02')"
                                      " WHERE line = 'all'"), [("16", "80.0", "90", "f")])
        # The week, with a row per day: Saturday's call counts overall only.
        week = self.hub.ctl("stats", "--from", "2026-03-01", "--to", "2026-03-07", "--calls",
                            "--csv", "--daily")
        rows = list(csv.DictReader(io.StringIO(week.stdout)))
        saturday_row = [r for r in rows if r["DAY"] == "2026-03-07"]
        self.assertEqual([(r["LINE"], r["OFFERED"], r["RATE%"], r["WH_OFFERED"], r["WH_RATE%"])
                          for r in saturday_row], [("12345", "1", "100.0", "0", "-")])
        total = [r for r in rows if r["LINE"] == "12345" and r["DAY"] == "all"]
        self.assertEqual([(r["OFFERED"], r["ANSWERED"], r["RATE%"], r["WH_RATE%"]) for r in total],
                         [("13", "7", "63.6", "71.4")])
        # Beside the complaints' measures, in the table people read.
        text = self.hub.ctl("stats", "--from", "2026-03-02", "--to", "2026-03-02")
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn("ANSWER RATE (接通率)", text.stdout)
        self.assertIn("RECEIVED", text.stdout)
        self.assertRegex(text.stdout, r"(?m)^12345\s+all\s+12\s+6\s+6\s+2\s+60\.0\s+8\s+5\s+3\s+1\s+"
                                      r"71\.4\s+90\s+NOT MET$")

    def test_hostile_input_is_refused_with_no_row(self):
        p = harness.unique_id("HOST")
        good = abandoned(p + "-ok", "10:00:00", "10:00:30", day="2026-05-06")
        json_type = {"Content-Type": "application/json"}
        # Invalid UTF-8, not JSON, not an object, duplicate keys.
        raw = json.dumps(dict(good, operator_id="X"), ensure_ascii=False).encode().replace(
            b'"X"', b'"\xff\xfe"')
        self.assert_error(self.post(raw, json_type), 400)
        self.assert_error(self.post(b"{", json_type), 400)
        self.assert_error(self.post(b"[]", json_type), 400)
        self.assert_error(self.post(b"", json_type), 400)
        self.assert_error(self.post(b'{"line":"12345","line":"12315"}', json_type), 400)
        # The wrong content type; the wrong method.
        self.assert_error(self.post(json.dumps(good).encode(), {"Content-Type": "text/plain"}), 415)
        self.assert_error(self.post(json.dumps(good).encode()), 415)
        self.assert_error(self.hub.request("GET", "/v1/calls"), 405)
        # 50 MB, with a length and chunked: refused with 413; the hub still answers.
        for path in ("/v1/calls", "/v1/workorders"):
            for chunked in (False, True):
                self.assert_error(big_post(self.hub.http_port, path, 50 * 1024 * 1024, chunked),
                                  413)
        self.assertEqual(self.hub.get("/v1/health")[0], 200)
        # SQL and HTML in every field.
        for field in ("line", "call_id", "queued_at", "answered_at", "abandoned", "ended_at",
                      "operator_id"):
            for text in HOSTILE:
                body = dict(good)
                body[field] = text
                response = self.post(body)
                self.assert_error(response, 400, field)
        self.assert_error(self.post(dict(good, queue="main")), 400, "queue")
        self.assertEqual(self.hub.sql("SELECT call_id FROM call_record WHERE call_id LIKE %s"
                                      % lit(p + "%")), [])
        # The tables are all there, and a good record still goes in.
        self.assertEqual(self.post(good).status, 201)
        # The same for the work orders' new fields.
        for field in ("respondent_name", "respondent_address"):
            order = harness.order(line="12315", **{field: HOSTILE[1] + HOSTILE[0]})
            status, answer = self.hub.post(order)
            self.assertEqual(status, 201, answer)   # text: kept as it came
            status, found = self.hub.get("/v1/workorders/" + answer["number"])
            self.assertEqual(found["respondent"][field.split("_")[1]], HOSTILE[1] + HOSTILE[0])
        for text in HOSTILE:
            order = harness.order(line="12315", respondent_credit_code=text)
            status, error = self.hub.post(order)
            self.assertEqual((status, error["field"]), (400, "respondent_credit_code"))
            self.assertEqual(self.hub.sql("SELECT 1 FROM complaint WHERE external_id = %s"
                                          % lit(order["external_id"])), [])
        self.assertEqual(self.hub.sql_value("SELECT count(*) FROM pg_tables WHERE tablename IN"
                                            " ('call_record', 'complaint')"), "2")
        self.hub.check_alive()

    def test_import_calls_help_and_errors(self):
        helped = self.hub.ctl("import-calls", "--help")
        self.assertEqual(helped.returncode, 0)
        self.assertIn("usage: suqiuctl import-calls FILE", helped.stdout)
        path = os.path.join(self.hub.dir, "bad-columns.csv")
        with open(path, "w") as f:
            f.write("line,call_id,queue,ended_at\n12345,A,x,y\n")
        done = self.hub.ctl("import-calls", path)
        self.assertEqual(done.returncode, 1)
        self.assertIn(':1: column "queue" is not a field of a call record', done.stderr)
        self.assertRegex(self.hub.ctl("--help").stdout, re.compile(r"^  import-calls FILE", re.M))


if __name__ == "__main__":
    unittest.main(verbosity=2)
