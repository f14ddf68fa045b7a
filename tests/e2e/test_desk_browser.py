"""The staff desks in headless Chromium (Debian's chromium, driven by playwright-core from npm;
never a downloaded browser) at 1366x768, against a real hub with the desk: each role logs in
and works, one complaint goes from the operator's entry (with the classifier's suggestion shown
first) through sign-for, an extension request, the supervisor's approval, the reply and the
call-back; a misrouted one through 退单, review and 改派 to a department whose desk then sees
it; the overdue board, the measures (ECharts), the audit trail, an unmasking, the admin's
users and configuration check, and a session that ends.  tests/browser/desk.mjs drives the
browser and says what each page showed; this test checks it.  Screenshots of every step are
left in tests/artifacts/desk/ for a person to look at."""
import json
import os
import shutil
import subprocess
import time
import unittest

import harness
from test_spine import HubTestCase

BROWSER_DIR = os.path.join(harness.ROOT, "tests", "browser")
ARTIFACTS = os.path.join(harness.ROOT, "tests", "artifacts", "desk")
ACCOUNTS = (("admin", "admin", None), ("operator", "operator", None),
            ("supervisor", "supervisor", None), ("edu", "department", "jyj"),
            ("agri", "department", "nyncj"), ("samr", "department", "scjgj"))


