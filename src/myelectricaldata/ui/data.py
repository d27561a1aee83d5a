"""What the pages show, read from the store with the same calls as the REST API.

Synchronous functions: pages run them in a worker thread (``asyncio.to_thread``) so that the
event loop keeps serving other browsers. Numbers are the store's rows, exactly as the API gives
them; only the load-curve chart of a long range is down-sampled (LTTB), for the view.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from myelectricaldata.domain.billing import (
    Bill,
    DayBill,
    DaySource,
)
from myelectricaldata.domain.measures import evolution, years_back
from myelectricaldata.domain.offers import (
    REQUIRED_PRICES,
    TAG_FIELDS,
    Catalogue,
    OfferType,
    default_offer,
)
from myelectricaldata.domain.offpeak import OffpeakHistory
from myelectricaldata.domain.simulator import MAX_SIMULATION_DAYS
from myelectricaldata.domain.tariffs import (
    TEMPO_TAGS,
    UNCLASSIFIED,
    DaySplit,
    split_rows_by_day,
    tag_is_offpeak,
    tags_for,
)
from myelectricaldata.domain.tempo import DAY_START_HOUR, HC_START_HOUR
from myelectricaldata.domain.timeutil import PARIS, day_length_minutes, local_midnight
from myelectricaldata.domain.types import Direction, PricingOption, TempoColor
from myelectricaldata.runtime import saved_prices
from myelectricaldata.store.pricing import Pricing, price_range, pricing_of
from myelectricaldata.store.repo import Store, StoredDaily, StoredMaxPower, StoredUsagePoint
from myelectricaldata.ui.query import MAX_DAY, QueryProblem, clamp_day, read_day

PERIOD_KINDS = ("day", "week", "month", "year", "custom")
#: Longest custom range (the API's CSV/XLSX limit for a load curve: ten years).
MAX_CUSTOM_DAYS = 3660
#: Points of a load-curve chart beyond which it is down-sampled for the view.
CHART_POINTS = 2000
#: Widest window (days) whose HC/HP and Tempo shading is drawn (one area per range per day).
SHADING_MAX_DAYS = 62
#: Periods longer than this many days are charted per month (a year: 12 bars, not 366).
MONTHLY_BARS_DAYS = 62
#: Largest kWh amount a form accepts (10 GWh: far above any household, far below overflow).
MAX_KWH = Decimal(10_000_000)


# -- periods -------------------------------------------------------------------------------------


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    first = date(index // 12, index % 12 + 1, 1)
    return first.replace(day=min(day.day, _month_end(first).day))


@dataclass(frozen=True, slots=True)
class Period:
    """Local days ``start`` to ``end`` (both inclusive, like the API) of a kind of period."""

    kind: str
    start: date
    end: date

    @property
    def days(self) -> int:
        """Number of days."""
        return (self.end - self.start).days + 1

    def shifted(self, step: int) -> Period:
        """The previous (``-1``) or next (``+1``) period of the same kind."""
        if self.kind == "day":
            return period_of("day", self.start + timedelta(days=step))
        if self.kind == "week":
            return period_of("week", self.start + timedelta(days=7 * step))
        if self.kind == "month":
            return period_of("month", _add_months(self.start, step))
        if self.kind == "year":
            return period_of("year", self.start.replace(year=self.start.year + step))
        length = timedelta(days=self.days * step)
        return Period("custom", self.start + length, self.end + length)

    def query(self, pdl: str) -> dict[str, str]:
        """URL parameters that open this period again."""
        return {
            "pdl": pdl,
            "period": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def period_of(kind: str, day: date) -> Period:
    """The calendar period of ``kind`` that contains ``day`` (weeks start on Monday)."""
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return Period("week", monday, monday + timedelta(days=6))
    if kind == "month":
        return Period("month", day.replace(day=1), _month_end(day))
    if kind == "year":
        return Period("year", date(day.year, 1, 1), date(day.year, 12, 31))
    return Period("day", day, day)


def parse_date(text: str | None) -> date | None:
    """A ``YYYY-MM-DD`` parameter within the accepted days, ``None`` when absent or refused."""
    return read_day("date", text).day


def resolve_period(
    kind: str | None, start: date | None, end: date | None, anchor: date, default: str = "month"
) -> Period:
    """The period a page shows from its URL parameters; ``anchor`` is the newest stored day."""
    chosen = kind if kind in PERIOD_KINDS else default
    if chosen != "custom":
        return period_of(chosen, clamp_day(start or anchor))
    last = clamp_day(end or anchor)
    first = clamp_day(start or last - timedelta(days=29))
    if first > last:
        first, last = last, first
    if (last - first).days + 1 > MAX_CUSTOM_DAYS:
        first = last - timedelta(days=MAX_CUSTOM_DAYS - 1)
    return Period("custom", first, last)


@dataclass(frozen=True, slots=True)
class PeriodQuery:
    """The period of a page's URL and the parameters that were refused on the way."""

    period: Period
    problems: tuple[QueryProblem, ...]


