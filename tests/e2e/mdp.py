"""An independent Majordomo (MDP/0.1, ZeroMQ RFC 7) client and worker, with the MMI
(RFC 8) request, written from the protocol text and not from suqiu's C code, so that the
end-to-end tests check suqiu's broker against the protocol rather than against itself.

Frames, as RFC 7 gives them (the leading empty frame is the REQ envelope delimiter, sent
explicitly because both ends here use DEALER sockets):

    client -> broker   "" "MDPC01" service body...
    broker -> client   "" "MDPC01" service body...
    worker -> broker   "" "MDPW01" 0x01 service                     READY
    broker -> worker   "" "MDPW01" 0x02 client "" body...           REQUEST
    worker -> broker   "" "MDPW01" 0x03 client "" body...           REPLY
    either way         "" "MDPW01" 0x04                             HEARTBEAT
    either way         "" "MDPW01" 0x05                             DISCONNECT

Any command counts as a heartbeat; a peer silent for liveness heartbeat intervals is dead.
Only python3-zmq and the standard library are used.
"""
import threading
import time

import zmq

MDPC = b"MDPC01"
MDPW = b"MDPW01"
READY = b"\x01"
REQUEST = b"\x02"
REPLY = b"\x03"
HEARTBEAT = b"\x04"
DISCONNECT = b"\x05"
COMMAND_NAMES = {READY: "READY", REQUEST: "REQUEST", REPLY: "REPLY",
                 HEARTBEAT: "HEARTBEAT", DISCONNECT: "DISCONNECT"}


class ProtocolError(Exception):
    """The peer sent frames that RFC 7 does not allow."""


def _b(value):
    """A frame from str or bytes."""
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


class Client:
    """A Majordomo client (RFC 7 section "Client protocol") with Lazy Pirate retries.

    request() sends one request and waits up to timeout_ms for its reply; on silence it
    closes the socket (so a late reply cannot be taken for the next one), opens a new one
    and sends again, retries times in all.  It returns the reply body as a list of bytes,
    or None when no reply came."""

    def __init__(self, endpoint, timeout_ms=2500, retries=3, context=None):
        self.endpoint = endpoint
        self.timeout_ms = timeout_ms
        self.retries = max(1, retries)
        self.context = context or zmq.Context.instance()
        self.socket = None
        self._connect()

    def _connect(self):
        self._close_socket()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.connect(self.endpoint)

    def _close_socket(self):
        if self.socket is not None:
            self.socket.close(linger=0)
            self.socket = None

    def close(self):
        self._close_socket()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, service, *body):
        """Send one request without waiting (fire and forget)."""
        self.socket.send_multipart([b"", MDPC, _b(service)] + [_b(f) for f in body])

    def recv(self, service, timeout_ms):
        """Wait for one reply from service; returns its body, or None on timeout.
        A reply for another service or not in MDPC01 form raises ProtocolError."""
        if not self.socket.poll(timeout_ms, zmq.POLLIN):
            return None
        frames = self.socket.recv_multipart()
        if len(frames) < 3 or frames[0] != b"" or frames[1] != MDPC:
            raise ProtocolError("not an MDP/0.1 client reply: %r" % (frames,))
        if frames[2] != _b(service):
            raise ProtocolError("reply for service %r while waiting for %r"
                                % (frames[2], _b(service)))
        return frames[3:]

    def request(self, service, *body):
        for _ in range(self.retries):
            self.send(service, *body)
            reply = self.recv(service, self.timeout_ms)
            if reply is not None:
                return reply
            self._connect()
        return None

    def mmi_service(self, name):
        """RFC 8: "200" when a worker serves name, "404" when none (as str), None on silence."""
        reply = self.request("mmi.service", name)
        return reply[0].decode() if reply else None


