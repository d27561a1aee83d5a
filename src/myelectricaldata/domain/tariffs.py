"""Tariff prices and the reference split of load-curve energy by tariff tag.

The split is the one every consumer of HC/HP energy uses (the measures catalogue, the cost
measures, Home Assistant's long-term statistics): a point is classified with the off-peak
schedule in force on its own local day (never today's), Tempo energy with the colour of its own
Tempo day (06:00 to 06:00) and the Tempo HC hours (22:00 to 06:00), and an interval that
straddles a boundary is split minute by minute, like ``OffpeakSchedule.offpeak_fraction``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offpeak import OffpeakHistory, OffpeakSchedule
from myelectricaldata.domain.tempo import DAY_START_HOUR, HC_START_HOUR
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.domain.types import LoadCurvePoint, PricingOption, TempoColor

#: Date from which the default prices are in force: EDF Tarif Bleu (regulated), TTC.
DEFAULT_PRICES_DATE = date(2025, 8, 1)

BASE_TAGS: tuple[str, ...] = ("base",)
HC_HP_TAGS: tuple[str, ...] = ("hc", "hp")
TEMPO_TAGS: tuple[str, ...] = ("bluehc", "bluehp", "whitehc", "whitehp", "redhc", "redhp")
#: Key of the energy that could not be classified (a Tempo day whose colour is not known).
UNCLASSIFIED = "unclassified"

_TEMPO_INDEX = {TempoColor.BLUE: 0, TempoColor.WHITE: 1, TempoColor.RED: 2}
_MINUTES_PER_DAY = 1440
_TEMPO_HP_START = DAY_START_HOUR * 60  # 06:00
_TEMPO_HC_START = HC_START_HOUR * 60  # 22:00
# Day number 0 of the local minute arithmetic below is 1970-01-01.
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Paris changes its UTC offset at 01:00 UTC; windows of one day starting then have one offset.
_DST_SHIFT_S = 3600


class TariffPrices(BaseModel):
    """Prices of the contract, TTC: subscription per month and energy per kWh for each tag.

    Defaults are EDF's regulated Tarif Bleu in force since 1 August 2025 (subscription: option
    Base, 6 kVA, 185.64 EUR/year). Every value can be overridden to match your own contract.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    subscription_eur_month: float = Field(
        15.47, ge=0, description="Subscription, EUR per month (Base 6 kVA: 185.64 EUR/year)."
    )
    base_eur_kwh: float = Field(0.1952, ge=0, description="Option Base, EUR per kWh.")
    hc_eur_kwh: float = Field(0.1635, ge=0, description="Option HC/HP, off-peak, EUR per kWh.")
    hp_eur_kwh: float = Field(0.2081, ge=0, description="Option HC/HP, peak, EUR per kWh.")
    tempo_blue_hc_eur_kwh: float = Field(0.1232, ge=0, description="Tempo blue day, HC.")
    tempo_blue_hp_eur_kwh: float = Field(0.1494, ge=0, description="Tempo blue day, HP.")
    tempo_white_hc_eur_kwh: float = Field(0.1391, ge=0, description="Tempo white day, HC.")
    tempo_white_hp_eur_kwh: float = Field(0.1730, ge=0, description="Tempo white day, HP.")
    tempo_red_hc_eur_kwh: float = Field(0.1460, ge=0, description="Tempo red day, HC.")
    tempo_red_hp_eur_kwh: float = Field(0.6468, ge=0, description="Tempo red day, HP.")
    production_resale_eur_kwh: float | None = Field(
        None, ge=0, description="Resale price of injected production, EUR per kWh (optional)."
    )

    def price_of(
        self,
        pricing_option: PricingOption | None,
        offpeak: bool,
        tempo_color: TempoColor | None,
    ) -> float:
        """EUR per kWh of energy used under an option, in off-peak hours or not, on a colour.

        EJP and an unknown option are priced as Base (the store holds no EJP calendar).
        """
        if pricing_option in (PricingOption.HC_HP, PricingOption.HC_WEEKEND):
            return self.hc_eur_kwh if offpeak else self.hp_eur_kwh
        if pricing_option is PricingOption.TEMPO:
            if tempo_color is None:
                raise InvalidInput(
                    "tempo_color", "a Tempo price needs the colour of the day (BLUE/WHITE/RED)"
                )
            return self.price_of_tag(f"{tempo_color.value.lower()}{'hc' if offpeak else 'hp'}")
        return self.base_eur_kwh

    def price_of_tag(self, tag: str) -> float:
        """EUR per kWh of a tag of :func:`tags_for` (``base``, ``hc``, ``redhp``...)."""
        prices = {
            "base": self.base_eur_kwh,
            "hc": self.hc_eur_kwh,
            "hp": self.hp_eur_kwh,
            "bluehc": self.tempo_blue_hc_eur_kwh,
            "bluehp": self.tempo_blue_hp_eur_kwh,
            "whitehc": self.tempo_white_hc_eur_kwh,
            "whitehp": self.tempo_white_hp_eur_kwh,
            "redhc": self.tempo_red_hc_eur_kwh,
            "redhp": self.tempo_red_hp_eur_kwh,
        }
        try:
            return prices[tag]
        except KeyError:
            raise InvalidInput(
                "tag", f"{tag!r} is not a tariff tag: use one of {list(prices)}"
            ) from None

    def cost_of(self, energy_wh: Mapping[str, float]) -> float:
        """EUR of the energy per tag (Wh), as :func:`split_energy` returns it.

        Unclassified energy has no price and is left out: check it before trusting the cost.
        """
        return sum(
            wh / 1000.0 * self.price_of_tag(tag)
            for tag, wh in energy_wh.items()
            if tag != UNCLASSIFIED
        )


