"""Which offer prices a PDL and with which dated rows, on SQLite and a real PostgreSQL: the
user's choice, else the offer picked on the site, else the fallback; the subscription of the
meter's kVA; a meter of unknown power priced at the chosen row's own kVA."""

from __future__ import annotations

from datetime import UTC, date, datetime

from myelectricaldata.domain.offers import default_offer
from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.domain.types import Origin, PricingOption, UsagePoint
from myelectricaldata.sources.demo_offers import demo_catalogue
from myelectricaldata.store.offers import OfferStore
from myelectricaldata.store.pricing import PricingOrigin, pricing_of
from myelectricaldata.store.repo import Store, StoredUsagePoint

PDL = "12345678901234"
FALLBACK = default_offer(TariffPrices(), PricingOption.HC_HP)


def point(store: Store, kva: float | None) -> StoredUsagePoint:
    store.upsert_usage_point(
        UsagePoint(PDL, "Maison", kva, PricingOption.HC_HP),
        Origin.GATEWAY,
        seen_on=date(2024, 1, 1),
    )
    stored = store.usage_point(PDL)
    assert stored is not None
    return stored


def test_the_user_choice_wins_over_the_site_which_wins_over_the_fallback(store: Store) -> None:
    offers = OfferStore(store)
    offers.save_catalogue(demo_catalogue(), fetched_at=datetime(2026, 1, 1, tzinfo=UTC))
    stored = point(store, 9.0)
    first, last = date(2025, 1, 20), date(2025, 2, 10)
    nothing = pricing_of(store, stored, first, last, fallback=FALLBACK)
    assert (nothing.origin, nothing.offer.id) == (PricingOrigin.DEFAULT, "default:HC_HP")
    assert [(p.first, p.last) for p in nothing.periods] == [(first, last)]

    offers.set_gateway_offer(PDL, "demo-edf-tempo-12kva-2026-02-01")  # any row of the offer
    site = pricing_of(store, stored, first, last, fallback=FALLBACK)
    assert site.origin is PricingOrigin.GATEWAY and site.provider == "EDF"
    # At the meter's 9 kVA, the grid of 1 February 2024 then the one of 1 February 2025.
    assert [
        (p.first, p.last, p.offer.id, p.offer.subscription_eur_month) for p in site.periods
    ] == [
        (first, date(2025, 1, 31), "demo-edf-tempo-9kva-2024-02-01", 16.16),
        (date(2025, 2, 1), last, "demo-edf-tempo-9kva-2025-02-01", 17.45),
    ]
    assert site.offer.id == "demo-edf-tempo-9kva-2025-02-01"  # the row of the last day

    offers.set_user_offer(PDL, "demo-edf-base-6kva-2023-08-01")
    user = pricing_of(store, stored, first, last, fallback=FALLBACK)
    assert user.origin is PricingOrigin.USER
    assert {p.offer.power_kva for p in user.periods} == {9}
    assert user.offer.offer_type.value == "BASE"


def test_an_unknown_offer_id_falls_back_and_says_which(store: Store) -> None:
    stored = point(store, 6.0)
    OfferStore(store).set_gateway_offer(PDL, "gone-from-the-catalogue")
    pricing = pricing_of(store, stored, date(2025, 1, 1), date(2025, 1, 31), fallback=FALLBACK)
    assert pricing.origin is PricingOrigin.DEFAULT
    assert pricing.missing_offer_id == "gone-from-the-catalogue"


def test_a_meter_of_unknown_power_is_priced_at_the_chosen_rows_kva(store: Store) -> None:
    offers = OfferStore(store)
    offers.save_catalogue(demo_catalogue(), fetched_at=datetime(2026, 1, 1, tzinfo=UTC))
    stored = point(store, None)
    offers.set_gateway_offer(PDL, "demo-edf-hc_hp-12kva-2025-08-01")
    pricing = pricing_of(store, stored, date(2025, 9, 1), date(2025, 9, 30), fallback=FALLBACK)
    assert pricing.origin is PricingOrigin.GATEWAY and pricing.kva == 12
    assert [p.offer.id for p in pricing.periods] == ["demo-edf-hc_hp-12kva-2025-08-01"]
