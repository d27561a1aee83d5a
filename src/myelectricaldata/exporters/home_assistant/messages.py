"""Home Assistant's ``recorder/import_statistics`` messages as the importer sends them: one
statistic's rows cut under the WebSocket's size limit, the statistics' chunks interleaved, and
each pre-built body completed with its message id when it goes out."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from myelectricaldata.exporters.home_assistant.statistics import StatisticRows
from myelectricaldata.exporters.home_assistant.websocket import MessageBuilder


def chunk_messages(
    rows: StatisticRows, meta: Mapping[str, Any], iso: Mapping[int, str], max_bytes: int
) -> list[tuple[int, str]]:
    """The import messages of one statistic, each under ``max_bytes`` with its id: ``(rows,
    body)`` where ``body`` follows ``{"id":N,``."""
    head = (
        '"type":"recorder/import_statistics","metadata":'
        + json.dumps(meta, separators=(",", ":"))
        + ',"stats":['
    )
    budget = max_bytes - len(head) - 24  # '{"id":<int>,' and ']}'
    if budget < 200:
        raise ValueError("max_message_bytes is too small for one statistics row")
    out: list[tuple[int, str]] = []
    chunk: list[str] = []
    size = 0
    for fragment in rows.fragments(iso):
        if chunk and size + len(fragment) + 1 > budget:
            out.append((len(chunk), head + ",".join(chunk) + "]}"))
            chunk, size = [], 0
        chunk.append(fragment)
        size += len(fragment) + 1
    if chunk:
        out.append((len(chunk), head + ",".join(chunk) + "]}"))
    return out


def interleave(per_statistic: Sequence[list[tuple[int, str]]]) -> Iterator[tuple[int, str]]:
    """Messages round-robin over the statistics, oldest chunks first, so that an import cut
    short leaves every statistic filled up to about the same hour."""
    longest = max((len(m) for m in per_statistic), default=0)
    for i in range(longest):
        for messages in per_statistic:
            if i < len(messages):
                yield messages[i]


def message_builder(body: str) -> MessageBuilder:
    """The builder of one pre-built message: its body after ``{"id":N,``."""
    return lambda msg_id: f'{{"id":{msg_id},{body}'