def read_period(
    kind: str | None,
    start_text: str | None,
    end_text: str | None,
    anchor: date,
    default: str = "month",
) -> PeriodQuery:
    """:func:`resolve_period` from the raw URL texts, validated like the API's parameters:
    a refused value is left out (the default applies) and reported."""
    problems: list[QueryProblem] = []
    if kind is not None and kind not in PERIOD_KINDS:
        problems.append(QueryProblem("period", kind, "query.bad_period"))
        kind = None
    start = read_day("start", start_text)
    end = read_day("end", end_text)
    problems += [p for p in (start.problem, end.problem) if p is not None]
    chosen = kind if kind in PERIOD_KINDS else default
    if chosen == "custom" and start.day and end.day:
        if start.day > end.day:
            problems.append(QueryProblem("end", end_text or "", "query.end_before_start"))
        elif (end.day - start.day).days + 1 > MAX_CUSTOM_DAYS:
            problems.append(
                QueryProblem(
                    "end", end_text or "", "query.range_too_long", {"days": MAX_CUSTOM_DAYS}
                )
            )
    return PeriodQuery(resolve_period(kind, start.day, end.day, anchor, default), tuple(problems))


def comparable_day(day: date, kind: str) -> date:
    """The day a year earlier that ``day`` is compared with: the same date (29 February gives
    28 February), or 52 weeks earlier in a week so that the weekdays match (like the measures
    catalogue's ``last_year_bounds``)."""
    if kind == "week":
        return day - timedelta(days=364)
    return years_back(day)


def newest_day(store: Store, pdl: str, direction: Direction, today: date) -> date:
    """The newest stored day up to yesterday (what "yesterday" means everywhere), else
    yesterday."""
    yesterday = min(today - timedelta(days=1), MAX_DAY)
    latest = store.latest_day("daily_energy", pdl=pdl, direction=direction.value)
    return min(latest, yesterday) if latest else yesterday


# -- daily and max power -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EnergyData:
    """Daily values and max power of a period, as the API returns them."""

    daily: list[StoredDaily]
    max_power: list[StoredMaxPower]
    subscribed_kva: float | None

    @property
    def total_wh(self) -> int | None:
        """Sum of ``value_wh`` over the period, ``None`` without any value."""
        return sum(r.value_wh for r in self.daily) if self.daily else None

    @property
    def peak(self) -> StoredMaxPower | None:
        """The highest daily maximum power of the period."""
        return max(self.max_power, key=lambda r: r.value_va) if self.max_power else None


def energy_data(
    store: Store, point: StoredUsagePoint, direction: Direction, period: Period
) -> EnergyData:
    """Daily rows (and, for consumption, max power) of ``period``."""
    pdl = point.point.pdl
    daily = store.daily(pdl, direction, period.start, period.end)
    peaks = (
        store.max_power(pdl, period.start, period.end) if direction is Direction.CONSUMPTION else []
    )
    return EnergyData(daily, peaks, point.point.subscribed_power_kva)


