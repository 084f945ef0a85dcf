"""Measures launch -> handshake line of a driver executable, launched as the host launches it.

    /usr/bin/python3 tests/handshake_timing.py [EXECUTABLE ...] [-n RUNS] [--plain]

Each run spawns the plugin with the cookie, PLUGIN_CLIENT_CERT (unless --plain) and a held stdin,
times the first stdout line, checks health, then closes stdin and waits for the exit. Prints
median, p90 and max per executable. A measurement, not a test: nothing here passes or fails.
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import EXECUTABLE, PROTOS, Plugin  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("executables", nargs="*", default=[str(EXECUTABLE)])
    parser.add_argument("-n", "--runs", type=int, default=20)
    parser.add_argument("--plain", action="store_true", help="no PLUGIN_CLIENT_CERT (no mTLS)")
    args = parser.parse_args()
    for executable in args.executables:
        times = []
        for _ in range(args.runs + 1):
            plugin = Plugin(executable=executable, mtls=not args.plain)
            try:
                plugin.stubs().health.Check(
                    PROTOS.health_pb2.HealthCheckRequest(service="plugin"), timeout=10)
                times.append(plugin.handshake_seconds * 1000)
            finally:
                plugin.close()
        times = sorted(times[1:])  # the first run warms caches (code generation, page cache)
        p90 = times[max(0, int(round(0.9 * len(times))) - 1)]
        print("%s: launch -> handshake (%s, %d runs): median %.0f ms, p90 %.0f ms, max %.0f ms"
              % (Path(executable).name, "plain" if args.plain else "mTLS", len(times),
                 statistics.median(times), p90, times[-1]))


if __name__ == "__main__":
    main()
