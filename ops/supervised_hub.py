"""A whole hub under its supervisor, in a folder of its own, driven through the ops scripts
exactly as `make run`, `make status` and `make stop` drive the real one: used by ops/chaos.py
and by the supervisor's integration tests (tests/e2e/test_supervisor.py).

    hub = SupervisedHub("/path/var/chaos")      # writes config/hub.yaml with free ports
    hub.start()                                 # ops/run.sh with SUQIU_HOME set
    hub.pid("broker"); hub.restarts("broker"); hub.up_for("broker")
    hub.sql("SELECT count(*) FROM complaint")
    hub.stop()                                  # ops/stop.sh

The folder holds config/hub.yaml (its own ports, the repository's catalogue) and var/ (its own
PostgreSQL cluster, supervisor, logs).  Standard library only; Debian's /usr/bin/python3.
"""
import glob
import http.client
import json
import os
import re
import socket
import subprocess
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ("broker", "worker", "hotline", "web", "postgres")
WORKERS_LINE = re.compile(r"workers: (\d+) registered \((\d+) ready, \d+ disconnected, \d+ expired, "
                          r"(\d+) refused for protocol errors, \d+ unknown told to reconnect, "
                          r"(\d+) requests requeued\)")


def free_ports(count):
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


class SupervisedHub:
    def __init__(self, home, workers=2, extra_config=""):
        self.home = os.path.abspath(home)
        os.makedirs(os.path.join(self.home, "config"), exist_ok=True)
        (self.client_port, self.worker_port, self.http_port, self.web_port, self.desk_port,
         self.wechat_port, self.lmtp_port) = free_ports(7)
        with open(os.path.join(self.home, "config", "hub.yaml"), "w") as config:
            config.write(
                "# A hub of its own (written by ops/supervised_hub.py): its own ports; the\n"
                "# city's catalogue from the repository; its own PostgreSQL cluster under var/.\n"
                "broker:\n"
                "  client_endpoint: tcp://127.0.0.1:%d\n"
                "  worker_endpoint: tcp://127.0.0.1:%d\n"
                "hotline:\n"
                "  port: %d\n"
                "web:\n"
                "  port: %d\n"
                "  pages_dir: %s\n"
                "  submissions_per_minute: 100000\n"
                "  lookups_per_minute: 100000\n"
                "desk:\n"
                "  port: %d\n"
                "  static_dir: %s\n"
                "wechat:\n"
                "  port: %d\n"
                "email:\n"
                "  lmtp_port: %d\n"
                "catalog:\n"
                "  dir: %s\n%s" % (self.client_port, self.worker_port, self.http_port,
                                   self.web_port, os.path.join(ROOT, "adapters", "web", "pages"),
                                   self.desk_port, os.path.join(ROOT, "adapters", "desk", "static"),
                                   self.wechat_port, self.lmtp_port, os.path.join(ROOT, "config"),
                                   extra_config))
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith("PG") and key != "SUQIU_CONFIG"}
        self.env["SUQIU_HOME"] = self.home
        self.env["SUQIU_WORKERS"] = str(workers)
        self.env["SUQIU_NO_DEMO"] = "1"     # the demo data set is make run's, for people
        self.scan = os.path.join(self.home, "var", "service")
        self.logs = os.path.join(self.home, "var", "log")
        self.pgsock = os.path.join(self.home, "var", "pgsock")

    # --- the ops scripts ---

    def ops(self, script, *args, check=True, timeout=300):
        """Run ops/SCRIPT [ARGS] for this hub; returns the CompletedProcess (text)."""
        result = subprocess.run([os.path.join(ROOT, "ops", script)] + list(args), env=self.env,
                                timeout=timeout,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise RuntimeError("ops/%s failed (%d):\n%s%s" % (script, result.returncode,
                                                              result.stdout, result.stderr))
        return result

    def start(self):
        return self.ops("run.sh")

    def stop(self):
        return self.ops("stop.sh", check=False)

    def status(self):
        return self.ops("status.sh", check=False).stdout

    # --- what the supervisor knows ---

    def services(self, kind=None):
        """Service names of a kind (broker, worker, hotline, postgres), or all."""
        names = sorted(n for n in os.listdir(self.scan) if not n.startswith(".")) \
            if os.path.isdir(self.scan) else []
        if kind is None:
            return names
        if kind == "worker":
            return [n for n in names if n.startswith("worker-")]
        return [n for n in names if n == kind]

    def _svstat(self, name, fields):
        result = subprocess.run(["s6-svstat", "-o", fields, os.path.join(self.scan, name)],
                                capture_output=True, text=True)
        return result.stdout.split() if result.returncode == 0 else None

    def pid(self, name):
        fields = self._svstat(name, "pid")
        return int(fields[0]) if fields and fields[0].isdigit() else None

    def up_for(self, name):
        """Seconds the daemon has been up, or None when it is down."""
        fields = self._svstat(name, "up,updownfor")
        if not fields or len(fields) != 2 or fields[0] != "true":
            return None
        return int(fields[1])

    def restarts(self, name):
        try:
            with open(os.path.join(self.scan, name, "data", "restarts")) as f:
                return int(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0

    def wait_up(self, name, timeout_s=30.0, other_than=None):
        """Wait until name is up (with a pid other than other_than); returns the pid."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            pid = self.pid(name)
            if pid and pid != other_than and self.up_for(name) is not None:
                return pid
            time.sleep(0.05)
        raise AssertionError("%s did not come back within %.0f s" % (name, timeout_s))

    # --- the database and the logs ---

    def sql(self, query, timeout_s=60):
        """Rows of a query, waiting for PostgreSQL when it is recovering from a kill."""
        psql = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1]
        deadline = time.monotonic() + timeout_s
        while True:
            result = subprocess.run([psql, "-X", "-q", "-A", "-t", "-F", "\x1f", "-h", self.pgsock,
                                     "-U", "suqiu", "-d", "suqiu", "-c", query],
                                    capture_output=True, text=True, env=self.env)
            if result.returncode == 0:
                return [tuple(line.split("\x1f")) for line in result.stdout.splitlines() if line]
            if time.monotonic() >= deadline:
                raise RuntimeError("psql failed: %s" % result.stderr.strip())
            time.sleep(0.5)

    def lookup_number(self, channel, external_id):
        """The work-order number the hotline gives for a key, or None (HTTP lookup)."""
        path = "/v1/workorders?%s" % urllib.parse.urlencode({"channel": channel,
                                                             "external_id": external_id})
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=15)
            connection.request("GET", path)
            response = connection.getresponse()
            answer = json.loads(response.read().decode("utf-8") or "null")
            connection.close()
        except (OSError, ValueError, http.client.HTTPException):
            return None
        return answer.get("number") if response.status == 200 and isinstance(answer, dict) else None

    def lookup_token(self, token):
        """The service_request_id the web door gives for an Open311 token, or None."""
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=15)
            connection.request("GET", "/open311/v2/tokens/%s.json" % urllib.parse.quote(token))
            response = connection.getresponse()
            answer = json.loads(response.read().decode("utf-8") or "null")
            connection.close()
        except (OSError, ValueError, http.client.HTTPException):
            return None
        if response.status != 200 or not isinstance(answer, list) or not answer:
            return None
        return answer[0].get("service_request_id")

    @staticmethod
    def log_stamp():
        """Now, as the daemons stamp their log lines (local time, to the second)."""
        return time.strftime("%Y-%m-%dT%H:%M:%S")

    def log_lines(self, name, since=""):
        """The lines of a service's log (rotated files, then current) stamped since since."""
        folder = os.path.join(self.logs, name)
        if not os.path.isdir(folder):
            return []
        files = sorted(f for f in os.listdir(folder) if f.startswith("@")) + ["current"]
        lines = []
        for f in files:
            path = os.path.join(folder, f)
            if os.path.exists(path):
                with open(path, errors="replace") as handle:
                    lines.extend(line.rstrip("\n") for line in handle if line[:19] >= since)
        return lines

    def broker_workers_lines(self, since=""):
        """The broker's "workers:" lines since since, as (stamp, registered, ready, refused,
        requeued)."""
        rows = []
        for line in self.log_lines("broker", since):
            match = WORKERS_LINE.search(line)
            if match:
                rows.append((line[:23],) + tuple(int(g) for g in match.groups()))
        return rows

    def broker_started_at(self, since=""):
        """The stamp of the last "listening" line of the broker since since, or None."""
        stamps = [line[:23] for line in self.log_lines("broker", since) if " INFO listening: " in line]
        return stamps[-1] if stamps else None

    def broker_log_counts(self, since=""):
        """Sessions refused for protocol errors (a READY/DISCONNECT loop shows there) and
        requests requeued, summed over the broker's "workers:" lines since since."""
        rows = self.broker_workers_lines(since)
        return sum(r[3] for r in rows), sum(r[4] for r in rows)
