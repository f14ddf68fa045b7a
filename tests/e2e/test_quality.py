"""End-to-end tests of routing quality (issue 13) with the city's real configuration: the
operator's own labels are kept, urgency needs harm going on now, a report of someone else's
violation is a 举报, the setting picks who leads, traditional characters read as simplified,
repeat reports below the merge threshold are only suggested to the desk, and a city's old
work orders train the category model through a mapping.
"""
import csv
import os
import time
import unittest

import harness


def lit(text):
    return harness.quote_literal(text)


class QualityTests(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.hub = harness.Hub(name="quality", overrides={
            "worker": {"services": harness.ALL_SERVICES},
        }).start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def wait_state(self, number, states=("dispatched", "triage", "merged"), timeout=15.0):
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
        return self.wait_state(answer["number"])

    @staticmethod
    def classified(order):
        return [e for e in order["history"] if e.get("to_state") == "classified"][-1]["detail"]

    def test_the_operators_type_is_kept_and_the_disagreement_recorded(self):
        order = self.post(phone="13511110001", address="乐清市北白象镇",
                          title="举报黑作坊", type="投诉", urgency="一般",
                          content="北白象镇有人在出租房里开黑作坊做豆腐，没有任何证照，"
                                  "污水直接排进河里，请依法查处、取缔。")
        self.assertEqual(order["type"], "complaint", "the operator chose 投诉")
        self.assertEqual(order["urgency"], "normal")
        why = self.classified(order)["type"]
        self.assertEqual(why["by"], "operator")
        self.assertTrue(why["disagrees"], why)
        self.assertEqual(why["classifier"]["value"], "report", why)
        explained = self.hub.ctl("route", "--explain", order["number"])
        self.assertIn("chosen by the operator; the classifier disagrees: report", explained.stdout)
        # An operator's category is kept too; a label the catalogue does not know is refused.
        order = self.post(phone="13511110002", address="乐清市城东街道", title="反映情况",
                          category="food.grain", content="粮站的事情，具体情况请回电。")
        self.assertEqual(order["category"], "food.grain")
        self.assertEqual(order["lead_department"], "fgj")
        status, answer = self.hub.post(harness.order(type="抱怨"))
        self.assertEqual((status, answer["field"]), (400, "type"), answer)

    def test_urgency_needs_harm_going_on_now(self):
        now = self.post(phone="13511110003", address="乐清市南塘镇",
                        title="工厂食堂多人呕吐",
                        content="我们厂食堂中午吃完饭，现在十几个工人上吐下泻，有人晕倒了，"
                                "救护车还没到，请马上派人！")
        self.assertEqual(now["urgency"], "urgent")
        self.assertEqual(now["category"], "food.poisoning")
        cues = [c[0] for c in self.classified(now)["urgency"]["cues"]]
        self.assertIn("urgent-many-ill", cues)
        past = self.post(phone="13511110004", address="乐清市南塘镇",
                         title="上周聚餐后腹泻",
                         content="上周六在一家饭店聚餐后我们三个人腹泻，当时去医院挂了水，"
                                 "现在都已经好了，要求饭店承担医药费。")
        self.assertEqual(past["urgency"], "normal")
        cues = [c[0] for c in self.classified(past)["urgency"]["cues"]]
        self.assertIn("normal-told-afterwards", cues)
        self.assertIn("normal-already-over", cues)
        feared = self.post(phone="13511110005", address="乐清市城南街道", title="楼道堆满杂物",
                           content="楼道里堆满纸箱和旧家具，万一着火后果不堪设想，物业不管。")
        self.assertEqual(feared["urgency"], "normal")

    def test_a_report_is_someone_elses_violation_a_complaint_a_remedy(self):
        report = self.post(phone="13511110006", address="乐清市虹桥镇",
                           title="菜场私宰生猪",
                           content="虹桥镇某村有人半夜私宰生猪，没有检疫，肉拉到菜场卖，"
                                   "举报人要求保密，请依法查处。")
        self.assertEqual(report["type"], "report")
        self.assertEqual(report["lead_department"], "nyncj")
        self.assertIn("gaj", report.get("co_departments", []), "行刑衔接")
        complaint = self.post(phone="13511110007", address="乐清市虹桥镇",
                              title="买到过期饼干",
                              content="我在超市买的饼干过期了一个月，要求超市退款并赔偿。")
        self.assertEqual(complaint["type"], "complaint")
        cues = [c[0] for c in self.classified(complaint)["type"]["cues"]]
        self.assertIn("type-complaint-remedy", cues)

    def test_the_setting_says_who_leads_an_incident(self):
        school = self.post(phone="13511110008", address="乐清市柳市镇",
                           title="小学学生午饭后呕吐",
                           content="柳市镇某小学今天中午食堂午饭后，二十多名学生呕吐腹痛，"
                                   "正在送医院，请马上派人。")
        self.assertEqual(self.classified(school)["setting"]["value"], "school")
        self.assertEqual(school["category"], "food.poisoning")
        self.assertEqual(school["lead_department"], "jyj")
        self.assertEqual(sorted(school["co_departments"]), ["scjgj", "wjj"])
        home = self.post(phone="13511110009", address="乐清市南岳镇",
                         title="敬老院老人饭后腹泻",
                         content="南岳镇敬老院今天晚饭后十几个老人上吐下泻，现在有人昏迷，"
                                 "请马上派人救治。")
        self.assertEqual(home["lead_department"], "mzj")
        crime = self.post(phone="13511110010", address="乐清市白石街道", line="12315",
                          title="饭店使用地沟油",
                          content="白石街道一家饭店后厨用的是从私人手里买的地沟油，"
                                  "请依法查处。")
        self.assertEqual(crime["category"], "food.crime")
        self.assertEqual(crime["lead_department"], "gaj", "a crime: the police lead")
        self.assertIn("scjgj", crime["co_departments"])

    def test_traditional_characters_read_as_simplified(self):
        order = self.post(phone="13511110011", address=None, title="餐廳後廚很髒",
                          content="城東一家茶餐廳後廚生熟不分，抹布黑得發亮，請相關部門去檢查。")
        self.assertEqual(order["category"], "food.catering")
        self.assertEqual(order["lead_department"], "scjgj")
        self.assertEqual(order["region_id"], "chengdong")
        self.assertGreater(self.classified(order)["traditional_characters"], 5)


class RepeatSuggestionTests(unittest.TestCase):
    """A hub whose merge threshold is out of reach: a retold report is only suggested."""

    def test_a_repeat_below_the_merge_threshold_is_only_suggested(self):
        hub = harness.Hub(name="repeat-suggest", overrides={
            "worker": {"services": harness.ALL_SERVICES},
            "classify": dict(harness.BASE_CONFIG["classify"], repeat_merge_percent=99,
                             repeat_suggest_percent=20),
        }).start()
        try:
            def post(**fields):
                status, answer = hub.post(harness.order(**fields))
                self.assertEqual(status, 201, answer)
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    status, order = hub.get("/v1/workorders/" + answer["number"])
                    if order["state"] in ("dispatched", "triage", "merged"):
                        return order
                    time.sleep(0.1)
                self.fail("not decided: %r" % order)

            first = post(phone="13522220001", address="乐清市柳市镇柳青路",
                         title="月饼厂工人徒手操作",
                         content="来电人反映：柳市镇柳青路一家做月饼的食品厂，工人徒手揉面，"
                                 "车间苍蝇乱飞，月饼直接堆在地上。来电人诉求：请依法查处。")
            again = post(phone="13522220002", address=None, line="12315", title="微信留言",
                         content="柳市柳青路那个月饼厂 工人用手揉面 月饼就堆在地上 苍蝇乱飞 "
                                 "有人管吗")
            self.assertEqual(again["state"], "dispatched", "below the merge threshold: not merged")
            suggested = [e for e in again["history"] if e["kind"] == "repeat_suggested"]
            self.assertEqual(len(suggested), 1, again["history"])
            self.assertEqual(suggested[0]["detail"]["candidate"], first["number"])
            self.assertGreaterEqual(suggested[0]["detail"]["similarity"], 0.2)
            self.assertLess(suggested[0]["detail"]["similarity"], 0.99)
            rows = hub.sql("SELECT number, candidate FROM repeat_suggestions")
            self.assertIn((again["number"], first["number"]), rows)
            other = post(phone="13522220003", address="乐清市柳市镇", title="路灯不亮",
                         content="柳市镇长江路的路灯坏了两个星期，晚上很黑。")
            self.assertEqual([e for e in other["history"] if e["kind"] == "repeat_suggested"], [])
            explained = hub.ctl("route", "--explain", again["number"])
            self.assertIn("suggested", explained.stdout)
            self.assertIn(first["number"], explained.stdout)
        finally:
            hub.stop()


class HistoryTrainingTests(unittest.TestCase):
    """suqiuctl train --history: old labels (a category of the old platform, or the
    department that handled the order) mapped onto the taxonomy."""

    def test_old_orders_are_mapped_and_learnt_from(self):
        folder = os.path.join(harness.RUN_DIR, "history")
        os.makedirs(folder, exist_ok=True)
        export = os.path.join(folder, "old_orders.csv")
        with open(export, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["标题", "title", "body", "承办单位"])
            for i in range(12):
                writer.writerow(["", "物业问题%d" % i, "小区物业不修电梯，物业费还涨价，第%d栋" % i,
                                 "物业科"])
                writer.writerow(["", "学校收费%d" % i, "学校乱收资料费，第%d班" % i, "市教育局"])
                writer.writerow(["", "公交%d" % i, "公交车不按时发车%d" % i, "客运中心"])
        mapping = os.path.join(folder, "mapping.yaml")
        with open(mapping, "w", encoding="utf-8") as out:
            out.write("label_column: 承办单位\n"
                      "labels:\n"
                      "  - from: 物业科\n"
                      "    to: [urban.property]\n"
                      "  - from: 市教育局\n"
                      "    department: jyj\n")
        labelled = os.path.join(folder, "labelled.csv")
        models = os.path.join(folder, "models")
        config = os.path.join(harness.ROOT, "config", "hub.yaml")
        done = harness.run([harness.program("suqiuctl"), "-c", config, "train", "--history",
                            export, "--mapping", mapping, "--out-dir", models, "--labelled",
                            labelled, "--param", "calibrate=false", "--param", "epochs=5"],
                           timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("24 old orders", done.stdout)
        self.assertIn("客运中心: 0 orders used, 12 skipped (not in the mapping)", done.stdout)
        self.assertRegex(done.stdout, r"物业科: 12 orders used, 0 skipped; most to urban.property 12")
        self.assertTrue(os.path.getsize(os.path.join(models, "category.model")) > 0)
        with open(labelled, encoding="utf-8", newline="") as source:
            rows = list(csv.DictReader(source))
        self.assertEqual(len(rows), 24)
        school = {r["category"] for r in rows if r["title"].startswith("学校")}
        self.assertTrue(school <= {"edu.admission", "edu.school_management", "edu.teachers",
                                   "food.school_canteen"}, school)
        bad = harness.run([harness.program("suqiuctl"), "-c", config, "train", "--history",
                           export, "--mapping", os.path.join(folder, "none.yaml")], timeout=30)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("none.yaml", bad.stderr)


if __name__ == "__main__":
    unittest.main()
