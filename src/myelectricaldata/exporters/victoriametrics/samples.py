"""Our data as VictoriaMetrics samples, and the comparison of a batch with what is stored.

A point is identified by its metric name and its identity labels (``pdl``, ``granularity``,
``direction``, the user's extra labels); ``quality`` and ``color`` are attributes carried as
labels, of which the exporter keeps one per timestamp. Everything here is pure (no I/O).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock

from myelectricaldata.domain.tempo import tempo_instant
from myelectricaldata.domain.timeutil import PARIS, ecowatt_hours
from myelectricaldata.domain.types import EcoWattDay, Stream, TempoDay
from myelectricaldata.exporters.base import TEMPO_CODE, SeriesData

CONSUMPTION_WH = "myelectricaldata_consumption_wh"
PRODUCTION_WH = "myelectricaldata_production_wh"
POWER_W = "myelectricaldata_power_w"
MAX_POWER_VA = "myelectricaldata_max_power_va"
TEMPO_COLOR = "myelectricaldata_tempo_color"
ECOWATT_LEVEL = "myelectricaldata_ecowatt_level"

#: Labels that describe a value rather than identify the point: one of them per timestamp.
ATTRIBUTE_LABELS = frozenset({"quality", "color"})
#: Labels the exporter sets itself; ``extra_labels`` may not use them.
RESERVED_LABELS = frozenset({"__name__", "pdl", "granularity", "direction", "quality", "color"})
#: ``myelectricaldata_lookup!="<random>"`` is true for every series (none carries that value):
#: it only makes each read's selector new to VictoriaMetrics' series cache (see the exporter).
LOOKUP_LABEL = "myelectricaldata_lookup"

Labels = tuple[tuple[str, str], ...]
"""A series' labels, sorted by name, ``__name__`` included."""
Samples = dict[Labels, dict[int, float]]
"""Samples by series: timestamp in ms -> value."""


def ms(instant: datetime) -> int:
    return round(instant.timestamp() * 1000)


def _labels(name: str, extra: Mapping[str, str], **labels: str) -> Labels:
    return tuple(sorted({**extra, **labels, "__name__": name}.items()))


def identity(labels: Labels) -> Labels:
    """The labels that identify a point's series, without the attribute labels."""
    return tuple(item for item in labels if item[0] not in ATTRIBUTE_LABELS)


def series_samples(data: SeriesData, direction: str, extra: Mapping[str, str]) -> Samples:
    """Samples of a consumption, production or max-power batch, stamped at each period's start."""
    fixed = {"pdl": data.pdl}
    if data.stream is Stream.MAX_POWER:
        names = [(MAX_POWER_VA, False)]
        fixed["granularity"] = "daily"
    else:
        energy = PRODUCTION_WH if direction == "production" else CONSUMPTION_WH
        names = [(energy, False)]
        fixed["granularity"] = data.stream.granularity
        if data.stream.is_detail:
            names.append((POWER_W, True))
    points = data.points
    qualities = {point.quality for point in points}
    samples: Samples = {}
    for quality in sorted(qualities):
        # One quality per batch is the rule: the filter only runs on mixed batches.
        rows = points if len(qualities) == 1 else [p for p in points if p.quality == quality]
        stamps = [round(p.start.timestamp() * 1000) for p in rows]
        for name, is_power in names:
            labels = {**fixed, "quality": quality}
            if is_power:
                labels["direction"] = direction
                values = {
                    ts: float(p.avg_w)
                    for ts, p in zip(stamps, rows, strict=True)
                    if p.avg_w is not None
                }
            else:
                values = dict(zip(stamps, [float(p.value) for p in rows], strict=True))
            if values:
                samples[_labels(name, extra, **labels)] = values
    return samples


def tempo_samples(days: Iterable[TempoDay], extra: Mapping[str, str]) -> Samples:
    """Tempo colour codes (1 blue, 2 white, 3 red) with a ``color`` label, at 06:00 of the day."""
    samples: Samples = {}
    for day in days:
        labels = _labels(TEMPO_COLOR, extra, color=day.color.value)
        samples.setdefault(labels, {})[ms(tempo_instant(day.day))] = float(TEMPO_CODE[day.color])
    return samples


def ecowatt_samples(days: Iterable[EcoWattDay], extra: Mapping[str, str]) -> Samples:
    """EcoWatt day levels at local midnight and hourly levels at each local hour."""
    day_labels = _labels(ECOWATT_LEVEL, extra, granularity="day")
    hour_labels = _labels(ECOWATT_LEVEL, extra, granularity="hour")
    samples: Samples = {day_labels: {}, hour_labels: {}}
    for day in days:
        midnight = datetime.combine(day.day, clock(0), tzinfo=PARIS)
        samples[day_labels][ms(midnight)] = float(day.level)
        for hour, instant in ecowatt_hours(day.day):
            if hour < len(day.hourly):
                samples[hour_labels][ms(instant)] = float(day.hourly[hour])
    return samples


