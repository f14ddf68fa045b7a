"""End-to-end test of the deadline loop on a fake clock (issue 5): three complaints received
Monday 2026-03-02 09:00 under the city's 投诉/举报 policy (12345-complaint-report-2020: sign-for
1wd, first response 1wd from sign-for, close 15wd, one extension of at most 10wd) are driven
through sign-for, pause, reply, extension and closure by suqiuctl with the hub's clock set
(suqiu.now), and every deadline, working time and rate is checked against values computed by
hand from the working calendar (08:30-12:00, 13:30-17:30; no holiday in March 2026, 7.5
working hours a day).
"""
import csv
import io
import time
import unittest

import harness

POLICY = "12345-complaint-report-2020"
RECEIVED = "2026-03-02T09:00:00+08:00"


def lit(text):
    return harness.quote_literal(text)


class DeadlineLoopTests(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.hub = harness.Hub(name="deadlines", overrides={
            "worker": {"services": harness.ALL_SERVICES},
        }).start()
        # The people of these verbs: a clerk (an admin, who acts for any department) and two
        # supervisors for the extensions.
        cls.hub.add_user("clerk")
        cls.hub.add_user("li", role="supervisor")
        cls.hub.add_user("wang", role="supervisor")

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def order(self, number):
        status, answer = self.hub.get("/v1/workorders/" + number)
        self.assertEqual(status, 200, answer)
        return answer

    def routed(self, phone, address, title, content, category, received=RECEIVED):
        """Post a complaint received at received, make its classification certain (a normal
        投诉 of category) and wait for the deadlines of POLICY."""
        status, answer = self.hub.post(harness.order(
            phone=phone, address=address, title=title, content=content, received_at=received))
        self.assertEqual(status, 201, answer)
        number = answer["number"]
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and self.order(number)["state"] not in ("dispatched", "triage"):
            time.sleep(0.1)
        done = self.hub.ctl("correct", number, "--type", "投诉", "--urgency", "一般",
                            "--category", category, "--reason", "人工核实", "--user", "clerk")
        self.assertEqual(done.returncode, 0, done.stderr)
        while time.monotonic() < deadline:
            order = self.order(number)
            if (order["state"] == "dispatched"
                    and order["deadlines"].get("close", {}).get("policy") == POLICY):
                return number, order
            time.sleep(0.1)
        self.fail("%s never got the deadlines of %s: %r" % (number, POLICY, self.order(number)))

    PERSON_VERBS = ("sign", "respond", "close", "extend", "extension", "pause", "resume",
                    "return", "correct")

    def person(self, args):
        """A person's verb names its person: the hub's clerk (an admin), unless it says."""
        if args and args[0] in self.PERSON_VERBS and "--user" not in args:
            return tuple(args) + ("--user", "clerk")
        return tuple(args)

    def ctl_ok(self, at, *args):
        done = self.hub.ctl(*self.person(args), at=at)
        self.assertEqual(done.returncode, 0, "%s: %s" % (args, done.stderr))
        return done

    def ctl_refused(self, at, expected, *args):
        done = self.hub.ctl(*self.person(args), at=at)
        self.assertEqual(done.returncode, 1, "%s should be refused: %s" % (args, done.stdout))
        self.assertIn(expected, done.stderr)

    def due(self, number):
        return {stage: d["due"] for stage, d in self.order(number)["deadlines"].items()}

    def work(self, number):
        return {stage: d.get("work_seconds") for stage, d in self.order(number)["deadlines"].items()}

    def sweep(self, at, numbers):
        return sorted((r[0], r[1], r[2]) for r in self.hub.sql(
            "SELECT number, stage, alert FROM deadline_sweep(%s, 100)" % lit(at)) if r[0] in numbers)

    def test_sign_for_pause_reply_extension_and_closure_with_hand_computed_rates(self):
        a, order_a = self.routed("13600000001", "乐清市柳市镇长江路88号", "柳市实验小学食堂饭菜变质",
                                 "柳市实验小学食堂的饭菜有馊味，学生吃了肚子疼，请教育局查一查。",
                                 "food.school_canteen")
        b, order_b = self.routed("13600000002", "乐清市虹桥镇中心小学", "虹桥中心小学食堂卫生差",
                                 "虹桥镇中心小学食堂地面油污，餐具没有消毒，孩子回家说饭菜是冷的。",
                                 "food.school_canteen")
        c, order_c = self.routed("13600000003", "乐清市芙蓉镇池头村", "池头村路灯不亮",
                                 "芙蓉镇池头村村口的三盏路灯坏了两个月，晚上出行很危险。",
                                 "urban.municipal")
        numbers = (a, b, c)
        lead = order_a["lead_department"]
        self.assertEqual(order_b["lead_department"], lead)
        # At routing: sign-for 1wd (Tue 03-03), first response 1wd from the sign-for deadline
        # (Wed 03-04), close 15wd from receipt (03-03..06, 09..13, 16..20, 23: Mon 03-23).
        for number in numbers:
            self.assertEqual(self.due(number), {
                "sign_for": "2026-03-03T23:59:59+08:00",
                "first_response": "2026-03-04T23:59:59+08:00",
                "close": "2026-03-23T23:59:59+08:00"})

        # A signs for it on the day of receipt, 15:00: its first response now runs from then
        # (1wd: Tue 03-03), and the sign-for took 09:00-12:00 + 13:30-15:00 = 4.5 working hours.
        self.ctl_ok("2026-03-02T15:00:00+08:00", "sign", a, "--department", lead)
        self.assertEqual(self.due(a)["first_response"], "2026-03-03T23:59:59+08:00")
        self.assertEqual(self.work(a)["sign_for"], 16200)
        moved = [e for e in self.order(a)["history"] if e["kind"] == "deadline_moved"]
        self.assertEqual([(e["detail"]["stage"], e["detail"]["from"], e["detail"]["to"]) for e in moved],
                         [("first_response", "2026-03-04T23:59:59+08:00", "2026-03-03T23:59:59+08:00")])
        self.assertEqual(moved[0]["detail"]["reason"], "a stage it counts from has happened")

        # A cannot reach the citizen: paused Tue 03-03 10:00.  On Wed 03-04 09:00 the watch
        # flags B's and C's sign-for (due 03-03) and reminds them of their first response (75%
        # of 03-02 09:00 to 03-04 23:59:59 has passed), but leaves A alone: its clock is stopped.
        self.ctl_refused("2026-03-03T10:00:00+08:00", "give a reason",
                         "pause", a, "--department", lead, "--reason", " ")
        self.ctl_ok("2026-03-03T10:00:00+08:00", "pause", a, "--department", lead,
                    "--reason", "电话无人接听，等待市民回电")
        self.ctl_refused("2026-03-03T10:05:00+08:00", "paused already",
                         "pause", a, "--department", lead, "--reason", "again")
        self.assertEqual(self.sweep("2026-03-04T09:00:00+08:00", numbers),
                         [(b, "first_response", "reminder"), (b, "sign_for", "overdue"),
                          (c, "first_response", "reminder"), (c, "sign_for", "overdue")])
        listed = self.ctl_ok("2026-03-04T09:00:00+08:00", "overdue").stdout
        self.assertNotIn(a, listed)
        self.assertIn(b, listed)

        # Resumed Thu 03-05 11:00: the pause touched two working days (03-04, 03-05), so the
        # stages still due move by 2wd: first response Thu 03-05, close Wed 03-25.
        self.ctl_ok("2026-03-05T11:00:00+08:00", "resume", a, "--note", "市民已回电")
        self.ctl_refused("2026-03-05T11:01:00+08:00", "not paused", "resume", a)
        self.assertEqual(self.due(a), {"sign_for": "2026-03-03T23:59:59+08:00",
                                       "first_response": "2026-03-05T23:59:59+08:00",
                                       "close": "2026-03-25T23:59:59+08:00"})

        # A answers Thu 03-05 16:00: 28 working hours since receipt (7 + 7.5 + 7.5 + 6) less 16
        # paused (6 + 7.5 + 2.5) = 12 working hours.
        self.ctl_ok("2026-03-05T16:00:00+08:00", "respond", a, "--department", lead,
                    "--reply", "已约谈学校，食堂停业整顿，留样送检。", "--via", "phone")
        self.assertEqual(self.work(a)["first_response"], 12 * 3600)

        # Extensions of the close stage: at most 10wd under this policy; one request waits at
        # a time; refused changes nothing; approved 5wd moves Wed 03-25 to Wed 04-01; a stage
        # is extended once.
        at = "2026-03-20T10:00:00+08:00"
        self.ctl_refused(at, "at most 10wd", "extend", a, "--department", lead, "--stage", "close",
                         "--by", "20wd", "--reason", "需要检测报告")
        self.ctl_refused(at, "only its lead department", "extend", a, "--department", "no_such_unit",
                         "--stage", "close", "--by", "5wd", "--reason", "需要检测报告")
        self.ctl_refused(at, "not due", "extend", a, "--department", lead, "--stage", "sign_for",
                         "--by", "1wd", "--reason", "late")
        self.ctl_ok(at, "extend", a, "--department", lead, "--stage", "close", "--by", "10wd",
                    "--reason", "留样检测需要时间")
        self.ctl_refused(at, "already waiting", "extend", a, "--department", lead, "--stage",
                         "close", "--by", "5wd", "--reason", "again")
        self.ctl_ok("2026-03-20T15:00:00+08:00", "extension", "refuse", a, "--user", "li",
                    "--reason", "十个工作日过长")
        self.assertEqual(self.due(a)["close"], "2026-03-25T23:59:59+08:00")
        self.ctl_ok("2026-03-23T09:00:00+08:00", "extend", a, "--department", lead, "--stage",
                    "close", "--by", "5wd", "--reason", "检测报告下周出")
        self.ctl_ok("2026-03-23T11:00:00+08:00", "extension", "approve", a, "--user", "li")
        self.assertEqual(self.due(a)["close"], "2026-04-01T23:59:59+08:00")
        self.ctl_refused("2026-03-24T09:00:00+08:00", "extended once already", "extend", a,
                         "--department", lead, "--stage", "close", "--by", "1wd", "--reason", "x")
        self.assertEqual(self.hub.sql(
            "SELECT x.within, x.decision, x.decided_by, iso_shanghai(x.due_before),"
            " iso_shanghai(x.due_after) FROM complaint_extension x JOIN complaint c"
            " ON c.id = x.complaint_id WHERE c.number = %s ORDER BY x.id" % lit(a)), [
            ("10wd", "refused", "user:li", "2026-03-25T23:59:59+08:00", ""),
            ("5wd", "approved", "user:li", "2026-03-25T23:59:59+08:00",
             "2026-04-01T23:59:59+08:00")])

        # A closes Tue 03-31 10:00, on time: 158.5 working hours since receipt (7 + 20 days of
        # 7.5 + 1.5) less 16 paused = 142.5.
        self.ctl_ok("2026-03-31T10:00:00+08:00", "close", a, "--department", lead, "--result", "已整改")
        self.assertEqual(self.work(a)["close"], int(142.5 * 3600))
        shown = self.ctl_ok(None, "show", a).stdout
        self.assertIn("close           due 2026-04-01T23:59:59+08:00  met 2026-03-31T10:00:00+08:00"
                      " (142.50 working hours)", shown)
        self.assertIn("via phone: 已约谈学校", shown)

        # B: signed for late (Wed 03-04 09:00: 7 + 7.5 + 0.5 = 15 working hours), so its first
        # response runs to Thu 03-05; answered then; closed late on Mon 03-30 09:30 (due 03-23):
        # 7 + 19 days of 7.5 + 1 = 150.5 working hours.
        self.ctl_ok("2026-03-04T09:00:00+08:00", "sign", b, "--department", lead)
        self.assertEqual(self.due(b)["first_response"], "2026-03-05T23:59:59+08:00")
        self.ctl_ok("2026-03-05T10:00:00+08:00", "respond", b, "--department", lead,
                    "--reply", "食堂已整改，餐具消毒到位。", "--via", "sms")
        self.ctl_ok("2026-03-30T09:30:00+08:00", "close", b, "--department", lead)
        self.assertEqual(self.work(b), {"sign_for": 15 * 3600, "first_response": int(23.5 * 3600),
                                        "close": int(150.5 * 3600)})

        # The measures on Fri 04-10: 3 received, 2 answered (66.7%), 2 closed of which 1 on
        # time, 3 due (C is past its close deadline): 33.3% on time; C overdue; sign-for 4.5
        # and 15 hours (avg 9.75, p90 4.5 + 0.9 x 10.5 = 13.95); close 142.5 and 150.5 (avg
        # 146.5, p90 149.7); one extension approved.
        done = self.ctl_ok("2026-04-10T12:00:00+08:00", "stats", "--from", "2026-03-01", "--to",
                           "2026-03-31", "--by", "department", "--csv")
        rows = list(csv.DictReader(io.StringIO(done.stdout)))
        total = [r for r in rows if r["GROUP"] == "all"]
        self.assertEqual(len(total), 1, done.stdout)
        expected = {"RECEIVED": "3", "RESPONDED": "2", "RESP%": "66.7", "CLOSED": "2",
                    "ON_TIME": "1", "DUE": "3", "ON_TIME%": "33.3", "OVERDUE": "1",
                    "SIGN_AVG_WH": "9.75", "SIGN_P90_WH": "13.95", "CLOSE_AVG_WH": "146.50",
                    "CLOSE_P90_WH": "149.70", "RETURNS": "0", "EXTENSIONS": "1", "MERGED": "0"}
        self.assertEqual({k: total[0][k] for k in expected}, expected)
        by_lead = [r for r in rows if r["GROUP"] == lead]
        self.assertEqual(len(by_lead), 1, done.stdout)
        self.assertEqual((by_lead[0]["RECEIVED"], by_lead[0]["ON_TIME%"], by_lead[0]["OVERDUE"]),
                         ("2", "50.0", "0"))
        # Readable without suqiuctl too: the monthly view.
        self.assertEqual(self.hub.sql(
            "SELECT sum(received), sum(closed_on_time), sum(extensions) FROM complaint_stats_monthly"
            " WHERE month = '2026-03-01'"), [("3", "1", "1")])
        # And by hand in the table form, with the usage error for a wrong period.
        table = self.ctl_ok("2026-04-10T12:00:00+08:00", "stats", "--from", "2026-03-01",
                            "--to", "2026-03-31").stdout
        self.assertRegex(table, r"(?m)^all\s+3\s+2\s+66\.7\s+2\s+1\s+3\s+33\.3\s+1\s")
        wrong = self.hub.ctl("stats", "--from", "2026-03-31", "--to", "2026-03-01")
        self.assertEqual(wrong.returncode, 2)
        self.assertIn("the first not after the second", wrong.stderr)

    def test_an_approved_extension_survives_a_return_and_re_routing(self):
        """Received Mon 2026-04-13 09:00 (outside the period of the other test's stats): close
        15wd, 04-14..30 (13) then after 劳动节 05-06, 05-07; extended by 5wd: 05-08, the make-up
        Saturday 05-09, 05-11, 05-12, 05-13.  Then handed back by its lead department on Wed
        04-15 10:00: routing sets the deadlines again from receipt and settles them at once, so
        the new department inherits the extended close deadline, and gets a fresh sign-for
        limit from the return (Thu 04-16), its first response 1wd after that (Fri 04-17), with
        the history saying why."""
        d, order = self.routed("13600000004", "乐清市乐成街道宁康西路", "宁康西路餐馆卫生差",
                               "乐成街道宁康西路一家小餐馆后厨脏乱，老鼠乱窜，请市场监管部门检查。",
                               "food.catering", received="2026-04-13T09:00:00+08:00")
        lead = order["lead_department"]
        self.assertEqual(self.due(d)["close"], "2026-05-07T23:59:59+08:00")
        self.ctl_ok("2026-04-14T09:00:00+08:00", "extend", d, "--department", lead, "--stage",
                    "close", "--by", "5wd", "--reason", "需要联合检查")
        self.ctl_ok("2026-04-14T10:00:00+08:00", "extension", "approve", d, "--user", "wang")
        self.assertEqual(self.due(d)["close"], "2026-05-13T23:59:59+08:00")
        self.ctl_ok("2026-04-15T10:00:00+08:00", "sign", d, "--department", lead)
        done = self.hub.ctl("return", d, "--department", lead, "--reason", "不属于本单位职责",
                            "--user", "clerk", at="2026-04-15T10:00:00+08:00")
        self.assertEqual(done.returncode, 0, done.stderr)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            order = self.order(d)
            if order["state"] in ("dispatched", "triage") and order.get("lead_department") != lead:
                break
            time.sleep(0.1)
        self.assertNotEqual(order.get("lead_department"), lead, order)
        self.assertEqual(self.due(d), {"sign_for": "2026-04-16T23:59:59+08:00",
                                       "first_response": "2026-04-17T23:59:59+08:00",
                                       "close": "2026-05-13T23:59:59+08:00"})
        self.assertNotIn("met", order["deadlines"]["sign_for"], "signed for by the old lead")
        kept = [e for e in order["history"] if e["kind"] == "deadline_moved"
                and e["detail"]["reason"] == "kept through re-routing"]
        self.assertEqual([(e["detail"]["stage"], e["detail"]["to"]) for e in kept],
                         [("sign_for", "2026-04-16T23:59:59+08:00"),
                          ("first_response", "2026-04-17T23:59:59+08:00"),
                          ("close", "2026-05-13T23:59:59+08:00")])
        # The measures kept on the complaint row: one return, one extension; the sign-for the
        # old lead department did no longer counts.
        self.assertEqual(self.hub.sql(
            "SELECT returns, extensions, sign_for_work_seconds IS NULL FROM complaint"
            " WHERE number = %s" % lit(d)), [("1", "1", "t")])


if __name__ == "__main__":
    unittest.main()