@dataclass(frozen=True, slots=True)
class YearOnYear:
    """A period's total against the same dates a year earlier (N vs N-1).

    Only the days that have a value in both years are compared, so that a month in progress,
    or a gap in either year, compares like with like.
    """

    current: float  # N over the compared days
    previous: float | None  # N-1 over the same days a year earlier, None without any
    days: int  # days compared
    unmatched: int  # days of N with a value whose day a year earlier has none

    @property
    def change(self) -> float | None:
        """N - N-1, ``None`` when N-1 is unknown."""
        return None if self.previous is None else self.current - self.previous

    @property
    def change_pct(self) -> float | None:
        """Change in percent (0.1 precision), ``None`` when N-1 is unknown or zero."""
        return evolution(self.current, self.previous)


def year_on_year(current: dict[date, float], previous: dict[date, float], kind: str) -> YearOnYear:
    """N vs N-1 of daily values: ``previous`` holds the values of the days a year earlier
    (:func:`comparable_day`)."""
    now_total, then_total, days, unmatched = 0.0, 0.0, 0, 0
    for day, value in current.items():
        then = previous.get(comparable_day(day, kind))
        if then is None:
            unmatched += 1
            continue
        now_total += value
        then_total += then
        days += 1
    return YearOnYear(now_total, then_total if days else None, days, unmatched)


def previous_daily(
    store: Store, pdl: str, direction: Direction, period: Period
) -> dict[date, float]:
    """Daily Wh of the days a year before ``period`` (by their own date)."""
    first = comparable_day(period.start, period.kind)
    last = comparable_day(period.end, period.kind)
    return {r.day: float(r.value_wh) for r in store.daily(pdl, direction, first, last)}


@dataclass(frozen=True, slots=True)
class Bars:
    """Values of a period for a bar chart: one bar per day, or per month for a long period."""

    labels: list[date]  # the day, or the first day of the month
    monthly: bool
    values: list[float | None]
    previous: list[float | None]  # the same dates a year earlier (N-1)


def bars(
    period: Period,
    last: date,
    current: dict[date, float],
    previous: dict[date, float],
    *,
    monthly: bool | None = None,
) -> Bars:
    """Daily (or monthly, beyond :data:`MONTHLY_BARS_DAYS`) sums of ``current`` over
    ``period.start``..``last``, and of ``previous`` at the same dates a year earlier."""
    if monthly is None:
        monthly = period.days > MONTHLY_BARS_DAYS
    labels: list[date] = []
    values: list[float | None] = []
    before: list[float | None] = []
    day = period.start
    while day <= last:
        key = day.replace(day=1) if monthly else day
        if not labels or labels[-1] != key:
            labels.append(key)
            values.append(None)
            before.append(None)
        now = current.get(day)
        if now is not None:
            values[-1] = (values[-1] or 0.0) + now
        then = previous.get(comparable_day(day, period.kind))
        if then is not None:
            before[-1] = (before[-1] or 0.0) + then
        day += timedelta(days=1)
    return Bars(labels, monthly, values, before)


# -- HC/HP and Tempo split -------------------------------------------------------------------------


def day_splits(
    point: StoredUsagePoint,
    rows: Sequence[tuple[int, int, int, str]],
    tempo: dict[date, TempoColor],
) -> dict[date, DaySplit]:
    """Wh per tariff tag of each day of the load-curve ``rows``, with the contract's option,
    the off-peak schedule in force each day and each Tempo day's colour (the split the cost,
    the measures catalogue and Home Assistant use)."""
    return split_rows_by_day(
        rows,
        point.point.pricing_option,
        OffpeakHistory(list(point.offpeak_versions)),
        tempo,
    )


def complete(split: DaySplit | None, day: date) -> bool:
    """True when a day's load curve covers the whole day (46, 48 or 50 half-hours)."""
    return split is not None and split.minutes >= day_length_minutes(day)


@dataclass(frozen=True, slots=True)
class SplitTotals:
    """Wh per tag over the days whose load curve is complete."""

    wh: dict[str, float]
    days: int

    @property
    def offpeak_wh(self) -> float:
        """Off-peak (HC) energy, every colour."""
        return sum(v for k, v in self.wh.items() if tag_is_offpeak(k))

    @property
    def peak_wh(self) -> float:
        """Peak (HP, or Base) energy, every colour."""
        return sum(v for k, v in self.wh.items() if k != UNCLASSIFIED and not tag_is_offpeak(k))


