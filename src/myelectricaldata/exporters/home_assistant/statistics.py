"""Home Assistant long-term statistics: hourly rows and running sums built from the store.

Energy is carried in integer watt-minutes (W·min = avg W x minutes, exact for every load-curve
interval) and cost in integer micro-euros, so a running sum is an integer: the same rows always
give the same sums, and a sum read back from Home Assistant converts back to the exact integer
(``round(kwh * 60000)``) before the next rows are added to it. Floats appear only in the JSON.

Rules (``docs/integrations/home-assistant.md`` explains them to users):

- one row per statistic at the top of every UTC hour that holds load-curve data, and one at the
  local midnight of every day that has any data (zero when the first hour has no point), so that a
  day that gets its load curve after its daily value overwrites its midnight row;
- a day with a daily value and no load-curve point gives ONE row at local midnight holding the
  whole day, in ``base`` for a Base contract and in ``unsplit`` for HC/HP and Tempo (its split is
  unknown: it is never invented). Tempo energy of a day whose colour is unknown goes there too;
- the HC/HP and Tempo split of each interval is the reference one of
  :mod:`myelectricaldata.domain.tariffs` (date-versioned off-peak hours, Tempo day 06:00-06:00):
  :class:`TariffClassifier` asks it once per distinct case and reuses the answer;
- every statistic of a group (one PDL and direction) has a row at every one of these hours, so the
  sum before any hour is found at one hour for all of them;
- a cost statistic prices each hour at the price of its tag on the hour's local day: the row of
  the PDL's offer in force that day (:func:`dated_tag_prices`), as the web UI prices the day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offers import PRICE_FIELDS, Offer, Period
from myelectricaldata.domain.offpeak import OffpeakHistory, OffpeakSchedule
from myelectricaldata.domain.tariffs import (
    UNCLASSIFIED,
    TariffPrices,
    split_rows_by_day,
    tags_for,
)
from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import Direction, PricingOption, TempoColor

ENERGY_UNIT = "kWh"
COST_UNIT = "EUR"
#: Watt-minutes in a kWh: energy is summed in W·min, exact for any interval of whole minutes.
WMIN_PER_KWH = 60_000
#: Cost is summed in micro-euros.
MICRO_EUR = 1_000_000
#: Where energy goes that has no known tariff slot (daily-only days, unknown Tempo colour).
UNSPLIT = "unsplit"
PRODUCTION = "production"
#: Decimals sent to Home Assistant (1 mWh, 1 micro-euro): enough to give the integer back.
DECIMALS = 6

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ID_PART = re.compile(r"^(?!_)[a-z0-9_]+(?<!_)$")
_TAG_LABELS = {
    "base": "Base",
    "hc": "HC",
    "hp": "HP",
    "bluehc": "Tempo blue HC",
    "bluehp": "Tempo blue HP",
    "whitehc": "Tempo white HC",
    "whitehp": "Tempo white HP",
    "redhc": "Tempo red HC",
    "redhp": "Tempo red HP",
    UNSPLIT: "unsplit (days without load curve)",
}


def validate_prefix(prefix: str) -> str:
    """``prefix`` if Home Assistant accepts it as the domain of an external statistic id."""
    if not _ID_PART.match(prefix) or "__" in prefix:
        raise ValueError(
            "statistic_id_prefix must be lowercase letters, digits and single underscores, "
            f"not starting or ending with '_' (got {prefix!r}; e.g. 'myelectricaldata')"
        )
    return prefix


# -- which statistics ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatisticSpec:
    """One external statistic: its id, name, unit and the energy column it is computed from.

    ``price`` (EUR per kWh) makes it a cost statistic of that column; ``None`` an energy one.
    ``day_prices`` (EUR per kWh by local day number) prices each hour at its day's price instead;
    a day it does not hold has no price in force and costs nothing (as in the web UI).
    """

    statistic_id: str
    name: str
    unit: str
    tag: str
    price: float | None = None
    day_prices: Mapping[int, float] | None = None

    @property
    def is_cost(self) -> bool:
        """True for a cost (EUR) statistic."""
        return self.price is not None

    def units_of(self, wmin: int, day_no: int | None = None) -> int:
        """The hour's value in this statistic's integer unit (W·min or micro-euros); a cost
        with ``day_prices`` needs the hour's local ``day_no``."""
        if self.price is None:
            return wmin
        price = self.price
        if self.day_prices is not None:
            if day_no is None:
                raise ValueError(f"{self.statistic_id}: a dated price needs the hour's day")
            price = self.day_prices.get(day_no, 0.0)
        # Rounded per hour so that a sum is an integer whatever the hour it starts from.
        return round(wmin * price * MICRO_EUR / WMIN_PER_KWH)

    def to_value(self, units: int) -> float:
        """An integer amount as the kWh or EUR float sent to Home Assistant."""
        scale = MICRO_EUR if self.price is not None else WMIN_PER_KWH
        return round(units / scale, DECIMALS)

    def from_value(self, value: float) -> int:
        """A kWh or EUR float read from Home Assistant as the exact integer amount."""
        scale = MICRO_EUR if self.price is not None else WMIN_PER_KWH
        return round(value * scale)


