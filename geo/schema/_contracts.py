"""The canonical tables as pandera schemas: the contract every later module may rely on.

Validators produce frames that pass these; a failure here is a bug in a reader or validator,
never a user's bad row (those are dropped or repaired with a reason before this point).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from geo.columns import CATEGORIES, DAYPARTS, TIME_PRECISIONS

_COORDS = {
    "lat": pa.Column(float, pa.Check.in_range(-90, 90)),
    "lon": pa.Column(float, pa.Check.in_range(-180, 180)),
}

CONTRACTS: dict[str, pa.DataFrameSchema] = {
    "incidents": pa.DataFrameSchema(
        {
            "incident_id": pa.Column(str, unique=True),
            "occurred_from": pa.Column("datetime64[ns]", nullable=True),
            "occurred_to": pa.Column("datetime64[ns]", nullable=True),
            "time_precision": pa.Column(str, pa.Check.isin(TIME_PRECISIONS)),
            **_COORDS,
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
            **_COORDS,
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
            **_COORDS,
            "opening_hours": pa.Column(str, nullable=True),
            "hours_known": pa.Column(bool),
        },
        strict=True,
        ordered=True,
    ),
}


def check_contract(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Raise ``pandera.errors.SchemaError`` if ``frame`` breaks the canonical contract."""
    return CONTRACTS[table].validate(frame)
