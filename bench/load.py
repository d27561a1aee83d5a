"""A load run on a real service process: p50/p99 of the data routes against ``/api/health``
(the baseline: no data, same HTTP stack) measured in the same run, and the error count.

The service holds the API tests' slice of demo data (two PDLs, about 75 days of daily values,
three weeks of load curve). 8 clients send ``ROUNDS`` requests to each route. Target: 0 errors
500 and no transport error; the ratios say what each route costs beyond the HTTP stack.
"""

from __future__ import annotations

from tests.reliability.served import Served, load_run
from tests.reliability.test_served import LOAD_PATHS, filled

ROUNDS = 150
CONCURRENCY = 8


def main() -> None:
    """Start the service, warm it up, run the load, print the figures."""
    served = filled(Served())
    try:
        served.start()
        load_run(served.url, LOAD_PATHS, rounds=3, concurrency=2)  # warm-up
        result = load_run(served.url, LOAD_PATHS, rounds=ROUNDS, concurrency=CONCURRENCY)
    finally:
        served.stop()
    errors_500 = sum(n for status, n in result.statuses.items() if status >= 500)
    print(
        f"{result.requests} requests, {CONCURRENCY} at a time: statuses "
        f"{dict(sorted(result.statuses.items()))}, {errors_500} errors 500, "
        f"{len(result.failures)} failures"
    )
    base50 = result.percentile(LOAD_PATHS[0], 0.5)
    base99 = result.percentile(LOAD_PATHS[0], 0.99)
    print(f"  {'route':62} {'p50 ms':>8} {'p99 ms':>8} {'p50/base':>9} {'p99/base':>9}")
    for path in LOAD_PATHS:
        p50, p99 = result.percentile(path, 0.5), result.percentile(path, 0.99)
        print(
            f"  {path[:62]:62} {p50 * 1000:8.1f} {p99 * 1000:8.1f} "
            f"{p50 / base50:9.2f} {p99 / base99:9.2f}"
        )
    for failure in result.failures[:10]:
        print(f"  failure: {failure}")


if __name__ == "__main__":
    main()
