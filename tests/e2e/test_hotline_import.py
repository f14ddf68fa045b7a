"""End-to-end tests of the hotline batches (issue 10): `suqiuctl import` of files exported from
the city's hotline platform (CSV, a JSON array, JSON Lines) into a real hub, run twice; the
respondent business of 12315 orders, through the API and the import, and the region that
routing takes from its address; optional fields sent empty.  Outsiders' tools only: files
written here, the programs, HTTP and psql.
"""
import csv
import io
import json
import os
import pty
import re
import subprocess
import threading
import time
import unittest

import harness
import mdp

FIELDS = ["line", "external_id", "caller_name", "phone", "address", "region", "title",
          "content", "operator_id", "received_at", "respondent_name", "respondent_address",
          "respondent_credit_code"]
SUMMARY = re.compile(r"^imported (\d+), already present (\d+), rejected (\d+) \(of (\d+) rows\)",
                     re.M)
CREDIT_CODE = "91350100M000100Y43"   # a well-formed code with its check character
HOSTILE_SQL = "'); DROP TABLE complaint; --"
HOSTILE_HTML = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def lit(text):
    return harness.quote_literal(text)


def row(external_id, **fields):
    """A good CSV row: every column, the optional ones empty as exports leave them."""
    values = dict.fromkeys(FIELDS, "")
    values.update(line="12345", external_id=external_id, caller_name="张三",
                  phone="13800000000", address="乐成街道人民路1号", title="小区夜间施工噪音",
                  content="晚上十点以后还在施工。", operator_id="1001",
                  received_at="2026-11-20T10:00:00+08:00")
    values.update(fields)
    return values


def csv_text(rows, header=FIELDS):
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow(r)
    return out.getvalue()


def summary(result):
    found = SUMMARY.search(result.stdout)
    if not found:
        raise AssertionError("no summary in: %s\n%s" % (result.stdout, result.stderr))
    return tuple(int(n) for n in found.groups())


def rejected(result):
    """{line: "field: reason"} of the rejected rows the import listed."""
    return {int(m.group(1)): m.group(2)
            for m in re.finditer(r"^rejected  line (\d+): (.*)$", result.stdout, re.M)}


