"""make chaos: submit work orders at a steady rate through every channel that has landed (the
hotline API, and one in four through the web door's Open311) while a killer sends SIGKILL at
random moments to the broker, a worker, the hotline, the web door and PostgreSQL, and leave it
to the supervisor to bring each back.  At the end, one line:

    chaos: submitted=20000 acknowledged=20000 committed=20000 lost=0 duplicated=0 ...

acknowledged  work orders the hub answered 200/201 with a number, or 202 with a spool receipt
              (the hotline's receipt, Open311's token)
              ("received, the number follows": kept on the adapter's disk until the hub
              commits it); the driver retries an order on 503, a timeout or a refused
              connection, with the same external_id, as an operator's system does, until it is
              answered or the run's time is up
spooled       of those, how many were answered 202; at the end the driver waits for the
              spools to be replayed and looks each receipt up for its number
committed     of the submitted orders, how many have a row in PostgreSQL
lost          acknowledged, but not committed exactly once (with the number acknowledged, or,
              for a receipt, with the number its lookup gives)
duplicated    an order with more than one row, or answered with two different numbers
unavailable   for each kill, the time until the hub next answered a request sent after it;
              the longest of each kind is printed

The run uses a hub of its own (ops/run.sh with SUQIU_HOME=var/chaos: its own ports, its own
PostgreSQL cluster and supervisor), never the one `make run` started.  Settings from the
environment: CHAOS_SUBMISSIONS (default 20000), CHAOS_RATE (orders per second, default 200),
CHAOS_SECONDS (a shorter run: rate x seconds submissions), CHAOS_KILL_EVERY (seconds between
kills, default 5, each a random moment within +-40%), CHAOS_HOME, CHAOS_KEEP=1 (leave the hub
running).  Exits 0 when nothing was lost or duplicated, every order was answered, and every
killed process came back.   Run with Debian's /usr/bin/python3; standard library only.
"""
import http.client
import json
import os
import random
import shutil
import signal
import sys
import threading
import time
import urllib.parse

from supervised_hub import KINDS, ROOT, SupervisedHub

CLIENT_THREADS = 24
HTTP_TIMEOUT_S = 15.0
RETRY_PAUSE_S = 0.2
DRAIN_S = 120.0          # after the last submission, how long unanswered orders are retried


def log(text):
    sys.stderr.write("chaos: %s\n" % text)
    sys.stderr.flush()


def env_number(name, default, kind=int):
    text = os.environ.get(name, "")
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise SystemExit("chaos: %s must be a number, got %r" % (name, text))
    if value <= 0:
        raise SystemExit("chaos: %s must be above 0, got %r" % (name, text))
    return value


# --------------------------------------------------------------------------------------
# The driver: steady submissions, each retried until answered

PLACES = ["城关镇人民路", "柳市镇长虹路", "白石街道中雁路", "虹桥镇振兴路", "北白象镇东街",
          "乐成街道伯乐东街", "大荆镇新街", "清江镇渡头村", "雁荡镇响岭头", "翁垟街道东门"]
MATTERS = ["小区夜间施工噪音扰民", "路边摊占道经营", "菜市场卖的猪肉有异味", "楼道堆放杂物",
           "下水道堵塞污水外溢", "餐馆油烟直排", "路灯不亮", "超市过期食品仍在销售",
           "学校门口小吃店卫生差", "公交站台破损"]


def order(run_id, index):
    rng = random.Random(index)
    place = rng.choice(PLACES)
    matter = rng.choice(MATTERS)
    return {
        "line": "12345",
        "external_id": "CHAOS-%s-%06d" % (run_id, index),
        "caller_name": "市民%d" % (index % 997),
        "phone": "139%08d" % (index * 7919 % 100000000),
        "address": "%s%d号" % (place, rng.randint(1, 300)),
        "title": matter,
        "content": "%s，地点在%s%d号附近，第%d次来电，已持续%d天，请尽快处理。"
                   % (matter, place, rng.randint(1, 300), index, rng.randint(1, 30)),
        "operator_id": "%04d" % (1000 + index % 50),
        "received_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600)),
    }


