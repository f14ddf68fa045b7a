"""suqiu-wechat as the WeChat platform speaks to it: messages built, signed and encrypted by an
independent implementation of the official crypto (tests/e2e/wechat_crypto.py, with Debian's
python3-cryptography) in plaintext, compatible and safe mode; the platform's three retries of
one MsgId; text, then photo, then location as one complaint; a work-order number asking for its
state; subscribe; hostile input of every kind refused with nothing stored; the number after a
spooled message and the department's reply sent back through a local stand-in of the
customer-service message API, retried when it fails."""
import itertools
import json
import threading
import time
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.etree import ElementTree

import harness
import wechat_crypto as wx
from test_calls import big_post
from test_spine import HubTestCase

ACCOUNT = "gh_suqiu000001"
NUMBER_RE = r"12345-\d{8}-\d{6}|WX-\d{8}-\d{6}"
_msg_ids = itertools.count(int(time.time()) * 1000)


class Platform(BaseHTTPRequestHandler):
    """The platform's API as far as the adapter uses it: cgi-bin/token and
    message/custom/send.  Platform.fail_next makes the next sends fail with an errcode."""
    sent = []
    tokens = 0
    fail_next = 0
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def _answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/cgi-bin/token" and query.get("appid") == wx.APPID \
                and query.get("secret") == "devsecret" and query.get("grant_type") == "client_credential":
            with Platform.lock:
                Platform.tokens += 1
                token = "TOKEN-%d" % Platform.tokens
            self._answer({"access_token": token, "expires_in": 7200})
        else:
            self._answer({"errcode": 40125, "errmsg": "invalid appsecret"})

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with Platform.lock:
            if url.path != "/cgi-bin/message/custom/send" or not query.get("access_token", "").startswith("TOKEN-"):
                self._answer({"errcode": 40001, "errmsg": "invalid credential"})
            elif Platform.fail_next:
                Platform.fail_next -= 1
                self._answer({"errcode": 45015, "errmsg": "response out of time limit"})
            else:
                Platform.sent.append(body)
                self._answer({"errcode": 0, "errmsg": "ok"})


