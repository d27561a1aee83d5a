"""Re-pricing marks, on SQLite and a real PostgreSQL: which writes mark which days, how marks
merge, and how each destination clears only its own, and only what it re-sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from myelectricaldata.domain.offers import Catalogue, OfferType, PersonalPrices, personal_offer_id
from myelectricaldata.domain.offpeak import parse_offpeak
from myelectricaldata.domain.types import DailyReading, Direction, Origin, PricingOption, UsagePoint
from myelectricaldata.sources.demo_offers import demo_catalogue
from myelectricaldata.store.offers import EVERY_PDL, OfferStore
from myelectricaldata.store.repo import Store
from myelectricaldata.store.reprice import EVERY_DESTINATION, RepriceMarks, RepriceReason

PDL, OTHER = "12345678900001", "12345678900002"
OLDEST = date(2025, 1, 10)
TODAY = datetime.now(UTC).date()


def _meter(store: Store, pdl: str, days: int = 30) -> None:
    store.upsert_usage_point(
        UsagePoint(pdl, "", 6.0, PricingOption.HC_HP), Origin.GATEWAY, seen_on=OLDEST
    )
    readings = [DailyReading(OLDEST + timedelta(days=i), 1000 + i) for i in range(days)]
    store.upsert_daily(pdl, Direction.CONSUMPTION, readings, Origin.GATEWAY)


def _owed(store: Store) -> list[tuple[str, str, date, RepriceReason]]:
    return [(m.destination, m.pdl, m.first, m.reason) for m in RepriceMarks(store).pending()]


def test_another_offer_marks_the_whole_history_and_the_same_offer_marks_nothing(
    store: Store,
) -> None:
    _meter(store, PDL)
    offers = OfferStore(store)
    offers.set_gateway_offer(PDL, "edf-base")
    assert _owed(store) == [(EVERY_DESTINATION, PDL, OLDEST, RepriceReason.OFFER)]
    RepriceMarks(store).hand_out([])  # no destination holds costs: nothing is owed
    assert _owed(store) == []
    offers.set_gateway_offer(PDL, "edf-base")
    offers.set_user_offer(PDL, None)
    assert _owed(store) == []
    # The user's choice wins over the site's: choosing it changes the offer in force.
    offers.set_user_offer(PDL, "edf-tempo")
    assert _owed(store) == [(EVERY_DESTINATION, PDL, OLDEST, RepriceReason.OFFER)]
    mark = RepriceMarks(store).pending()[0]
    assert mark.last >= TODAY - timedelta(days=1)


def test_a_meter_without_data_or_a_change_dated_today_marks_nothing(store: Store) -> None:
    store.upsert_usage_point(UsagePoint(OTHER, "", 6.0, PricingOption.HC_HP), Origin.GATEWAY)
    OfferStore(store).set_user_offer(OTHER, "edf-base")
    _meter(store, PDL)
    store.set_offpeak_version(PDL, TODAY + timedelta(days=1), parse_offpeak("HC (1H00-7H00)"))
    assert _owed(store) == []


def test_personal_prices_mark_from_their_date_the_meters_they_price(store: Store) -> None:
    _meter(store, PDL)
    _meter(store, OTHER)
    offers = OfferStore(store)
    offers.set_user_offer(PDL, personal_offer_id(OfferType.HC_HP))
    RepriceMarks(store).hand_out([])
    version = PersonalPrices(
        OfferType.HC_HP, date(2025, 1, 20), 12.0, {"hc_price": 0.1, "hp_price": 0.2}
    )
    offers.put_personal(EVERY_PDL, version)
    # OTHER is priced by no personal prices: its exported costs do not change.
    assert _owed(store) == [(EVERY_DESTINATION, PDL, date(2025, 1, 20), RepriceReason.PRICES)]
    RepriceMarks(store).hand_out([])
    assert offers.delete_personal(EVERY_PDL, OfferType.HC_HP, date(2025, 1, 20))
    assert _owed(store) == [(EVERY_DESTINATION, PDL, date(2025, 1, 20), RepriceReason.PRICES)]


def test_a_back_dated_off_peak_version_marks_from_its_day_unless_it_changes_nothing(
    store: Store,
) -> None:
    _meter(store, PDL)
    store.set_offpeak_version(PDL, date(1970, 1, 1), parse_offpeak("HC (22H00-6H00)"))
    RepriceMarks(store).hand_out([])
    store.set_offpeak_version(PDL, date(2025, 1, 25), parse_offpeak("HC (22H00-6H00)"))
    assert _owed(store) == []
    store.set_offpeak_version(PDL, date(2025, 1, 25), parse_offpeak("HC (23H00-7H00)"))
    assert _owed(store) == [(EVERY_DESTINATION, PDL, date(2025, 1, 25), RepriceReason.OFFPEAK)]


def test_each_destination_clears_its_own_mark_and_a_widened_mark_survives(store: Store) -> None:
    _meter(store, PDL)
    marks = RepriceMarks(store)
    marks.mark([PDL], date(2025, 1, 25), RepriceReason.PRICES)
    marks.mark([PDL], date(2025, 1, 20), RepriceReason.OFFPEAK)  # merged: the wider range
    marks.hand_out(["home_assistant", "other"])
    owed = {m.destination: m for m in marks.pending()}
    assert set(owed) == {"home_assistant", "other"}
    assert owed["home_assistant"].first == date(2025, 1, 20)
    assert marks.clear(owed["home_assistant"])
    assert [m.destination for m in marks.pending()] == ["other"]
    # Marked again while "other" was re-sending: its stale copy does not clear the new range.
    marks.mark([PDL], date(2025, 1, 15), RepriceReason.PRICES)
    marks.hand_out(["other"])
    assert not marks.clear(owed["other"])
    (left,) = marks.pending()
    assert (left.destination, left.first) == ("other", date(2025, 1, 15))


def test_another_row_of_the_same_offer_marks_nothing(store: Store) -> None:
    """The site's selected_offer_id moves to the newest grid of the same offer: the same rows
    price every day, nothing is re-sent; another offer of the catalogue is."""
    _meter(store, PDL)
    offers = OfferStore(store)
    offers.save_catalogue(demo_catalogue(), fetched_at=datetime(2026, 1, 1, tzinfo=UTC))
    offers.set_gateway_offer(PDL, "demo-edf-tempo-9kva-2024-02-01")
    RepriceMarks(store).hand_out([])
    offers.set_gateway_offer(PDL, "demo-edf-tempo-9kva-2025-02-01")
    offers.set_gateway_offer(PDL, "demo-edf-tempo-12kva-2025-02-01")
    assert _owed(store) == []
    offers.set_gateway_offer(PDL, "demo-edf-base-6kva-2023-08-01")
    assert _owed(store) == [(EVERY_DESTINATION, PDL, OLDEST, RepriceReason.OFFER)]


def test_a_catalogue_correcting_a_past_grid_marks_the_meters_of_that_offer_from_its_day(
    store: Store,
) -> None:
    _meter(store, PDL)
    _meter(store, OTHER)
    offers = OfferStore(store)
    catalogue = demo_catalogue()
    offers.save_catalogue(catalogue, fetched_at=datetime(2026, 1, 1, tzinfo=UTC))
    offers.set_gateway_offer(PDL, "demo-edf-tempo-9kva-2025-02-01")
    offers.set_gateway_offer(OTHER, "demo-edf-base-6kva-2023-08-01")
    RepriceMarks(store).hand_out([])
    offers.save_catalogue(catalogue)  # the daily refresh, nothing changed
    assert _owed(store) == []
    # The gateway corrects the Tempo grid of 1 February 2025 (at 12 kVA: the same offer).
    corrected = [
        replace(o, prices={**o.prices, "tempo_red_hp": 0.7})
        if o.id == "demo-edf-tempo-12kva-2025-02-01"
        else o
        for o in catalogue.offers
    ]
    offers.save_catalogue(Catalogue(corrected, catalogue.providers.values()))
    assert _owed(store) == [
        (EVERY_DESTINATION, PDL, max(OLDEST, date(2025, 2, 1)), RepriceReason.PRICES)
    ]
