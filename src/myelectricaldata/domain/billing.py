"""What a period of consumption costs under an offer, each day at the price in force that day.

Every offer rule (DESIGN.md §4.0) is a function of the local day and the local wall-clock
minute: HC hours, the Tempo day (06:00 to 06:00), the EJP peak window (07:00 to 01:00 next day),
weekends, seasons. So the load curve is turned once into the energy of each wall minute of each
local day (:class:`Usage`, prefix sums), and an offer prices a day by summing a few minute ranges.
On the spring DST day the missing hour holds no energy; on the autumn day both passes of the
repeated hour land on the same wall minutes, which every rule classifies alike.

A day without a complete load curve is priced from its daily value spread like the average day
of the period that has one (:attr:`Usage.profile_days` says how many; a flat day when none has).
What a calendar decides but the calendar does not know (a Tempo colour not stored, EJP peak
days) is never guessed: the energy is counted as ``unknown_kwh`` and the cost is a range.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from itertools import accumulate

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offers import Offer, OfferType, Period
from myelectricaldata.domain.offpeak import OffpeakHistory, OffpeakSchedule
from myelectricaldata.domain.tempo import red_allowed
from myelectricaldata.domain.timeutil import PARIS, day_length_minutes
from myelectricaldata.domain.types import TempoColor

MINUTES = 1440
_TEMPO_HP = (6 * 60, 22 * 60)  # Tempo HP 06:00-22:00, HC the rest (national, fixed)
_NUIT_HP = (6 * 60, 23 * 60)  # HC_NUIT_WEEKEND: HP 06:00-23:00 on weekdays
_EJP_START, _EJP_END = 7 * 60, 60  # EJP peak: 07:00 to 01:00 the next day
#: EJP peak days a winter holds (1 November to 31 March).
EJP_DAYS = 22
_EPOCH = date(1970, 1, 1).toordinal()


def is_winter(day: date) -> bool:
    """November to March: SEASONAL winter prices, EJP and Tempo red days."""
    return day.month >= 11 or day.month <= 3


def winter_of(day: date) -> int:
    """Year in which the winter (November-March) holding ``day`` starts."""
    return day.year if day.month >= 11 else day.year - 1


# --------------------------------------------------------------------------- usage


class DaySource(StrEnum):
    """Where the energy of a priced day comes from."""

    CURVE = "curve"  # a complete load curve
    ESTIMATED = "estimated"  # the daily value spread like the period's average day
    PARTIAL = "partial"  # an incomplete load curve and no daily value


@dataclass(frozen=True, slots=True)
class DayUsage:
    """Energy of one local day by wall minute: ``cum[m]`` is the Wh of minutes ``[0, m)``."""

    day: date
    cum: Sequence[float]
    source: DaySource

    @property
    def total_wh(self) -> float:
        """All the energy of the day."""
        return self.cum[MINUTES]

    def between(self, start: int, end: int) -> float:
        """Wh of the wall minutes ``[start, end)``."""
        return self.cum[end] - self.cum[start]


@dataclass(frozen=True, slots=True)
class Usage:
    """The consumption of the local days ``first..last`` as pricing reads it."""

    first: date
    last: date
    days: Mapping[date, DayUsage]
    missing: tuple[date, ...]
    #: Days with a complete load curve behind the profile of estimated days (0: flat profile).
    profile_days: int

    def count(self, source: DaySource) -> int:
        """Number of days priced from ``source``."""
        return sum(1 for d in self.days.values() if d.source is source)

    @property
    def total_kwh(self) -> float:
        """Energy of every priced day, kWh."""
        return sum(d.total_wh for d in self.days.values()) / 1000.0


def _offset(ts: int, memo: dict[int, int] | None = None) -> int:
    """Paris UTC offset (s) at ``ts``; ``memo`` keeps it per UTC hour (Paris changes its offset
    on the hour, so it is constant within one)."""
    hour = ts // 3600
    if memo is not None and hour in memo:
        return memo[hour]
    offset = datetime.fromtimestamp(ts, UTC).astimezone(PARIS).utcoffset()
    seconds = int(offset.total_seconds()) if offset else 0
    if memo is not None:
        memo[hour] = seconds
    return seconds


def build_usage(
    rows: Iterable[tuple[int, int, int] | tuple[int, int, int, str]],
    daily_wh: Mapping[date, int],
    first: date,
    last: date,
) -> Usage:
    """:class:`Usage` of ``first..last`` from load-curve rows ``(start_ts, minutes, avg_w, ...)``
    (Unix seconds of the interval start, W) and daily values (Wh per local day)."""
    if last < first:
        raise InvalidInput("end", f"{last} is before {first}")
    # Per local day number: the change of power (Wh per minute) at each wall minute.
    deltas: dict[int, list[float]] = {}
    covered: dict[int, int] = {}

    def add(day_number: int, start: int, minutes: int, per_minute: float) -> None:
        diff = deltas.get(day_number)
        if diff is None:
            diff = deltas[day_number] = [0.0] * (MINUTES + 1)
        diff[start] += per_minute
        diff[start + minutes] -= per_minute
        covered[day_number] = covered.get(day_number, 0) + minutes

    offsets: dict[int, int] = {}
    for row in rows:
        ts, minutes, avg_w = row[0], row[1], row[2]
        if minutes <= 0:
            raise InvalidInput("interval_min", f"{minutes} is not a positive interval length")
        per_minute = avg_w / 60.0
        offset = _offset(ts, offsets)
        if _offset(ts + minutes * 60 - 1, offsets) != offset:
            # Rare: the interval meets an offset change; place each minute on its own.
            for i in range(minutes):
                instant = ts + 60 * i
                local = (instant + _offset(instant)) // 60
                add(local // MINUTES, local % MINUTES, 1, per_minute)
            continue
        local_min = (ts + offset) // 60
        day_number, mod = divmod(local_min, MINUTES)
        while minutes > 0:
            part = min(minutes, MINUTES - mod)
            add(day_number, mod, part, per_minute)
            minutes -= part
            day_number, mod = day_number + 1, 0

    first_n, last_n = first.toordinal() - _EPOCH, last.toordinal() - _EPOCH
    rates: dict[int, list[float]] = {
        n: list(accumulate(diff[:MINUTES])) for n, diff in deltas.items() if first_n <= n <= last_n
    }
    complete = [n for n in rates if covered[n] >= day_length_minutes(date.fromordinal(n + _EPOCH))]
    complete_set = set(complete)
    has_profile = any(sum(rates[n]) > 0 for n in complete)
    shape: list[list[float]] = []

    def profile() -> list[float]:
        """The average day's shape, built only when a day is priced from its daily value."""
        if not shape:
            if has_profile:
                # Column sums of the complete days, minute by minute (in C, not a Python loop).
                columns = [sum(col) for col in zip(*(rates[n] for n in complete), strict=True)]
                total = sum(columns)
                shape.append([v / total for v in columns])
            else:
                shape.append([1.0 / MINUTES] * MINUTES)
        return shape[0]

    days: dict[date, DayUsage] = {}
    missing: list[date] = []
    day = first
    while day <= last:
        n = day.toordinal() - _EPOCH
        per_minute_wh: list[float] | None
        if n in complete_set:
            per_minute_wh, source = rates[n], DaySource.CURVE
        elif day in daily_wh:
            total = float(daily_wh[day])
            per_minute_wh, source = [total * p for p in profile()], DaySource.ESTIMATED
        elif n in rates:
            per_minute_wh, source = rates[n], DaySource.PARTIAL
        else:
            per_minute_wh = None
        if per_minute_wh is None:
            missing.append(day)
        else:
            days[day] = DayUsage(day, [0.0, *accumulate(per_minute_wh)], source)
        day += timedelta(days=1)
    return Usage(first, last, days, tuple(missing), len(complete) if has_profile else 0)


