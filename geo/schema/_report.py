"""The ValidationReport: what happened to every row between a file and a canonical table.

Nothing may disappear silently (DESIGN §2), so a load carries one ledger in which every dropped
row is kept with its reason, every repaired value is counted by reason, and rows merged into
another (the same incident on several rows) are counted. ``rows_in`` always reconciles:
``rows_in == rows_out + rows_merged + sum(dropped.values())``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

REASON_COLUMN = "_reason"
ROW_COLUMN = "_row"
"""1-based data row of the source file (header excluded), so a user can find the row again."""
LOCATION_COLUMN = "_location_m"
"""Staging column: metres a row's published place may be from the truth (a privacy grid's
cell width, a stated precision); NaN or 0 = used as published. Not part of any table."""
EXACT = "exact"
"""Location precision label of rows whose coordinates are used as published."""


@dataclass(frozen=True)
class ValidationReport:
    """Counts by reason of every row dropped, repaired, merged or flagged in one load."""

    path: str
    format: str
    table: str
    rows_in: int
    rows_out: int
    rows_merged: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    repaired: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    time_precision: dict[str, int] = field(default_factory=dict)
    location_precision: dict[str, int] = field(default_factory=dict)
    """Kept rows per location precision: ``{"exact": n}``, ``{"500 m": n}``, ..."""
    dropped_rows: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        accounted = self.rows_out + self.rows_merged + sum(self.dropped.values())
        if accounted != self.rows_in:
            raise AssertionError(
                f"report does not reconcile: rows_in={self.rows_in} but out+merged+dropped"
                f"={accounted} ({self.path})"
            )

    @property
    def rows_dropped(self) -> int:
        return sum(self.dropped.values())

    @property
    def location_precision_m(self) -> float | None:
        """The coarsest location precision of the kept rows in metres; None when all exact.

        What a city build reads to know at which H3 resolutions this file's rows fit.
        """
        metres = [float(label[:-2]) for label in self.location_precision
                  if label.endswith(" m")]
        return max(metres) if metres else None

    @property
    def ok(self) -> bool:
        """True when no row was dropped (repairs and merges are fine)."""
        return self.rows_dropped == 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready summary (the dropped rows themselves are not included)."""
        return {
            "path": self.path,
            "format": self.format,
            "table": self.table,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "rows_merged": self.rows_merged,
            "rows_dropped": self.rows_dropped,
            "dropped": dict(self.dropped),
            "repaired": dict(self.repaired),
            "flagged": dict(self.flagged),
            "time_precision": dict(self.time_precision),
            "location_precision": dict(self.location_precision),
            "location_precision_m": self.location_precision_m,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], dropped_rows: pd.DataFrame | None = None
                  ) -> ValidationReport:
        """Inverse of :meth:`to_dict` (a build stores reports as JSON, dropped rows as CSV)."""
        names = {f for f in cls.__dataclass_fields__ if f not in ("dropped_rows", "notes")}
        kwargs = {k: v for k, v in data.items() if k in names}
        return cls(**kwargs, notes=tuple(data.get("notes", ())),
                   dropped_rows=dropped_rows if dropped_rows is not None else pd.DataFrame())

    def to_text(self) -> str:
        """A short human summary, one fact a line, as the CLI and the data panel show it."""
        lines = [
            f"{self.path} — format {self.format}, table {self.table}",
            f"  rows in {self.rows_in:,}, rows kept {self.rows_out:,}, "
            f"merged {self.rows_merged:,}, dropped {self.rows_dropped:,}",
        ]
        for title, counts in (
            ("dropped", self.dropped),
            ("repaired", self.repaired),
            ("flagged", self.flagged),
            ("time precision", self.time_precision),
            ("location precision", self.location_precision),
        ):
            if counts:
                lines.append(f"  {title}:")
                lines.extend(f"    {k}: {v:,}" for k, v in sorted(counts.items()))
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


class ReportBuilder:
    """Mutable ledger a reader and validator write into; ``finish`` freezes it into a report.

    Every frame handed to :meth:`drop` must carry the ``_row`` column so the dropped rows can be
    traced back to the file.
    """

    def __init__(self, path: str, format: str, table: str, rows_in: int) -> None:
        self.path = str(path)
        self.format = format
        self.table = table
        self.rows_in = int(rows_in)
        self.rows_merged = 0
        self.dropped: Counter[str] = Counter()
        self.repaired: Counter[str] = Counter()
        self.flagged: Counter[str] = Counter()
        self.notes: list[str] = []
        self._dropped_parts: list[pd.DataFrame] = []

    def drop(self, frame: pd.DataFrame, mask: pd.Series, reason: str) -> pd.DataFrame:
        """Remove the rows where ``mask`` is true, keep them with ``reason``, return the rest."""
        mask = mask.fillna(False).astype(bool)
        n = int(mask.sum())
        if n == 0:
            return frame
        gone = frame.loc[mask].copy()
        gone[REASON_COLUMN] = reason
        self._dropped_parts.append(gone)
        self.dropped[reason] += n
        return frame.loc[~mask]

    def repair(self, reason: str, count: int) -> None:
        if count:
            self.repaired[reason] += int(count)

    def flag(self, reason: str, count: int) -> None:
        if count:
            self.flagged[reason] += int(count)

    def merge(self, count: int) -> None:
        """Count rows folded into another row of the same record (e.g. one per offence code)."""
        self.rows_merged += int(count)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def dropped_rows(self) -> pd.DataFrame:
        if not self._dropped_parts:
            return pd.DataFrame(columns=[ROW_COLUMN, REASON_COLUMN])
        parts = [p.astype(object) for p in self._dropped_parts]
        out = pd.concat(parts, ignore_index=True, sort=False)
        first = [ROW_COLUMN, REASON_COLUMN]
        return out[first + [c for c in out.columns if c not in first]]

    def finish(
        self,
        rows_out: int,
        time_precision: dict[str, int] | None = None,
        location_precision: dict[str, int] | None = None,
    ) -> ValidationReport:
        return ValidationReport(
            path=self.path,
            format=self.format,
            table=self.table,
            rows_in=self.rows_in,
            rows_out=int(rows_out),
            rows_merged=self.rows_merged,
            dropped=dict(self.dropped),
            repaired=dict(self.repaired),
            flagged=dict(self.flagged),
            time_precision=dict(time_precision or {}),
            location_precision=dict(location_precision or {}),
            dropped_rows=self.dropped_rows(),
            notes=tuple(self.notes),
        )
