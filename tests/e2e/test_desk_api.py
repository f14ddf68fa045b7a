"""The desks' JSON API at every permission boundary, with the city's real configuration: a
department sees only its own complaints (404 for another's, in lists and one by one, and in
plain SQL as the desk's role), an operator cannot approve an extension, a co-handler cannot
close but can give its opinion, no change without the CSRF token, five wrong passwords lock an
account, a reporter of a 举报 is masked and each unmasking is recorded."""
import hashlib
import subprocess
import time
import unittest

import harness
from test_spine import HubTestCase

SCHOOL = ("学校食堂饭菜有异味", "我家孩子在实验小学读书，学校食堂的饭菜有异味，好几个学生吃了拉肚子，请教育局查一查食堂。")
FARM = ("农药残留", "我们村有农户在种植蔬菜时使用禁用农药，蔬菜马上要拉去卖，请农业农村局来查处。")


class DeskCase(HubTestCase):
    """A hub with the desks, six accounts and three complaints, for the class."""

    @classmethod
    def setUpClass(cls):
        cls.hub = harness.Hub(workers=1, desk=True, name="desk-api",
                              overrides={"worker": {"services": harness.ALL_SERVICES}}).start()
        for login, role, department in (("admin", "admin", None), ("operator", "operator", None),
                                        ("supervisor", "supervisor", None),
                                        ("edu", "department", "jyj"),
                                        ("samr", "department", "scjgj"),
                                        ("agri", "department", "nyncj")):
            args = ["user", "add", login, "--name", login, "--role", role]
            if department:
                args += ["--department", department]
            result = harness.run(
                [harness.program("suqiuctl"), "-c", cls.hub.config_path] + args,
                input="demo-%s\n" % login)
            assert result.returncode == 0, result.stderr
        cls.school = cls.submit(SCHOOL, phone="13900001111")
        cls.farm = cls.submit(FARM, phone="13900002222")
        cls.report = cls.submit(("举报无证黑作坊", "我举报我们小区隔壁有个无证食品黑作坊，卫生条件极差，生产的糕点卖给周边学校，请依法查处取缔。"),
                                phone="13812345678", caller_name="李四")
        for number in (cls.school, cls.farm, cls.report):
            cls.wait_routed(number)

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    @classmethod
    def submit(cls, text, phone, caller_name="张三"):
        status, answer = cls.hub.post(harness.order(title=text[0], content=text[1], phone=phone,
                                                    caller_name=caller_name))
        assert status == 201, answer
        return answer["number"]

    @classmethod
    def wait_routed(cls, number):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status, answer = cls.hub.get("/v1/workorders/" + number)
            if answer.get("state") in ("dispatched", "triage"):
                return answer
            time.sleep(0.1)
        raise AssertionError("%s was not routed: %r" % (number, answer))

    # --- a client of the API ---

    def login(self, user, password=None):
        response = harness.http_request(self.hub.desk_port, "POST", "/api/login",
                                        {"user": user, "password": password or "demo-" + user})
        cookie = (response.header("Set-Cookie") or "").split(";")[0]
        return response, cookie

    def session(self, user):
        response, cookie = self.login(user)
        self.assertEqual(response.status, 200, response.json)
        return {"Cookie": cookie, "X-CSRF-Token": response.json["csrf"]}, cookie

    def get(self, headers, path):
        return harness.http_request(self.hub.desk_port, "GET", path, headers=headers)

    def act(self, headers, number, action, body=None):
        return harness.http_request(self.hub.desk_port, "POST",
                                    "/api/complaints/%s/%s" % (number, action), body or {},
                                    headers=headers)

    def desk_sql(self, query):
        """Rows of query run over a connection of the desk's own role (session_user
        suqiu_desk, as the desk connects), through psql."""
        env = dict(harness.pg_env(), PGUSER="suqiu_desk")
        result = subprocess.run([harness.PSQL, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                                 "-d", self.hub.database, "-c", query],
                                capture_output=True, text=True, timeout=30, env=env)
        if result.returncode != 0:
            raise harness.SqlError(result.stderr.strip())
        return [tuple(line.split("|")) for line in result.stdout.splitlines() if line]

    def lead_of(self, number):
        return self.hub.get("/v1/workorders/" + number)[1].get("lead_department")


