"""Suppliers' offers with dated prices (DESIGN.md §4.0) and the validation of a typed price.

One :class:`Offer` is one row of the catalogue: an offer at one subscribed power (kVA) over one
validity period ``[valid_from, valid_to)``. The rows of one offer over time form a *family*
(:attr:`Offer.family`); :class:`Catalogue` finds the row valid on a day at a meter's kVA, so that
each day is priced at the price in force that day. Prices are EUR incl. taxes: energy per kWh,
subscription per month.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offpeak import OffpeakRange, OffpeakSchedule, parse_offpeak
from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.domain.types import PricingOption


class OfferType(StrEnum):
    """How an offer prices a kWh (DESIGN.md §4.0)."""

    BASE = "BASE"
    HC_HP = "HC_HP"
    TEMPO = "TEMPO"
    WEEKEND = "WEEKEND"
    HC_NUIT_WEEKEND = "HC_NUIT_WEEKEND"
    SEASONAL = "SEASONAL"
    EJP = "EJP"


#: Every energy price field of a catalogue row, EUR per kWh incl. taxes.
PRICE_FIELDS: tuple[str, ...] = (
    "base_price",
    "hc_price",
    "hp_price",
    "base_price_weekend",
    "hc_price_weekend",
    "hp_price_weekend",
    "tempo_blue_hc",
    "tempo_blue_hp",
    "tempo_white_hc",
    "tempo_white_hp",
    "tempo_red_hc",
    "tempo_red_hp",
    "ejp_normal",
    "ejp_peak",
    "hc_price_winter",
    "hp_price_winter",
    "hc_price_summer",
    "hp_price_summer",
    "peak_day_price",
)

#: Prices an offer type cannot be priced without (WEEKEND also accepts a Base variant).
REQUIRED_PRICES: dict[OfferType, tuple[str, ...]] = {
    OfferType.BASE: ("base_price",),
    OfferType.HC_HP: ("hc_price", "hp_price"),
    OfferType.TEMPO: (
        "tempo_blue_hc",
        "tempo_blue_hp",
        "tempo_white_hc",
        "tempo_white_hp",
        "tempo_red_hc",
        "tempo_red_hp",
    ),
    OfferType.WEEKEND: ("hc_price", "hp_price", "hc_price_weekend", "hp_price_weekend"),
    OfferType.HC_NUIT_WEEKEND: ("hc_price", "hp_price"),
    OfferType.SEASONAL: (
        "hc_price_winter",
        "hp_price_winter",
        "hc_price_summer",
        "hp_price_summer",
    ),
    OfferType.EJP: ("ejp_normal", "ejp_peak"),
}
_WEEKEND_BASE_VARIANT = ("base_price", "base_price_weekend")

#: Price field of each slot tag (the keys of a cost breakdown).
TAG_FIELDS: dict[str, str] = {
    "base": "base_price",
    "base_weekend": "base_price_weekend",
    "hc": "hc_price",
    "hp": "hp_price",
    "hc_weekend": "hc_price_weekend",
    "hp_weekend": "hp_price_weekend",
    "bluehc": "tempo_blue_hc",
    "bluehp": "tempo_blue_hp",
    "whitehc": "tempo_white_hc",
    "whitehp": "tempo_white_hp",
    "redhc": "tempo_red_hc",
    "redhp": "tempo_red_hp",
    "winter_hc": "hc_price_winter",
    "winter_hp": "hp_price_winter",
    "summer_hc": "hc_price_summer",
    "summer_hp": "hp_price_summer",
    "peak_day": "peak_day_price",
    "ejp_normal": "ejp_normal",
    "ejp_peak": "ejp_peak",
}

#: Highest energy price accepted, EUR/kWh: the dearest regulated kWh (Tempo red HP) is
#: below 1 EUR; "80" typed for 0.80 EUR (or 80 c) must be refused, not stored.
MAX_KWH_PRICE = 3.0
#: Highest monthly subscription accepted, EUR (36 kVA is about 55 EUR a month; a yearly
#: amount typed by mistake, 185,64 for 6 kVA, is above it).
MAX_SUBSCRIPTION = 100.0
#: kVA a Linky contract can subscribe.
KVA_LEVELS = (3, 6, 9, 12, 15, 18, 24, 30, 36)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_KVA_SUFFIX = re.compile(r"\s*[-–(]?\s*\d+\s*kva\)?\s*$", re.IGNORECASE)


# --------------------------------------------------------------------------- price values


def parse_decimal(value: object, field_name: str) -> Decimal:
    """A number given as a JSON number or a text with a ``.`` or a French ``,`` decimal mark.

    ``"0,80"`` is 0.80; ``"1 234,5"`` (spaces as thousands separators) is 1234.5. Anything
    else (``"0.8.1"``, ``"abc"``, ``True``, ``NaN``) is an :class:`InvalidInput` naming the field.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidInput(field_name, f"{value!r} is not a number: type it like 0,1952")
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(field_name, f"{value!r} is not a finite number")
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        text = text.removesuffix("€").removesuffix("EUR").strip()
        if not _NUMBER.match(text):
            raise InvalidInput(
                field_name, f"{value!r} is not a number: type it like 0,1952 or 0.1952"
            )
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern above already refuses it
            raise InvalidInput(field_name, f"{value!r} is not a number") from None
    else:
        raise InvalidInput(field_name, f"{value!r} is not a number: type it like 0,1952")
    if not number.is_finite():
        raise InvalidInput(field_name, f"{value!r} is not a finite number")
    return number