def tags_for(option: PricingOption | None) -> tuple[str, ...]:
    """Tags the energy of a contract splits into (EJP and an unknown option: ``base``)."""
    if option in (PricingOption.HC_HP, PricingOption.HC_WEEKEND):
        return HC_HP_TAGS
    if option is PricingOption.TEMPO:
        return TEMPO_TAGS
    return BASE_TAGS


def tag_is_offpeak(tag: str) -> bool:
    """True for the off-peak tags (``hc``, ``bluehc``...)."""
    return tag.endswith("hc")


@dataclass(frozen=True, slots=True)
class DaySplit:
    """Energy of one local calendar day per tag (Wh) and the minutes of load curve behind it."""

    wh: dict[str, float]
    minutes: int

    @property
    def total_wh(self) -> float:
        """All the energy of the day, classified or not."""
        return sum(self.wh.values())


def split_energy(
    points: Iterable[LoadCurvePoint],
    option: PricingOption | None,
    offpeak_history: OffpeakHistory,
    tempo: Mapping[date, TempoColor],
) -> dict[str, float]:
    """Wh per tag of the load-curve points (every tag of :func:`tags_for` is present).

    Each minute is classified with its own day's off-peak schedule (``offpeak_history.at``),
    Tempo minutes with the colour of their Tempo day. A contract without any schedule counts
    as peak; Tempo energy of a day whose colour is missing goes to ``unclassified`` (present
    only when non-zero).
    """
    return _Splitter(option, offpeak_history, tempo).total(_rows_of(points))


def split_energy_by_day(
    points: Iterable[LoadCurvePoint],
    option: PricingOption | None,
    offpeak_history: OffpeakHistory,
    tempo: Mapping[date, TempoColor],
) -> dict[date, DaySplit]:
    """:func:`split_energy` per local calendar day (midnight to midnight, Paris)."""
    return _Splitter(option, offpeak_history, tempo).by_day(_rows_of(points))


