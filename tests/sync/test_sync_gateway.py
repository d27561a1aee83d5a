"""Sync against the fake gateway over real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from myelectricaldata.domain.timeutil import day_bounds_utc
from myelectricaldata.domain.types import Direction
from myelectricaldata.store.repo import Store, SyncBusy
from myelectricaldata.sync.planner import DAILY_HISTORY_DAYS, DETAIL_HISTORY_DAYS
from myelectricaldata.sync.service import SyncService
from tests.fakes.gateway import FakeGateway, FakePdl

PDL = "12345678901234"
OTHER = "22222222222222"
C = Direction.CONSUMPTION


def assert_store_matches_fake(store: Store, fake: FakeGateway, pdl: str, days: list[date]) -> None:
    """Each day: daily value, every load-curve slot and max power exactly as the gateway has."""
    for day in days:
        stored = store.daily(pdl, C, day, day)
        assert [r.value_wh for r in stored] == [fake.expected_daily(pdl, day)], day
        low, high = day_bounds_utc(day)
        points = store.load_curve(pdl, C, low, high)
        assert [(p.start, p.avg_w) for p in points] == fake.expected_load_curve(pdl, day), day
        peak = store.max_power(pdl, day, day)
        assert [(p.value_va, p.at) for p in peak] == [fake.expected_max_power(pdl, day)], day


def window(fake: FakeGateway, depth: int, activation: date) -> list[date]:
    start = max(fake.today - timedelta(days=depth), activation)
    return [start + timedelta(days=i) for i in range((fake.today - start).days)]


async def test_first_run_backfills_everything_and_a_rerun_changes_nothing(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    activation = fake.today - timedelta(days=40)
    fake.set_pdls([FakePdl(PDL, activation=activation)])
    sync = make_sync()
    report = await sync.run()
    assert report.status == "success", report.errors
    days = window(fake, DETAIL_HISTORY_DAYS, activation)
    assert_store_matches_fake(store, fake, PDL, days)
    assert store.count_rows("daily_energy") == len(days)
    assert store.tempo(fake.today - timedelta(days=10), fake.today)
    assert store.ecowatt(fake.today, fake.today)

    rows = store.count_rows("load_curve")
    change_no = store.max_change_no()
    calls_before = fake.call_count("/enedis/")
    again = await sync.run()
    assert again.status == "success"
    assert again.rows_written == 0
    assert store.count_rows("load_curve") == rows
    assert store.max_change_no() == change_no  # nothing changed, nothing re-numbered
    # A rerun asks only for the last 7 days again (corrections), not the history.
    asked = fake.calls_to("/enedis/consumption/detail/")[-1]
    assert asked.params["start"] == (fake.today - timedelta(days=7)).isoformat()
    assert fake.call_count("/enedis/") - calls_before == 3  # daily, detail, max power


async def test_two_year_backfill_is_newest_first_and_complete_across_dst(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    fake.set_pdls([FakePdl(PDL, activation=date(2015, 1, 1))])
    report = await make_sync().run()
    assert report.status == "success", report.errors
    detail = fake.calls_to("/enedis/consumption/detail/")
    starts = [c.params["start"] for c in detail]
    assert starts == sorted(starts, reverse=True)  # newest first
    assert all(c.params.get("use_cache") == "true" for c in detail)
    first_detail = fake.today - timedelta(days=DETAIL_HISTORY_DAYS)
    minutes = store.load_curve_minutes_per_day(PDL, C, first_detail, fake.today)
    assert len(minutes) == DETAIL_HISTORY_DAYS
    assert minutes[date(2024, 10, 27)] == 1500 and minutes[date(2024, 3, 31)] == 1380
    assert all(m in (1380, 1440, 1500) for m in minutes.values())
    daily = store.daily(PDL, C, fake.today - timedelta(days=DAILY_HISTORY_DAYS), fake.today)
    assert len(daily) == DAILY_HISTORY_DAYS
    assert_store_matches_fake(store, fake, PDL, [date(2024, 10, 27), date(2024, 3, 31)])


async def test_quota_exhausted_mid_backfill_resumes_next_day_with_no_gap(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    activation = fake.today - timedelta(days=200)
    fake.set_pdls([FakePdl(PDL, activation=activation)])
    fake.quota = 20  # the gateway refuses before our own budget says so
    first = await make_sync().run()
    assert first.status == "partial"
    assert any(e["scope"] == "quota" for e in first.errors)
    assert fake.quota_used() == 20
    assert store.count_rows("load_curve") > 0

    for _ in range(4):  # each new UTC day resets the quota and publishes one more day
        fake.advance(days=1)
        second = await make_sync().run()
        if second.status == "success":
            break
    assert second.status == "success", second.errors
    days = window(fake, DETAIL_HISTORY_DAYS, activation)
    assert_store_matches_fake(store, fake, PDL, days)
    status = make_sync().status()
    assert status.last[0].status == "success" and status.last[1].status == "partial"


async def test_budget_planned_within_remaining_quota_and_deferred(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    activation = fake.today - timedelta(days=200)
    fake.set_pdls([FakePdl(PDL, activation=activation)])
    sync = make_sync(daily_quota=20, quota_reserve=5)
    report = await sync.run()
    assert report.status == "partial"
    assert report.deferred_calls > 0
    assert fake.quota_used() <= 15  # never spends the reserve
    assert "continues where this one stopped" in report.errors[-1]["error"]
    # Newest first: what was fetched is the most recent part of the history.
    minutes = store.load_curve_minutes_per_day(PDL, C, activation, fake.today)
    assert max(minutes) == fake.today - timedelta(days=1)


async def test_gateway_errors_then_recovery(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    fake.set_pdls([FakePdl(PDL, activation=fake.today - timedelta(days=20))])
    fake.fail_next(2, "503", retry_after="1")
    report = await make_sync(max_retries=3).run()
    assert report.status == "success", report.errors
    assert store.count_rows("daily_energy") == 20


async def test_outage_keeps_stored_data_and_reports_the_reason(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    fake.set_pdls([FakePdl(PDL, activation=fake.today - timedelta(days=20))])
    assert (await make_sync().run()).status == "success"
    before = [(r.day, r.value_wh) for r in store.daily(PDL, C, date(2000, 1, 1), fake.today)]

    fake.advance(days=1)
    fake.fail_next(200, "500", path="/enedis/")
    report = await make_sync().run()
    assert report.status == "failed"
    after = [(r.day, r.value_wh) for r in store.daily(PDL, C, date(2000, 1, 1), fake.today)]
    assert after == before
    run = store.runs(1)[0]
    assert run.status == "failed"
    assert any("500" in e["error"] or "INTERNAL" in e["error"] for e in run.errors)
    states = {(s.pdl, s.stream): s for s in store.stream_states()}
    assert states[(PDL, "consumption_daily")].last_error
    assert states[(PDL, "consumption_daily")].last_success_at is not None  # kept from before

    fake.fail_next(200, "500")  # /pdl itself down: the run fails at once, with the reason
    report = await make_sync().run()
    assert report.status == "failed"
    assert report.errors[0]["scope"] == "usage_points"


async def test_one_pdls_failure_never_blocks_another(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    activation = fake.today - timedelta(days=15)
    fake.set_pdls([FakePdl(PDL, activation=activation), FakePdl(OTHER, activation=activation)])
    fake.fail_next(100, "enedis", path=f"/enedis/consumption/detail/{PDL}")
    report = await make_sync().run()
    assert report.status == "partial"
    assert [e["scope"] for e in report.errors] == [f"{PDL}/consumption_detail"]
    assert_store_matches_fake(store, fake, OTHER, window(fake, 730, activation))
    assert store.count_rows("daily_energy", pdl=PDL) == 15  # its other streams went through


async def test_load_curve_not_enabled_is_remembered_not_reasked(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    activation = fake.today - timedelta(days=100)
    fake.set_pdls([FakePdl(PDL, activation=activation, load_curve_enabled=False)])
    report = await make_sync().run()
    assert report.status == "success", report.errors
    assert fake.call_count(f"/enedis/consumption/detail/{PDL}") == 1
    assert [u.code for u in store.unavailable_ranges(PDL)] == ["ADAM-ERR0075"]
    assert store.count_rows("daily_energy") == 100

    fake.advance(days=1)
    await make_sync().run()
    detail = fake.calls_to(f"/enedis/consumption/detail/{PDL}")
    # Only the newly published day is asked, never the remembered range.
    assert len(detail) == 2
    assert detail[-1].params["start"] == (fake.today - timedelta(days=1)).isoformat()


async def test_range_before_activation_is_found_once_and_remembered(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    # Neither /pdl nor the contract tells when the meter was activated: the sync learns it
    # from the gateway's refusals, once, and never asks for the refused days again.
    activation = fake.today - timedelta(days=30)
    fake.set_pdls([FakePdl(PDL, activation=activation, activation_known=False)])
    sync = make_sync()
    report = await sync.run()
    assert report.status == "success", report.errors
    assert_store_matches_fake(store, fake, PDL, window(fake, 730, activation))
    assert store.count_rows("daily_energy") == 30
    ranges = store.unavailable_ranges(PDL)
    assert {u.code for u in ranges} == {"ADAM-ERR0123"}
    assert {u.end for u in ranges} == {activation}  # exactly up to the first day served
    calls = fake.call_count("/enedis/")
    await sync.run()
    assert fake.call_count("/enedis/") - calls == 3  # only the recent days again


async def test_corrections_in_recent_days_overwrite(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    fake.set_pdls([FakePdl(PDL, activation=fake.today - timedelta(days=20))])
    await make_sync().run()
    fake.pdls[PDL].revision = 1  # Enedis corrected every value
    fake.pdls[PDL].quality = "CORRIGE"
    report = await make_sync().run()
    assert report.rows_written > 0
    recent = fake.today - timedelta(days=3)
    row = store.daily(PDL, C, recent, recent)[0]
    assert (row.value_wh, row.quality) == (fake.expected_daily(PDL, recent), "CORRIGE")
    assert store.count_rows("daily_energy") == 20


async def test_gap_repair_counts_slots(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    fake.set_pdls([FakePdl(PDL, activation=fake.today - timedelta(days=30))])
    await make_sync().run()
    hole = fake.today - timedelta(days=20)
    low, _ = day_bounds_utc(hole)
    from sqlalchemy import delete

    from myelectricaldata.store.schema import load_curve

    with store.engine.begin() as conn:  # lose 8 half-hours of one day
        conn.execute(
            delete(load_curve).where(
                load_curve.c.start_ts >= int(low.timestamp()),
                load_curve.c.start_ts < int(low.timestamp()) + 8 * 1800,
            )
        )
    await make_sync().run()
    assert_store_matches_fake(store, fake, PDL, [hole])


async def test_two_syncs_at_once_one_is_refused_and_rows_stay_unique(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    fake.set_pdls([FakePdl(PDL, activation=fake.today - timedelta(days=30))])
    first, second = make_sync(), make_sync()  # two services: as two processes would be
    results = await asyncio.gather(first.run(), second.run(), return_exceptions=True)
    refused = [r for r in results if isinstance(r, SyncBusy)]
    assert len(refused) == 1
    assert store.count_rows("daily_energy") == 30
    assert store.count_rows("load_curve") == sum(
        len(fake.expected_load_curve(PDL, d))
        for d in window(fake, 730, fake.today - timedelta(days=30))
    )
    with pytest.raises(SyncBusy):
        await asyncio.gather(first.run(), first.run())


async def test_explicit_range_is_fetched_again(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    fake.set_pdls([FakePdl(PDL, activation=fake.today - timedelta(days=60))])
    sync = make_sync()
    await sync.run()
    calls = fake.call_count("/enedis/consumption/daily/")
    start, end = fake.today - timedelta(days=40), fake.today - timedelta(days=31)
    report = await sync.run(start=start, end=end, pdls=[PDL])
    assert report.status == "success"
    asked = fake.calls_to("/enedis/consumption/daily/")[calls:]
    assert [(c.params["start"], c.params["end"]) for c in asked] == [
        (start.isoformat(), (end + timedelta(days=1)).isoformat())
    ]


async def test_wrong_secret_fails_the_run_with_a_clear_reason(
    fake: FakeGateway, store: Store, make_sync: Callable[..., SyncService]
) -> None:
    report = await make_sync(client_secret="not-my-secret-42").run()
    assert report.status == "failed"
    assert "MED_CLIENT_SECRET" in report.errors[0]["error"]
    assert "not-my-secret-42" not in str(report.errors)
    assert "not-my-secret-42" not in str(store.runs(1)[0].errors)
