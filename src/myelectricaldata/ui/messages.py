"""Exporter messages in the UI's language.

The exporters explain a failure in English, in sentences built by our own code (a refused MQTT
login, a server that did not answer, a test that failed...). The log keeps them as written;
the UI shows them in French on a French page: each sentence shape our code writes is matched
here and rewritten, its variable parts (host, URL, the library's own text) kept as they are.
A sentence no pattern knows (a plug-in's, a library's) is shown unchanged. The tests of
``tests/ui/test_messages.py`` produce the real messages of the exporters, so a reworded
message that no longer matches fails there.
"""

from __future__ import annotations

import re
from typing import Final

from myelectricaldata.ui.i18n import code_label

#: (pattern of the English sentence, French rewrite); patterns match a whole sentence.
_FRENCH: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern, re.DOTALL), french)
    for pattern, french in (
        # -- test outcomes (delivery.py and each exporter's test_connection)
        (r"MQTT broker (?P<url>\S+): test failed", r"broker MQTT \g<url> : échec du test"),
        (
            r"connected to (?P<url>\S+); (?P<topic>\S+) published and received back in "
            r"(?P<ms>\d+) ms",
            r"connecté à \g<url> ; \g<topic> publié et reçu en retour en \g<ms> ms",
        ),
        (
            r"(?P<name>InfluxDB|VictoriaMetrics): connection test failed",
            r"\g<name> : échec du test de connexion",
        ),
        (r"webhook: the ping failed", "webhook : le ping a échoué"),
        (r"webhook: no URL", "webhook : aucune URL"),
        (
            r"url: set the receiver's URL \(http\(s\)://\.\.\.\)",
            "url : saisissez l'URL du destinataire (http(s)://...)",
        ),
        (
            r"webhook: the receiver accepted (?:a signed|an unsigned) ping \(HTTP (?P<code>\d+)\)",
            r"webhook : le destinataire a accepté le ping (HTTP \g<code>)",
        ),
        (
            r"(?P<name>[\w .:/()-]+?): no answer within (?P<s>\d+) s",
            r"\g<name> : aucune réponse en \g<s> s",
        ),
        (
            r"timeout: check the address and that the destination is running",
            "délai dépassé : vérifiez l'adresse et que la destination fonctionne",
        ),
        (r"(?P<name>.+?): test failed", r"\g<name> : échec du test"),
        # -- a saved secret sent back masked to another destination (exporters/registry.py)
        (
            r"(?P<field>[\w-]+): the destination changed from (?P<was>.+?) to (?P<now>.+?); "
            r"type the secret again \(a saved secret is only reused where it was saved\)",
            r"\g<field> : la destination a changé, de \g<was> à \g<now> ; saisissez à nouveau "
            r"le secret (un secret enregistré ne sert qu'à l'adresse où il a été enregistré)",
        ),
        (
            r"(?P<field>[\w-]+): the destination changed from (?P<was>.+?) to (?P<now>.+?); "
            r"type the value of (?P<key>\S+) again \(a saved secret is only reused where it was "
            r"saved\)",
            r"\g<field> : la destination a changé, de \g<was> à \g<now> ; saisissez à nouveau "
            r"la valeur de \g<key> (un secret enregistré ne sert qu'à l'adresse où il a été "
            r"enregistré)",
        ),
        (
            r"(?P<field>[\w-]+): (?P<key>\S+) has no saved value to keep; type it",
            r"\g<field> : \g<key> n'a pas de valeur enregistrée à garder ; saisissez-la",
        ),
        # -- MQTT connection failures (mqtt.py, _explain)
        (
            r"the broker at (?P<where>\S+) refused the login \((?P<text>.*)\): check the "
            r"username and password \(MQTT_BROKER=mqtt://user:pass@host:port\)",
            r"le broker \g<where> a refusé la connexion avec ces identifiants (\g<text>) : "
            r"vérifiez l'utilisateur et le mot de passe (MQTT_BROKER=mqtt://utilisateur:"
            r"motdepasse@hôte:port)",
        ),
        (
            r"the broker at (?P<where>\S+) refused the connection: (?P<text>.*)",
            r"le broker \g<where> a refusé la connexion : \g<text>",
        ),
        (
            r"cannot read (?P<file>.+): check ca_file / cert_file / key_file \((?P<err>.*)\)",
            r"impossible de lire \g<file> : vérifiez ca_file, cert_file et key_file (\g<err>)",
        ),
        (
            r"TLS setup failed \((?P<text>.*)\): check ca_file, cert_file and key_file",
            r"échec de la mise en place de TLS (\g<text>) : vérifiez ca_file, cert_file et "
            r"key_file",
        ),
        (
            r"nothing accepts connections at (?P<where>\S+) \(connection refused\): check the "
            r"host, the port \(1883 plain, 8883 TLS\) and that the broker is running",
            r"rien n'accepte de connexion sur \g<where> (connexion refusée) : vérifiez l'hôte, "
            r"le port (1883 en clair, 8883 en TLS) et que le broker fonctionne",
        ),
        (
            r"unknown host (?P<host>.+): check the broker's name or use its IP address",
            r"hôte inconnu \g<host> : vérifiez le nom du broker ou utilisez son adresse IP",
        ),
        (
            r"the broker's TLS certificate is not trusted \((?P<text>.*)\): set ca_file to the "
            r"CA that signed it",
            r"le certificat TLS du broker n'est pas reconnu (\g<text>) : indiquez dans ca_file "
            r"l'autorité qui l'a signé",
        ),
        (
            r"no answer from (?P<where>\S+) within (?P<s>[\d.]+) s(?: \(last error: "
            r"(?P<last>.*)\))?: check the port, and TLS \(mqtts://, client certificate\) "
            r"against the broker's listener",
            r"aucune réponse de \g<where> en \g<s> s : vérifiez le port, et TLS (mqtts://, "
            r"certificat client) selon l'écoute du broker",
        ),
        (r"no answer from (?P<url>\S+) in time", r"aucune réponse de \g<url> à temps"),
        (
            r"cannot connect to (?P<where>\S+): (?P<text>.*)",
            r"connexion impossible à \g<where> : \g<text>",
        ),
        # -- HTTP destinations (http.py)
        (
            r"(?P<server>.+?) at (?P<url>\S+) did not answer (?P<what>.+) in time: check that "
            r"it is running, or raise timeout_seconds",
            r"\g<server> (\g<url>) n'a pas répondu à temps (« \g<what> ») : vérifiez qu'il "
            r"fonctionne, ou augmentez timeout_seconds",
        ),
        (
            r"cannot reach (?P<server>.+?) at (?P<url>\S+) for (?P<what>.+) \((?P<exc>.+)\): "
            r"check url and that (?P=server) is running",
            r"impossible de joindre \g<server> (\g<url>) pour \g<what> (\g<exc>) : "
            r"vérifiez l'URL et que \g<server> fonctionne",
        ),
    )
)


