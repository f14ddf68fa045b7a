"""The hub under its supervisor, as `make run` starts it: every daemon a child of s6, restarted
when it dies with no command typed, a broker restart under load that converges (each session
registered once, no READY/DISCONNECT loop), PostgreSQL killed and back, `make run` twice, and
`make stop` from any state.  A hub of its own (ops/supervised_hub.py) in a folder under var/,
with its own ports, cluster and supervisor; the ops scripts drive it as they drive the real one.
"""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import unittest

import harness

sys.path.insert(0, os.path.join(harness.ROOT, "ops"))
from supervised_hub import SupervisedHub  # noqa: E402

HEARTBEAT_S = 2.5                  # the defaults of config/hub.yaml: the hub as shipped
SESSIONS_PER_WORKER = 32 + 5 * 4   # worker.sessions for intake, 4 for each other service
                                   # (lookup, classify, route, calls, outbox)
WORKERS = 2


def process_alive(pid):
    """True when pid is a live process (a zombie counts as dead)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def s_seconds_between(earlier, later):
    """Seconds between two log stamps (2026-12-03T14:16:54.579) of the same day."""
    def seconds(stamp):
        h, m, s = stamp[11:].split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    return seconds(later) - seconds(earlier)


class SupervisedHubTest(unittest.TestCase):
    """One supervised hub for the class; the tests run in name order."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.home = os.path.join(harness.ROOT, "var", "e2e-supervisor-%d" % os.getpid())
        cls.hub = SupervisedHub(cls.home, workers=WORKERS)
        cls.hub.start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()
        reports = cls.sanitizer_reports()
        logs = os.path.join(harness.RUN_DIR, "supervised-hub-logs")
        shutil.copytree(cls.hub.logs, logs, dirs_exist_ok=True)
        shutil.rmtree(cls.home, ignore_errors=True)
        if reports:
            raise AssertionError("sanitizer reports (logs in %s): %s" % (logs, reports))

    @classmethod
    def sanitizer_reports(cls):
        found = []
        for name in cls.hub.services():
            for line in cls.hub.log_lines(name):
                if any(mark in line for mark in harness.SANITIZER_MARKS):
                    found.append("%s: %s" % (name, line))
        return found

    def post(self, body, timeout=15):
        response = harness.http_request(self.hub.http_port, "POST", "/v1/workorders", body,
                                        timeout=timeout)
        return response.status, response.json

    def submit(self, body, deadline_s):
        """POST as an operator's system does until a number comes back (through the spool
        when it answers 202); (number, seconds)."""
        began = time.monotonic()
        _, number, _ = harness.submit_order(self.hub.http_port, body, deadline_s)
        return number, time.monotonic() - began

    def stream(self, count, prefix):
        """Submit count orders from 4 threads in the background; returns (threads, answers)."""
        answers = {}
        bodies = [harness.order("%s-%04d" % (prefix, i)) for i in range(count)]

        def run(part):
            for body in part:
                number, _ = self.submit(body, 60)
                answers[body["external_id"]] = number
                time.sleep(0.01)

        threads = [threading.Thread(target=run, args=(bodies[i::4],), daemon=True) for i in range(4)]
        for t in threads:
            t.start()
        return threads, answers

    def assert_committed_once(self, answers):
        self.assertNotIn(None, answers.values(), "orders never answered")
        keys = ",".join(harness.quote_literal(k) for k in answers)
        rows = self.hub.sql("SELECT external_id, number FROM complaint WHERE external_id IN (%s)" % keys)
        self.assertEqual(sorted(rows), sorted(answers.items()))

    def wait_supervised_answer(self, deadline_s):
        number, took = self.submit(harness.order(harness.unique_id("BACK")), deadline_s)
        self.assertIsNotNone(number, "the hub did not answer within %.0f s" % deadline_s)
        return took

    # ----------------------------------------------------------------------------------

    def test_1_every_daemon_is_a_child_of_the_supervisor_and_run_twice_is_safe(self):
        names = self.hub.services()
        self.assertEqual(names, ["broker", "desk", "email", "hotline", "postgres", "web", "wechat",
                                 "worker-1", "worker-2"])
        pids = {name: self.hub.pid(name) for name in names}
        for name, pid in pids.items():
            with open("/proc/%d/stat" % pid) as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            with open("/proc/%d/comm" % parent) as f:
                self.assertEqual(f.read().strip(), "s6-supervise", name)
        self.hub.start()   # `make run` again: nothing restarted
        self.assertEqual({name: self.hub.pid(name) for name in names}, pids)
        status = self.hub.status()
        for name in names:
            self.assertRegex(status, r"(?m)^%s +up +%d +\d+s +0 " % (name, pids[name]))
        self.assertIsNotNone(self.submit(harness.order(), 15)[0])

    def test_2_a_broker_killed_under_load_comes_back_and_the_sessions_converge(self):
        threads, answers = self.stream(120, harness.unique_id("SUPBRK"))
        time.sleep(1.0)
        old = self.hub.pid("broker")
        killed_at = time.monotonic()
        since = self.hub.log_stamp()
        os.kill(old, signal.SIGKILL)
        self.hub.wait_up("broker", 10, other_than=old)
        self.wait_supervised_answer(15)
        back_after = time.monotonic() - killed_at
        self.assertLess(back_after, 8.0, "the hub answered %.1f s after the broker's kill" % back_after)
        for t in threads:
            t.join(90)
        self.assert_committed_once(answers)
        # Settle for a few heartbeats, then read the new broker's "workers:" lines.
        time.sleep(4 * HEARTBEAT_S)
        started = self.hub.broker_started_at(since)
        rows = [r for r in self.hub.broker_workers_lines(since) if r[0] > started]
        self.assertTrue(rows, "the new broker logged no workers line")
        expected = WORKERS * SESSIONS_PER_WORKER
        # Within two heartbeats of its start every session is registered, once...
        complete = [r for r in rows if r[1] == expected]
        self.assertTrue(complete, rows)
        self.assertLess(s_seconds_between(started, complete[0][0]), 2 * HEARTBEAT_S + 0.5, rows)
        # ...and stays: no session registered again, none refused, nothing requeued.
        self.assertEqual(sum(r[2] for r in rows), expected, rows)
        self.assertEqual(sum(r[3] for r in rows), 0, rows)
        self.assertEqual(sum(r[4] for r in rows), 0, rows)
        self.assertEqual(self.hub.restarts("broker"), 1)
        deaths = "\n".join(self.hub.log_lines("broker", since))
        self.assertIn("broker was killed by signal 9 (SIGKILL)", deaths)
        with open(os.path.join(self.hub.logs, "supervise.log")) as f:
            self.assertIn("broker was killed by signal 9 (SIGKILL)", f.read())
        self.assertRegex(self.hub.status(), r"(?m)^broker +up +\d+ +\d+s +1 +signal SIGKILL")

    def test_3_a_worker_and_the_hotline_killed_come_back(self):
        for name in ("worker-1", "hotline"):
            old = self.hub.pid(name)
            os.kill(old, signal.SIGKILL)
            self.hub.wait_up(name, 10, other_than=old)
            self.wait_supervised_answer(15)
            self.assertEqual(self.hub.restarts(name), 1, name)

    def test_4_postgres_killed_comes_back_by_itself(self):
        threads, answers = self.stream(60, harness.unique_id("SUPPG"))
        time.sleep(0.5)
        old = self.hub.pid("postgres")
        killed_at = time.monotonic()
        os.kill(old, signal.SIGKILL)
        self.hub.wait_up("postgres", 30, other_than=old)
        self.wait_supervised_answer(30)
        self.assertLess(time.monotonic() - killed_at, 30.0)
        for t in threads:
            t.join(90)
        self.assert_committed_once(answers)
        self.assertEqual(self.hub.restarts("postgres"), 1)

    def test_5_stop_from_any_state(self):
        # A supervisor (the scanner) killed outright: stop still stops every daemon.
        pids = [self.hub.pid(name) for name in self.hub.services()]
        scanner = subprocess.run(["pgrep", "-f", "s6-svscan %s" % self.hub.scan],
                                 capture_output=True, text=True).stdout.split()
        self.assertEqual(len(scanner), 1, scanner)
        os.kill(int(scanner[0]), signal.SIGKILL)
        result = self.hub.stop()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual([p for p in pids if process_alive(p)], [], result.stdout)
        self.assertIn("the supervisor is not running", self.hub.status())
        # Stopped already: stop again is quiet and fine.
        self.assertEqual(self.hub.stop().returncode, 0)
        # Only the database up (as `make check` leaves it): stop stops it.
        self.hub.ops("pg.sh", "start")
        postmaster = self.hub.pid("postgres")
        result = self.hub.stop()
        self.assertIn("stopped postgres", result.stdout)
        self.assertFalse(process_alive(postmaster))
        # And everything comes up again from there.
        self.hub.start()
        self.wait_supervised_answer(15)