def parse_kwh_price(value: object, field_name: str) -> float:
    """An energy price in EUR/kWh incl. taxes, between 0 and :data:`MAX_KWH_PRICE`.

    ``80`` for a kWh price is refused with a hint: it reads as 80 EUR/kWh (0,80 was meant, or
    0,0080 for 0.80 c).
    """
    number = parse_decimal(value, field_name)
    if number < 0:
        raise InvalidInput(field_name, f"{number} EUR/kWh is negative: a price is 0 or more")
    if number > Decimal(str(MAX_KWH_PRICE)):
        cents = number / 100
        raise InvalidInput(
            field_name,
            f"{number} EUR/kWh is not a kWh price (the dearest regulated kWh is below 1 EUR): "
            f"type euros per kWh with a decimal mark, e.g. {cents:f} for {number} c€/kWh",
        )
    return float(number)


def parse_subscription(value: object, field_name: str = "subscription_eur_month") -> float:
    """A subscription in EUR per month incl. taxes, between 0 and :data:`MAX_SUBSCRIPTION`."""
    number = parse_decimal(value, field_name)
    if number < 0:
        raise InvalidInput(field_name, f"{number} EUR/month is negative: a price is 0 or more")
    if number > Decimal(str(MAX_SUBSCRIPTION)):
        raise InvalidInput(
            field_name,
            f"{number} EUR/month is not a monthly subscription (36 kVA costs about 55 EUR a "
            "month): type the monthly amount, not the yearly one",
        )
    return float(number)


# --------------------------------------------------------------------------- schedules


@dataclass(frozen=True, slots=True)
class WeekSchedule:
    """Off-peak hours of an offer per weekday (Monday first); ``None`` for a day it leaves out."""

    days: tuple[OffpeakSchedule | None, ...]

    def on(self, day: date) -> OffpeakSchedule | None:
        """Off-peak schedule of a local day."""
        return self.days[day.weekday()]

    def as_json(self) -> dict[str, str]:
        """``{"monday": "22:00-06:00", ...}`` as the catalogue writes it (absent days left out)."""
        return {
            name: schedule.canonical()
            for name, schedule in zip(WEEKDAYS, self.days, strict=True)
            if schedule is not None
        }


_WHOLE_DAY = re.compile(r"^0?0(?:[:hH]00)?\s*-\s*24(?:[:hH]00)?$")


def _day_schedule(text: str) -> OffpeakSchedule:
    """One weekday's ranges; ``00:00-24:00`` is the whole day off-peak (weekend offers)."""
    if _WHOLE_DAY.match(text.strip()):
        return OffpeakSchedule((OffpeakRange(0, 1440),), raw=text.strip())
    return parse_offpeak(text)