def energy_tags(direction: Direction, option: PricingOption | None) -> tuple[str, ...]:
    """Energy columns of a group: the contract's tags (plus ``unsplit``), or ``production``."""
    if direction is Direction.PRODUCTION:
        return (PRODUCTION,)
    tags = tags_for(option)
    return tags if tags == ("base",) else (*tags, UNSPLIT)


def fallback_tag(direction: Direction, option: PricingOption | None) -> str:
    """Column of energy without a tariff slot: ``base``, ``production`` or ``unsplit``."""
    tags = energy_tags(direction, option)
    return tags[0] if len(tags) == 1 else UNSPLIT


class OfferHours(OffpeakHistory):
    """The off-peak hours of each day as the offer pricing it reads them (as the web UI does):
    the hours of the day's offer row when it has its own, else the meter's version in force."""

    def __init__(self, meter: OffpeakHistory, periods: Sequence[Period]) -> None:
        super().__init__([])
        self.meter = meter
        self.periods = tuple(periods)
        self._firsts = [p.first for p in self.periods]

    def at(self, day: date) -> OffpeakSchedule | None:
        """The row's own hours of ``day``, else the meter's."""
        from bisect import bisect_right

        index = bisect_right(self._firsts, day) - 1
        if index >= 0:
            period = self.periods[index]
            schedules = period.offer.hc_schedules
            if period.last >= day and schedules is not None:
                own = schedules.on(day)
                if own is not None:
                    return own
        return self.meter.at(day)


def row_price(row: Offer, tag: str) -> float:
    """EUR/kWh of a tariff tag under an offer row. A row of another option than the contract
    (a Base offer on an HC/HP meter) has no price for the tag: its Base price prices it, else
    its dearest energy price (an upper bound, as a day without split is priced)."""
    try:
        return row.price_of(tag)
    except InvalidInput:
        if "base_price" in row.prices:
            return row.prices["base_price"]
        return max(row.prices[f] for f in PRICE_FIELDS if f in row.prices)


def dated_tag_prices(periods: Sequence[Period], tags: Sequence[str]) -> dict[str, dict[int, float]]:
    """EUR/kWh of each tag by local day number, from the offer rows pricing each day."""
    tags = [tag for tag in tags if tag != UNSPLIT]  # its slot is unknown: it has no cost
    out: dict[str, dict[int, float]] = {tag: {} for tag in tags}
    for period in periods:
        first = period.first.toordinal() - _EPOCH_ORDINAL
        last = period.last.toordinal() - _EPOCH_ORDINAL
        for tag in tags:
            price = row_price(period.offer, tag)
            column = out[tag]
            for day_no in range(first, last + 1):
                column[day_no] = price
    return out


