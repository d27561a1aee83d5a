"""InfluxDB line protocol of our data: one line per point, stamped in seconds.

A point is keyed by measurement, tags and timestamp, and a re-sent key overwrites its fields
(PROTOCOLS.md §1). Fields are always floats (``1.0``, never ``1i``) so that no batch meets a
field type conflict; ``quality`` and the Tempo colour are string fields, not tags, so that a
correction overwrites instead of adding a second series.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from datetime import time as clock

from myelectricaldata.domain.tempo import tempo_instant
from myelectricaldata.domain.timeutil import PARIS, ecowatt_hours
from myelectricaldata.domain.types import EcoWattDay, Stream, TempoDay
from myelectricaldata.exporters.base import TEMPO_CODE, SeriesData


def _escape_name(text: str) -> str:
    return text.replace(",", "\\,").replace(" ", "\\ ")


def _escape_tag(text: str) -> str:
    return text.replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def _string(text: str) -> str:
    flat = text.replace("\r", " ").replace("\n", " ")
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _float(value: float) -> str:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} cannot be written to InfluxDB (not a finite number)")
    return repr(number)  # always a float literal: 672.0, never 672 (an integer field)


def _tag_set(tags: Mapping[str, str]) -> str:
    # Sorted tags are what InfluxDB stores: the server skips re-sorting them.
    return "".join(f",{_escape_tag(k)}={_escape_tag(v)}" for k, v in sorted(tags.items()))


def _seconds(instant: datetime) -> int:
    return round(instant.timestamp())


def series_lines(data: SeriesData, measurement: str, tags: Mapping[str, str]) -> Iterator[str]:
    """Lines of a consumption, production or max-power batch, stamped at each period's start."""
    granularity = data.stream.granularity if data.stream.is_detail else "daily"
    head = _escape_name(measurement) + _tag_set(
        {**tags, "pdl": data.pdl, "granularity": granularity}
    )
    if data.stream is Stream.MAX_POWER:
        for point in data.points:
            fields = f"va={_float(point.value)},quality={_string(point.quality)}"
            if point.at is not None:
                fields += f",at={_string(point.at.astimezone(PARIS).isoformat())}"
            yield f"{head} {fields} {_seconds(point.start)}"
        return
    for point in data.points:
        fields = f"wh={_float(point.value)}"
        if point.avg_w is not None:
            fields += f",avg_w={_float(point.avg_w)}"
        yield f"{head} {fields},quality={_string(point.quality)} {_seconds(point.start)}"


def tempo_lines(
    days: Iterable[TempoDay], measurement: str, tags: Mapping[str, str]
) -> Iterator[str]:
    """``code`` 1/2/3 and ``color`` of each Tempo day, at 06:00 Paris time."""
    head = _escape_name(measurement) + _tag_set(tags)
    for day in days:
        fields = f"code={_float(TEMPO_CODE[day.color])},color={_string(day.color.value)}"
        yield f"{head} {fields} {_seconds(tempo_instant(day.day))}"


def ecowatt_lines(
    days: Iterable[EcoWattDay], measurement: str, tags: Mapping[str, str]
) -> Iterator[str]:
    """Day level (and message) at local midnight, hourly levels at each local hour."""
    day_head = _escape_name(measurement) + _tag_set({**tags, "granularity": "day"})
    hour_head = _escape_name(measurement) + _tag_set({**tags, "granularity": "hour"})
    for day in days:
        midnight = datetime.combine(day.day, clock(0), tzinfo=PARIS)
        fields = f"level={_float(day.level)}"
        if day.message:
            fields += f",message={_string(day.message)}"
        yield f"{day_head} {fields} {_seconds(midnight)}"
        for hour, instant in ecowatt_hours(day.day):
            if hour < len(day.hourly):
                yield f"{hour_head} level={_float(day.hourly[hour])} {_seconds(instant)}"