class WeChatTest(HubTestCase):

    @classmethod
    def setUpClass(cls):
        cls.platform = ThreadingHTTPServer(("127.0.0.1", 0), Platform)
        threading.Thread(target=cls.platform.serve_forever, daemon=True).start()
        cls.hub = harness.Hub(workers=1, wechat=True, name="wechat", overrides={
            "worker": {"services": harness.ALL_SERVICES},
            "wechat": {"api_base": "http://127.0.0.1:%d" % cls.platform.server_address[1],
                       "ack_after_s": 1}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()
        cls.platform.shutdown()

    # --- the platform's side ---

    def post(self, xml, mode="plain", timestamp=None, nonce="nonce42", query=None, raw=None):
        timestamp = str(timestamp or int(time.time()))
        if mode == "plain":
            body, params = xml, {"signature": wx.sign(wx.TOKEN, timestamp, nonce),
                                 "timestamp": timestamp, "nonce": nonce, "openid": "x"}
        else:
            body, params = wx.encrypted_post(wx.TOKEN, wx.AES_KEY, wx.APPID, xml, timestamp, nonce,
                                             compatible=(mode == "compatible"))
        params.update(query or {})
        response = harness.http_request(self.hub.wechat_port, "POST",
                                        "/wechat?" + urllib.parse.urlencode(params),
                                        raw if raw is not None else body.encode("utf-8"),
                                        headers={"Content-Type": "text/xml"})
        return response

    def reply_text(self, response, mode="plain"):
        self.assertEqual(response.status, 200, response.raw)
        xml = response.raw.decode("utf-8")
        if mode != "plain":
            xml = wx.open_encrypted_reply(wx.TOKEN, wx.AES_KEY, wx.APPID, xml)
        root = ElementTree.fromstring(xml)
        self.assertEqual(root.findtext("MsgType"), "text")
        self.assertEqual(root.findtext("ToUserName"), self.sender)
        self.assertEqual(root.findtext("FromUserName"), ACCOUNT)
        return root.findtext("Content")

    def text(self, content, msg_id=None):
        return wx.build_text_message(ACCOUNT, self.sender, int(time.time()), content,
                                     msg_id or next(_msg_ids))

    def setUp(self):
        self.sender = "oCitizen%d" % next(_msg_ids)

    def complaints(self):
        return int(self.hub.sql_value("SELECT count(*) FROM complaint WHERE channel = 'wechat'"))

    def number_in(self, text):
        found = __import__("re").search(r"[0-9A-Z]+-\d{8}-\d{6}", text)
        self.assertIsNotNone(found, text)
        return found.group(0)

    # --- the tests ---

    def test_the_platforms_check_of_the_server(self):
        ts, nonce = str(int(time.time())), "n1"
        good = harness.http_request(self.hub.wechat_port, "GET", "/wechat?" + urllib.parse.urlencode(
            {"signature": wx.sign(wx.TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce,
             "echostr": "echo-5678"}))
        self.assertEqual((good.status, good.raw), (200, b"echo-5678"))
        bad = harness.http_request(self.hub.wechat_port, "GET", "/wechat?" + urllib.parse.urlencode(
            {"signature": "0" * 40, "timestamp": ts, "nonce": nonce, "echostr": "x"}))
        self.assertEqual(bad.status, 401)

    def test_each_mode_answers_with_the_number_and_the_retries_are_one(self):
        for mode in ("plain", "compatible", "safe"):
            self.sender = "oCitizen%d" % next(_msg_ids)   # else a follow-up of the one before
            msg_id = next(_msg_ids)
            xml = self.text("我们小区门口的垃圾站三天没人清运了，臭气熏天，请城管处理。", msg_id)
            numbers = set()
            for attempt in range(3):   # the platform retries up to three times
                numbers.add(self.number_in(self.reply_text(self.post(xml, mode), mode)))
            self.assertEqual(len(numbers), 1, (mode, numbers))
            number = numbers.pop()
            status, found = self.hub.get("/v1/workorders?channel=wechat&external_id=%d" % msg_id)
            self.assertEqual(status, 200, found)
            self.assertEqual(found.get("number"), number, (mode, found))
            self.assertEqual(self.hub.sql_value(
                "SELECT count(*) FROM complaint WHERE channel = 'wechat' AND external_id = '%d'" % msg_id), "1")
            # answered passively: no acknowledgement is owed by message
            self.assertEqual(self.hub.sql_value(
                "SELECT d.state FROM complaint_delivery d JOIN complaint c ON c.id = d.complaint_id "
                "WHERE c.number = '%s' AND d.kind = 'ack'" % number), "sent")

    def test_text_photo_and_location_make_one_complaint(self):
        first = self.number_in(self.reply_text(self.post(self.text("路边有人非法倾倒建筑垃圾，堵住了排水沟。"))))
        now = int(time.time())
        photo = wx.build_image_message(ACCOUNT, self.sender, now, "http://mmbiz.example/p1.jpg", "MEDIA1",
                                       next(_msg_ids))
        self.assertIn(first, self.reply_text(self.post(photo)))
        place = wx.build_location_message(ACCOUNT, self.sender, now, "28.1234", "120.9876", 15,
                                          "乐成街道人民路 12 号", next(_msg_ids))
        self.assertIn(first, self.reply_text(self.post(place)))
        rows = self.hub.sql("SELECT m.kind, m.detail->>'pic_url', m.detail->>'label' FROM complaint_message m "
                            "JOIN complaint c ON c.id = m.complaint_id WHERE c.number = '%s' ORDER BY m.id" % first)
        self.assertEqual(rows, [("image", "http://mmbiz.example/p1.jpg", ""), ("location", "", "乐成街道人民路 12 号")])

    def test_a_number_asks_for_its_state_and_subscribe_says_how(self):
        number = self.number_in(self.reply_text(self.post(self.text("公园里的健身器材坏了，希望尽快维修。"))))
        self.hub.sql("INSERT INTO complaint_reply (complaint_id, body, sent_via, actor) SELECT id, "
                     "'已安排维修，三日内完成', 'desk', 'user:test' FROM complaint WHERE number = '%s'" % number)
        before = self.complaints()
        answer = self.reply_text(self.post(self.text("  %s \n" % number)))
        self.assertIn(number, answer)
        self.assertIn("已安排维修，三日内完成", answer)
        self.assertIn("未找到", self.reply_text(self.post(self.text("12345-20200101-999999"))))
        self.assertEqual(self.complaints(), before)
        hello = self.reply_text(self.post(wx.build_event(ACCOUNT, self.sender, int(time.time()), "subscribe")))
        self.assertIn("发送文字", hello)
        self.assertEqual(self.complaints(), before)

    def test_hostile_input_is_refused_and_nothing_is_stored(self):
        before = self.complaints()
        xml = self.text("测试")
        ts = str(int(time.time()))
        cases = {
            "forged signature": (self.post(xml, query={"signature": "f" * 40}), 401),
            "stale timestamp": (self.post(xml, timestamp=int(time.time()) - 3600), 401),
            "forged msg_signature": (self.post(xml, "safe", query={"msg_signature": "0" * 40}), 401),
            "truncated XML": (self.post(xml[:40]), 400),
            "entity bomb": (self.post('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
                                      '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><ToUserName>x'
                                      '</ToUserName><FromUserName>y</FromUserName><CreateTime>1</CreateTime>'
                                      '<MsgType>text</MsgType><Content>&b;</Content><MsgId>1</MsgId></xml>'), 400),
            "external entity": (self.post('<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                          '<xml><Content>&e;</Content></xml>'), 400),
            "invalid UTF-8": (self.post("", raw=xml.replace("测试", "@@").encode().replace(b"@@", b"\xff\xfe")), 400),
            "huge document": (self.post("", raw=b"<xml>" + b"x" * (200 * 1024) + b"</xml>"), 413),
        }
        signed = "/wechat?" + urllib.parse.urlencode({"signature": wx.sign(wx.TOKEN, ts, "n"),
                                                     "timestamp": ts, "nonce": "n"})
        cases["50 MB body"] = (big_post(self.hub.wechat_port, signed, 50 * 1024 * 1024), 413)
        cases["50 MB chunked"] = (big_post(self.hub.wechat_port, signed, 50 * 1024 * 1024, chunked=True), 413)
        other = wx.encrypt(wx.AES_KEY, "wxSOMEONEELSE00001", xml)
        query = {"signature": wx.sign(wx.TOKEN, ts, "n"), "timestamp": ts, "nonce": "n", "encrypt_type": "aes",
                 "msg_signature": wx.msg_signature(wx.TOKEN, ts, "n", other)}
        body = wx.build_message([("ToUserName", ACCOUNT), ("Encrypt", other)])
        cases["wrong appid"] = (harness.http_request(self.hub.wechat_port, "POST", "/wechat?" + urllib.parse.urlencode(query),
                                                     body.encode()), 401)
        for name, (response, expected) in cases.items():
            self.assertEqual(response.status, expected, (name, response.raw))
        self.assertEqual(self.complaints(), before)
        with open(self.hub.dir + "/wechat.log", encoding="utf-8", errors="replace") as f:
            log = f.read()
        self.assertIn("POST from 127.0.0.1 refused (401): bad signature", log)

    def test_the_reply_goes_back_and_a_failed_send_is_retried(self):
        number = self.number_in(self.reply_text(self.post(self.text("楼下烧烤店每晚营业到凌晨两点，噪音太大。"))))
        Platform.fail_next = 1
        self.hub.sql("INSERT INTO complaint_reply (complaint_id, body, sent_via, department, actor) SELECT id, "
                     "'已约谈店主，限期整改', 'desk', 'hbj', 'user:test' FROM complaint WHERE number = '%s'" % number)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            row = self.hub.sql("SELECT d.tries, d.last_error FROM complaint_delivery d JOIN complaint c "
                               "ON c.id = d.complaint_id WHERE c.number = '%s' AND d.kind = 'reply'" % number)
            if row and row[0][1]:
                break
            time.sleep(0.2)
        self.assertEqual(row[0][1], "errcode 45015: response out of time limit")
        # the backoff's minute, shortened: the next try is now
        self.hub.sql("UPDATE complaint_delivery SET next_try_at = now() WHERE state = 'queued' AND via = 'wechat'")
        deadline = time.monotonic() + 15
        mine = []
        while time.monotonic() < deadline and not mine:
            mine = [m for m in Platform.sent if m["touser"] == self.sender]
            time.sleep(0.2)
        self.assertEqual(len(mine), 1, Platform.sent)
        self.assertEqual(mine[0]["msgtype"], "text")
        self.assertIn("已约谈店主，限期整改", mine[0]["text"]["content"])
        self.assertIn(number, mine[0]["text"]["content"])
        self.assertEqual(self.hub.sql(
            "SELECT d.state, d.tries FROM complaint_delivery d JOIN complaint c ON c.id = d.complaint_id "
            "WHERE c.number = '%s' AND d.kind = 'reply'" % number), [("sent", "2")])

    def test_while_the_hub_is_down_a_receipt_then_the_number_by_message(self):
        self.hub.kill_broker()
        try:
            msg_id = next(_msg_ids)
            started = time.monotonic()
            answer = self.reply_text(self.post(self.text("菜市场有商贩用注水肉冒充好肉卖。", msg_id)))
            self.assertLess(time.monotonic() - started, 5.0, "the passive reply took too long")
            self.assertIn("回执", answer)
            self.assertIn(str(msg_id), answer)
        finally:
            self.hub.start_broker()
        deadline = time.monotonic() + 30
        mine = []
        while time.monotonic() < deadline and not mine:
            mine = [m for m in Platform.sent if m["touser"] == self.sender]
            time.sleep(0.3)
        self.assertEqual(len(mine), 1, "the number did not follow by message")
        status, found = self.hub.get("/v1/workorders?channel=wechat&external_id=%d" % msg_id)
        self.assertEqual(status, 200)
        self.assertIn(found["number"], mine[0]["text"]["content"])


if __name__ == "__main__":
    unittest.main()
