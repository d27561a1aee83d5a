"""The Consommation page in the real browser: load time and payload for a day, a month, two years.

The service runs as a real process on demo data (two years of 30-minute load curve); Debian's
headless Chromium opens ``/consumption`` on each period in a fresh browser context ("cold": empty
cache, a first visit), then once more in the same context ("warm": static files cached).

Columns (median of the runs):

* ``TTFB``, ``DCL``, ``load``: Navigation Timing of the page (first byte of the HTML, which the
  service builds with the page's data; DOMContentLoaded; load), ms from navigation start;
* ``ready``: until the period's numbers are on the page and every visible chart has drawn;
* ``assets``: bytes received for static files (JS, CSS, fonts, images), as sent on the wire;
* ``page``: bytes of the HTML document and other non-asset HTTP answers (NiceGUI puts the page's
  elements, chart data included, into the HTML);
* ``ws``: bytes of the websocket frames received until the page is quiet;
* ``points``: values in the load-curve chart (down-sampled beyond the chart's limit).

Then the two-year chart is zoomed onto one week, as its slider would: the service answers with
full detail inside the window; the time until the chart holds it and the bytes are reported.
Run: ``python -m bench.ui``.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from playwright.sync_api import Browser, CDPSession, Page, sync_playwright
from tests.e2e.harness import DESKTOP, Service, Watch, guarded_page, launch_chromium

from myelectricaldata.sources.demo import DEMO_TEMPO_PDL

PDL = DEMO_TEMPO_PDL
RUNS = 3
_STATIC_TYPES = {"Script", "Stylesheet", "Font", "Image"}

#: True once the page shows its numbers and every visible chart has a canvas or svg.
_READY = f"""() => {{
    const total = document.querySelector('[data-testid="value:{PDL}:period_total_wh"]');
    if (!total || !total.dataset.value) return false;
    const charts = Array.from(document.querySelectorAll('[data-testid^="chart:"]'))
        .filter(c => c.offsetParent !== null);
    return charts.every(c => c.querySelector('canvas, svg'));
}}"""

#: Points the load-curve chart holds (the chart's ``data-value``, per the markers contract).
_POINTS = """() => {
    const node = document.querySelector('[data-testid="chart:load_curve"]');
    return node && node.dataset.value ? Number(node.dataset.value) : null;
}"""

#: Zoom the load-curve chart to ``[start, end]`` percent, as the slider or the wheel would.
_ZOOM = """([start, end]) => {
    const node = document.querySelector('[data-testid="chart:load_curve"]');
    getElement(node).chart.dispatchAction({type: 'dataZoom', start: start, end: end});
}"""

_NAVIGATION = """() => {
    const n = performance.getEntriesByType('navigation')[0];
    return {ttfb: n.responseStart, dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd};
}"""


@dataclass
class Traffic:
    """Bytes one page receives, split into static assets, other HTTP and websocket frames."""

    types: dict[str, str] = field(default_factory=dict)
    assets: int = 0
    page: int = 0
    websocket: int = 0
    active: bool = True

    def attach(self, cdp: CDPSession) -> None:
        """Follow the page's network events through the DevTools protocol."""
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.webSocketFrameReceived", self._frame)

    def _response(self, event: dict[str, Any]) -> None:
        self.types[event["requestId"]] = event.get("type", "")

    def _finished(self, event: dict[str, Any]) -> None:
        if not self.active:
            return
        size = int(event.get("encodedDataLength", 0))
        if self.types.get(event["requestId"]) in _STATIC_TYPES:
            self.assets += size
        else:
            self.page += size

    def _frame(self, event: dict[str, Any]) -> None:
        if self.active:
            self.websocket += len(event["response"].get("payloadData", "").encode())


@dataclass
class Sample:
    """One page load."""

    ttfb_ms: float
    dcl_ms: float
    load_ms: float
    ready_ms: float
    assets: int
    page: int
    websocket: int
    points: int | None


def _cdp(page: Page) -> CDPSession:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    return cdp


def _load(page: Page, cdp: CDPSession, url: str) -> Sample:
    traffic = Traffic()
    traffic.attach(cdp)
    page.goto(url, wait_until="load")
    page.wait_for_function(_READY, timeout=120_000)
    ready = float(page.evaluate("performance.now()"))
    page.wait_for_load_state("networkidle")
    traffic.active = False  # the next load in this page counts its own bytes
    nav = page.evaluate(_NAVIGATION)
    return Sample(
        ttfb_ms=float(nav["ttfb"]),
        dcl_ms=float(nav["dcl"]),
        load_ms=float(nav["load"]),
        ready_ms=ready,
        assets=traffic.assets,
        page=traffic.page,
        websocket=traffic.websocket,
        points=page.evaluate(_POINTS),
    )