def split_totals(
    splits: dict[date, DaySplit], option: PricingOption | None, first: date, last: date
) -> SplitTotals:
    """The complete days' split of first..last summed per tag."""
    totals = dict.fromkeys(tags_for(option), 0.0)
    days = 0
    for day, split in splits.items():
        if first <= day <= last and complete(split, day):
            days += 1
            for tag, wh in split.wh.items():
                totals[tag] = totals.get(tag, 0.0) + wh
    return SplitTotals(totals, days)


# -- load curve ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Curve:
    """Load-curve points ready for a chart: ``[epoch ms, W]`` pairs, maybe down-sampled."""

    points: list[list[int]]
    total: int  # points in the store for the range
    low_ms: int  # start of the range (local midnight of the first day)
    high_ms: int  # end of the range (local midnight after the last day)

    @property
    def downsampled(self) -> bool:
        """True when the chart shows fewer points than the store holds."""
        return len(self.points) < self.total


def curve_rows(
    store: Store, pdl: str, direction: Direction, first: date, last: date
) -> list[tuple[int, int, int, str]]:
    """Raw ``(start_ts, interval_min, avg_w, quality)`` rows of the local days first..last."""
    return [
        row
        for batch in store.iter_load_curve_rows(
            pdl, direction, local_midnight(first), local_midnight(last + timedelta(days=1))
        )
        for row in batch
    ]


def lttb(points: Sequence[Sequence[int]], threshold: int) -> list[list[int]]:
    """Largest-Triangle-Three-Buckets: ``threshold`` points that keep the curve's shape."""
    count = len(points)
    if threshold >= count or threshold < 3:
        return [list(p) for p in points]
    sampled = [list(points[0])]
    every = (count - 2) / (threshold - 2)
    chosen = 0
    for i in range(threshold - 2):
        # Average of the next bucket: the third corner of the triangles of this bucket.
        next_low = int((i + 1) * every) + 1
        next_high = min(int((i + 2) * every) + 1, count)
        span = max(next_high - next_low, 1)
        avg_x = sum(points[j][0] for j in range(next_low, next_high)) / span
        avg_y = sum(points[j][1] for j in range(next_low, next_high)) / span
        low = int(i * every) + 1
        high = int((i + 1) * every) + 1
        ax, ay = points[chosen][0], points[chosen][1]
        best, best_area = low, -1.0
        for j in range(low, high):
            area = abs((ax - avg_x) * (points[j][1] - ay) - (ax - points[j][0]) * (avg_y - ay))
            if area > best_area:
                best, best_area = j, area
        sampled.append(list(points[best]))
        chosen = best
    sampled.append(list(points[-1]))
    return sampled


def curve_for_chart(
    store: Store,
    pdl: str,
    direction: Direction,
    first: date,
    last: date,
    *,
    window: tuple[int, int] | None = None,
    limit: int = CHART_POINTS,
    rows: Sequence[tuple[int, int, int, str]] | None = None,
) -> Curve:
    """The load curve of first..last for a chart: every point when they fit in ``limit``,
    else LTTB down-sampled; with ``window`` (epoch ms), full detail inside it and the
    down-sampled overview outside, so that zooming shows every point of the zoomed span.
    ``rows`` are the range's rows when the caller has read them already."""
    if rows is None:
        rows = curve_rows(store, pdl, direction, first, last)
    full = [[ts * 1000, avg_w] for ts, _, avg_w, _ in rows]
    low_ms = int(local_midnight(first).timestamp() * 1000)
    high_ms = int(local_midnight(last + timedelta(days=1)).timestamp() * 1000)
    if len(full) <= limit:
        return Curve(full, len(full), low_ms, high_ms)
    overview = lttb(full, limit)
    if window is None:
        return Curve(overview, len(full), low_ms, high_ms)
    w_low, w_high = window
    inside = [p for p in full if w_low <= p[0] <= w_high]
    if len(inside) > limit * 2:
        # Still too wide for every point: a finer overview of the window itself.
        inside = lttb(inside, limit)
    merged = [p for p in overview if p[0] < w_low] + inside + [p for p in overview if p[0] > w_high]
    return Curve(merged, len(full), low_ms, high_ms)


