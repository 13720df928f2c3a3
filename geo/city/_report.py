"""The build report: per source file what was read, kept, merged, dropped and why.

Printed by ``atlas build``, written beside each generation as ``report.json`` and
``report.html``, and shown in the dashboards' data tab, so the counts users see are the counts
the build used (DESIGN §2: nothing disappears silently).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.city._project import SourceSpec
from geo.schema import ValidationReport

COUNTS = ("rows_in", "rows_out", "rows_merged", "rows_dropped")


def source_entry(spec: SourceSpec, path: Path, fmt: str, report: ValidationReport,
                 cached: bool) -> dict[str, Any]:
    """One source file's line of the build report (JSON-ready)."""
    entry = report.to_dict()
    entry.update(
        path=str(path),
        table=spec.table,
        format=fmt,
        source=spec.source or _sources_of(report),
        entry=spec.label,
        published=spec.published,
        provenance=dict(spec.notes),
        cached=cached,
    )
    return entry


def _sources_of(report: ValidationReport) -> str:
    return "" if report.table != "incidents" else "(from the file)"


def totals(sources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per table: summed row counts and dropped / repaired counts by reason."""
    out: dict[str, dict[str, Any]] = {}
    for entry in sources:
        t = out.setdefault(entry["table"], {**dict.fromkeys(COUNTS, 0), "files": 0,
                                            "dropped": {}, "repaired": {}})
        t["files"] += 1
        for key in COUNTS:
            t[key] += int(entry.get(key, 0))
        for kind in ("dropped", "repaired"):
            for reason, n in entry.get(kind, {}).items():
                t[kind][reason] = t[kind].get(reason, 0) + int(n)
    return out


@dataclass(frozen=True)
class BuildReport:
    """What one ``atlas build`` did (or found up to date)."""

    generation: Path
    sources: list[dict[str, Any]]
    rebuilt: bool
    seconds: float
    city: str
    synthetic: bool

    @classmethod
    def from_info(cls, info: dict[str, Any], generation: Path, *, rebuilt: bool,
                  seconds: float) -> BuildReport:
        meta = info.get("metadata", {})
        return cls(generation, list(info["sources"]), rebuilt, seconds,
                   str(meta.get("city", "")), bool(meta.get("synthetic")))

    @property
    def totals(self) -> dict[str, dict[str, Any]]:
        return totals(self.sources)

    @property
    def exit_code(self) -> int:
        """As ``atlas validate``: 0 every row kept, 1 rows dropped somewhere."""
        return 1 if any(e.get("rows_dropped") for e in self.sources) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "synthetic": self.synthetic,
            "generation": self.generation.name,
            "rebuilt": self.rebuilt,
            "seconds": round(self.seconds, 3),
            "sources": self.sources,
            "totals": self.totals,
        }

    def to_text(self) -> str:
        lines = [f"{self.city}: build {self.generation.name}"
                 + ("" if self.rebuilt else " (up to date)")]
        for e in self.sources:
            lines.append(
                f"  {e['table']:<11} {Path(e['path']).name} [{e['format']}"
                f"{', ' + e['source'] if e.get('source') else ''}]: in {e['rows_in']:,}, "
                f"kept {e['rows_out']:,}, merged {e['rows_merged']:,}, "
                f"dropped {e['rows_dropped']:,}")
            for reason, n in sorted(e.get("dropped", {}).items()):
                lines.append(f"      dropped {reason}: {n:,}")
            for reason, n in sorted(e.get("repaired", {}).items()):
                lines.append(f"      repaired {reason}: {n:,}")
            if e.get("time_precision"):
                parts = ", ".join(f"{k} {v:,}" for k, v in sorted(e["time_precision"].items()))
                lines.append(f"      time precision: {parts}")
            if e.get("location_precision_m"):
                lines.append(f"      location precision: {e['location_precision_m']:g} m")
            lines.extend(f"      note: {note}" for note in e.get("notes", []))
        for table, t in self.totals.items():
            lines.append(f"  total {table}: {t['files']} file(s), in {t['rows_in']:,}, kept "
                         f"{t['rows_out']:,}, dropped {t['rows_dropped']:,}")
        return "\n".join(lines)

    def to_html(self) -> str:
        """A self-contained page (no external assets): the report a team can archive."""
        esc = html.escape
        rows = []
        for e in self.sources:
            reasons = "<br>".join(f"{esc(k)}: {v:,}" for k, v in sorted(e.get("dropped",
                                                                              {}).items()))
            repairs = "<br>".join(f"{esc(k)}: {v:,}" for k, v in sorted(e.get("repaired",
                                                                              {}).items()))
            precision = ", ".join(f"{esc(k)} {v:,}" for k, v in sorted(
                e.get("time_precision", {}).items()))
            notes = "<br>".join([*(f"{esc(k)}: {esc(str(v))}"
                                   for k, v in e.get("provenance", {}).items()),
                                 *(esc(n) for n in e.get("notes", []))])
            rows.append(
                f"<tr><td>{esc(e['table'])}</td><td>{esc(Path(e['path']).name)}</td>"
                f"<td>{esc(e['format'])}</td><td>{esc(str(e.get('source') or ''))}</td>"
                f"<td>{e['rows_in']:,}</td><td>{e['rows_out']:,}</td>"
                f"<td>{e['rows_merged']:,}</td><td>{e['rows_dropped']:,}</td>"
                f"<td>{reasons}</td><td>{repairs}</td><td>{precision}</td><td>{notes}</td></tr>")
        head = ("<tr><th>table</th><th>file</th><th>format</th><th>source</th><th>rows in</th>"
                "<th>kept</th><th>merged</th><th>dropped</th><th>dropped by reason</th>"
                "<th>repaired</th><th>time precision</th><th>notes</th></tr>")
        synthetic = " (synthetic data)" if self.synthetic else ""
        return (
            "<!doctype html><html lang='en'><meta charset='utf-8'>"
            f"<title>Build report — {esc(self.city)}</title>"
            "<style>body{font:15px system-ui,sans-serif;margin:2em}table{border-collapse:"
            "collapse}td,th{border:1px solid #999;padding:4px 8px;vertical-align:top}"
            "th{background:#eee}</style>"
            f"<h1>Build report — {esc(self.city)}{synthetic}</h1>"
            f"<p>Generation {esc(self.generation.name)}. Every row read is accounted for: "
            "rows in = kept + merged + dropped.</p>"
            f"<table>{head}{''.join(rows)}</table></html>"
        )
