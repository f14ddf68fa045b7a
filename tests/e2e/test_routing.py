"""End-to-end tests of classification and routing (issue 4): a hub whose worker serves
suqiu.intake, suqiu.lookup, suqiu.classify and suqiu.route with the city's real catalogue,
matrix, rules and training data from config/.
"""
import os
import time
import unittest

import harness

CANTEEN = {
    "caller_name": "王女士",
    "phone": "13912345678",
    "address": "乐清市柳市镇长江路88号",
    "title": "柳市实验小学食堂饭菜变质",
    "content": "孩子在柳市实验小学读三年级，今天中午学校食堂的饭菜有馊味，好几个学生吃了以后肚子疼，"
               "希望教育局和市场监管部门去查一查学校食堂。",
}


def lit(text):
    return harness.quote_literal(text)


class RoutingTests(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.hub = harness.Hub(name="routing", overrides={
            "worker": {"services": harness.ALL_SERVICES},
        }).start()
        cls.clerk = cls.hub.add_user("clerk")   # the person of the verbs a person does

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def wait_state(self, number, states, timeout=15.0):
        """GET the work order until its state is one of states; returns its JSON."""
        deadline = time.monotonic() + timeout
        answer = None
        while time.monotonic() < deadline:
            status, answer = self.hub.get("/v1/workorders/" + number)
            self.assertEqual(status, 200, answer)
            if answer["state"] in states:
                return answer
            time.sleep(0.1)
        self.fail("%s never reached %s; it is %r" % (number, states, answer and answer["state"]))

    def post(self, **fields):
        status, answer = self.hub.post(harness.order(**fields))
        self.assertEqual(status, 201, answer)
        return answer["number"]

    def event(self, order, to_state):
        """The last history event into to_state."""
        events = [e for e in order["history"] if e.get("to_state") == to_state]
        self.assertTrue(events, "no event into %s in %r" % (to_state, order["history"]))
        return events[-1]

    def test_school_canteen_goes_to_education_with_market_regulation(self):
        number = self.post(**CANTEEN)
        order = self.wait_state(number, ("dispatched", "triage"))
        self.assertEqual(order["state"], "dispatched", order)
        self.assertEqual(order["category"], "food.school_canteen")
        self.assertEqual(order["lead_department"], "jyj")
        self.assertEqual(order["lead_department_name"], "市教育局")
        self.assertIn("scjgj", order["co_departments"])
        self.assertEqual(order["region_id"], "liushi")
        self.assertIn(order["type"], ("complaint", "report", "enquiry", "help", "suggestion", "praise"))
        self.assertIn(order["urgency"], ("urgent", "normal"))
        classified = self.event(order, "classified")
        self.assertEqual(classified["actor"], "suqiu.classify")
        self.assertEqual(classified["detail"]["category"]["value"], "food.school_canteen")
        self.assertIn(classified["detail"]["category"]["by"], ("rule", "model"))
        self.assertEqual(classified["detail"]["region"]["from"], "address")
        dispatched = self.event(order, "dispatched")
        self.assertEqual(dispatched["actor"], "suqiu.route")
        self.assertEqual(dispatched["detail"]["rule"], "food-school-canteen")
        self.assertIn("市教育局", dispatched["detail"]["reason"])
        explained = self.hub.ctl("route", "--explain", number)
        self.assertEqual(explained.returncode, 0, explained.stderr)
        self.assertIn("lead 市教育局 (jyj)", explained.stdout)
        self.assertIn("rule food-school-canteen", explained.stdout)
        self.assertIn("region    liushi", explained.stdout)

    def test_a_return_is_counted_and_rerouted_without_that_department(self):
        number = self.post(**dict(CANTEEN, phone="13900000001",
                                  address="乐清市虹桥镇幸福路2号",
                                  title="虹桥镇中心小学食堂卫生差",
                                  content="虹桥镇中心小学学校食堂后厨脏乱，饭菜里吃出头发。"))
        self.wait_state(number, ("dispatched",))
        wrong = self.hub.ctl("return", number, "--department", "scjgj", "--reason", "不是牵头单位",
                             "--user", self.clerk)
        self.assertEqual(wrong.returncode, 1, "a co-handler cannot return it")
        done = self.hub.ctl("return", number, "--department", "jyj", "--reason", "属于市场监管职责",
                            "--user", self.clerk)
        self.assertEqual(done.returncode, 0, done.stderr)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            order = self.wait_state(number, ("dispatched", "triage"))
            if len([e for e in order["history"] if e.get("to_state") in ("dispatched", "triage")]) >= 2:
                break
            time.sleep(0.1)
        self.assertNotEqual(order.get("lead_department"), "jyj", order)
        decided = [e for e in order["history"] if e.get("to_state") in ("dispatched", "triage")]
        self.assertEqual(len(decided), 2, order["history"])
        self.assertEqual(decided[-1]["detail"].get("excluded"), ["jyj"])
        returned = self.event(order, "classified")
        self.assertEqual(returned["detail"]["returned_by"], "jyj")
        rows = self.hub.sql("SELECT department, rule_id, reason FROM complaint_return r"
                            " JOIN complaint c ON c.id = r.complaint_id WHERE c.number = %s"
                            % lit(number))
        self.assertEqual(rows, [("jyj", "food-school-canteen", "属于市场监管职责")])
        counted = self.hub.sql_value("SELECT returns FROM route_rule_returns"
                                     " WHERE rule_id = 'food-school-canteen'")
        self.assertGreaterEqual(int(counted), 1)

    def test_a_repeat_report_of_one_incident_is_merged(self):
        first = self.post(phone="13700000002", address="乐清市乐成街道人民路66号",
                          title="人民路餐馆油烟扰民",
                          content="乐成街道人民路66号的餐馆每天油烟直排，楼上住户窗户都不敢开，请处理。")
        self.wait_state(first, ("dispatched", "triage"))
        second = self.post(phone="13700000002", address="乐清市乐成街道人民路66号",
                           title="人民路餐馆油烟扰民问题",
                           content="乐成街道人民路66号的餐馆每天油烟直排，楼上住户窗户都不能开，请尽快处理。")
        order = self.wait_state(second, ("merged", "dispatched", "triage"))
        self.assertEqual(order["state"], "merged", order)
        self.assertEqual(order["duplicate_of"], first)
        merged = self.event(order, "merged")
        self.assertEqual(merged["detail"]["master"], first)
        self.assertGreaterEqual(merged["detail"]["similarity"], 0.4)
        # A different incident from the same caller is not merged.
        other = self.post(phone="13700000002", address="乐清市乐成街道人民路66号",
                          title="人民路路灯不亮", content="人民路66号门口的路灯坏了一个月了，晚上很黑。")
        self.assertNotEqual(self.wait_state(other, ("merged", "dispatched", "triage"))["state"],
                            "merged")

    def test_an_unclear_complaint_goes_to_the_dispatch_desk(self):
        number = self.post(title="请回电", content="请回电话，谢谢。", address="不详")
        order = self.wait_state(number, ("dispatched", "triage"))
        self.assertEqual(order["state"], "triage", order)
        self.assertNotIn("lead_department", order)
        self.assertTrue(self.event(order, "classified")["detail"]["low_confidence"])
        self.assertIn("unsure", self.event(order, "triage")["detail"]["reason"])

    def test_a_correction_reroutes_and_is_learnt_from(self):
        number = self.post(title="请回电", content="有事请回电话。", phone="13600000003",
                           address="不详")
        self.assertEqual(self.wait_state(number, ("dispatched", "triage"))["state"], "triage")
        bad = self.hub.ctl("correct", number, "--category", "no.such", "--reason", "x",
                           "--user", self.clerk)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("no category", bad.stderr)
        done = self.hub.ctl("correct", number, "--category", "urban.property", "--type", "投诉",
                            "--reason", "来电人补充: 物业问题", "--user", self.clerk)
        self.assertEqual(done.returncode, 0, done.stderr)
        order = self.wait_state(number, ("dispatched",))
        self.assertEqual(order["category"], "urban.property")
        self.assertEqual(order["type"], "complaint")
        corrected = [e for e in order["history"] if e.get("detail", {}).get("corrected")]
        self.assertEqual(len(corrected), 1, order["history"])
        change = corrected[0]["detail"]["category"]
        self.assertEqual(change["to"], "urban.property")
        guessed = self.event(order, "classified")  # the last: the correction itself
        first = [e for e in order["history"] if e.get("to_state") == "classified"][0]
        self.assertEqual(change["from"], first["detail"]["category"]["value"])
        self.assertEqual(guessed["detail"]["reason"], "来电人补充: 物业问题")
        explained = self.hub.ctl("route", "--explain", number)
        self.assertIn("corrected", explained.stdout)
        self.assertIn("-> urban.property", explained.stdout)
        out_dir = os.path.join(self.hub.dir, "retrained")
        trained = self.hub.ctl("train", "--from-db", "--out-dir", out_dir, timeout=120)
        self.assertEqual(trained.returncode, 0, trained.stderr)
        self.assertRegex(trained.stdout, r"category: \d+ rows from .* and [1-9]\d* confirmed by people")
        for target in ("category", "type", "urgency"):
            self.assertTrue(os.path.getsize(os.path.join(out_dir, target + ".model")) > 0)

    def test_deadlines_follow_the_policy_in_force_and_the_working_calendar(self):
        """A 12315 complaint received on Friday 2026-02-13 16:00, before the Spring Festival:
        sign-for by the make-up Saturday 02-14, a decision on acceptance within 7 working days
        (03-02), mediation within 45 working days of it (05-08), after 清明 and 劳动节."""
        status, answer = self.hub.post(harness.order(
            line="12315", phone="13511112222", address="乐清市虹桥镇振兴路5号",
            title="超市卖过期食品", content="在虹桥镇一家超市买到过期三天的酸奶，要求商家赔偿并处理。",
            received_at="2026-02-13T16:00:00+08:00"))
        self.assertEqual(status, 201, answer)
        number = answer["number"]
        self.wait_state(number, ("dispatched", "triage"))
        # Make the type certain (the classifier may call it 举报), which also re-routes it.
        done = self.hub.ctl("correct", number, "--type", "投诉", "--category",
                            "food.consumer_dispute", "--reason", "消费纠纷投诉", "--user", self.clerk)
        self.assertEqual(done.returncode, 0, done.stderr)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            order = self.wait_state(number, ("dispatched",))
            if len([e for e in order["history"] if e["kind"] == "deadlines"]) >= 2:
                break
            time.sleep(0.1)
        self.assertEqual(order["lead_department"], "scjgj")
        self.assertEqual(order["deadlines"], {
            "sign_for": {"due": "2026-02-14T23:59:59+08:00", "policy": "12315-complaint-2020"},
            "first_response": {"due": "2026-03-02T23:59:59+08:00", "policy": "12315-complaint-2020"},
            "close": {"due": "2026-05-08T23:59:59+08:00", "policy": "12315-complaint-2020"},
        })
        events = [e for e in order["history"] if e["kind"] == "deadlines"]
        self.assertEqual(len(events), 2, "set when routed, and again when re-routed")
        self.assertEqual(events[-1]["detail"]["policy"], "12315-complaint-2020")
        self.assertIn("市场监督管理投诉举报处理暂行办法", events[-1]["detail"]["basis"])
        # The same arithmetic as the calendar command gives.
        added = self.hub.ctl("calendar", "add", "2026-02-13T16:00:00+08:00", "7wd")
        self.assertEqual(added.stdout.strip(), "2026-03-02T23:59:59+08:00")

    def test_the_deadline_watch_raises_each_alert_once_on_a_fake_clock(self):
        """deadline_sweep(now) with chosen times: a complaint received Friday 2026-02-13 16:00
        is overdue for sign-for (due 02-14 23:59:59) on 02-15, and gets its first-response
        reminder once 75% of the time to 03-02 23:59:59 has passed."""
        status, answer = self.hub.post(harness.order(
            phone="13800001111", address="乐清市北白象镇", title="楼下饭店油烟",
            content="北白象镇中心街的饭店油烟直排，投诉多次没人管。",
            received_at="2026-02-13T16:00:00+08:00"))
        self.assertEqual(status, 201, answer)
        number = answer["number"]
        order = self.wait_state(number, ("dispatched", "triage"))
        self.assertIn("sign_for", order["deadlines"])

        def sweep(at, literal=True):
            when = lit(at) if literal else at
            return [r for r in self.hub.sql("SELECT number, stage, alert FROM deadline_sweep(%s, 100)"
                                            % when) if r[0] == number]

        self.assertEqual(sweep("2026-02-14T12:00:00+08:00"), [])
        self.assertEqual(sweep("2026-02-15T00:00:00+08:00"), [(number, "sign_for", "overdue")])
        self.assertEqual(sweep("2026-02-15T00:00:01+08:00"), [], "raised twice")
        first_due = order["deadlines"]["first_response"]["due"]
        reminder_at = ("(SELECT remind_at FROM complaint_deadline d JOIN complaint c"
                       " ON c.id = d.complaint_id WHERE c.number = %s AND d.stage = 'first_response')"
                       % lit(number))
        self.assertLess(self.hub.sql_value("SELECT iso_shanghai(%s)" % reminder_at), first_due)
        self.assertEqual(self.hub.sql_value(
            "SELECT bool_and(remind_at = started_at + (due_at - started_at) * 0.75"
            " AND started_at = '2026-02-13T16:00:00+08:00') FROM complaint_deadline d"
            " JOIN complaint c ON c.id = d.complaint_id WHERE c.number = %s" % lit(number)), "t")
        self.assertEqual(sweep(reminder_at + " - interval '1 second'", literal=False), [])
        self.assertEqual(sweep(reminder_at, literal=False), [(number, "first_response", "reminder")])
        self.assertEqual(sweep(first_due), [(number, "first_response", "overdue")])
        status, order = self.hub.get("/v1/workorders/" + number)
        kinds = [(e["kind"], e["detail"].get("stage"), e["detail"].get("light"))
                 for e in order["history"] if e["kind"] in ("reminder", "overdue")]
        self.assertEqual(kinds, [("overdue", "sign_for", "red"),
                                 ("reminder", "first_response", "yellow"),
                                 ("overdue", "first_response", "red")])
        overdue = [e for e in order["history"] if e["kind"] == "overdue"][0]
        self.assertEqual(overdue["detail"]["escalated_to"], "supervisors")
        self.assertEqual(overdue["actor"], "suqiu.deadline")
        self.assertIn("overdue", order["deadlines"]["sign_for"])

    def test_sign_respond_close_and_every_reporter_is_answered(self):
        first = self.post(phone="13822223333", address="乐清市翁垟街道南岸路9号",
                          title="南岸路排档占道经营", content="翁垟街道南岸路9号门口的大排档每晚占道经营，垃圾遍地。")
        order = self.wait_state(first, ("dispatched",))
        lead = order["lead_department"]
        repeat = self.post(phone="13822223333", address="乐清市翁垟街道南岸路9号",
                           title="南岸路排档占道经营问题", content="翁垟街道南岸路9号门口大排档每晚占道经营，垃圾遍地没人管。")
        self.assertEqual(self.wait_state(repeat, ("merged", "dispatched", "triage"))["state"], "merged")

        def ctl(*args):
            person = ("--user", self.clerk) if args[0] in ("sign", "respond", "close") else ()
            return self.hub.ctl(*args, *person)

        refused = ctl("close", first, "--department", lead)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("only after a recorded reply", refused.stderr)
        refused = ctl("respond", first, "--department", lead, "--reply", "已处理", "--via", "phone")
        self.assertEqual(refused.returncode, 1)
        self.assertIn("sign for it first", refused.stderr)
        self.assertEqual(ctl("sign", first, "--department", "no_such_unit").returncode, 1)
        self.assertEqual(ctl("respond", first, "--department", lead, "--reply", "x",
                             "--via", "pigeon").returncode, 2)
        done = ctl("sign", first, "--department", lead)
        self.assertEqual(done.returncode, 0, done.stderr)
        order = self.wait_state(first, ("signed_for",), timeout=2)
        self.assertIn("met", order["deadlines"]["sign_for"])
        reply = "已联系翁垟街道执法中队，排档已整改，占道已清理。"
        done = ctl("respond", first, "--department", lead, "--reply", reply, "--via", "phone")
        self.assertEqual(done.returncode, 0, done.stderr)
        order = self.wait_state(first, ("responded",), timeout=2)
        self.assertEqual([(r["body"], r["sent_via"]) for r in order["replies"]], [(reply, "phone")])
        self.assertIn("met", order["deadlines"]["first_response"])
        done = ctl("close", first, "--department", lead, "--result", "已整改")
        self.assertEqual(done.returncode, 0, done.stderr)
        order = self.wait_state(first, ("closed",), timeout=2)
        self.assertIn("met", order["deadlines"]["close"])
        self.assertEqual([e.get("to_state") for e in order["history"] if e.get("to_state")][-3:],
                         ["signed_for", "responded", "closed"])
        # The repeat report's caller is answered with the same reply.
        status, merged = self.hub.get("/v1/workorders/" + repeat)
        self.assertEqual([(r["body"], r["sent_via"]) for r in merged["replies"]], [(reply, "phone")])
        answered = [e for e in merged["history"] if e["kind"] == "answered"]
        self.assertEqual(answered[0]["detail"]["via_master"], first)
        # Nothing closed is listed as overdue; an old open one is.
        old = self.post(phone="13899990000", address="乐清市芙蓉镇", title="芙蓉镇路灯坏了",
                        content="芙蓉镇池头村的路灯坏了两个月。",
                        received_at="2026-03-02T09:00:00+08:00")
        self.wait_state(old, ("dispatched", "triage"))
        listed = ctl("overdue")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn(old, listed.stdout)
        self.assertNotIn(first, listed.stdout)


class DeadlineWatchTests(unittest.TestCase):
    """The worker's own watch, on the real clock: a complaint received long ago is overdue."""

    def test_the_worker_raises_overdue_alerts_by_itself(self):
        hub = harness.Hub(name="deadline-watch", overrides={
            "worker": {"services": harness.ALL_SERVICES, "deadline_watch_ms": 200},
        }).start()
        try:
            status, answer = hub.post(harness.order(received_at="2026-02-13T16:00:00+08:00"))
            self.assertEqual(status, 201, answer)
            deadline = time.monotonic() + 15
            stages = set()
            while time.monotonic() < deadline and len(stages) < 3:
                status, order = hub.get("/v1/workorders/" + answer["number"])
                stages = {e["detail"]["stage"] for e in order["history"] if e["kind"] == "overdue"}
                time.sleep(0.2)
            self.assertEqual(stages, {"sign_for", "first_response", "close"}, order["history"])
            time.sleep(0.6)   # three more watches: nothing is raised twice
            status, order = hub.get("/v1/workorders/" + answer["number"])
            self.assertEqual(len([e for e in order["history"] if e["kind"] == "overdue"]), 3)
        finally:
            hub.stop()


if __name__ == "__main__":
    unittest.main()