WEB_SERVICES = ["env.noise", "urban.property", "food.catering", "transport.roads", "env.water"]
WEB_SHARE = 4            # one order in WEB_SHARE goes through Open311, the others the hotline


def web_order(run_id, index, codes):
    """An Open311 POST requests.json form for the web door: its retries are idempotent by
    device_id + request_key; attribute[chaos_index] finds its row afterwards."""
    rng = random.Random(index)
    place = rng.choice(PLACES)
    matter = rng.choice(MATTERS)
    return urllib.parse.urlencode({
        "api_key": "dev-open311-key",
        "service_code": codes[index % len(codes)],
        "address_string": "%s%d号" % (place, rng.randint(1, 300)),
        "description": "%s，在%s附近，网上第%d次反映，请处理。" % (matter, place, index),
        "phone": "137%08d" % (index * 7907 % 100000000),
        "device_id": "chaos-%s" % run_id,
        "request_key": "%d" % index,
        "attribute[chaos_index]": "%d" % index,
    })


class Driver:
    """Submits orders at a steady rate from several threads, each retried until answered.
    An order's key is ("hotline", external_id) or ("web", index); acked maps each key to the
    number it was answered with, or None when it was answered with a receipt (a token)."""

    def __init__(self, hub, run_id, submissions, rate, web_codes):
        self.hub = hub
        self.run_id = run_id
        self.submissions = submissions
        self.rate = rate
        self.web_codes = web_codes
        self.lock = threading.Lock()
        self.next_index = 0
        self.acked = {}          # key -> number, or None when answered with a receipt
        self.receipts = {}       # key -> the receipt (hotline: the external id; web: the token)
        self.spooled = 0         # answered 202
        self.conflicts = 0       # the same key answered with two numbers
        self.answers = []        # (attempt started, answered) of every acknowledgement
        self.last_began = 0.0    # when the last attempt began
        self.failures = 0        # attempts answered 503 or failed
        self.started = None
        self.stop_at = None      # monotonic time after which unanswered orders are given up

    def _next(self):
        with self.lock:
            if self.next_index >= self.submissions:
                return None
            index = self.next_index
            self.next_index += 1
        due = self.started + index / self.rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        return index

    @staticmethod
    def _exchange(connection, path, payload, content_type):
        connection.request("POST", path, body=payload, headers={"Content-Type": content_type})
        response = connection.getresponse()
        raw = response.read()
        try:
            answer = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            answer = None
        return response.status, answer

    def _attempt(self, connections, index):
        """One attempt for order index: (key, status, number, receipt)."""
        web = index % WEB_SHARE == WEB_SHARE - 1
        port = self.hub.web_port if web else self.hub.http_port
        if connections.get(port) is None:
            connections[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT_S)
        connection = connections[port]
        try:
            if web:
                status, answer = self._exchange(connection, "/open311/v2/requests.json",
                                                web_order(self.run_id, index, self.web_codes),
                                                "application/x-www-form-urlencoded")
            else:
                body = order(self.run_id, index)
                status, answer = self._exchange(connection, "/v1/workorders",
                                                json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                                "application/json")
        except (OSError, http.client.HTTPException):
            connection.close()
            connections[port] = None
            return None, None, None, None
        if web:
            first = answer[0] if isinstance(answer, list) and answer else {}
            return (("web", index), status, first.get("service_request_id"), first.get("token"))
        answer = answer if isinstance(answer, dict) else {}
        key = ("hotline", "CHAOS-%s-%06d" % (self.run_id, index))
        return key, status, answer.get("number"), answer.get("receipt")

    def _client(self):
        connections = {}
        while True:
            index = self._next()
            if index is None:
                break
            while time.monotonic() < self.stop_at:
                began = time.monotonic()
                with self.lock:
                    self.last_began = max(self.last_began, began)
                key, status, number, receipt = self._attempt(connections, index)
                if status in (200, 201) and number:
                    with self.lock:
                        known = self.acked.get(key)
                        if known is not None and known != number:
                            self.conflicts += 1
                        self.acked[key] = number
                        self.answers.append((began, time.monotonic()))
                    break
                if status == 202 and receipt:
                    with self.lock:
                        self.acked.setdefault(key, None)
                        self.receipts[key] = receipt
                        self.spooled += 1
                        self.answers.append((began, time.monotonic()))
                    break
                if status not in (None, 503):
                    log("order %d answered %s: not retried" % (index, status))
                    break
                with self.lock:
                    self.failures += 1
                time.sleep(RETRY_PAUSE_S)
        for connection in connections.values():
            if connection is not None:
                connection.close()

    def run(self):
        self.started = time.monotonic()
        self.stop_at = self.started + self.submissions / self.rate + DRAIN_S
        threads = [threading.Thread(target=self._client, daemon=True)
                   for _ in range(CLIENT_THREADS)]
        for t in threads:
            t.start()
        return threads

    def first_answer_after(self, moment):
        """Seconds from moment to the first answer of an attempt begun at or after it; None
        when none was answered, "no attempt" when none began after it (a kill after the
        stream ended, which nothing measured)."""
        with self.lock:
            later = [answered for began, answered in self.answers if began >= moment]
            if not later and self.last_began < moment:
                return "no attempt"
        return min(later) - moment if later else None


