"""The admin's reload of the city's configuration, end to end: a hub reading a copy of
config/, the routing matrix changed on disk, checked and reloaded at the desk; the workers take
the new matrix between two batches (a new complaint goes to the new lead) without a restart,
while a broken file is refused with its file, line and key, and the one in use stays."""
import os
import shutil
import tempfile
import time
import unittest

import harness
from test_spine import HubTestCase

FARM = ("农药残留", "我们村有农户在种植蔬菜时使用禁用农药，蔬菜马上要拉去卖，请来查处。")
FARM_AGAIN = ("大棚蔬菜打禁用农药", "邻村大棚种西红柿喷了禁用的剧毒农药，过几天就要采摘上市，请依法查处。")


class ConfigReloadTest(HubTestCase):

    def setUp(self):
        self.folder = tempfile.mkdtemp()
        self.config_dir = os.path.join(self.folder, "config")
        shutil.copytree(os.path.join(harness.ROOT, "config"), self.config_dir)
        self.hub = harness.Hub(workers=1, desk=True, name="reload", overrides={
            "worker": {"services": harness.ALL_SERVICES}, "catalog": {"dir": self.config_dir}}).start()
        made = harness.run([harness.program("suqiuctl"), "-c", self.hub.config_path, "user", "add", "admin",
                            "--name", "admin", "--role", "admin"], input="demo-admin\n")
        self.assertEqual(made.returncode, 0, made.stderr)
        response = harness.http_request(self.hub.desk_port, "POST", "/api/login",
                                        {"user": "admin", "password": "demo-admin"})
        self.admin = {"Cookie": (response.header("Set-Cookie") or "").split(";")[0],
                      "X-CSRF-Token": response.json["csrf"]}

    def tearDown(self):
        self.hub.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def lead_of(self, text, phone):
        status, answer = self.hub.post(harness.order(title=text[0], content=text[1], phone=phone))
        self.assertEqual(status, 201, answer)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status, found = self.hub.get("/v1/workorders/" + answer["number"])
            if found.get("state") in ("dispatched", "triage"):
                return found.get("lead_department")
            time.sleep(0.1)
        self.fail("not routed: %r" % found)

    def reload(self):
        return harness.http_request(self.hub.desk_port, "POST", "/api/config/check", {"reload": True},
                                    headers=self.admin)

    def worker_log(self):
        with open(os.path.join(self.hub.dir, "worker-0.log"), encoding="utf-8", errors="replace") as f:
            return f.read()

    def test_a_changed_matrix_is_taken_without_a_restart(self):
        self.assertEqual(self.lead_of(FARM, "13700000001"), "nyncj")
        matrix = os.path.join(self.config_dir, "matrix.yaml")
        with open(matrix, encoding="utf-8") as f:
            text = f.read()
        rule = text.index("  - id: food-farm-stage")
        changed = text[:rule] + text[rule:].replace("lead: nyncj", "lead: scjgj", 1)
        # first a broken one: refused with file, line and key; nothing is recorded
        with open(matrix, "w", encoding="utf-8") as f:
            f.write(text[:rule] + text[rule:].replace("lead: nyncj", "lead: nosuchdept", 1))
        broken = self.reload()
        self.assertEqual(broken.status, 422, broken.json)
        self.assertRegex(" ".join(broken.json["messages"]), r"matrix\.yaml:\d+: rules\[\d+\]\.lead: unknown department")
        self.assertEqual(self.hub.sql_value("SELECT config_generation()"), "0")
        with open(matrix, "w", encoding="utf-8") as f:
            f.write(changed)
        pid = self.hub.workers[0].pid
        reloaded = self.reload()
        self.assertEqual(reloaded.status, 200, reloaded.json)
        self.assertEqual(reloaded.json["reloaded"], 1)
        deadline = time.monotonic() + 15
        while "configuration was reloaded" not in self.worker_log() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertIn("the configuration was reloaded (reload 1)", self.worker_log())
        self.assertEqual(self.lead_of(FARM_AGAIN, "13700000002"), "scjgj")
        self.assertEqual(self.hub.workers[0].pid, pid)
        self.assertIsNone(self.hub.workers[0].poll(), "the worker restarted")


if __name__ == "__main__":
    unittest.main()
