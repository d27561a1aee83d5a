"""Stable test markers of the web UI: the contract the browser tests are written against.

How a marker shows
------------------
Every marked element carries its marker twice:

* server side, as a NiceGUI marker (``element.mark(marker)``), for ``ElementFilter`` and the
  simulated ``User`` of NiceGUI's test tooling;
* in the DOM, as the attribute ``data-testid="<marker>"`` on the element's root node (NiceGUI's
  own markers never reach the browser). Playwright: ``page.get_by_test_id("page:dashboard")``;
  Selenium: ``By.CSS_SELECTOR, '[data-testid="page:dashboard"]'``.

A displayed number also carries, on the same node:

* ``data-value``: the raw number exactly as the API gives it (``value_wh`` in Wh, ``value_va`` in
  VA, kWh of the measures catalogue, EUR...), written with ``repr``-like Python text (``12345``,
  ``1234.5``) or ``""`` when the value is unknown;
* ``data-unit``: the unit of ``data-value`` (``Wh``, ``kWh``, ``VA``, ``kVA``, ``EUR``, ``%``,
  ``W`` or ``""``).

The visible text is the formatted value in the page's language (French: ``1 234,57 kWh``, with a
narrow no-break space U+202F between thousands; English ``1,234.57 kWh``). Energy is shown in
kWh = Wh / 1000 rounded half-up to 2 decimals; costs in
EUR to 2 decimals; percentages to 1 decimal; powers in VA as integers, kVA to 1 decimal.

Markers never contain whitespace. ``<pdl>`` is the 14-digit usage point id, ``<type>`` an
exporter type (``mqtt``, ``home_assistant``...), ``<field>`` a field name of the exporter's
config JSON schema.

Pages and their URLs
--------------------
The period shown by the Consommation/Production/Bilan/€ pages is in the URL, so a test can open
a page straight on a period: ``?pdl=<pdl>&period=day|week|month|year|custom&start=YYYY-MM-DD
&end=YYYY-MM-DD`` (``start``/``end`` inclusive, like the API; ``period`` alone picks the latest
such period ending on the newest stored day; custom needs ``start`` and ``end``). The language is
per browser (``?lang=fr`` or ``?lang=en`` on any page switches and remembers it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, TypeVar

if TYPE_CHECKING:
    from nicegui.element import Element

# -- page roots: the outermost element of each page's content ------------------------------------

PAGE_DASHBOARD: Final = "page:dashboard"  # /
PAGE_CONSUMPTION: Final = "page:consumption"  # /consumption
PAGE_COST: Final = "page:cost"  # /cost
PAGE_PRODUCTION: Final = "page:production"  # /production
PAGE_BALANCE: Final = "page:balance"  # /balance
PAGE_TEMPO: Final = "page:tempo"  # /tempo
PAGE_ECOWATT: Final = "page:ecowatt"  # /ecowatt
PAGE_EXPORTER: Final = "page:exporter"  # /exporter
PAGE_SETTINGS: Final = "page:settings"  # /settings
PAGE_SIMULATOR: Final = "page:simulator"  # /simulator
PAGE_LOGIN: Final = "page:login"  # /login (only when the service is bound beyond loopback)
PAGE_NOT_FOUND: Final = "page:not_found"  # any other path: 404, in the UI's language
PAGE_ERROR: Final = "page:error"  # a page that failed: 500, in the UI's language

#: Path of every page, by its root marker.
PAGE_PATHS: Final[dict[str, str]] = {
    PAGE_DASHBOARD: "/",
    PAGE_CONSUMPTION: "/consumption",
    PAGE_COST: "/cost",
    PAGE_PRODUCTION: "/production",
    PAGE_BALANCE: "/balance",
    PAGE_TEMPO: "/tempo",
    PAGE_ECOWATT: "/ecowatt",
    PAGE_EXPORTER: "/exporter",
    PAGE_SETTINGS: "/settings",
    PAGE_SIMULATOR: "/simulator",
}

# -- shell (header and drawer, on every page but the login) ---------------------------------------

SHELL_HEADER: Final = "shell:header"
SHELL_DRAWER: Final = "shell:drawer"
SHELL_MENU: Final = "shell:menu"  # the button that opens/closes the drawer (phones)
SWITCH_LANGUAGE: Final = "switch:language"  # a toggle button; its text is the OTHER language
SWITCH_THEME: Final = "switch:theme"  # a button cycling light -> dark
BADGE_DEMO: Final = "badge:demo"  # present only when the data shown is demo data
LOGOUT: Final = "shell:logout"  # present only when a login is required


def nav(page_marker: str) -> str:
    """Drawer link to a page, e.g. ``nav:page:consumption``."""
    return f"nav:{page_marker}"


# -- displayed numbers


def value(scope: str, key: str) -> str:
    """A displayed number: ``value:<pdl>:<key>`` (or ``value:tempo:<key>``...).

    Dashboard keys are the measures catalogue keys (``consumption_yesterday``,
    ``consumption_month``, ``consumption_month_evolution``, ``consumption_year``,
    ``consumption_year_evolution``, ``production_yesterday``, ``cost_month``...), the values of
    :func:`myelectricaldata.exporters.snapshot.compute_snapshot`. Period pages use:

    * ``period_total_wh`` (sum of the API's ``value_wh`` over the shown period),
      ``period_days`` (number of days with a value), ``period_max_va`` (highest ``value_va``),
      ``subscribed_kva``;
    * N vs N-1 (Consommation, Production): ``period_prev_wh`` (sum of the daily ``value_wh`` a
      year earlier — same date, or 52 weeks earlier for a week — over the days of the period
      that have a value both years), ``period_change_wh`` (this period minus that, over the
      same days) and ``period_change_pct`` (0.1 precision);
    * HC/HP split (Consommation, HC/HP or Tempo contract): ``split_hc_wh``, ``split_hp_wh`` and,
      on Tempo, ``split_blue_wh``, ``split_white_wh``, ``split_red_wh`` — the load curve of the
      period's complete days split per tag (rounded to the Wh);
    * cost page: ``cost_total_eur``, ``cost_energy_eur``, ``cost_subscription_eur`` of the shown
      period; ``cost_prev_eur`` (the same dates a year earlier, priced the same way),
      ``cost_change_eur``, ``cost_change_pct``; ``cost_<tag>_eur`` per tariff tag (``hc``,
      ``hp``, ``bluehc``...) and, on Tempo, ``cost_blue_eur``, ``cost_white_eur``,
      ``cost_red_eur``; and ``compare_base_eur``, ``compare_hc_hp_eur``, ``compare_tempo_eur``
      (last 12 months priced with each option);
    * balance page (the meter's NET flows: consumption = import, production = export):
      ``balance_consumption_wh`` and ``balance_production_wh`` (sums of the API's daily
      ``value_wh``), ``balance_net_wh`` (production - consumption), ``balance_export_days``
      (days whose production ``value_wh`` > 0), ``balance_export_hours`` (hours of the
      production load-curve intervals with ``avg_w`` > 0, unit ``h``), ``balance_export_peak_w``
      (highest production ``avg_w``); self-consumption is not measured by the meter, so
      ``balance_gross_production_wh`` (the inverter's production the user entered, ``?gross_kwh=``
      in the URL), ``balance_self_consumption_wh`` (gross - production),
      ``balance_self_rate_pct`` (self / gross) and ``balance_self_sufficiency_pct``
      (self / (self + consumption)) are ``""`` until it is entered.

    Dashboard grid card: ``value:tempo:tempo_today``, ``value:tempo:tempo_tomorrow``,
    ``value:ecowatt:ecowatt_j0``, ``value:ecowatt:ecowatt_now`` (the catalogue's values).
    Tempo page (scope ``tempo``): ``today``, ``tomorrow`` (data-value the colour ``BLUE``/
    ``WHITE``/``RED`` or ``""`` when not published), ``remaining_BLUE``, ``remaining_WHITE``,
    ``remaining_RED`` (the API's ``remaining``). EcoWatt page (scope ``ecowatt``):
    ``level:<YYYY-MM-DD>`` (day level 1-3).
    """
    return f"value:{scope}:{key}"


# -- charts (an ECharts element; its DOM node holds a <canvas>; data-value: how many points, bars
# or days it shows, data-unit what they are) -----------------------------------

CHART_DAILY: Final = "chart:daily"  # bars per day, or per month beyond 62 days (unit "days" or
# "months"), with last year's beside them (kWh)
CHART_LOAD_CURVE: Final = "chart:load_curve"  # load curve (W), HC/HP shading, Tempo colours
CHART_MAX_POWER: Final = "chart:max_power"  # max power per day (VA) vs subscribed power
CHART_COST: Final = "chart:cost"  # cost per day/month (EUR), last year's total as a line
CHART_COMPARE: Final = "chart:compare"  # BASE vs HC/HP vs Tempo over the last 12 months
CHART_BALANCE: Final = "chart:balance"  # consumption (import) vs production (export) per day
CHART_BALANCE_HOURLY: Final = "chart:balance_hourly"  # mean import/export per hour of the day
CHART_SPLIT: Final = "chart:split"  # kWh per tariff tag (HC/HP, Tempo colour) per day/month
CHART_TEMPO: Final = "chart:tempo"  # not a chart: the season calendar grid (see CALENDAR)
CHART_ECOWATT: Final = "chart:ecowatt"  # not a chart: the 4 x 24 grid (see ECOWATT_CELL)
#: Every ECharts chart has role="img", an aria-label (its title) and aria-describedby pointing
#: to its text summary, a visible line marked summary(<chart marker>).


def summary(chart_marker: str) -> str:
    """The text summary of a chart: ``summary:chart:daily``..."""
    return f"summary:{chart_marker}"


#: Where the figures of a page come from (the € page prices the load curve, the kWh page
#: shows the daily index): a short note marked SOURCE_NOTE on each of those pages.
SOURCE_NOTE: Final = "source:note"

# -- prices (Consommation €, Paramètres) ----------------------------------------------------------

#: The offer pricing the shown PDL (€ page): data-value the offer row's id (``default:<TYPE>``
#: when no offer is chosen and the default prices apply).
COST_OFFER: Final = "cost:offer"
#: The prices used (€ page): one line per dated row pricing the period; data-value how many.
COST_PRICES: Final = "cost:prices"
#: The € page's link to the Simulateur.
COST_SIMULATOR_LINK: Final = "cost:simulator"
#: The banner saying which range a back-dated change (prices, offer, off-peak hours) re-priced,
#: on Paramètres after saving one and on the € page for a week; data-value
#: ``YYYY-MM-DD..YYYY-MM-DD`` (its first day .. the newest stored day).
REPRICE_BANNER: Final = "reprice:banner"

# -- simulator -------------------------------------------------------------------------------------

SIM_LAST_YEAR: Final = "sim:last_year"  # button: the last 12 months (the default)
SIM_RANKING: Final = "sim:ranking"  # the ranked list (<ol>); data-value how many offers
SIM_NOTES: Final = "sim:notes"  # what the result depends on (days with a curve, peak days...)
CHART_SIMULATOR: Final = "chart:simulator"  # cost of each offer over the period (EUR)


def sim_offer(offer_id: str) -> str:
    """One offer of the ranking ``sim:offer:<offer id>`` (an <li>); data-value its rank, ``""``
    when only a cost range is known (EJP, peak days unknown) or it could not be priced.

    Inside it, numbers ``value(<pdl>, "sim_total:<offer id>")`` (EUR over the period, ``""``
    for a range), ``sim_low:<id>`` and ``sim_high:<id>`` (the range; both the total when
    exact), ``sim_saving:<id>`` (EUR over the period: the current offer's total minus this
    one's, ``""`` when unknown), and ``sim_slots:<id>`` (text: kWh and EUR per slot).
    Days of the period: ``value(<pdl>, "sim_days")``, ``sim_curve_days`` (with a complete
    load curve), ``sim_estimated_days`` (priced from the daily value), ``sim_missing_days``.
    """
    return f"sim:offer:{offer_id}"


# -- tables (a Quasar q-table; rows in the DOM as <tr>) -------------------------------------------

TABLE_DAILY: Final = "table:daily"  # date | kWh | quality (+ max power VA when known)
TABLE_COST: Final = "table:cost"
TABLE_BALANCE: Final = "table:balance"
TABLE_EXPORT_HISTORY: Final = "table:export_history"  # on the Exporter page, one per tab:
# see exporter(type, "history")
#: The switch above a table that shows its optional columns on a phone (where only the key
#: columns show: date, kWh and max power; date and total €; start, status and error...).
TABLE_COLUMNS: Final = "table:all_columns"

# -- refused URL parameters -----------------------------------------------------------------------

#: The banner saying which URL parameters a page refused and why (the page shows its default
#: instead); data-value: the refused parameters' names, comma-separated.
QUERY_ERROR: Final = "query:error"

# -- balance page: self-consumption needs the inverter's production --------------------------------

BALANCE_METER_NOTE: Final = "balance:meter_note"  # why the meter cannot tell self-consumption
BALANCE_GROSS: Final = "balance:gross_production"  # input: the inverter's production, kWh
BALANCE_ESTIMATE: Final = "balance:estimate"  # button: estimate from that production
BALANCE_ERROR: Final = "balance:error"  # shown when the production entered is refused

# -- period picker (Consommation, Consommation €, Production, Bilan) ------------------------------

PERIOD_PDL: Final = "period:pdl"  # usage point select (hidden when there is only one)
PERIOD_START: Final = "period:start"  # date field: 06/12/2026 in French, 2026-12-06 in English
PERIOD_END: Final = "period:end"  # date field, inclusive (either form is read back)
PERIOD_PREV: Final = "period:prev"  # previous period of the same kind
PERIOD_NEXT: Final = "period:next"  # next period of the same kind
PERIOD_APPLY: Final = "period:apply"  # apply a custom start/end
PERIOD_LABEL: Final = "period:label"  # the shown range; data-value "YYYY-MM-DD..YYYY-MM-DD"
PERIOD_KINDS: Final = ("day", "week", "month", "year", "custom")
#: Reserved, not rendered: the load curve always covers the whole shown period (every point up
#: to 2000, LTTB down-sampled beyond, full detail on zoom); pick a day or week with the period
#: buttons. Kept so that code written against the first contract still imports.
LOAD_CURVE_DAY: Final = "load_curve:day"
LOAD_CURVE_SPAN: Final = "load_curve:span"


def period(kind: str) -> str:
    """Button choosing the period kind: ``period:day`` ... ``period:custom``."""
    return f"period:{kind}"


# -- downloads (<a> elements: read their href; it is the API's own URL) ---------------------------


def download(fmt: str, kind: str) -> str:
    """Download link ``download:<csv|xlsx>:<kind>`` of the shown period.

    ``kind`` is ``consumption_daily``, ``consumption_detail``, ``production_daily``,
    ``production_detail``, ``max_power``, ``tempo`` or ``ecowatt``. The href is the API route of
    the same period with ``format=csv`` or ``format=xlsx`` (e.g.
    ``/api/consumption/daily/<pdl>?start=...&end=...&format=csv``): the file holds exactly the
    API's rows.
    """
    return f"download:{fmt}:{kind}"


EXPORT_MENU: Final = "download:menu"  # the "Exporter" button that opens the CSV/XLSX choices

# -- sync (dashboard)

SYNC_BUTTON: Final = "sync:button"  # "Synchroniser"; disabled while a sync runs
SYNC_PROGRESS: Final = "sync:progress"  # progress bar; data-value the API's percent (0-100)
SYNC_STATUS: Final = "sync:status"  # text of the current/last run; data-value its status
QUOTA: Final = "sync:quota"  # gateway quota; data-value remaining calls ("" on demo data)


def pdl_card(pdl: str) -> str:
    """The dashboard card of a usage point: ``card:<pdl>``."""
    return f"card:{pdl}"


#: The dashboard's grid card: Tempo today and tomorrow, EcoWatt today and now (see value()).
GRID_CARD: Final = "card:grid"
#: The dashboard's exporters card: one health line per exporter (see exporter_health).
EXPORTERS_CARD: Final = "card:exporters"


def exporter_health(type_: str) -> str:
    """An exporter's health on the dashboard ``health:<type>``: data-value the last run's
    status (``success``, ``failed``, ``running``, ``""`` when it never ran); a failed one shows
    its error and is flagged."""
    return f"health:{type_}"


def reprice(type_: str) -> str:
    """A destination's pending re-pricing on the dashboard ``reprice:<type>``: data-value the
    days it has yet to re-send, ``<first>/<last>`` (ISO), after a back-dated change."""
    return f"reprice:{type_}"


# -- Tempo and EcoWatt grids -----------------------------------------------------------------------


TEMPO_LEGEND: Final = "tempo:legend"  # the calendar's legend (colours, unknown, today)


def tempo_day(day: str) -> str:
    """A day cell of the Tempo season calendar ``tempo:day:YYYY-MM-DD``; data-value its colour
    (``BLUE``/``WHITE``/``RED``, ``""`` when unknown). A day up to today is a link to the
    Consommation page of that day."""
    return f"tempo:day:{day}"


def ecowatt_cell(day: str, hour: int) -> str:
    """An hour cell of the EcoWatt grid ``ecowatt:YYYY-MM-DD:<0-23>``; data-value its level 0-3."""
    return f"ecowatt:{day}:{hour}"


def ecowatt_message(day: str) -> str:
    """The message of an EcoWatt day ``ecowatt:message:YYYY-MM-DD``."""
    return f"ecowatt:message:{day}"


# -- Exporter page


def exporter(type_: str, part: str) -> str:
    """An element of an exporter's tab: ``exporter:<type>:<part>``.

    Parts: ``tab`` (the tab header), ``panel`` (the tab content), ``enabled`` (switch),
    ``interval`` (number input, minutes), ``save`` (button), ``test`` ("Tester la connexion"),
    ``test_result`` (text; data-value ``ok`` or ``failed``), ``run`` ("Exporter maintenant"),
    ``progress`` (live progress of a run; data-value the run's status), ``history`` (the export
    history table), ``save_result`` (text after saving; data-value ``ok`` or ``failed``).
    Home Assistant only, shown when its statistics routes exist: ``stats_list``, ``stats_clear``,
    ``stats_reimport``, ``stats_from`` (date input), ``stats_table``.
    """
    return f"exporter:{type_}:{part}"


def exporter_field(type_: str, field: str) -> str:
    """An input generated from the config schema: ``exporter:<type>:field:<field>``.

    A secret field is a password input whose value is ``********`` when a secret is stored
    (left as is, the stored secret is kept).
    """
    return f"exporter:{type_}:field:{field}"


# -- Settings page


def setting(name: str) -> str:
    """An input or button of the settings page: ``settings:<name>``.

    Names: ``client_id``, ``client_secret``, ``demo`` (switch), ``save_gateway``,
    ``sync_hour``, ``save_sync``, ``pdl_name:<pdl>``, ``save_names``, ``offpeak_pdl`` (select),
    ``offpeak_from`` (a date field like PERIOD_START), ``offpeak_ranges`` (text like
    ``22:30-06:30;12:00-14:00``), ``save_offpeak``, ``result`` (the last save's message;
    data-value ``ok`` or ``failed``).

    Offer and prices: ``offer_pdl`` (select of the usage point), ``offer_type`` (filter of the
    offers by type, ``""`` for every type), ``offer`` (select: the catalogue offers in force
    today at the meter's kVA, your own prices, the one picked on the site), ``offer_current``
    (text; data-value the id of the row in force), ``save_offer``; your own dated prices:
    ``personal_type`` (select of an offer type), ``personal_from`` (date field),
    ``personal:subscription_eur_month`` and ``personal:<price field>`` (texts, French decimal
    commas accepted: ``0,1952``; a refused value shows its error under the field, naming it),
    ``personal_use`` (switch: use them for this usage point), ``save_personal``,
    ``personal_version:<TYPE>:<YYYY-MM-DD>`` (a saved version) and
    ``personal_delete:<TYPE>:<YYYY-MM-DD>`` (its delete button);
    ``tariff:production_resale_eur_kwh`` and ``save_resale`` (the resale price of injected
    production).
    """
    return f"settings:{name}"


# -- login

LOGIN_FORM: Final = "login:form"
LOGIN_PASSWORD: Final = "login:password"
LOGIN_SUBMIT: Final = "login:submit"
LOGIN_ERROR: Final = "login:error"  # shown after a refusal (wrong password or rate limit)


# -- applying a marker


E = TypeVar("E", bound="Element")


def apply(element: E, marker: str, *, value: Any = None, unit: str | None = None) -> E:
    """Mark ``element`` for tests: NiceGUI marker plus ``data-testid`` (and ``data-value``/
    ``data-unit`` for a displayed number, when ``value`` or ``unit`` is given)."""
    element.mark(marker)
    element.props["data-testid"] = marker
    if value is not None or unit is not None:
        element.props["data-value"] = raw(value)
        element.props["data-unit"] = unit or ""
    return element


def raw(number: Any) -> str:
    """Text of a raw value for ``data-value``: ``""`` for unknown, ints without ``.0``."""
    if number is None:
        return ""
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)
