"""Typed readings that flow between sources, sync, store, API and exporters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offpeak import OffpeakSchedule
from myelectricaldata.domain.units import energy_wh

#: ASCII digits only: ``\d`` also matches Arabic-Indic or full-width digits, and ``$`` a final
#: newline.
_PDL = re.compile(r"[0-9]{14}")


def validate_pdl(value: str, field_name: str = "pdl") -> str:
    """Return ``value`` if it is a PDL (exactly 14 digits), else raise :class:`InvalidInput`."""
    if not isinstance(value, str) or not _PDL.fullmatch(value):
        raise InvalidInput(field_name, f"{value!r} is not a PDL: a usage point id is 14 digits")
    return value


class Direction(StrEnum):
    """Energy flow measured by the meter."""

    CONSUMPTION = "consumption"
    PRODUCTION = "production"


class Quality(StrEnum):
    """Enedis quality flag of a value."""

    BRUT = "BRUT"
    CORRIGE = "CORRIGE"
    #: The answer carried no flag (the gateway's consumption routes never do).
    UNKNOWN = "UNKNOWN"


class Origin(StrEnum):
    """Where a stored value came from."""

    GATEWAY = "gateway"
    DEMO = "demo"
    FILE = "file"


class PricingOption(StrEnum):
    """Tariff option of the contract."""

    BASE = "BASE"
    HC_HP = "HC_HP"
    TEMPO = "TEMPO"
    EJP = "EJP"
    HC_WEEKEND = "HC_WEEKEND"


class TempoColor(StrEnum):
    """Colour of a Tempo day."""

    BLUE = "BLUE"
    WHITE = "WHITE"
    RED = "RED"


class Stream(StrEnum):
    """A kind of data: what the sync fetches per usage point, and what an exporter receives.

    The first five are the meter's, per PDL; ``TEMPO`` and ``ECOWATT`` are the grid's signals,
    the same for everyone (the sync fetches them without a PDL).
    """

    CONSUMPTION_DAILY = "consumption_daily"
    CONSUMPTION_DETAIL = "consumption_detail"
    PRODUCTION_DAILY = "production_daily"
    PRODUCTION_DETAIL = "production_detail"
    MAX_POWER = "max_power"
    TEMPO = "tempo"
    ECOWATT = "ecowatt"

    @property
    def per_pdl(self) -> bool:
        """True for the meter's streams (one series per PDL), False for Tempo and EcoWatt."""
        return self not in (Stream.TEMPO, Stream.ECOWATT)

    @property
    def direction(self) -> Direction:
        """Consumption or production (max power is consumption-side); grid signals have none."""
        if not self.per_pdl:
            raise ValueError(f"{self.value} is a grid signal: it has no direction")
        return (
            Direction.PRODUCTION if self.value.startswith("production") else Direction.CONSUMPTION
        )

    @property
    def is_detail(self) -> bool:
        """True for 30-minute load-curve streams."""
        return self.value.endswith("_detail")

    @property
    def granularity(self) -> str:
        """What one point stands for, as destinations label it: ``daily``, ``load_curve`` or
        ``max_power`` (Tempo and EcoWatt are daily)."""
        if self.is_detail:
            return "load_curve"
        return "max_power" if self is Stream.MAX_POWER else "daily"


def quality_of(raw: str | None) -> str:
    """Normalise a gateway quality flag (unknown flags are kept verbatim, upper-cased)."""
    return (raw or Quality.BRUT.value).strip().upper() or Quality.BRUT.value


@dataclass(frozen=True, slots=True)
class DailyReading:
    """Energy in Wh of one Paris calendar day."""

    day: date
    value_wh: int
    quality: str = Quality.BRUT.value


@dataclass(frozen=True, slots=True)
class LoadCurvePoint:
    """Average power in W over one interval; ``start`` is an aware instant (interval start)."""

    start: datetime
    avg_w: int
    interval_min: int = 30
    quality: str = Quality.BRUT.value

    @property
    def end(self) -> datetime:
        """Instant at which the interval ends."""
        return self.start + timedelta(minutes=self.interval_min)

    @property
    def energy_wh(self) -> float:
        """Energy of the interval in Wh."""
        return energy_wh(self.avg_w, self.interval_min)


@dataclass(frozen=True, slots=True)
class MaxPowerReading:
    """Highest apparent power in VA of a day and the instant it was reached."""

    day: date
    value_va: int
    at: datetime
    quality: str = Quality.BRUT.value


@dataclass(frozen=True, slots=True)
class TempoDay:
    """RTE Tempo colour of a Tempo day (06:00 to 06:00 next day)."""

    day: date
    color: TempoColor
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EcoWattDay:
    """RTE EcoWatt signal of a day: level 1-3 and 24 hourly levels 0-3."""

    day: date
    level: int
    hourly: tuple[int, ...]
    message: str = ""
    generated_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.level not in (1, 2, 3):
            raise InvalidInput("dvalue", f"EcoWatt day level {self.level} is not 1, 2 or 3")
        if len(self.hourly) != 24 or any(v not in (0, 1, 2, 3) for v in self.hourly):
            raise InvalidInput("values", "EcoWatt needs 24 hourly levels, each 0 to 3")


@dataclass(frozen=True, slots=True)
class UsagePoint:
    """A Linky meter (PDL) and its contract."""

    pdl: str
    name: str = ""
    subscribed_power_kva: float | None = None
    pricing_option: PricingOption | None = None
    offpeak: OffpeakSchedule | None = None
    has_consumption: bool = True
    has_production: bool = False
    is_active: bool = True
    activation_date: date | None = None
    oldest_available_date: date | None = None
    extra: dict[str, str] = field(default_factory=dict)
    #: The offer the user picked on the MyElectricalData site (``/pdl`` ``selected_offer_id``,
    #: an id of the offers catalogue), ``None`` when none is picked.
    selected_offer_id: str | None = None
