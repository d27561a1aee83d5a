"""How the UI writes numbers, as the markers contract states it, to compare the visible text."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: French thousands separator (narrow no-break space).
NNBSP = "\u202f"


def number(value: Decimal | int | float | str, decimals: int, lang: str = "fr") -> str:
    """``value`` rounded half-up to ``decimals`` and grouped by thousands in ``lang``."""
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{exact:,.{decimals}f}"
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    return text


def kwh(wh: int | float | str, lang: str = "fr") -> str:
    """Energy of ``wh`` watt-hours as shown: kWh with 2 decimals, e.g. ``1 234,57``."""
    return number(Decimal(str(wh)) / 1000, 2, lang)


def kwh_of_kwh(value: float | str, lang: str = "fr") -> str:
    """A catalogue value (already kWh) as shown."""
    return number(value, 2, lang)


def eur(value: float | str, lang: str = "fr") -> str:
    """A cost in EUR as shown (2 decimals)."""
    return number(value, 2, lang)


def pct(value: float | str, lang: str = "fr") -> str:
    """A percentage as shown (1 decimal)."""
    return number(value, 1, lang)


def va(value: int | str, lang: str = "fr") -> str:
    """A power in VA as shown (integer)."""
    return number(value, 0, lang)


def kva(value: float | str, lang: str = "fr") -> str:
    """A power in kVA as shown (1 decimal)."""
    return number(value, 1, lang)


def shown(text: str) -> str:
    """Visible text with no-break spaces made comparable (a browser may turn U+202F into
    U+00A0 when copying; the DOM keeps it, but be lenient about which one)."""
    return text.replace("\xa0", NNBSP)
