"""The end-to-end harness: a whole suqiu hub (a fresh database in the private PostgreSQL
cluster, the broker, workers and the hotline adapter as real processes on free ports)
started for a test and torn down after it.  Standard library and python3-zmq only; run
with Debian's /usr/bin/python3.

    with Hub(workers=1) as hub:
        status, answer = hub.post(order("X-1"))
        rows = hub.sql("SELECT number FROM complaint")

Processes never outlive the tests: every child gets PR_SET_PDEATHSIG (SIGKILL) so that it
dies with the test process even when that is killed outright, stop() runs from
try/finally (or the with block) and from atexit, and SIGTERM to the test process runs
those.  The binaries come from $SUQIU_BIN (default build/bin of this checkout).
"""
import atexit
import ctypes
import datetime
import glob
import http.client
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PGSOCK = os.path.join(ROOT, "var", "pgsock")
PGUSER = "suqiu"
SQL_DIR = os.path.join(ROOT, "sql")
DEFAULT_PORTS = {5555, 5556, 8080, 8081, 8082, 8090, 2424}
PROGRAMS = ("suqiu-broker", "suqiu-worker", "suqiu-hotline", "suqiu-web", "suqiu-desk", "suqiu-wechat",
            "suqiu-email", "suqiuctl")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "ThreadSanitizer", "AddressSanitizer:DEADLYSIGNAL")


def _find_psql():
    preferred = "/usr/lib/postgresql/15/bin/psql"
    if os.access(preferred, os.X_OK):
        return preferred
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    return found[-1] if found else "psql"


PSQL = _find_psql()


def bin_dir():
    """The folder of the programs: $SUQIU_BIN (relative to this checkout when relative)."""
    folder = os.environ.get("SUQIU_BIN") or os.path.join(ROOT, "build", "bin")
    if not os.path.isabs(folder):
        folder = os.path.join(ROOT, folder) if not os.path.isdir(folder) else os.path.abspath(folder)
    return folder


def program(name):
    return os.path.join(bin_dir(), name)


# One folder for the logs of this run; run.py removes it when everything passed.
RUN_DIR = tempfile.mkdtemp(prefix="suqiu-e2e-%d-" % os.getpid())


# --------------------------------------------------------------------------------------
# Processes that die with us

# The parent-death signal is sent when the thread that forked exits, so children are
# started from the main thread only.  setpriv(1) sets it and then execs the program (same
# pid), which keeps Python code out of the forked child while other threads run; without
# setpriv, prctl is called from a preexec_fn.
_SETPRIV = shutil.which("setpriv")
_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _dying_with_us(args):
    """(args, preexec_fn) that make the program die when this process dies."""
    if _SETPRIV:
        return [_SETPRIV, "--pdeathsig", "KILL", "--"] + list(args), None
    return list(args), _die_with_parent


def spawn(args, log_path, env=None):
    """Start a program with stdout and stderr appended to log_path."""
    args, preexec = _dying_with_us(args)
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                preexec_fn=preexec)
    finally:
        log.close()


def run(args, timeout=30, env=None, input=None):
    """Run a program to its end; returns CompletedProcess with text stdout and stderr."""
    args, preexec = _dying_with_us(args)
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env,
                          input=input, cwd=ROOT, preexec_fn=preexec)


def terminate(processes, grace=5.0):
    """SIGTERM every live process, then SIGKILL what is left after grace seconds."""
    live = [p for p in processes if p is not None and p.poll() is None]
    for p in live:
        try:
            p.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    for p in live:
        try:
            p.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# --------------------------------------------------------------------------------------
# PostgreSQL

def pg_env():
    env = dict(os.environ)
    env.update(PGHOST=PGSOCK, PGUSER=PGUSER)
    for name in ("PGDATABASE", "PGPORT", "PGPASSWORD", "PGSERVICE", "PGOPTIONS"):
        env.pop(name, None)
    return env


class SqlError(Exception):
    pass


