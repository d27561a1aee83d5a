"""Paramètres: gateway credentials (or demo), each usage point's offer (from the catalogue, or
your own dated prices), usage point names, off-peak overrides, the resale price of production,
the hour of the daily sync, and how the service is reached.

Gateway settings are saved in the settings table (the client secret encrypted with the
runtime's key) and win over the environment at the next start: the source of a running service
is not swapped under a sync. Offers, prices, names and off-peak hours apply at once (a change
dated in the past says which range it re-priced); the sync hour too (the daily job is
rescheduled). Every price is checked in the page as it is typed and again by the same checks as
the API before anything is stored.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from nicegui import ui

from myelectricaldata.config import (
    SAVED_CLIENT_ID,
    SAVED_CLIENT_SECRET,
    SAVED_DEMO,
    SAVED_SYNC_HOUR,
)
from myelectricaldata.crypto import MASK
from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offers import (
    OPTIONAL_PRICES,
    REQUIRED_PRICES,
    Catalogue,
    Offer,
    OfferType,
    PersonalPrices,
    parse_kwh_price,
    personal_offer_id,
    personal_offers,
    personal_prices_from,
)
from myelectricaldata.domain.offpeak import parse_offpeak
from myelectricaldata.domain.types import Direction
from myelectricaldata.runtime import save_prices, saved_prices
from myelectricaldata.store.offers import OfferStore
from myelectricaldata.store.repo import StoredUsagePoint
from myelectricaldata.ui import i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.data import last_repricing, newest_day, prices_for, record_repricing
from myelectricaldata.ui.layout import PageContext, heading, pdl_label, repricing_banner, shell
from myelectricaldata.ui.offers import offer_name, price_problem, prices_text
from myelectricaldata.ui.period import date_field
from myelectricaldata.ui.query import MAX_DAY, MIN_DAY, read_typed_day

#: The field of a personal price version holding its monthly subscription.
SUBSCRIPTION = "subscription_eur_month"


def _result(ctx: PageContext) -> tuple[ui.label, Any]:
    label = ui.label("").classes("text-sm")
    m.apply(label, m.setting("result"), value="", unit="")

    def report(ok: bool, text_value: str) -> None:
        label.text = text_value
        label.classes(replace="text-sm " + ("text-positive" if ok else "text-negative"))
        label.props["data-value"] = "ok" if ok else "failed"
        ui.notify(text_value, type="positive" if ok else "negative")

    return label, report


def _gateway(ctx: PageContext, report: Any) -> None:
    runtime = ctx.runtime
    store = runtime.store
    settings = runtime.settings
    saved = store.settings("gateway.")
    has_secret = SAVED_CLIENT_SECRET in saved or bool(settings.med_client_secret.get_secret_value())
    demo_saved = saved.get(SAVED_DEMO)
    with ui.card().classes("w-full"):
        heading(ctx.t("set.gateway"))
        ui.label(ctx.t("set.in_force", source=ctx.label("origin", runtime.source.origin))).classes(
            "text-sm"
        )
        client_id = ui.input(
            ctx.t("set.client_id"),
            value=saved[SAVED_CLIENT_ID][0] if SAVED_CLIENT_ID in saved else settings.med_client_id,
        ).classes("w-full max-w-xl")
        m.apply(client_id, m.setting("client_id"))
        secret = ui.input(
            ctx.t("set.client_secret"), value=MASK if has_secret else "", password=True
        ).classes("w-full max-w-xl")
        secret.props("autocomplete=new-password")
        secret.props["hint"] = ctx.t("exp.secret_kept")
        m.apply(secret, m.setting("client_secret"))
        demo = ui.switch(
            ctx.t("set.demo"),
            value=(demo_saved[0] == "true") if demo_saved else runtime.is_demo,
        )
        m.apply(demo, m.setting("demo"))
        ui.label(ctx.t("set.gateway_hint")).classes("text-xs med-muted")

        def save() -> None:
            store.put_setting(SAVED_CLIENT_ID, str(client_id.value or "").strip())
            value = str(secret.value or "")
            if value != MASK:
                # Empty clears the saved secret: the environment's, if any, applies again.
                encrypted = runtime.secrets.encrypt(value) if value else ""
                store.put_setting(SAVED_CLIENT_SECRET, encrypted, secret=bool(value))
            store.put_setting(SAVED_DEMO, "true" if demo.value else "false")
            report(True, ctx.t("set.restart"))

        button = ui.button(ctx.t("common.save"), icon="save", on_click=save)
        m.apply(button, m.setting("save_gateway"))


def _names(ctx: PageContext, points: list[StoredUsagePoint], report: Any) -> None:
    store = ctx.runtime.store
    with ui.card().classes("w-full"):
        heading(ctx.t("set.names"))
        ui.label(ctx.t("set.names_hint")).classes("text-xs med-muted")
        inputs = {}
        for stored in points:
            pdl = stored.point.pdl
            saved = store.get_setting(f"ui.pdl_name.{pdl}")
            field = ui.input(
                pdl, value=saved[0] if saved else "", placeholder=stored.point.name
            ).classes("w-full max-w-xl")
            m.apply(field, m.setting(f"pdl_name:{pdl}"))
            inputs[pdl] = field

        def save() -> None:
            for pdl, field in inputs.items():
                store.put_setting(f"ui.pdl_name.{pdl}", str(field.value or "").strip())
            report(True, ctx.t("common.saved"))

        button = ui.button(ctx.t("common.save"), icon="save", on_click=save)
        m.apply(button, m.setting("save_names"))


class _Banner:
    """Where Paramètres says which range a back-dated change re-priced (after a save)."""

    def __init__(self, ctx: PageContext) -> None:
        self.ctx = ctx
        self.box = ui.column().classes("w-full gap-0")

    def show(self, pdl: str, start: date | None, what: str) -> None:
        """Record the change and say which range is recomputed (nothing before ``start``)."""
        ctx = self.ctx
        store = ctx.runtime.store
        self.box.clear()
        if start is None:
            return
        newest = newest_day(store, pdl, Direction.CONSUMPTION, ctx.today)
        with self.box:
            if start > newest:
                info = ui.label(ctx.t("reprice.future", start=i18n.day_text(start, ctx.lang)))
                info.classes("text-sm")
                return
            record_repricing(store, pdl, start, what, ctx.now)
            change = last_repricing(store, pdl, ctx.now)
            if change is not None:
                repricing_banner(ctx, change, newest)


def _price_input(
    ctx: PageContext, field: str, offer_type: OfferType, value: float | None
) -> ui.input:
    """A price typed the page's way (``0,1952``), refused with its field named as it is typed."""
    monthly = field == SUBSCRIPTION
    label = ctx.t("price.subscription" if monthly else f"price.{field}")
    required = monthly or field in REQUIRED_PRICES[offer_type]
    kind = ctx.label("otype", offer_type)

    def check(typed: str | None) -> str | None:
        return price_problem(
            ctx.lang, label, typed, monthly=monthly, required=required, offer_type=kind
        )

    shown = "" if value is None else i18n.number(value, 2 if monthly else 4, ctx.lang)
    field_input = ui.input(label, value=shown, validation=check).props("inputmode=decimal")
    m.apply(field_input, m.setting(f"personal:{field}"))
    return field_input