# --------------------------------------------------------------------------- calendars


@dataclass(frozen=True, slots=True)
class Calendars:
    """What the rules read besides the clock: the meter's dated off-peak hours, Tempo colours
    by Tempo day, and the peak-day calendar (``None``: not known at all)."""

    offpeak: OffpeakHistory = field(default_factory=lambda: OffpeakHistory([]))
    tempo: Mapping[date, TempoColor] = field(default_factory=dict)
    peak_days: Mapping[date, bool] | None = None

    def peak(self, day: date) -> bool | None:
        """True/False when the calendar says, ``None`` when it does not know the day."""
        if self.peak_days is None:
            return None
        return self.peak_days.get(day)


@dataclass(frozen=True, slots=True)
class Piece:
    """Wall minutes ``[start, end)`` of a day and their slot tag; several ``tags`` when a
    calendar entry is unknown (the candidates). ``depends_on`` is the peak day it waits for."""

    start: int
    end: int
    tags: tuple[str, ...]
    depends_on: date | None = None


class MissingSchedule(Exception):
    """The offer needs off-peak hours and neither it nor the meter has them for a day."""


def _intervals(schedule: OffpeakSchedule) -> list[tuple[int, int]]:
    """Merged off-peak minute ranges of a day, each inside ``[0, 1440)``."""
    raw: list[tuple[int, int]] = []
    for r in schedule.ranges:
        if r.start_min < r.end_min:
            raw.append((r.start_min, r.end_min))
        else:
            raw.append((r.start_min, MINUTES))
            if r.end_min:
                raw.append((0, r.end_min))
    raw.sort()
    merged: list[tuple[int, int]] = []
    for start, end in raw:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _hc_hp(schedule: OffpeakSchedule, hc: str, hp: str) -> list[Piece]:
    pieces: list[Piece] = []
    cursor = 0
    for start, end in _intervals(schedule):
        if start > cursor:
            pieces.append(Piece(cursor, start, (hp,)))
        pieces.append(Piece(start, end, (hc,)))
        cursor = end
    if cursor < MINUTES:
        pieces.append(Piece(cursor, MINUTES, (hp,)))
    return pieces


