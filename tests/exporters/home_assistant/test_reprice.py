"""A back-dated change reaches Home Assistant with no manual step: the next normal export run
re-sends the marked days with the new figures and clears its mark; the hours before the change
are untouched; a destination that is down keeps its mark for the next run."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date
from typing import Any

import pytest

from myelectricaldata.domain.offers import OfferType, PersonalPrices
from myelectricaldata.domain.offpeak import parse_offpeak
from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.exporters.delivery import ExportService
from myelectricaldata.store.exports import ExportRepo
from myelectricaldata.store.offers import OfferStore
from myelectricaldata.store.repo import Store
from myelectricaldata.store.reprice import EVERY_DESTINATION, RepriceMarks, RepriceReason
from tests.exporters.conftest import make_export_service
from tests.exporters.home_assistant.helpers import day_changes
from tests.exporters.test_dated_pricing import (
    OFFPEAK,
    PDL,
    PREFIX,
    PRICES,
    expected_by_day,
    priced_store,
)
from tests.fakes.homeassistant import FakeHomeAssistant
from tests.servers.homeassistant import HomeAssistantError, HomeAssistantServer

__all__ = ["priced_store"]  # the fixture, shared with the pricing tests

#: The back-dated change: new prices from 25 March (before it, every hour must stay as sent).
CHANGED = date(2025, 3, 25)
NEW_PRICES = (13.0, {"hc_price": 0.09, "hp_price": 0.27})


def _service(store: Store, url: str, token: str) -> ExportService:
    service = make_export_service(store)
    config = {"enabled": True, "url": url, "token": token, "entities": "off"}
    service.configs.save("home_assistant", config)
    return service


def _cost_rows(fake: FakeHomeAssistant) -> dict[str, list[tuple[Any, float, float]]]:
    return {
        tag: [(r["start"], r["state"], r["sum"]) for r in fake.statistics(sid)]
        for tag in ("hc", "hp")
        for sid in [f"{PREFIX}:{PDL}_{tag}_cost"]
    }


def _check_costs(fake: FakeHomeAssistant, prices: dict[date, Any]) -> None:
    by_day = expected_by_day(prices, OFFPEAK)
    for tag in ("hc", "hp"):
        changes = day_changes(fake.statistics(f"{PREFIX}:{PDL}_{tag}_cost"))
        assert set(changes) == set(by_day)
        for day, eur in by_day.items():
            assert changes[day] == pytest.approx(eur[tag], abs=1e-5), (tag, day)


def test_a_back_dated_price_is_re_sent_by_the_next_run_and_earlier_hours_are_untouched(
    priced_store: Store,
) -> None:
    with FakeHomeAssistant(version="2025.4.4") as fake:
        service = _service(priced_store, fake.url, fake.token)
        ExportRepo(priced_store).reset_checkpoints("home_assistant")
        first = asyncio.run(service.run("home_assistant"))
        assert first.status == "success", first.error
        _check_costs(fake, PRICES)
        before = _cost_rows(fake)

        OfferStore(priced_store).put_personal(
            PDL, PersonalPrices(OfferType.HC_HP, CHANGED, *NEW_PRICES)
        )
        marks = RepriceMarks(priced_store).pending()
        assert [(m.destination, m.pdl, m.first, m.reason) for m in marks] == [
            (EVERY_DESTINATION, PDL, CHANGED, RepriceReason.PRICES)
        ]

        second = asyncio.run(service.run("home_assistant"))  # a normal run, nothing manual
        assert second.status == "success", second.error
        _check_costs(fake, {**PRICES, CHANGED: NEW_PRICES})
        after = _cost_rows(fake)
        for tag in ("hc", "hp"):
            kept = [r for r in before[tag] if r[0].astimezone(PARIS).date() < CHANGED]
            assert kept, tag
            assert [r for r in after[tag] if r[0].astimezone(PARIS).date() < CHANGED] == kept
            changed = [r for r in before[tag] if r[0].astimezone(PARIS).date() >= CHANGED]
            assert [r for r in after[tag] if r[0].astimezone(PARIS).date() >= CHANGED] != changed
        assert RepriceMarks(priced_store).pending() == []


def test_a_back_dated_off_peak_version_re_splits_the_energy_from_its_day(
    priced_store: Store,
) -> None:
    with FakeHomeAssistant(version="2025.4.4") as fake:
        service = _service(priced_store, fake.url, fake.token)
        ExportRepo(priced_store).reset_checkpoints("home_assistant")
        assert asyncio.run(service.run("home_assistant")).status == "success"
        new_version = date(2025, 4, 2)
        priced_store.set_offpeak_version(PDL, new_version, parse_offpeak("HC (12H00-16H00)"))
        run = asyncio.run(service.run("home_assistant"))
        assert run.status == "success", run.error
        by_day = expected_by_day(PRICES, {**OFFPEAK, new_version: (12 * 60, 16 * 60)})
        changes = day_changes(fake.statistics(f"{PREFIX}:{PDL}_hc_cost"))
        for day, eur in by_day.items():
            assert changes[day] == pytest.approx(eur["hc"], abs=1e-5), day
        assert RepriceMarks(priced_store).pending() == []


def test_a_destination_that_is_down_keeps_its_mark_until_a_run_succeeds(
    priced_store: Store,
) -> None:
    with FakeHomeAssistant(version="2025.4.4") as fake:
        service = _service(priced_store, fake.url, fake.token)
        ExportRepo(priced_store).reset_checkpoints("home_assistant")
        assert asyncio.run(service.run("home_assistant")).status == "success"
        OfferStore(priced_store).put_personal(
            PDL, PersonalPrices(OfferType.HC_HP, CHANGED, *NEW_PRICES)
        )
        token = fake.token
    # Home Assistant is gone: the run fails, the mark stays, now owed to home_assistant.
    down = asyncio.run(service.run("home_assistant"))
    assert down.status == "failed"
    marks = RepriceMarks(priced_store).pending()
    assert [(m.destination, m.pdl, m.first) for m in marks] == [("home_assistant", PDL, CHANGED)]
    with FakeHomeAssistant(version="2025.4.4") as fake:
        service = _service(priced_store, fake.url, fake.token)
        assert token
        # A new, empty Home Assistant: the run sends the whole history at the new prices.
        run = asyncio.run(service.run("home_assistant"))
        assert run.status == "success", run.error
        _check_costs(fake, {**PRICES, CHANGED: NEW_PRICES})
    assert RepriceMarks(priced_store).pending() == []


async def test_the_real_home_assistant_holds_the_new_costs_after_one_normal_run(
    priced_store: Store, homeassistant_server: HomeAssistantServer
) -> None:
    """The session's real Home Assistant 2025.4.4: a back-dated price, then one normal run,
    and its cost statistics are the new prices from that day on, the hours before untouched."""
    ha = homeassistant_server
    prefix = "med_reprice"  # statistic ids of this test only (the server is shared)
    ids = [f"{prefix}:{PDL}_{tag}_cost" for tag in ("hc", "hp")]
    async with ha.websocket() as ws:
        with contextlib.suppress(HomeAssistantError):  # a leftover of an earlier session
            await ws.call("recorder/clear_statistics", statistic_ids=ids)
    service = make_export_service(priced_store)
    config = {"enabled": True, "url": ha.url, "token": ha.token, "entities": "off"}
    service.configs.save("home_assistant", config | {"statistic_id_prefix": prefix})
    ExportRepo(priced_store).reset_checkpoints("home_assistant")
    first = await service.run("home_assistant")
    assert first.status == "success", first.error
    async with ha.websocket() as ws:
        before = await ws.statistics(ids)
        OfferStore(priced_store).put_personal(
            PDL, PersonalPrices(OfferType.HC_HP, CHANGED, *NEW_PRICES)
        )
        second = await service.run("home_assistant")
        assert second.status == "success", second.error
        after = await ws.statistics(ids)
    by_day = expected_by_day({**PRICES, CHANGED: NEW_PRICES}, OFFPEAK)
    cut = local_midnight(CHANGED).timestamp() * 1000
    for tag, sid in zip(("hc", "hp"), ids, strict=True):
        changes = day_changes(after[sid])
        assert set(changes) == set(by_day)
        for day, eur in by_day.items():
            assert changes[day] == pytest.approx(eur[tag], abs=1e-5), (sid, day)
        kept = [r for r in before[sid] if r["start"] < cut]
        assert kept and [r for r in after[sid] if r["start"] < cut] == kept
    assert RepriceMarks(priced_store).pending() == []
    async with ha.websocket() as ws:
        with contextlib.suppress(HomeAssistantError):  # best effort: the server is shared
            await ws.call("recorder/clear_statistics", statistic_ids=ids)
