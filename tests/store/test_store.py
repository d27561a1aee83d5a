"""The store's rules (DESIGN.md §5) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect

from myelectricaldata.domain.offpeak import parse_offpeak
from myelectricaldata.domain.types import (
    DailyReading,
    Direction,
    EcoWattDay,
    LoadCurvePoint,
    MaxPowerReading,
    Origin,
    PricingOption,
    TempoColor,
    TempoDay,
    UsagePoint,
)
from myelectricaldata.store.db import current_revision, upgrade
from myelectricaldata.store.repo import Store, SyncBusy, UnavailableRange
from myelectricaldata.store.schema import metadata

PDL = "12345678901234"
C = Direction.CONSUMPTION


def days(n: int, start: date = date(2024, 1, 1), base: int = 1000) -> list[DailyReading]:
    return [DailyReading(start + timedelta(days=i), base + i, "BRUT") for i in range(n)]


def test_migrations_create_every_table_and_match_the_schema(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert current_revision(store.engine) is not None

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrade_twice_keeps_data(store: Store) -> None:
    store.upsert_daily(PDL, C, days(3), Origin.DEMO)
    upgrade(store.engine)
    assert len(store.daily(PDL, C, date(2024, 1, 1), date(2024, 1, 31))) == 3


def test_refetch_overwrites_and_never_duplicates(store: Store) -> None:
    first = store.upsert_daily(PDL, C, days(10), Origin.GATEWAY)
    again = store.upsert_daily(PDL, C, days(10), Origin.GATEWAY)
    assert (first.changed, again.changed) == (10, 0)
    corrected = days(10)
    corrected[4] = DailyReading(corrected[4].day, 99, "CORRIGE")
    result = store.upsert_daily(PDL, C, corrected, Origin.GATEWAY)
    assert result.changed == 1
    rows = store.daily(PDL, C, date(2024, 1, 1), date(2024, 1, 10))
    assert len(rows) == 10
    assert (rows[4].value_wh, rows[4].quality) == (99, "CORRIGE")
    assert store.count_rows("daily_energy") == 10


def test_change_numbers_mark_exactly_the_changed_rows(store: Store) -> None:
    a = store.upsert_daily(PDL, C, days(5), Origin.GATEWAY)
    unchanged = store.upsert_daily(PDL, C, days(5), Origin.GATEWAY)
    assert unchanged.change_no is None
    backfill = store.upsert_daily(PDL, C, days(3, start=date(2023, 12, 1)), Origin.GATEWAY)
    assert a.change_no is not None and backfill.change_no is not None
    assert backfill.change_no > a.change_no
    rows = store.daily(PDL, C, date(2023, 1, 1), date(2024, 12, 31))
    old = [r.change_no for r in rows if r.day.year == 2023]
    assert old == [backfill.change_no] * 3
    assert store.max_change_no() == backfill.change_no


def test_load_curve_keyed_by_utc_instant_across_dst(store: Store) -> None:
    # 2024-10-27 (Paris) has 50 half-hours: 22:00Z the day before to 23:00Z.
    start = datetime(2024, 10, 26, 22, 0, tzinfo=UTC)
    points = [LoadCurvePoint(start + timedelta(minutes=30 * i), 400 + i) for i in range(50)]
    assert store.upsert_load_curve(PDL, C, points, Origin.GATEWAY).changed == 50
    assert store.upsert_load_curve(PDL, C, points, Origin.GATEWAY).changed == 0
    minutes = store.load_curve_minutes_per_day(PDL, C, date(2024, 10, 27), date(2024, 10, 28))
    assert minutes == {date(2024, 10, 27): 1500}
    back = store.load_curve(PDL, C, start, start + timedelta(hours=25))
    assert [p.start for p in back] == [p.start for p in points]
    assert back[0].start.tzinfo is not None


def test_incomplete_day_counts_slots(store: Store) -> None:
    start = datetime(2024, 3, 4, 23, 0, tzinfo=UTC)  # local midnight of 2024-03-05
    points = [LoadCurvePoint(start + timedelta(minutes=30 * i), 500) for i in range(40)]
    store.upsert_load_curve(PDL, C, points, Origin.GATEWAY)
    minutes = store.load_curve_minutes_per_day(PDL, C, date(2024, 3, 5), date(2024, 3, 6))
    assert minutes[date(2024, 3, 5)] == 40 * 30 < 1440


def test_usage_point_keeps_dated_offpeak_versions(store: Store) -> None:
    point = UsagePoint(
        PDL,
        name="Maison",
        subscribed_power_kva=9,
        pricing_option=PricingOption.HC_HP,
        offpeak=parse_offpeak("HC (22H30-6H30)"),
    )
    store.upsert_usage_point(point, Origin.GATEWAY, seen_on=date(2024, 1, 1))
    store.upsert_usage_point(point, Origin.GATEWAY, seen_on=date(2024, 6, 1))
    changed = UsagePoint(PDL, name="Maison", offpeak=parse_offpeak("HC (2H00-7H00;14H00-17H00)"))
    store.upsert_usage_point(changed, Origin.GATEWAY, seen_on=date(2025, 11, 3))
    stored = store.usage_point(PDL)
    assert stored is not None
    assert [v for v, _ in stored.offpeak_versions] == [date(1970, 1, 1), date(2025, 11, 3)]
    history = stored.offpeak_history
    old = history.at(date(2024, 5, 1))
    new = history.at(date(2026, 1, 1))
    assert old is not None and new is not None
    assert old.canonical() == "22:30-06:30"
    assert new.canonical() == "02:00-07:00;14:00-17:00"


def test_grid_signals_and_max_power_round_trip(store: Store) -> None:
    store.upsert_tempo([TempoDay(date(2024, 1, 8), TempoColor.RED)], Origin.GATEWAY)
    store.upsert_tempo([TempoDay(date(2024, 1, 8), TempoColor.RED)], Origin.GATEWAY)
    assert store.tempo(date(2024, 1, 1), date(2024, 1, 31))[0].color is TempoColor.RED
    hourly = tuple([0] * 8 + [2] * 4 + [1] * 12)
    store.upsert_ecowatt([EcoWattDay(date(2024, 1, 8), 2, hourly, "Tendu")], Origin.GATEWAY)
    assert store.ecowatt(date(2024, 1, 8), date(2024, 1, 8))[0].hourly == hourly
    at = datetime(2024, 1, 8, 18, 12, tzinfo=UTC)
    store.upsert_max_power(PDL, [MaxPowerReading(date(2024, 1, 8), 7400, at)], Origin.GATEWAY)
    assert store.max_power(PDL, date(2024, 1, 8), date(2024, 1, 8))[0].at == at
    assert store.count_rows("tempo_days") == 1


def test_naive_datetime_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.upsert_load_curve(PDL, C, [LoadCurvePoint(datetime(2024, 1, 1), 5)], Origin.DEMO)
    assert store.count_rows("load_curve") == 0


def test_sync_lock_is_exclusive_and_released(store: Store) -> None:
    store.acquire_sync_lock("one")
    with pytest.raises(SyncBusy):
        store.acquire_sync_lock("two")
    store.release_sync_lock("one")
    store.acquire_sync_lock("two")


def test_concurrent_writers_leave_one_row_per_key(store: Store) -> None:
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(3):
                store.upsert_daily(PDL, C, days(60), Origin.GATEWAY)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.count_rows("daily_energy") == 60


def test_unavailable_ranges_and_quota_ledger(store: Store) -> None:
    item = UnavailableRange(PDL, "consumption_detail", date(1970, 1, 1), date(2024, 1, 1), "X", "r")
    store.remember_unavailable(item)
    store.remember_unavailable(item)
    assert store.unavailable_ranges(PDL) == [item]
    store.forget_unavailable(PDL)
    assert store.unavailable_ranges() == []
    store.add(date(2024, 1, 1))
    store.add(date(2024, 1, 1), 4)
    assert store.used(date(2024, 1, 1)) == 5


def test_quota_ledger_counts_each_bucket_apart(store: Store) -> None:
    day = date(2026, 12, 6)
    store.add(day, 3, "cached")
    store.add(day, 2, "no_cache")
    store.add(day, 1, "no_cache")
    assert (store.used(day, "cached"), store.used(day, "no_cache")) == (3, 3)
    assert store.used(day + timedelta(days=1), "no_cache") == 0


def test_migration_0003_moves_counted_calls_to_the_cached_bucket(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from myelectricaldata.store.db import alembic_config, make_engine

    engine = make_engine(db_url)
    try:
        command.upgrade(alembic_config(engine), "0002")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO gateway_calls (utc_day, calls) VALUES ('2026-12-05', 7)")
            )
        upgrade(engine)
        migrated = Store(engine)
        assert migrated.used(date(2026, 12, 5), "cached") == 7
        assert migrated.used(date(2026, 12, 5), "no_cache") == 0
        command.downgrade(alembic_config(engine), "0002")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT calls FROM gateway_calls")).scalar_one() == 7
    finally:
        engine.dispose()


def test_pdl_refused_by_the_gateway_shows_inactive_until_it_serves_again(store: Store) -> None:
    store.upsert_usage_point(UsagePoint(PDL, name="Maison"), Origin.GATEWAY)
    store.upsert_usage_point(UsagePoint("98765432109876", is_active=False), Origin.GATEWAY)
    store.set_denied(PDL, "ACCESS_DENIED: renew the consent")
    store.upsert_usage_point(UsagePoint(PDL, name="Maison"), Origin.GATEWAY)  # /pdl again
    stored = {p.point.pdl: p for p in store.usage_points()}
    assert stored[PDL].point.is_active is False
    assert stored[PDL].inactive_reason == "ACCESS_DENIED: renew the consent"
    assert stored[PDL].denied_at is not None
    assert stored["98765432109876"].point.is_active is False
    assert "inactive on the MyElectricalData site" in (
        stored["98765432109876"].inactive_reason or ""
    )
    store.set_denied(PDL, None)
    again = store.usage_point(PDL)
    assert again is not None and again.point.is_active and again.inactive_reason is None
