"""Nightlife venues as dots: sent once per venue table, recoloured by their state per view."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from geo.layers._restyle import RestyledLayer

DASHED_VENUE_STYLE = {"dashArray": "2 2"}
"""Venues whose opening hours are unknown: a dashed ring, never a guess."""


class VenueLayer(RestyledLayer):
    """Venue dots coloured open / closed / unknown in the view's window.

    Parameters
    ----------
    name
        Layer name shown in the layers control.
    colors
        Fill per state (``open``, ``closed``, ``unknown``); ``unknown`` is also dashed.
    radius, weight, fill_opacity
        Dot size and outline (presentation mode draws larger dots).
    details
        Put each venue's name and opening hours in its properties (hover text). Venues are
        public places; presentation mode leaves them out to keep the page quiet.
    """

    def __init__(
        self,
        name: str,
        colors: Mapping[str, str],
        *,
        radius: float = 5,
        weight: float = 1,
        fill_opacity: float = 0.9,
        details: bool = True,
    ) -> None:
        base = {
            "radius": radius,
            "weight": weight,
            "color": "#222222",
            "opacity": 1.0,
            "fillOpacity": fill_opacity,
            "dashArray": None,
        }
        super().__init__(name, base, DASHED_VENUE_STYLE, point_style=base)
        self.colors = dict(colors)
        self.details = details
        self.states = np.zeros(0, dtype=object)
        """Each venue's state in the view drawn last (hover text reads it here)."""
        self._table_key: bytes | None = None

    def draw(self, venues: pd.DataFrame) -> bool:
        """Show ``venues`` (``lat``, ``lon``, ``state``; ``name``, ``opening_hours``).

        The points are sent when the venue table changes; a new window sends only colours.
        Returns True if anything was sent.
        """
        lat = venues["lat"].to_numpy(dtype=float)
        lon = venues["lon"].to_numpy(dtype=float)
        states = venues["state"].to_numpy(dtype=object)
        table_key = lat.tobytes() + lon.tobytes()
        new_table = table_key != self._table_key
        if not new_table and np.array_equal(states, self.states):
            return False
        fill = [self.colors[s] for s in states]
        marks = (states == "unknown").astype(np.uint8)
        codes, marks, palette = self._codes_of(np.arange(len(states)), fill, marks, len(states))
        self.states = states
        features = None
        if new_table:
            self._table_key = table_key
            # Python's round (correctly rounded), not numpy's (scales, then rounds): the shown
            # points must be the venues' own rounded coordinates.
            details = self._details(venues)
            features = [
                self._feature(details, i, round(x, 5), round(y, 5))
                for i, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True))
            ]
        self._send(codes, marks, palette, features)
        return True

    def _details(self, venues: pd.DataFrame) -> dict[str, list]:
        """Hover details by property, as lists: a city's 3,000 venues read cell by cell with
        ``.iat`` took ~1 s of the first map."""
        if not self.details:
            return {}
        return {key: venues[column].tolist() if column in venues else [None] * len(venues)
                for key, column in (("name", "name"), ("hours", "opening_hours"))}

    def _feature(self, details: dict[str, list], i: int, x: float, y: float) -> dict:
        properties = {}
        for key, values in details.items():
            value = values[i]
            properties[key] = None if pd.isna(value) else str(value)
        return {
            "type": "Feature",
            "properties": properties,
            "geometry": {"type": "Point", "coordinates": [float(x), float(y)]},
        }

    def show_on(self, m, venues: pd.DataFrame | None) -> None:
        """Draw ``venues`` on the map ``m``, or take the layer off it when ``venues`` is None."""
        if venues is None or not len(venues):
            if self.layer in m.layers:
                m.remove(self.layer)
            return
        self.draw(venues)
        if self.layer not in m.layers:
            m.add(self.layer)
