"""The evaluation set (tests/eval/realistic.csv) is well formed and kept apart from the
training data.  It asserts no tuned figure: make eval measures; this checks the data."""
import csv
import os
import re
import sys
import unittest

import harness

EVAL = os.path.join(harness.ROOT, "tests", "eval")
sys.path.insert(0, EVAL)

import leak_check  # noqa: E402
import run_eval  # noqa: E402

TYPES = {"投诉", "举报", "咨询", "求助", "建议", "表扬"}


def ids_in(path, pattern=r"^\s+- id: (\S+)"):
    """The ids of a catalogue file's first list (categories.yaml: not its settings)."""
    with open(path, encoding="utf-8") as source:
        text = source.read().split("\nsettings:")[0]
    return set(re.findall(pattern, text, re.M))


class EvalDataTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(EVAL, "realistic.csv"), encoding="utf-8", newline="") as source:
            cls.rows = list(csv.DictReader(source))

    def test_every_label_is_one_the_city_knows(self):
        config = os.path.join(harness.ROOT, "config")
        categories = ids_in(os.path.join(config, "categories.yaml"))
        departments = ids_in(os.path.join(config, "departments.yaml"))
        regions = ids_in(os.path.join(config, "regions.yaml"))
        self.assertGreaterEqual(len(self.rows), 400)
        self.assertEqual(len({r["id"] for r in self.rows}), len(self.rows), "ids are unique")
        for row in self.rows:
            where = "%s: " % row["id"]
            self.assertIn(row["line"], ("12345", "12315"), where)
            self.assertIn(row["style"], ("hotline", "wechat", "web", "email"), where)
            self.assertIn(row["type"], TYPES, where)
            self.assertIn(row["urgency"], ("紧急", "一般"), where)
            self.assertIn(row["category"], categories, where)
            for department in [row["lead"]] + row["co"].split():
                self.assertIn(department, departments, where)
            self.assertTrue(row["region"] == "" or row["region"] in regions, where)
            self.assertTrue(row["content"].strip() and row["basis"].strip(), where)

    def test_every_category_type_and_style_is_covered(self):
        config = os.path.join(harness.ROOT, "config")
        categories = ids_in(os.path.join(config, "categories.yaml"))
        self.assertEqual({r["category"] for r in self.rows}, categories)
        self.assertEqual({r["type"] for r in self.rows}, TYPES)
        self.assertGreaterEqual(sum(r["urgency"] == "紧急" for r in self.rows), 30)

    def test_repeat_reports_are_incidents_of_two_or_more_kept_in_one_half(self):
        incidents = {}
        for row in self.rows:
            if row["incident"]:
                incidents.setdefault(row["incident"], []).append(row)
        self.assertGreaterEqual(len(incidents), 15)
        for name, reports in incidents.items():
            self.assertGreaterEqual(len(reports), 2, name)
            self.assertEqual(len({run_eval.split_of(r) for r in reports}), 1, name)
            self.assertEqual(len({r["category"] for r in reports}), 1, name)

    def test_no_eval_text_retells_a_training_text(self):
        leaks, closest = leak_check.check()
        self.assertEqual(leaks, [], "too close to training rows: %r" % leaks[:5])


if __name__ == "__main__":
    unittest.main()
