"""suqiu-email as the city's MTA and the citizens' mail clients meet it: messages in every
charset (UTF-8, GB2312, GBK labelled gb2312, GB18030, Big5; written by Python's email package,
by Debian's mutt and s-nail, and by hand as Outlook and Foxmail write them) delivered with
swaks over LMTP, one reply per recipient; the acknowledgement and the department's reply
caught by a local SMTP catcher and parsed, threaded to the citizen's mail; a follow-up mail
added to its complaint with its attachment; the same Message-ID twice is one complaint;
hostile mail (a MIME bomb, 50 MB, a body that cannot be decoded) refused or kept raw with
no partial row; `suqiu-email ingest` of a file and a Maildir."""
import email
import email.policy
import hashlib
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from email.message import EmailMessage
from email.utils import make_msgid

import harness
from test_spine import HubTestCase

FIXTURES = os.path.join(harness.ROOT, "tests", "fixtures", "mail")
MAILBOX = "12345@city.example"
# file, subject, caller, the body starts with (as tests/test_mail.c reads them)
CHARSETS = [
    ("utf8_qp.eml", "噪音扰民，夜间施工", "张三", "人民路夜间施工噪音很大"),
    ("gb2312_base64.eml", "路灯不亮", "李四", "城关镇人民路的路灯已经坏了一个星期。"),
    ("gbk_as_gb2312.eml", "朱镕基路 堃", "王堃", "朱镕基路上的垃圾没人清运，王堃反映。"),
    ("gb18030_8bit.eml", "𠮷野家 食品安全", None, "𠮷野家的饭菜变质"),
    ("big5_qp.eml", "臺北市 路燈故障", "陳大文", "臺北市信義區的路燈故障已經三天。"),
    ("mutt_big5.eml", "臺北市 路燈故障", "陳大文", "臺北市信義區的路燈故障已三天。"),
    ("snail_gb18030.eml", "路灯坏了 朱镕基", "张三", "路灯坏了，请尽快修理。朱镕基"),
    ("outlook_quoted.eml", "投诉：小区停水", "刘先生", "小区已经停水两天了。"),
]


class Catcher:
    """A local SMTP server that keeps every message it is given (enough SMTP for libcurl)."""

    def __init__(self):
        self.messages = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection):
        reader = connection.makefile("rb")
        send = lambda line: connection.sendall(line.encode() + b"\r\n")
        send("220 catcher ESMTP")
        envelope = {"rcpt": []}
        try:
            for raw in reader:
                line = raw.decode("ascii", "replace").rstrip("\r\n")
                verb = line[:4].upper()
                if verb in ("EHLO", "HELO"):
                    send("250 catcher")
                elif verb == "MAIL":
                    envelope = {"from": line[10:], "rcpt": []}
                    send("250 ok")
                elif verb == "RCPT":
                    envelope["rcpt"].append(line[8:])
                    send("250 ok")
                elif verb == "DATA":
                    send("354 go on")
                    data = []
                    for body in reader:
                        if body in (b".\r\n", b".\n"):
                            break
                        data.append(body[1:] if body.startswith(b"..") else body)
                    envelope["data"] = b"".join(data)
                    self.messages.append(envelope)
                    send("250 kept")
                elif verb == "QUIT":
                    send("221 bye")
                    break
                else:
                    send("250 ok")
        finally:
            connection.close()

    def parsed(self):
        return [email.message_from_bytes(m["data"], policy=email.policy.default) for m in self.messages]

    def close(self):
        self.listener.close()


def unique_copy(path, message_id):
    """The fixture's bytes with its Message-ID replaced (fixtures share some)."""
    with open(path, "rb") as f:
        data = f.read()
    return re.sub(rb"(?im)^Message-ID:.*$", b"Message-ID: <" + message_id.encode() + b">", data, count=1)