def _cases(newest: date) -> list[tuple[str, dict[str, str]]]:
    month_start = newest.replace(day=1)
    two_years = newest - timedelta(days=729)
    return [
        ("one day", {"period": "day", "start": str(newest), "end": str(newest)}),
        ("one month", {"period": "custom", "start": str(month_start), "end": str(newest)}),
        ("two years", {"period": "custom", "start": str(two_years), "end": str(newest)}),
    ]


def _zoom(browser: Browser, base: str, query: dict[str, str], watch: Watch) -> str:
    """Time and bytes of zooming the two-year load curve onto about one week."""
    with guarded_page(browser, base_url=base, block=False, watch=watch) as (page, _):
        cdp = _cdp(page)
        before = _load(page, cdp, "/consumption?" + urlencode({"pdl": PDL} | query))
        traffic = Traffic()
        traffic.attach(cdp)
        started = time.perf_counter()
        week = 100 * 7 / 730
        page.evaluate(_ZOOM, [50.0, 50.0 + week])
        page.wait_for_function(f"() => ({_POINTS})() !== {before.points}", timeout=60_000)
        took = (time.perf_counter() - started) * 1000
        page.wait_for_load_state("networkidle")
        return (
            f"{took:.0f} ms until the chart holds {page.evaluate(_POINTS)} points "
            f"(was {before.points}); {traffic.websocket / 1024:.1f} KiB over the websocket"
        )


def _row(label: str, cache: str, samples: list[Sample]) -> str:
    def med(values: list[float]) -> float:
        return statistics.median(values)

    points = samples[-1].points
    return (
        f"{label:10} {cache:5} {med([s.ttfb_ms for s in samples]):6.0f} "
        f"{med([s.dcl_ms for s in samples]):6.0f} {med([s.load_ms for s in samples]):6.0f} "
        f"{med([s.ready_ms for s in samples]):6.0f} "
        f"{med([s.assets for s in samples]) / 1024:8.1f} "
        f"{med([s.page for s in samples]) / 1024:7.1f} "
        f"{med([s.websocket for s in samples]) / 1024:6.1f} "
        f"{points if points is not None else '-':>6}"
    )


def main() -> None:
    """Measure each case and print the table."""
    service = Service("bench-ui")
    service.start()
    watch = Watch()
    try:
        with httpx.Client(base_url=service.url, timeout=30) as client:
            rows = client.get(f"/api/consumption/daily/{PDL}").json()["data"]
            newest = date.fromisoformat(rows[-1]["date"])
        cases = _cases(newest)
        with sync_playwright() as driver:
            browser = launch_chromium(driver)
            try:
                # Warm the service up: the first render of a page imports and compiles.
                with guarded_page(browser, base_url=service.url, block=False, watch=watch) as (
                    page,
                    _,
                ):
                    page.goto("/consumption", wait_until="load")
                    page.wait_for_load_state("networkidle")
                print(f"Consommation page, PDL {PDL}, newest day {newest}; median of {RUNS} runs")
                print(f"viewport {DESKTOP['width']}x{DESKTOP['height']}; times in ms, sizes in KiB")
                header = (
                    f"{'period':10} {'cache':5} {'TTFB':>6} {'DCL':>6} {'load':>6} {'ready':>6} "
                    f"{'assets':>8} {'page':>7} {'ws':>6} {'points':>6}"
                )
                print(header)
                print("-" * len(header))
                for label, query in cases:
                    url = "/consumption?" + urlencode({"pdl": PDL} | query)
                    cold: list[Sample] = []
                    warm: list[Sample] = []
                    for _ in range(RUNS):
                        with guarded_page(
                            browser, base_url=service.url, block=False, watch=watch
                        ) as (page, _):
                            cdp = _cdp(page)
                            cold.append(_load(page, cdp, url))
                            warm.append(_load(page, cdp, url))
                    print(_row(label, "cold", cold))
                    print(_row(label, "warm", warm))
                print("two years, zoomed onto one week: " + _zoom(browser, service.url,
                                                                  cases[-1][1], watch))  # fmt: skip
            finally:
                browser.close()
    finally:
        service.stop()
    # The UI must work offline and cleanly: an off-machine request or a console error fails it.
    problems = watch.problems()
    if problems:
        raise SystemExit("\n".join(problems))


if __name__ == "__main__":
    main()