def statistic_specs(
    prefix: str,
    pdl: str,
    direction: Direction,
    option: PricingOption | None,
    prices: TariffPrices | None,
    dated: Mapping[str, Mapping[int, float]] | None = None,
) -> list[StatisticSpec]:
    """Every statistic of a PDL and direction: energy per tag, then cost per priced tag.

    ``unsplit`` has no cost (its tariff slot is unknown); production has a ``revenue`` only when
    ``prices`` has a resale price. ``dated`` (:func:`dated_tag_prices`) prices the consumption
    cost of each day at its own row; without it every hour has ``prices``.
    """
    specs: list[StatisticSpec] = []
    if direction is Direction.PRODUCTION:
        specs.append(
            StatisticSpec(f"{prefix}:{pdl}_production", f"Linky {pdl} production", ENERGY_UNIT,
                          PRODUCTION)
        )  # fmt: skip
        resale = prices.production_resale_eur_kwh if prices is not None else None
        if resale is not None:
            specs.append(
                StatisticSpec(f"{prefix}:{pdl}_revenue", f"Linky {pdl} production revenue",
                              COST_UNIT, PRODUCTION, resale)
            )  # fmt: skip
        return specs
    tags = energy_tags(direction, option)
    for tag in tags:
        specs.append(
            StatisticSpec(
                f"{prefix}:{pdl}_{tag}_consumption",
                f"Linky {pdl} consumption {_TAG_LABELS[tag]}",
                ENERGY_UNIT,
                tag,
            )
        )
    if prices is not None:
        for tag in tags:
            if tag == UNSPLIT:
                continue
            specs.append(
                StatisticSpec(
                    f"{prefix}:{pdl}_{tag}_cost",
                    f"Linky {pdl} cost {_TAG_LABELS[tag]}",
                    COST_UNIT,
                    tag,
                    prices.price_of_tag(tag),
                    dated.get(tag) if dated is not None else None,
                )
            )
    return specs


def metadata(spec: StatisticSpec, source: str, modern: bool) -> dict[str, Any]:
    """``import_statistics`` metadata of a statistic for a Home Assistant version.

    Up to 2025.10 ``has_mean`` is required and ``mean_type``/``unit_class`` are refused (extra
    keys); from 2025.11 ``mean_type`` (0: no mean) and ``unit_class`` replace ``has_mean``, and
    2026.11 requires them.
    """
    meta: dict[str, Any] = {
        "has_sum": True,
        "name": spec.name,
        "source": source,
        "statistic_id": spec.statistic_id,
        "unit_of_measurement": spec.unit,
    }
    if modern:
        meta["mean_type"] = 0
        meta["unit_class"] = None if spec.is_cost else "energy"
    else:
        meta["has_mean"] = False
    return meta


# -- time ------------------------------------------------------------------------------------


class _Clock:
    """Paris UTC offsets and local days of instants. Paris changes its offset at the top of a
    UTC hour, so a UTC day whose two ends have one offset has it all day; only the two change
    days are looked up hour by hour."""

    def __init__(self) -> None:
        self._days: dict[int, int | None] = {}
        self._hours: dict[int, int] = {}

    @staticmethod
    def _at(ts: int) -> int:
        delta = datetime.fromtimestamp(ts, PARIS).utcoffset()
        return int(delta.total_seconds()) if delta else 0

    def offset(self, ts: int) -> int:
        """UTC offset in seconds at the instant ``ts``."""
        day = ts // 86400
        found = self._days.get(day, -1)
        if found == -1:
            first, last = self._at(day * 86400), self._at(day * 86400 + 86399)
            found = self._days[day] = first if first == last else None
        if found is not None:
            return found
        hour = ts // 3600
        exact = self._hours.get(hour)
        if exact is None:
            exact = self._hours[hour] = self._at(hour * 3600)
        return exact

    def local_day(self, ts: int) -> int:
        """Day number (days since 1970-01-01) of the local calendar day of ``ts``."""
        return (ts + self.offset(ts)) // 86400


def day_of(day_no: int) -> date:
    """The date of a day number."""
    return date.fromordinal(_EPOCH_ORDINAL + day_no)


def midnight_ts(day: date) -> int:
    """Epoch seconds of the local midnight that starts ``day``."""
    return int(local_midnight(day).timestamp())


def hour_iso(ts: int) -> str:
    """``2024-03-31T01:00:00+00:00``: the ISO form of an hour start sent to Home Assistant."""
    return datetime.fromtimestamp(ts, UTC).isoformat()


# -- tariff split ----------------------------------------------------------------------------