class EmailTest(HubTestCase):

    @classmethod
    def setUpClass(cls):
        cls.catcher = Catcher()
        cls.hub = harness.Hub(workers=1, email=True, desk=True, name="email", overrides={
            "worker": {"services": harness.ALL_SERVICES},
            "email": {"smtp_url": "smtp://127.0.0.1:%d" % cls.catcher.port}}).start()
        for login, role, department in (("supervisor", "supervisor", None), ("edu", "department", "jyj")):
            args = ["user", "add", login, "--name", login, "--role", role]
            if department:
                args += ["--department", department]
            made = harness.run([harness.program("suqiuctl"), "-c", cls.hub.config_path] + args,
                               input="demo-%s\n" % login)
            assert made.returncode == 0, made.stderr

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()
        cls.catcher.close()

    def swaks(self, data, to=MAILBOX, extra=()):
        with tempfile.NamedTemporaryFile(suffix=".eml", delete=False) as f:
            f.write(data)
        try:
            result = subprocess.run(["swaks", "--protocol", "LMTP", "--server", "127.0.0.1",
                                     "--port", str(self.hub.lmtp_port), "--from", "citizen@example.cn",
                                     "--to", to, "--data", f.name, "--timeout", "60"] + list(extra),
                                    capture_output=True, encoding="utf-8", errors="replace",
                                    timeout=120)
        finally:
            os.unlink(f.name)
        return result

    def delivered(self, data, to=MAILBOX):
        """The reply lines swaks saw after the message (one per recipient)."""
        result = self.swaks(data, to)
        after_data = result.stdout.split("354 ", 1)[-1].split(" -> QUIT")[0]
        return re.findall(r"(?m)^<(?:-|~|\*\*)\s+(\d{3}) (.*)$", after_data), result

    def complaint_of(self, message_id):
        status, found = self.hub.get("/v1/workorders?channel=email&external_id=" + message_id)
        self.assertEqual(status, 200, found)
        return found

    def wait_for(self, predicate, seconds=20):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        self.fail("timed out")

    def test_every_charset_as_clients_write_it(self):
        for name, subject, caller, body in CHARSETS:
            message_id = "%s.%s@example.cn" % (name.split(".")[0], harness.unique_id("C"))
            replies, result = self.delivered(unique_copy(os.path.join(FIXTURES, name), message_id))
            self.assertEqual([code for code, _ in replies][-1:], ["250"], (name, result.stdout[-800:]))
            found = self.complaint_of(message_id)
            self.assertEqual(found["title"], subject, name)
            self.assertTrue(found["content"].startswith(body), (name, found["content"]))
            if caller:
                self.assertEqual(found.get("caller_name"), caller, name)

    def test_one_reply_per_recipient_and_others_refused(self):
        message = EmailMessage()
        message["From"] = "市民 <resident@example.cn>"
        message["To"] = MAILBOX
        message["Subject"] = "两个信箱都写了"
        message["Message-ID"] = make_msgid(domain="example.cn")
        message.set_content("同一封信发给了 12345 和 12315。")
        result = self.swaks(message.as_bytes(), to="12345@city.example,12315@city.example,nobody@city.example")
        self.assertIn("550", result.stdout)
        after = result.stdout.split("354 ", 1)[-1].split(" -> QUIT")[0]
        self.assertEqual(len(re.findall(r"(?m)^<-\s+250 ", after)), 2, result.stdout[-1500:])
        found = self.complaint_of(message["Message-ID"].strip("<>"))
        self.assertEqual(self.hub.sql_value("SELECT count(*) FROM complaint WHERE channel = 'email' "
                                            "AND external_id = '%s'" % message["Message-ID"].strip("<>")), "1")
        self.assertTrue(found["number"])

    def test_acknowledged_answered_and_followed_up_in_one_thread(self):
        message = EmailMessage()
        message["From"] = "王女士 <wang.ms@example.cn>"
        message["To"] = MAILBOX
        message["Subject"] = "小区电梯经常停运"
        citizen_id = make_msgid(domain="example.cn")
        message["Message-ID"] = citizen_id
        message.set_content("我们小区 3 号楼的电梯这个月已经停运五次，物业不管，请住建局督促。")
        replies, result = self.delivered(message.as_bytes())
        self.assertEqual(replies[-1][0], "250", result.stdout[-800:])
        number = self.complaint_of(citizen_id.strip("<>"))["number"]
        # the acknowledgement, threaded to the citizen's mail
        ack = self.wait_for(lambda: [m for m in self.catcher.parsed() if number in str(m["Subject"])])[0]
        self.assertEqual(ack["To"].addresses[0].addr_spec, "wang.ms@example.cn")
        self.assertEqual(ack["In-Reply-To"], citizen_id)
        self.assertIn(number, ack.get_content())
        self.assertTrue(ack["Message-ID"].startswith("<ack.%s@" % number), ack["Message-ID"])
        self.assertEqual(ack["Auto-Submitted"], "auto-replied")
        # the citizen answers the acknowledgement with a photo: added to the complaint
        follow = EmailMessage()
        follow["From"] = "王女士 <wang.ms@example.cn>"
        follow["To"] = MAILBOX
        follow["Subject"] = "Re: " + str(ack["Subject"])
        follow_id = make_msgid(domain="example.cn")
        follow["Message-ID"] = follow_id
        follow["In-Reply-To"] = ack["Message-ID"]
        follow["References"] = citizen_id + " " + ack["Message-ID"]
        follow.set_content("补充一张电梯停运的照片。")
        photo = b"\xff\xd8\xff\xe0" + os.urandom(5000)
        follow.add_attachment(photo, maintype="image", subtype="jpeg", filename="电梯停运.jpg")
        replies, result = self.delivered(follow.as_bytes())
        self.assertEqual(replies[-1][0], "250", result.stdout[-800:])
        self.assertIn(number, replies[-1][1])
        rows = self.hub.sql("SELECT a.file_name, a.size, a.sha256 FROM complaint_attachment a JOIN complaint c "
                            "ON c.id = a.complaint_id WHERE c.number = '%s'" % number)
        self.assertEqual(rows, [("电梯停运.jpg", str(len(photo)), hashlib.sha256(photo).hexdigest())])
        self.assertEqual(self.hub.sql_value("SELECT count(*) FROM complaint WHERE channel = 'email' AND "
                                            "external_id = '%s'" % follow_id.strip("<>")), "0")
        # the department's reply goes back in the same thread
        self.hub.sql("INSERT INTO complaint_reply (complaint_id, body, sent_via, department, actor) SELECT id, "
                     "'已责令物业公司三日内修复电梯', 'desk', 'zjj', 'user:test' FROM complaint WHERE number = '%s'" % number)
        reply = self.wait_for(lambda: [m for m in self.catcher.parsed() if number in str(m["Subject"])
                                       and "答复" in str(m["Subject"])])[0]
        self.assertIn("已责令物业公司三日内修复电梯", reply.get_content())
        self.assertIn(citizen_id, reply["References"])
        self.assertIn(ack["Message-ID"], reply["References"])
        self.wait_for(lambda: self.hub.sql("SELECT d.kind, d.state FROM complaint_delivery d JOIN complaint c "
                                           "ON c.id = d.complaint_id WHERE c.number = '%s' ORDER BY d.id" % number)
                      == [("ack", "sent"), ("reply", "sent")])
        # the desk shows what went back and what came in, and gives the file to whoever may see it
        supervisor = self.desk_session("supervisor")
        one = harness.http_request(self.hub.desk_port, "GET", "/api/complaints/" + number, headers=supervisor).json
        self.assertEqual([(d["kind"], d["via"], d["state"]) for d in one["deliveries"]],
                         [("ack", "email", "sent"), ("reply", "email", "sent")])
        self.assertEqual([m["kind"] for m in one["messages"]], ["mail"])
        self.assertEqual([(a["file_name"], a["size"]) for a in one["attachments"]], [("电梯停运.jpg", len(photo))])
        path = "/api/attachments/%d" % one["attachments"][0]["id"]
        download = harness.http_request(self.hub.desk_port, "GET", path, headers=supervisor)
        self.assertEqual((download.status, download.raw), (200, photo))
        self.assertEqual(download.header("Content-Type"), "image/jpeg")
        self.assertIn("filename*=UTF-8''", download.header("Content-Disposition"))
        if one["lead_department"] != "jyj":
            edu = self.desk_session("edu")
            self.assertEqual(harness.http_request(self.hub.desk_port, "GET", path, headers=edu).status, 404)
        self.assertEqual(self.hub.sql_value(
            "SELECT count(*) FROM complaint_event e JOIN complaint c ON c.id = e.complaint_id "
            "WHERE c.number = '%s' AND e.kind = 'attachment_read'" % number), "1")

    def desk_session(self, user):
        response = harness.http_request(self.hub.desk_port, "POST", "/api/login",
                                        {"user": user, "password": "demo-" + user})
        self.assertEqual(response.status, 200, response.json)
        return {"Cookie": (response.header("Set-Cookie") or "").split(";")[0],
                "X-CSRF-Token": response.json["csrf"]}

    def test_the_same_message_twice_is_one_complaint(self):
        message_id = "twice.%s@example.cn" % harness.unique_id("T")
        data = unique_copy(os.path.join(FIXTURES, "utf8_qp.eml"), message_id)
        first, _ = self.delivered(data)
        second, _ = self.delivered(data)
        self.assertEqual((first[-1][0], second[-1][0]), ("250", "250"))
        number = re.search(r"[A-Z0-9]+-\d{8}-\d{6}", first[-1][1]).group(0)
        self.assertIn(number, second[-1][1])
        self.assertEqual(self.hub.sql_value("SELECT count(*) FROM complaint WHERE external_id = '%s'" % message_id), "1")

    def test_hostile_mail_is_refused_or_kept_raw(self):
        before = int(self.hub.sql_value("SELECT count(*) FROM complaint"))
        boundary = "b0"
        bomb = ["From: a@example.cn", "To: " + MAILBOX, "Subject: bomb", "Message-ID: <bomb@example.cn>",
                "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="%s"' % boundary, ""]
        for i in range(3000):
            bomb += ["--" + boundary, "Content-Type: text/plain", "", "x%d" % i]
        bomb.append("--%s--" % boundary)
        replies, result = self.delivered("\r\n".join(bomb).encode())
        self.assertTrue(replies and replies[-1][0].startswith("5"), result.stdout[-800:])
        big = b"From: a@example.cn\r\nTo: 12345@city.example\r\nSubject: big\r\nMessage-ID: <big@example.cn>\r\n\r\n" \
            + (b"x" * 998 + b"\r\n") * 52000   # 52 MB
        replies, result = self.delivered(big)
        self.assertTrue(replies and replies[-1][0] == "552", result.stdout[-800:])
        self.assertEqual(int(self.hub.sql_value("SELECT count(*) FROM complaint")), before)
        # labelled UTF-8 but not: kept raw for a person, as a complaint that says so
        raw_id = "raw.%s@example.cn" % harness.unique_id("R")
        replies, result = self.delivered(unique_copy(os.path.join(FIXTURES, "invalid_utf8.eml"), raw_id))
        self.assertEqual(replies[-1][0], "250", result.stdout[-800:])
        found = self.complaint_of(raw_id)
        self.assertIn("无法解码", found["content"])
        self.assertEqual(self.hub.sql_value(
            "SELECT a.file_name FROM complaint_attachment a JOIN complaint c ON c.id = a.complaint_id "
            "WHERE c.external_id = '%s'" % raw_id), "original.eml")
        with open(self.hub.dir + "/email.log", encoding="utf-8", errors="replace") as f:
            log = f.read()
        self.assertIn("refused (bomb)", log)

    def test_ingest_a_file_and_a_maildir(self):
        folder = tempfile.mkdtemp()
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(folder, sub))
        ids = []
        for i, name in enumerate(("gb2312_base64.eml", "big5_qp.eml")):
            ids.append("maildir%d.%s@example.cn" % (i, harness.unique_id("M")))
            with open(os.path.join(folder, "new", "%d.mail" % i), "wb") as f:
                f.write(unique_copy(os.path.join(FIXTURES, name), ids[-1]))
        single = os.path.join(folder, "single.eml")
        ids.append("single.%s@example.cn" % harness.unique_id("S"))
        with open(single, "wb") as f:
            f.write(unique_copy(os.path.join(FIXTURES, "outlook_quoted.eml"), ids[-1]))
        result = harness.run([harness.program("suqiu-email"), "-c", self.hub.config_path, "ingest", folder, single],
                             timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(len(re.findall(r": 250 ", result.stdout)), 3, result.stdout)
        for message_id in ids:
            self.assertTrue(self.complaint_of(message_id)["number"])
        missing = harness.run([harness.program("suqiu-email"), "-c", self.hub.config_path, "ingest",
                               "/nonexistent.eml"], timeout=30)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("cannot be read", missing.stdout)


if __name__ == "__main__":
    unittest.main()