class _OfferForm:
    """Paramètres' "Offre et prix": the PDL's offer chosen from the catalogue (in force today at
    the meter's kVA, filtered by type), or your own dated prices."""

    def __init__(
        self, ctx: PageContext, points: list[StoredUsagePoint], report: Any, banner: _Banner
    ) -> None:
        self.ctx = ctx
        self.points = {p.point.pdl: p for p in points}
        self.report = report
        self.banner = banner
        self.pdl = points[0].point.pdl
        self.type_filter = ""
        self.personal_type = OfferType.HC_HP
        self.offers = OfferStore(ctx.runtime.store)

    # -- the offer chosen ----------------------------------------------------------------------

    def build(self) -> None:
        ctx = self.ctx
        heading(ctx.t("set.offer"))
        ui.label(ctx.t("set.offer_hint")).classes("text-xs med-muted")
        chooser = ui.select(
            {pdl: pdl_label(ctx, pdl, p.point.name) for pdl, p in self.points.items()},
            value=self.pdl,
            label=ctx.t("period.pdl"),
            on_change=lambda e: self._switch(str(e.value)),
        ).classes("w-full max-w-xl")
        m.apply(chooser, m.setting("offer_pdl"))
        self.choice = ui.column().classes("w-full gap-2")
        heading(ctx.t("set.personal"), level=3, classes="mt-4")
        ui.label(ctx.t("set.personal_hint")).classes("text-xs med-muted")
        self.personal = ui.column().classes("w-full gap-2")
        self._switch(self.pdl)

    def _switch(self, pdl: str) -> None:
        self.pdl = pdl
        self.personal_type = self._current().offer_type
        self._fill()

    def _current(self) -> Offer:
        """The row pricing the chosen PDL today."""
        ctx = self.ctx
        return prices_for(ctx.runtime.store, self.points[self.pdl], ctx.today, ctx.today).offer

    def _fill(self) -> None:
        self._fill_choice()
        self._fill_personal()

    def _fill_choice(self) -> None:
        ctx = self.ctx
        store = ctx.runtime.store
        point = self.points[self.pdl]
        catalogue = self.offers.catalogue_for(self.pdl)
        selection = self.offers.selection(self.pdl)
        pricing = prices_for(store, point, ctx.today, ctx.today, catalogue=catalogue)
        kva = point.point.subscribed_power_kva
        listed = catalogue.current(kva, ctx.today)
        self.choice.clear()
        with self.choice:
            current = ui.label(
                ctx.t(
                    "set.offer_current",
                    name=offer_name(ctx.lang, pricing.offer, pricing.provider),
                    origin=ctx.t(f"offer.origin.{pricing.origin.value}"),
                )
            ).classes("text-sm font-medium")
            m.apply(current, m.setting("offer_current"), value=pricing.offer.id, unit="")
            ui.label(
                ctx.t("set.offer_prices", prices=prices_text(ctx.lang, pricing.offer))
            ).classes("text-xs med-muted")
            types = sorted({o.offer_type for o in listed}, key=lambda t: list(OfferType).index(t))
            ui.label(
                ctx.t(
                    "set.offer_listed",
                    count=len([o for o in listed if o.origin != "personal"]),
                    day=i18n.day_text(ctx.today, ctx.lang),
                    kva=i18n.kva(kva, ctx.lang),
                )
            ).classes("text-xs med-muted")
            with ui.row().classes("w-full items-end gap-3 flex-wrap"):
                filter_select = ui.select(
                    {"": ctx.t("set.offer_all_types")}
                    | {t.value: ctx.label("otype", t) for t in types},
                    value=self.type_filter if self.type_filter in {t.value for t in types} else "",
                    label=ctx.t("set.offer_filter"),
                ).classes("min-w-[12rem]")
                m.apply(filter_select, m.setting("offer_type"))
                options = self._options(listed, catalogue, selection.gateway_offer_id)
                chosen = selection.user_offer_id or ""
                if chosen and chosen not in options:
                    chosen = ""
                offer_select = ui.select(
                    options, value=chosen, label=ctx.t("set.offer_choice")
                ).classes("w-full sm:w-auto sm:min-w-[20rem] sm:grow")
                m.apply(offer_select, m.setting("offer"))
                save = ui.button(
                    ctx.t("common.save"),
                    icon="save",
                    on_click=lambda: self._save_offer(offer_select),
                )
                m.apply(save, m.setting("save_offer"))
            shown = ui.label("").classes("text-xs med-muted")

            def describe() -> None:
                offer = catalogue.get(str(offer_select.value or ""))
                shown.text = prices_text(ctx.lang, offer) if offer is not None else ""

            def refilter(value: str) -> None:
                self.type_filter = value
                offer_select.options = self._options(listed, catalogue, selection.gateway_offer_id)
                if offer_select.value not in offer_select.options:
                    offer_select.value = ""
                offer_select.update()
                describe()

            filter_select.on_value_change(lambda e: refilter(str(e.value or "")))
            offer_select.on_value_change(lambda _: describe())
            describe()

    def _options(
        self, listed: list[Offer], catalogue: Catalogue, gateway_id: str | None
    ) -> dict[str, str]:
        ctx = self.ctx
        site = ctx.t("set.offer_site") if gateway_id else ctx.t("set.offer_none")
        if gateway_id:
            picked = catalogue.get(gateway_id)
            if picked is not None:
                site += f" ({offer_name(ctx.lang, picked, catalogue.provider_name(picked))})"
        options = {"": site}
        wanted = self.type_filter
        for offer in listed:
            if wanted and offer.offer_type.value != wanted:
                continue
            key = personal_offer_id(offer.offer_type) if offer.origin == "personal" else offer.id
            name = offer_name(ctx.lang, offer, catalogue.provider_name(offer))
            options[key] = f"{name} · {ctx.label('otype', offer.offer_type)}"
        return options

    def _save_offer(self, offer_select: ui.select) -> None:
        ctx = self.ctx
        value = str(offer_select.value or "")
        if value and value not in offer_select.options:
            self.report(False, ctx.t("set.offer_unknown"))
            return
        self.offers.set_user_offer(self.pdl, value or None)
        self.report(True, ctx.t("common.saved"))
        # Every stored day is priced again with the new offer.
        first = ctx.runtime.store.earliest_day(
            "daily_energy", pdl=self.pdl, direction=Direction.CONSUMPTION.value
        )
        self.banner.show(self.pdl, first, "offer")
        self._fill_choice()

    # -- your own dated prices -----------------------------------------------------------------

    def _fill_personal(self) -> None:
        ctx = self.ctx
        versions = self.offers.personal_versions(self.pdl)
        latest = {v.offer_type: v for v in versions}
        kind = self.personal_type
        base = latest.get(kind)
        if base is None:
            # A first version starts from the prices in force, when they are of that type.
            offer = self._current()
            if offer.offer_type is kind:
                base = PersonalPrices(kind, ctx.today, offer.subscription_eur_month, offer.prices)
        self.personal.clear()
        with self.personal:
            with ui.row().classes("w-full items-end gap-3 flex-wrap"):
                type_select = ui.select(
                    {t.value: ctx.label("otype", t) for t in OfferType},
                    value=kind.value,
                    label=ctx.t("set.personal_type"),
                    on_change=lambda e: self._retype(str(e.value)),
                ).classes("min-w-[12rem]")
                m.apply(type_select, m.setting("personal_type"))
                since = date_field(
                    ctx, ctx.t("set.personal_from"), ctx.today, m.setting("personal_from")
                )
            inputs: dict[str, ui.input] = {}
            with ui.grid().classes(
                "med-form w-full gap-x-6 gap-y-3 grid-cols-1 sm:grid-cols-2 md:grid-cols-3"
            ):
                inputs[SUBSCRIPTION] = _price_input(
                    ctx, SUBSCRIPTION, kind, base.subscription_eur_month if base else None
                )
                for field in REQUIRED_PRICES[kind] + OPTIONAL_PRICES[kind]:
                    value = base.prices.get(field) if base else None
                    inputs[field] = _price_input(ctx, field, kind, value)
            use = ui.switch(ctx.t("set.personal_use"), value=True)
            m.apply(use, m.setting("personal_use"))
            save = ui.button(
                ctx.t("common.save"),
                icon="save",
                on_click=lambda: self._save_personal(kind, since, inputs, bool(use.value)),
            )
            m.apply(save, m.setting("save_personal"))
            ui.label(ctx.t("set.personal_history")).classes("text-xs med-muted mt-2")
            if not versions:
                ui.label(ctx.t("set.personal_none")).classes("text-sm")
            for version in versions:
                self._version_line(version)

    def _retype(self, value: str) -> None:
        self.personal_type = OfferType(value)
        self._fill_personal()

    def _version_line(self, version: PersonalPrices) -> None:
        ctx = self.ctx
        key = f"{version.offer_type.value}:{version.valid_from.isoformat()}"
        with ui.row().classes("items-center gap-2 w-full") as line:
            m.apply(line, m.setting(f"personal_version:{key}"))
            offer = personal_offers([version])[0]
            ui.label(
                f"{ctx.label('otype', version.offer_type)} — "
                f"{ctx.t('set.personal_from')} {i18n.day_text(version.valid_from, ctx.lang)} : "
                f"{prices_text(ctx.lang, offer)}"
            ).classes("text-sm grow")
            delete = ui.button(icon="delete", on_click=lambda v=version: self._delete(v)).props(
                "flat round dense"
            )
            name = ctx.t("set.personal_delete", day=i18n.day_text(version.valid_from, ctx.lang))
            delete.props["aria-label"] = name
            delete.tooltip(name)
            m.apply(delete, m.setting(f"personal_delete:{key}"))

    def _save_personal(
        self, kind: OfferType, since: ui.input, inputs: dict[str, ui.input], use: bool
    ) -> None:
        ctx = self.ctx
        problems = []
        for field_input in inputs.values():
            if not field_input.validate():
                problems.append(field_input.error or "")
        day = read_typed_day(str(since.value or ""))
        if day is None:
            problems.append(
                ctx.t(
                    "price.bad_date",
                    field=ctx.t("set.personal_from"),
                    min=i18n.day_text(MIN_DAY, ctx.lang),
                    max=i18n.day_text(MAX_DAY, ctx.lang),
                )
            )
        if problems:
            # Refused before anything is saved, each problem naming its field.
            self.report(False, " ".join(p for p in problems if p))
            return
        assert day is not None
        body: dict[str, object] = {
            "offer_type": kind.value,
            "valid_from": day.isoformat(),
            "subscription_eur_month": str(inputs[SUBSCRIPTION].value or ""),
            "prices": {
                field: str(field_input.value)
                for field, field_input in inputs.items()
                if field != SUBSCRIPTION and str(field_input.value or "").strip()
            },
        }
        try:
            version = personal_prices_from(body)
        except InvalidInput as exc:
            # The server's own checks (the same as the API's): name the field they blame.
            name = exc.field.removeprefix("prices.")
            label = ctx.t("price.subscription" if name == SUBSCRIPTION else f"price.{name}")
            self.report(False, ctx.t("price.refused", field=label, reason=exc.reason))
            return
        self.offers.put_personal(self.pdl, version)
        if use:
            self.offers.set_user_offer(self.pdl, personal_offer_id(kind))
        self.report(True, ctx.t("common.saved"))
        self.banner.show(self.pdl, version.valid_from, "prices")
        self._fill()

    def _delete(self, version: PersonalPrices) -> None:
        ctx = self.ctx
        self.offers.delete_personal(self.pdl, version.offer_type, version.valid_from)
        self.report(True, ctx.t("set.personal_deleted"))
        self.banner.show(self.pdl, version.valid_from, "prices")
        self._fill()


