"""The canonical tables as pandera schemas: the contract every later module may rely on.

Validators produce frames that pass these; a failure here is a bug in a reader or validator,
never a user's bad row (those are dropped or repaired with a reason before this point).

pandera (and the geopandas it loads) takes ~1 s to import, so the schemas are built on first
use: a dashboard kernel that opens a built city never validates, and never pays for it.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import pandas as pd

from geo.columns import CATEGORIES, DAYPARTS, TIME_PRECISIONS

if TYPE_CHECKING:
    import pandera.pandas as pa


@cache
def contracts() -> dict[str, pa.DataFrameSchema]:
    """The pandera schema of each canonical table (built once, on first use)."""
    import pandera.pandas as pa

    coords = {
        "lat": pa.Column(float, pa.Check.in_range(-90, 90)),
        "lon": pa.Column(float, pa.Check.in_range(-180, 180)),
    }
    return {
        "incidents": pa.DataFrameSchema(
            {
                "incident_id": pa.Column(str, unique=True),
                "occurred_from": pa.Column("datetime64[ns]", nullable=True),
                "occurred_to": pa.Column("datetime64[ns]", nullable=True),
                "time_precision": pa.Column(str, pa.Check.isin(TIME_PRECISIONS)),
                **coords,
                "category": pa.Column(str, pa.Check.isin(CATEGORIES)),
                "category_raw": pa.Column(str, nullable=True),
                "source": pa.Column(str),
            },
            strict=True,
            ordered=True,
        ),
        "perceptions": pa.DataFrameSchema(
            {
                "response_id": pa.Column(str, unique=True),
                **coords,
                "answered_at": pa.Column("datetime64[ns]", nullable=True),
                "hour": pa.Column("Int64", pa.Check.in_range(0, 23), nullable=True),
                "daypart": pa.Column(str, pa.Check.isin(DAYPARTS)),
                "insecurity": pa.Column(float, pa.Check.in_range(0, 1)),
                "weight": pa.Column(float, pa.Check.gt(0)),
                "group": pa.Column(str, nullable=True),
            },
            strict=True,
            ordered=True,
        ),
        "venues": pa.DataFrameSchema(
            {
                "venue_id": pa.Column(str, unique=True),
                "name": pa.Column(str, nullable=True),
                "kind": pa.Column(str),
                **coords,
                "opening_hours": pa.Column(str, nullable=True),
                "hours_known": pa.Column(bool),
            },
            strict=True,
            ordered=True,
        ),
    }


def check_contract(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Raise ``pandera.errors.SchemaError`` if ``frame`` breaks the canonical contract."""
    return contracts()[table].validate(frame)
