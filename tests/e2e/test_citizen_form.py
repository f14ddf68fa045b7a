"""The citizen's form and status page in headless Chromium (Debian's chromium, driven by
playwright-core from npm; never a downloaded browser), with JavaScript off and a phone-sized
window: fill in, be refused, mend, submit, read the number, look it up.  Screenshots of each
page are left in tests/artifacts/ for a person to look at."""
import json
import os
import shutil
import subprocess
import time
import unittest

import harness
from test_spine import HubTestCase

BROWSER_DIR = os.path.join(harness.ROOT, "tests", "browser")
ARTIFACTS = os.path.join(harness.ROOT, "tests", "artifacts", "citizen-form")


class CitizenFormTest(HubTestCase):

    def test_a_citizen_files_a_complaint_and_looks_it_up(self):
        self.assertTrue(os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")),
                        "playwright-core is not installed: make check runs npm ci in tests/browser")
        self.assertTrue(os.access("/usr/bin/chromium", os.X_OK), "Debian's chromium is missing")
        hub = self.start_hub(workers=1, web=True,
                             overrides={"worker": {"services": harness.ALL_SERVICES}})
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        result = subprocess.run(
            ["node", os.path.join(BROWSER_DIR, "citizen_form.mjs"),
             "http://127.0.0.1:%d" % hub.web_port, ARTIFACTS],
            capture_output=True, text=True, timeout=120, cwd=BROWSER_DIR)
        self.assertEqual(result.returncode, 0, result.stderr)
        seen = json.loads(result.stdout.strip().splitlines()[-1])
        self.assertIn("网上诉求", seen["form_title"])
        self.assertTrue(seen["form_has_csrf"])
        self.assertEqual(seen["region_options"], 26)        # the 25 of regions.yaml and "请选择"
        self.assertGreater(seen["service_options"], 50)
        self.assertIn("不要包含", seen["refusal_status"])   # in Chinese: no HTML tags
        self.assertIn("音响很响", seen["refusal_kept_text"])
        self.assertIn("已受理", seen["submitted_title"])
        self.assertRegex(seen["number"], r"^WEB-\d{8}-\d{6}$")
        self.assertIn("没有找到", seen["wrong_digits_message"])
        self.assertEqual(seen["wrong_digits_shows_result"], 0)
        self.assertIn(seen["state"], ("已受理，正在分类", "已分类，正在派单", "已派至承办单位", "人工分拨中"))
        # The status page shows the complaint, not the citizen: no name, no phone.
        self.assertNotIn("张三", seen["status_page_text"])
        self.assertNotIn("13812345678", seen["status_page_text"])
        rows = hub.sql("SELECT d.caller_name, d.phone, d.region, d.extra->>'consent_to_contact' "
                       "FROM complaint c JOIN complaint_detail d ON d.complaint_id = c.id "
                       "WHERE c.number = '%s'" % seen["number"])
        self.assertEqual(rows, [("张三", "13812345678", "lecheng", "true")])
        for name in ("01-form", "02-form-refused", "03-submitted", "04-status", "05-form-desktop"):
            self.assertGreater(os.path.getsize(os.path.join(ARTIFACTS, name + ".png")), 5000, name)
