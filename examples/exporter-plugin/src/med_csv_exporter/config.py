"""The settings of the CSV exporter, each with its French and English label and help."""

from __future__ import annotations

from typing import ClassVar, Literal

from myelectricaldata.exporters.fields import ExporterConfig, Translated, setting
from pydantic import field_validator, model_validator


class CsvConfig(ExporterConfig):
    """Where the CSV files go and how they are written (env: ``CSV_FOLDER``, ``CSV_ENABLED``)."""

    env_prefix: ClassVar[str] = "CSV"
    summary: ClassVar[Translated | None] = Translated(
        "Écrit l'historique et les valeurs du jour dans des fichiers CSV, un par série.",
        "Writes the history and the current values to CSV files, one per series.",
    )

    folder: str = setting(
        "",
        fr=("Dossier des fichiers CSV", "Dossier où écrire les fichiers (chemin absolu)."),
        en=("CSV folder", "Folder the files are written to (an absolute path)."),
    )
    create_folder: bool = setting(
        True,
        fr=("Créer le dossier", "Crée le dossier s'il n'existe pas encore."),
        en=("Create the folder", "Create the folder when it does not exist yet."),
    )
    delimiter: Literal[",", ";"] = setting(
        ";",
        fr=("Séparateur", "Séparateur des colonnes : « ; » pour un tableur français, ou « , »."),
        en=("Delimiter", "Column separator: ';' for a French spreadsheet, or ','."),
    )

    @field_validator("folder")
    @classmethod
    def _absolute(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith("/"):
            raise ValueError("folder: give an absolute path, e.g. /data/linky-csv")
        return value

    @model_validator(mode="after")
    def _folder_when_enabled(self) -> CsvConfig:
        if self.enabled and not self.folder:
            raise ValueError("folder: set the folder to write to (e.g. /data/linky-csv)")
        return self
