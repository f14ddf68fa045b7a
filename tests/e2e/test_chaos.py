"""A short `make chaos` (ops/chaos.py): half a minute of work orders through the hotline and the
web door while the broker, the workers, both adapters and PostgreSQL are killed with SIGKILL at random moments
and the supervisor brings each back.  Nothing acknowledged may be lost or duplicated, every
order must be answered in the end, and every killed process must come back by itself.
"""
import os
import re
import shutil
import subprocess
import unittest

import harness

LINE = re.compile(r"^chaos: submitted=(\d+) acknowledged=(\d+) spooled=\d+ committed=(\d+) lost=(\d+) "
                  r"duplicated=(\d+) unanswered=(\d+) kills=(\S+) unavailable_max=(\S+) ", re.M)


class ChaosTest(unittest.TestCase):

    def test_half_a_minute_of_kills_loses_nothing(self):
        home = os.path.join(harness.ROOT, "var", "e2e-chaos-%d" % os.getpid())
        env = dict(os.environ, CHAOS_HOME=home, CHAOS_SECONDS="30", CHAOS_RATE="100",
                   CHAOS_KILL_EVERY="2.5")
        try:
            result = subprocess.run(["/usr/bin/python3", os.path.join(harness.ROOT, "ops", "chaos.py")],
                                    env=env, capture_output=True, text=True, timeout=600)
        finally:
            logs = os.path.join(home, "var", "log")
            if os.path.isdir(logs):
                shutil.copytree(logs, os.path.join(harness.RUN_DIR, "chaos-logs"), dirs_exist_ok=True)
            shutil.rmtree(home, ignore_errors=True)
        report = result.stdout + result.stderr
        match = LINE.search(result.stdout)
        self.assertIsNotNone(match, report)
        submitted, acknowledged, committed, lost, duplicated, unanswered = map(int, match.groups()[:6])
        self.assertEqual(submitted, 3000, report)
        self.assertEqual((lost, duplicated, unanswered), (0, 0, 0), report)
        self.assertEqual(acknowledged, submitted, report)
        self.assertEqual(committed, submitted, report)
        kills = dict((k, int(n)) for k, n in (part.split(":") for part in match.group(7).split(",")))
        self.assertGreaterEqual(sum(kills.values()), 6, report)
        for kind in ("broker", "worker", "hotline", "web", "postgres"):
            self.assertGreaterEqual(kills.get(kind, 0), 1, report)
        self.assertNotEqual(match.group(8), "never", report)
        self.assertLess(float(match.group(8).rstrip("s")), 30.0, report)
        self.assertEqual(result.returncode, 0, report)