def _ms(day: date, minute_of_day: int) -> int:
    wall = datetime(day.year, day.month, day.day, tzinfo=PARIS) + timedelta(minutes=minute_of_day)
    # Wall-clock arithmetic then re-localise: 22:00 stays 22:00 on a DST day.
    local = datetime(wall.year, wall.month, wall.day, wall.hour, wall.minute, tzinfo=PARIS)
    return int(local.timestamp() * 1000)


def shading(
    point: StoredUsagePoint, tempo: dict[date, TempoColor], first: date, last: date
) -> list[list[dict[str, Any]]]:
    """ECharts ``markArea`` data: off-peak hours of each day (with the schedule in force THAT
    day) and, on a Tempo contract, the colour of each Tempo day (06:00 to 06:00)."""
    from myelectricaldata.ui.layout import TEMPO_BACKGROUNDS

    areas: list[list[dict[str, Any]]] = []
    if (last - first).days + 1 > SHADING_MAX_DAYS:
        return areas
    option = point.point.pricing_option
    history = point.offpeak_history
    day = first - timedelta(days=1)
    while day <= last:
        following = day + timedelta(days=1)
        if option is PricingOption.TEMPO:
            color = tempo.get(day)
            if color is not None:
                areas.append(
                    [
                        {
                            "xAxis": _ms(day, DAY_START_HOUR * 60),
                            "itemStyle": {"color": TEMPO_BACKGROUNDS[color.value]},
                        },
                        {"xAxis": _ms(following, DAY_START_HOUR * 60)},
                    ]
                )
            # Tempo off-peak is 22:00-06:00 whatever the contract says.
            areas.append(
                [
                    {
                        "xAxis": _ms(day, HC_START_HOUR * 60),
                        "itemStyle": {"color": "rgba(90,90,90,0.14)"},
                    },
                    {"xAxis": _ms(following, DAY_START_HOUR * 60)},
                ]
            )
        elif option in (PricingOption.HC_HP, PricingOption.HC_WEEKEND):
            schedule = history.at(day)
            weekend = option is PricingOption.HC_WEEKEND and day.weekday() >= 5
            if weekend:
                spans = [(0, 1440)]
            elif schedule is None:
                spans = []
            else:
                spans = [
                    (r.start_min, r.end_min if r.end_min > r.start_min else r.end_min + 1440)
                    for r in schedule.ranges
                ]
            for start_min, end_min in spans:
                end_day, end_minute = (
                    (following, end_min - 1440) if end_min > 1440 else (day, end_min)
                )
                areas.append(
                    [
                        {
                            "xAxis": _ms(day, start_min),
                            "itemStyle": {"color": "rgba(90,90,90,0.14)"},
                        },
                        {
                            "xAxis": _ms(end_day, end_minute)
                            if end_minute < 1440
                            else _ms(following, 0)
                        },
                    ]
                )
        day = following
    return areas


def tempo_map(store: Store, first: date, last: date) -> dict[date, TempoColor]:
    """Tempo colours of the days first..last (unknown days absent)."""
    return {d.day: d.color for d in store.tempo(first, last)}


# -- costs ---------------------------------------------------------------------------------------

#: Slot tags of each offer type, in the order the pages show them.
OFFER_TAGS: dict[OfferType, tuple[str, ...]] = {
    OfferType.BASE: ("base", "base_weekend"),
    OfferType.HC_HP: ("hc", "hp", "hc_weekend", "hp_weekend"),
    OfferType.TEMPO: TEMPO_TAGS,
    OfferType.WEEKEND: ("hc", "hp", "hc_weekend", "hp_weekend", "base", "base_weekend"),
    OfferType.HC_NUIT_WEEKEND: ("hc", "hp"),
    OfferType.SEASONAL: ("winter_hc", "winter_hp", "summer_hc", "summer_hp", "peak_day"),
    OfferType.EJP: ("ejp_normal", "ejp_peak"),
}


