"""A city made of files uploaded in one dashboard session, and the project that rebuilds it.

The analyst adds files one upload at a time (several per table); each keeps its own report.
Nothing is written to disk: the tables live in the session's memory. :meth:`project_zip` gives
the ``atlas.yaml`` (and mapping files) of the same city, without data, so the analyst can put
the files beside it and run ``atlas build``.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo.schema import ValidationReport

if TYPE_CHECKING:  # readers and YAML load with the first upload, not with every kernel
    from geo.io import ColumnMapping, LoadResult

DATA_DIR = "data"
"""Folder of the downloaded project where the analyst puts the files back."""


@dataclass(frozen=True)
class SessionFile:
    """One uploaded file, read."""

    name: str
    table: str
    format: str
    frame: pd.DataFrame = field(repr=False)
    report: ValidationReport = field(repr=False)
    mapping: ColumnMapping | None = None


def _mapping_dict(mapping: ColumnMapping) -> dict[str, Any]:
    """The mapping as the YAML a project file holds (empty parts left out)."""
    out: dict[str, Any] = {}
    for key, value in asdict(mapping).items():
        if key == "origin" or value in (None, {}, (), []):
            continue
        if isinstance(value, dict):
            value = {k: (list(v) if isinstance(v, tuple) else v) for k, v in value.items()
                     if v not in (None, (), [])}
        out[key] = value
    return out


@dataclass
class SessionCity:
    """The files added so far, in the order they came."""

    files: list[SessionFile] = field(default_factory=list)

    def add(self, name: str, result: LoadResult, mapping: ColumnMapping | None = None) -> None:
        self.files.append(SessionFile(name, result.table, result.format, result.frame,
                                      result.report, mapping))

    @property
    def has_incidents(self) -> bool:
        return any(f.table == "incidents" for f in self.files)

    def names(self) -> list[str]:
        return [f.name for f in self.files]

    def reports(self) -> dict[str, ValidationReport]:
        """Each file's report, named ``incidents[0] name.csv`` as a build names them."""
        out, seen = {}, {}
        for f in self.files:
            i = seen[f.table] = seen.get(f.table, -1) + 1
            out[f"{f.table}[{i}] {f.name}"] = f.report
        return out

    def table(self, name: str) -> pd.DataFrame | None:
        frames = [f.frame for f in self.files if f.table == name]
        if not frames:
            return None
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def atlas(self):
        """The session's city as an Atlas (not synthetic; no project, so the default k)."""
        from geo.metrics import Atlas

        return Atlas(self.table("incidents"), self.table("perceptions"), self.table("venues"),
                     metadata={"synthetic": False}, reports=self.reports())

    def project_yaml(self, city: str = "My city") -> str:
        """``atlas.yaml`` for these files (put in ``data/``), mappings inline."""
        sources: dict[str, list[dict[str, Any]]] = {}
        for f in self.files:
            entry: dict[str, Any] = {"path": f"{DATA_DIR}/{f.name}"}
            if f.mapping is not None:
                entry["mapping"] = _mapping_dict(f.mapping)
            elif f.format != "generic":
                entry["format"] = f.format
            sources.setdefault(f.table, []).append(entry)
        doc = {
            "city": city,
            "timezone": "Europe/Paris",
            "privacy": {"k": 5},
            "sources": sources,
        }
        head = ("# Insecurity Atlas city project, downloaded from a dashboard session.\n"
                f"# Put the files named below in {DATA_DIR}/, check the time zone, then run:\n"
                "#   atlas build THIS_FOLDER && atlas serve THIS_FOLDER\n")
        import yaml

        return head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)

    def project_zip(self) -> bytes:
        """A zip of the project folder: atlas.yaml and an empty data/ (no data inside)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("atlas-project/atlas.yaml", self.project_yaml())
            z.writestr(f"atlas-project/{DATA_DIR}/README.txt",
                       "Put these files here: " + ", ".join(self.names()) + "\n")
        return buffer.getvalue()
