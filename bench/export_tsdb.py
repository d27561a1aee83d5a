"""Two years of load curve (35,040 points) into real VictoriaMetrics and InfluxDB 1.x: the
exporters vs bare httpx POSTs of the same payload.

Both servers are started here (the test suite's launchers: loopback, temp dirs) and stopped at
the end. Per round and per destination, each writing into fresh series so that nothing is a
re-send:

- exporter: ``export_consumption`` per batch of the exporter's ``batch_size`` points.
  VictoriaMetrics: read-back of the range, import, force_flush and a count query (the proof
  that nothing was dropped behind the 204). InfluxDB: line protocol, 5,000 lines per POST;
- bare: what a hand-written sender does with the same batches: build the same body (JSON lines /
  line protocol) and POST it with ``httpx.AsyncClient`` (the ratio's baseline);
- floor: the same POSTs of bodies built beforehand (only the POSTs are timed);
- bare+verify (VictoriaMetrics only): the bare sender plus the least a proof of ingestion costs:
  ``/internal/force_flush`` and one ``count_over_time`` query per batch (no read-back before
  the import, no correction handling). The exporter's ratio to it is its own overhead;
- unverified (VictoriaMetrics only): the exporter with ``verify_writes=false``, to show what
  the read-back costs apart from the encoding.

Five rounds, alternating; the ratio is best exporter / best bare (target <= 1.3). Peak RSS is
this process's (exporters, points, prepared bodies; the servers are other processes), target
< 150 MB.
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
from collections.abc import Awaitable, Callable

import httpx
from tests.servers.influxdb import InfluxDBServer
from tests.servers.victoriametrics import VictoriaMetricsServer

from bench.common import batches_of, exporter_round, load_curve_points
from myelectricaldata.exporters.base import ConsumptionData, EnergyPoint
from myelectricaldata.exporters.influxdb import InfluxDBConfig, InfluxDBExporter
from myelectricaldata.exporters.victoriametrics import (
    VictoriaMetricsConfig,
    VictoriaMetricsExporter,
)

DAYS = 730
ROUNDS = 5


# -- the bare senders: the same bodies, built the simplest way ----------------------------------


def vm_body(batch: ConsumptionData, run: str) -> bytes:
    """Two JSON lines (Wh and W series) of a batch, as the VictoriaMetrics exporter sends."""
    stamps = [int(p.start.timestamp()) * 1000 for p in batch.points]
    common = {"pdl": batch.pdl, "granularity": "load_curve", "quality": "BRUT", "run": run}
    lines = [
        {
            "metric": {"__name__": "myelectricaldata_consumption_wh", **common},
            "values": [p.value for p in batch.points],
            "timestamps": stamps,
        },
        {
            "metric": {
                "__name__": "myelectricaldata_power_w",
                "direction": "consumption",
                **common,
            },
            "values": [float(p.avg_w or 0) for p in batch.points],
            "timestamps": stamps,
        },
    ]
    return "\n".join(json.dumps(line) for line in lines).encode()


def influx_bodies(batch: ConsumptionData, measurement: str) -> list[bytes]:
    """Line protocol of a batch in requests of 5,000 lines, as the InfluxDB exporter sends."""
    head = f"{measurement},granularity=load_curve,pdl={batch.pdl}"
    lines = [
        f'{head} wh={float(p.value)!r},avg_w={float(p.avg_w or 0)!r},quality="BRUT" '
        f"{int(p.start.timestamp())}"
        for p in batch.points
    ]
    return ["\n".join(lines[i : i + 5000]).encode() for i in range(0, len(lines), 5000)]


# -- rounds -------------------------------------------------------------------------------------


async def _bare_round(
    url: str,
    params: dict[str, str],
    build: Callable[[ConsumptionData], list[bytes]],
    batches: list[ConsumptionData],
) -> float:
    # No CA bundle for plain http (as the exporters): ~20 ms per client that neither side pays.
    async with httpx.AsyncClient(verify=False) as client:
        started = time.perf_counter()
        for batch in batches:
            for body in build(batch):
                response = await client.post(url, params=params, content=body)
                assert response.status_code == 204, response.text
        return time.perf_counter() - started


async def _verified_bare_round(url: str, batches: list[ConsumptionData], run: str) -> float:
    """Bare POSTs, each followed by force_flush and a count of what the batch wrote."""
    base = url.removesuffix("/api/v1/import")
    async with httpx.AsyncClient(verify=False) as client:
        started = time.perf_counter()
        for batch in batches:
            response = await client.post(url, content=vm_body(batch, run))
            assert response.status_code == 204, response.text
            (await client.get(f"{base}/internal/force_flush")).raise_for_status()
            first, last = (
                int(p.start.timestamp()) * 1000 for p in (batch.points[0], batch.points[-1])
            )
            query = f'count_over_time({{run="{run}"}}[{last - first + 1}ms])'
            answer = await client.get(
                f"{base}/api/v1/query",
                params={"query": query, "time": f"{last / 1000:.3f}", "nocache": "1"},
            )
            counted = sum(int(item["value"][1]) for item in answer.json()["data"]["result"])
            assert counted == 2 * len(batch.points), counted  # Wh and W
        return time.perf_counter() - started


async def _floor_round(url: str, params: dict[str, str], bodies: list[bytes]) -> float:
    async with httpx.AsyncClient(verify=False) as client:
        started = time.perf_counter()
        for body in bodies:
            response = await client.post(url, params=params, content=body)
            assert response.status_code == 204, response.text
        return time.perf_counter() - started


def _report(name: str, runs: dict[str, list[float]], detail: str) -> None:
    best = {kind: min(times) for kind, times in runs.items()}
    print(f"{name}: {detail}")
    for kind, times in runs.items():
        print(f"  {kind:<20} best {best[kind]:.3f} s  runs {[round(t, 3) for t in times]}")
    print(f"  ratio exporter/bare  {best['exporter'] / best['bare']:.2f}  (target <= 1.3)")
    if "unverified" in best:
        print(f"  ratio unverified/bare {best['unverified'] / best['bare']:.2f}")
    if "bare+verify" in best:
        print(f"  ratio exporter/bare+verify {best['exporter'] / best['bare+verify']:.2f}")
    print(f"  ratio exporter/floor {best['exporter'] / best['floor']:.2f}")


async def _bench_vm(points: list[EnergyPoint]) -> None:
    server = VictoriaMetricsServer()
    server.start()
    try:
        batches = batches_of(points, VictoriaMetricsExporter.batch_size)
        url = f"{server.url}/api/v1/import"
        runs: dict[str, list[float]] = {
            "exporter": [],
            "unverified": [],
            "bare": [],
            "bare+verify": [],
            "floor": [],
        }

        def exporter(run: str, verify: bool) -> VictoriaMetricsExporter:
            config = VictoriaMetricsConfig(
                enabled=True, url=server.url, extra_labels={"run": run}, verify_writes=verify
            )
            return VictoriaMetricsExporter(config)

        rounds: list[tuple[str, Callable[[int], Awaitable[float]]]] = [
            ("exporter", lambda n: exporter_round(exporter(f"exporter{n}", True), batches)),
            ("unverified", lambda n: exporter_round(exporter(f"unverified{n}", False), batches)),
            ("bare", lambda n: _bare_round(url, {}, lambda b: [vm_body(b, f"bare{n}")], batches)),
            ("bare+verify", lambda n: _verified_bare_round(url, batches, f"verified{n}")),
            ("floor", lambda n: _floor_round(url, {}, [vm_body(b, f"floor{n}") for b in batches])),
        ]
        for n in range(ROUNDS):
            for kind, run in rounds:
                runs[kind].append(await run(n))
        kept = server.sample_count('{__name__="myelectricaldata_power_w",run="exporter0"}')
        assert kept == len(points), kept
        _report(
            "VictoriaMetrics 1.79 /api/v1/import",
            runs,
            f"{len(points)} points x 2 series, {len(batches)} batch(es) of <= "
            f"{VictoriaMetricsExporter.batch_size}",
        )
    finally:
        server.close()


async def _bench_influx(points: list[EnergyPoint]) -> None:
    server = InfluxDBServer()
    server.start()
    try:
        server.create_database("bench")
        batches = batches_of(points, InfluxDBExporter.batch_size)
        url = f"{server.url}/write"
        params = {"db": "bench", "precision": "s"}
        runs: dict[str, list[float]] = {"exporter": [], "bare": [], "floor": []}

        def exporter(n: int) -> Awaitable[float]:
            config = InfluxDBConfig(
                enabled=True, url=server.url, database="bench", measurement_prefix=f"e{n}_"
            )
            return exporter_round(InfluxDBExporter(config), batches)

        def bare(n: int) -> Awaitable[float]:
            return _bare_round(
                url, params, lambda b: influx_bodies(b, f"b{n}_consumption"), batches
            )

        def floor(n: int) -> Awaitable[float]:
            bodies = [body for b in batches for body in influx_bodies(b, f"f{n}_consumption")]
            return _floor_round(url, params, bodies)

        for n in range(ROUNDS):
            runs["exporter"].append(await exporter(n))
            runs["bare"].append(await bare(n))
            runs["floor"].append(await floor(n))
        assert server.count("bench", "e0_consumption", "wh") == len(points)
        _report(
            "InfluxDB 1.6 /write (line protocol, precision s)",
            runs,
            f"{len(points)} points, {len(batches)} requests of <= {InfluxDBExporter.batch_size} "
            "lines",
        )
    finally:
        server.close()


def main() -> None:
    """Run both benchmarks and print times, ratios and this process's peak RSS."""
    points = load_curve_points(DAYS)
    asyncio.run(_bench_vm(points))
    asyncio.run(_bench_influx(points))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process {peak_mb:.0f} MB  (target < 150 MB)")


if __name__ == "__main__":
    main()
