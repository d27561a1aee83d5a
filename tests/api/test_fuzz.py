"""Property-based fuzz of every OpenAPI route (schemathesis): valid and invalid parameters and
bodies, through the whole middleware stack, must never answer 500.

Each operation gets :data:`EXAMPLES` generated cases (positive and negative); the run prints how
many requests it sent and how many 500s came back (``pytest -s`` shows it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from myelectricaldata.api import create_app
from myelectricaldata.domain.types import UsagePoint
from myelectricaldata.runtime import Runtime
from myelectricaldata.sources.demo import DemoSource
from tests.api.conftest import fill, fixed_clock, make_settings

#: Generated cases per operation.
EXAMPLES = 40
COUNTS = {"requests": 0, "errors_500": 0}


class QuickDemo(DemoSource):
    """The demo source, but a sync started by the fuzz has no usage point to backfill."""

    async def usage_points(self) -> list[UsagePoint]:
        return []


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    source = QuickDemo(clock=fixed_clock)
    runtime = Runtime.from_settings(
        make_settings(tmp_path_factory.mktemp("fuzz"), med_max_body_bytes=65_536), source=source
    )
    asyncio.run(fill(runtime, DemoSource(clock=fixed_clock)))
    yield create_app(runtime, clock=fixed_clock)
    runtime.store.close()
    print(
        f"\nfuzz: {COUNTS['requests']} requests over the OpenAPI routes, "
        f"{COUNTS['errors_500']} answered 500"
    )


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_gets_a_500(
    api_schema: schemathesis.BaseSchema, mode: GenerationMode
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20  # every route of the API is in the schema
    without_invalid: list[str] = []

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_500(case: schemathesis.Case) -> None:
            response = case.call()
            COUNTS["requests"] += 1
            if response.status_code >= 500:
                COUNTS["errors_500"] += 1
            assert response.status_code < 500, (
                case.method,
                case.formatted_path,
                case.query,
                case.body,
                response.text[:500],
            )

        try:
            no_500()
        except Unsatisfiable:
            # Nothing invalid can be written for it (no parameter, no body): e.g. /api/health.
            assert mode is GenerationMode.NEGATIVE
            without_invalid.append(operation.label)
    assert len(without_invalid) < len(operations) / 2, without_invalid