class ImportTests(unittest.TestCase):
    """One hub that commits (intake and lookup only: classification is not what these test)."""
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.hub = harness.Hub(name="import").start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()
        reports = cls.hub.sanitizer_reports()
        if reports:
            raise AssertionError("sanitizer reports:\n" + "\n".join(reports))

    def write(self, name, data):
        path = os.path.join(self.hub.dir, name)
        with open(path, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    def keys(self, prefix):
        return self.hub.sql("SELECT channel, external_id, number FROM complaint"
                            " WHERE external_id LIKE %s ORDER BY external_id" % lit(prefix + "%"))

    def test_a_file_with_bad_rows_imported_twice(self):
        p = harness.unique_id("IMP")
        good = [row(p + "-01"),
                row(p + "-02", line="12315", title="商家拒绝退货", content="电饭煲坏了，商家不退。",
                    respondent_name="某某电器商行", respondent_address="柳市镇长江路88号",
                    respondent_credit_code=CREDIT_CODE, caller_name="", phone="", address=""),
                row(p + "-03", title=HOSTILE_HTML, content=HOSTILE_SQL, caller_name=HOSTILE_SQL,
                    address=HOSTILE_HTML, respondent_name=HOSTILE_SQL),
                row(p + "-04", content="第一行\n第二行, 带逗号和\"引号\""),
                row(p + "-05", region="   ")]
        bad = {4: row(p + "-06", phone="call me"),
               5: row(p + "-07", received_at="yesterday"),
               6: row(p + "-08", title=""),
               7: row(p + "-09", respondent_credit_code="91350100M000100Y44"),
               8: row(p + "-10 has a space"),
               9: row(p + "-11", operator_id=HOSTILE_SQL)}
        rows = good[:2] + [bad[4], bad[5], bad[6], bad[7], bad[8], bad[9]] + good[2:]
        text = csv_text(rows)
        # Row -04 holds a newline, so takes lines 11 and 12.  Line 14 has a field too few,
        # line 15 bytes that are not UTF-8; line 16 repeats -01.
        short = ",".join(["12345", p + "-12"] + [""] * 10)
        text += short + "\n"
        text = text.encode("utf-8") + ("12345,%s-13,\xff\xfe,,,,t,c,1001,2026-11-20T10:00:00+08:00,,,\n"
                                       % p).encode("latin-1")
        text += csv_text([row(p + "-01", title="又一次")]).split("\n", 1)[1].encode("utf-8")
        path = self.write("orders.csv", text)
        first = self.hub.ctl("import", path, timeout=60)
        self.assertEqual(first.returncode, 1, first.stderr)   # rows were rejected
        self.assertIn("%s: 14 rows (CSV)" % path, first.stdout)
        self.assertEqual(summary(first), (5, 1, 8, 14))
        self.assertEqual(rejected(first), {
            4: "phone: must be a phone number: digits, with + - ( ) or spaces",
            5: "received_at: must be an ISO-8601 time with zone, e.g. 2026-11-23T10:00:00+08:00",
            6: "title: must not be blank",
            7: "respondent_credit_code: the check character (the 18th) does not match the other"
               " 17 (GB 32100-2015)",
            8: "external_id: may hold only letters, digits and . _ : -",
            9: "operator_id: may hold only letters, digits and . _ : -",
            14: "12 fields, the header has 13",
            15: "not UTF-8 (byte 0xFF in field 3)"})
        # Not a terminal: plain progress lines on stderr.
        self.assertIn("importing: 14 of 14 rows (100%)", first.stderr)
        committed = self.keys(p)
        self.assertEqual([k for _, k, _ in committed], [p + "-0%d" % i for i in range(1, 6)])
        self.assertEqual(committed[1][0], "hotline12315")
        # As the API commits them: numbers, one received event by the import, the details.
        for channel, external_id, number in committed:
            self.assertRegex(number, r"^%s-\d{8}-\d{6}$" % channel[-5:])
        events = self.hub.sql(
            "SELECT e.kind, e.to_state, e.actor, count(*) FROM complaint_event e JOIN complaint c"
            " ON c.id = e.complaint_id WHERE c.external_id LIKE %s GROUP BY 1, 2, 3" % lit(p + "%"))
        self.assertEqual(events, [("received", "received", "suqiuctl import", "5")])
        status, found = self.hub.get("/v1/workorders?channel=hotline12315&external_id=" + p + "-02")
        self.assertEqual(status, 200, found)
        self.assertEqual(found["respondent"], {"name": "某某电器商行", "address": "柳市镇长江路88号",
                                               "credit_code": CREDIT_CODE})
        for absent in ("caller_name", "phone", "address"):
            self.assertNotIn(absent, found)
        self.assertEqual(self.hub.sql(
            "SELECT d.caller_name IS NULL, d.phone IS NULL, d.address IS NULL FROM complaint c"
            " JOIN complaint_detail d ON d.complaint_id = c.id WHERE c.external_id = %s"
            % lit(p + "-02")), [("t", "t", "t")])
        # SQL and HTML in text fields are text: kept and given back as they came.
        status, hostile = self.hub.get("/v1/workorders?channel=hotline12345&external_id=" + p + "-03")
        self.assertEqual(status, 200, hostile)
        self.assertEqual((hostile["title"], hostile["content"], hostile["caller_name"],
                          hostile["address"], hostile["respondent"]["name"]),
                         (HOSTILE_HTML, HOSTILE_SQL, HOSTILE_SQL, HOSTILE_HTML, HOSTILE_SQL))
        status, quoted = self.hub.get("/v1/workorders?channel=hotline12345&external_id=" + p + "-04")
        self.assertEqual(quoted["content"], "第一行\n第二行, 带逗号和\"引号\"")
        status, blank = self.hub.get("/v1/workorders?channel=hotline12345&external_id=" + p + "-05")
        self.assertNotIn("region", blank)
        # The rows of the repeat (-01 again) and the rejected ones left nothing.
        self.assertEqual(self.hub.sql_value("SELECT d.title FROM complaint c JOIN complaint_detail d"
                                            " ON d.complaint_id = c.id WHERE c.external_id = %s"
                                            % lit(p + "-01")), "小区夜间施工噪音")
        # The same file again: nothing twice.
        numbers = self.keys(p)
        again = self.hub.ctl("import", path, timeout=60)
        self.assertEqual(again.returncode, 1, again.stderr)
        self.assertEqual(summary(again), (0, 6, 8, 14))
        self.assertEqual(rejected(again), rejected(first))
        self.assertEqual(self.keys(p), numbers)
        self.assertEqual(self.hub.sql_value(
            "SELECT count(*) FROM complaint_event e JOIN complaint c ON c.id = e.complaint_id"
            " WHERE c.external_id LIKE %s" % lit(p + "%")), "5")

    def test_json_array_and_json_lines(self):
        p = harness.unique_id("JSN")
        orders = [
            {"line": "12345", "external_id": p + "-1", "title": "路灯不亮", "content": "路灯坏了",
             "operator_id": "7", "received_at": "2026-11-20T10:00:00+08:00", "address": ""},
            {"line": 12315, "external_id": p + "-2", "title": "超市售卖过期食品",
             "content": "牛奶过期三天", "operator_id": "7",
             "received_at": "2026-11-20T10:00:00+08:00", "respondent_name": "便民超市",
             "respondent_address": "虹桥镇幸福路2号"},
            {"line": "12345", "external_id": p + "-3", "title": "t", "content": "c",
             "operator_id": "7", "received_at": "2026-11-20T10:00:00+08:00", "colour": "red"},
        ]
        array = "[\n" + ",\n".join(json.dumps(o, ensure_ascii=False, indent=2) for o in orders) + "\n]\n"
        path = self.write("orders.json", array)
        done = self.hub.ctl("import", path, timeout=60)
        self.assertIn("(JSON array)", done.stdout)
        self.assertEqual(summary(done), (2, 0, 1, 3))
        first_line_of_third = [i for i, text in enumerate(array.split("\n")) if text == "{"][2] + 1
        self.assertEqual(rejected(done), {first_line_of_third: "colour: is not a known field"})
        lines = "\n".join(json.dumps(dict(o, external_id=o["external_id"] + "L"), ensure_ascii=False)
                          for o in orders[:2])
        lines += "\n{\"line\": \"12345\", \"external_id\": \"broken\"\n"
        lines += json.dumps(dict(orders[0], external_id=p + "-4L"), ensure_ascii=False) + "\n"
        path = self.write("orders.jsonl", lines)
        done = self.hub.ctl("import", path, timeout=60)
        self.assertIn("(JSON Lines)", done.stdout)
        self.assertEqual(summary(done), (3, 0, 1, 4))
        self.assertEqual(list(rejected(done)), [3])
        self.assertIn("not valid JSON", rejected(done)[3])
        self.assertEqual(len(self.keys(p)), 5)

    def test_a_file_that_cannot_be_read_to_its_end_imports_nothing(self):
        p = harness.unique_id("BRK")
        text = csv_text([row(p + "-%d" % i) for i in range(1, 4)])
        text += '12345,%s-4,"a"b,,,,t,c,1001,2026-11-20T10:00:00+08:00,,,\n' % p   # line 5
        text += csv_text([row(p + "-5")]).split("\n", 1)[1]
        path = self.write("broken.csv", text)
        done = self.hub.ctl("import", path, timeout=60)
        self.assertEqual(done.returncode, 1)
        self.assertIn("%s:5: malformed CSV" % path, done.stderr)
        self.assertIn("nothing imported", done.stderr)
        self.assertEqual(self.keys(p), [])
        array = self.write("broken.json", '[{"line": "12345"},\n {"line": "12345", \xff}]'.encode("latin-1"))
        done = self.hub.ctl("import", array, timeout=60)
        self.assertEqual(done.returncode, 1)
        self.assertIn(":2: not valid JSON", done.stderr)
        # A column the hub does not know: refused before a row is read.
        path = self.write("columns.csv", csv_text([dict(row(p + "-6"), colour="red")],
                                                  FIELDS + ["colour"]))
        done = self.hub.ctl("import", path, timeout=60)
        self.assertEqual(done.returncode, 1)
        self.assertIn(':1: column "colour" is not a field of a work order', done.stderr)
        self.assertEqual(self.keys(p), [])
        missing = self.hub.ctl("import", os.path.join(self.hub.dir, "no-such.csv"))
        self.assertEqual(missing.returncode, 1)
        self.assertIn("cannot open", missing.stderr)
        usage = self.hub.ctl("import")
        self.assertEqual(usage.returncode, 2)
        helped = self.hub.ctl("import", "--help")
        self.assertEqual(helped.returncode, 0)
        self.assertIn("usage: suqiuctl import FILE", helped.stdout)
        self.assertIn("respondent_credit_code", helped.stdout)

    def test_a_progress_bar_on_a_terminal(self):
        p = harness.unique_id("TTY")
        path = self.write("tty.csv", csv_text([row(p + "-%03d" % i) for i in range(1200)]))
        master, slave = pty.openpty()
        try:
            process = subprocess.Popen(
                [harness.program("suqiuctl"), "-c", self.hub.config_path, "import", path],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, cwd=harness.ROOT)
            os.close(slave)
            slave = None
            drawn = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:   # the other end closed
                    break
                if not chunk:
                    break
                drawn += chunk
            out, _ = process.communicate(timeout=60)
        finally:
            os.close(master)
            if slave is not None:
                os.close(slave)
        self.assertEqual(process.returncode, 0, drawn)
        self.assertIn(b"\r", drawn)
        self.assertRegex(drawn, rb"importing \[#{30}\] 100%  1200/1200 rows")
        self.assertNotIn(b"importing: ", drawn)   # no plain lines on a terminal
        self.assertRegex(out.decode(), r"imported 1200, already present 0, rejected 0")


class ApiTests(unittest.TestCase):
    """POST /v1/workorders with the respondent and with empty optional fields."""
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.hub = harness.Hub(name="respondent-api").start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def test_empty_optional_fields_count_as_absent(self):
        body = harness.order(caller_name="", phone="", address="", region="",
                             respondent_name="", respondent_address="", respondent_credit_code="")
        status, answer = self.hub.post(body)
        self.assertEqual(status, 201, answer)
        status, found = self.hub.get("/v1/workorders/" + answer["number"])
        for key in ("caller_name", "phone", "address", "region", "respondent"):
            self.assertNotIn(key, found)
        self.assertEqual(self.hub.sql(
            "SELECT d.caller_name IS NULL AND d.phone IS NULL AND d.address IS NULL"
            " AND d.region IS NULL, (SELECT count(*) FROM complaint_respondent r"
            " WHERE r.complaint_id = c.id) FROM complaint c JOIN complaint_detail d"
            " ON d.complaint_id = c.id WHERE c.number = %s" % lit(answer["number"])),
            [("t", "0")])
        # Required ones sent empty are still refused, naming the field; no row.
        for field in ("title", "content", "operator_id", "external_id", "received_at", "line"):
            refused = harness.order()
            refused[field] = ""
            status, error = self.hub.post(refused)
            self.assertEqual(status, 400, (field, error))
            self.assertEqual(error["field"], field)

    def test_a_12315_order_with_its_respondent(self):
        body = harness.order(line="12315", title="商家拒绝退货", respondent_name="某某电器商行",
                             respondent_address="柳市镇长江路88号",
                             respondent_credit_code=CREDIT_CODE)
        status, answer = self.hub.post(body)
        self.assertEqual(status, 201, answer)
        status, found = self.hub.get("/v1/workorders/" + answer["number"])
        self.assertEqual(found["respondent"], {"name": "某某电器商行", "address": "柳市镇长江路88号",
                                               "credit_code": CREDIT_CODE})
        shown = self.hub.ctl("show", answer["number"])
        self.assertIn("respondent  某某电器商行, 柳市镇长江路88号 (credit code %s)" % CREDIT_CODE,
                      shown.stdout)
        as_json = self.hub.ctl("show", answer["number"], "--json")
        self.assertEqual(json.loads(as_json.stdout), found)
        for code, reason in (("91350100M000100Y44", "check character"),
                             ("91350100M000100Y", "18 characters"),
                             ("91350100m000100Y43", "capital letters"),
                             (HOSTILE_SQL, "18 characters")):
            refused = harness.order(line="12315", respondent_credit_code=code)
            status, error = self.hub.post(refused)
            self.assertEqual((status, error["field"]), (400, "respondent_credit_code"), error)
            self.assertIn(reason, error["error"])
            self.assertEqual(self.hub.sql("SELECT 1 FROM complaint WHERE external_id = %s"
                                          % lit(refused["external_id"])), [])
        status, error = self.hub.post(harness.order(respondent_name="两行\n名字"))
        self.assertEqual((status, error["field"]), (400, "respondent_name"))


class RespondentRegionTests(unittest.TestCase):
    """Classification with the city's configuration: a 12315 complaint's region is where the
    business is; a 12345 complaint's is still where the caller says.  And complaints that an
    import committed reach classification by the sweeper."""
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.hub = harness.Hub(name="respondent-region", overrides={
            "worker": {"services": harness.ALL_SERVICES}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def classified(self, number, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, found = self.hub.get("/v1/workorders/" + number)
            events = [e for e in found.get("history", []) if e.get("to_state") == "classified"]
            if events:
                return found, events[0]["detail"]["region"]
            time.sleep(0.1)
        self.fail("%s was not classified in %.0f s" % (number, timeout))

    def test_a_12315_complaint_goes_where_the_business_is(self):
        fields = dict(caller_name="王女士", address="乐成街道人民路66号", title="外卖饭菜变质",
                      content="点的外卖饭菜有馊味，吃了肚子疼，商家不理。",
                      respondent_name="某某餐饮店", respondent_address="柳市镇长江路88号")
        status, answer = self.hub.post(harness.order(line="12315", phone="13900000011", **fields))
        self.assertEqual(status, 201, answer)
        found, region = self.classified(answer["number"])
        self.assertEqual((found["region_id"], region["from"], region["matched"]),
                         ("liushi", "respondent_address", "柳市镇"))
        # On 12345 the caller's address still decides.  (Other phones and words, so that no
        # order is taken for a repeat report of another.)
        status, answer = self.hub.post(harness.order(**dict(
            fields, phone="13900000012", title="餐馆油烟直排", content="楼下餐馆油烟直排，窗户都不敢开。")))
        found, region = self.classified(answer["number"])
        self.assertEqual((found["region_id"], region["from"]), ("lecheng", "address"))
        # A 12315 order whose respondent's address names no region of the city: the caller's.
        status, answer = self.hub.post(harness.order(
            line="12315", phone="13900000013", **dict(
                fields, respondent_address="杭州市西湖区文三路1号", title="网购手机是翻新机",
                content="在网店买的手机是翻新机，店家拒绝退款。")))
        found, region = self.classified(answer["number"])
        self.assertEqual((found["region_id"], region["from"]), ("lecheng", "address"))

    def test_imported_complaints_reach_classification(self):
        p = harness.unique_id("SWP")
        path = os.path.join(self.hub.dir, "sweep.csv")
        with open(path, "w", encoding="utf-8") as out:
            out.write(csv_text([row("%s-%02d" % (p, i), line="12315" if i % 2 else "12345",
                                    phone="139%08d" % i,
                                    respondent_address="虹桥镇幸福路%d号" % i if i % 2 else "",
                                    title="超市售卖过期食品%d" % i,
                                    content="在超市买到的牛奶已经过期%d天。" % i)
                                for i in range(40)]))
        done = self.hub.ctl("import", path, timeout=60)
        self.assertEqual(summary(done), (40, 0, 0, 40))
        deadline = time.monotonic() + 90
        waiting = None
        while time.monotonic() < deadline:
            waiting = self.hub.sql_value("SELECT count(*) FROM complaint WHERE external_id LIKE %s"
                                         " AND state = 'received'" % lit(p + "%"))
            if waiting == "0":
                break
            time.sleep(0.5)
        self.assertEqual(waiting, "0", "imported complaints still in 'received'")
        self.assertEqual(self.hub.sql(
            "SELECT DISTINCT c.region FROM complaint c WHERE c.external_id LIKE %s"
            " AND c.channel = 'hotline12315' AND c.state <> 'merged'" % lit(p + "%")),
            [("hongqiao",)])


class SweeperPaceTest(unittest.TestCase):
    """A backlog (an import) goes on at the pace its next stage answers: the sweeper never has
    more than 2000 hand-offs waiting for an answer, and once answers come it hands on the
    rest."""

    def test_the_sweeper_waits_for_answers(self):
        hub = harness.Hub(name="sweeper-pace", overrides={
            "worker": {"stale_after_s": 30, "sweep_interval_ms": 100}}).start()
        self.addCleanup(hub.stop)
        p = harness.unique_id("PACE")
        for start in range(0, 2500, 500):
            envelopes = [{"channel": "web", "external_id": "%s-%04d" % (p, i),
                          "received_at": "2026-11-20T10:00:00+08:00", "title": "t%d" % i,
                          "content": "c"} for i in range(start, start + 500)]
            hub.sql("SELECT count(*) FROM intake_batch(%s::jsonb, 'test')"
                    % lit(json.dumps(envelopes)))
        # Stale from the start: received long ago by the hub's clock.
        hub.sql("UPDATE complaint SET state_since = now() - interval '1 hour'")
        release = threading.Event()
        worker = mdp.WorkerThread(hub.worker_endpoint, "suqiu.classify",
                                  heartbeat_ms=hub.config["broker"]["heartbeat_ms"],
                                  handler=lambda body: (release.wait(120), [b"200", b"{}"])[1])
        worker.start()
        try:
            self.assertIsNotNone(worker.wait_for(lambda body: True, 20), "nothing handed on")

            def handed():
                return sum(int(n) for n in re.findall(r"sweeper handed (\d+) stale complaints",
                                                      hub.log_text("worker-0")))

            deadline = time.monotonic() + 20   # the pass that handed them on logs at its end
            while handed() == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            # Many passes while the one request the worker holds is not answered.
            counts = []
            for _ in range(20):
                time.sleep(0.1)
                counts.append(handed())
            self.assertEqual(set(counts), {2000}, counts)
            release.set()
            deadline = time.monotonic() + 60
            seen = set()
            while time.monotonic() < deadline and len(seen) < 2500:
                seen = {b[1] for _, b in list(worker.requests) if len(b) == 2}
                time.sleep(0.2)
            self.assertEqual(len(seen), 2500, "the rest were not handed on once answers came")
        finally:
            release.set()
            worker.stop()
        self.assertIsNone(worker.error)


if __name__ == "__main__":
    unittest.main(verbosity=2)
