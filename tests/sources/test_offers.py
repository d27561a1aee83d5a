"""The offers catalogue client against the fake gateway routes, and the demo catalogue."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from myelectricaldata.domain.offers import OfferType
from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.sources.demo_offers import demo_catalogue, demo_rows
from myelectricaldata.sources.offers import (
    OffersClient,
    OffersUnavailable,
    parse_catalogue,
    parse_offer,
)
from myelectricaldata.support.retry import Backoff
from tests.fakes.offers import FakeOffers, fake_offers, market_row


@pytest.fixture
def fake() -> Iterator[FakeOffers]:
    with fake_offers() as served:
        yield served


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def client(fake: FakeOffers, sleeps: Sleeps | None = None) -> OffersClient:
    return OffersClient(
        fake.url,
        policy=Backoff(attempts=3, base=0.01, cap=0.05, longest_wait=5),
        sleep=sleeps or Sleeps(),
        timeout=5,
    )


# --------------------------------------------------------------------------- over HTTP


async def test_catalogue_is_read_with_history_and_without_credentials(fake: FakeOffers) -> None:
    async with client(fake) as source:
        parsed = await source.fetch()
    paths = [(path, params) for path, params, _ in fake.calls]
    assert paths == [
        ("/api/energy/providers", {}),
        ("/api/energy/offers", {"include_history": "true"}),
    ]
    assert all("authorization" not in headers for _, _, headers in fake.calls)
    assert parsed.rejected == ()
    assert len(parsed.catalogue) == len(fake.rows)
    assert {p.name for p in parsed.catalogue.providers.values()} == {"EDF", "Fournisseur Test"}
    types = {o.offer_type for o in parsed.catalogue.offers}
    assert types == set(OfferType)  # every offer type of §4.0 is parsed


async def test_rows_read_decimal_strings_paris_days_and_exclusive_valid_to(
    fake: FakeOffers,
) -> None:
    fake.rows = [
        market_row(
            id="a",
            name="Offre A - 9 kVA",
            power_kva=9,
            subscription_price="19.39000",
            base_price="0.19520",
            # Stored as Paris midnight in UTC: the Paris day is 1 August.
            valid_from="2025-07-31T22:00:00+00:00",
            valid_to="2026-02-01T00:00:00+00:00",
        )
    ]
    async with client(fake) as source:
        parsed = await source.fetch()
    (offer,) = parsed.catalogue.offers
    assert offer.prices == {"base_price": 0.1952}
    assert offer.subscription_eur_month == 19.39
    assert (offer.valid_from, offer.valid_to) == (date(2025, 8, 1), date(2026, 2, 1))
    assert offer.valid_on(date(2026, 1, 31)) and not offer.valid_on(date(2026, 2, 1))
    assert offer.provider_name == "Fournisseur Test"
    assert offer.family == ("prov-market", "BASE", "Offre A")


async def test_rows_that_cannot_be_priced_are_listed_with_the_field(fake: FakeOffers) -> None:
    fake.rows = [
        market_row(id="ok", base_price="0.20000"),
        market_row(id="flex", offer_type="ZEN_FLEX", base_price="0.20000"),
        market_row(id="cents", base_price="80.00000"),
        market_row(id="half", offer_type="HC_HP", hc_price="0.16000"),
        market_row(id="sub", base_price="0.2", subscription_price="abc"),
        market_row(
            id="hours",
            offer_type="HC_HP",
            hc_price="0.1",
            hp_price="0.2",
            hc_schedules={"lundi": "22:00-06:00"},
        ),
    ]
    async with client(fake) as source:
        parsed = await source.fetch()
    assert [o.id for o in parsed.catalogue.offers] == ["ok"]
    assert {(r.offer_id, r.field) for r in parsed.rejected} == {
        ("flex", "offer_type"),
        ("cents", "base_price"),
        ("half", "hp_price"),
        ("sub", "subscription_price"),
        ("hours", "hc_schedules.lundi"),
    }


async def test_server_errors_are_retried_honouring_retry_after(fake: FakeOffers) -> None:
    sleeps = Sleeps()
    fake.fail_next(1, "503", **{"Retry-After": "2"})
    fake.fail_next(1, "malformed")
    async with client(fake, sleeps) as source:
        parsed = await source.fetch()
    assert len(parsed.catalogue) == len(fake.rows)
    assert sleeps.delays[0] == 2.0
    assert len(sleeps.delays) == 2


async def test_a_refusal_or_spent_retries_keep_the_stored_catalogue(fake: FakeOffers) -> None:
    fake.fail_next(1, "refused")
    async with client(fake) as source:
        with pytest.raises(OffersUnavailable, match="INTERNAL_ERROR"):
            await source.fetch()
    fake.fail_next(3, "429")
    async with client(fake) as source:
        with pytest.raises(OffersUnavailable, match="HTTP 429"):
            await source.fetch()


async def test_the_fake_answers_like_the_gateway(fake: FakeOffers) -> None:
    async with httpx.AsyncClient(base_url=fake.url) as http:
        bad = await http.get("/energy/offers", params={"include_history": "maybe"})
        current = await http.get("/energy/offers")
        missing = await http.get("/energy/nothing")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "include_history"]
    rows = current.json()["data"]
    assert rows and all(r["valid_to"] is None for r in rows)  # history left out by default
    assert missing.status_code == 404
    body = current.json()
    assert body["success"] is True and body["error"] is None
    assert "+" not in body["timestamp"]  # naive UTC, as datetime.utcnow() gives


# --------------------------------------------------------------------------- demo catalogue

#: Figures copied by hand from the sources named in sources/demo_offers.py, independent of
#: its tables: (type, kVA, valid_from) -> (EUR/month, {price field: EUR/kWh}).
PUBLISHED = {
    ("BASE", 6, date(2023, 8, 1)): (12.44, {"base_price": 0.2276}),
    ("HC_HP", 9, date(2024, 2, 1)): (16.70, {"hc_price": 0.2068, "hp_price": 0.2700}),
    ("TEMPO", 12, date(2023, 8, 1)): (19.29, {"tempo_red_hp": 0.7324, "tempo_blue_hc": 0.1056}),
    ("TEMPO", 6, date(2025, 2, 1)): (13.97, {"tempo_white_hp": 0.1792, "tempo_red_hc": 0.1518}),
    ("BASE", 9, date(2026, 2, 1)): (19.56, {"base_price": 0.1927}),
    ("BASE", 6, date(2026, 2, 1)): (15.65, {"base_price": 0.1940}),
    ("HC_HP", 12, date(2026, 8, 1)): (23.76, {"hc_price": 0.1589, "hp_price": 0.2142}),
    ("TEMPO", 9, date(2026, 2, 1)): (19.38, {"tempo_blue_hp": 0.1612, "tempo_red_hp": 0.7060}),
}


def test_demo_catalogue_holds_the_published_regulated_prices() -> None:
    catalogue = demo_catalogue()
    found = {(o.offer_type.value, o.power_kva, o.valid_from): o for o in catalogue.offers}
    for key, (subscription, prices) in PUBLISHED.items():
        offer = found[key]
        assert offer.subscription_eur_month == subscription, key
        for name, value in prices.items():
            assert offer.prices[name] == value, (key, name)


def test_demo_august_2025_grid_is_the_tariff_defaults_of_the_settings() -> None:
    defaults = TariffPrices()
    by_type = {
        o.offer_type: o
        for o in demo_catalogue().offers
        if o.power_kva == 6 and o.valid_from == date(2025, 8, 1)
    }
    assert by_type[OfferType.BASE].prices["base_price"] == defaults.base_eur_kwh
    assert by_type[OfferType.BASE].subscription_eur_month == defaults.subscription_eur_month
    assert by_type[OfferType.HC_HP].prices == {
        "hc_price": defaults.hc_eur_kwh,
        "hp_price": defaults.hp_eur_kwh,
    }
    assert by_type[OfferType.TEMPO].prices["tempo_red_hp"] == defaults.tempo_red_hp_eur_kwh


def test_demo_periods_follow_each_other_without_gap_or_overlap() -> None:
    catalogue = demo_catalogue()
    for offer_type in (OfferType.BASE, OfferType.HC_HP, OfferType.TEMPO):
        for kva in (6, 9, 12):
            rows = sorted(
                (o for o in catalogue.offers if o.offer_type is offer_type and o.power_kva == kva),
                key=lambda o: o.valid_from,
            )
            assert rows[0].valid_from == date(2023, 8, 1)
            for older, newer in itertools.pairwise(rows):
                assert older.valid_to == newer.valid_from
            assert rows[-1].valid_to is None
            # Every day since August 2023 has exactly one row.
            day = date(2023, 8, 1)
            while day <= date(2026, 12, 31):
                assert sum(o.valid_on(day) for o in rows) == 1, (offer_type, kva, day)
                day += timedelta(days=31)


def test_demo_rows_have_the_gateway_row_shape() -> None:
    keys = set(market_row())
    for row in demo_rows():
        assert set(row) == keys
        assert isinstance(row["subscription_price"], str) and "." in row["subscription_price"]
        assert len(row["subscription_price"].split(".")[1]) == 5
    parsed = parse_catalogue(demo_rows())
    assert parsed.rejected == ()


def test_a_row_of_another_shape_names_the_field() -> None:
    from myelectricaldata.domain.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        parse_offer(market_row(base_price="0.2", power_kva="6"))
    assert caught.value.field == "power_kva"
    with pytest.raises(InvalidInput) as caught:
        parse_offer(market_row(base_price="0.2", is_active="yes"))
    assert caught.value.field == "is_active"
    with pytest.raises(InvalidInput) as caught:
        parse_offer(market_row(base_price="0.2", valid_from="01/08/2025"))
    assert caught.value.field == "valid_from"