def _schedule(offer: Offer, day: date, cal: Calendars) -> OffpeakSchedule:
    schedule = offer.hc_schedules.on(day) if offer.hc_schedules is not None else None
    schedule = schedule or cal.offpeak.at(day)
    if schedule is None:
        raise MissingSchedule(day.isoformat())
    return schedule


def _tempo_tags(tempo_day: date, hours: str, cal: Calendars) -> tuple[str, ...]:
    color = cal.tempo.get(tempo_day)
    if color is not None:
        return (f"{color.value.lower()}{hours}",)
    # Unknown colour: every colour the rules allow that day is a candidate.
    if tempo_day.weekday() == 6:
        return (f"blue{hours}",)
    colors = ["blue", "white"] + (["red"] if red_allowed(tempo_day) else [])
    return tuple(f"{c}{hours}" for c in colors)


def _ejp_tags(ejp_day: date, cal: Calendars) -> tuple[tuple[str, ...], date | None]:
    if not is_winter(ejp_day):
        return ("ejp_normal",), None
    known = cal.peak(ejp_day)
    if known is None:
        return ("ejp_normal", "ejp_peak"), ejp_day
    return ("ejp_peak" if known else "ejp_normal",), None


def day_pieces(offer: Offer, day: date, cal: Calendars) -> list[Piece]:
    """How an offer splits the wall minutes of a local day into slot tags."""
    weekend = day.weekday() >= 5
    kind = offer.offer_type
    if kind is OfferType.BASE or (kind is OfferType.WEEKEND and "hc_price" not in offer.prices):
        tag = "base_weekend" if weekend and offer.weekend_split else "base"
        return [Piece(0, MINUTES, (tag,))]
    if kind in (OfferType.HC_HP, OfferType.WEEKEND):
        suffix = "_weekend" if weekend and offer.weekend_split else ""
        return _hc_hp(_schedule(offer, day, cal), "hc" + suffix, "hp" + suffix)
    if kind is OfferType.TEMPO:
        before = day - timedelta(days=1)
        return [
            Piece(0, _TEMPO_HP[0], _tempo_tags(before, "hc", cal)),
            Piece(_TEMPO_HP[0], _TEMPO_HP[1], _tempo_tags(day, "hp", cal)),
            Piece(_TEMPO_HP[1], MINUTES, _tempo_tags(day, "hc", cal)),
        ]
    if kind is OfferType.HC_NUIT_WEEKEND:
        if weekend:
            return [Piece(0, MINUTES, ("hc",))]
        return [
            Piece(0, _NUIT_HP[0], ("hc",)),
            Piece(_NUIT_HP[0], _NUIT_HP[1], ("hp",)),
            Piece(_NUIT_HP[1], MINUTES, ("hc",)),
        ]
    if kind is OfferType.SEASONAL:
        season = "winter" if is_winter(day) else "summer"
        pieces = _hc_hp(_schedule(offer, day, cal), f"{season}_hc", f"{season}_hp")
        if "peak_day_price" not in offer.prices or not is_winter(day):
            return pieces
        known = cal.peak(day)
        if known is True:
            return [Piece(0, MINUTES, ("peak_day",))]
        if known is False:
            return pieces
        return [Piece(p.start, p.end, (*p.tags, "peak_day"), day) for p in pieces]
    # EJP: minutes before 01:00 belong to the previous day's peak window.
    early_tags, early = _ejp_tags(day - timedelta(days=1), cal)
    late_tags, late = _ejp_tags(day, cal)
    return [
        Piece(0, _EJP_END, early_tags, early),
        Piece(_EJP_END, _EJP_START, ("ejp_normal",)),
        Piece(_EJP_START, MINUTES, late_tags, late),
    ]


# --------------------------------------------------------------------------- bill