# --------------------------------------------------------------------------------------
# The killer

class Killer:
    def __init__(self, hub, every_s, rng):
        self.hub = hub
        self.every_s = every_s
        self.rng = rng
        self.kills = []          # (moment, kind, service name)
        self.stopped = threading.Event()

    def _victims(self):
        """A round of the four kinds in a random order, forever."""
        while True:
            kinds = list(KINDS)
            self.rng.shuffle(kinds)
            for kind in kinds:
                yield kind

    def run(self):
        for kind in self._victims():
            if self.stopped.wait(self.every_s * self.rng.uniform(0.6, 1.4)):
                return
            names = self.hub.services(kind)
            if not names:
                continue
            name = self.rng.choice(names)
            pid = self.hub.pid(name)
            if pid is None:
                log("%s is down at the moment of its kill; skipped" % name)
                continue
            moment = time.monotonic()
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            self.kills.append((moment, kind, name))
            log("killed %s (pid %d) with SIGKILL" % (name, pid))


# --------------------------------------------------------------------------------------

def committed_numbers(hub, run_id):
    """{key: [numbers]} of this run's orders in PostgreSQL, keyed as the driver keys them."""
    numbers = {}
    for external_id, number in hub.sql(
            "SELECT external_id, number FROM complaint WHERE channel = 'hotline12345' "
            "AND external_id LIKE 'CHAOS-%s-%%'" % run_id):
        numbers.setdefault(("hotline", external_id), []).append(number)
    for index, number in hub.sql(
            "SELECT d.extra->'attributes'->>'chaos_index', c.number FROM complaint c "
            "JOIN complaint_detail d ON d.complaint_id = c.id WHERE c.channel = 'web' "
            "AND d.extra->>'device_id' = 'chaos-%s'" % run_id):
        numbers.setdefault(("web", int(index)), []).append(number)
    return numbers