def prices_for(
    store: Store,
    point: StoredUsagePoint,
    first: date,
    last: date,
    *,
    catalogue: Catalogue | None = None,
) -> Pricing:
    """The prices of ``point``'s consumption over first..last: the one place the UI asks.

    The PDL's offer (chosen in Paramètres, else picked on the gateway's site), each day at its
    row in force that day at the meter's kVA (:func:`~myelectricaldata.store.pricing.pricing_of`);
    without any, the former single prices (:func:`default_offer`) price every day.
    """
    fallback = default_offer(saved_prices(store), point.point.pricing_option)
    return pricing_of(store, point, first, last, fallback=fallback, catalogue=catalogue)


@dataclass(frozen=True, slots=True)
class CostModel:
    """What the € pages show of a PDL over ``first..last``: each day priced at the row of its
    offer in force that day (:class:`DayBill`), and the period's :class:`Bill`."""

    pricing: Pricing
    days: tuple[DayBill, ...]
    bill: Bill
    tempo: Mapping[date, TempoColor]
    #: Days with a complete load curve whose average day spreads the daily-value-only days.
    profile_days: int

    @property
    def first(self) -> date:
        """First day priced."""
        return self.bill.first

    @property
    def last(self) -> date:
        """Last day priced."""
        return self.bill.last

    @property
    def offer_type(self) -> OfferType:
        """How the offer splits a kWh."""
        return self.pricing.offer.offer_type

    @property
    def tags(self) -> tuple[str, ...]:
        """Slot tags shown: those the offer type always has, and any other that has energy."""
        used = {s.tag for s in self.bill.slots if s.kwh}
        required = REQUIRED_PRICES[self.offer_type]
        return tuple(
            t for t in OFFER_TAGS[self.offer_type] if t in used or TAG_FIELDS[t] in required
        )

    def count(self, source: DaySource | None) -> int:
        """Days priced from ``source`` (``None``: days without any consumption value)."""
        return sum(1 for d in self.days if d.row is not None and d.source is source)

    @property
    def unpriced_days(self) -> int:
        """Days no row of the offer prices (before its first price, or in a gap)."""
        return len(self.bill.unpriced_days)


def by_tag(day: DayBill) -> dict[str, float]:
    """Energy EUR of a day per slot tag; the cheapest case of energy whose slot a calendar does
    not tell (an EJP peak day, a Tempo colour not stored) under ``unclassified``, so that the
    tags always add up to the day's energy cost."""
    result = dict(day.eur)
    if day.unknown_low_eur:
        result[UNCLASSIFIED] = day.unknown_low_eur
    return result


def cost_model(
    store: Store,
    point: StoredUsagePoint,
    first: date,
    last: date,
    *,
    rows: Sequence[tuple[int, int, int, str]] | None = None,
    catalogue: Catalogue | None = None,
    pricing: Pricing | None = None,
) -> CostModel:
    """Each day of first..last priced with :func:`prices_for` (or ``pricing``): a complete
    load curve minute by minute, a day with only its daily value spread like the period's
    average day (DESIGN.md §4.0, :mod:`myelectricaldata.domain.billing`)."""
    if pricing is None:
        pricing = prices_for(store, point, first, last, catalogue=catalogue)
    priced = price_range(store, point, first, last, pricing, rows=rows)
    return CostModel(
        pricing, priced.days, priced.bill, priced.calendars.tempo, priced.usage.profile_days
    )


def month_cost(store: Store, point: StoredUsagePoint, today: date) -> CostModel | None:
    """This month's cost up to the newest stored day (the dashboard's "cost of the month"),
    ``None`` without any consumption value."""
    latest = store.latest_day(
        "daily_energy", pdl=point.point.pdl, direction=Direction.CONSUMPTION.value
    )
    if latest is None:
        return None
    as_of = min(latest, today - timedelta(days=1))
    return cost_model(store, point, as_of.replace(day=1), as_of)


# -- simulator -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimulationPeriod:
    """The days the Simulateur prices, and the URL parameters it refused on the way."""

    first: date
    last: date
    default: bool  # the last 12 months up to the newest stored day
    problems: tuple[QueryProblem, ...] = ()


