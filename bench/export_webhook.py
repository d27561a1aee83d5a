"""Two years of load curve (35,040 points) through the webhook exporter vs bare httpx POSTs.

The receiver is the test suite's strict Standard Webhooks receiver, run in a separate process
(so its work does not share this process's GIL) and verifying every signature. Per round:

- exporter: ``WebhookExporter.export_consumption`` per batch of ``batch_size`` points (builds
  the JSON, derives the event id, signs, POSTs, checks the answer);
- bare: what a hand-written sender does per batch: the same JSON with ``json.dumps`` of the
  point dicts, one HMAC signature, one ``httpx.AsyncClient.post`` (the ratio's baseline);
- floor: one POST per batch of bytes built and signed beforehand (only the POSTs are timed).

Five rounds, alternating; the ratio is best exporter / best bare (target <= 1.3); exporter /
floor is printed too. Peak RSS is this process's (exporter, points, prepared bodies), target
< 150 MB.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from tests.conftest import free_port
from tests.fakes.webhook_receiver import new_secret

from bench.common import batches_of, exporter_round, load_curve_points
from myelectricaldata.exporters.base import (
    ConsumptionData,
    ExportResult,
)
from myelectricaldata.exporters.webhook import WebhookConfig, WebhookExporter
from myelectricaldata.exporters.webhook.signing import decode_secret, sign

DAYS = 730
ROUNDS = 5
ROOT = Path(__file__).resolve().parent.parent


async def _exporter_round(url: str, secret: str, batches: list[ConsumptionData]) -> float:
    exporter = WebhookExporter(WebhookConfig(enabled=True, url=url, secret=secret))
    return await exporter_round(exporter, batches)


def _bare_body(index: int, batch: ConsumptionData) -> tuple[str, bytes]:
    """The event a hand-written sender would build: plain dicts and ``json.dumps``."""
    ident = f"bare_{index}"
    event = {
        "id": ident,
        "type": "consumption",
        "schema_version": 1,
        "pdl": batch.pdl,
        "granularity": batch.stream.granularity,
        "unit": batch.unit,
        "series": f"{batch.pdl}/consumption/{batch.stream.granularity}",
        "source": "gateway",
        "sent_at": datetime.now(UTC).isoformat(),
        "count": len(batch.points),
        "points": _point_dicts(batch),
    }
    return ident, json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def _point_dicts(batch: ConsumptionData) -> list[dict[str, object]]:
    return [
        {
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "value": int(p.value) if p.value.is_integer() else p.value,
            "quality": p.quality,
            "avg_w": p.avg_w,
        }
        for p in batch.points
    ]


async def _bare_round(url: str, batches: list[ConsumptionData], keys: list[bytes]) -> float:
    async with httpx.AsyncClient(timeout=15) as client:
        started = time.perf_counter()
        for index, batch in enumerate(batches):
            ident, body = _bare_body(index, batch)
            stamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "webhook-id": ident,
                "webhook-timestamp": str(stamp),
                "webhook-signature": sign(keys, ident, stamp, body),
            }
            answer = await client.post(url, content=body, headers=headers)
            assert answer.status_code < 300, answer.status_code
        return time.perf_counter() - started


async def _floor_round(url: str, bodies: list[tuple[str, bytes]], keys: list[bytes]) -> float:
    stamp = int(time.time())
    prepared = [
        (
            body,
            {
                "Content-Type": "application/json",
                "webhook-id": ident,
                "webhook-timestamp": str(stamp),
                "webhook-signature": sign(keys, ident, stamp, body),
            },
        )
        for ident, body in bodies
    ]
    async with httpx.AsyncClient(timeout=15) as client:
        started = time.perf_counter()
        for body, headers in prepared:
            answer = await client.post(url, content=body, headers=headers)
            assert answer.status_code < 300, answer.status_code
        return time.perf_counter() - started


async def _bodies(url: str, secret: str, batches: list[ConsumptionData]) -> list[tuple[str, bytes]]:
    """The exact bodies the exporter sends, captured once (outside any timing)."""
    captured: list[tuple[str, bytes]] = []
    exporter = WebhookExporter(WebhookConfig(enabled=True, url=url, secret=secret))

    async def keep(ident: str, body: bytes, records: int) -> ExportResult:
        captured.append((ident, body))
        return ExportResult(True, records)

    exporter._deliver = keep  # type: ignore[method-assign]
    for batch in batches:
        await exporter.export_consumption(batch)
    return captured


def _start_receiver(secret: str) -> tuple[subprocess.Popen[str], str]:
    """The receiver in its own process; returns it and its URL once it serves."""
    port = free_port()
    command = [sys.executable, "-m", "tests.fakes.webhook_receiver"]
    receiver = subprocess.Popen(
        [*command, "--port", str(port), "--secret", secret],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert receiver.stdout is not None
    ready = receiver.stdout.readline()
    assert ready.startswith("ready"), ready
    return receiver, ready.split()[1]


async def _main() -> None:
    points = load_curve_points(DAYS)
    batches = batches_of(points, WebhookExporter.batch_size)
    secret = new_secret()
    receiver, url = _start_receiver(secret)
    try:
        bodies = await _bodies(url, secret, batches)
        # "The same JSON": the bare sender's points are the exporter's, byte for byte.
        for (_, body), batch in zip(bodies, batches, strict=True):
            sent = json.loads(body)["points"]
            assert sent == json.loads(json.dumps(_point_dicts(batch)))
        keys = decode_secret(secret)
        exporter_times: list[float] = []
        bare_times: list[float] = []
        floor_times: list[float] = []
        for _ in range(ROUNDS):
            exporter_times.append(await _exporter_round(url, secret, batches))
            bare_times.append(await _bare_round(url, batches, keys))
            floor_times.append(await _floor_round(url, bodies, keys))
        async with httpx.AsyncClient() as client:
            stats = (await client.get(url.rsplit("/", 2)[0] + "/_stats")).json()
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    size = sum(len(b) for _, b in bodies)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    best_e, best_b, best_f = min(exporter_times), min(bare_times), min(floor_times)
    print(
        f"webhook export of {len(points)} load-curve points ({DAYS} days), "
        f"{len(batches)} events of <= {WebhookExporter.batch_size} points, "
        f"{size / 1e6:.1f} MB of JSON, signed and verified"
    )
    print(f"  exporter   best {best_e:.3f} s  runs {[round(t, 3) for t in exporter_times]}")
    print(f"  bare       best {best_b:.3f} s  runs {[round(t, 3) for t in bare_times]}")
    print(f"  floor      best {best_f:.3f} s  runs {[round(t, 3) for t in floor_times]}")
    print(f"  ratio exporter/bare {best_e / best_b:.2f}  (target <= 1.3)")
    print(f"  ratio exporter/floor {best_e / best_f:.2f}  (POSTs of prebuilt bytes only)")
    print(f"  peak RSS {peak_mb:.0f} MB  (target < 150 MB)")
    print(f"  receiver: {json.dumps(stats)}")


def main() -> None:
    """Run the benchmark and print the figures."""
    asyncio.run(_main())


if __name__ == "__main__":
    main()