def _offer(ctx: PageContext, points: list[StoredUsagePoint], report: Any, banner: _Banner) -> None:
    with ui.card().classes("w-full"):
        if not points:
            heading(ctx.t("set.offer"))
            ui.label(ctx.t("common.no_pdl")).classes("text-sm")
            return
        _OfferForm(ctx, points, report, banner).build()


def _resale(ctx: PageContext, report: Any) -> None:
    """The resale price of injected production (Home Assistant's production statistics)."""
    store = ctx.runtime.store
    field = "production_resale_eur_kwh"
    label, hint = i18n.field_texts(i18n.TARIFF_FIELDS, field, ctx.lang, field=field)
    with ui.card().classes("w-full"):
        heading(ctx.t("set.resale"))
        saved = saved_prices(store).production_resale_eur_kwh

        def check(typed: str | None) -> str | None:
            return price_problem(ctx.lang, label, typed)

        resale = ui.input(
            label,
            value="" if saved is None else i18n.number(saved, 4, ctx.lang),
            validation=check,
        ).props("inputmode=decimal")
        resale.classes("w-full max-w-md")
        resale.props["hint"] = i18n.plain(hint)
        m.apply(resale, m.setting(f"tariff:{field}"))

        def save() -> None:
            if not resale.validate():
                report(False, resale.error or "")
                return
            typed = str(resale.value or "").strip()
            value = parse_kwh_price(typed, field) if typed else None
            prices = saved_prices(store).model_copy(update={field: value})
            save_prices(store, prices)
            report(True, ctx.t("common.saved"))

        button = ui.button(ctx.t("common.save"), icon="save", on_click=save)
        m.apply(button, m.setting("save_resale"))