class DeskBrowserTest(HubTestCase):

    def test_the_desks_as_their_users_work(self):
        self.assertTrue(os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")),
                        "playwright-core is not installed: make check runs npm ci in tests/browser")
        self.assertTrue(os.access("/usr/bin/chromium", os.X_OK), "Debian's chromium is missing")
        hub = self.start_hub(workers=1, desk=True,
                             overrides={"worker": {"services": harness.ALL_SERVICES}})
        for login, role, department in ACCOUNTS:
            args = ["user", "add", login, "--name", "%s的账号" % login, "--role", role]
            if department:
                args += ["--department", department]
            made = harness.run([harness.program("suqiuctl"), "-c", hub.config_path] + args,
                               input="demo-%s\n" % login)
            self.assertEqual(made.returncode, 0, made.stderr)
        # An overdue one for the board (its sign-for two days late), a 举报 to unmask.
        late = self.routed(hub, "路灯不亮", "人民路的路灯坏了一个星期了，晚上走路很危险，请尽快修理。", "13600001111")
        hub.sql("UPDATE complaint_deadline SET due_at = now() - interval '2 days',"
                " remind_at = now() - interval '3 days' WHERE stage = 'sign_for' AND complaint_id ="
                " (SELECT id FROM complaint WHERE number = '%s')" % late)
        report = self.routed(hub, "举报无证黑作坊",
                             "我举报我们小区隔壁有个无证食品黑作坊，卫生条件极差，生产的糕点卖给周边学校，请依法查处取缔。",
                             "13812345678", caller_name="李四")
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        result = subprocess.run(
            ["node", os.path.join(BROWSER_DIR, "desk.mjs"), "flow",
             "http://127.0.0.1:%d" % hub.desk_port, ARTIFACTS, late, report],
            capture_output=True, text=True, timeout=300, cwd=BROWSER_DIR)
        self.assertEqual(result.returncode, 0, result.stderr[-4000:])
        seen = json.loads(result.stdout.strip().splitlines()[-1])
        self.check_login_and_entry(seen)
        self.check_the_department_and_the_supervisor(seen)
        self.check_the_return_and_redispatch(seen)
        self.check_the_boards_and_the_admin(seen, late)
        self.assertEqual(seen["problems"], [])
        # What the browser did is what the hub holds.
        self.assertEqual(hub.sql_value("SELECT asked_by FROM config_reload ORDER BY id DESC LIMIT 1"),
                         "user:admin")
        number = seen["number"]
        kinds = [k for (k,) in hub.sql(
            "SELECT e.kind || ':' || coalesce(e.to_state, '') FROM complaint_event e JOIN complaint c"
            " ON c.id = e.complaint_id WHERE c.number = '%s' AND e.actor LIKE 'user:%%' ORDER BY e.id" % number)]
        for kind in ("state:signed_for", "extension_requested:", "extension_approved:",
                     "state:responded", "callback:"):
            self.assertIn(kind, kinds)
        self.assertEqual(hub.sql_value("SELECT lead_department FROM complaint WHERE number = '%s'"
                                       % seen["farm_number"]), "scjgj")
        self.assertEqual(hub.sql_value("SELECT role || ' ' || department FROM staff_user WHERE login = 'health'"),
                         "department wjj")
        shots = sorted(os.listdir(ARTIFACTS))
        self.assertGreaterEqual(len(shots), 14, shots)
        for name in shots:
            self.assertGreater(os.path.getsize(os.path.join(ARTIFACTS, name)), 10000, name)

    def routed(self, hub, title, content, phone, caller_name="张三"):
        status, answer = hub.post(harness.order(title=title, content=content, phone=phone,
                                                caller_name=caller_name))
        self.assertEqual(status, 201, answer)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if hub.get("/v1/workorders/" + answer["number"])[1].get("state") in ("dispatched", "triage"):
                return answer["number"]
            time.sleep(0.1)
        self.fail("%s was not routed" % answer["number"])

    def check_login_and_entry(self, seen):
        self.assertIn("工作台", seen["login_title"])
        self.assertIn("用户名或密码错误", seen["bad_login"])
        self.assertEqual(seen["operator_menu"].split(), ["新建工单", "工单查询", "待回访"])
        # The classifier's suggestion and the routing it implies, shown before submitting.
        self.assertIn("建议分类", seen["suggestion"])
        self.assertEqual(seen["suggested_lead"], "市教育局")
        self.assertIn("派单依据：职责规则", seen["suggestion"])
        self.assertIn("市农业农村局", seen["farm_suggestion"])
        self.assertEqual(seen["type_marked_edited"], 1)
        self.assertRegex(seen["number"], r"^12345-\d{8}-\d{6}$")
        self.assertIn("已登记工单 " + seen["number"], seen["entered"])
        self.assertIn(seen["number"], seen["caller_history"])
        self.assertRegex(seen["farm_number"], r"^12345-\d{8}-\d{6}$")
        self.assertIn("已退出登录", seen["logged_out"])

    def check_the_department_and_the_supervisor(self, seen):
        self.assertEqual(seen["edu_menu"].split(), ["工单队列", "超期预警", "办理统计"])
        self.assertEqual(seen["state_routed"], "已派单")
        self.assertIn("我家孩子在实验小学读书", seen["queue_row"])
        self.assertIn("主办", seen["queue_row"])
        self.assertIn("共 1 件", seen["queue_total"])
        self.assertIn("学校食堂的饭菜有异味", seen["detail_content"])
        for words in ("诉求人", "王五", "13700003333", "市教育局", "派单依据", "办理记录", "签收"):
            self.assertIn(words, seen["detail_text"])
        self.assertEqual(seen["edu_actions_dispatched"], ["sign", "note", "extend", "pause", "return"])
        self.assertEqual(seen["state_signed"], "已签收")
        self.assertEqual(seen["edu_actions_signed"], ["reply", "note", "extend", "pause", "return"])
        self.assertIn("延期申请待审批", seen["extension_waiting"])
        self.assertIn("5 个工作日", seen["extension_waiting"])
        self.assertEqual(seen["supervisor_menu"].split(),
                         ["超期督办", "待审批", "人工分拨", "全部工单", "工单查询", "统计分析"])
        self.assertIn("需要检测机构出具食堂留样的检测报告", seen["waiting_row"])
        self.assertNotIn(seen["number"], seen["waiting_after"])
        self.assertIn("延期获批", seen["after_approval"])
        self.assertEqual(seen["state_replied"], "已答复")
        self.assertIn(seen["number"], seen["callback_queue"])
        self.assertEqual(seen["operator_actions"], ["callback"])
        self.assertIn("满意", seen["callback_done"])
        self.assertIn("来电人表示满意", seen["callback_done"])

    def check_the_return_and_redispatch(self, seen):
        self.assertEqual(seen["farm_state"], "已派单")
        self.assertIn("市农业农村局", seen["farm_lead"])
        self.assertIn("退单申请待审核", seen["farm_return_asked"])
        self.assertIn("改派", seen["farm_after_review"])
        self.assertIn("退单获批", seen["farm_after_review"])
        self.assertIn("市市场监管局", seen["samr_farm"])
        self.assertIn("sign", seen["samr_actions"])
        self.assertIn("未找到该工单", seen["agri_farm_now"])

    def check_the_boards_and_the_admin(self, seen, late):
        self.assertEqual(seen["overdue_has"], 1)
        self.assertIn(late, seen["overdue_list"])
        self.assertIn("超期", seen["overdue_list"])
        self.assertIn("签收", seen["overdue_list"])
        # The audit trail: who, when, from which address.
        self.assertIn("用户 supervisor", seen["audit"])
        self.assertIn("用户 edu", seen["audit"])
        self.assertIn("127.0.0.1", seen["audit"])
        self.assertIn("李**", seen["report_masked"])
        self.assertNotIn("李四", seen["report_masked"])
        self.assertIn("李四", seen["report_unmasked"])
        self.assertIn("13812345678", seen["report_unmasked"])
        self.assertIn("查看举报人身份", seen["report_history"])
        self.assertGreaterEqual(seen["chart_canvases"], 2)
        self.assertIn("市教育局", seen["stats_table"])
        self.assertIn("format=csv", seen["csv_href"])
        self.assertIn('"group_id"', seen["csv_head"])
        self.assertIn("热线接通率", seen["calls"])
        self.assertEqual(seen["admin_menu"].split(), ["用户管理", "配置检查", "全部工单", "统计分析"])
        for login in ("admin", "operator", "supervisor", "edu", "agri", "samr"):
            self.assertIn(login, seen["users"])
        self.assertIn("已添加用户 health", seen["user_added"])
        self.assertIn("市卫生健康局", seen["new_user_row"])
        self.assertIn("配置有效", seen["config"])
        self.assertIn("已重新载入", seen["config_reloaded"])
        self.assertIn("登录已失效", seen["expired"])
        self.assertIn("市卫健局分拨台", seen["health_who"])


if __name__ == "__main__":
    unittest.main()
