"""The systemd units in ops/systemd/ for production hosts: systemd-analyze verify accepts them
without a word (an unknown key is only a warning to systemd, so any output fails here), every
service restarts always, and the order is the supervisor's: broker, then workers, then
adapters (systemd stops in the reverse order)."""
import configparser
import glob
import os
import shutil
import subprocess
import tempfile
import unittest

import harness

UNITS = os.path.join(harness.ROOT, "ops", "systemd")


def unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(os.path.join(UNITS, name))
    return parser


class SystemdUnitsTest(unittest.TestCase):

    def test_systemd_analyze_verify_says_nothing(self):
        analyze = shutil.which("systemd-analyze")
        self.assertIsNotNone(analyze, "systemd-analyze is missing (package systemd)")
        with tempfile.TemporaryDirectory() as folder:
            for path in glob.glob(os.path.join(UNITS, "*")):
                with open(path) as f:
                    text = f.read().replace("/usr/local/bin/", harness.bin_dir() + "/")
                with open(os.path.join(folder, os.path.basename(path)), "w") as f:
                    f.write(text)
            names = sorted(n for n in os.listdir(folder) if not n.endswith("@.service"))
            names.append("suqiu-worker@1.service")
            result = subprocess.run([analyze, "verify", "--man=no"] + names, cwd=folder,
                                    capture_output=True, text=True, timeout=60)
        self.assertEqual((result.returncode, result.stdout + result.stderr), (0, ""))

    def test_every_service_restarts_always_in_the_supervisor_order(self):
        services = sorted(os.path.basename(p) for p in glob.glob(os.path.join(UNITS, "*.service")))
        self.assertEqual(services, ["suqiu-broker.service", "suqiu-desk.service",
                                    "suqiu-email.service", "suqiu-hotline.service",
                                    "suqiu-web.service", "suqiu-wechat.service",
                                    "suqiu-worker@.service"])
        for name in services:
            self.assertEqual(unit(name)["Service"]["Restart"], "always", name)
            self.assertEqual(unit(name)["Unit"]["StartLimitIntervalSec"], "0", name)
        self.assertIn("suqiu-broker.service", unit("suqiu-worker@.service")["Unit"]["After"].split())
        self.assertIn("postgresql.service", unit("suqiu-worker@.service")["Unit"]["After"].split())
        for adapter in ("suqiu-hotline.service", "suqiu-web.service", "suqiu-wechat.service",
                        "suqiu-email.service", "suqiu-desk.service"):
            after = unit(adapter)["Unit"]["After"].split()
            self.assertIn("suqiu-broker.service", after)
            self.assertIn("suqiu-worker@1.service", after)
        wanted = unit("suqiu.target")["Unit"]["Wants"].split()
        self.assertEqual(sorted(wanted), ["suqiu-broker.service", "suqiu-desk.service",
                                          "suqiu-email.service", "suqiu-hotline.service",
                                          "suqiu-web.service", "suqiu-wechat.service",
                                          "suqiu-worker@1.service", "suqiu-worker@2.service"])