def psql(query, database="postgres", timeout=30):
    """Run one SQL text through psql -At; returns the rows as tuples of str (NULL is '')."""
    result = subprocess.run(
        [PSQL, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-F", "\x1f", "-d", database,
         "-c", query], capture_output=True, text=True, timeout=timeout, env=pg_env())
    if result.returncode != 0:
        raise SqlError("psql on %s: %s\n%s" % (database, query, result.stderr.strip()))
    return [tuple(line.split("\x1f")) for line in result.stdout.splitlines() if line != ""]


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text):
    return "'" + text.replace("'", "''") + "'"


def wait_for_server(timeout=20.0):
    """Wait until the private cluster accepts connections (it may be starting up, or
    restarted by someone else); raise SqlError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            psql("SELECT 1", timeout=10)
            return
        except SqlError as error:
            transient = any(text in str(error) for text in (
                "starting up", "shutting down", "No such file", "Connection refused",
                "in recovery"))
            if not transient or time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def _drop_orphan_databases():
    """Drop suqiu_e2e_<pid>_<n> databases left by test runs that no longer exist: the pid
    is gone, the database accepts connections and nobody is connected to it."""
    for (name,) in psql(
            "SELECT d.datname FROM pg_database d WHERE d.datname LIKE 'suqiu\\_e2e\\_%' "
            "AND d.datallowconn AND NOT EXISTS "
            "(SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)"):
        parts = name.split("_")
        try:
            pid = int(parts[2])
        except (IndexError, ValueError):
            continue
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            continue            # that run is still going
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % quote_ident(name))


# --------------------------------------------------------------------------------------
# Ports, orders, HTTP

def free_ports(count):
    """count distinct free TCP ports on 127.0.0.1, never suqiu's default ones."""
    sockets, ports = [], []
    try:
        while len(ports) < count:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
            port = s.getsockname()[1]
            if port not in DEFAULT_PORTS and port not in ports:
                ports.append(port)
    finally:
        for s in sockets:
            s.close()
    return ports


_ids = itertools.count(1)


def unique_id(prefix="E2E"):
    """An external_id nobody has used: prefix, pid, a counter and the time."""
    return "%s-%d-%d-%d" % (prefix, os.getpid(), next(_ids), int(time.time() * 1000) % 100000000)


SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def now_shanghai():
    """Now as ISO-8601 in +08:00 without fraction, the form the hub gives back."""
    return datetime.datetime.now(SHANGHAI).replace(microsecond=0).isoformat()


def order(external_id=None, line="12345", **fields):
    """A valid hotline work order (the body of POST /v1/workorders)."""
    body = {
        "line": line,
        "external_id": external_id or unique_id(),
        "caller_name": "张三",
        "phone": "13800000000",
        "address": "城关镇人民路1号",
        "title": "小区噪音扰民",
        "content": "夜间施工噪音，持续到凌晨两点。",
        "operator_id": "1001",
        "received_at": now_shanghai(),
    }
    body.update(fields)
    return body


