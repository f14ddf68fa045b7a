"""Run the end-to-end suite: /usr/bin/python3 tests/e2e/run.py [unittest names...]

Prints the unittest report (verbosity 2), then as its very last line
    e2e: N passed, M failed[, K skipped]
and exits 0 only when nothing failed.  $SUQIU_BIN picks the programs (default build/bin).
The processes' logs are kept (and their folder named) when something failed.
"""
import os
import shutil
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402  (after the path is set)


class CountingResult(unittest.TextTestResult):
    """A TextTestResult that also counts the tests that passed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1


def main(argv):
    loader = unittest.TestLoader()
    if argv:
        suite = loader.loadTestsFromNames(argv)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    sys.stderr.write("e2e: programs from %s\n" % harness.bin_dir())
    missing = [p for p in harness.PROGRAMS if not os.access(harness.program(p), os.X_OK)]
    started = time.monotonic()
    if missing:
        sys.stderr.write("e2e: missing programs in %s: %s\n" % (harness.bin_dir(), " ".join(missing)))
        passed, failed, skipped = 0, 1, 0
    else:
        runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2,
                                         resultclass=CountingResult)
        try:
            result = runner.run(suite)
        except KeyboardInterrupt as interrupt:
            harness._stop_all()
            sys.stderr.write("\ne2e: interrupted (%s); logs kept in %s\n"
                             % (interrupt or "SIGINT", harness.RUN_DIR))
            sys.stderr.flush()
            sys.stdout.write("e2e: interrupted\n")
            return 130
        finally:
            harness._stop_all()
        passed = result.passed + len(result.expectedFailures)
        failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
        skipped = len(result.skipped)
        if result.testsRun == 0:
            failed += 1
    if failed:
        sys.stderr.write("e2e: logs kept in %s\n" % harness.RUN_DIR)
    else:
        shutil.rmtree(harness.RUN_DIR, ignore_errors=True)
    sys.stderr.write("e2e: %.1f s\n" % (time.monotonic() - started))
    sys.stderr.flush()
    line = "e2e: %d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
