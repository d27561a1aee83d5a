"""Demo source: deterministic, realistic synthetic data for two demo usage points.

Nothing here talks to the network. Every value is a pure function of (PDL, direction, day): a
``random.Random`` is seeded from a stable digest of those, so a value never depends on the range
asked for, on call order or on the process. A shared synthetic weather (a seasonal temperature
curve plus smoothed day-to-day noise) drives heating, the Tempo calendar and EcoWatt, so the three
correlate like the real ones do. Only what exists "now" (per the injected clock) is served: three
years of daily data, two years of load curve, Tempo up to today (tomorrow after 11:00) and EcoWatt
as RTE publishes it.

The solar house self-consumes and sells its surplus, so, like a real Linky, its meter reads the
net flow: production is the injected surplus (0 on a dull winter day is normal) and consumption
dips at midday.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offers import OfferType
from myelectricaldata.domain.offpeak import parse_offpeak
from myelectricaldata.domain.tempo import (
    RED_DAYS,
    WHITE_DAYS,
    red_allowed,
    season_days,
    season_start,
)
from myelectricaldata.domain.timeutil import PARIS, day_bounds_utc, today_paris
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    Origin,
    PricingOption,
    Stream,
    TempoColor,
    TempoDay,
    UsagePoint,
    validate_pdl,
)
from myelectricaldata.sources.demo_offers import cached_demo_catalogue

DEMO_TEMPO_PDL = "09999000000001"
DEMO_SOLAR_PDL = "09999000000002"
#: Years of daily history the demo serves (like the gateway's limit).
DAILY_YEARS = 3
#: Years of 30-minute load curve the demo serves.
DETAIL_YEARS = 2
#: Days between the meter's activation and the oldest day the demo can serve.
ACTIVATION_LEAD_DAYS = 47

_SLOT_MIN = 30
_SLOT = timedelta(minutes=_SLOT_MIN)
_TEMPO_PUBLISHED_AT = time(11, 0)
_ECOWATT_PUBLISHED_AT = time(17, 0)
_ECOWATT_FRIDAY_PUBLISHED_AT = time(12, 15)
_ECOWATT_MESSAGES = {
    1: "Pas d'alerte.",
    2: "Système électrique tendu. Les écogestes sont les bienvenus.",
    3: "Système électrique très tendu. Coupures inévitables si nous ne baissons pas notre "
    "consommation.",
}
# Paris, for the sun's course.
_LATITUDE = math.radians(48.85)
_LONGITUDE_DEG = 2.35


# --------------------------------------------------------------------------- determinism


def _rng(*parts: object) -> random.Random:
    """A generator seeded from a stable digest (``hash()`` is salted per process)."""
    key = "|".join(str(p) for p in parts).encode()
    return random.Random(int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big"))


def _years_back(day: date, years: int) -> date:
    """Same calendar day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# --------------------------------------------------------------------------- weather

_SMOOTH = tuple(0.75 ** abs(k) for k in range(-6, 7))
_SMOOTH_NORM = math.sqrt(sum(w * w for w in _SMOOTH))


@lru_cache(maxsize=8192)
def _weather_noise(day: date) -> float:
    return _rng("weather", day.isoformat()).gauss(0.0, 1.0)


@lru_cache(maxsize=8192)
def _temperature(day: date) -> float:
    """Daily mean temperature (°C): Paris-like seasons plus multi-day cold and warm spells."""
    seasonal = 12.0 - 8.0 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 20) / 365.25)
    spell = sum(
        w * _weather_noise(day + timedelta(days=k))
        for k, w in zip(range(-6, 7), _SMOOTH, strict=True)
    )
    jitter = _rng("weather-day", day.isoformat()).gauss(0.0, 0.8)
    return seasonal + 3.2 * spell / _SMOOTH_NORM + jitter


# --------------------------------------------------------------------------- Tempo and EcoWatt


