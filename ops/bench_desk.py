"""make bench-desk: the desks' pages at scale.  A hub of its own with the demo city of N work
orders (suqiuctl demo --count N, default 10,000), then each list and board a desk reads, timed
through the desk's JSON API as a supervisor and as a department's desk (市教育局) would load
them: the median and the slowest of a few reads of each.  Absolute figures vary on shared
machines; what counts is that every read of a page stays well under a second.
    /usr/bin/python3 ops/bench_desk.py [--count N] [--reads R]"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402
import desk_live  # noqa: E402

PAGES = [
    ("list, first page", "/api/complaints?state=open&limit=50"),
    ("list, middle page", "/api/complaints?state=open&limit=50&offset=%(middle)d"),
    ("red lights", "/api/complaints?state=open&light=red&limit=50"),
    ("search 食堂", "/api/complaints?q=%E9%A3%9F%E5%A0%82&limit=50"),
    ("waiting decisions", "/api/complaints?waiting=any&limit=50"),
    ("overdue board", "/api/overdue"),
    ("one complaint", None),
    ("measures, 35 days", "/api/stats?from=%s&to=%s&by=department"),
]


def login(hub, user):
    response = harness.http_request(hub.desk_port, "POST", "/api/login",
                                    {"user": user, "password": "demo-" + user})
    if response.status != 200:
        raise SystemExit("login %s: %s" % (user, response.json))
    return {"Cookie": (response.header("Set-Cookie") or "").split(";")[0]}


def timed(hub, headers, path, reads):
    times, size = [], 0
    for _ in range(reads):
        started = time.monotonic()
        response = harness.http_request(hub.desk_port, "GET", path, headers=headers, timeout=120)
        times.append((time.monotonic() - started) * 1000)
        if response.status != 200:
            raise SystemExit("GET %s: %d %s" % (path, response.status, response.raw[:200]))
        size = len(response.raw)
    return statistics.median(times), max(times), size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--reads", type=int, default=5)
    args = parser.parse_args()
    print("== the desks with %d demo work orders (suqiuctl demo), %d reads of each page" % (args.count, args.reads))
    started = time.monotonic()
    hub = desk_live.start(args.count)
    try:
        print("  demo city made in %.0f s; %s open" % (time.monotonic() - started, hub.sql_value(
            "SELECT count(*) FROM complaint WHERE state NOT IN ('closed', 'merged')")))
        today = time.strftime("%Y-%m-%d")
        month_ago = time.strftime("%Y-%m-%d", time.localtime(time.time() - 35 * 86400))
        print("  %-10s %-20s %10s %10s %10s" % ("who", "page", "median ms", "max ms", "bytes"))
        for user in ("supervisor", "edu"):
            headers = login(hub, user)
            first = harness.http_request(hub.desk_port, "GET", "/api/complaints?state=open&limit=1",
                                         headers=headers).json
            number = first["items"][0]["number"]
            for name, path in PAGES:
                path = "/api/complaints/" + number if path is None else path
                if "%s" in path:
                    path = path % (month_ago, today)
                path = path.replace("%(middle)d", str(first["total"] // 2 // 50 * 50))
                median, worst, size = timed(hub, headers, path, args.reads)
                print("  %-10s %-20s %10.0f %10.0f %10d" % (user, name, median, worst, size))
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