def _offpeak(
    ctx: PageContext, points: list[StoredUsagePoint], report: Any, banner: _Banner
) -> None:
    store = ctx.runtime.store
    with ui.card().classes("w-full"):
        heading(ctx.t("set.offpeak"))
        ui.label(ctx.t("set.offpeak_hint")).classes("text-xs med-muted")
        if not points:
            return
        history = ui.column().classes("gap-0 text-sm")

        def show_history(pdl: str) -> None:
            history.clear()
            stored = store.usage_point(pdl)
            with history:
                ui.label(ctx.t("set.offpeak_history")).classes("text-xs med-muted")
                for valid_from, schedule in stored.offpeak_versions if stored else ():
                    ui.label(
                        f"{i18n.day_text(valid_from, ctx.lang)} → "
                        + ("; ".join(str(r) for r in schedule.ranges) or "—")
                        + (f"  ({schedule.raw})" if schedule.raw else "")
                    )

        with ui.row().classes("items-end gap-3 flex-wrap"):
            chooser = ui.select(
                {p.point.pdl: p.point.pdl for p in points},
                value=points[0].point.pdl,
                label=ctx.t("period.pdl"),
                on_change=lambda e: show_history(str(e.value)),
            )
            m.apply(chooser, m.setting("offpeak_pdl"))
            since = date_field(ctx, ctx.t("set.offpeak_from"), ctx.today, m.setting("offpeak_from"))
            current = points[0].offpeak_versions
            ranges = ui.input(
                ctx.t("set.offpeak_ranges"),
                value=";".join(str(r) for r in current[-1][1].ranges) if current else "22:00-06:00",
            )
            m.apply(ranges, m.setting("offpeak_ranges"))

            def save() -> None:
                day = read_typed_day(str(since.value or ""))
                if day is None:
                    report(
                        False,
                        ctx.t(
                            "period.bad_dates",
                            min=i18n.day_text(MIN_DAY, ctx.lang),
                            max=i18n.day_text(MAX_DAY, ctx.lang),
                        ),
                    )
                    return
                text_value = str(ranges.value or "").replace(":", "H")
                try:
                    schedule = parse_offpeak(f"HC ({text_value})")
                except InvalidInput as exc:
                    report(False, exc.reason)
                    return
                store.set_offpeak_version(str(chooser.value), day, schedule)
                show_history(str(chooser.value))
                report(True, ctx.t("common.saved"))
                banner.show(str(chooser.value), day, "offpeak")

            button = ui.button(ctx.t("common.save"), icon="save", on_click=save)
            m.apply(button, m.setting("save_offpeak"))
        show_history(points[0].point.pdl)


