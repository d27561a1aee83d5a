"""Offers: price validation, schedules, and the catalogue's dated lookups by day and kVA."""

from __future__ import annotations

from datetime import date

import pytest

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offers import (
    Catalogue,
    Offer,
    OfferType,
    bare_name,
    parse_hc_schedules,
    parse_kwh_price,
    parse_subscription,
    personal_offers,
    personal_prices_from,
)


def field_of(call: object, *args: object) -> str:
    with pytest.raises(InvalidInput) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.field


# --------------------------------------------------------------------------- prices


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0,80", 0.80),
        ("0.80", 0.80),
        (" 0,1952 ", 0.1952),
        ("0,1952 €", 0.1952),
        (",5", 0.5),
        (0.2081, 0.2081),
        (0, 0.0),
        ("0", 0.0),
    ],
)
def test_kwh_prices_accept_french_decimal_commas(typed: object, expected: float) -> None:
    assert parse_kwh_price(typed, "hp_price") == expected


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("80", "not a kWh price"),
        (80, "not a kWh price"),
        ("19,52", "not a kWh price"),
        ("-0,1", "negative"),
        ("0,1,2", "not a number"),
        ("0.19.52", "not a number"),
        ("abc", "not a number"),
        ("", "not a number"),
        (None, "not a number"),
        (True, "not a number"),
        (float("nan"), "finite"),
        ("NaN", "not a number"),
        ([0.2], "not a number"),
    ],
)
def test_bad_kwh_prices_are_refused_naming_the_field(typed: object, hint: str) -> None:
    with pytest.raises(InvalidInput, match=hint) as caught:
        parse_kwh_price(typed, "prices.tempo_red_hp")
    assert caught.value.field == "prices.tempo_red_hp"


def test_eighty_for_a_kwh_price_suggests_the_euro_amount() -> None:
    with pytest.raises(InvalidInput, match=r"e\.g\. 0\.8 for 80 c€/kWh"):
        parse_kwh_price("80", "hp_price")


def test_subscriptions_are_monthly_euros() -> None:
    assert parse_subscription("15,47") == 15.47
    assert parse_subscription("54,29") == 54.29
    with pytest.raises(InvalidInput, match="yearly") as caught:
        parse_subscription("1 856,40")  # a yearly amount typed with a thousands separator
    assert caught.value.field == "subscription_eur_month"
    assert field_of(parse_subscription, "-1") == "subscription_eur_month"


# --------------------------------------------------------------------------- schedules


def test_hc_schedules_per_weekday() -> None:
    week = parse_hc_schedules(
        {"monday": "22:30-06:30", "saturday": ["00:00-07:00", "13:00-16:00"], "sunday": None}
    )
    assert week is not None
    assert week.on(date(2025, 3, 3)).canonical() == "22:30-06:30"  # a Monday
    assert week.on(date(2025, 3, 8)).canonical() == "00:00-07:00;13:00-16:00"  # a Saturday
    assert week.on(date(2025, 3, 9)) is None  # Sunday left out: the meter's hours apply
    assert week.as_json() == {"monday": "22:30-06:30", "saturday": "00:00-07:00;13:00-16:00"}
    assert parse_hc_schedules(None) is None
    assert parse_hc_schedules({}) is None


def test_bad_hc_schedules_name_the_day() -> None:
    assert field_of(parse_hc_schedules, {"lundi": "22:00-06:00"}) == "hc_schedules.lundi"
    assert field_of(parse_hc_schedules, {"monday": "25:00-06:00"}) == "hc_schedules.monday"
    assert field_of(parse_hc_schedules, {"monday": 22}) == "hc_schedules.monday"
    assert field_of(parse_hc_schedules, "22:00-06:00") == "hc_schedules"


# --------------------------------------------------------------------------- offers


def row(
    offer_id: str,
    valid_from: date,
    valid_to: date | None,
    kva: int | None,
    price: float,
    *,
    name: str = "Tarif",
    offer_type: OfferType = OfferType.BASE,
    subscription: float = 10.0,
) -> Offer:
    prices = (
        {"base_price": price}
        if offer_type is OfferType.BASE
        else {"hc_price": price, "hp_price": price + 0.05}
    )
    return Offer(offer_id, "p", name, offer_type, subscription, valid_from, valid_to, kva, prices)


def test_an_offer_needs_the_prices_of_its_type() -> None:
    with pytest.raises(InvalidInput, match="needs hp_price") as caught:
        Offer("x", "p", "n", OfferType.HC_HP, 10, date(2025, 1, 1), prices={"hc_price": 0.1})
    assert caught.value.field == "hp_price"
    with pytest.raises(InvalidInput) as caught:
        Offer(
            "x",
            "p",
            "n",
            OfferType.BASE,
            10,
            date(2025, 1, 1),
            date(2025, 1, 1),
            prices={"base_price": 0.1},
        )
    assert caught.value.field == "valid_to"
    weekend_base = Offer(
        "w",
        "p",
        "n",
        OfferType.WEEKEND,
        10,
        date(2025, 1, 1),
        prices={"base_price": 0.2, "base_price_weekend": 0.15},
    )
    assert weekend_base.missing_prices() == []