def parse_hc_schedules(raw: object, field_name: str = "hc_schedules") -> WeekSchedule | None:
    """``{"monday": "22:30-06:30", ...}`` (a text, or a list of ranges, per weekday) or ``None``."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidInput(field_name, 'expected {"monday": "22:30-06:30", ...} or null')
    days: list[OffpeakSchedule | None] = [None] * 7
    for key, value in raw.items():
        name = str(key).strip().lower()
        if name not in WEEKDAYS:
            raise InvalidInput(
                f"{field_name}.{key}", f"{key!r} is not a weekday: use one of {list(WEEKDAYS)}"
            )
        if value is None:
            continue
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            text = ";".join(value)
        elif isinstance(value, str):
            text = value
        else:
            raise InvalidInput(f"{field_name}.{name}", f"{value!r} is not a range like 22:00-06:00")
        try:
            days[WEEKDAYS.index(name)] = _day_schedule(text)
        except InvalidInput as exc:
            raise InvalidInput(f"{field_name}.{name}", exc.reason) from None
    if all(d is None for d in days):
        return None
    return WeekSchedule(tuple(days))


# --------------------------------------------------------------------------- offers


@dataclass(frozen=True, slots=True)
class Provider:
    """A supplier of the catalogue."""

    id: str
    name: str
    website: str | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    """One catalogue row: an offer at one kVA over ``[valid_from, valid_to)`` (Paris days).

    ``prices`` holds the energy prices the row has (EUR/kWh), keyed by :data:`PRICE_FIELDS`;
    ``power_kva`` ``None`` means the row applies to every subscribed power.
    """

    id: str
    provider_id: str
    name: str
    offer_type: OfferType
    subscription_eur_month: float
    valid_from: date
    valid_to: date | None = None
    power_kva: int | None = None
    prices: Mapping[str, float] = field(default_factory=dict)
    hc_schedules: WeekSchedule | None = None
    offer_url: str | None = None
    is_active: bool = True
    price_updated_at: datetime | None = None
    provider_name: str = ""
    origin: str = "gateway"

    def __post_init__(self) -> None:
        unknown = set(self.prices) - set(PRICE_FIELDS)
        if unknown:
            raise InvalidInput(sorted(unknown)[0], f"is not a price field: use {PRICE_FIELDS}")
        missing = self.missing_prices()
        if missing:
            raise InvalidInput(
                missing[0],
                f"a {self.offer_type.value} offer needs {', '.join(missing)} (EUR/kWh)",
            )
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise InvalidInput(
                "valid_to", f"{self.valid_to} is not after valid_from {self.valid_from}"
            )

    def missing_prices(self) -> list[str]:
        """Required price fields this row lacks (empty when it can be priced)."""
        if self.offer_type is OfferType.WEEKEND and all(
            f in self.prices for f in _WEEKEND_BASE_VARIANT
        ):
            return []
        return [f for f in REQUIRED_PRICES[self.offer_type] if f not in self.prices]

    def valid_on(self, day: date) -> bool:
        """True when the row's prices are in force on the local day ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def fits(self, kva: float | None) -> bool:
        """True when the row applies to a meter of ``kva`` (rows without kVA fit every meter)."""
        if self.power_kva is None:
            return True
        return kva is not None and round(kva) == self.power_kva

    @property
    def family(self) -> tuple[str, str, str]:
        """What the rows of one offer over time and kVA share: supplier, type, bare name."""
        return (self.provider_id, self.offer_type.value, bare_name(self.name))

    @property
    def weekend_split(self) -> bool:
        """True when weekend days have their own prices."""
        if self.offer_type is OfferType.WEEKEND:
            return True
        if self.offer_type is OfferType.BASE:
            return "base_price_weekend" in self.prices
        if self.offer_type is OfferType.HC_HP:
            return "hc_price_weekend" in self.prices or "hp_price_weekend" in self.prices
        return False

    @property
    def has_peak_days(self) -> bool:
        """True when some days are priced by a peak-day calendar (EJP, SEASONAL with peak)."""
        return self.offer_type is OfferType.EJP or (
            self.offer_type is OfferType.SEASONAL and "peak_day_price" in self.prices
        )

    def price_of(self, tag: str) -> float:
        """EUR/kWh of a slot tag (``hc``, ``redhp``, ``winter_hc``...).

        A weekend tag without its own price falls back to the weekday price, as the gateway's
        HC/HP calculator does.
        """
        name = TAG_FIELDS.get(tag)
        if name is None:
            raise InvalidInput("tag", f"{tag!r} is not a slot tag: use one of {list(TAG_FIELDS)}")
        if name in self.prices:
            return self.prices[name]
        if tag.endswith("_weekend"):
            return self.price_of(tag.removesuffix("_weekend"))
        raise InvalidInput(name, f"offer {self.id} has no {name}")


