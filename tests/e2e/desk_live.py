"""A hub with the desks and the demo city (suqiuctl demo), for a person or a script to use:
    /usr/bin/python3 tests/e2e/desk_live.py [--count N]
starts a hub on free ports, makes the demo accounts and work orders, prints the desk's address
and keeps running until interrupted;
    /usr/bin/python3 tests/e2e/desk_live.py --screenshots DIR
instead takes the README's screenshots of every desk (tests/browser/desk.mjs shots) into DIR
and stops.  Not a test: ops/desk_screenshots.sh runs it."""
import argparse
import os
import subprocess
import sys
import time

import harness

BROWSER_DIR = os.path.join(harness.ROOT, "tests", "browser")


def start(count):
    hub = harness.Hub(workers=2, desk=True, name="desk-live",
                      overrides={"worker": {"services": harness.ALL_SERVICES}}).start()
    made = harness.run([harness.program("suqiuctl"), "-c", hub.config_path, "demo", "--count",
                        str(count)], timeout=600)
    if made.returncode != 0:
        hub.stop()
        raise SystemExit("suqiuctl demo failed: %s" % made.stderr)
    return hub


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--screenshots")
    args = parser.parse_args()
    hub = start(args.count)
    try:
        base = "http://127.0.0.1:%d" % hub.desk_port
        if args.screenshots:
            result = subprocess.run(["node", os.path.join(BROWSER_DIR, "desk.mjs"), "shots", base,
                                     os.path.abspath(args.screenshots)], cwd=BROWSER_DIR, timeout=300)
            return result.returncode
        print("desk at %s (config %s); Ctrl-C stops" % (base, hub.config_path), flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        hub.stop()


if __name__ == "__main__":
    sys.exit(main())
