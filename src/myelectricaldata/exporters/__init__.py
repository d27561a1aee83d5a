"""Exporters: push the store's history and the catalogue's current values to destinations.

The layout is the model every exporter follows (``docs/integrations/custom.md``):

- **one folder per destination type**, ``exporters/<name>/``: ``config.py`` (its config model,
  each field with its French and English texts), its protocol modules, ``exporter.py``
  (``class <Name>Exporter(BaseExporter[<Name>Config])``), and an ``__init__.py`` exporting
  both. It is registered by one entry point in the group ``myelectricaldata.exporters``
  (this project's ``pyproject.toml`` for the built-in ones, a plug-in's own otherwise).
- **the kit**, the modules at this package's root, shared by every exporter:

  - ``base``: the contract (``BaseExporter``, data objects, results, errors);
  - ``fields``: ``ExporterConfig`` and ``setting()`` (a field with its texts);
  - ``context``: what the export service hands an exporter (store view, settings, peers,
    shared state);
  - ``registry``: the types (entry points) and their saved configs;
  - ``delivery``: the export service (checkpoints, batches, the one retry policy);
  - ``measures/`` and ``snapshot``: the measures catalogue and its current values;
  - ``entities``: Home Assistant entity descriptions of the measures;
  - ``http``: helpers for HTTP destinations;
  - ``testing/``: the contract suite every exporter passes.

No module here imports ``runtime``, ``config``, ``api`` or ``ui``: the runtime wires them.
"""
