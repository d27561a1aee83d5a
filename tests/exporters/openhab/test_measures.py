"""The catalogue adapter: every measure's kind of value is stated, and the values of a real
snapshot have that kind, so the item types follow (String for Tempo, Number for EcoWatt...)."""

from __future__ import annotations

from datetime import datetime

from myelectricaldata.exporters.measures import MEASURES
from myelectricaldata.exporters.openhab.mapping import ValueKind, item_type
from myelectricaldata.exporters.openhab.measures import CATALOGUE, describe, value_kind
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.store.repo import Store
from tests.exporters.conftest import DEMO_NOW


def test_every_catalogue_measure_is_described_once() -> None:
    assert list(CATALOGUE) == [m.key for m in MEASURES]
    for measure in MEASURES:
        described = CATALOGUE[measure.key]
        assert (described.label_fr, described.label_en, described.unit) == (
            measure.label_fr,
            measure.label_en,
            measure.unit,
        )


async def test_the_values_of_a_snapshot_have_the_kind_stated_for_their_measure(
    demo_store: Store,
) -> None:
    snapshot = await compute_snapshot(demo_store, now=DEMO_NOW)
    seen: dict[ValueKind, int] = {}
    for value in snapshot.values:
        # A snapshot's value carries what the catalogue says: it is described the same way.
        assert describe(value) == CATALOGUE[value.key], value.key
        if value.value is None:
            continue
        kind = value_kind(value)
        seen[kind] = seen.get(kind, 0) + 1
        if kind is ValueKind.NUMBER:
            assert isinstance(value.value, int | float), value.key
            assert not isinstance(value.value, bool), value.key
        elif kind is ValueKind.TIMESTAMP:
            assert isinstance(value.value, str), value.key
            assert datetime.fromisoformat(value.value).tzinfo is not None, value.key
        else:
            assert kind is ValueKind.TEXT and isinstance(value.value, str), value.key
    assert seen.keys() == {ValueKind.NUMBER, ValueKind.TEXT, ValueKind.TIMESTAMP}


def test_the_issues_item_types_follow() -> None:
    types = {key: item_type(m)[0] for key, m in CATALOGUE.items()}
    assert types["consumption_yesterday"] == "Number:Energy"
    assert types["production_month"] == "Number:Energy"
    assert types["max_power_yesterday"] == "Number:Power"
    assert types["subscribed_power"] == "Number:Power"
    assert types["consumption_year_evolution"] == "Number:Dimensionless"
    assert types["cost_month"] == "Number"
    assert types["max_power_time"] == "DateTime"
    assert {types[k] for k in ("tempo_today", "tempo_tomorrow", "tempo_current")} == {"String"}
    assert types["tempo_season"] == "String"
    assert {types[k] for k in CATALOGUE if k.startswith("ecowatt")} == {"Number"}
    assert types["tempo_remaining_red"] == "Number"
