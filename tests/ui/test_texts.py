"""The UI's texts and the small helpers behind its forms: every tariff price has a French and an
English label and help (exporters carry their own: tests/exporters/test_fields.py), lists are
edited as comma-separated text, kWh typed either way are read exactly, and self-consumption is
only ever estimated from the inverter's production."""

from __future__ import annotations

import pytest

from myelectricaldata.domain.tariffs import TariffPrices
from myelectricaldata.ui import i18n
from myelectricaldata.ui.data import parse_kwh, self_consumption
from myelectricaldata.ui.pages.exporter import field_kind, list_text, parse_list


def test_every_tariff_price_has_french_and_english_texts() -> None:
    assert set(i18n.TARIFF_FIELDS) == set(TariffPrices.model_fields)
    label, hint = i18n.field_texts(
        i18n.TARIFF_FIELDS, "tempo_blue_hc_eur_kwh", "fr", field="tempo_blue_hc_eur_kwh"
    )
    assert (label, hint) == ("Tempo bleu HC (€/kWh)", "Tempo, jour bleu, heures creuses.")


def test_a_plugin_field_falls_back_to_its_schema() -> None:
    # pydantic's automatic title is made readable; a real title and the description are kept.
    assert i18n.field_texts({}, "x.verify_tls", "fr", field="verify_tls", title="Verify Tls") == (
        "Verify tls",
        "",
    )
    assert i18n.field_texts(
        {}, "x.api_key", "en", field="api_key", title="API key", description="The `key`."
    ) == ("API key", "The `key`.")


def test_backticks_are_stripped_from_hints_and_shown_as_code_in_descriptions() -> None:
    text = "Broker (``mqtt_broker``, or the `mqtt` one) <b>"
    assert i18n.plain(text) == "Broker (mqtt_broker, or the mqtt one) <b>"
    assert i18n.code_html(text) == (
        "Broker (<code>mqtt_broker</code>, or the <code>mqtt</code> one) &lt;b&gt;"
    )


def test_an_array_field_is_a_comma_separated_list() -> None:
    prop = {"type": "array", "items": {"type": "string"}, "title": "Pdls"}
    assert field_kind(prop)[0] == "list"
    assert field_kind({"type": "object", "additionalProperties": {"type": "string"}})[0] == "json"
    assert field_kind({"type": "array", "items": {"type": "object"}})[0] == "json"
    assert parse_list(" 09999000000001, ,09999000000002\n") == ["09999000000001", "09999000000002"]
    assert parse_list("1, 2", "integer") == [1, 2]
    assert parse_list("") == []
    assert list_text(["a", "b"]) == "a, b"
    with pytest.raises(ValueError):
        parse_list("1, x", "integer")


@pytest.mark.parametrize(
    ("typed", "wh"),
    [
        ("412,5", 412_500),
        ("412.5", 412_500),
        ("1\u202f234,5678", 1_234_568),
        ("1 234,5", 1_234_500),
        ("1,234.5", 1_234_500),
        ("", None),
        (None, None),
    ],
)
def test_kwh_typed_either_way(typed: str | None, wh: int | None) -> None:
    assert parse_kwh(typed) == wh


def test_kwh_that_is_no_number_is_refused() -> None:
    for typed in ("abc", "1,2,3", "nan"):
        with pytest.raises(ValueError):
            parse_kwh(typed)


def test_self_consumption_needs_a_production_above_the_export() -> None:
    estimate = self_consumption(gross_wh=100_000, export_wh=60_000, import_wh=120_000)
    assert estimate.self_wh == 40_000
    assert estimate.rate_pct == pytest.approx(40.0)
    assert estimate.sufficiency_pct == pytest.approx(25.0)
    with pytest.raises(ValueError):
        self_consumption(gross_wh=50_000, export_wh=60_000, import_wh=None)
