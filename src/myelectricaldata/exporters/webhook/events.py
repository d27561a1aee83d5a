"""The webhook's events: a JSON body per batch, serialized once, with a content-derived id.

The id hashes everything an event carries except when it was sent, so a batch sent again (a
retry, or the next run) has the same id and the receiver can deduplicate. The layout is
documented in docs/integrations/webhook.md.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from myelectricaldata.domain.timeutil import PARIS, local_midnight
from myelectricaldata.domain.types import Stream
from myelectricaldata.exporters.base import TEMPO_CODE, EcowattData, EnergyPoint, TempoData

#: Version of the event body's layout (bumped on an incompatible change).
SCHEMA_VERSION = 1
EventType = Literal["consumption", "production", "max_power", "tempo", "ecowatt", "ping"]


def _json_number(value: float) -> str:
    # Whole numbers as JSON integers (smaller bodies, and what a receiver compares with); the
    # rest as repr, which is what json.dumps writes for a float.
    if isinstance(value, int):
        return str(int(value))
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value) if math.isfinite(value) else "null"


def _iso(instant: datetime | None) -> str | None:
    if instant is None:
        return None
    # SQLite hands stored instants back naive; the store writes them in UTC.
    return (instant if instant.tzinfo else instant.replace(tzinfo=UTC)).isoformat()


def _true_end(start: datetime, end: datetime) -> datetime:
    """The end of a load-curve interval whose start and end have different UTC offsets.

    ``start + timedelta`` on a zoned datetime is wall-clock arithmetic, so across the autumn
    change an end built that way is an hour late (02:30+02:00 + 30 min gives 03:00+01:00, 90
    real minutes). Intervals last at most an hour: keep the real duration when it is one, else
    the intended (wall-clock) one, added to the start in UTC.
    """
    real = end.astimezone(UTC) - start.astimezone(UTC)
    wall = end.replace(tzinfo=None) - start.replace(tzinfo=None)
    step = real if timedelta(0) < real <= timedelta(hours=1) else wall
    return (start.astimezone(UTC) + step).astimezone(PARIS)


def series_json(points: Sequence[EnergyPoint], stream: Stream) -> bytes:
    """The JSON array of a series' points, written directly (the exporter's hot loop).

    Same text as ``json.dumps`` of ``{"start", "end", "value", "quality"[, "avg_w"][, "at"]}``
    objects with compact separators, in two thirds of its time: ``isoformat`` and
    ``utcoffset`` are the costly calls, so a start equal to the previous end reuses its text.
    """
    quoted: dict[str, str] = {}
    parts: list[str] = []
    load_curve = stream.is_detail
    prev_end: datetime | None = None
    prev_text = ""
    prev_offset: timedelta | None = None
    for p in points:
        start, end = p.start, p.end
        # Same tzinfo compares wall clocks and ignores fold: check fold too (autumn hour).
        if (
            prev_end is not None
            and start.tzinfo is prev_end.tzinfo
            and start == prev_end
            and start.fold == prev_end.fold
        ):
            start_text, start_offset = prev_text, prev_offset
        else:
            start_text, start_offset = start.isoformat(), start.utcoffset()
        end_offset = end.utcoffset()
        if load_curve and end_offset != start_offset:
            end = _true_end(start, end)
            end_offset = end.utcoffset()
        prev_end, prev_text, prev_offset = end, end.isoformat(), end_offset
        quality = quoted.get(p.quality)
        if quality is None:
            quality = quoted[p.quality] = json.dumps(p.quality, ensure_ascii=False)
        value = p.value
        text = (
            f'{{"start":"{start_text}","end":"{prev_text}","value":'
            f'{_json_number(value)},"quality":{quality}'
        )
        if p.avg_w is not None:
            avg_w = p.avg_w
            text += f',"avg_w":{avg_w if type(avg_w) is int else _json_number(avg_w)}'
        if p.at is not None:
            text += f',"at":"{p.at.astimezone(PARIS).isoformat()}"'
        parts.append(text + "}")
    return ("[" + ",".join(parts) + "]").encode()


def dump_points(points: list[dict[str, Any]]) -> bytes:
    """Compact UTF-8 JSON of a list of points (grid signals, tests)."""
    return json.dumps(points, ensure_ascii=False, separators=(",", ":")).encode()


def tempo_points(data: TempoData) -> list[dict[str, Any]]:
    out = []
    for d in data.days:
        # A Tempo day runs from 06:00 to 06:00 the next day (Paris).
        start = local_midnight(d.day) + timedelta(hours=6)
        out.append(
            {
                "date": d.day.isoformat(),
                "start": start.isoformat(),
                "end": (local_midnight(d.day + timedelta(days=1)) + timedelta(hours=6)).isoformat(),
                "value": d.color.value,
                "code": TEMPO_CODE[d.color],
                "updated_at": _iso(d.updated_at),
            }
        )
    return out


def ecowatt_points(data: EcowattData) -> list[dict[str, Any]]:
    return [
        {
            "date": d.day.isoformat(),
            "start": local_midnight(d.day).isoformat(),
            "end": local_midnight(d.day + timedelta(days=1)).isoformat(),
            "value": d.level,
            "hourly": list(d.hourly),
            "message": d.message,
            "generated_at": _iso(d.generated_at),
        }
        for d in data.days
    ]


def event_id(
    kind: str, pdl: str | None, granularity: str | None, unit: str | None, points_json: bytes
) -> str:
    """The id of an event: a digest of everything it carries except when it was sent."""
    digest = hashlib.sha256(f"{kind}\n{pdl or ''}\n{granularity or ''}\n{unit or ''}\n".encode())
    digest.update(points_json)
    return "evt_" + digest.hexdigest()[:32]


def build_event(
    kind: EventType,
    points_json: bytes,
    count: int,
    *,
    source: str,
    pdl: str | None = None,
    granularity: str | None = None,
    unit: str | None = None,
    sent_at: datetime | None = None,
    event_id_override: str | None = None,
) -> tuple[str, bytes]:
    """``(id, body)`` of an event of ``count`` points already serialized as a JSON array.

    The body is UTF-8 JSON with ``points`` last.
    """
    ident = event_id_override or event_id(kind, pdl, granularity, unit, points_json)
    head = {
        "id": ident,
        "type": kind,
        "schema_version": SCHEMA_VERSION,
        "pdl": pdl,
        "granularity": granularity,
        "unit": unit,
        "series": "/".join(x for x in (pdl, kind, granularity) if x),
        "source": source,
        "sent_at": (sent_at or datetime.now(UTC)).isoformat(),
        "count": count,
    }
    head_json = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode()
    # Points are serialized once (they were hashed for the id): splice them in as the last key.
    return ident, head_json[:-1] + b',"points":' + points_json + b"}"
