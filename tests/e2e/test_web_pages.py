"""The web door's own protections, tried as a hostile visitor would: a form without its CSRF
token, a forged number or HTML on the status page, too many submissions or lookups from one
address (429), and the spool behind Open311 (a token while the database refuses, resolved once
it is back)."""
import re
import time
import urllib.parse

import harness
from test_spine import HubTestCase

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def form_body(**fields):
    return urllib.parse.urlencode(fields)


class WebPagesTest(HubTestCase):

    def web(self, hub, method, path, body=None, headers=None):
        return harness.http_request(hub.web_port, method, path, body, headers or {})

    def test_csrf_status_page_and_escaping(self):
        hub = self.start_hub(workers=1, web=True)
        # The form's POST without a token, or with a token from another cookie: refused.
        body = form_body(service_code="env.noise", description="噪音", region="lecheng")
        r = self.web(hub, "POST", "/open311/v2/requests.html", body, FORM)
        self.assertEqual(r.status, 403)
        self.assertIn("表单已过期", r.raw.decode())
        page = self.web(hub, "GET", "/")
        cookie = page.header("Set-Cookie").split(";")[0]
        token = re.search(r'name="csrf" value="([0-9a-f]{64})"', page.raw.decode()).group(1)
        other = self.web(hub, "GET", "/").header("Set-Cookie").split(";")[0]
        r = self.web(hub, "POST", "/open311/v2/requests.html", body + "&csrf=" + token,
                     dict(FORM, Cookie=other))
        self.assertEqual(r.status, 403)
        # With its own cookie it goes through, and the page shows the number.
        r = self.web(hub, "POST", "/open311/v2/requests.html",
                     body + "&phone=13900001111&csrf=" + token, dict(FORM, Cookie=cookie))
        self.assertEqual(r.status, 201, r.raw.decode())
        number = re.search(r'id="number">(WEB-\d{8}-\d{6})<', r.raw.decode()).group(1)
        # HTML typed into the form comes back escaped, never as markup.
        evil = '<script>alert(1)</script>"><img src=x>'
        r = self.web(hub, "POST", "/open311/v2/requests.html",
                     form_body(service_code="env.noise", description="x", region="lecheng",
                               first_name=evil, csrf=token), dict(FORM, Cookie=cookie))
        text = r.raw.decode()
        self.assertNotIn("<script>alert(1)", text)
        self.assertNotIn('"><img', text)
        # The status page: the right digits show it, wrong digits and a forged number say the
        # same "not found", and what was asked is shown escaped.
        r = self.web(hub, "GET", "/status?number=%s&last4=1111" % number)
        self.assertEqual(r.status, 200)
        self.assertIn(number, r.raw.decode())
        wrong = self.web(hub, "GET", "/status?number=%s&last4=2222" % number)
        forged = self.web(hub, "GET", "/status?number=WEB-20200101-999999&last4=1111")
        self.assertEqual((wrong.status, forged.status), (404, 404))
        self.assertIn("没有找到", wrong.raw.decode())
        self.assertIn("没有找到", forged.raw.decode())
        quoted = urllib.parse.quote("<b>x</b>' OR 1=1 --")
        r = self.web(hub, "GET", "/status?number=%s&last4=1111" % quoted)
        self.assertNotIn("<b>x</b>", r.raw.decode())
        self.assertIn("&lt;b&gt;x&lt;/b&gt;&#39; OR 1=1 --", r.raw.decode())
        # The name was kept as typed (inert text), and nothing else was written.
        self.assertEqual(hub.sql_value("SELECT count(*) FROM complaint"), "2")
        self.assertEqual(hub.sql_value("SELECT count(*) FROM complaint_detail WHERE caller_name = %s"
                                       % harness.quote_literal(evil)), "1")

    def test_one_address_sending_too_often_gets_429(self):
        hub = self.start_hub(workers=1, web=True,
                             overrides={"web": {"submissions_per_minute": 3, "lookups_per_minute": 2}})
        answers = []
        for i in range(5):
            r = self.web(hub, "POST", "/open311/v2/requests.json",
                         form_body(api_key="dev-open311-key", service_code="env.noise",
                                   address_string="人民路%d号" % i, description="噪音%d" % i), FORM)
            answers.append(r.status)
        self.assertEqual(answers[:3], [201, 201, 201])
        self.assertEqual(answers[3:], [429, 429])
        self.assertGreaterEqual(int(r.header("Retry-After")), 1)
        self.assertEqual(r.json[0]["code"], 429)
        lookups = [self.web(hub, "GET", "/status?number=WEB-20200101-000001&last4=1234").status
                   for _ in range(3)]
        self.assertEqual(lookups, [404, 404, 429])

    def test_open311_behind_the_spool(self):
        hub = self.start_hub(workers=1, web=True)
        hub.refuse_connections()
        try:
            r = self.web(hub, "POST", "/open311/v2/requests.json",
                         form_body(api_key="dev-open311-key", service_code="env.noise",
                                   address_string="人民路1号", description="夜里施工"), FORM)
            self.assertEqual(r.status, 202, r.raw.decode())
            token = r.json[0]["token"]
            self.assertNotIn("service_request_id", r.json[0])
            r = self.web(hub, "GET", "/open311/v2/tokens/%s.json" % token)
            self.assertEqual(r.json, [{"service_request_id": None, "token": token}])
        finally:
            hub.allow_connections()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            r = self.web(hub, "GET", "/open311/v2/tokens/%s.xml" % token)
            if b"<service_request_id>WEB-" in r.raw:
                break
            time.sleep(0.2)
        number = re.search(rb"<service_request_id>(WEB-\d{8}-\d{6})</service_request_id>", r.raw)
        self.assertIsNotNone(number, r.raw)
        rows = hub.sql("SELECT number FROM complaint WHERE channel = 'web'")
        self.assertEqual(rows, [(number.group(1).decode(),)])
