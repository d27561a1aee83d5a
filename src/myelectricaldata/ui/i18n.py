"""French and English texts of the web UI, and number/date formatting in each language.

French is the default. The choice is kept per browser in the ``med_lang`` cookie (the switch in
the header writes it; ``?lang=en`` on any page does too), so it survives restarts and needs no
server-side storage.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

Lang = Literal["fr", "en"]
LANGS: Final[tuple[Lang, ...]] = ("fr", "en")
DEFAULT_LANG: Final[Lang] = "fr"
#: Cookie holding the language (shared with the login page of the access control).
LANG_COOKIE: Final = "med_lang"
THEME_COOKIE: Final = "med_theme"

# key: (French, English)
TEXTS: Final[dict[str, tuple[str, str]]] = {
    # shell
    "app.title": ("MyElectricalData", "MyElectricalData"),
    "nav.dashboard": ("Tableau de bord", "Dashboard"),
    "nav.consumption": ("Consommation (kWh)", "Consumption (kWh)"),
    "nav.cost": ("Consommation (€)", "Consumption (€)"),
    "nav.production": ("Production", "Production"),
    "nav.balance": ("Bilan", "Balance"),
    "nav.tempo": ("Tempo", "Tempo"),
    "nav.ecowatt": ("EcoWatt", "EcoWatt"),
    "nav.exporter": ("Exporter", "Exports"),
    "nav.settings": ("Paramètres", "Settings"),
    "nav.api_docs": ("Documentation de l'API", "API documentation"),
    "shell.demo": ("Données de démonstration", "Demo data"),
    "shell.dark": ("Thème sombre", "Dark theme"),
    "shell.light": ("Thème clair", "Light theme"),
    "shell.other_lang": ("English", "Français"),
    "shell.logout": ("Se déconnecter", "Sign out"),
    "common.unknown": ("inconnu", "unknown"),
    "common.none": ("—", "—"),
    "common.no_data": ("Aucune donnée pour cette période.", "No data for this period."),
    "common.no_pdl": (
        "Aucun point de livraison connu : lancez une synchronisation depuis le tableau de bord.",
        "No usage point known yet: start a sync from the dashboard.",
    ),
    "common.save": ("Enregistrer", "Save"),
    "common.saved": ("Enregistré.", "Saved."),
    "common.error": ("Erreur", "Error"),
    "common.date": ("Date", "Date"),
    "common.quality": ("Qualité", "Quality"),
    "common.total": ("Total", "Total"),
    "common.days": ("jours", "days"),
    "common.rounding": (
        "kWh = Wh ÷ 1000, arrondi au centième ; les fichiers contiennent les valeurs exactes "
        "de l'API (Wh).",
        "kWh = Wh ÷ 1000, rounded to the hundredth; the files hold the API's exact values (Wh).",
    ),
    # period picker
    "period.day": ("Jour", "Day"),
    "period.week": ("Semaine", "Week"),
    "period.month": ("Mois", "Month"),
    "period.year": ("Année", "Year"),
    "period.custom": ("Personnalisée", "Custom"),
    "period.start": ("Début", "Start"),
    "period.end": ("Fin (incluse)", "End (inclusive)"),
    "period.apply": ("Afficher", "Show"),
    "period.prev": ("Période précédente", "Previous period"),
    "period.next": ("Période suivante", "Next period"),
    "period.pdl": ("Point de livraison", "Usage point"),
    "period.range": ("du {start} au {end}", "from {start} to {end}"),
    "period.bad_dates": (
        "Saisissez un début et une fin valides, du {min} au {max}.",
        "Enter a valid start and end, from {min} to {max}.",
    ),
    # dashboard
    "dash.yesterday": ("Hier", "Yesterday"),
    "dash.month": ("Ce mois-ci", "This month"),
    "dash.year": ("Cette année", "This year"),
    "dash.vs_last_year": ("vs l'an dernier", "vs last year"),
    "dash.production_yesterday": ("Production hier", "Production yesterday"),
    "dash.cost_month": ("Coût du mois", "Cost this month"),
    "dash.max_power": ("Puissance max hier", "Max power yesterday"),
    "dash.subscribed": ("souscrite", "subscribed"),
    "dash.last_sync": ("Dernière synchro", "Last sync"),
    "dash.never": ("jamais", "never"),
    "dash.sync": ("Synchroniser", "Sync now"),
    "dash.sync_running": ("Synchronisation en cours…", "Sync running…"),
    "dash.sync_busy": ("Une synchronisation est déjà en cours.", "A sync is already running."),
    "dash.quota": ("Quota de la passerelle", "Gateway quota"),
    "dash.quota_left": (
        "{remaining} appels restants sur {limit} aujourd'hui",
        "{remaining} calls left of {limit} today",
    ),
    "dash.quota_demo": ("sans quota (démo)", "no quota (demo)"),
    "dash.consent_ok": ("Consentement actif", "Consent active"),
    "dash.consent_off": ("Point inactif ou consentement expiré", "Inactive point or consent ended"),
    "dash.stream_errors": ("Erreurs de la dernière synchro", "Errors of the last sync"),
    "dash.option": ("Option", "Pricing option"),
    "status.running": ("en cours", "running"),
    "status.success": ("réussie", "success"),
    "status.partial": ("partielle", "partial"),
    "status.failed": ("échouée", "failed"),
    "status.interrupted": ("interrompue", "interrupted"),
    # energy pages
    "energy.daily": ("Énergie par jour (kWh)", "Energy per day (kWh)"),
    "energy.monthly": ("Énergie par mois (kWh)", "Energy per month (kWh)"),
    "energy.load_curve": ("Courbe de charge (W)", "Load curve (W)"),
    "energy.load_curve_hint": (
        "Zones grisées : heures creuses du contrat en vigueur ce jour-là ; fonds colorés : "
        "jours Tempo. Zoomez pour le détail à 30 minutes.",
        "Grey areas: off-peak hours of the contract in force that day; coloured backgrounds: "
        "Tempo days. Zoom in for the 30-minute detail.",
    ),
    "energy.downsampled": (
        "{shown} points affichés sur {total} (réduction LTTB) : zoomez pour tout voir.",
        "{shown} of {total} points shown (LTTB down-sampling): zoom in for every point.",
    ),
    "energy.no_curve": (
        "Pas de courbe de charge pour cette période.",
        "No load curve for this period.",
    ),
    "energy.max_power": ("Puissance maximale (VA)", "Maximum power (VA)"),
    "energy.subscribed": ("Puissance souscrite", "Subscribed power"),
    "energy.table": ("Détail par jour", "Day by day"),
    "energy.total": ("Total de la période", "Period total"),
    "energy.days_with_data": ("Jours avec valeur", "Days with a value"),
    "energy.peak": ("Pic de puissance", "Power peak"),
    "energy.export": ("Exporter", "Export"),
    "energy.csv": ("CSV", "CSV"),
    "energy.xlsx": ("Excel", "Excel"),
    "kind.consumption_daily": ("Consommation par jour", "Daily consumption"),
    "kind.production_daily": ("Production par jour", "Daily production"),
    "kind.consumption_detail": ("Courbe de charge", "Load curve"),
    "kind.production_detail": ("Courbe de production", "Production curve"),
    "kind.max_power": ("Puissance maximale", "Maximum power"),
    "energy.no_production": (
        "Ce point de livraison ne produit pas d'énergie.",
        "This usage point has no production.",
    ),
    "series.energy": ("Énergie", "Energy"),
    "series.power": ("Puissance", "Power"),
    "series.offpeak": ("Heures creuses", "Off-peak hours"),
    # cost
    "cost.title": ("Coût de la période", "Cost of the period"),
    "cost.energy": ("Énergie", "Energy"),
    "cost.subscription": ("Abonnement", "Subscription"),
    "cost.total": ("Total", "Total"),
    "cost.estimated": (
        "{days} jour(s) sans courbe de charge complète : chiffrés depuis leur valeur du jour, "
        "répartie comme le jour moyen des {profile} jour(s) de la période qui en ont une "
        "(« ≈ »).",
        "{days} day(s) without a complete load curve: priced from their daily value, spread "
        "like the average day of the period's {profile} day(s) that have one (“≈”).",
    ),
    "cost.per_day": ("Coût par jour (€)", "Cost per day (€)"),
    "cost.per_month": ("Coût par mois (€)", "Cost per month (€)"),
    "cost.prices": ("Prix utilisés (TTC)", "Prices used (incl. tax)"),
    "opt.BASE": ("Base", "Base"),
    "opt.HC_HP": ("Heures creuses", "Off-peak (HC/HP)"),
    "opt.TEMPO": ("Tempo", "Tempo"),
    "tag.base": ("Base", "Base"),
    "tag.hc": ("Heures creuses", "Off-peak"),
    "tag.hp": ("Heures pleines", "Peak"),
    "tag.bluehc": ("Bleu HC", "Blue off-peak"),
    "tag.bluehp": ("Bleu HP", "Blue peak"),
    "tag.whitehc": ("Blanc HC", "White off-peak"),
    "tag.whitehp": ("Blanc HP", "White peak"),
    "tag.redhc": ("Rouge HC", "Red off-peak"),
    "tag.redhp": ("Rouge HP", "Red peak"),
    "tag.unclassified": ("Non classé", "Unclassified"),
    # balance
    "balance.title": ("Soutirage et injection par jour", "Import and export per day"),
    "balance.consumption": ("Consommation (soutirage)", "Consumption (import)"),
    "balance.production": ("Production injectée", "Production exported"),
    "balance.net": ("Solde (injection − soutirage)", "Net (export − import)"),
    "balance.import_short": ("Soutirage", "Import"),
    "balance.export_short": ("Injection", "Export"),
    "balance.net_short": ("Solde", "Net"),
    "balance.export_days": ("Jours avec injection", "Days with export"),
    "balance.export_hours": ("Heures d'injection", "Hours of export"),
    "balance.export_peak": ("Pic d'injection", "Export peak"),
    "balance.meter_note": (
        "Le compteur Linky mesure le flux net au point de livraison : sa « consommation » est "
        "l'énergie soutirée au réseau, sa « production » le surplus injecté (dans chaque "
        "intervalle, l'une des deux est nulle). L'énergie produite et consommée sur place "
        "ne passe pas par le compteur : l'autoconsommation n'est pas mesurée et ne peut pas se "
        "déduire de ces courbes.",
        "The Linky meter measures the net flow at the delivery point: its “consumption” is the "
        "energy drawn from the grid, its “production” the surplus injected (in each interval "
        "one of them is zero). Energy produced and used on the spot never crosses the meter: "
        "self-consumption is not measured and cannot be derived from these curves.",
    ),
    "balance.self_title": ("Autoconsommation", "Self-consumption"),
    "balance.self_unknown": (
        "Non mesurée par le compteur. Pour l'estimer, saisissez ce que votre onduleur (ou vos "
        "micro-onduleurs) a produit sur la même période, du {start} au {end}.",
        "Not measured by the meter. To estimate it, enter what your inverter (or "
        "micro-inverters) produced over the same period, from {start} to {end}.",
    ),
    "balance.gross": ("Production de l'onduleur (kWh)", "Inverter production (kWh)"),
    "balance.gross_short": ("Production de l'onduleur", "Inverter production"),
    "balance.estimate": ("Estimer", "Estimate"),
    "balance.self": ("Autoconsommation estimée", "Estimated self-consumption"),
    "balance.self_rate": ("Taux d'autoconsommation", "Self-consumption rate"),
    "balance.sufficiency": ("Taux d'autoproduction", "Self-sufficiency rate"),
    "balance.self_formula": (
        "Autoconsommation = production de l'onduleur ({gross}) − injection ({export}). Taux "
        "d'autoconsommation = autoconsommation ÷ production ; taux d'autoproduction = "
        "autoconsommation ÷ (autoconsommation + soutirage).",
        "Self-consumption = inverter production ({gross}) − export ({export}). Self-consumption "
        "rate = self-consumption ÷ production; self-sufficiency rate = self-consumption ÷ "
        "(self-consumption + import).",
    ),
    "balance.gross_too_low": (
        "La production saisie ({gross}) est inférieure à l'injection mesurée ({export}) : "
        "vérifiez la valeur et la période.",
        "The production entered ({gross}) is below the measured export ({export}): check the "
        "value and the period.",
    ),
    "balance.gross_invalid": (
        "« Production de l'onduleur » : saisissez un nombre de kWh de 0 à 10 000 000, par "
        "exemple 412,5.",
        "“Inverter production”: enter a number of kWh from 0 to 10,000,000, for example 412.5.",
    ),
    "balance.hourly": (
        "Profil horaire moyen (Wh par heure)",
        "Average hourly profile (Wh per hour)",
    ),
    "balance.hourly_hint": (
        "Moyenne par jour de chaque heure sur les courbes de charge de la période : l'injection "
        "montre les heures où les panneaux produisent plus que la maison ne consomme.",
        "Mean of each hour of the day over the period's load curves: export shows the hours "
        "when the panels produce more than the house uses.",
    ),
    "balance.no_curves": (
        "Pas de courbe de charge sur la période : heures d'injection et profil horaire inconnus.",
        "No load curve in the period: hours of export and hourly profile unknown.",
    ),
    # tempo
    "tempo.season": ("Saison {label}", "Season {label}"),
    "tempo.today": ("Aujourd'hui", "Today"),
    "tempo.tomorrow": ("Demain", "Tomorrow"),
    "tempo.unknown": (
        "pas encore publié (vers 10 h 40 – 11 h)",
        "not published yet (around 10:40-11:00)",
    ),
    "tempo.remaining": ("Jours restants", "Days left"),
    "tempo.BLUE": ("Bleu", "Blue"),
    "tempo.WHITE": ("Blanc", "White"),
    "tempo.RED": ("Rouge", "Red"),
    "tempo.hint": (
        "Un jour Tempo va de 6 h à 6 h le lendemain ; HC de 22 h à 6 h.",
        "A Tempo day runs from 06:00 to 06:00 the next day; off-peak 22:00-06:00.",
    ),
    "tempo.prev": ("Saison précédente", "Previous season"),
    "tempo.next": ("Saison suivante", "Next season"),
    # ecowatt
    "ecowatt.title": ("Signal EcoWatt", "EcoWatt signal"),
    "ecowatt.hint": (
        "Niveau du jour : 1 vert, 2 orange, 3 rouge. Heures : 0 vert et bas carbone, 1 vert, "
        "2 orange, 3 rouge. Publié vers 17 h (le vendredi vers 12 h 15).",
        "Day level: 1 green, 2 orange, 3 red. Hours: 0 green and low carbon, 1 green, "
        "2 orange, 3 red. Published around 17:00 (Friday around 12:15).",
    ),
    "ecowatt.none": (
        "Aucun signal EcoWatt connu à partir d'aujourd'hui.",
        "No EcoWatt signal known from today on.",
    ),
    "ecowatt.level": ("Niveau {level}", "Level {level}"),
    "ecowatt.unknown_day": ("non publié", "not published"),
    # exporter
    "exp.enabled": ("Activé", "Enabled"),
    "exp.interval": (
        "Intervalle (minutes, 0 : après chaque synchro)",
        "Interval (minutes, 0: after each sync)",
    ),
    "exp.save": ("Enregistrer", "Save"),
    "exp.test": ("Tester la connexion", "Test the connection"),
    "exp.run": ("Exporter maintenant", "Export now"),
    "exp.history": ("Historique des exports", "Export history"),
    "exp.testing": ("Test en cours…", "Testing…"),
    "exp.test_ok": ("Connexion réussie", "Connection OK"),
    "exp.test_failed": ("Échec de la connexion", "Connection failed"),
    "exp.running": (
        "Export en cours : {records} / {total} enregistrements",
        "Export running: {records} / {total} records",
    ),
    "exp.done": (
        "Export {status} : {records} enregistrements",
        "Export {status}: {records} records",
    ),
    "exp.busy": (
        "Un export de cette destination est déjà en cours.",
        "This destination is already exporting.",
    ),
    "exp.secret_kept": (
        "Laisser ******** pour garder le secret enregistré (si l'adresse ne change pas).",
        "Leave ******** to keep the stored secret (if the address does not change).",
    ),
    "exp.origin": ("Configuration : {origin}", "Configuration: {origin}"),
    "exp.origin.saved": ("enregistrée", "saved"),
    "exp.origin.env": ("variables d'environnement", "environment variables"),
    "exp.origin.default": ("par défaut", "defaults"),
    "exp.invalid": ("Champs invalides", "Invalid fields"),
    "exp.broken": ("Greffons en erreur", "Broken plug-ins"),
    "exp.json_hint": ('Objet JSON, ex. {"clé": "valeur"}.', 'JSON object, e.g. {"key": "value"}.'),
    "exp.json_list_hint": ('Liste JSON, ex. ["a", "b"].', 'JSON list, e.g. ["a", "b"].'),
    "exp.list_hint": ("Liste séparée par des virgules.", "Comma-separated list."),
    "exp.col.started": ("Début", "Started"),
    "exp.col.finished": ("Fin", "Finished"),
    "exp.col.trigger": ("Déclencheur", "Trigger"),
    "exp.col.status": ("Statut", "Status"),
    "exp.col.records": ("Enregistrements", "Records"),
    "exp.col.error": ("Erreur", "Error"),
    "exp.stats": ("Statistiques Home Assistant", "Home Assistant statistics"),
    "exp.stats_list": ("Lister", "List"),
    "exp.stats_clear": ("Effacer", "Clear"),
    "exp.stats_reimport": ("Réimporter depuis", "Re-import from"),
    "exp.stats_done": ("Fait.", "Done."),
    "exp.supports": (
        "Historique : {history} · État : {state}",
        "History: {history} · State: {state}",
    ),
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
    # settings
    "set.gateway": ("Passerelle MyElectricalData", "MyElectricalData gateway"),
    "set.client_id": ("Identifiant client (client id)", "Client id"),
    "set.client_secret": ("Secret client (client secret)", "Client secret"),
    "set.demo": ("Données de démonstration", "Demo data"),
    "set.gateway_hint": (
        "Le secret est chiffré dans la base. Les changements s'appliquent au prochain "
        "démarrage du service.",
        "The secret is encrypted in the database. Changes apply at the next start of the service.",
    ),
    "set.restart": (
        "Enregistré : redémarrez le service pour l'appliquer.",
        "Saved: restart the service to apply it.",
    ),
    "set.in_force": ("Source en service : {source}", "Source in use: {source}"),
    "set.names": ("Noms des points de livraison", "Usage point names"),
    "set.names_hint": (
        "Nom affiché dans l'interface (celui du contrat reste dans l'API).",
        "Name shown in the UI (the contract's name stays in the API).",
    ),
    "set.offpeak": ("Heures creuses", "Off-peak hours"),
    "set.offpeak_hint": (
        "Un horaire s'applique à partir de sa date ; les jours précédents gardent l'horaire "
        "de leur époque. Format : 22:30-06:30;12:00-14:00",
        "A schedule applies from its date on; earlier days keep the schedule of their time. "
        "Format: 22:30-06:30;12:00-14:00",
    ),
    "set.offpeak_from": ("En vigueur à partir du", "In force from"),
    "set.offpeak_ranges": ("Plages", "Ranges"),
    "set.offpeak_history": ("Historique", "History"),
    "set.sync": ("Synchronisation quotidienne", "Daily sync"),
    "set.sync_hour": ("Heure (0-23)", "Hour (0-23)"),
    "set.sync_hint": ("Minute tirée au hasard : {minute}", "Minute drawn at random: {minute}"),
    "set.access": ("Accès", "Access"),
    "set.access_open": (
        "Le service écoute sur la boucle locale ({host}) : pas de mot de passe.",
        "The service listens on loopback ({host}): no password.",
    ),
    "set.access_guarded": (
        "Le service écoute sur {host} : mot de passe pour l'interface, jeton pour l'API.",
        "The service listens on {host}: password for the UI, token for the API.",
    ),
    # shell, accessibility
    "shell.menu": ("Ouvrir ou fermer le menu", "Open or close the menu"),
    "shell.navigation": ("Navigation principale", "Main navigation"),
    "shell.switch_lang": ("Passer l'interface en anglais", "Switch the interface to French"),
    "table.all_columns": ("Toutes les colonnes", "All columns"),
    "chart.summary": ("Résumé du graphique : {text}", "Chart summary: {text}"),
    # refused URL parameters
    "query.title": (
        "Certains paramètres de l'adresse ont été ignorés : la page affiche sa valeur par "
        "défaut à la place.",
        "Some URL parameters were ignored: the page shows its default instead.",
    ),
    "query.not_a_date": (
        "« {name} » : « {value} » n'est pas une date ; écrivez AAAA-MM-JJ, par exemple 2024-01-31.",
        "“{name}”: “{value}” is not a date; write YYYY-MM-DD, for example 2024-01-31.",
    ),
    "query.day_out_of_range": (
        "« {name} » : {value} est hors limites ; choisissez une date du {min} au {max}.",
        "“{name}”: {value} is out of range; choose a date from {min} to {max}.",
    ),
    "query.bad_period": (
        "« period » : « {value} » n'est pas une période ; utilisez day, week, month, year ou "
        "custom.",
        "“period”: “{value}” is not a period; use day, week, month, year or custom.",
    ),
    "query.end_before_start": (
        "« end » : la fin ({value}) est avant le début ; les deux dates sont inversées.",
        "“end”: the end ({value}) is before the start; the two dates are swapped.",
    ),
    "query.range_too_long": (
        "« end » : la période dépasse {days} jours ; seuls les {days} derniers jours sont "
        "affichés.",
        "“end”: the period is longer than {days} days; only the last {days} days are shown.",
    ),
    "query.unknown_pdl": (
        "« pdl » : « {value} » n'est pas un point de livraison connu ; le premier est affiché.",
        "“pdl”: “{value}” is not a known usage point; the first one is shown.",
    ),
    "query.season": (
        "« season » : « {value} » n'est pas une date du {min} au {max} (AAAA-MM-JJ) ; la "
        "saison en cours est affichée.",
        "“season”: “{value}” is not a date from {min} to {max} (YYYY-MM-DD); the current "
        "season is shown.",
    ),
    # error pages
    "error.not_found": ("Page introuvable", "Page not found"),
    "error.not_found_text": (
        "Aucune page à l'adresse {path}. Vérifiez l'adresse, ou partez du tableau de bord.",
        "There is no page at {path}. Check the address, or start from the dashboard.",
    ),
    "error.server": ("Erreur du service", "Service error"),
    "error.server_text": (
        "La page n'a pas pu être construite ({error}). Le journal du service en dit plus ; "
        "réessayez ou partez du tableau de bord.",
        "The page could not be built ({error}). The service's log says more; try again or "
        "start from the dashboard.",
    ),
    "error.home": ("Aller au tableau de bord", "Go to the dashboard"),
    # comparisons (N vs N-1)
    "yoy.previous": ("Même période l'an dernier", "Same period last year"),
    "yoy.change": ("Évolution", "Change"),
    "yoy.note": (
        "Comparé jour à jour avec les mêmes dates un an plus tôt ({days} jours présents les "
        "deux années).",
        "Compared day by day with the same dates a year earlier ({days} days present in both "
        "years).",
    ),
    "yoy.note_week": (
        "Comparé jour à jour avec la même semaine un an plus tôt (52 semaines avant, mêmes "
        "jours de la semaine ; {days} jours présents les deux années).",
        "Compared day by day with the same week a year earlier (52 weeks before, same "
        "weekdays; {days} days present in both years).",
    ),
    "yoy.unmatched": (
        "{days} jour(s) sans valeur l'an dernier ne sont pas comparés.",
        "{days} day(s) without a value last year are not compared.",
    ),
    "yoy.none": (
        "Pas de valeur l'an dernier aux mêmes dates : pas de comparaison.",
        "No value last year on the same dates: no comparison.",
    ),
    "series.previous": ("{year} (N-1)", "{year} (last year)"),
    "series.current": ("{year}", "{year}"),
    # HC/HP and Tempo split
    "split.title": (
        "Heures creuses et heures pleines (kWh, courbe de charge)",
        "Off-peak and peak hours (kWh, load curve)",
    ),
    "split.title_tempo": (
        "Jours Tempo et heures creuses/pleines (kWh, courbe de charge)",
        "Tempo days and off-peak/peak hours (kWh, load curve)",
    ),
    "split.note": (
        "Découpage de la courbe de charge sur {days} jour(s) complets de la période, avec les "
        "heures creuses en vigueur chaque jour (Tempo : couleur de chaque jour, HC 22 h – 6 h).",
        "Split of the load curve over {days} complete day(s) of the period, with the off-peak "
        "hours in force each day (Tempo: each day's colour, off-peak 22:00-06:00).",
    ),
    "split.none": (
        "Pas de courbe de charge complète sur la période : découpage HC/HP inconnu.",
        "No complete load curve in the period: off-peak/peak split unknown.",
    ),
    "split.hc": ("Heures creuses", "Off-peak hours"),
    "split.hp": ("Heures pleines", "Peak hours"),
    "split.share": ("{share} % du total", "{share} % of the total"),
    "col.hc_kwh": ("HC (kWh)", "Off-peak (kWh)"),
    "col.hp_kwh": ("HP (kWh)", "Peak (kWh)"),
    "col.hc_eur": ("HC (€)", "Off-peak (€)"),
    "col.hp_eur": ("HP (€)", "Peak (€)"),
    "col.tempo": ("Tempo", "Tempo"),
    "col.kwh": ("kWh", "kWh"),
    "col.wh": ("Wh", "Wh"),
    "col.max_va": ("Puissance max (VA)", "Max power (VA)"),
    "col.note": ("Remarque", "Note"),
    "note.estimated": ("≈ estimé (valeur du jour)", "≈ estimated (daily value)"),
    "note.missing": ("∅ pas de valeur", "∅ no value"),
    # sources of the figures
    "source.energy": (
        "D'où viennent les chiffres : le total, les barres par jour et le tableau sont les "
        "index quotidiens d'Enedis (la valeur officielle de chaque jour) ; la courbe de charge "
        "est la puissance moyenne par 30 minutes, dont la somme est proche mais pas égale à "
        "l'index du jour ; le découpage HC/HP vient de la courbe de charge. La page "
        "Consommation (€) chiffre la courbe de charge : ses kWh peuvent donc différer "
        "légèrement de ceux-ci.",
        "Where the figures come from: the total, the daily bars and the table are Enedis's "
        "daily index values (each day's official value); the load curve is the average power "
        "per 30 minutes, whose sum is close to but not equal to the day's index; the "
        "off-peak/peak split comes from the load curve. The Consumption (€) page prices the "
        "load curve, so its kWh can differ slightly from these.",
    ),
    "source.cost": (
        "D'où viennent les chiffres : chaque jour est chiffré avec les prix de votre offre en "
        "vigueur ce jour-là, à la puissance de votre compteur (abonnement compris) ; chaque "
        "minute de la courbe de charge (30 min) au prix de son créneau (heures creuses du "
        "jour, couleur Tempo) ; un jour sans courbe de charge complète depuis sa valeur du "
        "jour, répartie comme le jour moyen de la période (« ≈ »). La colonne kWh est la "
        "somme de la courbe de charge (ou la valeur du jour, « ≈ ») : elle peut différer "
        "légèrement de l'index quotidien de la page Consommation (kWh).",
        "Where the figures come from: each day is priced with your offer's prices in force "
        "that day, at your meter's power (subscription included); each minute of the load "
        "curve (30 min) at its slot's price (that day's off-peak hours, Tempo colour); a day "
        "without a complete load curve from its daily value, spread like the period's average "
        "day (“≈”). The kWh column is the sum of the load curve (or the daily value, “≈”): it "
        "can differ slightly from the daily index of the Consumption (kWh) page.",
    ),
    "source.daily_index": ("index quotidien", "daily index"),
    "source.load_curve": ("courbe de charge", "load curve"),
    "source.max_power": ("puissance max quotidienne", "daily max power"),
    # cost by colour / tag
    "cost.by_color": ("Coût par couleur Tempo", "Cost per Tempo colour"),
    "cost.by_tag": ("Coût par créneau", "Cost per slot"),
    "cost.kwh_curve": ("kWh (courbe)", "kWh (curve)"),
    "cost.month_unit": ("mois", "month"),
    # summaries of charts
    "sum.bars": (
        "{what} du {start} au {end} : {count} {unit_bars}, total {total} ; maximum {max} "
        "({max_at}), minimum {min} ({min_at}).",
        "{what} from {start} to {end}: {count} {unit_bars}, total {total}; highest {max} "
        "({max_at}), lowest {min} ({min_at}).",
    ),
    "sum.bars_prev": (
        " L'an dernier aux mêmes dates : {total}.",
        " Last year on the same dates: {total}.",
    ),
    "sum.days": ("jours", "days"),
    "sum.months": ("mois", "months"),
    "sum.empty": ("{what} : aucune valeur.", "{what}: no value."),
    "sum.curve": (
        "Courbe de charge du {start} au {end} : {points} points, puissance moyenne de {low} à "
        "{high}, pic le {peak_at}.",
        "Load curve from {start} to {end}: {points} points, average power from {low} to "
        "{high}, peak on {peak_at}.",
    ),
    "sum.max_power": (
        "Puissance maximale par jour du {start} au {end} : la plus haute {max} le {max_at} ; "
        "puissance souscrite {subscribed}.",
        "Maximum power per day from {start} to {end}: highest {max} on {max_at}; subscribed "
        "power {subscribed}.",
    ),
    "sum.split": ("Répartition sur la période : {parts}.", "Split over the period: {parts}."),
    "sum.hourly": (
        "Profil horaire moyen : soutirage maximal à {import_hour} h ({import_max}), injection "
        "maximale à {export_hour} h ({export_max}).",
        "Average hourly profile: highest import at {import_hour}:00 ({import_max}), highest "
        "export at {export_hour}:00 ({export_max}).",
    ),
    # dashboard: grid and exporters
    "dash.grid": ("Réseau électrique", "Power grid"),
    "dash.tempo_today": ("Tempo aujourd'hui", "Tempo today"),
    "dash.tempo_tomorrow": ("Tempo demain", "Tempo tomorrow"),
    "dash.ecowatt_today": ("EcoWatt aujourd'hui", "EcoWatt today"),
    "dash.ecowatt_now": ("maintenant : {level}", "now: {level}"),
    "dash.exporters": ("Exports", "Exports"),
    "dash.exporters_none": (
        "Aucun export configuré : voir la page Exporter.",
        "No export set up: see the Exports page.",
    ),
    "dash.exporter_never": ("jamais lancé", "never run"),
    "dash.exporter_last": ("Dernier export : {when} — {status}", "Last export: {when} — {status}"),
    "dash.exporter_disabled": ("désactivé", "disabled"),
    "dash.reprice": (
        "Recalcul des coûts du {first} au {last} en cours pour {destination}",
        "Recomputing the costs from {first} to {last} for {destination}",
    ),
    "dash.reprice_why": (
        "Un prix, une offre ou des heures creuses datés dans le passé ont changé : le prochain "
        "export renvoie ces jours.",
        "A price, offer or off-peak hours dated in the past changed: the next export sends "
        "these days again.",
    ),
    "dash.rows": ("{rows} lignes", "{rows} rows"),
    "dash.sync_progress": ("Avancement de la synchronisation", "Sync progress"),
    # labels of codes
    "opt.EJP": ("EJP", "EJP"),
    "opt.HC_WEEKEND": ("Heures creuses + week-end", "Off-peak + weekend"),
    "quality.BRUT": ("brute", "raw"),
    "quality.CORRIGE": ("corrigée", "corrected"),
    "quality.UNKNOWN": ("non précisée", "not stated"),
    "origin.gateway": ("passerelle MyElectricalData", "MyElectricalData gateway"),
    "origin.demo": ("données de démonstration", "demo data"),
    "origin.file": ("fichier importé", "imported file"),
    "exp_status.running": ("en cours", "running"),
    "exp_status.success": ("réussi", "success"),
    "exp_status.partial": ("partiel", "partial"),
    "exp_status.failed": ("échoué", "failed"),
    "exp_status.interrupted": ("interrompu", "interrupted"),
    "trigger.ui": ("interface", "web UI"),
    "trigger.api": ("API", "API"),
    "trigger.cli": ("ligne de commande", "command line"),
    "trigger.manual": ("manuel", "manual"),
    "trigger.sync": ("après synchro", "after a sync"),
    "trigger.interval": ("intervalle", "interval"),
    "trigger.startup": ("démarrage", "start-up"),
    "trigger.schedule": ("planifié", "scheduled"),
    "trigger.reimport": ("réimport", "re-import"),
    "ecowatt.level_name.1": ("vert", "green"),
    "ecowatt.level_name.2": ("orange", "orange"),
    "ecowatt.level_name.3": ("rouge", "red"),
    "ecowatt.hour_level.0": ("vert, bas carbone", "green, low carbon"),
    "ecowatt.hour_level.1": ("vert", "green"),
    "ecowatt.hour_level.2": ("orange", "orange"),
    "ecowatt.hour_level.3": ("rouge", "red"),
    # tempo calendar
    "tempo.legend": ("Légende", "Legend"),
    "tempo.legend_unknown": ("non publié", "not published"),
    "tempo.legend_today": ("aujourd'hui", "today"),
    "tempo.legend_link": (
        "Cliquez un jour passé pour voir sa consommation.",
        "Click a past day to see its consumption.",
    ),
    "tempo.day_link": ("{day} : {color} — voir la consommation", "{day}: {color} — see usage"),
    # offers and dated prices
    "otype.BASE": ("Base", "Base"),
    "otype.HC_HP": ("Heures creuses", "Off-peak (HC/HP)"),
    "otype.TEMPO": ("Tempo", "Tempo"),
    "otype.WEEKEND": ("Week-end", "Weekend"),
    "otype.HC_NUIT_WEEKEND": ("Nuit et week-end", "Night and weekend"),
    "otype.SEASONAL": ("Saisonnière (hiver/été)", "Seasonal (winter/summer)"),
    "otype.EJP": ("EJP (jours de pointe)", "EJP (peak days)"),
    "tag.base_weekend": ("Base week-end", "Base weekend"),
    "tag.hc_weekend": ("HC week-end", "Weekend off-peak"),
    "tag.hp_weekend": ("HP week-end", "Weekend peak"),
    "tag.winter_hc": ("Hiver HC", "Winter off-peak"),
    "tag.winter_hp": ("Hiver HP", "Winter peak"),
    "tag.summer_hc": ("Été HC", "Summer off-peak"),
    "tag.summer_hp": ("Été HP", "Summer peak"),
    "tag.peak_day": ("Jour de pointe", "Peak day"),
    "tag.ejp_normal": ("EJP heures normales", "EJP normal hours"),
    "tag.ejp_peak": ("EJP pointe mobile", "EJP peak hours"),
    "offer.personal": ("Prix personnels ({type})", "Your own prices ({type})"),
    "offer.default": ("Prix par défaut ({type})", "Default prices ({type})"),
    "offer.subscription": ("abonnement {eur}/mois", "subscription {eur}/month"),
    "offer.every_kva": ("toutes puissances", "every power"),
    "offer.origin.user": ("choisie dans Paramètres", "chosen in Settings"),
    "offer.origin.gateway": (
        "choisie sur le site MyElectricalData",
        "picked on the MyElectricalData site",
    ),
    "offer.origin.default": ("aucune offre choisie", "no offer chosen"),
    "offer.line": ("Offre : {name} ({origin})", "Offer: {name} ({origin})"),
    "offer.default_hint": (
        "Aucune offre n'est choisie pour ce point de livraison : les coûts utilisent les prix "
        "par défaut (Tarif Bleu EDF au {date}), les mêmes pour toutes les dates et toutes les "
        "puissances. Choisissez votre offre dans Paramètres.",
        "No offer is chosen for this usage point: costs use the default prices (EDF Tarif Bleu "
        "of {date}), the same for every date and every power. Choose your offer in Settings.",
    ),
    "offer.missing": (
        "L'offre choisie (« {id} ») n'est pas dans le catalogue enregistré : les prix par "
        "défaut s'appliquent jusqu'à ce qu'elle y soit.",
        "The offer chosen (“{id}”) is not in the stored catalogue: the default prices apply "
        "until it is.",
    ),
    "offer.row": (
        "du {start} au {end} : {name}, {kva} — {prices}",
        "from {start} to {end}: {name}, {kva} — {prices}",
    ),
    # cost page (dated prices)
    "cost.estimated_flat": (
        "{days} jour(s) sans courbe de charge complète : chiffrés depuis leur valeur du jour, "
        "répartie uniformément sur la journée (aucun jour de la période n'a de courbe de "
        "charge) (« ≈ »).",
        "{days} day(s) without a complete load curve: priced from their daily value, spread "
        "evenly over the day (no day of the period has a load curve) (“≈”).",
    ),
    "cost.partial": (
        "{days} jour(s) à courbe de charge incomplète et sans valeur du jour : seule la partie "
        "mesurée est chiffrée.",
        "{days} day(s) with an incomplete load curve and no daily value: only the measured "
        "part is priced.",
    ),
    "cost.unpriced": (
        "{days} jour(s) sans prix connu de cette offre (avant sa première grille de prix, ou "
        "entre deux grilles) : ils ne sont pas chiffrés.",
        "{days} day(s) without a known price of this offer (before its first price grid, or "
        "between two): they are not priced.",
    ),
    "cost.range": (
        "Montant incertain : {kwh} dépendent de jours de pointe ou de couleurs Tempo inconnus ; "
        "le coût est entre {low} et {high} (le minimum est affiché).",
        "Uncertain amount: {kwh} depend on unknown peak days or Tempo colours; the cost is "
        "between {low} and {high} (the lowest is shown).",
    ),
    "cost.compare_title": ("Comparer les offres", "Compare offers"),
    "cost.compare_text": (
        "Le simulateur classe toutes les offres du catalogue pour votre puissance sur votre "
        "propre consommation des 12 derniers mois.",
        "The simulator ranks every offer of the catalogue for your power on your own "
        "consumption of the last 12 months.",
    ),
    "cost.compare_link": ("Ouvrir le simulateur", "Open the simulator"),
    "note.partial": ("courbe incomplète", "incomplete curve"),
    "note.unpriced": ("pas de prix", "no price"),
    "reprice.banner": (
        "Changement enregistré le {at} ({what}) : les coûts du {start} au {end} sont "
        "recalculés. Les pages de l'interface les calculent à chaque affichage : les montants "
        "affichés en tiennent déjà compte. Les exports qui gardent les coûts déjà envoyés "
        "(Home Assistant, Domoticz) les renvoient à leur prochain passage : le tableau de bord "
        "dit lesquels sont en cours.",
        "Change saved on {at} ({what}): the costs from {start} to {end} are recomputed. The "
        "UI's pages compute them each time they are shown: the amounts shown already include "
        "it. The exports that keep costs already sent (Home Assistant, Domoticz) send them "
        "again on their next run: the dashboard says which are in progress.",
    ),
    "reprice.future": (
        "Enregistré : s'applique à partir du {start}.",
        "Saved: applies from {start} on.",
    ),
    "reprice.prices": ("prix personnels", "your own prices"),
    "reprice.offer": ("offre choisie", "offer chosen"),
    "reprice.offpeak": ("heures creuses", "off-peak hours"),
    # settings: offer and personal prices
    "set.offer": ("Offre et prix", "Offer and prices"),
    "set.offer_hint": (
        "Chaque jour est chiffré avec les prix de votre offre en vigueur ce jour-là, à la "
        "puissance de votre compteur (abonnement compris). Choisissez une offre du catalogue, "
        "ou vos propres prix datés ci-dessous.",
        "Each day is priced with your offer's prices in force that day, at your meter's power "
        "(subscription included). Choose an offer of the catalogue, or your own dated prices "
        "below.",
    ),
    "set.offer_filter": ("Type d'offre", "Offer type"),
    "set.offer_all_types": ("Tous les types", "Every type"),
    "set.offer_choice": ("Offre", "Offer"),
    "set.offer_site": (
        "Celle choisie sur le site MyElectricalData",
        "The one picked on the MyElectricalData site",
    ),
    "set.offer_none": ("Aucune (prix par défaut)", "None (default prices)"),
    "set.offer_current": ("En vigueur : {name} ({origin})", "In force: {name} ({origin})"),
    "set.offer_prices": ("Prix du jour : {prices}", "Today's prices: {prices}"),
    "set.offer_listed": (
        "{count} offre(s) en vigueur le {day} pour {kva}.",
        "{count} offer(s) in force on {day} for {kva}.",
    ),
    "set.offer_unknown": (
        "« Offre » : choisissez une offre de la liste.",
        "“Offer”: choose an offer of the list.",
    ),
    "set.personal": ("Prix personnels datés", "Your own dated prices"),
    "set.personal_hint": (
        "Une version s'applique à partir de sa date, jusqu'à la version suivante du même type. "
        "Prix TTC : le kWh en euros (par exemple 0,1952), l'abonnement en euros par mois.",
        "A version applies from its date until the next version of the same type. Prices incl. "
        "tax: a kWh in euros (for example 0.1952), the subscription in euros per month.",
    ),
    "set.personal_type": ("Type d'offre", "Offer type"),
    "set.personal_from": ("En vigueur à partir du", "In force from"),
    "set.personal_use": (
        "Utiliser ces prix pour ce point de livraison",
        "Use these prices for this usage point",
    ),
    "set.personal_history": ("Versions enregistrées", "Saved versions"),
    "set.personal_none": ("Aucun prix personnel enregistré.", "No price of your own saved."),
    "set.personal_delete": ("Supprimer la version du {day}", "Delete the version of {day}"),
    "set.personal_deleted": ("Version supprimée.", "Version deleted."),
    "set.resale": ("Revente de la production", "Production resale"),
    "price.not_a_number": (
        "« {field} » : « {value} » n'est pas un nombre ; tapez-le avec une virgule, par exemple "
        "0,1952.",
        "“{field}”: “{value}” is not a number; type it like 0.1952.",
    ),
    "price.negative": (
        "« {field} » : {value} est négatif ; un prix vaut 0 ou plus.",
        "“{field}”: {value} is negative; a price is 0 or more.",
    ),
    "price.kwh_too_high": (
        "« {field} » : {value} €/kWh n'est pas un prix au kWh (le kWh réglementé le plus cher "
        "coûte moins de 1 €) ; tapez des euros par kWh, par exemple {hint} pour {value} "
        "c€/kWh.",
        "“{field}”: {value} €/kWh is not a kWh price (the dearest regulated kWh costs less "
        "than €1); type euros per kWh, for example {hint} for {value} c€/kWh.",
    ),
    "price.subscription_too_high": (
        "« {field} » : {value} €/mois n'est pas un abonnement mensuel (36 kVA coûtent environ "
        "55 € par mois) ; tapez le montant mensuel, pas l'annuel.",
        "“{field}”: {value} €/month is not a monthly subscription (36 kVA cost about €55 a "
        "month); type the monthly amount, not the yearly one.",
    ),
    "price.required": (
        "« {field} » : obligatoire pour une offre {type}.",
        "“{field}”: required for a {type} offer.",
    ),
    "price.bad_date": (
        "« {field} » : saisissez une date du {min} au {max}.",
        "“{field}”: enter a date from {min} to {max}.",
    ),
    "price.refused": ("« {field} » : {reason}", "“{field}”: {reason}"),
    "price.subscription": ("Abonnement (€/mois)", "Subscription (€/month)"),
    "price.base_price": ("Base (€/kWh)", "Base (€/kWh)"),
    "price.hc_price": ("Heures creuses (€/kWh)", "Off-peak (€/kWh)"),
    "price.hp_price": ("Heures pleines (€/kWh)", "Peak (€/kWh)"),
    "price.base_price_weekend": ("Base week-end (€/kWh)", "Base weekend (€/kWh)"),
    "price.hc_price_weekend": ("Heures creuses week-end (€/kWh)", "Weekend off-peak (€/kWh)"),
    "price.hp_price_weekend": ("Heures pleines week-end (€/kWh)", "Weekend peak (€/kWh)"),
    "price.tempo_blue_hc": ("Tempo bleu HC (€/kWh)", "Tempo blue off-peak (€/kWh)"),
    "price.tempo_blue_hp": ("Tempo bleu HP (€/kWh)", "Tempo blue peak (€/kWh)"),
    "price.tempo_white_hc": ("Tempo blanc HC (€/kWh)", "Tempo white off-peak (€/kWh)"),
    "price.tempo_white_hp": ("Tempo blanc HP (€/kWh)", "Tempo white peak (€/kWh)"),
    "price.tempo_red_hc": ("Tempo rouge HC (€/kWh)", "Tempo red off-peak (€/kWh)"),
    "price.tempo_red_hp": ("Tempo rouge HP (€/kWh)", "Tempo red peak (€/kWh)"),
    "price.ejp_normal": ("EJP heures normales (€/kWh)", "EJP normal hours (€/kWh)"),
    "price.ejp_peak": ("EJP pointe mobile (€/kWh)", "EJP peak hours (€/kWh)"),
    "price.hc_price_winter": ("Hiver heures creuses (€/kWh)", "Winter off-peak (€/kWh)"),
    "price.hp_price_winter": ("Hiver heures pleines (€/kWh)", "Winter peak (€/kWh)"),
    "price.hc_price_summer": ("Été heures creuses (€/kWh)", "Summer off-peak (€/kWh)"),
    "price.hp_price_summer": ("Été heures pleines (€/kWh)", "Summer peak (€/kWh)"),
    "price.peak_day_price": ("Jour de pointe (€/kWh)", "Peak day (€/kWh)"),
    # simulator
    "nav.simulator": ("Simulateur", "Simulator"),
    "sim.intro": (
        "Chaque offre du catalogue en vigueur aujourd'hui pour votre puissance est chiffrée "
        "sur votre propre consommation de la période, aux prix d'aujourd'hui : ce que la "
        "période vous aurait coûté avec elle.",
        "Every offer of the catalogue in force today for your power is priced on your own "
        "consumption of the period, at today's prices: what the period would have cost you "
        "with it.",
    ),
    "sim.last_year": ("12 derniers mois", "Last 12 months"),
    "sim.summary": (
        "Du {start} au {end} ({days} jours) : {kwh} consommés, compteur de {kva}, prix en "
        "vigueur le {on}.",
        "From {start} to {end} ({days} days): {kwh} used, {kva} meter, prices in force on {on}.",
    ),
    "sim.curve_days": (
        "{curve} jour(s) sur {days} ont une courbe de charge complète : chiffrés minute par "
        "minute.",
        "{curve} of the {days} days have a complete load curve: priced minute by minute.",
    ),
    "sim.estimated_days": (
        "{days} jour(s) sont chiffrés depuis leur valeur du jour, répartie comme le jour moyen "
        "des {profile} jour(s) avec courbe de charge.",
        "{days} day(s) are priced from their daily value, spread like the average day of the "
        "{profile} day(s) with a load curve.",
    ),
    "sim.estimated_flat": (
        "{days} jour(s) sont chiffrés depuis leur valeur du jour, répartie uniformément sur la "
        "journée (aucun jour de la période n'a de courbe de charge).",
        "{days} day(s) are priced from their daily value, spread evenly over the day (no day "
        "of the period has a load curve).",
    ),
    "sim.partial_days": (
        "{days} jour(s) ont une courbe incomplète et pas de valeur du jour : seule la partie "
        "mesurée est chiffrée.",
        "{days} day(s) have an incomplete curve and no daily value: only the measured part is "
        "priced.",
    ),
    "sim.missing_days": (
        "{days} jour(s) n'ont aucune valeur : seul leur abonnement est compté.",
        "{days} day(s) have no value: only their subscription is counted.",
    ),
    "sim.unknown_kva": (
        "La puissance souscrite est inconnue : seules les offres au même prix pour toutes les "
        "puissances sont classées.",
        "The subscribed power is unknown: only offers priced alike for every power are ranked.",
    ),
    "sim.no_current_offer": (
        "Aucune offre n'est choisie pour ce point : pas d'économie calculée (choisissez-la "
        "dans Paramètres).",
        "No offer is chosen for this usage point: no saving is computed (choose it in Settings).",
    ),
    "sim.needs_peak_days": (
        "Offres EJP et à jours de pointe : les jours de pointe ne sont pas connus ici ; elles "
        "montrent leur coût le plus bas et le plus haut possibles et ne sont pas classées.",
        "EJP and peak-day offers: the peak days are not known here; they show their lowest "
        "and highest possible cost and are not ranked.",
    ),
    "sim.needs_tempo_colors": (
        "Des couleurs Tempo de la période ne sont pas encore connues : les offres Tempo "
        "montrent une fourchette.",
        "Some Tempo colours of the period are not known yet: Tempo offers show a range.",
    ),
    "sim.needs_offpeak_hours": (
        "Des offres heures creuses n'ont pas d'horaires et votre compteur non plus : elles ne "
        "sont pas chiffrées.",
        "Some off-peak offers have no hours of their own and your meter has none: they are "
        "not priced.",
    ),
    "sim.ranking": ("Classement des offres", "Offers ranked"),
    "sim.rank": ("n° {rank}", "#{rank}"),
    "sim.unranked": ("non classée", "not ranked"),
    "sim.current": ("votre offre actuelle", "your current offer"),
    "sim.total": ("Coût sur la période", "Cost over the period"),
    "sim.per_year": ("soit {eur} par an", "that is {eur} a year"),
    "sim.same": ("même coût", "same cost"),
    "sim.saving_period": ("{eur} d'économie sur la période", "{eur} saved over the period"),
    "sim.extra_period": ("{eur} de plus sur la période", "{eur} more over the period"),
    "sim.peak_range": ("Jours de pointe inconnus : coût entre", "Peak days unknown: cost between"),
    "sim.tempo_range": (
        "Couleurs Tempo inconnues : coût entre",
        "Tempo colours unknown: cost between",
    ),
    "sim.not_priced": ("non chiffrée : {why}", "not priced: {why}"),
    "sim.problem.no_price": ("pas de prix sur toute la période", "no price over the whole period"),
    "sim.problem.needs_offpeak_hours": ("heures creuses inconnues", "off-peak hours unknown"),
    "sim.breakdown": ("Détail par créneau", "Per slot"),
    "sim.slot": (
        "{tag} : {kwh}, {eur} ({avg} €/kWh en moyenne)",
        "{tag}: {kwh}, {eur} (€{avg}/kWh on average)",
    ),
    "sim.parts": (
        "Abonnement {subscription} · énergie {energy}",
        "Subscription {subscription} · energy {energy}",
    ),
    "sim.chart": (
        "Coût de chaque offre sur la période (€)",
        "Cost of each offer over the period (€)",
    ),
    "sim.none": (
        "Aucune offre du catalogue pour cette puissance : le catalogue n'est pas encore chargé "
        "(il l'est à la synchronisation).",
        "No offer of the catalogue for this power: the catalogue is not loaded yet (the sync "
        "loads it).",
    ),
    "sum.sim": ("Coût sur la période : {parts}.", "Cost over the period: {parts}."),
    "query.sim_too_long": (
        "« end » : la période dépasse {days} jours ; les 12 derniers mois sont affichés.",
        "“end”: the period is longer than {days} days; the last 12 months are shown.",
    ),
}


def text(lang: str, key: str, **values: object) -> str:
    """The text ``key`` in ``lang`` (French when unknown), with ``values`` filled in."""
    pair = TEXTS.get(key)
    if pair is None:
        return key
    chosen = pair[1] if lang == "en" else pair[0]
    return chosen.format(**values) if values else chosen


def pick_lang(query: str | None, cookie: str | None) -> Lang:
    """The language of a request: ``?lang=`` first, then the cookie, else French."""
    for candidate in (query, cookie):
        if candidate == "en":
            return "en"
        if candidate == "fr":
            return "fr"
    return DEFAULT_LANG


# -- numbers -------------------------------------------------------------------------------------

_NNBSP = "\u202f"  # French thousands separator (narrow no-break space)


def number(value: float | int | Decimal, decimals: int, lang: str) -> str:
    """``value`` rounded half-up to ``decimals`` and grouped the way ``lang`` writes numbers."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text_en = f"{rounded:,.{decimals}f}"
    if lang == "en":
        return text_en
    return text_en.replace(",", _NNBSP).replace(".", ",")