def simulation_period(
    start_text: str | None, end_text: str | None, anchor: date
) -> SimulationPeriod:
    """The period of the Simulateur's URL: the 12 months up to ``anchor`` (the newest stored
    day) unless ``start``/``end`` say otherwise (a missing one: 12 months before the end, or
    ``anchor``); a reversed or too long range is refused and the default applies."""
    start = read_day("start", start_text)
    end = read_day("end", end_text)
    problems = [p for p in (start.problem, end.problem) if p is not None]
    last = end.day or anchor
    first = start.day or _add_months(last, -12) + timedelta(days=1)
    if first > last:
        problems.append(QueryProblem("end", end_text or "", "query.end_before_start"))
    elif (last - first).days + 1 > MAX_SIMULATION_DAYS:
        problems.append(
            QueryProblem("end", end_text or "", "query.sim_too_long", {"days": MAX_SIMULATION_DAYS})
        )
    if first > last or (last - first).days + 1 > MAX_SIMULATION_DAYS:
        first, last = _add_months(anchor, -12) + timedelta(days=1), anchor
        return SimulationPeriod(first, last, True, tuple(problems))
    default = start.day is None and end.day is None
    return SimulationPeriod(first, last, default, tuple(problems))


# -- back-dated changes ----------------------------------------------------------------------------

#: Setting under which the last change that re-prices past days of a PDL is kept.
REPRICED_PREFIX = "ui.repriced."
#: How long after such a change the € page keeps saying which range it re-priced.
REPRICED_SHOWN = timedelta(days=7)
REPRICE_KINDS = ("prices", "offer", "offpeak")


@dataclass(frozen=True, slots=True)
class Repricing:
    """A saved change that re-prices the days from ``start`` on: your prices, the offer chosen
    or the off-peak hours, saved at ``saved_at``."""

    start: date
    what: str
    saved_at: datetime


def record_repricing(store: Store, pdl: str, start: date, what: str, now: datetime) -> None:
    """Remember the change (the last one per PDL) so that the € page can say it."""
    if what not in REPRICE_KINDS:
        raise ValueError(f"what: {what!r} is not one of {REPRICE_KINDS}")
    value = json.dumps({"start": start.isoformat(), "what": what, "at": now.isoformat()})
    store.put_setting(REPRICED_PREFIX + pdl, value)


def last_repricing(store: Store, pdl: str, now: datetime) -> Repricing | None:
    """The last change re-pricing past days of ``pdl`` if saved within
    :data:`REPRICED_SHOWN`, else ``None``."""
    saved = store.get_setting(REPRICED_PREFIX + pdl)
    if saved is None:
        return None
    try:
        raw = json.loads(saved[0])
        change = Repricing(
            date.fromisoformat(raw["start"]), str(raw["what"]), datetime.fromisoformat(raw["at"])
        )
    except (ValueError, KeyError, TypeError):
        return None
    return change if now - change.saved_at <= REPRICED_SHOWN else None


# -- balance -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Balance:
    """What the meter says about a producing usage point over a period.

    A Linky meter measures the NET flow at the delivery point: its "consumption" is the energy
    drawn from the grid (import), its "production" the surplus injected (export). In any
    interval one of them is zero. Energy produced and used on the spot never crosses the meter:
    self-consumption is not measured, and min(consumption, production) per interval says
    nothing about it (it is always about 0). Only the inverter's own production can tell it:
    see :func:`self_consumption`.
    """

    consumption: dict[date, int]  # import per day (Wh), the API's daily rows
    production: dict[date, int]  # export per day (Wh), the API's daily rows
    curve_days: int  # days of the period with an export (production) load curve
    export_hours: float | None  # hours of the intervals with an export, None without curve
    export_peak_w: int | None  # highest average export power of an interval
    import_by_hour: list[float]  # mean Wh imported per hour of the day (24, Paris time)
    export_by_hour: list[float]  # mean Wh exported per hour of the day

    @property
    def import_wh(self) -> int | None:
        """Energy drawn from the grid over the period (sum of the daily rows)."""
        return sum(self.consumption.values()) if self.consumption else None

    @property
    def export_wh(self) -> int | None:
        """Energy injected into the grid over the period (sum of the daily rows)."""
        return sum(self.production.values()) if self.production else None

    @property
    def net_wh(self) -> int | None:
        """Export minus import, when both are known."""
        if self.import_wh is None or self.export_wh is None:
            return None
        return self.export_wh - self.import_wh

    @property
    def export_days(self) -> int:
        """Days with some energy injected."""
        return sum(1 for wh in self.production.values() if wh > 0)


