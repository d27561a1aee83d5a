"""The dashboard says which days are being recomputed: after a back-dated change, each
destination that keeps exported costs shows the range it has yet to re-send (French dates in
French), until its next run re-sends it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from myelectricaldata.api import create_app
from myelectricaldata.domain.offers import OfferType, PersonalPrices, personal_offer_id
from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.runtime import Runtime
from myelectricaldata.sources.demo import DEMO_TEMPO_PDL, DemoSource
from myelectricaldata.store.offers import OfferStore
from myelectricaldata.ui import markers as m
from tests.api.conftest import DETAIL_SPANS, fill, fixed_clock, make_settings
from tests.api.test_export import RepricingMemory
from tests.ui.test_offer_pages import data_value

CHANGED = DETAIL_SPANS[1][0]  # a day with load curve, long exported


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    source = DemoSource(clock=fixed_clock)
    rt = Runtime.from_settings(make_settings(tmp_path), source=source)
    asyncio.run(fill(rt, source))
    rt.exports.registry.types["repricing"] = RepricingMemory
    rt.exports.configs.save("repricing", {"enabled": True})
    assert asyncio.run(rt.exports.run("repricing")).status == "success"
    yield rt
    rt.store.close()


def test_a_back_dated_price_shows_the_range_being_recomputed_until_the_next_run(
    runtime: Runtime,
) -> None:
    offers = OfferStore(runtime.store)
    offers.set_user_offer(DEMO_TEMPO_PDL, personal_offer_id(OfferType.BASE))
    asyncio.run(runtime.exports.run("repricing"))  # the new offer's days are re-sent
    offers.put_personal(
        DEMO_TEMPO_PDL, PersonalPrices(OfferType.BASE, CHANGED, 12.0, {"base_price": 0.21})
    )
    today = datetime.now(PARIS).date()
    marker = m.reprice("repricing")
    with TestClient(create_app(runtime, clock=fixed_clock)) as http:
        french = http.get("/").text
        assert data_value(french, marker) == f"{CHANGED.isoformat()}/{today.isoformat()}"
        assert (
            f"Recalcul des coûts du {CHANGED:%d/%m/%Y} au {today:%d/%m/%Y} en cours pour repricing"
            in french
        )
        english = http.get("/", params={"lang": "en"}).text
        assert (
            f"Recomputing the costs from {CHANGED.isoformat()} to {today.isoformat()} "
            "for repricing" in english
        )
        assert asyncio.run(runtime.exports.run("repricing")).status == "success"
        assert marker not in http.get("/").text