def split_rows_by_day(
    rows: Iterable[tuple[int, int, int] | tuple[int, int, int, str]],
    option: PricingOption | None,
    offpeak_history: OffpeakHistory,
    tempo: Mapping[date, TempoColor],
) -> dict[date, DaySplit]:
    """Same as :func:`split_energy_by_day` on the store's raw ``(start_ts, minutes, avg_w)`` rows.

    Skips building one datetime per point, which is most of the cost on two years of data.
    """
    return _Splitter(option, offpeak_history, tempo).by_day(rows)


def _rows_of(points: Iterable[LoadCurvePoint]) -> Iterable[tuple[int, int, float]]:
    for p in points:
        if p.start.tzinfo is None:
            raise InvalidInput("start", "a load-curve point needs an aware start instant")
        yield int(p.start.timestamp()), p.interval_min, p.avg_w


def _prefix_offpeak(schedule: OffpeakSchedule) -> list[int]:
    """cum[i] = off-peak minutes in [0, i) of a local day, over two days (wrap-around reads)."""
    cum = [0] * (2 * _MINUTES_PER_DAY + 1)
    total = 0
    for minute in range(2 * _MINUTES_PER_DAY):
        if schedule.contains_minute(minute % _MINUTES_PER_DAY):
            total += 1
        cum[minute + 1] = total
    return cum


def _overlap(start: int, end: int, low: int, high: int) -> int:
    return max(0, min(end, high) - max(start, low))


