"""suqiuctl demo on a real hub: the demo accounts log in to the desks, the departments have
taken the orders on at the time they would have (most closed before their deadline, a few
overdue, decisions waiting for a supervisor), a second run adds nothing twice, and a database
with real complaints is refused."""
import unittest

import harness
from test_spine import HubTestCase


class DemoTest(HubTestCase):

    @classmethod
    def setUpClass(cls):
        cls.hub = harness.Hub(workers=2, desk=True, name="demo",
                              overrides={"worker": {"services": harness.ALL_SERVICES}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def demo(self, *args):
        return harness.run([harness.program("suqiuctl"), "-c", self.hub.config_path, "demo"]
                           + list(args), timeout=300)

    def login(self, user, password):
        return harness.http_request(self.hub.desk_port, "POST", "/api/login",
                                    {"user": user, "password": password})

    def test_the_demo_is_a_city_at_work(self):
        made = self.demo("--count", "140")
        self.assertEqual(made.returncode, 0, made.stderr)
        self.assertIn("140 new work orders", made.stdout)
        states = dict(self.hub.sql("SELECT state, count(*) FROM complaint GROUP BY 1"))
        for state in ("closed", "responded"):
            self.assertGreater(int(states.get(state, 0)), 0, states)
        # Most stages met on time, few still overdue: the overdue board is not the whole city.
        on_time, late, overdue, met = map(int, self.hub.sql(
            "SELECT count(*) FILTER (WHERE met_at <= due_at), count(*) FILTER (WHERE met_at > due_at),"
            " count(*) FILTER (WHERE met_at IS NULL AND due_at < now()), count(*) FILTER (WHERE met_at IS NOT NULL)"
            " FROM complaint_deadline")[0])
        self.assertGreater(met, 140, (on_time, late, overdue))
        self.assertGreater(on_time, 8 * late, (on_time, late, overdue))
        self.assertLess(overdue, 140 * 3 * 0.15, (on_time, late, overdue))
        # Steps happened in the past, in order: no reply before its complaint was received.
        self.assertEqual(self.hub.sql_value(
            "SELECT count(*) FROM complaint_reply r JOIN complaint c ON c.id = r.complaint_id"
            " WHERE r.at < c.received_at OR r.at > now()"), "0")
        # What went back to WeChat and e-mail citizens was sent, but for one refused mail;
        # the hotlines' replies wait on the call-back list until their call-back.
        deliveries = dict(((via, state), int(n)) for via, state, n in self.hub.sql(
            "SELECT via, state, count(*) FROM complaint_delivery GROUP BY 1, 2"))
        self.assertGreater(deliveries.get(("wechat", "sent"), 0), 0, deliveries)
        self.assertGreater(deliveries.get(("email", "sent"), 0), 0, deliveries)
        self.assertEqual(deliveries.get(("email", "failed")), 1, deliveries)
        self.assertNotIn(("wechat", "queued"), deliveries)
        self.assertGreater(deliveries.get(("phone", "sent"), 0), 0, deliveries)
        waiting = self.hub.sql_value(
            "SELECT count(*) FROM complaint_extension WHERE decision IS NULL")
        returns = self.hub.sql_value(
            "SELECT count(*) FROM complaint_return_request WHERE decision IS NULL")
        self.assertGreater(int(waiting) + int(returns), 0)
        # The accounts: the named ones and a desk for every other department.
        self.assertEqual(self.login("supervisor", "demo-supervisor").status, 200)
        self.assertEqual(self.login("edu", "demo-edu").status, 200)
        self.assertEqual(self.login("edu", "demo-desk").status, 401)
        other = self.hub.sql_value("SELECT id FROM department WHERE id NOT IN ('jyj', 'nyncj', 'scjgj')"
                                   " ORDER BY id LIMIT 1")
        self.assertEqual(self.login("desk-" + other, "demo-desk").status, 200)
        # Every event of the departments' work names an existing user.
        self.assertEqual(self.hub.sql_value(
            "SELECT count(*) FROM complaint_event e WHERE e.actor LIKE 'user:%'"
            " AND NOT EXISTS (SELECT 1 FROM staff_user u WHERE 'user:' || u.login = e.actor)"), "0")

        again = self.demo("--count", "140")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn(" 0 new work orders", again.stdout)
        self.assertEqual(self.hub.sql_value("SELECT count(*) FROM complaint"), "140")

        status, answer = self.hub.post(harness.order(title="路灯不亮", content="人民路的路灯坏了一个星期了"))
        self.assertEqual(status, 201, answer)
        refused = self.demo("--count", "10")
        self.assertEqual(refused.returncode, 1)
        self.assertIn("not demo ones", refused.stderr)


if __name__ == "__main__":
    unittest.main()
