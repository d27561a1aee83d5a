"""The UI's query parameters, read the way the API reads its own (``api/params.py``).

A page never trusts its URL: a date outside the range the store can hold, an unknown period
kind, a reversed or too long range, a usage point that does not exist or an amount that is not
a number is refused with a :class:`QueryProblem` that names the parameter and the fix. The
page then shows its default instead and says why (a banner marked ``query:error``), so odd input
gives a clear message, never a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Final

#: The range of days a page accepts: the API's own bounds (``api/params.py``), so that every
#: period, its neighbours and the same dates a year earlier stay valid dates.
MIN_DAY: Final = date(1970, 1, 1)
MAX_DAY: Final = date(2100, 12, 31)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
#: Longest text of a parameter quoted back in a message.
_QUOTE_MAX = 40


@dataclass(frozen=True, slots=True)
class QueryProblem:
    """A refused query parameter: its name, the value as typed, and the text key that says
    why and what to type instead (see ``i18n.TEXTS['query.*']``)."""

    name: str
    value: str
    key: str
    values: dict[str, object] = field(default_factory=dict)

    @property
    def shown_value(self) -> str:
        """The refused value, shortened for a message."""
        text = self.value.replace("\n", " ").replace("\r", " ")
        return text if len(text) <= _QUOTE_MAX else text[: _QUOTE_MAX - 1] + "…"


@dataclass(frozen=True, slots=True)
class DayParam:
    """A ``YYYY-MM-DD`` parameter read: the date, or ``None`` with the problem when refused."""

    day: date | None
    problem: QueryProblem | None = None


def read_day(name: str, text: str | None) -> DayParam:
    """A ``YYYY-MM-DD`` query value between :data:`MIN_DAY` and :data:`MAX_DAY`.

    Absent or empty is no date and no problem; anything else that is not such a date is refused.
    """
    if text is None or not text.strip():
        return DayParam(None)
    cleaned = text.strip()
    if not _ISO_DAY.match(cleaned):
        return DayParam(None, QueryProblem(name, text, "query.not_a_date"))
    try:
        day = date.fromisoformat(cleaned)
    except ValueError:
        return DayParam(None, QueryProblem(name, text, "query.not_a_date"))
    if not MIN_DAY <= day <= MAX_DAY:
        return DayParam(None, QueryProblem(name, text, "query.day_out_of_range"))
    return DayParam(day)


_FRENCH_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)


def read_typed_day(text: str) -> date | None:
    """A date typed in a form, the French way (``06/12/2026``) or ISO (``2026-12-06``), within
    :data:`MIN_DAY`..:data:`MAX_DAY`; ``None`` otherwise."""
    cleaned = text.strip()
    found = _FRENCH_DAY.match(cleaned)
    if found:
        day_text, month_text, year_text = found.groups()
        try:
            day = date(int(year_text), int(month_text), int(day_text))
        except ValueError:
            return None
        return day if MIN_DAY <= day <= MAX_DAY else None
    return read_day("date", cleaned).day


def clamp_day(day: date) -> date:
    """``day`` brought into :data:`MIN_DAY`..:data:`MAX_DAY`."""
    return min(max(day, MIN_DAY), MAX_DAY)