def _sync(ctx: PageContext, report: Any) -> None:
    runtime = ctx.runtime
    store = runtime.store
    saved = store.get_setting(SAVED_SYNC_HOUR)
    hour = int(saved[0]) if saved else runtime.settings.sync_hour
    schedules = runtime.schedules
    with ui.card().classes("w-full"):
        heading(ctx.t("set.sync"))
        field = ui.number(
            ctx.t("set.sync_hour"), value=hour, min=0, max=23, step=1, format="%d"
        ).classes("w-40")
        m.apply(field, m.setting("sync_hour"))
        if schedules is not None:
            ui.label(ctx.t("set.sync_hint", minute=f"{schedules.minute:02d}")).classes(
                "text-xs med-muted"
            )

        def save() -> None:
            value = field.value
            if value is None or not 0 <= int(value) <= 23:
                report(False, ctx.t("set.sync_hour"))
                return
            store.put_setting(SAVED_SYNC_HOUR, str(int(value)))
            if schedules is not None:
                from apscheduler.triggers.cron import CronTrigger

                schedules.hour = int(value)
                schedules.scheduler.reschedule_job(
                    "sync",
                    trigger=CronTrigger(
                        hour=int(value), minute=schedules.minute, timezone=schedules.tz
                    ),
                )
            report(True, ctx.t("common.saved"))

        button = ui.button(ctx.t("common.save"), icon="save", on_click=save)
        m.apply(button, m.setting("save_sync"))


def _access(ctx: PageContext) -> None:
    host = ctx.runtime.settings.med_host
    access = ctx.access
    with ui.card().classes("w-full"):
        heading(ctx.t("set.access"))
        key = "set.access_open" if access is None or access.open else "set.access_guarded"
        ui.label(ctx.t(key, host=host)).classes("text-sm")


async def build(ctx: PageContext) -> None:
    """The Paramètres page."""
    points = await asyncio.to_thread(ctx.runtime.store.usage_points)
    with shell(ctx, m.PAGE_SETTINGS):
        _, report = _result(ctx)
        banner = _Banner(ctx)
        _gateway(ctx, report)
        _offer(ctx, points, report, banner)
        _names(ctx, points, report)
        _offpeak(ctx, points, report, banner)
        _resale(ctx, report)
        _sync(ctx, report)
        _access(ctx)
