"""The exporter contract suite, for built-in exporters and plug-ins alike.

Subclass :class:`ExporterContract` in a test module, give it your exporter class, a working
config, an unreachable one, and the hooks that read your destination back
(:meth:`~ExporterContract.read_back`, :meth:`~ExporterContract.read_state`); run it with pytest
and pytest-asyncio. ``docs/integrations/custom.md`` walks through it; :mod:`.data` holds the
history the suite exports and the :class:`Point` and :class:`StateValue` your hooks return;
:mod:`.harness` the plumbing of a check.
"""

from myelectricaldata.exporters.testing.contract import ExporterContract
from myelectricaldata.exporters.testing.data import (
    CONTRACT_NOW,
    CONTRACT_PDL,
    Point,
    StateValue,
    daily_points,
    sample_points,
    sent_points,
)
from myelectricaldata.exporters.testing.harness import FAST_RETRIES, Harness, service_for

__all__ = [
    "CONTRACT_NOW",
    "CONTRACT_PDL",
    "FAST_RETRIES",
    "ExporterContract",
    "Harness",
    "Point",
    "StateValue",
    "daily_points",
    "sample_points",
    "sent_points",
    "service_for",
]