class DeskApiTest(DeskCase):
    """The boundaries."""

    def test_a_department_sees_only_its_own(self):
        self.assertEqual(self.lead_of(self.school), "jyj")
        self.assertEqual(self.lead_of(self.farm), "nyncj")
        edu, _ = self.session("edu")
        self.assertEqual(self.get(edu, "/api/complaints/" + self.school).status, 200)
        self.assertEqual(self.get(edu, "/api/complaints/" + self.farm).status, 404)
        listed = [i["number"] for i in self.get(edu, "/api/complaints?limit=200").json["items"]]
        self.assertIn(self.school, listed)
        self.assertNotIn(self.farm, listed)
        # Asking for the other department by name changes nothing.
        other = self.get(edu, "/api/complaints?department=nyncj").json
        self.assertEqual(other, {"items": [], "total": 0})
        agri, _ = self.session("agri")
        self.assertEqual(self.get(agri, "/api/complaints/" + self.school).status, 404)
        self.assertEqual(self.act(agri, self.school, "sign").status, 404)
        supervisor, _ = self.session("supervisor")
        everything = [i["number"] for i in self.get(supervisor, "/api/complaints?limit=200").json["items"]]
        self.assertTrue({self.school, self.farm} <= set(everything))

    def test_sql_as_the_desk_role_with_another_department_sees_nothing(self):
        _, cookie = self.session("agri")
        token_hash = hashlib.sha256(cookie.split("=", 1)[1].encode()).hexdigest()
        # Straight to PostgreSQL as suqiu_desk, the session of 市农业农村局's desk set.
        query = ("BEGIN; SELECT desk_begin('%s', 30) IS NOT NULL; "
                 "SELECT count(*) FROM complaint WHERE number = '%s'; "
                 "SELECT count(*) FROM complaint_event e JOIN complaint c ON c.id = e.complaint_id "
                 "WHERE c.number = '%s'; COMMIT;" % (token_hash, self.school, self.school))
        rows = self.desk_sql(query)
        self.assertEqual(rows, [("t",), ("0",), ("0",)])
        # No session at all: nothing either, and the reporters' names are out of reach.
        self.assertEqual(self.desk_sql("SELECT count(*) FROM complaint"), [("0",)])
        with self.assertRaises(harness.SqlError):
            self.desk_sql("SELECT caller_name FROM complaint_detail")
        with self.assertRaises(harness.SqlError):
            self.desk_sql("UPDATE complaint SET state = 'closed'")

    def test_an_operator_cannot_approve_an_extension(self):
        edu, _ = self.session("edu")
        self.assertEqual(self.act(edu, self.school, "sign").status, 200)
        asked = self.act(edu, self.school, "extend",
                         {"stage": "close", "by": "5wd", "reason": "需要检测机构出具报告"})
        self.assertEqual(asked.status, 200, asked.json)
        operator, _ = self.session("operator")
        refused = self.act(operator, self.school, "extension", {"approve": True})
        self.assertEqual(refused.status, 403, refused.json)
        before = self.get(edu, "/api/complaints/" + self.school).json["deadlines"]
        supervisor, _ = self.session("supervisor")
        approved = self.act(supervisor, self.school, "extension", {"approve": True, "reason": "同意"})
        self.assertEqual(approved.status, 200, approved.json)
        after = self.get(edu, "/api/complaints/" + self.school).json["deadlines"]
        self.assertNotEqual(before, after)
        history = self.get(edu, "/api/complaints/" + self.school).json["history"]
        self.assertIn("user:supervisor", [e["actor"] for e in history])

    def test_a_co_handler_gives_its_opinion_but_cannot_close(self):
        status, answer = self.hub.get("/v1/workorders/" + self.school)
        self.assertIn("scjgj", answer.get("co_departments", []))
        samr, _ = self.session("samr")
        self.assertEqual(self.get(samr, "/api/complaints/" + self.school).status, 200)
        self.assertEqual(self.act(samr, self.school, "close", {"result": "已处理"}).status, 403)
        self.assertEqual(self.act(samr, self.school, "reply", {"text": "已处理"}).status, 403)
        given = self.act(samr, self.school, "co_opinion", {"text": "已对食堂抽样检测，结果附后"})
        self.assertEqual(given.status, 200, given.json)
        opinions = self.get(samr, "/api/complaints/" + self.school).json["co_opinions"]
        self.assertEqual([o["department"] for o in opinions], ["scjgj"])

    def test_no_change_without_the_csrf_token(self):
        edu, cookie = self.session("edu")
        bare = harness.http_request(self.hub.desk_port, "POST",
                                    "/api/complaints/%s/note" % self.school, {"text": "x"},
                                    headers={"Cookie": cookie})
        self.assertEqual(bare.status, 403)
        forged = harness.http_request(self.hub.desk_port, "POST",
                                      "/api/complaints/%s/note" % self.school, {"text": "x"},
                                      headers={"Cookie": cookie, "X-CSRF-Token": "0" * 32})
        self.assertEqual(forged.status, 403)
        self.assertEqual(self.act(edu, self.school, "note", {"text": "已电话联系学校"}).status, 200)
        no_session = harness.http_request(self.hub.desk_port, "GET", "/api/complaints")
        self.assertEqual(no_session.status, 401)

    def test_five_wrong_passwords_lock_the_account(self):
        harness.run([harness.program("suqiuctl"), "-c", self.hub.config_path, "user", "add",
                     "locked", "--name", "locked", "--role", "operator"], input="demo-locked\n")
        for _ in range(5):
            self.assertEqual(self.login("locked", "wrong-password")[0].status, 401)
        response, _ = self.login("locked")
        self.assertEqual(response.status, 423, response.json)
        self.assertIn("locked", response.json["error"])
        listing = harness.run([harness.program("suqiuctl"), "-c", self.hub.config_path, "user", "list"])
        self.assertRegex(listing.stdout, r"(?m)^locked +locked +operator +- +locked")

    def test_a_reporter_is_masked_and_each_unmasking_is_recorded(self):
        status, answer = self.hub.get("/v1/workorders/" + self.report)
        self.assertEqual(answer["type"], "report", answer)
        lead = answer["lead_department"]
        department = {"jyj": "edu", "scjgj": "samr", "nyncj": "agri"}.get(lead)
        self.assertIsNotNone(department, "the report went to %s" % lead)
        desk, _ = self.session(department)
        person = self.get(desk, "/api/complaints/" + self.report).json["person"]
        self.assertEqual(person, {"caller_name": "李**", "phone": "138****5678", "email": None,
                                  "masked": True})
        text = self.get(desk, "/api/complaints/" + self.report).raw.decode()
        self.assertNotIn("李四", text)
        self.assertNotIn("13812345678", text)
        self.assertEqual(self.act(desk, self.report, "unmask").status, 403)
        supervisor, _ = self.session("supervisor")
        unmasked = self.act(supervisor, self.report, "unmask")
        self.assertEqual(unmasked.status, 200, unmasked.json)
        self.assertEqual(unmasked.json["caller_name"], "李四")
        self.assertEqual(unmasked.json["phone"], "13812345678")
        kinds = [(e["kind"], e["actor"]) for e in self.get(supervisor, "/api/complaints/" + self.report).json["history"]]
        self.assertIn(("unmasked", "user:supervisor"), kinds)