class Worker:
    """A Majordomo worker (RFC 7 section "Worker protocol") for one service.

    recv() returns (client_address, body frames) for the next REQUEST, handling HEARTBEAT
    and DISCONNECT itself, sending heartbeats when due and reconnecting (a new socket and
    READY) when the broker has been silent for liveness intervals.  reply() answers the
    request last received; RFC 7 has a worker hold one request at a time."""

    def __init__(self, endpoint, service, heartbeat_ms=2500, liveness=3, context=None):
        self.endpoint = endpoint
        self.service = _b(service)
        self.heartbeat_ms = heartbeat_ms
        self.liveness = liveness
        self.context = context or zmq.Context.instance()
        self.socket = None
        self.reconnects = -1         # how many times READY was sent after the first
        self.heartbeats_seen = 0     # HEARTBEATs received from the broker
        self.disconnects_seen = 0    # DISCONNECTs received from the broker
        self._connect()

    def _now(self):
        return time.monotonic()

    def _send(self, command, *frames):
        self.socket.send_multipart([b"", MDPW, command] + [_b(f) for f in frames])
        self.heartbeat_at = self._now() + self.heartbeat_ms / 1000.0

    def _connect(self):
        if self.socket is not None:
            self.socket.close(linger=0)
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.connect(self.endpoint)
        self._send(READY, self.service)
        self.reconnects += 1
        self.broker_expires = self._now() + self.heartbeat_ms * self.liveness / 1000.0

    def recv(self, timeout_ms):
        """The next request as (client, body), or None when none came within timeout_ms."""
        deadline = self._now() + timeout_ms / 1000.0
        while True:
            now = self._now()
            if now >= deadline:
                return None
            wait = min(deadline, self.heartbeat_at, self.broker_expires) - now
            if self.socket.poll(max(0, int(wait * 1000)) + 1, zmq.POLLIN):
                frames = self.socket.recv_multipart()
                self.broker_expires = self._now() + self.heartbeat_ms * self.liveness / 1000.0
                if len(frames) < 3 or frames[0] != b"" or frames[1] != MDPW:
                    raise ProtocolError("not an MDP/0.1 worker command: %r" % (frames,))
                command = frames[2]
                if command == REQUEST:
                    # client address (one frame from a ROUTER broker), empty, body...
                    if len(frames) < 5 or frames[4] != b"":
                        raise ProtocolError("malformed REQUEST: %r" % (frames,))
                    return frames[3], frames[5:]
                if command == HEARTBEAT:
                    self.heartbeats_seen += 1
                elif command == DISCONNECT:
                    self.disconnects_seen += 1
                    self._connect()
                else:
                    raise ProtocolError("the broker sent %s to a worker"
                                        % COMMAND_NAMES.get(command, repr(command)))
            now = self._now()
            if now >= self.broker_expires:
                self._connect()
            elif now >= self.heartbeat_at:
                self._send(HEARTBEAT)

    def reply(self, client, *body):
        self._send(REPLY, client, b"", *body)

    def close(self):
        if self.socket is not None:
            try:
                self._send(DISCONNECT)
            except zmq.ZMQError:
                pass
            self.socket.close(linger=100)
            self.socket = None


class WorkerThread(threading.Thread):
    """A Worker run in its own thread (the socket lives in that thread, as ZeroMQ wants):
    every request's (time, body) is appended to .requests, and handler(body) gives the
    reply frames (default ["200", "{}"])."""

    def __init__(self, endpoint, service, heartbeat_ms=2500, liveness=3, handler=None):
        super().__init__(daemon=True, name="mdp-worker-" + service)
        self.endpoint = endpoint
        self.service = service
        self.heartbeat_ms = heartbeat_ms
        self.liveness = liveness
        self.handler = handler or (lambda body: [b"200", b"{}"])
        self.requests = []
        self.error = None
        self.condition = threading.Condition()
        self._stop_event = threading.Event()
        self._ready = threading.Event()

    def run(self):
        worker = None
        try:
            worker = Worker(self.endpoint, self.service, self.heartbeat_ms, self.liveness)
            self._ready.set()
            while not self._stop_event.is_set():
                request = worker.recv(50)
                if request is None:
                    continue
                client, body = request
                with self.condition:
                    self.requests.append((time.monotonic(), body))
                    self.condition.notify_all()
                worker.reply(client, *self.handler(body))
        except Exception as error:   # reported to the test through .error
            self.error = error
        finally:
            self._ready.set()
            if worker is not None:
                worker.close()

    def start(self):
        super().start()
        self._ready.wait(5)
        return self

    def wait_for(self, predicate, timeout):
        """Wait until predicate(body) holds for a received request; returns (time, body)
        of the first such request, or None at timeout."""
        deadline = time.monotonic() + timeout
        with self.condition:
            while True:
                for item in self.requests:
                    if predicate(item[1]):
                        return item
                left = deadline - time.monotonic()
                if left <= 0 or self.error is not None:
                    return None
                self.condition.wait(left)

    def stop(self):
        self._stop_event.set()
        self.join(5)
