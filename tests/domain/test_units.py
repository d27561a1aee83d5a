"""Load-curve power to energy, and ISO-8601 interval lengths."""

import pytest

from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.units import avg_power_w, energy_wh, interval_iso, interval_minutes


@pytest.mark.parametrize(
    ("minutes", "expected_wh"),
    [(10, 200.0), (15, 300.0), (30, 600.0), (60, 1200.0)],
)
def test_energy_is_watts_times_minutes_over_sixty(minutes: int, expected_wh: float) -> None:
    assert energy_wh(1200, minutes) == expected_wh


@pytest.mark.parametrize("minutes", [10, 15, 30, 60])
def test_average_power_is_the_inverse_of_energy(minutes: int) -> None:
    assert avg_power_w(energy_wh(1344, minutes), minutes) == pytest.approx(1344)


@pytest.mark.parametrize(
    ("iso", "minutes"),
    [("PT10M", 10), ("PT15M", 15), ("PT30M", 30), ("PT60M", 60), ("PT1H", 60), (" pt30m ", 30)],
)
def test_iso_durations_parse_to_minutes(iso: str, minutes: int) -> None:
    assert interval_minutes(iso) == minutes


@pytest.mark.parametrize("minutes", [10, 15, 30, 60])
def test_interval_iso_round_trips(minutes: int) -> None:
    assert interval_minutes(interval_iso(minutes)) == minutes


@pytest.mark.parametrize("bad", ["", "30", "PT", "P1D", "PT30S", "30 minutes", "PT0M"])
def test_bad_durations_are_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidInput) as error:
        interval_minutes(bad)
    assert error.value.field == "interval_length"
    assert "interval_length" in str(error.value)