class Problem(StrEnum):
    """Why an offer could not be priced exactly."""

    NEEDS_OFFPEAK_HOURS = "needs_offpeak_hours"  # neither the offer nor the meter has HC hours
    NEEDS_PEAK_DAYS = "needs_peak_days"  # EJP / peak-day calendar unknown: a cost range
    NEEDS_TEMPO_COLORS = "needs_tempo_colors"  # a Tempo colour is not stored: a cost range
    NO_PRICE = "no_price"  # no row of the offer is in force on some days


@dataclass(frozen=True, slots=True)
class SlotCost:
    """Energy and cost of one slot tag over the period."""

    tag: str
    kwh: float
    eur: float

    @property
    def average_eur_kwh(self) -> float | None:
        """Average price paid per kWh of the slot (prices may change within the period)."""
        return self.eur / self.kwh if self.kwh else None


@dataclass(frozen=True, slots=True)
class Bill:
    """Cost of ``first..last`` under an offer; exact unless ``problems`` says otherwise."""

    offer: Offer
    first: date
    last: date
    energy_eur: float  # known energy, plus the cheapest case of unknown energy
    energy_high_eur: float  # known energy, plus the dearest possible case of unknown energy
    subscription_eur: float
    slots: tuple[SlotCost, ...]
    unknown_kwh: float
    unpriced_days: tuple[date, ...]
    problems: tuple[Problem, ...]

    @property
    def exact(self) -> bool:
        """True when every kWh and every day was priced without a range."""
        return not self.problems

    @property
    def low_eur(self) -> float:
        """Lowest possible total (equal to the total when exact)."""
        return self.energy_eur + self.subscription_eur

    @property
    def high_eur(self) -> float:
        """Highest possible total (equal to the total when exact)."""
        return self.energy_high_eur + self.subscription_eur

    @property
    def total_eur(self) -> float | None:
        """Energy plus subscription, ``None`` when only a range is known."""
        return self.low_eur if self.exact else None

    @property
    def total_kwh(self) -> float:
        """Energy priced, kWh (unknown-slot energy included)."""
        return sum(s.kwh for s in self.slots) + self.unknown_kwh


def days_in_month(day: date) -> int:
    """Number of days of the month of ``day``."""
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - timedelta(days=1)).day


@dataclass(frozen=True, slots=True)
class DayBill:
    """Cost of one local day under the row of the offer in force that day.

    ``row`` is ``None`` when no row prices the day (``problems`` holds ``NO_PRICE``);
    ``source`` is ``None`` when the day has no consumption value (only its subscription is due).
    Energy whose slot a calendar does not tell is ``unknown_wh``, its cheapest case
    ``unknown_low_eur``, and each of its ranges ``(peak day it waits for, dearest - cheapest)``
    in ``spreads``.
    """

    day: date
    row: Offer | None
    source: DaySource | None
    kwh: Mapping[str, float]
    eur: Mapping[str, float]
    subscription_eur: float
    unknown_wh: float = 0.0
    unknown_low_eur: float = 0.0
    spreads: tuple[tuple[date | None, float], ...] = ()
    problems: frozenset[Problem] = frozenset()

    @property
    def energy_eur(self) -> float:
        """Energy of the known slots plus the cheapest case of the unknown energy."""
        return sum(self.eur.values()) + self.unknown_low_eur

    @property
    def energy_high_eur(self) -> float:
        """Energy at the dearest case of this day alone (EJP's 22-day cap is not applied)."""
        return self.energy_eur + sum(spread for _, spread in self.spreads)

    @property
    def total_kwh(self) -> float:
        """Energy of the day, kWh (unknown-slot energy included)."""
        return sum(self.kwh.values()) + self.unknown_wh / 1000.0


