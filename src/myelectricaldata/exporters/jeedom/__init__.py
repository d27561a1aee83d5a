"""Jeedom: the catalogue's values and history into Virtual equipments over JSON-RPC
(``docs/integrations/jeedom.md``).

Modules: :mod:`.client` (the JSON-RPC client), :mod:`.errors` (what can go wrong), :mod:`.model`
(Jeedom's shapes), :mod:`.mapping` (readings and values to ``cmd::event`` calls),
:mod:`.provision` (the Virtual equipments and their commands), :mod:`.config` (settings).
"""