def _white_penalty(day: date) -> float:
    # White days belong to the heating season; the penalty keeps them there unless it is cold.
    return {12: 0.0, 1: 0.0, 2: 0.0, 11: 2.0, 3: 2.0, 10: 6.0, 4: 6.0}.get(day.month, 20.0)


@lru_cache(maxsize=16)
def _season_colors(start: date) -> tuple[TempoColor, ...]:
    """Colours of every day of the season opening on ``start``: the coldest days go red/white."""
    days = [start + timedelta(days=i) for i in range(season_days(start))]
    temps = [_temperature(d) for d in days]
    red_candidates = [i for i, d in enumerate(days) if red_allowed(d)]
    red_candidates.sort(key=lambda i: (temps[i] + (0.0 if days[i].month in (12, 1, 2) else 3.0), i))
    red = set(red_candidates[:RED_DAYS])
    white_candidates = [i for i, d in enumerate(days) if i not in red and d.weekday() != 6]
    white_candidates.sort(key=lambda i: (temps[i] + _white_penalty(days[i]), i))
    white = set(white_candidates[:WHITE_DAYS])
    return tuple(
        TempoColor.RED if i in red else TempoColor.WHITE if i in white else TempoColor.BLUE
        for i in range(len(days))
    )


def tempo_color(day: date) -> TempoColor:
    """Demo Tempo colour of a day (whether or not it is published yet)."""
    start = season_start(day)
    return _season_colors(start)[(day - start).days]


def _ecowatt_level(day: date) -> int:
    rng = _rng("ecowatt", day.isoformat())
    temp = _temperature(day)
    weekday = day.weekday() < 5
    if weekday and day.month in (12, 1, 2) and temp < -3.0 and rng.random() < 0.5:
        return 3
    if (weekday and temp < 0.5) or temp < -2.0:
        return 2
    return 1


def _ecowatt_hourly(day: date, level: int) -> tuple[int, ...]:
    rng = _rng("ecowatt-hours", day.isoformat())
    summer = 4 <= day.month <= 9
    hourly = [1] * 24
    # Night and, in the sunny months, early afternoon are green and low-carbon (0).
    for hour in range(6):
        hourly[hour] = 0
    if summer:
        for hour in (12, 13, 14, 15):
            hourly[hour] = 0
    if level >= 2:
        morning = range(8, 11 + rng.randint(0, 2))
        evening = range(18 - rng.randint(0, 1), 21)
        for hour in (*morning, *evening):
            hourly[hour] = 2
    if level == 3:
        for hour in (8, 9, 18, 19):
            hourly[hour] = 3
    return tuple(hourly)


def _ecowatt_publication(day: date) -> datetime:
    at = _ECOWATT_FRIDAY_PUBLISHED_AT if day.weekday() == 4 else _ECOWATT_PUBLISHED_AT
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)


# --------------------------------------------------------------------------- usage points


@dataclass(frozen=True, slots=True)
class _House:
    """The contract of a demo usage point and the household model behind its meter."""

    pdl: str
    name: str
    kva: int
    pricing: PricingOption
    offpeak: str
    has_production: bool
    base_weekday: tuple[int, ...]  # W per local hour
    base_weekend: tuple[int, ...]
    heating_kwh_per_degree: float
    heating_base_temp: float
    water_heater_w: int
    water_heater_slots: tuple[int, ...]  # local half-hour indexes, in running order
    pv_kwp: float = 0.0


_HEATING_WEIGHTS_WEEKDAY = (0.85,) * 5 + (1.2,) + (1.45,) * 3 + (0.8,) * 8 + (1.2,) * 6 + (0.9,)
_HEATING_WEIGHTS_WEEKEND = (0.85,) * 5 + (1.1,) + (1.35,) * 3 + (1.0,) * 8 + (1.2,) * 6 + (0.9,)