def bare_name(name: str) -> str:
    """An offer name without its kVA suffix (``Tarif Bleu 6 kVA`` -> ``Tarif Bleu``)."""
    return _KVA_SUFFIX.sub("", name).strip()


@dataclass(frozen=True, slots=True)
class Period:
    """Local days ``first`` to ``last`` (inclusive) priced by one row of an offer."""

    first: date
    last: date
    offer: Offer


class Catalogue:
    """Every row of the catalogue, with the lookups pricing needs."""

    def __init__(self, offers: Iterable[Offer], providers: Iterable[Provider] = ()) -> None:
        self.offers: tuple[Offer, ...] = tuple(offers)
        self.providers: dict[str, Provider] = {p.id: p for p in providers}
        self._by_id = {o.id: o for o in self.offers}
        self._families: dict[tuple[str, str, str], list[Offer]] = {}
        for offer in self.offers:
            self._families.setdefault(offer.family, []).append(offer)
        for rows in self._families.values():
            rows.sort(key=lambda o: (o.valid_from, o.power_kva or 0))

    def __len__(self) -> int:
        return len(self.offers)

    def get(self, offer_id: str) -> Offer | None:
        """The row with this id."""
        return self._by_id.get(offer_id)

    def provider_name(self, offer: Offer) -> str:
        """Name of the offer's supplier."""
        provider = self.providers.get(offer.provider_id)
        return provider.name if provider else offer.provider_name

    def versions(self, offer: Offer, kva: float | None) -> list[Offer]:
        """Rows of the offer's family that apply to ``kva``, oldest first."""
        return [o for o in self._families.get(offer.family, [offer]) if o.fits(kva)]

    def version_on(self, offer: Offer, kva: float | None, day: date) -> Offer | None:
        """The row of the offer's family in force on ``day`` for ``kva`` (``None``: none)."""
        rows = self.versions(offer, kva)
        starts = [o.valid_from for o in rows]
        index = bisect_right(starts, day) - 1
        while index >= 0:
            if rows[index].valid_on(day):
                return rows[index]
            index -= 1
        return None

    def timeline(self, offer: Offer, kva: float | None, first: date, last: date) -> list[Period]:
        """The rows pricing each day of ``first..last`` (days no row covers are left out)."""
        periods: list[Period] = []
        for row in self.versions(offer, kva):
            start = max(first, row.valid_from)
            end = min(last, (row.valid_to or date.max) - timedelta(days=1))
            if start <= end:
                periods.append(Period(start, end, row))
        periods.sort(key=lambda p: p.first)
        # Overlapping rows (a catalogue error): the newer row wins from its first day.
        merged: list[Period] = []
        for period in periods:
            if merged and period.first <= merged[-1].last:
                previous = merged.pop()
                if previous.first < period.first:
                    merged.append(Period(previous.first, period.first - timedelta(days=1),
                                         previous.offer))  # fmt: skip
            merged.append(period)
        return merged

    def current(
        self,
        kva: float | None,
        on: date,
        *,
        offer_type: OfferType | None = None,
    ) -> list[Offer]:
        """One row per offer family in force on ``on`` for ``kva`` (active rows only)."""
        seen: dict[tuple[str, str, str], Offer] = {}
        for offer in self.offers:
            if not offer.is_active or not offer.valid_on(on) or not offer.fits(kva):
                continue
            if offer_type is not None and offer.offer_type is not offer_type:
                continue
            known = seen.get(offer.family)
            # A row for the exact kVA beats a row for every kVA; a newer row beats an older.
            rank = (offer.power_kva is not None, offer.valid_from)
            if known is None or rank > (known.power_kva is not None, known.valid_from):
                seen[offer.family] = offer
        return sorted(seen.values(), key=lambda o: (o.provider_name, o.name, o.id))