def main():
    submissions = env_number("CHAOS_SUBMISSIONS", 20000)
    rate = env_number("CHAOS_RATE", 200.0, float)
    if os.environ.get("CHAOS_SECONDS"):
        submissions = int(rate * env_number("CHAOS_SECONDS", 60, float))
    every = env_number("CHAOS_KILL_EVERY", 5.0, float)
    home = os.path.abspath(os.environ.get("CHAOS_HOME") or os.path.join(ROOT, "var", "chaos"))
    keep = os.environ.get("CHAOS_KEEP") == "1"
    for tool in ("s6-svscan", "s6-svstat"):
        if not shutil.which(tool):
            raise SystemExit("chaos: %s is missing (make deps installs s6)" % tool)

    run_id = time.strftime("%Y%m%d%H%M%S")
    hub = SupervisedHub(home)
    log("starting a hub of its own under %s (hotline port %d)" % (home, hub.http_port))
    hub.stop()
    hub.start()
    began_stamp = hub.log_stamp()
    rng = random.Random(os.environ.get("CHAOS_SEED") or time.time())
    log("%d work orders at %.0f/s (%.0f s), a SIGKILL every ~%.0f s to the broker, a worker, "
        "the hotline, the web door or PostgreSQL" % (submissions, rate, submissions / rate, every))

    driver = Driver(hub, run_id, submissions, rate, WEB_SERVICES)
    killer = Killer(hub, every, rng)
    clients = driver.run()
    killing = threading.Thread(target=killer.run, daemon=True)
    killing.start()
    sending_ends = driver.started + submissions / rate
    next_report = time.monotonic() + 10
    while any(t.is_alive() for t in clients):
        time.sleep(0.2)
        now = time.monotonic()
        if now >= sending_ends and not killer.stopped.is_set():
            killer.stopped.set()
        if now >= next_report:
            with driver.lock:
                log("%3.0f s: %d sent, %d acknowledged, %d attempts refused or failed, %d kills"
                    % (now - driver.started, driver.next_index, len(driver.acked), driver.failures,
                       len(killer.kills)))
            next_report = now + 10
    killer.stopped.set()
    killing.join()

    # Every killed process must be back, by the supervisor alone.
    back_deadline = time.monotonic() + 60
    down = []
    while time.monotonic() < back_deadline:
        down = [n for k in KINDS for n in hub.services(k) if hub.up_for(n) is None]
        if not down:
            break
        time.sleep(0.5)
    killed_names = {name for _, _, name in killer.kills}
    not_restarted = [n for n in killed_names if hub.restarts(n) < 1]

    # What waits in the adapters' spools is replayed now that nothing is killed: wait for it.
    drain_deadline = time.monotonic() + DRAIN_S
    while True:
        numbers = committed_numbers(hub, run_id)
        waiting = [key for key, number in driver.acked.items() if number is None and key not in numbers]
        if not waiting or time.monotonic() >= drain_deadline:
            break
        time.sleep(1.0)
    # Each receipt is asked until it gives its number (an adapter just restarted, or whose
    # spool has not yet marked the replayed item done, answers "still pending" for a while).
    unresolved = dict(driver.receipts)
    resolve_deadline = max(drain_deadline, time.monotonic() + 15)
    while unresolved:
        for key, receipt in list(unresolved.items()):
            found = hub.lookup_number("hotline12345", receipt) if key[0] == "hotline" \
                else hub.lookup_token(receipt)
            if found and numbers.get(key) == [found]:
                driver.acked[key] = found
                del unresolved[key]
        if not unresolved or time.monotonic() >= resolve_deadline:
            break
        time.sleep(1.0)
        numbers = committed_numbers(hub, run_id)
    lost = sum(1 for key, number in driver.acked.items()
               if number is None or numbers.get(key) != [number])
    duplicated = sum(1 for values in numbers.values() if len(values) > 1) + driver.conflicts
    unanswered = submissions - len(driver.acked)
    refused, requeued = hub.broker_log_counts(since=began_stamp)

    longest = {}
    for moment, kind, name in killer.kills:
        gap = driver.first_answer_after(moment)
        if gap == "no attempt":
            continue   # killed after the last attempt began: nothing was asked of it
        gap = float("inf") if gap is None else gap
        longest[kind] = max(longest.get(kind, 0.0), gap)
    counts = {kind: sum(1 for _, k, _ in killer.kills if k == kind) for kind in KINDS}
    worst = max(longest.values()) if longest else 0.0

    def seconds(value):
        return "never" if value == float("inf") else "%.1fs" % value

    print("chaos: submitted=%d acknowledged=%d spooled=%d committed=%d lost=%d duplicated=%d "
          "unanswered=%d kills=%s unavailable_max=%s (%s) protocol_refusals=%d requeued=%d"
          % (submissions, len(driver.acked), driver.spooled, len(numbers), lost, duplicated,
             unanswered,
             ",".join("%s:%d" % (k, counts[k]) for k in KINDS), seconds(worst),
             ", ".join("%s %s" % (k, seconds(longest[k])) for k in KINDS if k in longest),
             refused, requeued))
    sys.stdout.flush()
    if down:
        log("still down 60 s after the run: %s" % ", ".join(down))
    if not_restarted:
        log("killed but never restarted: %s" % ", ".join(sorted(not_restarted)))
    if keep:
        log("the hub is left running (CHAOS_KEEP=1): SUQIU_HOME=%s make status" % home)
    else:
        hub.stop()
    ok = lost == 0 and duplicated == 0 and unanswered == 0 and not down and not not_restarted
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