def price_day(row: Offer | None, day: date, used: DayUsage | None, cal: Calendars) -> DayBill:
    """:class:`DayBill` of ``day`` priced by ``row``.

    The subscription of a day is the row's monthly price divided by the days of its month
    (missing-data days included: the subscription is due every day).
    """
    source = used.source if used is not None else None
    if row is None:
        return DayBill(day, None, source, {}, {}, 0.0, problems=frozenset({Problem.NO_PRICE}))
    subscription = row.subscription_eur_month / days_in_month(day)
    if used is None:
        return DayBill(day, row, None, {}, {}, subscription)
    try:
        pieces = day_pieces(row, day, cal)
    except MissingSchedule:
        return DayBill(
            day,
            row,
            source,
            {},
            {},
            subscription,
            unknown_wh=used.total_wh,
            problems=frozenset({Problem.NEEDS_OFFPEAK_HOURS}),
        )
    kwh: dict[str, float] = {}
    eur: dict[str, float] = {}
    unknown_wh = low = 0.0
    spreads: list[tuple[date | None, float]] = []
    problems: set[Problem] = set()
    for piece in pieces:
        wh = used.between(piece.start, piece.end)
        if len(piece.tags) == 1:
            tag = piece.tags[0]
            kwh[tag] = kwh.get(tag, 0.0) + wh / 1000.0
            eur[tag] = eur.get(tag, 0.0) + wh / 1000.0 * row.price_of(tag)
            continue
        if wh == 0.0:
            continue
        prices = [row.price_of(tag) for tag in piece.tags]
        unknown_wh += wh
        low += wh / 1000.0 * min(prices)
        spreads.append((piece.depends_on, wh / 1000.0 * (max(prices) - min(prices))))
        problems.add(
            Problem.NEEDS_TEMPO_COLORS
            if row.offer_type is OfferType.TEMPO
            else Problem.NEEDS_PEAK_DAYS
        )
    return DayBill(
        day, row, source, kwh, eur, subscription, unknown_wh, low, tuple(spreads),
        frozenset(problems),
    )  # fmt: skip


def price_days(periods: Sequence[Period], usage: Usage, cal: Calendars) -> list[DayBill]:
    """One :class:`DayBill` per day of ``usage``, each priced by the row of ``periods``
    covering it (``periods`` in order, as :meth:`Catalogue.timeline` gives them)."""
    bills: list[DayBill] = []
    index = 0
    day = usage.first
    while day <= usage.last:
        while index < len(periods) and periods[index].last < day:
            index += 1
        row = periods[index].offer if index < len(periods) and periods[index].first <= day else None
        bills.append(price_day(row, day, usage.days.get(day), cal))
        day += timedelta(days=1)
    return bills


def bill_of(offer: Offer, days: Sequence[DayBill], cal: Calendars) -> Bill:
    """The :class:`Bill` of consecutive priced days (``days`` non-empty, oldest first)."""
    if not days:
        raise InvalidInput("days", "a bill needs at least one day")
    kwh: dict[str, float] = {}
    eur: dict[str, float] = {}
    unknown_wh = low = high_spread = subscription = 0.0
    spreads: dict[date, float] = {}
    unpriced: list[date] = []
    problems: set[Problem] = set()
    for bill in days:
        problems |= bill.problems
        if bill.row is None:
            unpriced.append(bill.day)
            continue
        subscription += bill.subscription_eur
        for tag, value in bill.kwh.items():
            kwh[tag] = kwh.get(tag, 0.0) + value
            eur[tag] = eur.get(tag, 0.0) + bill.eur[tag]
        unknown_wh += bill.unknown_wh
        low += bill.unknown_low_eur
        for depends_on, spread in bill.spreads:
            if depends_on is None:
                high_spread += spread
            else:
                spreads[depends_on] = spreads.get(depends_on, 0.0) + spread
    if offer.offer_type is OfferType.EJP:
        # At most 22 peak days a winter (those the calendar already names count, inside the
        # period or not): the dearest case takes the unknown days that cost most.
        known_peaks: dict[int, int] = {}
        for peak_day, is_peak in (cal.peak_days or {}).items():
            if is_peak and is_winter(peak_day):
                known_peaks[winter_of(peak_day)] = known_peaks.get(winter_of(peak_day), 0) + 1
        by_winter: dict[int, list[float]] = {}
        for peak_day, spread in spreads.items():
            by_winter.setdefault(winter_of(peak_day), []).append(spread)
        for winter, values in by_winter.items():
            room = max(EJP_DAYS - known_peaks.get(winter, 0), 0)
            high_spread += sum(sorted(values, reverse=True)[:room])
    else:
        high_spread += sum(spreads.values())
    known = sum(eur.values())
    slots = tuple(SlotCost(tag, kwh[tag], eur[tag]) for tag in kwh)
    return Bill(
        offer=offer,
        first=days[0].day,
        last=days[-1].day,
        energy_eur=known + low,
        energy_high_eur=known + low + high_spread,
        subscription_eur=subscription,
        slots=slots,
        unknown_kwh=unknown_wh / 1000.0,
        unpriced_days=tuple(unpriced),
        problems=tuple(sorted(problems)),
    )


def price_usage(
    offer: Offer,
    periods: Sequence[Period],
    usage: Usage,
    cal: Calendars,
) -> Bill:
    """Bill of ``usage`` with each day priced by the row of ``periods`` covering it
    (:func:`price_days` summed by :func:`bill_of`)."""
    return bill_of(offer, price_days(periods, usage, cal), cal)
