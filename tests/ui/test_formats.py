"""French and English the way each writes them: dates, thousands, decimals, units; every text in
both languages with the same placeholders; words for the codes the store and the logs hold."""

from __future__ import annotations

import re
import string
from datetime import date
from decimal import Decimal

import pytest

from myelectricaldata.domain.types import Origin, PricingOption, Quality, TempoColor
from myelectricaldata.ui import i18n

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("value", "decimals", "fr", "en"),
    [
        (1234.5, 1, f"1{NNBSP}234,5", "1,234.5"),
        (1234567, 0, f"1{NNBSP}234{NNBSP}567", "1,234,567"),
        (Decimal("0.125"), 2, "0,13", "0.13"),  # half-up, not banker's rounding
        (-9876.54, 2, f"-9{NNBSP}876,54", "-9,876.54"),
        (999, 0, "999", "999"),
    ],
)
def test_numbers_group_thousands_with_a_narrow_no_break_space_in_french(
    value: float, decimals: int, fr: str, en: str
) -> None:
    assert i18n.number(value, decimals, "fr") == fr
    assert i18n.number(value, decimals, "en") == en


def test_every_formatter_uses_the_same_french_thousands_separator() -> None:
    """One separator everywhere (U+202F): never a plain or a U+00A0 space inside a number."""
    shown = [
        i18n.kwh_from_wh(1_234_500, "fr"),
        i18n.kwh(1234.5, "fr"),
        i18n.eur(1234.5, "fr"),
        i18n.va(12345, "fr"),
        i18n.wh(1_234_567, "fr"),
        i18n.integer(1_234_567, "fr"),
        i18n.percent(1234.5, "fr"),
        i18n.kva(1234.5, "fr"),
    ]
    for text in shown:
        number = text.split(" ")[0].lstrip("+")
        assert re.fullmatch(r"-?\d{1,3}(\u202f\d{3})*(,\d+)?", number), text
    assert shown[0] == f"1{NNBSP}234,50 kWh"
    assert shown[2] == f"1{NNBSP}234,50 €"
    assert i18n.eur(1234.5, "en") == "€1,234.50"


def test_dates_are_written_the_french_way_in_french() -> None:
    day = date(2026, 12, 6)
    assert i18n.day_text(day, "fr") == "06/12/2026"
    assert i18n.day_text(day, "en") == "2026-12-06"
    assert i18n.month_text(day, "fr") == "déc. 2026"
    assert i18n.month_text(day, "en") == "Dec 2026"
    assert i18n.weekday_long(day, "fr") == "dimanche"
    assert i18n.weekday_letter(day, "fr") == "D"
    assert i18n.weekday_letter(date(2026, 12, 7), "en") == "M"


def test_a_change_carries_its_sign() -> None:
    assert i18n.signed(i18n.kwh(12.5, "fr"), 12.5) == "+12,50 kWh"
    assert i18n.signed(i18n.kwh(-12.5, "fr"), -12.5) == "-12,50 kWh"
    assert i18n.percent(3.25, "fr") == "+3,3 %"


def _fields(template: str) -> set[str]:
    """Placeholder names (literal braces, as in a JSON example, are not placeholders)."""
    return {
        name for _, name, _, _ in string.Formatter().parse(template) if name and name.isidentifier()
    }


def test_every_text_exists_in_both_languages_with_the_same_placeholders() -> None:
    for key, (fr, en) in i18n.TEXTS.items():
        assert fr.strip() and en.strip(), key
        assert _fields(fr) == _fields(en), key


@pytest.mark.parametrize(
    ("group", "code", "fr", "en"),
    [
        ("opt", PricingOption.TEMPO, "Tempo", "Tempo"),
        ("opt", PricingOption.HC_HP, "Heures creuses", "Off-peak (HC/HP)"),
        ("quality", Quality.BRUT, "brute", "raw"),
        ("quality", "CORRIGE", "corrigée", "corrected"),
        ("status", "failed", "échouée", "failed"),
        ("status", "success", "réussie", "success"),
        ("trigger", "ui", "interface", "web UI"),
        ("origin", Origin.DEMO, "données de démonstration", "demo data"),
        ("tempo", TempoColor.RED, "Rouge", "Red"),
        ("kind", "consumption_detail", "Courbe de charge", "Load curve"),
    ],
)
def test_codes_are_shown_as_words(group: str, code: object, fr: str, en: str) -> None:
    assert i18n.code_label("fr", group, code) == fr
    assert i18n.code_label("en", group, code) == en


def test_every_code_of_the_domain_has_a_word() -> None:
    for group, codes in (
        ("opt", list(PricingOption)),
        ("quality", list(Quality)),
        ("origin", list(Origin)),
        ("tempo", list(TempoColor)),
        ("status", ["running", "success", "partial", "failed", "interrupted"]),
        ("exp_status", ["running", "success", "failed"]),
        ("trigger", ["ui", "api", "cli", "manual", "sync", "interval", "startup"]),
    ):
        for code in codes:
            key = f"{group}.{getattr(code, 'value', code)}"
            assert key in i18n.TEXTS, key


def test_an_unknown_code_is_shown_as_is_and_none_as_a_dash() -> None:
    assert i18n.code_label("fr", "status", "plugin_state") == "plugin_state"
    assert i18n.code_label("fr", "tempo", None) == "—"