class TariffClassifier:
    """Minutes of a load-curve interval per energy column, as the reference split gives them.

    :func:`~myelectricaldata.domain.tariffs.split_rows_by_day` is asked once per distinct case
    (local start second, length, offsets, the schedules or Tempo colours of the days around it)
    with a 60 W probe, whose Wh per tag are the minutes per tag; every other interval of the same
    case reuses the answer. Two years of load curve need a few hundred calls.
    """

    def __init__(
        self,
        option: PricingOption | None,
        history: OffpeakHistory,
        tempo: Mapping[date, TempoColor],
        tags: Sequence[str],
        clock: _Clock | None = None,
    ) -> None:
        self.option = option
        self.history = history
        self.tempo = tempo
        self.index = {tag: i for i, tag in enumerate(tags)}
        self.unsplit = self.index.get(UNSPLIT)
        self.clock = clock or _Clock()
        self._cache: dict[tuple[Any, ...], tuple[tuple[int, int], ...]] = {}
        self._schedules: dict[int, OffpeakSchedule | None] = {}
        self._days: dict[int, tuple[Any, ...]] = {}
        self.probes = 0

    def _schedule(self, day_no: int) -> OffpeakSchedule | None:
        if day_no not in self._schedules:
            self._schedules[day_no] = self.history.at(day_of(day_no))
        return self._schedules[day_no]

    def _around(self, day_no: int) -> tuple[Any, ...]:
        """What of the days around a local day can change a split: the schedules of the day
        and the next (an interval may cross midnight), weekend flags, or Tempo colours of the
        day before (hours before 06:00), the day and the next."""
        found = self._days.get(day_no)
        if found is None:
            if self.option is PricingOption.TEMPO:
                get = self.tempo.get
                found = (get(day_of(day_no - 1)), get(day_of(day_no)), get(day_of(day_no + 1)))
            else:
                found = (self._schedule(day_no), self._schedule(day_no + 1))
                if self.option is PricingOption.HC_WEEKEND:
                    # 1970-01-01 was a Thursday: (n + 3) % 7 is the weekday, 5 and 6 the weekend.
                    found += ((day_no + 3) % 7 >= 5, (day_no + 4) % 7 >= 5)
            self._days[day_no] = found
        return found

    def _key(self, ts: int, minutes: int) -> tuple[Any, ...]:
        offset = self.clock.offset
        off_start = offset(ts)
        off_end = offset(ts + minutes * 60 - 1)
        local = ts + off_start
        day_no = local // 86400
        return (local - day_no * 86400, minutes, off_start, off_end, self._around(day_no))

    def __call__(self, ts: int, minutes: int) -> tuple[tuple[int, int], ...]:
        """``(column index, minutes)`` pairs of the interval ``[ts, ts + minutes)``."""
        key = self._key(ts, minutes)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._probe(ts, minutes)
        return found

    def _probe(self, ts: int, minutes: int) -> tuple[tuple[int, int], ...]:
        self.probes += 1
        split = split_rows_by_day([(ts, minutes, 60)], self.option, self.history, self.tempo)
        per_tag: dict[int, int] = {}
        for day in split.values():
            for tag, wh in day.wh.items():
                got = round(wh)
                if not got:
                    continue
                index = self.unsplit if tag == UNCLASSIFIED else self.index.get(tag)
                if index is None:
                    raise ValueError(f"tariff split gave {tag!r}, which has no statistic")
                per_tag[index] = per_tag.get(index, 0) + got
        if sum(per_tag.values()) != minutes:
            raise ValueError(
                f"tariff split of {minutes} minutes at {hour_iso(ts)} gave "
                f"{sum(per_tag.values())} minutes"
            )
        return tuple(sorted(per_tag.items()))


# -- hourly energy ---------------------------------------------------------------------------


@dataclass(slots=True)
class Hourly:
    """Energy (W·min) per column for each hour start, hours sorted ascending."""

    tags: tuple[str, ...]
    hours: list[int] = field(default_factory=list)
    columns: dict[str, list[int]] = field(default_factory=dict)

    def index_from(self, ts: int) -> int:
        """Index of the first hour at or after ``ts``."""
        from bisect import bisect_left

        return bisect_left(self.hours, ts)

    def last_before(self, ts: int) -> int | None:
        """The last hour strictly before ``ts``, or ``None``."""
        i = self.index_from(ts)
        return self.hours[i - 1] if i else None


