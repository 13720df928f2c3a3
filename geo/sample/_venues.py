"""Nightlife venues of Sampleville with OSM-style ``opening_hours``, as an OSM export has them.

Hours are varied the way real OSM data is: closing past midnight, clubs open only Thursday to
Saturday nights, open-ended ``22:00+``, ``24/7`` kiosks, seasonal terraces, ``PH off``; some
venues have no hours at all and some carry free text no parser reads ("till late"). Whether a
string is known is decided by the maintained parser (:func:`geo.schema.hours_parse`), never by
us, so the sample exercises exactly the path real data takes. Venues are few (hundreds), so
plain Python per venue is fine here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.columns import VENUE_COLUMNS
from geo.sample._city import ZONES, scatter_zones
from geo.schema import hours_parse

KINDS: dict[str, float] = {
    "bar": 0.42, "pub": 0.16, "nightclub": 0.10, "biergarten": 0.04, "fast_food": 0.28,
}
"""OSM ``amenity`` values of the venues, with their shares."""

PLACES: dict[str, dict[str, float]] = {
    "bar": {"Rue des Lanternes": 0.45, "Vieille Ville": 0.2, "Quai des Docks": 0.12,
            "Gare Centrale": 0.05, "Rue du Commerce": 0.06, "Quartier des Tours": 0.04,
            "Sampleville": 0.08},
    "pub": {"Vieille Ville": 0.45, "Rue des Lanternes": 0.25, "Quai des Docks": 0.05,
            "Gare Centrale": 0.05, "Rue du Commerce": 0.05, "Sampleville": 0.15},
    "nightclub": {"Quai des Docks": 0.65, "Rue des Lanternes": 0.2, "Vieille Ville": 0.05,
                  "Sampleville": 0.1},
    "biergarten": {"Quai des Docks": 0.4, "Vieille Ville": 0.2, "Parc du Belvédère": 0.2,
                   "Sampleville": 0.2},
    "fast_food": {"Rue des Lanternes": 0.3, "Gare Centrale": 0.25, "Quai des Docks": 0.15,
                  "Vieille Ville": 0.1, "Rue du Commerce": 0.1, "Sampleville": 0.1},
}
"""Where each kind sits: bars crowd the bar street, clubs the docks, pubs the old town."""

MISSING_HOURS = 0.08
MESSY_HOURS = 0.03
KIOSKS_24_7 = 2
"""Exact shares of venues without hours and with unparseable free text; number of 24/7 kiosks."""

MESSY: tuple[str, ...] = (
    "till late", "Mo-Fr 5pm-2am", "Fri-Sat 22:00-04:00", "tous les jours 18h-2h", "evenings",
    "Mo-Su 18h-2h",
)
"""Free-text hours as found in OSM; none parses (a test checks it)."""

_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bar": (("", "", "Bar", "Café"),
            ("Le Zinc", "Le Comptoir", "Le Hibou", "Le Phare", "Le Tonneau", "La Lanterne",
             "La Boussole", "Le Réverbère", "La Fanfare", "Le Perroquet", "La Lune Rousse",
             "Le Cactus", "Chez Marcel", "Chez Josette")),
    "pub": (("",),
            ("The Drunken Owl", "The Green Lantern", "The Harp & Anchor", "Le Trèfle",
             "The Fox & Hound", "The Crown", "Le Lion d'Or", "The Old Docker")),
    "nightclub": (("",),
                  ("Club Nocturne", "Le Bunker", "La Cave", "Hangar 9", "L'Usine", "Le Sous-Sol",
                   "Club Sirène")),
    "biergarten": (("",),
                   ("Guinguette du Quai", "Jardin du Belvédère", "La Terrasse",
                    "Guinguette des Tilleuls")),
    "fast_food": (("Snack", "Kebab", "Pizza", "Tacos", "Burger"),
                  ("Express", "de la Gare", "du Quai", "Minuit", "Soleil", "Corner", "Night")),
}
"""Name parts per kind: invented names, any likeness to a real venue is chance."""


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    return options[int(rng.integers(0, len(options)))]


def _hours(rng: np.random.Generator, kind: str) -> str:
    """One plausible OSM ``opening_hours`` value for a venue of ``kind``."""
    u = rng.random()
    if kind == "nightclub":
        return _pick(rng, ("Th-Sa 23:00-05:00", "Fr,Sa 23:30-06:00", "Fr-Sa 22:00+",
                           "We-Sa 23:00-05:00; PH 23:00-05:00",
                           "Th 23:00-04:00; Fr,Sa 23:00-06:00"))
    if kind == "biergarten":
        return _pick(rng, ("Apr-Sep Mo-Su 12:00-24:00; Oct-Mar off", "May-Sep Mo-Su 14:00-01:00",
                           "Apr-Oct Th-Su 16:00-00:00"))
    if kind == "fast_food":
        return _pick(rng, ("Mo-Su 11:00-02:00", "Mo-Th 18:00-02:00; Fr,Sa 18:00-05:00",
                           "Mo-Su 11:30-14:30,18:00-01:00", "Su-Th 17:00-01:00; Fr,Sa 17:00-04:00",
                           "Mo-Sa 11:00-23:00; PH off"))
    if kind == "pub":
        o = _pick(rng, ("11:00", "11:30", "12:00"))
        if u < 0.4:
            return f"Mo-Sa {o}-01:00; Su {o}-00:00"
        if u < 0.75:
            return f"Mo-Th {o}-00:00; Fr,Sa {o}-02:00; Su 12:00-23:00"
        if u < 0.9:
            return f"Mo-Su {o}-01:00; PH off"
        return f"Mo-We {o}-23:30; Th,Fr {o}-25:00; Sa 12:00-25:00"
    o = _pick(rng, ("16:00", "17:00", "17:30", "18:00"))
    weekday = _pick(rng, ("00:00", "01:00", "01:30"))
    weekend = _pick(rng, ("02:00", "03:00", "04:00"))
    if u < 0.35:
        return f"Mo-Th {o}-{weekday}; Fr,Sa {o}-{weekend}" + ("; Su off" if rng.random() < 0.5
                                                               else "")
    if u < 0.5:
        return f"Tu-Sa {o}-{weekend}"
    if u < 0.65:
        return f"Mo-Su {o}-{weekday}"
    if u < 0.8:
        return f"Mo-Th {o}-{weekday}; Fr,Sa {o}-{weekend}; PH off"
    if u < 0.93:
        return f"Apr-Sep Mo-Su {o}-{weekend}; Oct-Mar Mo-Sa {o}-{weekday}"
    return "Fr,Sa 22:00+"


def _name(rng: np.random.Generator, kind: str) -> str:
    prefixes, nouns = _NAMES[kind]
    return f"{_pick(rng, prefixes)} {_pick(rng, nouns)}".strip()


def make_venues(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """``n`` venues in the canonical layout, ids ``node/1000001`` ... in OSM style."""
    kinds = list(KINDS)
    kind = rng.choice(len(kinds), size=n, p=list(KINDS.values()))
    names = [z.name for z in ZONES]
    zone = np.empty(n, dtype=np.int64)
    for k, name in enumerate(kinds):
        rows = np.flatnonzero(kind == k)
        share = PLACES[name]
        p = np.array([share.get(z, 0.0) for z in names])
        zone[rows] = rng.choice(len(names), size=rows.size, p=p / p.sum())
    lat, lon = scatter_zones(rng, zone, spread=0.5, decimals=7)

    kind_names = [kinds[k] for k in kind]
    hours: list[str | None] = [_hours(rng, k) for k in kind_names]
    venue_name: list[str | None] = [_name(rng, k) for k in kind_names]

    station = names.index("Gare Centrale")
    food = np.flatnonzero((kind == kinds.index("fast_food")) & (zone == station))
    if food.size < KIOSKS_24_7:
        food = np.flatnonzero(kind == kinds.index("fast_food"))
    kiosks = rng.choice(food, size=min(KIOSKS_24_7, food.size), replace=False)
    for i in kiosks:
        hours[i], venue_name[i] = "24/7", f"Kiosque {_pick(rng, ('de la Gare', 'Nuit'))}"

    others = rng.permutation(np.setdiff1d(np.arange(n), kiosks))
    n_missing, n_messy = round(MISSING_HOURS * n), round(MESSY_HOURS * n)
    for i in others[:n_missing]:
        hours[i] = None
    for i in others[n_missing:n_missing + n_messy]:
        hours[i] = _pick(rng, MESSY)
    for i in others[n_missing + n_messy:][: round(0.02 * n)]:
        venue_name[i] = None  # unnamed in OSM

    opening = pd.Series(hours, dtype="string")
    frame = pd.DataFrame({
        "venue_id": pd.array([f"node/{1_000_001 + i}" for i in range(n)], dtype="string"),
        "name": pd.array(venue_name, dtype="string"),
        "kind": pd.array(kind_names, dtype="string"),
        "lat": lat,
        "lon": lon,
        "opening_hours": opening,
        "hours_known": hours_parse(opening).to_numpy(),
    })
    return frame[list(VENUE_COLUMNS)]
