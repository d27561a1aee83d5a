"""Publish two years of load curve (35,040 points) plus a catalogue snapshot through the MQTT
exporter vs a bare aiomqtt publish loop with the same window, on a local Mosquitto.

Two mappings are timed: the default one (a history batch moves one retained ``latest`` topic;
the snapshot brings every state topic and its Home Assistant discovery config) and
``history_stream`` (every point is also published, non-retained). The bare loop sends the same
messages (topics, payloads, QoS 1, retain flags) built beforehand, with the same window of 100
unacknowledged publishes; both connect and disconnect inside the timing. Targets: ratio
exporter/bare <= 1.3, peak RSS < 150 MB.
"""

from __future__ import annotations

import asyncio
import resource
import socket
import time
from datetime import datetime, timedelta

import aiomqtt
from tests.servers.mosquitto import MosquittoServer

from bench.common import PDL, load_curve, today
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import Stream
from myelectricaldata.exporters.base import (
    ConsumptionData,
    EnergyPoint,
    MeasureValue,
    StateSnapshot,
)
from myelectricaldata.exporters.measures import MEASURES
from myelectricaldata.exporters.mqtt import MqttConfig, MqttExporter
from myelectricaldata.exporters.mqtt.topics import Outgoing, Topics, encode_payload, point_payload

DAYS = 730
WINDOW = 100
#: Best of this many runs of each (the default mapping is cheap, the stream is not).
REPEAT = {"default mapping": 10, "history_stream": 3}


def batch() -> ConsumptionData:
    """Two years of 30-minute points as the delivery layer hands them over."""
    points = [
        EnergyPoint(
            p.start.astimezone(PARIS),
            (p.start + timedelta(minutes=30)).astimezone(PARIS),
            p.energy_wh,
            p.quality,
            avg_w=p.avg_w,
        )
        for p in load_curve(DAYS, today())
    ]
    return ConsumptionData(PDL, Stream.CONSUMPTION_DETAIL, points)


def snapshot() -> StateSnapshot:
    """Every catalogue measure for one PDL (with production) and the grid, made-up values."""
    values = []
    for i, m in enumerate(MEASURES):
        scope = PDL if m.scope in ("pdl", "production") else m.scope
        value: float | str | None = m.options[0] if m.options else round(10.5 + i, 3)
        attributes = {"last_reset": "2025-05-31T00:00:00+02:00"} if m.state_class == "total" else {}
        values.append(
            MeasureValue(
                m.key, scope, value, m.unit, m.label_fr, m.label_en, m.device_class,
                m.state_class, options=m.options, date="2025-05-31", attributes=attributes,
            )
        )  # fmt: skip
    return StateSnapshot(datetime(2025, 6, 1, 12, tzinfo=PARIS), values)


def expected_messages(
    cfg: MqttConfig, data: ConsumptionData, snap: StateSnapshot
) -> list[Outgoing]:
    """What the exporter publishes for this batch and snapshot, built ahead for the bare loop."""
    exporter = MqttExporter(cfg)
    topics = Topics(cfg.topic_prefix, cfg.ha_discovery_prefix)
    messages = [Outgoing(topics.status, b"online", 1, True)]
    if cfg.history_stream:
        stream = topics.history(PDL, Stream.CONSUMPTION_DETAIL)
        messages += [
            Outgoing(
                stream,
                encode_payload(point_payload(PDL, "Wh", Stream.CONSUMPTION_DETAIL, p)),
                1,
                False,
            )
            for p in data.points
        ]
    newest = data.points[-1]
    messages.append(
        Outgoing(
            topics.latest(PDL, Stream.CONSUMPTION_DETAIL),
            encode_payload(point_payload(PDL, "Wh", Stream.CONSUMPTION_DETAIL, newest)),
            1,
            True,
        )
    )
    return messages + exporter.state_messages(snap)


async def run_exporter(cfg: MqttConfig, data: ConsumptionData, snap: StateSnapshot) -> float:
    """Seconds for one exporter run: connect, the batch, the snapshot, disconnect."""
    started = time.perf_counter()
    exporter = MqttExporter(cfg)
    try:
        result = await exporter.export_consumption(data)
        assert result.success, result.error
        state = await exporter.export_state(snap)
        assert state.success, state.error
    finally:
        await exporter.aclose()
    return time.perf_counter() - started


async def run_bare(port: int, messages: list[Outgoing]) -> float:
    """Seconds for the same messages through aiomqtt with a semaphore window of ``WINDOW``."""
    started = time.perf_counter()
    nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]  # as the exporter's client
    async with aiomqtt.Client(
        "127.0.0.1", port, max_inflight_messages=WINDOW, socket_options=nodelay
    ) as client:
        client.pending_calls_threshold = WINDOW + 10
        window = asyncio.Semaphore(WINDOW)
        pending: set[asyncio.Task[None]] = set()

        def done(task: asyncio.Task[None]) -> None:
            pending.discard(task)
            window.release()
            task.result()

        for m in messages:
            await window.acquire()
            task = asyncio.create_task(
                client.publish(m.topic, m.payload, qos=m.qos, retain=m.retain)
            )
            pending.add(task)
            task.add_done_callback(done)
        while pending:
            await asyncio.wait(set(pending))
    return time.perf_counter() - started


async def scenario(name: str, cfg: MqttConfig, broker: MosquittoServer) -> tuple[float, float]:
    """Best-of-``REPEAT`` times of the exporter and of the bare loop, alternating."""
    data, snap = batch(), snapshot()
    messages = expected_messages(cfg, data, snap)
    exporter_runs: list[float] = []
    bare_runs: list[float] = []
    for _ in range(REPEAT[name]):
        exporter_runs.append(await run_exporter(cfg, data, snap))
        bare_runs.append(await run_bare(broker.port, messages))
    best_e, best_b = min(exporter_runs), min(bare_runs)
    print(f"{name}: {len(data.points)} points + {len(snap.values)} measures -> "
          f"{len(messages)} messages (QoS 1, window {WINDOW})")  # fmt: skip
    print(f"  exporter   best {best_e:.3f} s  ({len(messages) / best_e:,.0f} msg/s)  "
          f"runs {[round(t, 3) for t in exporter_runs]}")  # fmt: skip
    print(f"  bare loop  best {best_b:.3f} s  ({len(messages) / best_b:,.0f} msg/s)  "
          f"runs {[round(t, 3) for t in bare_runs]}")  # fmt: skip
    print(f"  ratio exporter/bare {best_e / best_b:.2f}  (target <= 1.3)")
    return best_e, best_b


async def main_async(broker: MosquittoServer) -> None:
    """Both mappings."""
    common = {
        "enabled": True,
        "host": "127.0.0.1",
        "port": broker.port,
        "topic_prefix": "bench",
        "qos": 1,
        "ha_discovery": True,
        "max_inflight": WINDOW,
    }
    await scenario("default mapping", MqttConfig(**common), broker)
    await scenario("history_stream", MqttConfig(**common, history_stream=True), broker)


def main() -> None:
    """Start a loopback Mosquitto, run both scenarios, print times, ratio and peak RSS."""
    broker = MosquittoServer()
    broker.start()
    try:
        asyncio.run(main_async(broker))
    finally:
        broker.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB  (target < 150 MB)")


if __name__ == "__main__":
    main()
