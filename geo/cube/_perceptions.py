"""The perception cube: weighted moments of insecurity per (cell, hour or daypart, group).

``n``, ``sw = Σw``, ``sw2 = Σw²``, ``swx = Σw·x`` and ``swx2 = Σw·x²`` are additive, so any
union of cells,
hours, dayparts and groups gives the weighted mean ``swx / sw``, the weighted variance
``swx2 / sw - mean²`` and, with Kish's effective size ``sw² / sw2``, an interval
(DESIGN §4-5). Raw answers never need to be kept next to the dashboard. ``key`` sums the
answers' record keys (:mod:`geo.privacy._keys`), so any view knows the cell key of its answers.
``answered`` keeps the day each answer was given, so survey waves can be told apart (issue 15).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from geo.columns import DAYPARTS, DEFAULT_RESOLUTION
from geo.cube._aggregate import codes_in, factorize_sorted, group_sum
from geo.index import cells_of
from geo.privacy import record_keys, salt_fingerprint

UNKNOWN_GROUP = "unknown"
"""Group label of answers whose respondent group is missing (kept, never dropped)."""

NO_ANSWER_DATE = int(np.iinfo(np.int32).min)
"""``answered`` of answers without a date: below every date, so no wave holds them."""

_NEEDED = ("response_id", "lat", "lon", "hour", "daypart", "insecurity", "weight", "group")


def group_categories(groups: pd.Series) -> list[str]:
    """Groups found, sorted, then ``unknown`` last (always present, so filters can name it)."""
    found = {str(g) for g in pd.unique(groups.dropna())} - {UNKNOWN_GROUP}
    return [*sorted(found), UNKNOWN_GROUP]


@dataclass(frozen=True, eq=False)
class PerceptionCube:
    """Additive moments of perceived insecurity.

    Attributes
    ----------
    table
        Columns ``cell`` (uint64), ``hour`` (int8 0..23, or -1 when only a daypart is known),
        ``daypart`` (Categorical over :data:`geo.columns.DAYPARTS`), ``group`` (Categorical,
        missing -> ``unknown``), ``answered`` (int32 day the answer was given, days since
        1970-01-01, :data:`NO_ANSWER_DATE` when unknown), ``n`` (int64 answers), ``sw``,
        ``sw2``, ``swx``, ``swx2`` (float64) and ``key`` (int64 sum of the answers' record keys).
        Sorted by the keys.
    resolution
        H3 resolution of ``cell``.
    rows
        Answers that went in.
    settings
        The build settings as plain values.
    """

    KIND: ClassVar[str] = "perceptions"
    KEY_COLUMNS: ClassVar[tuple[str, ...]] = ("cell", "hour", "daypart", "group", "answered")
    MEASURES: ClassVar[tuple[str, ...]] = ("n", "sw", "sw2", "swx", "swx2", "key")

    table: pd.DataFrame = field(repr=False)
    resolution: int
    rows: int
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [c for c in (*self.KEY_COLUMNS, *self.MEASURES) if c not in self.table.columns]
        if missing:
            raise ValueError(f"perception cube table lacks columns {missing}")

    def metadata(self) -> dict[str, Any]:
        """Everything but the table, as JSON-ready values (stored in the Parquet schema)."""
        return {
            "kind": self.KIND,
            "resolution": self.resolution,
            "rows": self.rows,
            "settings": dict(self.settings),
        }

    @classmethod
    def from_metadata(cls, table: pd.DataFrame, meta: dict[str, Any]) -> PerceptionCube:
        """Inverse of :meth:`metadata` (used by ``load_cube``)."""
        return cls(
            table=table,
            resolution=int(meta["resolution"]),
            rows=int(meta["rows"]),
            settings=dict(meta["settings"]),
        )


def _answer_days(perceptions: pd.DataFrame) -> np.ndarray:
    """Day of each answer (days since 1970-01-01), :data:`NO_ANSWER_DATE` where unknown."""
    if "answered_at" not in perceptions.columns:
        return np.full(len(perceptions), NO_ANSWER_DATE, dtype=np.int64)
    times = pd.to_datetime(perceptions["answered_at"]).to_numpy(dtype="datetime64[ns]")
    days = times.astype("datetime64[D]").astype(np.int64)
    return np.where(np.isnat(times), NO_ANSWER_DATE, days)


def build_perception_cube(
    perceptions: pd.DataFrame,
    *,
    resolution: int = DEFAULT_RESOLUTION,
    key_salt: str | bytes | None = None,
) -> PerceptionCube:
    """Index and sum canonical perception answers into a :class:`PerceptionCube`.

    Parameters
    ----------
    perceptions
        The canonical perceptions table (DESIGN §2); extra columns are ignored.
    resolution
        H3 resolution of the cube's cells.
    key_salt
        Secret salt of the record keys (default: the sample city's public one).

    Raises
    ------
    ValueError
        If a needed column is missing, a daypart is outside the vocabulary, or an insecurity or
        weight is missing (one NaN would poison every sum it joins).
    """
    missing = [c for c in _NEEDED if c not in perceptions.columns]
    if missing:
        raise ValueError(f"perceptions lack columns {missing}")
    x = perceptions["insecurity"].to_numpy(dtype=np.float64, na_value=np.nan)
    w = perceptions["weight"].to_numpy(dtype=np.float64, na_value=np.nan)
    if not (np.isfinite(x).all() and np.isfinite(w).all()):
        raise ValueError("insecurity and weight must be present and finite in every answer")
    hour = perceptions["hour"].to_numpy(dtype=np.float64, na_value=np.nan)
    hour = np.where(np.isfinite(hour), hour, -1).astype(np.int64)
    if ((hour < -1) | (hour > 23)).any():
        raise ValueError("hour must be 0..23 or missing")
    cells = cells_of(perceptions["lat"].to_numpy(), perceptions["lon"].to_numpy(), resolution)
    cell, unique_cells = factorize_sorted(cells)
    daypart = codes_in(perceptions["daypart"], list(DAYPARTS), "daypart")
    groups = perceptions["group"].astype("string").fillna(UNKNOWN_GROUP)
    group_names = group_categories(groups)
    group = codes_in(groups, group_names, "group")
    answered = _answer_days(perceptions)
    day_code, days = factorize_sorted(answered)
    parts, sums = group_sum(
        [
            (cell, unique_cells.size),
            (hour + 1, 25),
            (daypart, len(DAYPARTS)),
            (group, len(group_names)),
            (day_code, days.size),
        ],
        {
            "n": np.ones(len(perceptions), dtype=np.int64),
            "sw": w,
            "sw2": w * w,
            "swx": w * x,
            "swx2": w * x * x,
            "key": record_keys(perceptions["response_id"], key_salt),
        },
    )
    table = pd.DataFrame(
        {
            "cell": unique_cells[parts[0]].astype(np.uint64),
            "hour": (parts[1] - 1).astype(np.int8),
            "daypart": pd.Categorical.from_codes(parts[2], categories=list(DAYPARTS)),
            "group": pd.Categorical.from_codes(parts[3], categories=group_names),
            "answered": days[parts[4]].astype(np.int32),
            **sums,
        }
    )
    return PerceptionCube(
        table=table,
        resolution=int(resolution),
        rows=len(perceptions),
        settings={"resolution": int(resolution), "key_salt_id": salt_fingerprint(key_salt)},
    )
