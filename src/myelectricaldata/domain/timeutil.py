"""Europe/Paris calendar helpers: Enedis days are local days, instants are stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def local_midnight(day: date) -> datetime:
    """The instant (aware, Paris) at which the local day starts."""
    return datetime.combine(day, time(0), tzinfo=PARIS)


def day_bounds_utc(day: date) -> tuple[datetime, datetime]:
    """UTC instants [start, end) of a Paris calendar day (23, 24 or 25 hours long)."""
    start = local_midnight(day).astimezone(UTC)
    end = local_midnight(day + timedelta(days=1)).astimezone(UTC)
    return start, end


def day_length_minutes(day: date) -> int:
    """Length of a Paris day in minutes: 1380 or 1500 on DST change days, 1440 otherwise."""
    start, end = day_bounds_utc(day)
    return int((end - start).total_seconds() // 60)


def slots_in_day(day: date, interval_minutes: int = 30) -> int:
    """How many load-curve slots a complete local day has (46/48/50 at 30 minutes)."""
    return day_length_minutes(day) // interval_minutes


def local_day_of(instant: datetime) -> date:
    """The Paris calendar day an aware instant falls in."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: an instant needs a time zone")
    return instant.astimezone(PARIS).date()


def today_paris(now: datetime | None = None) -> date:
    """Today's date in Paris."""
    return (now or datetime.now(UTC)).astimezone(PARIS).date()


def to_epoch(instant: datetime) -> int:
    """Seconds since the Unix epoch of an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: an instant needs a time zone")
    return int(instant.timestamp())


def from_epoch(seconds: int) -> datetime:
    """Aware UTC datetime from Unix seconds."""
    return datetime.fromtimestamp(seconds, UTC)


class LocalTimeSequence:
    """Turns a run of naive Paris wall-clock times into instants, resolving the repeated hour.

    On the autumn change the wall clock shows 02:00-03:00 twice; the gateway sends both in order.
    The first occurrence is summer time (fold=0), a repeat of an already seen wall time is winter
    time (fold=1). Instants come back in UTC: Python ignores ``fold`` when it compares or
    subtracts two datetimes that share a tzinfo, so Paris-aware results would collapse.
    """

    def __init__(self) -> None:
        self._seen: set[datetime] = set()

    def resolve(self, wall: datetime) -> datetime:
        """UTC instant for the next wall-clock time in the sequence (aware input is converted)."""
        if wall.tzinfo is not None:
            return wall.astimezone(UTC)
        fold = 1 if wall in self._seen else 0
        self._seen.add(wall)
        return wall.replace(tzinfo=PARIS, fold=fold).astimezone(UTC)


def ecowatt_hours(day: date) -> list[tuple[int, datetime]]:
    """(index, instant) of each hourly EcoWatt level: hour ``h`` is local ``h:00``.

    On the spring DST day 02:00 does not exist: that level has no instant and is skipped (it
    would otherwise land on 03:00, the next level's instant).
    """
    hours = []
    for hour in range(24):
        local = datetime.combine(day, time(hour), tzinfo=PARIS)
        if local.astimezone(UTC).astimezone(PARIS).hour == hour:
            hours.append((hour, local))
    return hours
