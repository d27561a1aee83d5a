"""The catalogue adapter: each measure's Domoticz kind, decided from its declared classes, fits
the values the snapshot really computes for it."""

from __future__ import annotations

from myelectricaldata.domain.types import TempoColor
from myelectricaldata.exporters.domoticz.catalogue import CATALOGUE, kind_of, selected
from myelectricaldata.exporters.domoticz.devices import DeviceKind
from myelectricaldata.exporters.domoticz.measures import device_kind_for
from myelectricaldata.exporters.measures import MEASURES
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.store.repo import Store
from tests.exporters.conftest import DEMO_NOW


def test_the_kinds_of_known_measures() -> None:
    kinds = {key: measure.kind for key, measure in CATALOGUE.items()}
    assert kinds["tempo_today"] == kinds["tempo_tomorrow"] == kinds["tempo_current"] == "tempo"
    assert kinds["ecowatt_now"] == kinds["ecowatt_j0"] == kinds["ecowatt_j3"] == "ecowatt"
    assert kinds["max_power_time"] == kinds["tempo_season"] == "text"
    assert kinds["tempo_remaining_blue"] == kinds["cost_month"] == "number"
    assert kinds["consumption_month_evolution"] == "number"
    assert CATALOGUE["cost_month"].unit == "EUR"
    assert device_kind_for(CATALOGUE["tempo_today"]) is DeviceKind.TEXT
    assert device_kind_for(CATALOGUE["ecowatt_j1"]) is DeviceKind.ALERT
    assert device_kind_for(CATALOGUE["consumption_year"]) is DeviceKind.CUSTOM


def test_every_catalogue_entry_is_adapted_with_its_labels_unit_and_scope() -> None:
    assert list(CATALOGUE) == [m.key for m in MEASURES]
    for measure in MEASURES:
        adapted = CATALOGUE[measure.key]
        assert (adapted.label_fr, adapted.label_en, adapted.unit, adapted.scope) == (
            measure.label_fr,
            measure.label_en,
            measure.unit,
            measure.scope,
        )
        assert adapted.kind == kind_of(measure)


async def test_each_kind_fits_the_values_the_snapshot_computes(demo_store: Store) -> None:
    snapshot = await compute_snapshot(demo_store, now=DEMO_NOW)
    seen = set()
    for value in snapshot.values:
        kind = CATALOGUE[value.key].kind
        shown = value.value
        seen.add(kind)
        if shown is None:
            continue
        if kind == "number":
            assert isinstance(shown, int | float) and not isinstance(shown, bool), value.key
        elif kind == "tempo":
            assert shown in {c.value for c in TempoColor}, value.key
        elif kind == "ecowatt":
            assert isinstance(shown, int) and 0 <= shown <= 3, value.key
        else:
            assert isinstance(shown, str), value.key
    assert seen == {"number", "text", "tempo", "ecowatt"}


def test_a_selection_keeps_the_catalogue_order_and_empty_means_all() -> None:
    assert list(selected(["tempo_today", "consumption_month"])) == [
        "consumption_month",
        "tempo_today",
    ]
    assert list(selected([])) == list(CATALOGUE)
