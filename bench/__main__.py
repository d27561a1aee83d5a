"""Run every benchmark in turn (``make bench`` / ``python -m bench``), or the ones named.

Each prints its own figures and its ratio against a baseline measured in the same run.
"""

from __future__ import annotations

import importlib
import sys
import time

BENCHES = (
    "ingest",
    "tariffs",
    "api",
    "export_mqtt",
    "export_tsdb",
    "export_webhook",
    "export_homeassistant",
    "export_jeedom",
    "export_domoticz",
    "export_openhab",
    "ui",
    "load",
)


def main(names: list[str]) -> int:
    """Run the named benches (all by default); a failing one is reported, the rest still run."""
    failed = []
    for name in names or BENCHES:
        if name not in BENCHES:
            print(f"unknown bench {name!r}; one of: {', '.join(BENCHES)}", file=sys.stderr)
            return 2
        print(f"\n== bench.{name} ==", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as exc:  # report and go on: one broken bench hides no other figure
            failed.append(name)
            print(f"bench.{name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"(bench.{name}: {time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