# --------------------------------------------------------------------------- personal prices

#: Provider id of the user's own prices.
PERSONAL_PROVIDER = "personal"
#: Prefix of the offer id that names the user's own prices of one type: ``personal:HC_HP``.
PERSONAL_PREFIX = "personal:"
#: Price fields an offer type may carry besides its required ones.
OPTIONAL_PRICES: dict[OfferType, tuple[str, ...]] = {
    OfferType.BASE: ("base_price_weekend",),
    OfferType.HC_HP: ("hc_price_weekend", "hp_price_weekend"),
    OfferType.TEMPO: (),
    OfferType.WEEKEND: _WEEKEND_BASE_VARIANT,
    OfferType.HC_NUIT_WEEKEND: (),
    OfferType.SEASONAL: ("peak_day_price",),
    OfferType.EJP: (),
}


@dataclass(frozen=True, slots=True)
class PersonalPrices:
    """One dated version of the user's own prices for one offer type."""

    offer_type: OfferType
    valid_from: date
    subscription_eur_month: float
    prices: Mapping[str, float]
    hc_schedules: WeekSchedule | None = None


def personal_offer_id(offer_type: OfferType) -> str:
    """The id that selects the user's own prices of ``offer_type`` as a meter's offer."""
    return f"{PERSONAL_PREFIX}{offer_type.value}"


def personal_prices_from(body: Mapping[str, object]) -> PersonalPrices:
    """Validate user input; every error names its field (``prices.hp_price``...).

    Prices may be JSON numbers or texts with a French decimal comma (``"0,80"``).
    """
    allowed = {"offer_type", "valid_from", "subscription_eur_month", "prices", "hc_schedules"}
    for key in body:
        if key not in allowed:
            raise InvalidInput(str(key), f"is not a field here: use {sorted(allowed)}")
    kind = body.get("offer_type")
    try:
        offer_type = OfferType(str(kind))
    except ValueError:
        raise InvalidInput(
            "offer_type",
            f"{kind!r} is not an offer type: use one of {[t.value for t in OfferType]}",
        ) from None
    raw_day = body.get("valid_from")
    try:
        if not isinstance(raw_day, str):
            raise ValueError
        valid_from = date.fromisoformat(raw_day.strip())
    except ValueError:
        raise InvalidInput(
            "valid_from", f"{raw_day!r} is not a date: use YYYY-MM-DD, e.g. 2025-08-01"
        ) from None
    if not date(1970, 1, 1) <= valid_from <= date(2100, 12, 31):
        raise InvalidInput("valid_from", f"{valid_from} is out of range (1970-01-01..2100-12-31)")
    subscription = parse_subscription(body.get("subscription_eur_month"))
    raw_prices = body.get("prices")
    if not isinstance(raw_prices, Mapping):
        raise InvalidInput("prices", 'expected an object such as {"base_price": "0,1952"}')
    usable = REQUIRED_PRICES[offer_type] + OPTIONAL_PRICES[offer_type]
    prices: dict[str, float] = {}
    for key, value in raw_prices.items():
        name = str(key)
        if name not in usable:
            raise InvalidInput(
                f"prices.{name}",
                f"is not a price of a {offer_type.value} offer: use {list(usable)}",
            )
        if value is None or value == "":
            continue
        prices[name] = parse_kwh_price(value, f"prices.{name}")
    required = REQUIRED_PRICES[offer_type]
    if offer_type is OfferType.WEEKEND and all(f in prices for f in _WEEKEND_BASE_VARIANT):
        required = ()
    for name in required:
        if name not in prices:
            raise InvalidInput(
                f"prices.{name}", f"a {offer_type.value} offer needs {name} (EUR/kWh)"
            )
    return PersonalPrices(
        offer_type,
        valid_from,
        subscription,
        prices,
        parse_hc_schedules(body.get("hc_schedules")),
    )


