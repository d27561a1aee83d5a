"""The offers tables on SQLite and a real PostgreSQL: catalogue history, each PDL's offer,
personal dated prices, the at-most-daily refresh, and the migration of manual prices."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from myelectricaldata.domain.offers import (
    Catalogue,
    OfferType,
    parse_hc_schedules,
    personal_prices_from,
)
from myelectricaldata.domain.offpeak import parse_offpeak
from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.domain.types import Origin, PricingOption, UsagePoint
from myelectricaldata.sources.demo_offers import demo_catalogue
from myelectricaldata.sources.offers import OffersUnavailable, ParsedCatalogue
from myelectricaldata.store.db import alembic_config, make_engine, upgrade
from myelectricaldata.store.offers import EVERY_PDL, OfferStore, refresh_catalogue
from myelectricaldata.store.repo import Store

PDL = "12345678901234"
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def test_catalogue_round_trips_and_keeps_rows_the_gateway_drops(store: Store) -> None:
    offers = OfferStore(store)
    catalogue = demo_catalogue()
    hours = parse_hc_schedules({"saturday": "00:00-24:00", "monday": "22:00-06:00"})
    with_hours = dataclasses.replace(catalogue.offers[0], hc_schedules=hours)
    assert (
        offers.save_catalogue(
            Catalogue([with_hours, *catalogue.offers[1:]], catalogue.providers.values()),
            fetched_at=NOW,
        )
        == 51
    )
    loaded = offers.catalogue()
    assert sorted(loaded.offers, key=lambda o: o.id) == sorted(
        [with_hours, *catalogue.offers[1:]], key=lambda o: o.id
    )
    assert offers.fetched_at() == NOW
    # A later fetch without the oldest rows (and with a corrected price) keeps history.
    newer = [o for o in catalogue.offers if o.valid_from >= date(2025, 8, 1)]
    corrected = dataclasses.replace(newer[0], subscription_eur_month=99.0)
    offers.save_catalogue(Catalogue([corrected, *newer[1:]], catalogue.providers.values()))
    again = offers.catalogue()
    assert len(again) == 51
    assert again.get(corrected.id).subscription_eur_month == 99.0  # type: ignore[union-attr]


def test_the_user_choice_wins_over_the_gateway_one(store: Store) -> None:
    offers = OfferStore(store)
    offers.save_catalogue(demo_catalogue())
    assert offers.selection(PDL).offer_id is None
    offers.set_gateway_offer(PDL, "demo-edf-hc_hp-6kva-2025-08-01")
    offers.set_user_offer(PDL, "demo-edf-tempo-6kva-2025-08-01")
    selection = offers.selection(PDL)
    assert selection.gateway_offer_id == "demo-edf-hc_hp-6kva-2025-08-01"
    assert selection.offer_id == "demo-edf-tempo-6kva-2025-08-01"
    catalogue = offers.catalogue_for(PDL)
    # The chosen row is a dated row: the PDL's offer on a day is the row in force that day.
    offer = offers.offer_of(PDL, catalogue, 6.0, date(2026, 3, 1))
    assert offer is not None and offer.id == "demo-edf-tempo-6kva-2026-02-01"
    offers.set_user_offer(PDL, None)
    assert offers.selection(PDL).offer_id == "demo-edf-hc_hp-6kva-2025-08-01"


def test_personal_prices_are_dated_per_pdl_with_a_fallback_for_every_meter(store: Store) -> None:
    offers = OfferStore(store)

    def version(kind: str, day: str, prices: dict[str, str]) -> object:
        return personal_prices_from(
            {
                "offer_type": kind,
                "valid_from": day,
                "subscription_eur_month": "15,47",
                "prices": prices,
            }
        )

    offers.put_personal(EVERY_PDL, version("BASE", "1970-01-01", {"base_price": "0,25"}))  # type: ignore[arg-type]
    offers.put_personal(
        EVERY_PDL,
        version(
            "HC_HP",
            "1970-01-01",  # type: ignore[arg-type]
            {"hc_price": "0,16", "hp_price": "0,21"},
        ),
    )
    offers.put_personal(PDL, version("BASE", "2025-08-01", {"base_price": "0,1952"}))  # type: ignore[arg-type]
    offers.put_personal(PDL, version("BASE", "2024-02-01", {"base_price": "0,2516"}))  # type: ignore[arg-type]
    offers.put_personal(PDL, version("BASE", "2025-08-01", {"base_price": "0,1950"}))  # type: ignore[arg-type]
    versions = offers.personal_versions(PDL)
    assert [(v.offer_type, v.valid_from, v.prices) for v in versions] == [
        (OfferType.BASE, date(2024, 2, 1), {"base_price": 0.2516}),
        (OfferType.BASE, date(2025, 8, 1), {"base_price": 0.195}),
        (OfferType.HC_HP, date(1970, 1, 1), {"hc_price": 0.16, "hp_price": 0.21}),
    ]
    assert [v.offer_type for v in offers.personal_versions("99999999999999")] == [
        OfferType.BASE,
        OfferType.HC_HP,
    ]
    offers.set_user_offer(PDL, "personal:BASE")
    catalogue = offers.catalogue_for(PDL)
    offer = offers.offer_of(PDL, catalogue, 6.0, date(2025, 1, 1))
    assert offer is not None and offer.prices == {"base_price": 0.2516}
    assert offer.valid_to == date(2025, 8, 1)
    assert offers.delete_personal(PDL, OfferType.BASE, date(2024, 2, 1)) is True
    assert offers.delete_personal(PDL, OfferType.BASE, date(2024, 2, 1)) is False


async def test_the_catalogue_is_fetched_at_most_daily_and_a_failure_keeps_it(store: Store) -> None:
    offers = OfferStore(store)
    fetches: list[int] = []

    async def fetch() -> ParsedCatalogue:
        fetches.append(1)
        return ParsedCatalogue(demo_catalogue(), ())

    async def broken() -> ParsedCatalogue:
        raise OffersUnavailable("HTTP 503 (after 4 attempts)")

    first = await refresh_catalogue(offers, fetch, now=NOW)
    assert (first.fetched, first.rows) == (True, 51)
    later = await refresh_catalogue(offers, fetch, now=NOW + timedelta(hours=23))
    assert later.fetched is False and len(fetches) == 1
    failed = await refresh_catalogue(offers, broken, now=NOW + timedelta(days=2))
    assert failed.fetched is False and failed.error is not None and "503" in failed.error
    assert failed.fetched_at == NOW and len(offers.catalogue()) == 51
    # A failure is not tried again on every request: an hour passes first.
    waiting = await refresh_catalogue(offers, fetch, now=NOW + timedelta(days=2, minutes=30))
    assert waiting.fetched is False and "next try after" in (waiting.error or "")
    assert len(fetches) == 1
    retried = await refresh_catalogue(offers, fetch, now=NOW + timedelta(days=2, hours=2))
    assert retried.fetched is True and len(fetches) == 2
    forced = await refresh_catalogue(
        offers, fetch, now=NOW + timedelta(days=2, hours=3), force=True
    )
    assert forced.fetched is True and len(fetches) == 3


def test_migration_turns_saved_manual_prices_into_personal_dated_prices(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0002")
    saved = TariffPrices(
        subscription_eur_month=19.0,
        hc_eur_kwh=0.17,
        tempo_red_hp_eur_kwh=0.8,
        production_resale_eur_kwh=0.04,
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO settings (key, value, secret, updated_at) "
                "VALUES ('tariff.prices', :value, false, '2026-01-01 00:00:00')"
            ),
            {"value": saved.model_dump_json()},
        )
    old = Store(engine)
    old_points = [("11111111111111", PricingOption.TEMPO), ("22222222222222", PricingOption.EJP)]
    for pdl, option in old_points:
        old.upsert_usage_point(
            UsagePoint(pdl, pricing_option=option, offpeak=parse_offpeak("HC (22H00-6H00)")),
            Origin.DEMO,
        )
    upgrade(engine)
    offers = OfferStore(old)
    versions = {v.offer_type: v for v in offers.personal_versions("11111111111111")}
    assert set(versions) == {OfferType.BASE, OfferType.HC_HP, OfferType.TEMPO}
    assert versions[OfferType.HC_HP].prices == {"hc_price": 0.17, "hp_price": 0.2081}
    assert versions[OfferType.TEMPO].prices["tempo_red_hp"] == 0.8
    assert {v.valid_from for v in versions.values()} == {date(1970, 1, 1)}
    assert {v.subscription_eur_month for v in versions.values()} == {19.0}
    assert offers.selection("11111111111111").offer_id == "personal:TEMPO"
    assert offers.selection("22222222222222").offer_id == "personal:BASE"  # EJP was priced Base
    assert old.get_setting("tariff.prices") is not None  # kept: it holds the resale price too
    engine.dispose()


def test_migration_without_saved_prices_adds_nothing(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    offers = OfferStore(store)
    assert offers.personal_versions(PDL) == []
    assert offers.selection(PDL).offer_id is None
    store.close()


@pytest.mark.parametrize("kva", [6.0, 9.0, 12.0])
def test_stored_demo_catalogue_prices_the_meter_kva(store: Store, kva: float) -> None:
    offers = OfferStore(store)
    offers.save_catalogue(demo_catalogue())
    current = offers.catalogue().current(kva, date(2026, 12, 6))
    assert {o.power_kva for o in current} == {int(kva)}
    assert len(current) == 3