def _by_hour(rows: list[tuple[int, int, int, str]]) -> tuple[list[float], set[date], float, int]:
    """Mean Wh per Paris hour of the day, the days seen, the hours with a non-zero value and
    the highest average power."""
    per_hour = [0.0] * 24
    days: set[date] = set()
    active_min = 0
    peak = 0
    for ts, minutes, avg_w, _ in rows:
        local = datetime.fromtimestamp(ts, PARIS)
        per_hour[local.hour] += avg_w * minutes / 60
        days.add(local.date())
        if avg_w > 0:
            active_min += minutes
            peak = max(peak, avg_w)
    count = len(days) or 1
    return [wh / count for wh in per_hour], days, active_min / 60, peak


def balance(store: Store, pdl: str, first: date, last: date) -> Balance:
    """Daily import and export of first..last, and what their load curves tell: when (which
    hours, how many, how strong) the installation injected its surplus."""
    cons = {r.day: r.value_wh for r in store.daily(pdl, Direction.CONSUMPTION, first, last)}
    prod = {r.day: r.value_wh for r in store.daily(pdl, Direction.PRODUCTION, first, last)}
    imports, _, _, _ = _by_hour(curve_rows(store, pdl, Direction.CONSUMPTION, first, last))
    exports, days, hours, peak = _by_hour(curve_rows(store, pdl, Direction.PRODUCTION, first, last))
    return Balance(
        cons,
        prod,
        len(days),
        hours if days else None,
        peak if days else None,
        imports,
        exports,
    )


@dataclass(frozen=True, slots=True)
class SelfConsumption:
    """Self-consumption estimated from the inverter's production of the period."""

    gross_wh: int  # what the inverter produced (entered by the user)
    self_wh: int  # gross - export: produced and used on the spot
    rate_pct: float  # self / gross: share of the production used on the spot
    sufficiency_pct: float | None  # self / (self + import): share of the needs covered


def self_consumption(gross_wh: int, export_wh: int, import_wh: int | None) -> SelfConsumption:
    """Self-consumption of a period from the inverter's production ``gross_wh``: whatever was
    produced and not injected was used on the spot. ``ValueError`` when ``gross_wh`` is below
    the energy the meter saw injected (the value or its period is wrong)."""
    if gross_wh <= 0 or gross_wh < export_wh:
        raise ValueError(f"the production entered ({gross_wh} Wh) is below the export")
    own = gross_wh - export_wh
    used = own + (import_wh or 0)
    return SelfConsumption(
        gross_wh,
        own,
        own / gross_wh * 100,
        own / used * 100 if used else None,
    )


def parse_kwh(text: str | None) -> int | None:
    """Wh of a kWh amount typed the French or English way (``1 234,5``, ``1234.5``), rounded
    half-up; ``None`` when empty, ``ValueError`` when not a number or not within 0 to
    :data:`MAX_KWH`."""
    if text is None or not text.strip():
        return None
    cleaned = "".join(text.split()).replace("\u202f", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(",", "")  # English thousands separators
    try:
        kwh = Decimal(cleaned.replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError(f"not a number of kWh: {text!r}") from exc
    if not kwh.is_finite():
        raise ValueError(f"not a number of kWh: {text!r}")
    if not 0 <= kwh <= MAX_KWH:
        raise ValueError(f"{text!r} kWh is out of range: type 0 to {MAX_KWH} kWh")
    return int((kwh * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def months_of(days: Iterable[date]) -> list[date]:
    """First days of the months ``days`` touch, in order."""
    return sorted({d.replace(day=1) for d in days})
