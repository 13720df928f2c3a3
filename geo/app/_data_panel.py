"""The analyst's data panel: the sample city, or this session's city made of uploaded files.

Several files per table can be added (police records and app reports, "unsafe" and "safe" pins,
bars and clubs); each keeps its own validation report. "Download project" gives the atlas.yaml
and mappings that rebuild the same city with ``atlas build`` (no data inside). Uploads are
checked in the kernel (type, size, file name) before anything touches the disk, written to a
private temp dir and removed once read: raw points stay in memory only for the session, also on
a public server.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets

from geo.app._page import read_city
from geo.app._panels import download_link, escape_html, report_html
from geo.city import REPO_SAMPLE, City, SessionCity
from geo.i18n import t
from geo.metrics import Atlas
from geo.schema import ValidationReport

DATA_EXTENSIONS: tuple[str, ...] = (".csv", ".geojson", ".json", ".parquet", ".gpkg")
"""File types the data panel reads. Checked in the kernel: the upload button's ``accept`` is only
a hint to the browser's file chooser, and a visitor can send any bytes under any name."""
MAPPING_EXTENSIONS: tuple[str, ...] = (".yaml", ".yml", ".json")
"""File types of a column mapping."""
MAX_UPLOAD_BYTES = 50 * 2**20
"""Largest file the data panel reads (50 MiB): a city-year of incidents fits, and a visitor
cannot fill a shared server's memory. The served deployment (``deploy/voila.py``) lets websocket
messages up to a little more through, so a larger file gets this message, not a dropped
connection."""

_REFUSED = {
    "en": {
        "extension": "not loaded: files of type {ext} are not accepted (use {allowed})",
        "size": "not loaded: the file is {size} MB, larger than the {limit} MB limit",
    },
    "fr": {
        "extension": "non chargé : les fichiers de type {ext} ne sont pas acceptés ({allowed})",
        "size": "non chargé : le fichier fait {size} Mo, plus que la limite de {limit} Mo",
    },
}
"""Refusal messages of the upload checks, kept beside the check until the catalogues have
``upload.*`` keys; English is the fallback."""


