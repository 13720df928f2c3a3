"""A true change to find in the sample: a street lit from 1 October (issue 15, time as a dimension).

Period comparisons and survey waves need something real to find, or a test of them can only
show they find nothing. So Sampleville's year holds one planted change: new street lighting on
a stretch of Quai des Docks, switched on for the night of 1 October. From that night on, half of
the incidents that would have happened there in the dark do not (lighting studies find drops of
this order: Welsh & Farrington 2008, Campbell Systematic Reviews), and answers about the street
after that date feel safer after dark.

The street is the res-9 cells H3 draws on the line between two points of the quay
(``h3.grid_path_cells``), placed as the cube places points (a res-10 cell, then its parent), so
the cells a user finds on the map are exactly the cells the generator changed. The generator
keeps the sample's row counts (other tests rely on them): the incidents the light prevents are
drawn again as background incidents anywhere in the city (a fraction of one per cell), with the
same time and category. Their draws come from a generator of their own, so every other row of a
seed stays what it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import h3
import numpy as np
import pandas as pd

from geo.columns import DEFAULT_DAY_BOUNDARY_HOUR
from geo.index import cells_of, parents_of
from geo.sample._city import BACKGROUND, ZONES, district, scatter_zones, to_latlon
from geo.sample._time import YEAR, darkness


@dataclass(frozen=True)
class LitStreet:
    """A stretch of street that gets lighting on a date, and what that changes.

    Parameters
    ----------
    name
        What the data docs and the scene call it.
    district
        The district it runs through (its axis gives the line).
    along
        Start and end of the stretch, metres along the district's axis from its centre.
    lit_from
        First night (a night belongs to the date it starts on) with the lights on.
    prevented
        Share of the incidents in the dark there that no longer happen.
    calmer
        How much lower latent insecurity (0..1) is in full darkness once the street is lit.
    resolution
        H3 resolution of the street's cells.
    """

    name: str
    district: str
    along: tuple[float, float]
    lit_from: dt.date
    prevented: float = 0.5
    calmer: float = 0.3
    resolution: int = 9

    def ends(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """(lat, lon) of both ends of the stretch."""
        d = district(self.district)
        c, s = np.cos(np.radians(d.angle)), np.sin(np.radians(d.angle))
        out = []
        for u in self.along:
            lat, lon = to_latlon(np.array(d.x + u * c), np.array(d.y + u * s))
            out.append((round(float(lat), 6), round(float(lon), 6)))
        return out[0], out[1]

    @cached_property
    def cells(self) -> np.ndarray:
        """The street's cells (``uint64``, sorted): H3's line of cells between its ends."""
        a, b = (h3.latlng_to_cell(lat, lon, self.resolution) for lat, lon in self.ends())
        return np.sort(np.array([h3.str_to_int(c) for c in h3.grid_path_cells(a, b)],
                                dtype=np.uint64))

    def on_street(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Which points lie in the street's cells (placed as the cube places them)."""
        lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        out = np.zeros(lat.size, dtype=bool)
        # Only points near the street need H3: 1M points cost a bounding-box test.
        corners = np.array([h3.cell_to_boundary(h3.int_to_str(int(c))) for c in self.cells])
        lo, hi = corners.reshape(-1, 2).min(axis=0), corners.reshape(-1, 2).max(axis=0)
        near = np.flatnonzero((lat >= lo[0]) & (lat <= hi[0]) & (lon >= lo[1]) & (lon <= hi[1]))
        if near.size:
            placed = parents_of(cells_of(lat[near], lon[near], self.resolution + 1),
                                self.resolution)
            out[near] = np.isin(placed, self.cells)
        return out

    def switched_on(self, ns: np.ndarray) -> np.ndarray:
        """Which times (int64 ns, local) come after the lights first went on: from the day
        boundary of ``lit_from`` (the first lit night starts that day)."""
        first = pd.Timestamp(self.lit_from).value + DEFAULT_DAY_BOUNDARY_HOUR * 3_600 * 10**9
        return np.asarray(ns) >= first

    def lit(self, lat: np.ndarray, lon: np.ndarray, ns: np.ndarray) -> np.ndarray:
        """Light on each point and time: 0 before and by day, its darkness (0..1) after."""
        on = self.switched_on(ns) & self.on_street(lat, lon)
        return np.where(on, darkness(np.asarray(ns)), 0.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description for the sample's metadata and data docs."""
        (lat0, lon0), (lat1, lon1) = self.ends()
        return {
            "kind": "street_lighting",
            "name": self.name,
            "district": self.district,
            "from": [lat0, lon0],
            "to": [lat1, lon1],
            "lit_from_night": self.lit_from.isoformat(),
            "resolution": self.resolution,
            "cells": [h3.int_to_str(int(c)) for c in self.cells],
            "incidents_in_the_dark_prevented": self.prevented,
            "insecurity_lower_in_the_dark": self.calmer,
            "what_to_find": (
                "Compare the nights before 1 October with as many nights from it (e.g. "
                f"{YEAR}-07-01..{YEAR}-09-30 against {YEAR}-10-01..{YEAR}-12-31, 92 nights "
                "each): these cells "
                "record about half the incidents after dark, and the autumn survey wave feels "
                "safer there than the spring wave."
            ),
        }


LIT_STREET = LitStreet("Quai des Docks, lit stretch", "Quai des Docks", (-450.0, 450.0),
                       dt.date(YEAR, 10, 1))
"""The change planted in Sampleville."""


def light_incidents(
    rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, ns: np.ndarray,
    decimals: int, street: LitStreet = LIT_STREET,
) -> tuple[np.ndarray, np.ndarray]:
    """Move the incidents the light prevents elsewhere: (lat, lon) with those rows redrawn.

    Each incident on the street is prevented with probability ``prevented x light`` (light
    is the darkness at its time, from the lighting night on); a prevented one is drawn again
    as a background incident off the street (coordinates rounded to ``decimals``, as the
    source's are), so the table keeps its length.
    """
    light = street.lit(lat, lon, ns)
    rows = np.flatnonzero(light > 0)
    if rows.size == 0:
        return lat, lon
    gone = rows[rng.random(rows.size) < street.prevented * light[rows]]
    lat, lon = lat.copy(), lon.copy()
    background = np.full(gone.size, ZONES.index(BACKGROUND), dtype=np.int64)
    lat[gone], lon[gone] = scatter_zones(rng, background, decimals=decimals)
    for _ in range(5):  # elsewhere: a redraw that lands on the street is drawn again
        back = gone[street.on_street(lat[gone], lon[gone])]
        if back.size == 0:
            break
        lat[back], lon[back] = scatter_zones(rng, background[: back.size], decimals=decimals)
    return lat, lon