_HOUSES = {
    DEMO_TEMPO_PDL: _House(
        pdl=DEMO_TEMPO_PDL,
        name="Démo – maison chauffage électrique (Tempo)",
        kva=12,
        pricing=PricingOption.TEMPO,
        offpeak="HC (22H00-6H00)",
        has_production=False,
        base_weekday=(
            170, 160, 150, 150, 160, 180, 390, 660, 480, 270, 250, 360,
            720, 480, 270, 250, 300, 480, 840, 1080, 960, 660, 420, 240,
        ),
        base_weekend=(
            180, 160, 150, 150, 160, 170, 240, 360, 600, 600, 420, 540,
            900, 600, 360, 360, 420, 540, 840, 1080, 960, 660, 450, 270,
        ),
        heating_kwh_per_degree=3.0,
        heating_base_temp=16.5,
        water_heater_w=2400,
        water_heater_slots=(44, 45, 46, 47, 0, 1, 2),
    ),
    DEMO_SOLAR_PDL: _House(
        pdl=DEMO_SOLAR_PDL,
        name="Démo – maison solaire (HC/HP)",
        kva=6,
        pricing=PricingOption.HC_HP,
        offpeak="HC (22H30-6H30)",
        has_production=True,
        base_weekday=(
            120, 110, 110, 110, 110, 130, 270, 480, 360, 210, 200, 270,
            540, 360, 210, 200, 240, 360, 600, 780, 720, 510, 330, 180,
        ),
        base_weekend=(
            130, 120, 110, 110, 110, 130, 180, 270, 450, 450, 330, 420,
            660, 450, 270, 270, 330, 420, 600, 780, 720, 510, 360, 200,
        ),
        heating_kwh_per_degree=1.0,
        heating_base_temp=15.0,
        water_heater_w=2000,
        water_heater_slots=(45, 46, 47, 0, 1, 2, 3),
        pv_kwp=4.0,
    ),
}  # fmt: skip


# --------------------------------------------------------------------------- load model


@lru_cache(maxsize=4096)
def _day_slots(day: date) -> tuple[tuple[datetime, ...], tuple[int, ...]]:
    """UTC starts of a local day's half-hours and each one's local half-hour index (0-47).

    DST days have 46 or 50 slots; the repeated hour maps twice onto indexes 4-5.
    """
    start, end = day_bounds_utc(day)
    count = int((end - start) / _SLOT)
    starts = tuple(start + i * _SLOT for i in range(count))
    if count == 48:
        return starts, tuple(range(48))
    indexes = []
    for instant in starts:
        local = instant.astimezone(PARIS)
        indexes.append(local.hour * 2 + local.minute // 30)
    return starts, tuple(indexes)


def _household_w(house: _House, day: date, indexes: tuple[int, ...]) -> list[float]:
    """Gross household demand in W per slot (before any solar self-consumption)."""
    rng = _rng(house.pdl, Direction.CONSUMPTION.value, day.isoformat())
    weekend = day.weekday() >= 5
    base = house.base_weekend if weekend else house.base_weekday
    weights = _HEATING_WEIGHTS_WEEKEND if weekend else _HEATING_WEIGHTS_WEEKDAY
    temp = _temperature(day)
    degrees = max(house.heating_base_temp - temp, 0.0)
    heating_w = house.heating_kwh_per_degree * degrees * 1000.0 / 24.0 * rng.gauss(1.0, 0.06)
    heating_w /= sum(weights) / 24.0
    level = rng.gauss(1.0, 0.07)

    # Tempo households cut back during the peak hours of expensive days.
    color = tempo_color(day) if house.pricing is PricingOption.TEMPO else TempoColor.BLUE
    hp_heating = {TempoColor.RED: 0.6, TempoColor.WHITE: 0.85}.get(color, 1.0)
    hp_base = {TempoColor.RED: 0.85, TempoColor.WHITE: 0.95}.get(color, 1.0)

    winter = 0.5 + 0.5 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.25)
    heater_slots = set(house.water_heater_slots[: 3 + round(3 * winter) + rng.randint(0, 1)])
    appliances: dict[int, float] = {}
    for _ in range(rng.randint(0, 3 if weekend else 2)):
        first = rng.randint(16, 43)
        watts = rng.choice((1800.0, 2000.0, 2200.0))
        for slot in range(first, first + rng.randint(1, 3)):
            appliances[slot] = appliances.get(slot, 0.0) + watts

    values = []
    for index in indexes:
        hour = index // 2
        peak = 6 <= hour < 22
        demand = base[hour] * level * (hp_base if peak else 1.0)
        demand += heating_w * weights[hour] * (hp_heating if peak else 1.0)
        demand *= max(rng.gauss(1.0, 0.12), 0.4)
        demand += appliances.get(index, 0.0)
        if index in heater_slots:
            demand += house.water_heater_w * rng.uniform(0.9, 1.0)
        values.append(demand)
    return values