class Response:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            self.json = None

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def _accepts(port):
    """True when something accepts TCP connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def http_request(port, method, path, body=None, headers=None, timeout=30, chunked=False):
    """One HTTP request on a new connection; returns a Response.  body: bytes, str, a
    dict (sent as JSON), or an iterable of bytes with chunked=True."""
    headers = dict(headers or {})
    if isinstance(body, dict):
        body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode("utf-8")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers, encode_chunked=chunked)
        response = connection.getresponse()
        return Response(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def submit_order(port, body, deadline_s=20.0):
    """Hub.submit for any hotline on port (see there)."""
    deadline = time.monotonic() + deadline_s
    tries = 0
    spooled = False
    lookup = "/v1/workorders?channel=hotline%s&external_id=%s" % (body.get("line", "12345"),
                                                                  body.get("external_id"))
    while time.monotonic() < deadline:
        tries += 1
        left = max(1.0, deadline - time.monotonic())
        try:
            if spooled:
                response = http_request(port, "GET", lookup, timeout=left)
            else:
                response = http_request(port, "POST", "/v1/workorders", body, timeout=left)
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
            continue
        status, answer = response.status, response.json
        if status in (200, 201) and answer and "number" in answer:
            return (202 if spooled else status), answer["number"], tries
        if status == 202 and answer and answer.get("status") == "spooled":
            spooled = True
        elif status != 503:
            raise AssertionError("%s %s answered %s %r" % ("GET" if spooled else "POST",
                                                           body.get("external_id"), status, answer))
        time.sleep(0.05)
    return None, None, tries


# --------------------------------------------------------------------------------------
# The hub

BASE_CONFIG = {
    "database": {"conninfo": None, "name": "suqiu"},
    "broker": {"client_endpoint": None, "worker_endpoint": None, "heartbeat_ms": 250,
               "liveness": 3, "queue_max": 100000, "request_ttl_ms": 30000},
    "worker": {"services": "suqiu.intake,suqiu.lookup", "sessions": 32, "batch_max": 64,
               "batch_wait_ms": 1, "sweep_interval_ms": 200, "stale_after_s": 1,
               "deadline_watch_ms": 0, "remind_percent": 75},
    "hotline": {"address": "127.0.0.1", "port": None, "threads": 16, "max_body_bytes": 65536,
                "broker_timeout_ms": 1000, "broker_retries": 3},
    "catalog": {"dir": os.path.join(ROOT, "config")},
    "classify": {"model_dir": os.path.join(RUN_DIR, "models"), "min_confidence_percent": 40,
                 "duplicate_window_hours": 72, "duplicate_max_distance": 12,
                 "duplicate_shingle": 2},
    "web": {"address": "127.0.0.1", "port": None, "threads": 8, "broker_timeout_ms": 1000,
            "broker_retries": 2, "api_keys": "dev-open311-key", "secret": "",
            "submissions_per_minute": 1000, "lookups_per_minute": 1000,
            "pages_dir": os.path.join(ROOT, "adapters", "web", "pages")},
    "desk": {"address": "127.0.0.1", "port": None, "threads": 8, "conninfo": None,
             "static_dir": os.path.join(ROOT, "adapters", "desk", "static"),
             "logins_per_minute": 1000, "lockout_minutes": 15},
    "wechat": {"address": "127.0.0.1", "port": None, "path": "/wechat", "threads": 8,
               "broker_timeout_ms": 1000, "broker_retries": 2, "send_interval_ms": 200,
               "api_base": "http://127.0.0.1:9"},
    "email": {"lmtp_address": "127.0.0.1", "lmtp_port": None, "broker_timeout_ms": 1000,
              "broker_retries": 2, "send_interval_ms": 200, "smtp_url": "smtp://127.0.0.1:9",
              "mailboxes": "12345@city.example,12315@city.example"},
    "spool": {"dir": None, "replay_ms": 200},
    "limits": {"title_max_chars": 200, "content_max_chars": 4000, "field_max_chars": 500},
    "log": {"level": "info"},
}

# Every service a worker can serve: a hub that classifies and routes asks for these.
ALL_SERVICES = "suqiu.intake,suqiu.lookup,suqiu.classify,suqiu.route,suqiu.calls,suqiu.outbox"


def yaml_text(config):
    """The config as YAML: every scalar quoted (strings) or bare (ints)."""
    lines = ["# written by tests/e2e/harness.py"]
    for section, keys in config.items():
        lines.append("%s:" % section)
        for key, value in keys.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, int):
                value = str(value)
            else:
                value = json.dumps(str(value), ensure_ascii=False)
            lines.append("  %s: %s" % (key, value))
    return "\n".join(lines) + "\n"


_hub_numbers = itertools.count(1)
_live_hubs = []


class HubError(Exception):
    pass


class Hub:
    """A running suqiu: database, broker, workers, hotline.  overrides is a dict of
    sections of keys that replace the test defaults (heartbeat 250 ms, liveness 3, hotline
    timeout 1000 ms x 3, sweep every 200 ms, stale after 1 s)."""

    def __init__(self, workers=1, overrides=None, name=None, web=False, desk=False, wechat=False,
                 email=False):
        self.n = next(_hub_numbers)
        self.name = name or "hub%d" % self.n
        self.database = "suqiu_e2e_%d_%d" % (os.getpid(), self.n)
        self.initial_workers = workers
        self.dir = os.path.join(RUN_DIR, "%02d-%s" % (self.n, self.name))
        self.config_path = os.path.join(self.dir, "hub.yaml")
        (client_port, worker_port, http_port, web_port, desk_port, wechat_port,
         lmtp_port) = free_ports(7)
        self.lmtp_port = lmtp_port
        self.with_email = email
        self.wechat_port = wechat_port
        self.with_wechat = wechat
        self.http_port = http_port
        self.web_port = web_port
        self.desk_port = desk_port
        self.with_web = web
        self.with_desk = desk
        self.client_endpoint = "tcp://127.0.0.1:%d" % client_port
        self.worker_endpoint = "tcp://127.0.0.1:%d" % worker_port
        self.config = json.loads(json.dumps(BASE_CONFIG))
        self.config["database"]["conninfo"] = "host=%s user=%s dbname=%s" % (
            PGSOCK, PGUSER, self.database)
        self.config["broker"]["client_endpoint"] = self.client_endpoint
        self.config["broker"]["worker_endpoint"] = self.worker_endpoint
        self.config["hotline"]["port"] = http_port
        self.config["web"]["port"] = web_port
        self.config["desk"]["port"] = desk_port
        self.config["wechat"]["port"] = wechat_port
        self.config["email"]["lmtp_port"] = lmtp_port
        self.config["desk"]["conninfo"] = "host=%s user=suqiu_desk dbname=%s" % (PGSOCK, self.database)
        self.spool_dir = os.path.join(self.dir, "spool")
        self.config["spool"]["dir"] = self.spool_dir
        for section, keys in (overrides or {}).items():
            self.config.setdefault(section, {}).update(keys)
        self.broker = None
        self.workers = []          # Popen, or None once killed and reaped
        self.hotline = None
        self.web = None
        self.desk = None
        self.wechat = None
        self.email = None
        self.retired = []          # processes killed by a test, kept to reap
        self._log_counts = {}
        self._created_db = False
        self._stopped = False

    # --- life ---

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self, health_timeout=15.0):
        os.makedirs(self.dir, exist_ok=True)
        _live_hubs.append(self)
        try:
            wait_for_server()
            if self.n == 1:
                _drop_orphan_databases()
            psql("CREATE DATABASE %s" % quote_ident(self.database))
            self._created_db = True
            with open(self.config_path, "w", encoding="utf-8") as out:
                out.write(yaml_text(self.config))
            migrate = run([program("suqiuctl"), "-c", self.config_path, "migrate", "--dir",
                           SQL_DIR], timeout=60)
            if migrate.returncode != 0:
                raise HubError("suqiuctl migrate failed (%d): %s%s" % (
                    migrate.returncode, migrate.stdout, migrate.stderr))
            self.start_broker()
            for _ in range(self.initial_workers):
                self.start_worker()
            self.start_hotline()
            if self.with_web:
                self.start_web()
            if self.with_desk:
                self.start_desk()
            if self.with_wechat:
                self.start_wechat()
            if self.with_email:
                self.start_email()
            self.wait_healthy(health_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, name, binary, wrapper=()):
        log = os.path.join(self.dir, name + ".log")
        count = self._log_counts.get(name, 0)
        self._log_counts[name] = count + 1
        with open(log, "ab") as out:
            out.write(("--- start %d of %s at %s\n" % (count + 1, name, time.strftime("%H:%M:%S")))
                      .encode())
        return spawn(list(wrapper) + [program(binary), "-c", self.config_path], log)

    def start_broker(self):
        if self.broker is not None and self.broker.poll() is None:
            raise HubError("the broker is already running")
        self.broker = self._spawn("broker", "suqiu-broker")
        return self.broker

    def kill_broker(self, sig=signal.SIGKILL):
        p = self.broker
        p.send_signal(sig)
        p.wait(10)
        self.retired.append(p)
        self.broker = None
        return p.returncode

    def restart_broker(self, sig=signal.SIGKILL, pause=0.0):
        self.kill_broker(sig)
        if pause:
            time.sleep(pause)
        return self.start_broker()

    def start_worker(self):
        """Start one more suqiu-worker; returns its index."""
        index = len(self.workers)
        self.workers.append(self._spawn("worker-%d" % index, "suqiu-worker"))
        return index

    def kill_worker(self, index, sig=signal.SIGKILL, wait=True):
        p = self.workers[index]
        p.send_signal(sig)
        if wait:
            p.wait(10)
        self.retired.append(p)
        self.workers[index] = None
        return p.returncode

    def start_hotline(self, wrapper=()):
        """Start the hotline, under wrapper (e.g. prlimit with its options) when given."""
        self.hotline = self._spawn("hotline", "suqiu-hotline", wrapper)
        return self.hotline

    def start_web(self, wrapper=()):
        """Start the web door (Open311 and the form) on self.web_port."""
        self.web = self._spawn("web", "suqiu-web", wrapper)
        return self.web

    def start_wechat(self):
        """Start the WeChat callback on self.wechat_port."""
        self.wechat = self._spawn("wechat", "suqiu-wechat")
        return self.wechat

    def start_email(self):
        """Start the e-mail adapter (LMTP on self.lmtp_port)."""
        self.email = self._spawn("email", "suqiu-email")
        return self.email

    def kill_wechat(self, sig=signal.SIGKILL):
        p = self.wechat
        p.send_signal(sig)
        p.wait(10)
        self.retired.append(p)
        self.wechat = None
        return p.returncode

    def start_desk(self):
        """Start the staff desks on self.desk_port."""
        self.desk = self._spawn("desk", "suqiu-desk")
        return self.desk

    def kill_web(self, sig=signal.SIGKILL):
        p = self.web
        p.send_signal(sig)
        p.wait(10)
        self.retired.append(p)
        self.web = None
        return p.returncode

    def kill_hotline(self, sig=signal.SIGKILL):
        p = self.hotline
        p.send_signal(sig)
        p.wait(10)
        self.retired.append(p)
        self.hotline = None
        return p.returncode

    def processes(self):
        return [p for p in [self.email, self.wechat, self.desk, self.web, self.hotline] + self.workers + [self.broker] + self.retired
                if p is not None]

    def check_alive(self):
        """Raise HubError naming any hub process that has exited."""
        dead = []
        for label, p in [("hotline", self.hotline), ("web", self.web), ("desk", self.desk),
                         ("wechat", self.wechat), ("email", self.email),
                         ("broker", self.broker)] + [
                ("worker-%d" % i, w) for i, w in enumerate(self.workers)]:
            if p is not None and p.poll() is not None:
                dead.append("%s (exit %s)" % (label, p.returncode))
        if dead:
            raise HubError("%s exited; logs in %s" % (", ".join(dead), self.dir))

    def wait_healthy(self, timeout=15.0):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                last = self.get("/v1/health", timeout=5)
                web_up = self.web is None or http_request(
                    self.web_port, "GET", "/open311/v2/services.json", timeout=5).status == 200
                desk_up = self.desk is None or http_request(
                    self.desk_port, "GET", "/api/session", timeout=5).status == 401
                wechat_up = self.wechat is None or http_request(
                    self.wechat_port, "GET", "/wechat", timeout=5).status == 401
                email_up = self.email is None or _accepts(self.lmtp_port)
                if last[0] == 200 and web_up and desk_up and wechat_up and email_up:
                    return time.monotonic() - (deadline - timeout)
            except OSError as error:
                last = error
            time.sleep(0.05)
        raise HubError("GET /v1/health is not 200 after %.0f s (last: %r); logs in %s"
                       % (timeout, last, self.dir))

    def stop(self):
        """Stop every process (hotline, workers, broker: SIGTERM, SIGKILL after 5 s) and
        drop the database.  Safe twice."""
        if self._stopped:
            return
        self._stopped = True
        try:
            terminate([self.desk, self.web, self.hotline])
            terminate(self.workers)
            terminate([self.broker] + self.retired)
        finally:
            if self._created_db:
                try:
                    psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % quote_ident(self.database))
                except (SqlError, subprocess.SubprocessError) as error:
                    sys.stderr.write("e2e: could not drop %s: %s\n" % (self.database, error))
            if self in _live_hubs:
                _live_hubs.remove(self)

    def sanitizer_reports(self):
        """Lines in this hub's logs where a sanitizer reported an error."""
        found = []
        for path in sorted(glob.glob(os.path.join(self.dir, "*.log"))):
            with open(path, "rb") as log:
                for line in log.read().decode("utf-8", "replace").splitlines():
                    if any(mark in line for mark in SANITIZER_MARKS):
                        found.append("%s: %s" % (os.path.basename(path), line.strip()))
        return found

    def log_text(self, name):
        path = os.path.join(self.dir, name + ".log")
        with open(path, "rb") as log:
            return log.read().decode("utf-8", "replace")

    # --- HTTP ---

    def request(self, method, path, body=None, headers=None, timeout=30, chunked=False):
        return http_request(self.http_port, method, path, body, headers, timeout, chunked)

    def post(self, body, timeout=30, headers=None):
        """POST /v1/workorders with body (a dict, sent as JSON); returns (status, json)."""
        response = self.request("POST", "/v1/workorders", body, headers, timeout)
        return response.status, response.json

    def get(self, path, timeout=30):
        """GET path; returns (status, json)."""
        response = self.request("GET", path, timeout=timeout)
        return response.status, response.json

    def submit(self, body, deadline_s=20.0, attempts=None):
        """POST like an operator's system: the same body again on 503 or a connection
        error, until a number comes back or deadline_s passes; a 202 (kept in the spool)
        is followed by lookups of its key until the number is there.  Returns (status,
        number, tries): status is that of the answer that carried the number, 202 when it
        came through the spool, None when no number came in time."""
        return submit_order(self.http_port, body, deadline_s)

    # --- database ---

    def sql(self, query):
        """Rows of a query in this hub's database, as tuples of str."""
        return psql(query, database=self.database)

    def sql_value(self, query):
        rows = self.sql(query)
        return rows[0][0] if rows else None

    def admin_sql(self, query):
        """A query in database postgres (to act on this hub's database from outside)."""
        return psql(query, database="postgres")

    def refuse_connections(self):
        """Make PostgreSQL refuse this hub's database and cut the sessions it has."""
        self.admin_sql("ALTER DATABASE %s ALLOW_CONNECTIONS false" % quote_ident(self.database))
        self.admin_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"
                       % quote_literal(self.database))

    def allow_connections(self):
        self.admin_sql("ALTER DATABASE %s ALLOW_CONNECTIONS true" % quote_ident(self.database))

    # --- suqiuctl ---

    def add_user(self, login, role="admin", department=None):
        """An account (password password-LOGIN) for the verbs a person does: suqiuctl user add."""
        args = ["user", "add", login, "--name", login, "--role", role]
        if department:
            args += ["--department", department]
        done = run([program("suqiuctl"), "-c", self.config_path] + args, input="password-%s\n" % login)
        if done.returncode != 0:
            raise HubError("suqiuctl user add %s failed: %s" % (login, done.stderr))
        return login

    def ctl(self, *args, timeout=30, at=None):
        """Run suqiuctl on this hub; at (ISO-8601) sets the hub's clock in its sessions
        (suqiu_now(), through PGOPTIONS), for tests on a fake clock."""
        env = None
        if at is not None:
            env = dict(os.environ, PGOPTIONS="-c suqiu.now=" + at)
        return run([program("suqiuctl"), "-c", self.config_path] + list(args), timeout=timeout,
                   env=env)


def _stop_all():
    for hub in list(_live_hubs):
        try:
            hub.stop()
        except Exception as error:   # keep stopping the others
            sys.stderr.write("e2e: stopping %s: %s\n" % (hub.name, error))


atexit.register(_stop_all)


def _on_signal(signum, frame):
    # Turn SIGTERM/SIGHUP into an exception in the main thread so that every finally and
    # the atexit hook run.  KeyboardInterrupt, because unittest records any other
    # exception as one test's error and goes on with the next test.
    raise KeyboardInterrupt("signal %d" % signum)


if threading.current_thread() is threading.main_thread():
    for _sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(_sig, _on_signal)