def personal_offers(versions: Iterable[PersonalPrices]) -> list[Offer]:
    """The user's dated prices as catalogue rows, each closed by the next version of its type."""
    by_type: dict[OfferType, list[PersonalPrices]] = {}
    for version in versions:
        by_type.setdefault(version.offer_type, []).append(version)
    rows: list[Offer] = []
    for offer_type, items in by_type.items():
        items.sort(key=lambda v: v.valid_from)
        for version, following in zip(items, [*items[1:], None], strict=True):
            rows.append(
                Offer(
                    id=f"{personal_offer_id(offer_type)}:{version.valid_from.isoformat()}",
                    provider_id=PERSONAL_PROVIDER,
                    name=f"Personal prices ({offer_type.value})",
                    offer_type=offer_type,
                    subscription_eur_month=version.subscription_eur_month,
                    valid_from=version.valid_from,
                    valid_to=following.valid_from if following else None,
                    prices=dict(version.prices),
                    hc_schedules=version.hc_schedules,
                    provider_name="",
                    origin="personal",
                )
            )
    return rows


def checked_tariff_body(body: Mapping[str, object]) -> dict[str, object]:
    """The fields of a ``TariffPrices`` input with every price checked like an offer's price
    (French decimal commas accepted, ``80`` for a kWh price refused); other fields untouched."""
    checked: dict[str, object] = {}
    for key, value in body.items():
        if key == "subscription_eur_month":
            checked[key] = parse_subscription(value, key)
        elif key.endswith("_eur_kwh") and not (
            key == "production_resale_eur_kwh" and value is None
        ):
            checked[key] = parse_kwh_price(value, key)
        else:
            checked[key] = value
    return checked


# --------------------------------------------------------------------------- default prices

#: Provider id of :func:`default_offer`.
DEFAULT_PROVIDER = "default"
#: The offer type the single prices saved before offers existed stood for, per contract option
#: (the former cost model priced HC + week-end as HC/HP and EJP as Base).
_OPTION_TYPE = {
    PricingOption.BASE: OfferType.BASE,
    PricingOption.HC_HP: OfferType.HC_HP,
    PricingOption.HC_WEEKEND: OfferType.HC_HP,
    PricingOption.TEMPO: OfferType.TEMPO,
    PricingOption.EJP: OfferType.BASE,
}


def default_offer(prices: TariffPrices, option: PricingOption | None) -> Offer:
    """The single prices of the former price form (or their defaults, EDF's Tarif Bleu of
    1 August 2025), for every date and power, as an offer of the contract's option: what prices
    a PDL until an offer is chosen for it."""
    kind = _OPTION_TYPE.get(option, OfferType.BASE) if option is not None else OfferType.BASE
    fields = {
        OfferType.BASE: {"base_price": prices.base_eur_kwh},
        OfferType.HC_HP: {"hc_price": prices.hc_eur_kwh, "hp_price": prices.hp_eur_kwh},
        OfferType.TEMPO: {
            "tempo_blue_hc": prices.tempo_blue_hc_eur_kwh,
            "tempo_blue_hp": prices.tempo_blue_hp_eur_kwh,
            "tempo_white_hc": prices.tempo_white_hc_eur_kwh,
            "tempo_white_hp": prices.tempo_white_hp_eur_kwh,
            "tempo_red_hc": prices.tempo_red_hc_eur_kwh,
            "tempo_red_hp": prices.tempo_red_hp_eur_kwh,
        },
    }
    return Offer(
        id=f"{DEFAULT_PROVIDER}:{kind.value}",
        provider_id=DEFAULT_PROVIDER,
        name=f"Default prices ({kind.value})",
        offer_type=kind,
        subscription_eur_month=prices.subscription_eur_month,
        valid_from=date(1970, 1, 1),
        prices=fields[kind],
        origin=DEFAULT_PROVIDER,
    )