def _solar_w(house: _House, day: date, starts: tuple[datetime, ...]) -> list[float]:
    """Gross photovoltaic output in W per slot: a bell between sunrise and sunset, with clouds."""
    rng = _rng(house.pdl, Direction.PRODUCTION.value, day.isoformat())
    doy = day.timetuple().tm_yday
    declination = math.radians(23.44) * math.sin(2 * math.pi * (284 + doy) / 365.0)
    b = 2 * math.pi * (doy - 81) / 364.0
    equation_of_time_h = (9.87 * math.sin(2 * b) - 7.53 * math.cos(b) - 1.5 * math.sin(b)) / 60.0
    summer = 0.5 - 0.5 * math.cos(2 * math.pi * (doy - 15) / 365.25)
    clearness = rng.betavariate(2.0 + 3.0 * summer, 2.6 - 1.2 * summer)
    patchy = 1.0 - abs(2.0 * clearness - 1.0)  # passing clouds when neither clear nor overcast
    sin_lat, cos_lat = math.sin(_LATITUDE), math.cos(_LATITUDE)
    sin_dec, cos_dec = math.sin(declination), math.cos(declination)
    values = []
    for start in starts:
        middle = start + _SLOT / 2
        utc_hours = middle.hour + middle.minute / 60.0
        solar_hours = utc_hours + _LONGITUDE_DEG / 15.0 + equation_of_time_h
        hour_angle = math.radians(15.0 * (solar_hours - 12.0))
        elevation = sin_lat * sin_dec + cos_lat * cos_dec * math.cos(hour_angle)
        if elevation <= 0.02:
            values.append(0.0)
            continue
        # Tilted panels flatten the seasonal swing of the sun's height.
        clear_sky = house.pv_kwp * 1000.0 * 0.72 * elevation**0.6
        cloud = 0.12 + 0.88 * clearness * (1.0 - 0.6 * patchy * rng.random())
        values.append(clear_sky * cloud)
    return values


@lru_cache(maxsize=8192)
def _curve(pdl: str, direction: Direction, day: date) -> tuple[int, ...]:
    """Average W per half-hour slot of a local day, in the order of :func:`_day_slots`."""
    house = _HOUSES[pdl]
    starts, indexes = _day_slots(day)
    demand = _household_w(house, day, indexes)
    if not house.pv_kwp:
        return tuple(round(w) for w in demand) if direction is Direction.CONSUMPTION else ()
    # The meter sees the net flow: imports when the house needs more than the panels give,
    # exports the surplus otherwise.
    solar = _solar_w(house, day, starts)
    if direction is Direction.CONSUMPTION:
        return tuple(round(max(d - s, 0.0)) for d, s in zip(demand, solar, strict=True))
    return tuple(round(max(s - d, 0.0)) for d, s in zip(demand, solar, strict=True))


