"""Sync against the fake gateway over real HTTP, on SQLite and on PostgreSQL.

The fake answers as the gateway's own code does (DESIGN.md §4.1); its clock is 10:00 in Paris
on 6 December 2026.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from myelectricaldata.domain.timeutil import day_bounds_utc, day_length_minutes
from myelectricaldata.domain.types import Direction, Stream
from myelectricaldata.store.offers import OfferStore, Selection
from myelectricaldata.store.repo import Store, SyncBusy
from myelectricaldata.sync.service import SyncService
from tests.fakes.gateway import Call, FakeGateway, FakePdl

PDL = "12345678901234"
OTHER = "98765432109876"
OFF = "11111111111111"
C, P = Direction.CONSUMPTION, Direction.PRODUCTION
MakeSync = Callable[..., SyncService]


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def years_back(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


def assert_store_matches_fake(store: Store, fake: FakeGateway, pdl: str, days: list[date]) -> None:
    """Each day: daily value (not yesterday's: never served), every slot, max power."""
    yesterday = fake.today - timedelta(days=1)
    for day in days:
        stored = store.daily(pdl, C, day, day)
        if day != yesterday:
            assert [r.value_wh for r in stored] == [fake.expected_daily(pdl, day)], day
        low, high = day_bounds_utc(day)
        points = store.load_curve(pdl, C, low, high)
        assert [(p.start, p.avg_w) for p in points] == fake.expected_load_curve(pdl, day), day
        peak = store.max_power(pdl, day, day)
        assert [(p.value_va, p.at) for p in peak] == [fake.expected_max_power(pdl, day)], day


def holes(store: Store, pdl: str, stream: Stream, start: date, end: date) -> list[date]:
    """Days of [start, end) the store lacks for a stream (a load-curve day counts its minutes)."""
    if stream.is_detail:
        minutes = store.load_curve_minutes_per_day(pdl, stream.direction, start, end)
        return [d for d in days_between(start, end) if minutes.get(d, 0) < day_length_minutes(d)]
    if stream is Stream.MAX_POWER:
        present = store.max_power_days_present(pdl, start, end)
    else:
        present = store.daily_days_present(pdl, stream.direction, start, end)
    return [d for d in days_between(start, end) if d not in present]


def data_calls(fake: FakeGateway, since: int = 0) -> list[Call]:
    return [c for c in fake.calls[since:] if c.path.startswith("/enedis/")]


# -- the cold first sync ----------------------------------------------------------------------


def cold_account() -> list[FakePdl]:
    """Three PDLs: two years of history, one activated inside the window with production, and
    one the site lists as inactive."""
    return [
        FakePdl(PDL),
        FakePdl(
            OTHER,
            activation=date(2025, 6, 1),
            name="Atelier PV",
            subscribed_power_kva=None,
            offpeak_hours=None,
            pricing_option="BASE",
            has_production=True,
            listed_activation=False,
            contract_activation=False,
        ),
        FakePdl(
            OFF,
            name="Ancien logement",
            subscribed_power_kva=6,
            offpeak_hours=None,
            pricing_option="BASE",
            is_active=False,
        ),
    ]


async def test_cold_first_sync_of_three_pdls_completes_within_the_quota_without_holes(
    fake: FakeGateway, store: Store, make_sync: MakeSync, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.set_pdls(cold_account())
    spring = [date(2025, 3, 30), date(2026, 3, 29)]
    fake.warm_cache(PDL, spring, revision=1)  # cached copies Enedis corrected since
    sync = make_sync(quota_reserve=20)
    started = time.perf_counter()
    report = await sync.run()
    wall = time.perf_counter() - started
    assert report.status == "success", report.errors

    today = fake.today
    yesterday = today - timedelta(days=1)
    activation = date(2025, 6, 1)  # B's, told by neither /pdl nor its contract
    windows = {
        (PDL, Stream.CONSUMPTION_DAILY): (years_back(today, 3), yesterday),  # never served
        (PDL, Stream.CONSUMPTION_DETAIL): (years_back(today, 2), today),
        (PDL, Stream.MAX_POWER): (years_back(today, 3), today),
        (OTHER, Stream.CONSUMPTION_DAILY): (activation, yesterday),
        (OTHER, Stream.CONSUMPTION_DETAIL): (activation, today),
        (OTHER, Stream.MAX_POWER): (activation, today),
        (OTHER, Stream.PRODUCTION_DAILY): (activation, today),
        (OTHER, Stream.PRODUCTION_DETAIL): (activation, today),
    }
    # The minimum: one call per 7 days of load curve and per 365 days of daily values, per
    # stream, plus one per stream whose activation day is unknown (B's five).
    minimum = sum(
        math.ceil((hi - lo).days / (7 if stream.is_detail else 365))
        for (_, stream), (lo, hi) in windows.items()
    ) + sum(1 for pdl, _ in windows if pdl == OTHER)
    calls = data_calls(fake)
    cached = [c for c in calls if c.params.get("use_cache") == "true"]
    uncached = [c for c in calls if c.params.get("use_cache") != "true"]
    assert len(cached) <= 1.05 * minimum, (len(cached), minimum)

    # Only the days the cache dropped went to the 50-call bucket, once each: the day before
    # each older yearly chunk of daily consumption (its end day was already cached).
    dropped = {
        (c.path.rsplit("/", 1)[1], date.fromisoformat(c.params["end"]) - timedelta(days=1))
        for c in cached
        if "/consumption/daily/" in c.path and date.fromisoformat(c.params["end"]) < yesterday
    }
    repairs = [
        (c.path.rsplit("/", 1)[1], date.fromisoformat(c.params["start"]), c.params["end"])
        for c in uncached
    ]
    assert {(pdl, day) for pdl, day, _ in repairs} == dropped and len(repairs) == len(dropped)
    assert all(end == (day + timedelta(days=1)).isoformat() for _, day, end in repairs)
    assert report.repaired_days == len(dropped) > 0

    # No hole anywhere: the load curve and every daily value, yesterday's daily value aside.
    for (pdl, stream), (lo, hi) in windows.items():
        assert holes(store, pdl, stream, lo, hi) == [], (pdl, stream)
    assert store.count_rows("daily_energy", pdl=OTHER, direction="consumption") == len(
        days_between(activation, yesterday)
    )
    assert_store_matches_fake(store, fake, PDL, [*spring, date(2025, 10, 26), date(2026, 10, 25)])
    assert_store_matches_fake(store, fake, OTHER, [activation, yesterday])
    assert holes(store, PDL, Stream.CONSUMPTION_DAILY, yesterday, today) == [yesterday]

    # The cached copies of the spring days were merged, the fresh values kept.
    stale = fake.pdls[PDL].revision
    fake.pdls[PDL].revision = 1
    old = {d: fake.expected_load_curve(PDL, d) for d in spring}
    fake.pdls[PDL].revision = stale
    conflicts = sum(
        a != b
        for d in spring
        for a, b in zip(old[d], fake.expected_load_curve(PDL, d), strict=True)
    )
    assert report.conflicts == conflicts > 0

    # The inactive PDL cost nothing and shows inactive; the quota holds.
    assert not any(OFF in c.path for c in fake.calls)
    stored = {p.point.pdl: p for p in store.usage_points()}
    assert stored[OFF].point.is_active is False and stored[OFF].inactive_reason
    assert report.skipped_pdls == [OFF]
    assert fake.quota_used(bucket="cached") <= 1000 - 20
    assert fake.quota_used(bucket="no_cache") == len(repairs) + 2  # and EcoWatt's two
    assert fake.violations == []

    rows = {t: store.count_rows(t) for t in ("daily_energy", "load_curve", "max_power")}
    with capsys.disabled():
        print(
            f"\n[cold sync, {store.engine.dialect.name}] cached calls {len(cached)} / minimum "
            f"{minimum} = {len(cached) / minimum:.3f}x; boundary repairs without cache "
            f"{len(repairs)} (total {(len(cached) + len(repairs)) / minimum:.3f}x); rows {rows}; "
            f"holes 0; conflicts merged {report.conflicts}; wall time {wall:.2f} s"
        )

    # A second sync the same day has nothing to ask; the next day, one call per stream.
    seen = len(fake.calls)
    again = await sync.run()
    assert again.status == "success", again.errors
    assert data_calls(fake, seen) == []
    fake.advance(days=1)
    seen = len(fake.calls)
    next_day = await sync.run()
    assert next_day.status == "success", next_day.errors
    asked = sorted(c.path for c in data_calls(fake, seen))
    assert asked == sorted(
        f"/enedis/{route}/{pdl}"
        for pdl, routes in (
            (PDL, ["consumption/daily", "consumption/detail", "power"]),
            (OTHER, ["consumption/daily", "consumption/detail", "power"]),
            (OTHER, ["production/daily", "production/detail"]),
        )
        for route in routes
    )
    new_yesterday = fake.today - timedelta(days=1)
    assert holes(store, PDL, Stream.CONSUMPTION_DETAIL, new_yesterday, fake.today) == []
    assert holes(store, OTHER, Stream.CONSUMPTION_DAILY, yesterday, new_yesterday) == []


# -- usage points the gateway refuses -----------------------------------------------------------


async def test_pdl_refused_by_the_gateway_is_skipped_shown_inactive_and_never_blocks_others(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    activation = fake.today - timedelta(days=20)
    fake.set_pdls([FakePdl(PDL, activation=activation), FakePdl(OTHER, linked=False)])
    report = await make_sync().run()
    assert report.status == "partial"
    assert report.skipped_pdls == [OTHER]
    assert [e["scope"] for e in report.errors] == [OTHER]
    assert "ACCESS_DENIED" in report.errors[0]["error"]
    # One refused call (not counted by the gateway), then none for it in this run.
    assert len([c for c in fake.calls if OTHER in c.path]) == 1
    assert_store_matches_fake(store, fake, PDL, days_between(activation, fake.today))
    stored = {p.point.pdl: p for p in store.usage_points()}
    assert stored[OTHER].point.is_active is False
    assert "renew the Enedis consent" in (stored[OTHER].inactive_reason or "")

    fake.pdls[OTHER].linked = True  # consent renewed: the next sync serves it again
    fake.advance(days=1)
    again = await make_sync().run()
    assert again.status == "success", again.errors
    stored = {p.point.pdl: p for p in store.usage_points()}
    assert stored[OTHER].point.is_active and stored[OTHER].inactive_reason is None


# -- one bad answer never stops the run ---------------------------------------------------------


async def test_an_answer_that_cant_be_read_fails_that_chunk_alone_and_is_asked_again(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    activation = fake.today - timedelta(days=40)
    fake.set_pdls([FakePdl(PDL, activation=activation)])
    fake.fail_next(1, "bad_value", path=f"/enedis/consumption/detail/{PDL}")
    report = await make_sync().run()
    assert report.status == "partial"
    (error,) = report.errors
    assert error["scope"] == f"{PDL}/consumption_detail" and error["kind"] == "GatewayDataError"
    assert "'value'" in error["error"]
    # The newest week failed; the older weeks and the other streams went on.
    newest = days_between(fake.today - timedelta(days=7), fake.today)
    older = days_between(activation, fake.today - timedelta(days=7))
    assert holes(store, PDL, Stream.CONSUMPTION_DETAIL, activation, fake.today) == newest
    assert_store_matches_fake(store, fake, PDL, older)
    again = await make_sync().run()
    assert again.status == "success", again.errors
    assert holes(store, PDL, Stream.CONSUMPTION_DETAIL, activation, fake.today) == []


async def test_load_curve_not_enabled_is_told_not_retried_in_the_run(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    activation = fake.today - timedelta(days=100)
    fake.set_pdls([FakePdl(PDL, activation=activation, load_curve_enabled=False)])
    report = await make_sync().run()
    assert report.status == "partial"
    (error,) = report.errors
    assert error["scope"] == f"{PDL}/consumption_detail" and error["kind"] == "StreamRefused"
    assert "enable it in your Enedis customer account" in error["error"]
    assert fake.call_count(f"/enedis/consumption/detail/{PDL}") == 1
    assert store.unavailable_ranges(PDL) == []  # the user may enable it: asked again next sync
    states = {(s.pdl, s.stream): s for s in store.stream_states()}
    assert "ADAM-ERR0075" in (states[(PDL, "consumption_detail")].last_error or "")
    assert holes(store, PDL, Stream.CONSUMPTION_DAILY, activation, fake.today - timedelta(1)) == []

    fake.pdls[PDL].load_curve_enabled = True
    fake.advance(days=1)
    again = await make_sync().run()
    assert again.status == "success", again.errors
    assert holes(store, PDL, Stream.CONSUMPTION_DETAIL, activation, fake.today) == []


async def test_enedis_down_on_one_stream_never_blocks_another_pdl(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    activation = fake.today - timedelta(days=15)
    fake.set_pdls([FakePdl(PDL, activation=activation), FakePdl(OTHER, activation=activation)])
    fake.fail_next(100, "enedis", path=f"/enedis/consumption/detail/{PDL}")
    report = await make_sync().run()
    assert report.status == "partial"
    assert [e["scope"] for e in report.errors] == [f"{PDL}/consumption_detail"]
    assert_store_matches_fake(store, fake, OTHER, days_between(activation, fake.today))
    assert holes(store, PDL, Stream.MAX_POWER, activation, fake.today) == []


async def test_outage_keeps_stored_data_and_reports_the_reason(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    fake.set_pdls([FakePdl(PDL, activation=fake.today - timedelta(days=20))])
    assert (await make_sync().run()).status == "success"
    before = [(r.day, r.value_wh) for r in store.daily(PDL, C, date(2000, 1, 1), fake.today)]

    fake.advance(days=1)
    fake.fail_next(200, "502", path="/enedis/")
    report = await make_sync().run()
    assert report.status == "failed"
    assert report.errors[-1] == {
        "scope": "gateway",
        "error": "gateway unreachable on several streams; run stopped",
        "kind": "message",
    }
    after = [(r.day, r.value_wh) for r in store.daily(PDL, C, date(2000, 1, 1), fake.today)]
    assert after == before
    run = store.runs(1)[0]
    assert run.status == "failed"
    assert any("502" in e["error"] for e in run.errors)
    states = {(s.pdl, s.stream): s for s in store.stream_states()}
    assert states[(PDL, "consumption_daily")].last_error
    assert states[(PDL, "consumption_daily")].last_success_at is not None  # kept from before

    fake.fail_next(200, "500")  # /pdl itself down: the run fails at once, with the reason
    report = await make_sync().run()
    assert report.status == "failed"
    assert report.errors[0]["scope"] == "usage_points"


async def test_gateway_errors_then_recovery(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    fake.set_pdls([FakePdl(PDL, activation=fake.today - timedelta(days=20))])
    fake.fail_next(2, "503", retry_after="1")
    report = await make_sync(max_retries=3).run()
    assert report.status == "success", report.errors
    assert store.count_rows("daily_energy") == 19  # yesterday's comes tomorrow


# -- quota --------------------------------------------------------------------------------------


async def test_quota_exhausted_mid_backfill_resumes_next_day_with_no_gap(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    activation = fake.today - timedelta(days=200)
    fake.set_pdls([FakePdl(PDL, activation=activation)])
    fake.quota = 20  # the gateway refuses before our own budget says so
    first = await make_sync().run()
    assert first.status == "partial"
    assert any(e["scope"] == "quota" and "RATE_LIMIT_EXCEEDED" in e["error"] for e in first.errors)
    assert fake.quota_used() == 20
    assert store.count_rows("load_curve") > 0
    assert store.ecowatt(fake.today, fake.today)  # the other buckets went on

    for _ in range(4):  # each new UTC day resets the quota and publishes one more day
        fake.advance(days=1)
        second = await make_sync().run()
        if second.status == "success":
            break
    assert second.status == "success", second.errors
    assert_store_matches_fake(store, fake, PDL, days_between(activation, fake.today))
    status = make_sync().status()
    assert status.last[0].status == "success" and status.last[-1].status == "partial"
    assert [q.bucket for q in status.quotas] == ["cached", "no_cache"]


async def test_budget_planned_within_remaining_quota_and_deferred(
    fake: FakeGateway, store: Store, make_sync: MakeSync
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


async def test_ecowatt_quota_spent_blocks_only_ecowatt(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    activation = fake.today - timedelta(days=20)
    fake.set_pdls([FakePdl(PDL, activation=activation)])
    fake.quota_no_cache = 0
    report = await make_sync().run()
    assert report.status == "partial"
    assert [e["scope"] for e in report.errors] == ["grid/ecowatt"]
    assert "no_cache" in report.errors[0]["error"]
    assert_store_matches_fake(store, fake, PDL, days_between(activation, fake.today))
    assert store.tempo(fake.today - timedelta(days=5), fake.today)


# -- first day served, corrections, repairs ------------------------------------------------------


async def test_first_day_found_once_bounds_every_stream_and_is_remembered(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    # Neither /pdl nor the contract tells when the meter was activated: the sync finds it from
    # the refusals, once, and never asks for the refused days again, on any stream.
    activation = fake.today - timedelta(days=30)
    fake.set_pdls(
        [
            FakePdl(
                PDL,
                activation=activation,
                has_production=True,
                listed_activation=False,
                contract_activation=False,
            )
        ]
    )
    sync = make_sync()
    report = await sync.run()
    assert report.status == "success", report.errors
    assert_store_matches_fake(store, fake, PDL, days_between(activation, fake.today))
    assert holes(store, PDL, Stream.PRODUCTION_DETAIL, activation, fake.today) == []
    ranges = store.unavailable_ranges(PDL)
    assert {u.code for u in ranges} == {"ADAM-ERR0123"}
    assert {u.end for u in ranges} == {activation}  # exactly up to the first day served
    assert {u.stream for u in ranges} == {s.value for s in Stream if s.per_pdl}
    # Only one stream searched; the others started at the day found.
    refused = [c for c in data_calls(fake) if date.fromisoformat(c.params["start"]) < activation]
    assert {c.path for c in refused} == {f"/enedis/power/{PDL}"}
    fake.advance(days=1)
    seen = len(fake.calls)
    await sync.run()
    assert all(date.fromisoformat(c.params["start"]) >= activation for c in data_calls(fake, seen))


async def test_corrections_in_recent_days_overwrite_once_a_day(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    fake.set_pdls([FakePdl(PDL, activation=fake.today - timedelta(days=20))])
    sync = make_sync()
    await sync.run()
    fake.pdls[PDL].revision = 1  # Enedis corrected every value
    fake.advance(days=1)  # the gateway's cache has expired
    report = await sync.run()
    assert report.rows_written > 0
    recent = fake.today - timedelta(days=3)
    row = store.daily(PDL, C, recent, recent)[0]
    assert row.value_wh == fake.expected_daily(PDL, recent)
    low, high = day_bounds_utc(recent)
    assert [(p.start, p.avg_w) for p in store.load_curve(PDL, C, low, high)] == (
        fake.expected_load_curve(PDL, recent)
    )


async def test_gap_repair_counts_slots(
    fake: FakeGateway, store: Store, make_sync: MakeSync
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


async def test_day_the_cache_drops_is_asked_once_without_cache_and_an_enedis_hole_is_kept(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    activation = fake.today - timedelta(days=500)
    hole = fake.today - timedelta(days=366)  # a day Enedis never had, at a chunk boundary
    fake.set_pdls([FakePdl(PDL, activation=activation, missing_days={hole})])
    sync = make_sync()
    report = await sync.run()
    uncached = [c for c in data_calls(fake) if c.params["use_cache"] == "false"]
    assert [c.params["start"] for c in uncached] == [hole.isoformat()]
    assert report.repaired_days == 0  # Enedis has nothing for it
    assert (hole, hole + timedelta(days=1)) in {
        (u.start, u.end) for u in store.unavailable_ranges(PDL) if u.code == "NO_DATA"
    }
    fake.advance(days=1)
    seen = len(fake.calls)
    await sync.run()
    assert all(c.params["use_cache"] == "true" for c in data_calls(fake, seen))  # never again


async def test_an_empty_daily_answer_after_stored_days_is_a_hole_not_the_activation(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    activation = fake.today - timedelta(days=40)
    fake.set_pdls([FakePdl(PDL, activation=activation)])
    sync = make_sync()
    await sync.run()
    hole = fake.today - timedelta(days=20)
    from sqlalchemy import delete

    from myelectricaldata.store.schema import daily_energy

    with store.engine.begin() as conn:  # the value is gone here, and Enedis lost it too
        conn.execute(delete(daily_energy).where(daily_energy.c.day == hole))
    fake.pdls[PDL].missing_days = {hole}
    fake.cache_ttl = timedelta(0)  # the gateway holds nothing: the day is asked alone
    seen = len(fake.calls)
    report = await sync.run()
    assert [c.params["start"] for c in data_calls(fake, seen)] == [hole.isoformat()] * 2
    assert report.status == "success", report.errors
    assert {u.code for u in store.unavailable_ranges(PDL)} == {"NO_DATA"}  # not ADAM-ERR0123
    assert holes(store, PDL, Stream.CONSUMPTION_DAILY, activation, hole) == []


# -- concurrency, explicit ranges, credentials ---------------------------------------------------


async def test_two_syncs_at_once_one_is_refused_and_rows_stay_unique(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    activation = fake.today - timedelta(days=30)
    fake.set_pdls([FakePdl(PDL, activation=activation)])
    first, second = make_sync(), make_sync()  # two services: as two processes would be
    results = await asyncio.gather(first.run(), second.run(), return_exceptions=True)
    refused = [r for r in results if isinstance(r, SyncBusy)]
    assert len(refused) == 1
    assert store.count_rows("daily_energy") == 29
    assert store.count_rows("load_curve") == sum(
        len(fake.expected_load_curve(PDL, d)) for d in days_between(activation, fake.today)
    )
    with pytest.raises(SyncBusy):
        await asyncio.gather(first.run(), first.run())


async def test_explicit_range_is_fetched_again(
    fake: FakeGateway, store: Store, make_sync: MakeSync
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
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    report = await make_sync(client_secret="not-my-secret-42").run()
    assert report.status == "failed"
    assert "MED_CLIENT_SECRET" in report.errors[0]["error"]
    assert "not-my-secret-42" not in str(report.errors)
    assert "not-my-secret-42" not in str(store.runs(1)[0].errors)


# -- the offer picked on the site -------------------------------------------------------------


async def test_the_offer_picked_on_the_site_follows_pdl_and_never_replaces_the_users_choice(
    fake: FakeGateway, store: Store, make_sync: MakeSync
) -> None:
    today = fake.today
    fake.set_pdls([FakePdl(PDL, activation=today - timedelta(days=3), selected_offer_id="off-1")])
    offers = OfferStore(store)
    assert (await make_sync().run(start=today - timedelta(days=2), end=today)).status == "success"
    assert offers.selection(PDL) == Selection(PDL, "off-1", None)

    offers.set_user_offer(PDL, "personal:HC_HP")
    fake.pdls[PDL].selected_offer_id = "off-2"  # picked again on the site
    await make_sync().run(start=today - timedelta(days=2), end=today)
    assert offers.selection(PDL) == Selection(PDL, "off-2", "personal:HC_HP")
    assert offers.selection(PDL).offer_id == "personal:HC_HP"  # the user's choice still wins

    fake.pdls[PDL].selected_offer_id = None  # unpicked on the site
    await make_sync().run(start=today - timedelta(days=2), end=today)
    assert offers.selection(PDL) == Selection(PDL, None, "personal:HC_HP")
