"""A child process of the crash tests: one sync or one export run, killed with SIGKILL.

``python -m tests.reliability.worker sync URL START END`` syncs the demo source over the days
START..END (inclusive) into URL; ``python -m tests.reliability.worker export URL HOOK SECRET``
sends what changed to the webhook HOOK. Both print ``ready`` just before the run starts and
``done <status> <count> <seconds the run took>`` after it; a lock held by a live process exits
with code 3, so a run that does not start at once is seen.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import date, datetime

from cryptography.fernet import Fernet

from myelectricaldata.crypto import SecretBox
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.exporters.registry import ConfigStore, Registry
from myelectricaldata.sources.demo import DemoSource
from myelectricaldata.store.exports import ExportBusy, ExportRepo
from myelectricaldata.store.repo import Store, SyncBusy
from myelectricaldata.support.retry import Backoff
from myelectricaldata.sync.service import SyncService

#: "Now" of every run: the demo data then depend only on the range asked for.
NOW = datetime(2024, 11, 15, 18, 0, tzinfo=PARIS)
BUSY = 3


def now() -> datetime:
    """The workers' clock."""
    return NOW


async def sync(url: str, start: date, end: date) -> int:
    store = Store.open(url)
    service = SyncService(store, DemoSource(clock=now), clock=now)
    print("ready", flush=True)
    started = time.perf_counter()
    try:
        report = await service.run(trigger="crash-test", start=start, end=end)
    except SyncBusy as exc:
        print(f"busy {exc}", flush=True)
        return BUSY
    finally:
        store.close()
    took = time.perf_counter() - started
    print(f"done {report.status} {report.rows_written} {took:.3f}", flush=True)
    return 0


async def export(url: str, hook: str, secret: str) -> int:
    store = Store.open(url)
    registry = Registry(plugins=False)
    env = {"WEBHOOK_ENABLED": "true", "WEBHOOK_URL": hook, "WEBHOOK_SECRET": secret}
    configs = ConfigStore(registry, ExportRepo(store), SecretBox(Fernet.generate_key()), env)
    # The delivery's attempts, with waits of milliseconds (the kit's one retry policy).
    service = ExportService(store, registry, configs, policy=Backoff(base=0.01, cap=0.02))
    print("ready", flush=True)
    started = time.perf_counter()
    try:
        log = await service.run("webhook", trigger="crash-test")
    except ExportBusy as exc:
        print(f"busy {exc}", flush=True)
        return BUSY
    finally:
        store.close()
    took = time.perf_counter() - started
    print(f"done {log.status} {log.records} {took:.3f}", flush=True)
    return 0 if log.status == "success" else 1


def main(argv: list[str]) -> int:
    command, url, *rest = argv
    if command == "sync":
        return asyncio.run(sync(url, date.fromisoformat(rest[0]), date.fromisoformat(rest[1])))
    return asyncio.run(export(url, rest[0], rest[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
