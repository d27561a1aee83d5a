"""How the pages name an offer, write its prices and refuse a typed price, in French or
English."""

from __future__ import annotations

from decimal import Decimal

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offers import (
    DEFAULT_PROVIDER,
    MAX_KWH_PRICE,
    MAX_SUBSCRIPTION,
    PRICE_FIELDS,
    TAG_FIELDS,
    Offer,
    parse_decimal,
)
from myelectricaldata.store.pricing import Pricing
from myelectricaldata.ui import i18n
from myelectricaldata.ui.data import OFFER_TAGS

#: The slot tag of each price field (``tempo_red_hp`` -> ``redhp``), to label a price.
FIELD_TAGS: dict[str, str] = {field: tag for tag, field in TAG_FIELDS.items()}


def type_label(lang: str, offer: Offer) -> str:
    """The offer type in words (``Heures creuses``, ``Tempo``...)."""
    return i18n.code_label(lang, "otype", offer.offer_type)


def offer_name(lang: str, offer: Offer, provider: str = "") -> str:
    """``EDF — Tarif Bleu - Tempo``; your own prices and the default ones in words."""
    if offer.origin == "personal":
        return i18n.text(lang, "offer.personal", type=type_label(lang, offer))
    if offer.origin == DEFAULT_PROVIDER:
        return i18n.text(lang, "offer.default", type=type_label(lang, offer))
    supplier = provider or offer.provider_name
    return f"{supplier} — {offer.name}" if supplier else offer.name


def kwh_price(lang: str, value: float) -> str:
    """A kWh price to the 1/10 000 of a euro: ``0,1952 €/kWh``."""
    return f"{i18n.number(value, 4, lang)} €/kWh"


def prices_text(lang: str, offer: Offer) -> str:
    """The row's subscription and each of its kWh prices, in the order the pages use."""
    parts = [
        i18n.text(lang, "offer.subscription", eur=i18n.eur(offer.subscription_eur_month, lang))
    ]
    ordered = [TAG_FIELDS[t] for t in OFFER_TAGS[offer.offer_type]]
    ordered += [f for f in PRICE_FIELDS if f not in ordered]
    for field in ordered:
        if field in offer.prices:
            label = i18n.text(lang, f"tag.{FIELD_TAGS[field]}")
            parts.append(f"{label} {kwh_price(lang, offer.prices[field])}")
    return " · ".join(parts)


def kva_text(lang: str, offer: Offer) -> str:
    """``12 kVA``, or "every power" for a row without one."""
    if offer.power_kva is None:
        return i18n.text(lang, "offer.every_kva")
    return f"{offer.power_kva} kVA"


def rows_lines(lang: str, pricing: Pricing) -> list[str]:
    """One line per dated row pricing the period: its days, its name, its kVA and prices."""
    lines = []
    name = offer_name(lang, pricing.offer, pricing.provider)
    for period in pricing.periods:
        lines.append(
            i18n.text(
                lang,
                "offer.row",
                start=i18n.day_text(period.first, lang),
                end=i18n.day_text(period.last, lang),
                name=name,
                kva=kva_text(lang, period.offer),
                prices=prices_text(lang, period.offer),
            )
        )
    return lines


def price_problem(
    lang: str,
    label: str,
    typed: str | None,
    *,
    monthly: bool = False,
    required: bool = False,
    offer_type: str = "",
) -> str | None:
    """Why a price typed in a form is refused, naming its field, or ``None`` when it is fine.

    The checks of the server (:func:`~myelectricaldata.domain.offers.parse_kwh_price` and
    :func:`~myelectricaldata.domain.offers.parse_subscription`), said in the page's language
    before anything is sent: ``0,80`` is 0.80 €; ``80`` for a kWh price is refused.
    """
    raw = (typed or "").strip()
    if not raw:
        if required:
            return i18n.text(lang, "price.required", field=label, type=offer_type)
        return None
    try:
        number = parse_decimal(raw, "price")
    except InvalidInput:
        return i18n.text(lang, "price.not_a_number", field=label, value=raw)
    shown = i18n.number(number, max(0, -int(number.as_tuple().exponent)), lang)
    if number < 0:
        return i18n.text(lang, "price.negative", field=label, value=shown)
    if monthly and number > Decimal(str(MAX_SUBSCRIPTION)):
        return i18n.text(lang, "price.subscription_too_high", field=label, value=shown)
    if not monthly and number > Decimal(str(MAX_KWH_PRICE)):
        cents = (number / 100).normalize()
        hint = i18n.number(cents, max(0, -int(cents.as_tuple().exponent)), lang)
        return i18n.text(lang, "price.kwh_too_high", field=label, value=shown, hint=hint)
    return None
