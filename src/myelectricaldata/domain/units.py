"""Units: load-curve power (W over an interval) to energy (Wh), ISO-8601 interval lengths."""

from __future__ import annotations

import re

from myelectricaldata.domain.errors import InvalidInput

_DURATION = re.compile(r"^PT(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?$")
#: Interval lengths Enedis publishes for load curves.
KNOWN_INTERVALS = (10, 15, 30, 60)


def interval_minutes(iso: str) -> int:
    """Minutes of an ISO-8601 duration such as ``PT30M`` or ``PT1H``."""
    match = _DURATION.match(iso.strip().upper())
    if not match or not (match["h"] or match["m"]):
        raise InvalidInput("interval_length", f"{iso!r} is not an ISO-8601 duration like PT30M")
    minutes = int(match["h"] or 0) * 60 + int(match["m"] or 0)
    if minutes <= 0:
        raise InvalidInput("interval_length", f"{iso!r} must be a positive duration")
    return minutes


def interval_iso(minutes: int) -> str:
    """ISO-8601 form (``PT30M``) of an interval length in minutes."""
    return f"PT{minutes}M"


def energy_wh(avg_w: float, minutes: int) -> float:
    """Energy in Wh of an interval of ``minutes`` at an average power of ``avg_w`` watts."""
    return avg_w * minutes / 60.0


def avg_power_w(energy: float, minutes: int) -> float:
    """Average power in W that delivers ``energy`` Wh over ``minutes``."""
    return energy * 60.0 / minutes