# -- reconciliation with what is stored ---------------------------------------------------------


def _same(a: float, b: float) -> bool:
    # VictoriaMetrics stores values as decimals: allow for the last binary digits.
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


@dataclass(slots=True)
class WritePlan:
    """What a batch needs once compared with the stored samples of its time range."""

    send: Samples
    """Samples to import (those already stored with the same value are left out)."""
    rewrite: list[Labels]
    """Stored series holding another value (or another quality/colour) at a batch timestamp."""
    final: dict[Labels, set[int]]
    """Timestamps each series of the batch's identities must hold in the range afterwards."""
    present: int
    """Samples already stored with the same value."""


def plan_write(wanted: Samples, stored: Samples) -> WritePlan:
    """Compare a batch with the samples stored in its time range (pure: no I/O)."""
    if not stored:  # new history: the common case, kept cheap
        return WritePlan(dict(wanted), [], {k: set(v) for k, v in wanted.items()}, 0)
    owner: dict[Labels, dict[int, Labels]] = {}
    for labels, samples in wanted.items():
        slot = owner.setdefault(identity(labels), {})
        for ts in samples:
            slot[ts] = labels
    rewrite: set[Labels] = set()
    present: dict[Labels, set[int]] = {}
    for labels, samples in stored.items():
        ours = owner.get(identity(labels))
        if ours is None:
            continue  # a series with labels of its own (another writer): not ours to touch
        for ts, value in samples.items():
            want = ours.get(ts)
            if want is None:
                continue
            if want == labels and _same(value, wanted[want][ts]):
                present.setdefault(labels, set()).add(ts)
            else:
                rewrite.add(labels)
    send: Samples = {}
    for labels, samples in wanted.items():
        skip = set() if labels in rewrite else present.get(labels, set())
        remaining = {ts: v for ts, v in samples.items() if ts not in skip}
        if remaining:
            send[labels] = remaining
    final: dict[Labels, set[int]] = {}
    for labels, samples in stored.items():
        batch = owner.get(identity(labels))
        if batch is None:
            continue
        kept = set(samples)
        if labels in rewrite:
            kept = {ts for ts in kept if ts not in batch}
        final[labels] = kept
    for labels, samples in wanted.items():
        final.setdefault(labels, set()).update(samples)
    return WritePlan(
        send,
        sorted(rewrite),
        final,
        sum(len(ts) for labels, ts in present.items() if labels not in rewrite),
    )


def selector(labels: Iterable[tuple[str, str]]) -> str:
    """A series selector matching these labels exactly (and series with more labels)."""
    return "{" + ",".join(f"{name}={_quote(value)}" for name, value in labels) + "}"


def fresh_selector(labels: Iterable[tuple[str, str]], nonce: str) -> str:
    """``selector(labels)`` plus an always-true matcher no earlier lookup used (see the module
    docstring): VictoriaMetrics answers it from its index, not from a cached lookup."""
    matchers = [f"{name}={_quote(value)}" for name, value in labels]
    return "{" + ",".join([*matchers, f"{LOOKUP_LABEL}!={_quote(nonce)}"]) + "}"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def describe(labels: Labels) -> str:
    """``name{label="value",...}`` for messages."""
    name = dict(labels).get("__name__", "")
    return name + selector(item for item in labels if item[0] != "__name__")


def when(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).astimezone(PARIS).isoformat()


def import_body(*parts: Samples) -> bytes:
    """JSON lines for ``/api/v1/import``: one line per series, timestamps sorted."""
    merged: Samples = {}
    for part in parts:
        for labels, samples in part.items():
            merged.setdefault(labels, {}).update(samples)
    lines = []
    for labels, samples in merged.items():
        if not samples:
            continue
        stamps = list(samples)
        if stamps == sorted(stamps):  # batches come oldest first: no re-ordering needed
            values = list(samples.values())
        else:
            stamps.sort()
            values = [samples[ts] for ts in stamps]
        lines.append(
            json.dumps(
                {"metric": dict(labels), "values": values, "timestamps": stamps},
                separators=(",", ":"),
                allow_nan=False,
            )
        )
    return "\n".join(lines).encode()


def parse_export(text: str, doubles: dict[Labels, int] | None = None) -> Samples:
    """Samples of an ``/api/v1/export`` answer (JSON lines).

    A timestamp a series holds twice (a server without ``-dedup.minScrapeInterval``) is kept
    once; ``doubles``, when given, receives how many such extra samples each series holds.
    """
    samples: Samples = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        labels = tuple(sorted((str(k), str(v)) for k, v in item["metric"].items()))
        target = samples.setdefault(labels, {})
        before = len(target)
        stamps = item["timestamps"]
        for ts, value in zip(stamps, item["values"], strict=True):
            target[int(ts)] = float(value)
        if doubles is not None and len(target) - before != len(stamps):
            doubles[labels] = doubles.get(labels, 0) + len(stamps) - (len(target) - before)
    return samples
