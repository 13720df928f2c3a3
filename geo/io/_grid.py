"""Coordinates published as grid ranges (``"6588500-6588999"``), and location precision.

Some national police exports hide the exact place behind a privacy grid: each x and y is the
range of a grid cell in a projected CRS (Swedish open data: 500 m squares in SWEREF99 TM).
Read as numbers every such row was lost; the centre of the cell is the honest point, and the
cell's width is how far the true place may be from it. That width, in metres, travels with
each row as its location precision, so later steps count a row only at H3 resolutions whose
cells can hold it.

A range written with an inclusive integer end (``500-999``) is a cell of ``1000 - 500`` m;
one written with an exclusive end (``500-1000``) too: the width is ``hi - lo``, plus one when
that makes a round width (``499 + 1``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_NUMBER = r"-?\d+(?:\.\d+)?"
_RANGE = rf"^\s*(?P<lo>{_NUMBER})\s*(?:-|–|—|\.\.)\s*(?P<hi>{_NUMBER})\s*$"
"""``lo-hi`` with a hyphen, an en or em dash, or ``..`` between the two numbers."""

def grid_centres(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Replace ``lo-hi`` range text by the centre of the range.

    Returns the values (centres where a range was read, everything else untouched so the
    validator still reports it) and the width of each range in metres (NaN elsewhere).

    Examples
    --------
    >>> centres, width = grid_centres(pd.Series(["6588500-6588999", "674000", "1-x"]))
    >>> centres.tolist(), width.tolist()
    ([6588750.0, '674000', '1-x'], [500.0, nan, nan])
    """
    width = np.full(len(values), np.nan)
    if pd.api.types.is_numeric_dtype(values) or not len(values):
        return values, width
    text = pa.array(values.astype("string").str.replace(",", ".", regex=False)
                    .to_numpy(na_value=None), type=pa.string())
    found = pc.extract_regex(text, _RANGE)
    hit = found.is_valid().to_numpy(zero_copy_only=False)
    if not hit.any():
        return values, width
    lo = pd.to_numeric(pd.Series(found.field("lo").to_numpy(zero_copy_only=False)).where(hit),
                       errors="coerce").to_numpy(dtype="float64")
    hi = pd.to_numeric(pd.Series(found.field("hi").to_numpy(zero_copy_only=False)).where(hit),
                       errors="coerce").to_numpy(dtype="float64")
    hit &= hi > lo
    span = hi - lo
    inclusive = (lo % 1 == 0) & (hi % 1 == 0) & ((span + 1) % 10 == 0)
    span = np.where(inclusive, span + 1, span)
    width[hit] = span[hit]
    centres = values.astype(object).copy()
    centres[hit] = (lo + span / 2)[hit]
    return centres, width