def kwh_from_wh(wh: float | int | None, lang: str) -> str:
    """Wh shown as kWh with 2 decimals (Wh / 1000, rounded half-up), ``—`` when unknown."""
    if wh is None:
        return "—"
    return f"{number(Decimal(str(wh)) / 1000, 2, lang)} kWh"


def kwh(value: float | None, lang: str) -> str:
    """kWh shown with 2 decimals, ``—`` when unknown."""
    return "—" if value is None else f"{number(value, 2, lang)} kWh"


def eur(value: float | None, lang: str) -> str:
    """Euros with 2 decimals (``12,34 €`` / ``€12.34``)."""
    if value is None:
        return "—"
    return f"{number(value, 2, lang)} €" if lang != "en" else f"€{number(value, 2, lang)}"


def percent(value: float | None, lang: str) -> str:
    """A signed percentage with 1 decimal, ``—`` when unknown."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else ""
    return f"{sign}{number(value, 1, lang)} %"


def va(value: int | None, lang: str) -> str:
    """Apparent power in VA, as an integer."""
    return "—" if value is None else f"{number(value, 0, lang)} VA"


def kva(value: float | None, lang: str) -> str:
    """Subscribed power in kVA with 1 decimal."""
    return "—" if value is None else f"{number(value, 1, lang)} kVA"


_MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
_MONTHS_ABBR = {
    "fr": (
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
_WEEKDAYS = {
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def month_name(month: int, lang: str) -> str:
    """Name of a month (1-12)."""
    return _MONTHS["en" if lang == "en" else "fr"][month - 1]


def month_abbr(month: int, lang: str) -> str:
    """Short name of a month (1-12): ``janv.``, ``Jan``."""
    return _MONTHS_ABBR["en" if lang == "en" else "fr"][month - 1]


def weekday(day: date, lang: str) -> str:
    """Short weekday name."""
    return _WEEKDAYS["en" if lang == "en" else "fr"][day.weekday()]


def day_text(day: date, lang: str) -> str:
    """A date the way people write it: ``15/11/2024`` or ``2024-11-15``."""
    return day.strftime("%d/%m/%Y") if lang != "en" else day.isoformat()


def instant_text(instant: datetime | None, lang: str) -> str:
    """A local date-time, minutes precision."""
    if instant is None:
        return "—"
    return instant.strftime("%d/%m/%Y %H:%M" if lang != "en" else "%Y-%m-%d %H:%M")


def month_text(day: date, lang: str) -> str:
    """A month and its year: ``janv. 2026``, ``Jan 2026``."""
    return f"{month_abbr(day.month, lang)} {day.year}"


_WEEKDAYS_LONG = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_WEEKDAY_LETTERS = {"fr": "LMMJVSD", "en": "MTWTFSS"}


def weekday_long(day: date, lang: str) -> str:
    """Full weekday name: ``lundi``, ``Monday``."""
    return _WEEKDAYS_LONG["en" if lang == "en" else "fr"][day.weekday()]


def weekday_letter(day: date, lang: str) -> str:
    """One-letter weekday of a calendar cell: ``L M M J V S D`` / ``M T W T F S S``."""
    return _WEEKDAY_LETTERS["en" if lang == "en" else "fr"][day.weekday()]


def wh(value: int | float | None, lang: str) -> str:
    """Watt-hours as an integer with thousands separators."""
    return "—" if value is None else f"{number(value, 0, lang)} Wh"


def integer(value: int | None, lang: str) -> str:
    """An integer with thousands separators, ``—`` when unknown."""
    return "—" if value is None else number(value, 0, lang)


def signed(text_value: str, value: float | None) -> str:
    """``text_value`` with a ``+`` in front of a positive ``value`` (a change)."""
    return f"+{text_value}" if value is not None and value > 0 else text_value


def code_label(lang: str, group: str, code: object) -> str:
    """The word for a code in ``lang``: ``opt``/``TEMPO`` -> ``Tempo``, ``status``/``failed``
    -> ``échouée``, ``quality``/``BRUT`` -> ``brute``... The code itself when no word is known
    (a plug-in's own status), ``—`` for none."""
    if code is None or code == "":
        return "—"
    value = getattr(code, "value", code)
    key = f"{group}.{value}"
    return text(lang, key) if key in TEXTS else str(value)


# -- labels and help of form fields ----------------------------------------------------------------

#: A form field's texts: ((French label, French help), (English label, English help)). Help may
#: mark code with backticks (`MQTT_BROKER`): hints show it plain, descriptions as code.
FieldTexts = tuple[tuple[str, str], tuple[str, str]]

#: The tariff prices of Paramètres, by ``TariffPrices`` field.
TARIFF_FIELDS: Final[dict[str, FieldTexts]] = {
    "subscription_eur_month": (
        ("Abonnement (€/mois)", "Abonnement mensuel TTC (Base 6 kVA : 185,64 €/an)."),
        ("Subscription (€/month)", "Monthly subscription incl. tax (Base 6 kVA: €185.64/year)."),
    ),
    "base_eur_kwh": (
        ("Base (€/kWh)", "Option Base : prix du kWh."),
        ("Base (€/kWh)", "Base option: price of a kWh."),
    ),
    "hc_eur_kwh": (
        ("Heures creuses (€/kWh)", "Option Heures creuses : kWh en heures creuses."),
        ("Off-peak (€/kWh)", "Off-peak option (HC/HP): kWh in off-peak hours."),
    ),
    "hp_eur_kwh": (
        ("Heures pleines (€/kWh)", "Option Heures creuses : kWh en heures pleines."),
        ("Peak (€/kWh)", "Off-peak option (HC/HP): kWh in peak hours."),
    ),
    "tempo_blue_hc_eur_kwh": (
        ("Tempo bleu HC (€/kWh)", "Tempo, jour bleu, heures creuses."),
        ("Tempo blue off-peak (€/kWh)", "Tempo, blue day, off-peak hours."),
    ),
    "tempo_blue_hp_eur_kwh": (
        ("Tempo bleu HP (€/kWh)", "Tempo, jour bleu, heures pleines."),
        ("Tempo blue peak (€/kWh)", "Tempo, blue day, peak hours."),
    ),
    "tempo_white_hc_eur_kwh": (
        ("Tempo blanc HC (€/kWh)", "Tempo, jour blanc, heures creuses."),
        ("Tempo white off-peak (€/kWh)", "Tempo, white day, off-peak hours."),
    ),
    "tempo_white_hp_eur_kwh": (
        ("Tempo blanc HP (€/kWh)", "Tempo, jour blanc, heures pleines."),
        ("Tempo white peak (€/kWh)", "Tempo, white day, peak hours."),
    ),
    "tempo_red_hc_eur_kwh": (
        ("Tempo rouge HC (€/kWh)", "Tempo, jour rouge, heures creuses."),
        ("Tempo red off-peak (€/kWh)", "Tempo, red day, off-peak hours."),
    ),
    "tempo_red_hp_eur_kwh": (
        ("Tempo rouge HP (€/kWh)", "Tempo, jour rouge, heures pleines."),
        ("Tempo red peak (€/kWh)", "Tempo, red day, peak hours."),
    ),
    "production_resale_eur_kwh": (
        ("Revente de la production (€/kWh)", "Prix de rachat du kWh injecté (facultatif)."),
        ("Production resale (€/kWh)", "Price paid for an injected kWh (optional)."),
    ),
}

_CODE = re.compile(r"``(.+?)``|`([^`]+)`")


def plain(text_value: str) -> str:
    """Text with its markdown-ish code marks (double or single backticks) removed: for hints."""
    return _CODE.sub(lambda found: found.group(1) or found.group(2), text_value)


def code_html(text_value: str) -> str:
    """HTML of a text whose backticks (double or single) mark code: escaped, code in <code>."""
    parts: list[str] = []
    last = 0
    for found in _CODE.finditer(text_value):
        parts.append(html.escape(text_value[last : found.start()]))
        parts.append(f"<code>{html.escape(found.group(1) or found.group(2))}</code>")
        last = found.end()
    parts.append(html.escape(text_value[last:]))
    return "".join(parts)


def _auto_title(field: str) -> str:
    """What pydantic makes of a field without a title: ``verify_tls`` -> ``Verify Tls``."""
    return field.replace("_", " ").title()


def field_texts(
    table: Mapping[str, FieldTexts],
    key: str,
    lang: str,
    *,
    field: str,
    title: str | None = None,
    description: str | None = None,
) -> tuple[str, str]:
    """Label and help of a form field in ``lang``: the table's, else the schema's ``title``
    (pydantic's automatic ``Verify Tls`` becomes ``Verify tls``) and ``description``."""
    entry = table.get(key)
    if entry is not None:
        label, help_text = entry[1] if lang == "en" else entry[0]
        return label, help_text
    if not title or title == _auto_title(field):
        title = field.replace("_", " ").capitalize()
    return title, description or ""