class DataPanel:
    """Sample button, one upload per table, a column mapping, "Load", and the reports.

    Parameters
    ----------
    lang
        Language of labels and messages (follows the page through :meth:`relabel`).
    max_upload_bytes
        Largest file read; larger uploads are refused with a message.
    step
        Shows progress: ``step(message_key, value)`` on the page's progress line.
    on_data
        Called with the data read and its label, to show them: ``on_data(atlas, label)``.
    on_city
        Called with the sample city when its button is pressed.
    """

    def __init__(
        self,
        *,
        lang: str,
        max_upload_bytes: int,
        step: Callable[[str, int], None],
        on_data: Callable[[Atlas, str], None],
        on_city: Callable[[City], None] | None = None,
    ) -> None:
        self.lang = lang
        self.max_upload_bytes = max_upload_bytes
        self._step = step
        self._on_data = on_data
        self._on_city = on_city
        self.session = SessionCity()
        """The files added in this session, per table (in memory only)."""
        self.last_reports: dict[str, ValidationReport] = {}
        """Reports of the files read by the last "Add" (the last file of each table)."""
        self.box = widgets.VBox()
        self.uploads = {
            table: widgets.FileUpload(accept=",".join(DATA_EXTENSIONS), multiple=True)
            for table in ("incidents", "perceptions", "venues")
        }
        self.mapping_upload = widgets.FileUpload(
            accept=",".join(MAPPING_EXTENSIONS), multiple=False
        )
        self.load_button = widgets.Button(button_style="primary")
        self.sample_button = widgets.Button()
        self.reports = widgets.HTML()
        self.clear_button = widgets.Button()
        self.project = widgets.HTML()
        """The session's files and the "Download project" link."""
        self.load_button.on_click(lambda _: self.load_uploads())
        self.sample_button.on_click(lambda _: self.load_sample())
        self.clear_button.on_click(lambda _: self.clear())

    def load_sample(self, folder: str | Path | None = None) -> None:
        """Open the sample city (generated and built first if needed), then show it."""
        city = read_city(folder or REPO_SAMPLE, self._step)
        if self._on_city is not None:
            self._on_city(city)
        else:
            self._on_data(city.atlas, t("data.sample", self.lang))

    def clear(self) -> None:
        """Forget the session's uploaded files."""
        self.session = SessionCity()
        self.reports.value = ""
        self._show_project()

    def _saved_upload(
        self,
        upload: widgets.FileUpload,
        folder: Path,
        allowed: tuple[str, ...],
        refused: list[str],
    ) -> list[Path]:
        """Write the uploaded files into ``folder`` (inside a fresh temp dir), or refuse them.

        Type and size are checked before anything touches the disk, and the browser's file name
        is reduced to a plain base name, so an upload can only ever land in ``folder``.
        """
        saved = [self._saved_item(item, folder, allowed, refused) for item in upload.value]
        return [p for p in saved if p is not None]

    def _saved_item(self, item: dict, folder: Path, allowed: tuple[str, ...],
                    refused: list[str]) -> Path | None:
        name = _safe_name(str(item.get("name") or ""))
        content = item["content"]
        size = content.nbytes if isinstance(content, memoryview) else len(content)
        suffix = Path(name).suffix.lower()
        problem = None
        if suffix not in allowed:
            problem = _REFUSED.get(self.lang, _REFUSED["en"])["extension"].format(
                ext=suffix or "(none)", allowed=" ".join(allowed)
            )
        elif size > self.max_upload_bytes:
            problem = _REFUSED.get(self.lang, _REFUSED["en"])["size"].format(
                size=f"{size / 2**20:.1f}", limit=f"{self.max_upload_bytes / 2**20:g}"
            )
        if problem is not None:
            refused.append(
                f'<div class="atlas-error" role="alert"><b>{escape_html(name)}</b>: '
                f"{escape_html(problem)}</div>"
            )
            return None
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        if path.exists():  # two files of one name in one upload: keep both
            path = folder / f"{path.stem}-{len(list(folder.iterdir()))}{path.suffix}"
        path.write_bytes(bytes(content))
        return path

    def load_uploads(self) -> None:
        """Read the uploaded files (formats detected, or the mapping), show their reports.

        Files go to a private temp dir, one folder per table (a mapping and a data file may
        share a name), and the dir is removed once read: raw points of app reports and survey
        answers stay in memory only as long as the session.
        """
        folder = Path(tempfile.mkdtemp(prefix="atlas-upload-"))
        try:
            self._read_uploads(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _read_uploads(self, folder: Path) -> None:
        from geo.errors import AtlasError
        from geo.io import load_mapping, read_table

        parts: list[str] = []
        mappings = self._saved_upload(
            self.mapping_upload, folder / "mapping", MAPPING_EXTENSIONS, parts
        )
        mapping = mappings[0] if mappings else None
        self._step("progress.loading", 1)
        added, reports = False, {}
        for table, upload in self.uploads.items():
            for path in self._saved_upload(upload, folder / table, DATA_EXTENSIONS, parts):
                use = mapping if table == self._mapping_table(mapping) else None
                try:
                    result = read_table(path, table, mapping=use)
                except AtlasError as exc:
                    # The message names the file by the name the visitor gave, not by its
                    # path on the server.
                    message = str(exc).replace(str(path), path.name).replace(str(folder), "")
                    parts.append(
                        f'<div class="atlas-error" role="alert"><b>{escape_html(path.name)}'
                        f"</b>: {escape_html(message)}</div>"
                    )
                    continue
                self.session.add(path.name, result, load_mapping(use) if use else None)
                reports[table] = result.report
                added = True
                parts.append(report_html(result.report, self.lang))
                if result.report.rows_dropped:
                    parts.append(
                        download_link(
                            result.report.dropped_rows.to_csv(index=False).encode(),
                            f"{path.stem}-dropped.csv",
                            t("data.download_dropped", self.lang),
                            "text/csv",
                        )
                    )
        self.reports.value = "".join(parts)
        self.last_reports = reports
        self._show_project()
        if added and self.session.has_incidents:
            self._step("progress.cubes", 2)
            self._on_data(self.session.atlas(), ", ".join(self.session.names()))
        else:
            self._step("progress.ready", 4)

    def _show_project(self) -> None:
        """The session's files, and the project that rebuilds them, as a download."""
        if not self.session.files:
            self.project.value = ""
            return
        names = ", ".join(self.session.names())
        self.project.value = (
            f'<div class="atlas-note">{escape_html(t("data.session", self.lang, files=names))}'
            "</div>"
            + download_link(self.session.project_zip(), "atlas-project.zip",
                            t("data.download_project", self.lang), "application/zip")
            + f'<div class="atlas-note">{escape_html(t("data.project_help", self.lang))}</div>'
        )

    @staticmethod
    def _mapping_table(mapping: Path | None) -> str | None:
        if mapping is None:
            return None
        from geo.io import load_mapping

        return load_mapping(mapping).table

    def relabel(self, lang: str) -> None:
        """Labels in ``lang``; the panel's children are rebuilt with their titles."""
        self.lang = lang
        for table, upload in self.uploads.items():
            upload.description = t(f"data.upload_{table}", lang)
        self.mapping_upload.description = t("data.mapping", lang)
        self.load_button.description = t("data.add", lang)
        self.sample_button.description = t("data.sample", lang)
        self.clear_button.description = t("data.clear", lang)
        self._show_project()
        self.box.children = [
            widgets.HTML(f"<b>{t('data.title', lang)}</b>"),
            self.sample_button,
            *self.uploads.values(),
            self.mapping_upload,
            widgets.HBox([self.load_button, self.clear_button]),
            self.project,
            widgets.HTML(f"<b>{t('data.report', lang)}</b>"),
            self.reports,
        ]

    def show_reports(self, reports: dict[str, ValidationReport] | None) -> None:
        """The reports of data read elsewhere (the sample city), unless uploads' are shown."""
        if reports and not self.reports.value:
            self.reports.value = "".join(report_html(r, self.lang) for r in reports.values())


def _safe_name(name: str) -> str:
    """A browser-given file name reduced to a harmless base name in the upload folder.

    Directory parts (either slash), leading dots and characters outside letters, digits,
    ``. _ - space`` are dropped, so ``../../x.csv`` or ``C:\\fakepath\\x.csv`` become ``x.csv``.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^\w.\- ]", "_", base).lstrip(". ").strip()
    stem, suffix = os.path.splitext(base)
    return (stem[:150] + suffix[:16]) or "upload"