def build_hourly(
    curve: Iterable[Sequence[Any]],
    daily: Mapping[date, int],
    tags: Sequence[str],
    fallback: str,
    classify: TariffClassifier | None = None,
    clock: _Clock | None = None,
) -> Hourly:
    """Hourly energy per column from load-curve rows ``(start_ts, minutes, avg_w, ...)`` and
    daily values (Wh by local day).

    Without ``classify`` every interval goes to ``fallback``. An interval that crosses the top of
    an hour is cut there (whole minutes). Days with load curve get a row at their local midnight;
    days with a daily value and no load curve one row there with the whole day in ``fallback``.
    """
    clock = clock or (classify.clock if classify is not None else _Clock())
    width = len(tags)
    fall = list(tags).index(fallback)
    acc: dict[int, list[int]] = {}
    for row in curve:
        ts, minutes, avg_w = int(row[0]), int(row[1]), round(row[2])
        if minutes <= 0:
            raise ValueError(f"load-curve interval at {hour_iso(ts)} has {minutes} minutes")
        end = ts + minutes * 60
        start = ts
        while start < end:
            hour = start - start % 3600
            piece_end = min(end, hour + 3600) if ts % 60 == 0 else end
            piece = (piece_end - start) // 60
            record = acc.get(hour)
            if record is None:
                record = acc[hour] = [0] * width
            if classify is None:
                record[fall] += avg_w * piece
            else:
                for index, part in classify(start, piece):
                    record[index] += avg_w * part
            start = piece_end
    days_with_curve = {clock.local_day(hour) for hour in acc}
    for day_no in days_with_curve:
        acc.setdefault(midnight_ts(day_of(day_no)), [0] * width)
    for day, wh in daily.items():
        day_no = day.toordinal() - _EPOCH_ORDINAL
        if day_no in days_with_curve:
            continue
        midnight = midnight_ts(day)
        record = acc.get(midnight)
        if record is None:
            record = acc[midnight] = [0] * width
        record[fall] += int(wh) * 60
    hours = sorted(acc)
    columns = {tag: [acc[h][i] for h in hours] for i, tag in enumerate(tags)}
    return Hourly(tuple(tags), hours, columns)


# -- rows ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatisticRows:
    """Rows of one statistic from an hour on: the hour's value and the running sum, in the
    statistic's integer unit."""

    spec: StatisticSpec
    hours: Sequence[int]
    states: list[int]
    sums: list[int]

    @property
    def last_sum(self) -> int | None:
        """Sum of the newest row, ``None`` when there is no row."""
        return self.sums[-1] if self.sums else None

    def fragments(self, iso: Mapping[int, str]) -> list[str]:
        """Each row as the JSON object ``import_statistics`` takes (6 decimals: 1 mWh, one
        micro-euro; :meth:`StatisticSpec.from_value` gives the integer back)."""
        scale = float(MICRO_EUR if self.spec.is_cost else WMIN_PER_KWH)
        # C-level formatting and iteration: this runs for every row of every statistic.
        template = '{"start":"%s","state":%.6f,"sum":%.6f}'
        states = [v / scale for v in self.states]
        sums = [v / scale for v in self.sums]
        starts = list(map(iso.__getitem__, self.hours))
        return list(map(template.__mod__, zip(starts, states, sums, strict=True)))


def statistic_rows(hourly: Hourly, spec: StatisticSpec, start: int, base: int) -> StatisticRows:
    """Rows of ``spec`` for the hours at index ``start`` on, the sum continuing from ``base``."""
    column = hourly.columns[spec.tag][start:]
    if spec.day_prices is not None:
        clock = _Clock()
        hours = hourly.hours[start:]
        states = [spec.units_of(v, clock.local_day(h)) for v, h in zip(column, hours, strict=True)]
    elif spec.is_cost:
        states = [spec.units_of(v) for v in column]
    else:
        states = list(column)
    sums: list[int] = []
    total = base
    for value in states:
        total += value
        sums.append(total)
    return StatisticRows(spec, hourly.hours[start:], states, sums)


def iso_hours(hours: Iterable[int]) -> dict[int, str]:
    """The ISO form of each hour, computed once for every statistic of a group."""
    return {h: hour_iso(h) for h in hours}
