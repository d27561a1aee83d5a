"""The export service's batches as openHAB history: which items a batch writes into, and its
points, built with :mod:`.mapping` (instants, units and exact numbers are decided there).

A series batch (one PDL, one stream) goes to one ``history_*`` item of the PDL's group; Tempo
and EcoWatt go to the grid's history items. The kit hands energy in Wh and power in W or VA as
the store holds them (whole numbers); a fractional value is refused rather than rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import (
    DailyReading,
    LoadCurvePoint,
    MaxPowerReading,
    Stream,
)
from myelectricaldata.exporters.base import EcowattData, EnergyPoint, SeriesData, TempoData
from myelectricaldata.exporters.openhab.mapping import (
    DAILY_HISTORY,
    ECOWATT_DAY,
    ECOWATT_HOURLY,
    LOAD_CURVE_HISTORY,
    MAX_POWER_DAILY,
    TEMPO_COLOR,
    ItemNaming,
    Measure,
    daily_history,
    ecowatt_history,
    grid_plan,
    load_curve_history,
    max_power_history,
    pdl_plan,
    tempo_history,
)
from myelectricaldata.exporters.openhab.model import HistoryPoint, ItemDefinition


@dataclass(frozen=True, slots=True)
class HistoryWrite:
    """What one batch writes: the items it needs (their group first) and its points, oldest
    first, one per item and instant."""

    items: tuple[ItemDefinition, ...]
    points: list[HistoryPoint]


def series_measure(stream: Stream) -> Measure:
    """The history item (as a measure) a meter stream is written into."""
    if stream is Stream.MAX_POWER:
        return MAX_POWER_DAILY
    if stream.is_detail:
        return LOAD_CURVE_HISTORY[stream.direction]
    return DAILY_HISTORY[stream.direction]


def _whole(value: float, what: str) -> int:
    if not float(value).is_integer():
        raise ValueError(f"{what}: {value} is not a whole number (the store keeps whole units)")
    return int(value)


def _day(point: EnergyPoint) -> DailyReading:
    return DailyReading(point.start.astimezone(PARIS).date(), _whole(point.value, "Wh"))


def _interval(point: EnergyPoint) -> LoadCurvePoint:
    # Instants, not wall clocks: the two ends of a DST slot have different offsets.
    minutes = round(point.end.timestamp() - point.start.timestamp()) // 60
    if point.avg_w is not None:
        watts = _whole(point.avg_w, "W")
    else:  # the energy of the interval, as average power
        watts = _whole(point.value * 60 / minutes, "W")
    return LoadCurvePoint(point.start, watts, minutes, point.quality)


def _peak(point: EnergyPoint) -> MaxPowerReading:
    at: datetime = point.at or point.start
    return MaxPowerReading(point.start.astimezone(PARIS).date(), _whole(point.value, "VA"), at)


def series_write(data: SeriesData, naming: ItemNaming) -> HistoryWrite:
    """A meter batch: its PDL's group and history item, and its points."""
    measure = series_measure(data.stream)
    name = data.usage_point.name if data.usage_point is not None else ""
    items = pdl_plan(data.pdl, (), naming, name=name, history=(measure,))
    item = naming.pdl_item(data.pdl, measure.key)
    if data.stream is Stream.MAX_POWER:
        points = max_power_history(item, map(_peak, data.points))
    elif data.stream.is_detail:
        points = load_curve_history(item, map(_interval, data.points))
    else:
        points = daily_history(item, map(_day, data.points))
    return HistoryWrite(items, points)


def tempo_write(data: TempoData, naming: ItemNaming) -> HistoryWrite:
    """Tempo colours: the grid group, its colour item, one point per day at 06:00."""
    items = grid_plan((), naming, history=(TEMPO_COLOR,))
    return HistoryWrite(items, tempo_history(naming.grid_item(TEMPO_COLOR.key), data.days))


def ecowatt_write(data: EcowattData, naming: ItemNaming) -> HistoryWrite:
    """EcoWatt: the grid group, the day and hourly level items and their points."""
    items = grid_plan((), naming, history=(ECOWATT_DAY, ECOWATT_HOURLY))
    day, hourly = naming.grid_item(ECOWATT_DAY.key), naming.grid_item(ECOWATT_HOURLY.key)
    return HistoryWrite(items, ecowatt_history(day, hourly, data.days))


__all__ = ["HistoryWrite", "ecowatt_write", "series_measure", "series_write", "tempo_write"]