#: Sentences that wrap another one (an export run's outcome around the destination's error):
#: (pattern with an ``inner`` group, French rewrite with ``{stream}``, ``{inner}``, ``{n}``).
_WRAPPERS: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern, re.DOTALL), french)
    for pattern, french in (
        (
            r"(?P<stream>[a-z_]+): (?P<inner>.+) \(after (?P<n>\d+) attempts?\); the next run "
            r"resumes from here",
            "{stream} : {inner} (après {n} tentative(s) ; le prochain export reprendra ici)",
        ),
        (
            r"(?P<stream>[a-z_]+): (?P<inner>.+) \(server asks to wait too long\); the next run "
            r"resumes from here",
            "{stream} : {inner} (la destination demande d'attendre trop longtemps ; le prochain "
            "export reprendra ici)",
        ),
        (  # the shape written before the kit's shared retry helper (older logs)
            r"(?P<stream>[a-z_]+): (?P<inner>.+) \(after (?P<n>\d+) attempts; the next run "
            r"resumes from here\)",
            "{stream} : {inner} (après {n} tentatives ; le prochain export reprendra ici)",
        ),
        (
            r"(?P<stream>[a-z_]+): (?P<inner>.+) \(not retried: the destination refused it for "
            r"good; fix the cause, the next run resumes from here\)",
            "{stream} : {inner} (pas de nouvel essai : la destination l'a refusé pour de bon ; "
            "corrigez la cause, le prochain export reprendra ici)",
        ),
    )
)


#: What a request was for (``what`` in the sentences of ``exporters/http.py``), in French; any
#: other is quoted as written.
_WHAT: Final[dict[str, str]] = {
    "a write": "une écriture",
    "a read-back": "une relecture",
    "a flush": "l'écriture sur disque",
    "a count query": "une requête de comptage",
    "the health check": "le contrôle de santé",
    "the import": "l'import",
}
_GROUP_REF: Final = re.compile(r"\\g<(\w+)>")


def _rewrite(found: re.Match[str], french: str) -> str:
    """``french`` with each ``\\g<name>`` replaced by the group, ``what`` said in French."""
    values = found.groupdict()
    if values.get("what") is not None:
        values["what"] = _WHAT.get(values["what"], f"« {values['what']} »")
    return _GROUP_REF.sub(lambda ref: values.get(ref.group(1)) or "", french)


def localized(message: str | None, lang: str) -> str:
    """``message`` in ``lang``: rewritten in French when its sentence is one of ours."""
    if not message:
        return ""
    if lang == "en":
        return message
    text = message.strip()
    for pattern, french in _WRAPPERS:
        found = pattern.fullmatch(text)
        if found:
            return french.format(
                stream=code_label(lang, "kind", found.group("stream")),
                inner=localized(found.group("inner"), lang),
                n=found.groupdict().get("n") or "",
            )
    for pattern, french_sentence in _FRENCH:
        found = pattern.fullmatch(text)
        if found:
            return _rewrite(found, french_sentence)
    return message