class DeskWorkTest(DeskCase):
    """The operators', supervisors' and admins' work through the same API."""

    def test_a_to_z_operator_entry_reply_callback_and_reopening(self):
        operator, _ = self.session("operator")
        entered = harness.http_request(self.hub.desk_port, "POST", "/api/complaints", {
            "line": "12345", "caller_name": "王五", "phone": "13700003333",
            "address": "乐成街道人民路1号", "title": SCHOOL[0], "content": SCHOOL[1],
            "type": "complaint", "urgency": "normal"}, headers=operator)
        self.assertEqual(entered.status, 201, entered.json)
        number = entered.json["number"]
        self.wait_routed(number)
        history = harness.http_request(self.hub.desk_port, "GET", "/api/callers?phone=13700003333",
                                       headers=operator).json
        self.assertEqual([h["number"] for h in history], [number])
        edu, _ = self.session("edu")
        self.assertEqual(self.get(edu, "/api/callers?phone=13700003333").status, 403)
        for action, body in (("sign", {}), ("reply", {"text": "已责令学校整改食堂，并抽检留样"})):
            done = self.act(edu, number, action, body)
            self.assertEqual(done.status, 200, (action, done.json))
        self.assertEqual(self.act(edu, number, "callback", {"satisfaction": "dissatisfied"}).status, 403)
        reopened = self.act(operator, number, "callback", {"satisfaction": "dissatisfied",
                                                           "note": "食堂仍未整改", "reopen": True})
        self.assertEqual(reopened.status, 200, reopened.json)
        one = self.get(edu, "/api/complaints/" + number).json
        self.assertEqual(one["state"], "signed_for")
        self.assertEqual(one["callbacks"][0]["satisfaction"], "dissatisfied")
        self.assertEqual(self.act(edu, number, "close", {"result": "x"}).status, 409)
        self.assertEqual(self.act(edu, number, "reply", {"text": "已再次督促整改"}).status, 200)
        self.assertEqual(self.act(edu, number, "close", {"result": "已整改"}).status, 200)

    def test_the_preview_before_entering(self):
        """The operator sees the classifier's labels and the routing they imply while typing
        (no title yet), a chosen label changes the routing, nothing is kept, and a department's
        desk may not ask."""
        operator, _ = self.session("operator")
        before = self.count_complaints()

        def preview(headers, body):
            return harness.http_request(self.hub.desk_port, "POST", "/api/preview", body,
                                        headers=headers)
        untitled = preview(operator, {"line": "12345", "content": SCHOOL[1]})
        self.assertEqual(untitled.status, 200, untitled.json)
        self.assertEqual(untitled.json["lead_department"], "jyj", untitled.json)
        shown = preview(operator, {"line": "12345", "title": SCHOOL[0], "content": SCHOOL[1]})
        self.assertEqual(shown.status, 200, shown.json)
        # what the pipeline decided for the same text, entered at the start
        supervisor, _ = self.session("supervisor")
        routed = self.get(supervisor, "/api/complaints/" + self.school).json
        self.assertEqual(shown.json["category"], routed["category"], (shown.json, routed))
        self.assertEqual(shown.json["lead_department"], routed["lead_department"])
        self.assertEqual(shown.json["lead_department_name"], "市教育局")
        self.assertFalse(shown.json["triage"])
        self.assertIn(shown.json["type"], ("投诉", "举报", "咨询", "求助", "建议", "表扬"))
        self.assertIn(shown.json["urgency"], ("紧急", "一般"))
        self.assertTrue(all(set(co) == {"id", "name"} for co in shown.json["co_departments"]))
        chosen = preview(operator, {"line": "12345", "content": SCHOOL[1], "type": "咨询",
                                    "category": "food.farm_stage"})
        self.assertEqual(chosen.status, 200, chosen.json)
        self.assertEqual((chosen.json["type"], chosen.json["category"]), ("咨询", "food.farm_stage"))
        self.assertEqual(chosen.json["lead_department"], "nyncj")
        self.assertEqual(preview(operator, {"line": "12345"}).json.get("field"), "content")
        self.assertEqual(preview(operator, {"line": "12345", "content": "x", "colour": 1}).status, 400)
        self.assertEqual(self.count_complaints(), before)
        edu, _ = self.session("edu")
        self.assertEqual(preview(edu, {"line": "12345", "content": SCHOOL[1]}).status, 403)
        no_token = {"Cookie": operator["Cookie"]}
        self.assertEqual(preview(no_token, {"line": "12345", "content": SCHOOL[1]}).status, 403)

    def count_complaints(self):
        return int(self.hub.sql_value("SELECT count(*) FROM complaint"))

    def test_a_return_reviewed_and_redispatched(self):
        number = self.submit(FARM, phone="13900004444")
        self.wait_routed(number)
        agri, _ = self.session("agri")
        supervisor, _ = self.session("supervisor")
        asked = self.act(agri, number, "return", {"reason": "属于市场流通环节，不是种植环节"})
        self.assertEqual(asked.status, 200, asked.json)
        listed = self.get(supervisor, "/api/complaints?limit=200").json["items"]
        self.assertTrue([i for i in listed if i["number"] == number and i.get("return_waiting")])
        waiting = self.get(supervisor, "/api/complaints?waiting=return&limit=200").json["items"]
        self.assertIn(number, [i["number"] for i in waiting])
        self.assertTrue(all(i.get("return_waiting") for i in waiting), waiting)
        self.assertNotIn(number, [i["number"] for i in
                                  self.get(supervisor, "/api/complaints?waiting=extension&limit=200").json["items"]])
        self.assertEqual(self.act(agri, number, "return_review", {"approve": True}).status, 403)
        refused = self.act(supervisor, number, "return_review", {"approve": False, "reason": "确属种植环节"})
        self.assertEqual(refused.status, 200, refused.json)
        self.assertEqual(self.lead_of(number), "nyncj")
        moved = self.act(supervisor, number, "redispatch", {"department": "scjgj", "reason": "流通环节"})
        self.assertEqual(moved.status, 200, moved.json)
        self.assertEqual(self.lead_of(number), "scjgj")
        self.assertEqual(self.get(agri, "/api/complaints/" + number).status, 404)
        samr, _ = self.session("samr")
        self.assertEqual(self.act(samr, number, "sign").status, 200)

    def test_an_approved_return_is_redispatched_and_the_trail_names_the_address(self):
        number = self.submit(FARM, phone="13900005555")
        self.wait_routed(number)
        agri, _ = self.session("agri")
        supervisor, _ = self.session("supervisor")
        self.assertEqual(self.act(agri, number, "return", {"reason": "不是种植环节"}).status, 200)
        approved = self.act(supervisor, number, "return_review", {"approve": True, "reason": "同意退单"})
        self.assertEqual(approved.status, 200, approved.json)
        # Back through routing without 市农业农村局: waiting for routing's next batch,
        # dispatched elsewhere or in triage; either way the supervisor gives it to the
        # department they choose.
        state = self.get(supervisor, "/api/complaints/" + number).json["state"]
        self.assertIn(state, ("classified", "dispatched", "triage"))
        moved = self.act(supervisor, number, "redispatch", {"department": "scjgj", "reason": "流通环节"})
        self.assertEqual(moved.status, 200, moved.json)
        self.assertEqual(self.lead_of(number), "scjgj")
        history = self.get(supervisor, "/api/complaints/" + number).json["history"]
        by_people = [e for e in history if e["actor"].startswith("user:")]
        self.assertTrue(by_people)
        self.assertTrue(all(e["detail"].get("client") == "127.0.0.1" for e in by_people), by_people)
        self.assertFalse([e for e in history if not e["actor"].startswith("user:")
                          and "client" in (e.get("detail") or {})])

    def test_urging_overdue_board_measures_and_csv(self):
        supervisor, _ = self.session("supervisor")
        self.assertEqual(self.act(supervisor, self.farm, "urge", {"message": "请尽快处理"}).status, 200)
        agri, _ = self.session("agri")
        item = [i for i in self.get(agri, "/api/complaints").json["items"] if i["number"] == self.farm][0]
        self.assertEqual(item["urged"], 1)
        board = self.get(supervisor, "/api/overdue")
        self.assertEqual(board.status, 200)
        self.assertIsInstance(board.json, list)
        today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
        stats = self.get(supervisor, "/api/stats?from=%s&to=%s&by=department" % (today, today))
        self.assertEqual(stats.status, 200, stats.json)
        self.assertIn("nyncj", [row["group_id"] for row in stats.json])
        csv = self.get(supervisor, "/api/stats?from=%s&to=%s&by=category&format=csv" % (today, today))
        self.assertEqual(csv.status, 200)
        self.assertTrue(csv.raw.startswith(b"\xef\xbb\xbf\"group_id\""), csv.raw[:40])
        self.assertIn("attachment", csv.header("Content-Disposition"))
        operator, _ = self.session("operator")
        self.assertEqual(self.get(operator, "/api/stats?from=%s&to=%s" % (today, today)).status, 403)
        calls = self.get(supervisor, "/api/calls?from=%s&to=%s" % (today, today))
        self.assertEqual(calls.status, 200, calls.json)
        self.assertIn("all", [row["line"] for row in calls.json])
        self.assertEqual(self.get(agri, "/api/calls?from=%s&to=%s" % (today, today)).status, 403)

    def test_admin_users_and_the_configuration_check(self):
        admin, _ = self.session("admin")
        users = self.get(admin, "/api/users")
        self.assertEqual(users.status, 200, users.json)
        self.assertIn("edu", [u["login"] for u in users.json])
        made = harness.http_request(self.hub.desk_port, "POST", "/api/users", {
            "login": "health", "name": "卫健局", "role": "department", "department": "wjj",
            "password": "demo-health"}, headers=admin)
        self.assertEqual(made.status, 200, made.json)
        self.assertEqual(self.login("health")[0].status, 200)
        supervisor, _ = self.session("supervisor")
        self.assertEqual(self.get(supervisor, "/api/users").status, 403)
        checked = harness.http_request(self.hub.desk_port, "POST", "/api/config/check", {}, headers=admin)
        self.assertEqual(checked.status, 200, checked.json)
        self.assertTrue(checked.json["valid"])
        self.assertNotIn("reloaded", checked.json)
        # the reload: recorded for the workers, the admin's alone
        before = int(self.hub.sql_value("SELECT config_generation()"))
        reloaded = harness.http_request(self.hub.desk_port, "POST", "/api/config/check", {"reload": True},
                                        headers=admin)
        self.assertEqual(reloaded.status, 200, reloaded.json)
        self.assertEqual(reloaded.json["reloaded"], before + 1)
        self.assertEqual(harness.http_request(self.hub.desk_port, "POST", "/api/config/check", {"reload": True},
                                              headers=supervisor).status, 403)
        self.assertEqual(int(self.hub.sql_value("SELECT config_generation()")), before + 1)
        with self.assertRaises(harness.SqlError):   # the desk's role cannot reload behind a session
            self.desk_sql("SELECT desk_config_reload()")