def _daily_wh(pdl: str, direction: Direction, day: date) -> int:
    """The load curve's energy with a small metering difference (< 0.6 %), rounded to the Wh."""
    energy = sum(_curve(pdl, direction, day)) * _SLOT_MIN / 60.0
    drift = _rng(pdl, direction.value, day.isoformat(), "daily").uniform(-0.006, 0.006)
    return round(energy * (1.0 + drift))


def _max_power(house: _House, day: date) -> MaxPowerReading:
    """The day's peak apparent power, reached within (or right next to) the busiest slot."""
    curve = _curve(house.pdl, Direction.CONSUMPTION, day)
    starts, _ = _day_slots(day)
    busiest = max(range(len(curve)), key=lambda i: (curve[i], -i))
    rng = _rng(house.pdl, "max_power", day.isoformat())
    # A half-hour average hides short peaks (kettle, oven, heaters switching on together).
    value = curve[busiest] * rng.uniform(1.15, 1.6) / 0.95 + rng.uniform(200.0, 900.0)
    limit = house.kva * 1000.0
    if value > limit and rng.random() > 0.03:
        value = max(limit * rng.uniform(0.88, 0.99), float(curve[busiest]))
    at = starts[busiest] + timedelta(seconds=rng.randrange(_SLOT_MIN * 60))
    return MaxPowerReading(day=day, value_va=round(value), at=at)


def _selected_offer(house: _House, today: date) -> str | None:
    """Id of the demo catalogue's row of the house's option at its kVA in force ``today``."""
    rows = cached_demo_catalogue().current(
        house.kva, today, offer_type=OfferType(house.pricing.value)
    )
    return rows[0].id if rows else None


# --------------------------------------------------------------------------- the source