class _Splitter:
    """One pass over load-curve rows, accumulating Wh per (local day, tag)."""

    _BASE, _HCHP, _WEEKEND, _TEMPO = range(4)

    def __init__(
        self,
        option: PricingOption | None,
        history: OffpeakHistory,
        tempo: Mapping[date, TempoColor],
    ) -> None:
        self.tags = tags_for(option)
        kinds = {
            PricingOption.HC_HP: self._HCHP,
            PricingOption.HC_WEEKEND: self._WEEKEND,
            PricingOption.TEMPO: self._TEMPO,
        }
        self.kind = kinds.get(option, self._BASE) if option is not None else self._BASE
        self.history = history
        self.tempo = tempo
        self._offsets: dict[int, int | None] = {}
        self._cums: dict[int, list[int] | None] = {}  # local day number -> schedule prefix
        self._by_schedule: dict[int, list[int]] = {}
        self._colors: dict[int, int] = {}  # Tempo day number -> 0/1/2, -1 when unknown
        # Per local day number: [Wh per tag..., Wh unclassified, minutes].
        self.days: dict[int, list[float]] = {}

    # -- time ----------------------------------------------------------------------------------

    def _offset(self, window: int) -> int | None:
        """UTC offset (s) of a one-day window starting at 01:00 UTC, None if it changes inside."""
        start = window * 86400 + _DST_SHIFT_S
        first = datetime.fromtimestamp(start, PARIS).utcoffset()
        last = datetime.fromtimestamp(start + 86399, PARIS).utcoffset()
        offset = None if first is None or first != last else int(first.total_seconds())
        self._offsets[window] = offset
        return offset

    @staticmethod
    def _exact_offset(ts: int) -> int:
        offset = datetime.fromtimestamp(ts, UTC).astimezone(PARIS).utcoffset()
        return int(offset.total_seconds()) if offset else 0

    def _cum(self, day: int) -> list[int] | None:
        schedule = self.history.at(date.fromordinal(_EPOCH_ORDINAL + day))
        cum: list[int] | None = None
        if schedule is not None:
            cum = self._by_schedule.get(id(schedule))
            if cum is None:
                cum = self._by_schedule[id(schedule)] = _prefix_offpeak(schedule)
        self._cums[day] = cum
        return cum

    def _color(self, tempo_day: int) -> int:
        color = self.tempo.get(date.fromordinal(_EPOCH_ORDINAL + tempo_day))
        index = -1 if color is None else _TEMPO_INDEX[color]
        self._colors[tempo_day] = index
        return index

    def _record(self, day: int) -> list[float]:
        record = self.days.get(day)
        if record is None:
            record = self.days[day] = [0.0] * (len(self.tags) + 2)
        return record

    # -- accumulation --------------------------------------------------------------------------

    def run(self, rows: Iterable[tuple[int, int, float] | tuple[int, int, int, str]]) -> None:
        """Accumulate ``(start_ts, minutes, avg_w[, ...])`` rows; the common case (an interval
        inside one local day, no offset change) is inlined because it runs 35,040 times."""
        offsets = self._offsets
        colors = self._colors
        unclassified = len(self.tags)
        minutes_slot = unclassified + 1
        for row in rows:
            ts, minutes, avg_w = row[0], row[1], row[2]
            if minutes <= 0:
                raise InvalidInput("interval_min", f"{minutes} is not a positive interval length")
            wh = avg_w * minutes / 60.0
            window = (ts - _DST_SHIFT_S) // 86400
            offset = offsets[window] if window in offsets else self._offset(window)
            if offset is None or (
                ts + minutes * 60 > (window + 1) * 86400 + _DST_SHIFT_S
                and offset != (offsets.get(window + 1) or self._offset(window + 1))
            ):
                # Rare: the interval crosses an offset change; classify each side on its own.
                self._add_straddling(ts, minutes, wh)
                continue
            local_min = (ts + offset) // 60
            day = local_min // _MINUTES_PER_DAY
            mod = local_min - day * _MINUTES_PER_DAY
            if mod + minutes > _MINUTES_PER_DAY:
                self._add_segments(local_min, minutes, wh)
                continue
            record = self.days.get(day)
            if record is None:
                record = self._record(day)
            record[minutes_slot] += minutes
            kind = self.kind
            if kind == self._HCHP or kind == self._WEEKEND:
                cum = self._cums[day] if day in self._cums else self._cum(day)
                if kind == self._WEEKEND and (day + 3) % 7 >= 5:  # 1970-01-01 was a Thursday
                    record[0] += wh
                elif cum is None:
                    record[1] += wh
                else:
                    off = cum[mod + minutes] - cum[mod]
                    if off == minutes:
                        record[0] += wh
                    elif off == 0:
                        record[1] += wh
                    else:
                        record[0] += wh * off / minutes
                        record[1] += wh * (minutes - off) / minutes
            elif kind == self._TEMPO:
                end = mod + minutes
                if mod >= _TEMPO_HP_START and end <= _TEMPO_HC_START:
                    color = colors.get(day)
                    if color is None:
                        color = self._color(day)
                    record[2 * color + 1 if color >= 0 else unclassified] += wh
                elif end <= _TEMPO_HP_START or mod >= _TEMPO_HC_START:
                    # Before 06:00 the minutes belong to the previous Tempo day.
                    tempo_day = day - 1 if end <= _TEMPO_HP_START else day
                    color = colors.get(tempo_day)
                    if color is None:
                        color = self._color(tempo_day)
                    record[2 * color if color >= 0 else unclassified] += wh
                else:
                    self._add_tempo(record, day, mod, end, wh, minutes)
            else:
                record[0] += wh

    def _add_straddling(self, ts: int, minutes: int, wh: float) -> None:
        """Split an interval at every UTC minute whose offset differs from the previous one."""
        run_start, run_offset, run_len = ts, self._exact_offset(ts), 0
        for i in range(minutes):
            offset = self._exact_offset(ts + i * 60)
            if offset != run_offset:
                self._add_segments((run_start + run_offset) // 60, run_len, wh * run_len / minutes)
                run_start, run_offset, run_len = ts + i * 60, offset, 0
            run_len += 1
        self._add_segments((run_start + run_offset) // 60, run_len, wh * run_len / minutes)

    def _add_segments(self, local_min: int, minutes: int, wh: float) -> None:
        """Classify [local_min, +minutes) local wall-clock minutes, cut at local midnights."""
        total = minutes
        minutes_slot = len(self.tags) + 1
        while minutes > 0:
            day = local_min // _MINUTES_PER_DAY
            mod = local_min - day * _MINUTES_PER_DAY
            take = min(minutes, _MINUTES_PER_DAY - mod)
            record = self._record(day)
            record[minutes_slot] += take
            if self.kind in (self._HCHP, self._WEEKEND):
                cum = self._cums[day] if day in self._cums else self._cum(day)
                if self.kind == self._WEEKEND and (day + 3) % 7 >= 5:
                    record[0] += wh * take / total
                elif cum is None:
                    record[1] += wh * take / total
                else:
                    off = cum[mod + take] - cum[mod]
                    record[0] += wh * off / total
                    record[1] += wh * (take - off) / total
            elif self.kind == self._TEMPO:
                self._add_tempo(record, day, mod, mod + take, wh, total)
            else:
                record[0] += wh * take / total
            local_min += take
            minutes -= take

    def _add_tempo(
        self, record: list[float], day: int, start: int, end: int, wh: float, total: int
    ) -> None:
        """Minutes [start, end) of local day ``day`` (``wh`` spread over ``total`` minutes):
        before 06:00 they belong to the previous Tempo day (HC), 06:00-22:00 is HP and
        22:00-24:00 HC of this Tempo day."""
        colors = self._colors
        unclassified = len(self.tags)
        early = _overlap(start, end, 0, _TEMPO_HP_START)
        if early:
            color = colors[day - 1] if day - 1 in colors else self._color(day - 1)
            record[unclassified if color < 0 else 2 * color] += wh * early / total
        peak = _overlap(start, end, _TEMPO_HP_START, _TEMPO_HC_START)
        late = _overlap(start, end, _TEMPO_HC_START, _MINUTES_PER_DAY)
        if peak or late:
            color = colors[day] if day in colors else self._color(day)
            if color < 0:
                record[unclassified] += wh * (peak + late) / total
            else:
                if peak:
                    record[2 * color + 1] += wh * peak / total
                if late:
                    record[2 * color] += wh * late / total

    # -- results -------------------------------------------------------------------------------

    def by_day(
        self, rows: Iterable[tuple[int, int, float] | tuple[int, int, int, str]]
    ) -> dict[date, DaySplit]:
        """Wh per tag of each local day."""
        self.run(rows)
        result: dict[date, DaySplit] = {}
        n = len(self.tags)
        for day in sorted(self.days):
            record = self.days[day]
            wh = dict(zip(self.tags, record[:n], strict=True))
            if record[n]:
                wh[UNCLASSIFIED] = record[n]
            result[date.fromordinal(_EPOCH_ORDINAL + day)] = DaySplit(wh, int(record[n + 1]))
        return result

    def total(
        self, rows: Iterable[tuple[int, int, float] | tuple[int, int, int, str]]
    ) -> dict[str, float]:
        """Wh per tag of all the rows."""
        self.run(rows)
        n = len(self.tags)
        sums = [0.0] * (n + 1)
        for record in self.days.values():
            for i in range(n + 1):
                sums[i] += record[i]
        result = dict(zip(self.tags, sums[:n], strict=True))
        if sums[n]:
            result[UNCLASSIFIED] = sums[n]
        return result


def local_day_start(day: date) -> datetime:
    """Aware Paris midnight that starts a local day (``last_reset`` of a daily total)."""
    return datetime(day.year, day.month, day.day, tzinfo=PARIS)


def days_in_month(day: date) -> int:
    """Number of days of the month of ``day``."""
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - timedelta(days=1)).day


def subscription_share(prices: TariffPrices, start: date, end: date) -> float:
    """Subscription (EUR) of the local days ``start`` to ``end`` inclusive, prorated per day of
    each month (a day of a 30-day month costs 1/30 of the monthly subscription)."""
    total = 0.0
    day = start
    while day <= end:
        month_days = days_in_month(day)
        last = min(end, day.replace(day=month_days))
        total += prices.subscription_eur_month * ((last - day).days + 1) / month_days
        day = last + timedelta(days=1)
    return total
