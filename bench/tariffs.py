"""Split two years of 30-minute load curve (35,040 points) into tariff slots vs a bare sum.

The baseline is the least any split must do: one pass adding every point's energy into one
total. The ratio is split / bare, per pricing option (best of five runs each).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

from myelectricaldata.domain.offpeak import OffpeakHistory, parse_offpeak
from myelectricaldata.domain.tariffs import split_energy
from myelectricaldata.domain.types import LoadCurvePoint, PricingOption, TempoColor

RUNS = 5


def _best(func: object) -> float:
    assert callable(func)
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    """Print seconds and the ratio against the bare sum for BASE, HC_HP and TEMPO."""
    rng = random.Random(7)
    start = datetime(2023, 11, 20, tzinfo=UTC)
    points = [
        LoadCurvePoint(start + timedelta(minutes=30 * i), rng.randint(0, 9000))
        for i in range(35_040)
    ]
    history = OffpeakHistory(
        [
            (date(1970, 1, 1), parse_offpeak("HC (22H30-6H30)")),
            (date(2025, 1, 1), parse_offpeak("HC (1H30-8H00;12H30-14H00)")),
        ]
    )
    colors = list(TempoColor)
    tempo = {date(2023, 11, 19) + timedelta(days=i): rng.choice(colors) for i in range(740)}

    def bare() -> float:
        total = 0.0
        for point in points:
            total += point.energy_wh
        return total

    baseline = _best(bare)
    print(f"bare sum of {len(points):,} points: {baseline * 1000:.1f} ms")
    for option in (PricingOption.BASE, PricingOption.HC_HP, PricingOption.TEMPO):
        seconds = _best(lambda option=option: split_energy(points, option, history, tempo))
        print(f"split {option.value:6}: {seconds * 1000:7.1f} ms  ratio {seconds / baseline:5.1f}x")


if __name__ == "__main__":
    main()