class DemoSource:
    """A :class:`~myelectricaldata.sources.base.Source` serving two synthetic demo households.

    ``clock`` returns the current aware instant (default: now in UTC); it decides which days
    exist yet (history up to yesterday, Tempo tomorrow after 11:00, EcoWatt J+3 after 17:00).
    """

    origin: Origin = Origin.DEMO

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))

    # -- what exists now

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise InvalidInput("clock", "the demo clock must return an aware datetime")
        return now

    def _today(self) -> date:
        return today_paris(self._now())

    def daily_first_day(self) -> date:
        """Oldest day with daily data (three years before today)."""
        return _years_back(self._today(), DAILY_YEARS)

    def detail_first_day(self) -> date:
        """Oldest day with a load curve (two years before today)."""
        return _years_back(self._today(), DETAIL_YEARS)

    def tempo_first_day(self) -> date:
        """First day of the oldest Tempo season served (the one three years back)."""
        return season_start(_years_back(self._today(), DAILY_YEARS))

    # -- Source protocol

    def max_days(self, stream: Stream) -> int:
        """31 days per call for load curves, 365 for daily energy and max power."""
        return 31 if stream.is_detail else 365

    def quota(self) -> None:
        """The demo is not rate-limited."""
        return None

    async def usage_points(self) -> list[UsagePoint]:
        """Both demo usage points with their contracts; each has picked, as a user would on the
        site, the regulated Tarif Bleu of its option and kVA from the demo catalogue."""
        oldest = self.daily_first_day()
        today = self._today()
        return [
            UsagePoint(
                pdl=house.pdl,
                name=house.name,
                subscribed_power_kva=float(house.kva),
                pricing_option=house.pricing,
                offpeak=parse_offpeak(house.offpeak),
                has_consumption=True,
                has_production=house.has_production,
                is_active=True,
                activation_date=oldest - timedelta(days=ACTIVATION_LEAD_DAYS),
                oldest_available_date=oldest,
                extra={"demo": "true"},
                selected_offer_id=_selected_offer(house, today),
            )
            for house in _HOUSES.values()
        ]

    async def daily(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> list[DailyReading]:
        """Daily energy in Wh for [start, end), limited to the last three years."""
        house, direction = self._house(pdl), _direction(direction)
        if direction is Direction.PRODUCTION and not house.has_production:
            _check_range(start, end)
            return []
        return [
            DailyReading(day=day, value_wh=_daily_wh(pdl, direction, day))
            for day in self._days(start, end, self.daily_first_day())
        ]

    async def load_curve(
        self, pdl: str, direction: Direction, start: date, end: date
    ) -> list[LoadCurvePoint]:
        """30-minute average power for the local days [start, end), within the last two years."""
        house, direction = self._house(pdl), _direction(direction)
        if direction is Direction.PRODUCTION and not house.has_production:
            _check_range(start, end)
            return []
        points: list[LoadCurvePoint] = []
        for day in self._days(start, end, self.detail_first_day()):
            starts, _ = _day_slots(day)
            points.extend(
                LoadCurvePoint(start=at, avg_w=w, interval_min=_SLOT_MIN)
                for at, w in zip(starts, _curve(pdl, direction, day), strict=True)
            )
        return points

    async def max_power(self, pdl: str, start: date, end: date) -> list[MaxPowerReading]:
        """Daily peak apparent power (VA) and when it happened, for [start, end)."""
        house = self._house(pdl)
        return [_max_power(house, day) for day in self._days(start, end, self.daily_first_day())]

    async def tempo(self, start: date, end: date) -> list[TempoDay]:
        """Tempo colours for [start, end), three seasons back to today (tomorrow after 11:00)."""
        now = self._now().astimezone(PARIS)
        last = now.date()
        if now.time() >= _TEMPO_PUBLISHED_AT:
            last += timedelta(days=1)
        first = self.tempo_first_day()
        _check_range(start, end)
        days = []
        day = max(start, first)
        while day < end and day <= last:
            published = datetime.combine(day - timedelta(days=1), time(10, 40), tzinfo=PARIS)
            days.append(
                TempoDay(day=day, color=tempo_color(day), updated_at=published.astimezone(UTC))
            )
            day += timedelta(days=1)
        return days

    async def ecowatt(self) -> list[EcoWattDay]:
        """EcoWatt for today and the next days: J+3 only once today's forecast is out."""
        now = self._now()
        today = today_paris(now)
        generated_at = _ecowatt_publication(today)
        horizon = 4
        if now < generated_at:
            generated_at = _ecowatt_publication(today - timedelta(days=1))
            horizon = 3
        signals = []
        for offset in range(horizon):
            day = today + timedelta(days=offset)
            level = _ecowatt_level(day)
            signals.append(
                EcoWattDay(
                    day=day,
                    level=level,
                    hourly=_ecowatt_hourly(day, level),
                    message=_ECOWATT_MESSAGES[level],
                    generated_at=generated_at,
                )
            )
        return signals

    async def aclose(self) -> None:
        """Nothing to release."""

    # -- helpers

    def _house(self, pdl: str) -> _House:
        validate_pdl(pdl)
        house = _HOUSES.get(pdl)
        if house is None:
            raise InvalidInput(
                "pdl",
                f"{pdl} is not a demo usage point: use {DEMO_TEMPO_PDL} or {DEMO_SOLAR_PDL}",
            )
        return house

    def _days(self, start: date, end: date, first: date) -> list[date]:
        """Days of [start, end) that exist: from ``first`` up to yesterday."""
        _check_range(start, end)
        day, last = max(start, first), min(end, self._today())
        return [day + timedelta(days=i) for i in range((last - day).days)]


def _direction(value: Direction | str) -> Direction:
    try:
        return Direction(value)
    except ValueError:
        raise InvalidInput("direction", f"{value!r} is not 'consumption' or 'production'") from None


def _check_range(start: date, end: date) -> None:
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise InvalidInput(name, f"{value!r} is not a calendar date (YYYY-MM-DD)")
    if end < start:
        raise InvalidInput("end", f"end {end} is before start {start}")
