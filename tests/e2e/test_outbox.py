"""suqiu.outbox, as the WeChat and e-mail adapters speak to it, over MDP from an independent
client: the acknowledgement owed to an e-mail complaint, its lease taken again after a
crashed sender, retries with backoff and a failure recorded after the last try, the reply
owed through the channel the complaint came in on (e-mail, WeChat, the hotline's call-back
list, the web's status_notes), attachments out of the detail row with their checksum checked,
follow-ups kept once per key, and what a citizen may know of a number."""
import base64
import hashlib
import json
import unittest

import harness
import mdp
from test_spine import HubTestCase


class OutboxTest(HubTestCase):

    @classmethod
    def setUpClass(cls):
        cls.hub = harness.Hub(workers=1, name="outbox",
                              overrides={"worker": {"services": harness.ALL_SERVICES}}).start()
        cls.client = mdp.Client(cls.hub.client_endpoint, timeout_ms=5000, retries=2)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.hub.stop()

    def ask(self, service, *frames):
        answer = self.client.request(service, *frames)
        self.assertIsNotNone(answer, "no answer from " + service)
        return answer[0].decode(), json.loads(answer[1])

    def intake(self, channel, reply_to=None, attachments=None, content="小区门口的餐馆油烟直排，熏得住户没法开窗。"):
        extra = {}
        if reply_to:
            extra["reply_to"] = reply_to
        if attachments is not None:
            extra["attachments"] = attachments
        envelope = {"channel": channel, "external_id": harness.unique_id("OB"),
                    "received_at": harness.now_shanghai(), "title": "油烟扰民",
                    "content": content, "extra": extra}
        return self.ask("suqiu.intake", json.dumps(envelope)), envelope

    def take(self, via, lease="30"):
        status, answer = self.ask("suqiu.outbox", "take", via, "100", lease)
        self.assertEqual(status, "200", answer)
        return answer["items"]

    def deliveries(self, number):
        return self.hub.sql("SELECT d.kind, d.via, d.state, d.tries FROM complaint_delivery d "
                            "JOIN complaint c ON c.id = d.complaint_id WHERE c.number = '%s' "
                            "ORDER BY d.id" % number)

    def test_an_email_complaint_is_acknowledged_once_even_after_a_crashed_sender(self):
        (status, answer), _ = self.intake("email", {"via": "email", "address": "li@example.cn",
                                                    "message_id": "abc@mail.example.cn"})
        self.assertEqual(status, "201", answer)
        number = answer["number"]
        items = [i for i in self.take("email", lease="5") if i["number"] == number]
        self.assertEqual(len(items), 1, items)
        item = items[0]
        self.assertEqual((item["kind"], item["address"], item["try"]), ("ack", "li@example.cn", 1))
        self.assertEqual(item["detail"]["message_id"], "abc@mail.example.cn")
        # leased: not taken again at once; taken again when the lease ran out (the sender died)
        self.assertEqual([i for i in self.take("email") if i["number"] == number], [])
        self.hub.sql("UPDATE complaint_delivery SET next_try_at = now() WHERE id = %d" % item["id"])
        again = [i for i in self.take("email") if i["number"] == number]
        self.assertEqual([(i["id"], i["try"]) for i in again], [(item["id"], 2)])
        status, done = self.ask("suqiu.outbox", "done", str(item["id"]),
                                json.dumps({"message_id": "ack.%s@suqiu" % number}))
        self.assertEqual((status, done["done"]), ("200", True))
        self.assertEqual(self.deliveries(number), [("ack", "email", "sent", "2")])
        # done twice is harmless; nothing more is due for it
        self.assertEqual(self.ask("suqiu.outbox", "done", str(item["id"]), "{}")[1]["done"], False)
        self.hub.sql("UPDATE complaint_delivery SET next_try_at = now()")
        self.assertEqual([i for i in self.take("email") if i["number"] == number], [])

    def test_failures_back_off_then_fail_with_the_reason(self):
        (status, answer), _ = self.intake("wechat", {"via": "wechat", "address": "oOPENID1",
                                                     "ack_after_seconds": 0})
        number = answer["number"]
        for attempt in (1, 2, 3):
            self.hub.sql("UPDATE complaint_delivery SET next_try_at = now() WHERE via = 'wechat'")
            item = [i for i in self.take("wechat") if i["number"] == number][0]
            status, failed = self.ask("suqiu.outbox", "failed", str(item["id"]),
                                      "errcode 45015: 回复时间超过限制", "3")
            self.assertEqual(failed["state"], "queued" if attempt < 3 else "failed")
            wait = self.hub.sql_value("SELECT round(extract(epoch FROM next_try_at - now()) / 60) "
                                      "FROM complaint_delivery WHERE id = %d" % item["id"])
            if attempt < 3:
                self.assertEqual(int(float(wait)), 2 ** (attempt - 1), attempt)
        self.assertEqual(self.hub.sql_value(
            "SELECT last_error FROM complaint_delivery WHERE id = %d" % item["id"]),
            "errcode 45015: 回复时间超过限制")
        self.assertEqual(self.deliveries(number), [("ack", "wechat", "failed", "3")])

    def test_a_passive_reply_settles_the_wechat_ack(self):
        (status, answer), _ = self.intake("wechat", {"via": "wechat", "address": "oOPENID2",
                                                     "ack_after_seconds": 30})
        number = answer["number"]
        self.assertEqual([i for i in self.take("wechat") if i["number"] == number], [],
                         "the ack waits for the passive reply")
        self.assertEqual(self.ask("suqiu.outbox", "passive", number), ("200", {"number": number, "done": True}))
        self.assertEqual(self.deliveries(number), [("ack", "wechat", "sent", "0")])

    def test_replies_go_back_through_the_channel(self):
        numbers = {}
        for channel, reply_to in (("email", {"via": "email", "address": "wang@example.cn"}),
                                  ("wechat", {"via": "wechat", "address": "oOPENID3", "ack_after_seconds": 0}),
                                  ("web", None), ("hotline12345", None)):
            (status, answer), _ = self.intake(channel, reply_to)
            self.assertIn(status, ("201",), answer)
            numbers[channel] = answer["number"]
        for channel, number in numbers.items():
            self.hub.sql("INSERT INTO complaint_reply (complaint_id, body, sent_via, actor) "
                         "SELECT id, '已责令餐馆安装油烟净化设备', 'desk', 'user:test' "
                         "FROM complaint WHERE number = '%s'" % number)
        self.hub.sql("UPDATE complaint_delivery SET next_try_at = now()")
        replies = [i for i in self.take("email") if i["number"] == numbers["email"] and i["kind"] == "reply"]
        self.assertEqual(len(replies), 1)
        self.assertEqual((replies[0]["reply"], replies[0]["address"]),
                         ("已责令餐馆安装油烟净化设备", "wang@example.cn"))
        self.assertEqual(len([i for i in self.take("wechat") if i["number"] == numbers["wechat"]
                              and i["kind"] == "reply"]), 1)
        self.assertEqual(self.deliveries(numbers["web"]), [("reply", "open311", "sent", "0")])
        self.assertEqual(self.deliveries(numbers["hotline12345"]), [("reply", "phone", "queued", "0")])
        # the operator's call-back tells the citizen: the phone delivery is sent
        self.hub.sql("INSERT INTO complaint_callback (complaint_id, satisfaction, actor) "
                     "SELECT id, 'satisfied', 'user:operator' FROM complaint WHERE number = '%s'"
                     % numbers["hotline12345"])
        self.assertEqual(self.deliveries(numbers["hotline12345"]), [("reply", "phone", "sent", "1")])

    def test_attachments_are_kept_apart_and_checked(self):
        data = "现场照片".encode() * 100
        good = {"file_name": "现场照片.jpg", "content_type": "image/jpeg",
                "sha256": hashlib.sha256(data).hexdigest(), "data": base64.b64encode(data).decode()}
        (status, answer), _ = self.intake("email", {"via": "email", "address": "a@example.cn"}, [good])
        self.assertEqual(status, "201", answer)
        rows = self.hub.sql("SELECT a.file_name, a.size, a.sha256 = '%s', d.extra->'files'->0->>'size', "
                            "d.extra ? 'attachments' FROM complaint_attachment a "
                            "JOIN complaint c ON c.id = a.complaint_id "
                            "JOIN complaint_detail d ON d.complaint_id = c.id "
                            "WHERE c.number = '%s'" % (good["sha256"], answer["number"]))
        self.assertEqual(rows, [("现场照片.jpg", str(len(data)), "t", str(len(data)), "f")])
        forged = dict(good, sha256="0" * 64)
        (status, answer), envelope = self.intake("email", {"via": "email", "address": "b@example.cn"}, [forged])
        self.assertNotIn(status, ("200", "201"), answer)
        self.assertEqual(self.hub.sql_value("SELECT count(*) FROM complaint WHERE external_id = '%s'"
                                            % envelope["external_id"]), "0")

    def test_follow_ups_once_per_key_and_to_the_senders_recent_complaint(self):
        (status, answer), _ = self.intake("wechat", {"via": "wechat", "address": "oSENDER9"})
        number = answer["number"]
        photo = {"channel": "wechat", "external_id": harness.unique_id("MSG"), "sender": "oSENDER9",
                 "minutes": 10, "kind": "image", "body": "",
                 "detail": {"pic_url": "http://mmbiz.example/1.jpg", "media_id": "M1"},
                 "received_at": harness.now_shanghai()}
        self.assertEqual(self.ask("suqiu.outbox", "follow", json.dumps(photo)),
                         ("200", {"number": number, "created": True}))
        self.assertEqual(self.ask("suqiu.outbox", "follow", json.dumps(photo)),
                         ("200", {"number": number, "created": False}))
        stranger = dict(photo, external_id=harness.unique_id("MSG"), sender="oSOMEONE_ELSE")
        self.assertEqual(self.ask("suqiu.outbox", "follow", json.dumps(stranger))[0], "404")
        by_number = dict(photo, external_id=harness.unique_id("MSG"), number=number, kind="text",
                         body="补充：每天晚上六点最严重")
        del by_number["sender"]
        self.assertEqual(self.ask("suqiu.outbox", "follow", json.dumps(by_number))[1]["created"], True)
        self.assertEqual(self.hub.sql_value(
            "SELECT count(*) FROM complaint_message m JOIN complaint c ON c.id = m.complaint_id "
            "WHERE c.number = '%s'" % number), "2")
        self.assertEqual(self.hub.sql_value(
            "SELECT count(*) FROM complaint_event e JOIN complaint c ON c.id = e.complaint_id "
            "WHERE c.number = '%s' AND e.kind = 'follow_up'" % number), "2")
        for bad in (dict(photo, kind="video"), dict(photo, channel="fax"), dict(photo, minutes=0),
                    dict(photo, received_at="yesterday"), dict(photo, body=5),
                    dict(photo, detail=[1])):
            self.assertEqual(self.ask("suqiu.outbox", "follow", json.dumps(bad))[0], "400", bad)
        self.assertEqual(self.ask("suqiu.outbox", "follow", "not json")[0], "400")

    def test_what_a_citizen_may_know_and_bad_requests(self):
        (status, answer), _ = self.intake("wechat", {"via": "wechat", "address": "oX"})
        status, known = self.ask("suqiu.outbox", "status", answer["number"])
        self.assertEqual(status, "200")
        self.assertEqual(known["number"], answer["number"])
        self.assertIn(known["state_label"], ("已受理", "已分类", "待人工分拨", "已派单"))
        self.assertNotIn("reply", known)
        self.assertEqual(self.ask("suqiu.outbox", "status", "12345-20260101-999999")[0], "404")
        for frames in (("status", "x"), ("take", "fax", "1", "30"), ("take", "email", "0", "30"),
                       ("take", "email", "1", "1"), ("done", "abc"), ("failed", "1", "x", "0"),
                       ("nope",), ("done", "1", "[1]")):
            self.assertEqual(self.ask("suqiu.outbox", *frames)[0], "400", frames)


if __name__ == "__main__":
    unittest.main()
