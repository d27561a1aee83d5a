"""What VictoriaMetrics' answers mean: a read-back that disagrees, flags that lose history.

Pure functions (no I/O): the exporter reads, these explain, each message naming the flag or
setting to change.
"""

from __future__ import annotations

import re

from myelectricaldata.exporters.http import ExportHTTPError
from myelectricaldata.exporters.victoriametrics.samples import Labels, Samples, describe, when

#: Retention below which test_connection warns: the store holds three years of daily values.
MIN_RETENTION_DAYS = 4 * 365


class VictoriaMetricsError(ExportHTTPError):
    """A request failed or VictoriaMetrics did not keep what it was sent; the message says why.

    ``status`` is the HTTP status when VictoriaMetrics answered with an error, else None.
    ``retryable`` is False when trying again can't help (credentials, a 4xx, dropped samples);
    when not given, no answer (down, timeout), busy or a server error is retryable.
    """


def mismatch_error(
    final: dict[Labels, set[int]],
    mismatched: list[Labels],
    stored: Samples,
    doubles: dict[Labels, int],
    start: int,
    end: int,
) -> VictoriaMetricsError | None:
    """Why the server's counts disagree with ``final`` (the timestamps each series must hold),
    from a raw read-back (``stored``, with the samples ``doubles`` holds twice); ``None`` when
    the read-back holds exactly what was expected."""
    missing = [
        (ts, labels)
        for labels in mismatched
        for ts in final.get(labels, ())
        if ts not in stored.get(labels, {})
    ]
    foreign = {
        labels: len(set(stored.get(labels, ())) - final.get(labels, set())) for labels in mismatched
    }
    surplus = sorted(labels for labels in mismatched if doubles.get(labels) or foreign[labels])
    expected = sum(len(final.get(labels, ())) for labels in mismatched)
    if missing:
        ts, labels = min(missing)
        return VictoriaMetricsError(
            f"VictoriaMetrics answered 204 but {len(missing)} of {expected} samples are "
            f"missing on read-back (first: {describe(labels)} at {when(ts)}): it drops "
            "samples outside its retention without an error. Start VictoriaMetrics with "
            "-retentionPeriod=100y (the default keeps 1 month), then run the export again; "
            "its log says 'cannot insert row with too small timestamp'.",
            retryable=False,
        )
    if not surplus:
        return None
    labels = surplus[0]
    found = []
    if doubles.get(labels):
        found.append(f"{doubles[labels]} stored twice")
    if foreign[labels]:
        found.append(f"{foreign[labels]} not written by this export")
    return VictoriaMetricsError(
        f"VictoriaMetrics holds more samples than were written for {describe(labels)} "
        f"between {when(start)} and {when(end)} ({', '.join(found)}): start it with "
        "-dedup.minScrapeInterval=1ms so that a sample sent twice is stored once, and let "
        "only one writer use these series (or give each its own extra_labels).",
        retryable=False,
    )


def flag_warnings(metrics_text: str) -> list[str]:
    """Warnings about the flags a ``/metrics`` page shows that would lose history."""
    flags = dict(re.findall(r'^flag\{name="([^"]+)", value="([^"]*)"', metrics_text, re.MULTILINE))
    warnings = []
    retention = retention_days(flags.get("retentionPeriod", ""))
    if retention is not None and retention < MIN_RETENTION_DAYS:
        warnings.append(
            f"-retentionPeriod={flags['retentionPeriod']} keeps about {retention:.0f} days: "
            "older history is dropped; restart VictoriaMetrics with -retentionPeriod=100y"
        )
    if flags.get("dedup.minScrapeInterval") in ("0s", "0"):
        warnings.append(
            "-dedup.minScrapeInterval is not set: restart VictoriaMetrics with "
            "-dedup.minScrapeInterval=1ms so that a re-sent sample is stored once"
        )
    return warnings


def retention_days(value: str) -> float | None:
    """Days of a -retentionPeriod flag value (a bare number means months)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([hdwy]?)", value.strip())
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2)
    per_unit = {"": 31.0, "h": 1 / 24, "d": 1.0, "w": 7.0, "y": 365.0}[unit]
    return number * per_unit