def test_each_day_finds_the_row_in_force_for_the_meter_kva() -> None:
    rows = [
        row("a6", date(2024, 2, 1), date(2025, 2, 1), 6, 0.2516, name="Tarif - 6 kVA"),
        row("a9", date(2024, 2, 1), date(2025, 2, 1), 9, 0.2516, subscription=15.79),
        row("b6", date(2025, 2, 1), None, 6, 0.2016, name="Tarif 6 kVA"),
        row("b9", date(2025, 2, 1), None, 9, 0.2016, subscription=17.27),
    ]
    catalogue = Catalogue(rows)
    assert bare_name("Tarif - 6 kVA") == bare_name("Tarif 6 kVA") == "Tarif"
    first = catalogue.get("a6")
    assert first is not None
    assert catalogue.version_on(first, 6.0, date(2025, 1, 31)).id == "a6"  # type: ignore[union-attr]
    assert catalogue.version_on(first, 6.0, date(2025, 2, 1)).id == "b6"  # type: ignore[union-attr]
    assert catalogue.version_on(first, 9.0, date(2025, 2, 1)).id == "b9"  # type: ignore[union-attr]
    assert catalogue.version_on(first, 6.0, date(2024, 1, 31)) is None
    periods = catalogue.timeline(first, 9.0, date(2025, 1, 30), date(2025, 2, 2))
    assert [(p.first, p.last, p.offer.id) for p in periods] == [
        (date(2025, 1, 30), date(2025, 1, 31), "a9"),
        (date(2025, 2, 1), date(2025, 2, 2), "b9"),
    ]
    assert [o.id for o in catalogue.current(9.0, date(2025, 6, 1))] == ["b9"]
    assert [o.id for o in catalogue.current(12.0, date(2025, 6, 1))] == []


def test_a_row_for_every_kva_fits_any_meter_and_loses_to_an_exact_one() -> None:
    catalogue = Catalogue(
        [row("any", date(2025, 1, 1), None, None, 0.2), row("six", date(2025, 1, 1), None, 6, 0.19)]
    )
    assert [o.id for o in catalogue.current(6.0, date(2025, 6, 1))] == ["six"]
    assert [o.id for o in catalogue.current(12.0, date(2025, 6, 1))] == ["any"]
    assert [o.id for o in catalogue.current(None, date(2025, 6, 1))] == ["any"]


# --------------------------------------------------------------------------- personal prices


def test_personal_prices_accept_french_input() -> None:
    version = personal_prices_from(
        {
            "offer_type": "TEMPO",
            "valid_from": "2025-08-01",
            "subscription_eur_month": "15,50",
            "prices": {
                "tempo_blue_hc": "0,1232",
                "tempo_blue_hp": "0,1494",
                "tempo_white_hc": "0,1391",
                "tempo_white_hp": "0,1730",
                "tempo_red_hc": "0,1460",
                "tempo_red_hp": "0,80",
            },
        }
    )
    assert version.prices["tempo_red_hp"] == 0.80
    assert version.subscription_eur_month == 15.5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "offer_type": "BASE",
                "valid_from": "2025-08-01",
                "subscription_eur_month": "15",
                "prices": {"base_price": "80"},
            },
            "prices.base_price",
        ),
        (
            {
                "offer_type": "HC_HP",
                "valid_from": "2025-08-01",
                "subscription_eur_month": "15",
                "prices": {"hc_price": "0,16"},
            },
            "prices.hp_price",
        ),
        (
            {
                "offer_type": "BASE",
                "valid_from": "2025-08-01",
                "subscription_eur_month": "15",
                "prices": {"base_price": "0,2", "tempo_red_hp": "0,6"},
            },
            "prices.tempo_red_hp",
        ),
        (
            {
                "offer_type": "BASE",
                "valid_from": "01/08/2025",
                "subscription_eur_month": "15",
                "prices": {"base_price": "0,2"},
            },
            "valid_from",
        ),
        (
            {
                "offer_type": "GREEN",
                "valid_from": "2025-08-01",
                "subscription_eur_month": "15",
                "prices": {"base_price": "0,2"},
            },
            "offer_type",
        ),
        (
            {
                "offer_type": "BASE",
                "valid_from": "2025-08-01",
                "subscription_eur_month": "185,64",
                "prices": {"base_price": "0,2"},
            },
            "subscription_eur_month",
        ),
        (
            {
                "offer_type": "BASE",
                "valid_from": "2025-08-01",
                "subscription_eur_month": "15",
                "prices": {"base_price": "0,2"},
                "colour": "x",
            },
            "colour",
        ),
        (
            {
                "offer_type": "BASE",
                "valid_from": "2025-08-01",
                "subscription_eur_month": "15",
                "prices": "0,2",
            },
            "prices",
        ),
    ],
)
def test_bad_personal_prices_name_the_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        personal_prices_from(body)
    assert caught.value.field == field


def test_personal_versions_close_each_other() -> None:
    def version(day: str, price: str) -> object:
        return personal_prices_from(
            {
                "offer_type": "BASE",
                "valid_from": day,
                "subscription_eur_month": "15",
                "prices": {"base_price": price},
            }
        )

    rows = personal_offers([version("2025-08-01", "0,1952"), version("2024-02-01", "0,2516")])  # type: ignore[list-item]
    assert [(o.valid_from, o.valid_to, o.prices["base_price"]) for o in rows] == [
        (date(2024, 2, 1), date(2025, 8, 1), 0.2516),
        (date(2025, 8, 1), None, 0.1952),
    ]
    assert rows[0].family == rows[1].family
    assert {o.origin for o in rows} == {"personal"}
