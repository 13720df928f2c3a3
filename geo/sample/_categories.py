"""What each incident category looks like in Sampleville: labels, places, hours, seasons.

One table row per category of :data:`geo.columns.CATEGORIES`, so the whole behaviour of the
synthetic records can be read (and tuned) in one place. The shapes follow what city crime data
commonly show: violence, disorder and harassment peak on Friday and Saturday nights around
bars; thefts in the evening around transport and shops; residential burglary by day while
people are at work; drug offences late at night; mild summer highs for night-time offences.
Raw labels are French, as a French police export or app would write them; each raw label maps
to exactly one category.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.columns import CATEGORIES
from geo.sample._time import bump, weekly

NIGHTS_OUT = (1.0, 1.0, 1.1, 1.6, 3.2, 3.4, 1.2)
"""Night factors Mon..Sun night: Thursday student night, Friday and Saturday far above."""

FLAT = (1.0,) * 7


@dataclass(frozen=True)
class CategorySpec:
    """How one category is drawn.

    ``police``/``app`` are its shares among each source's records; ``places`` its affinity to
    each district kind; ``hours`` the daily curve (base + bumps); ``night``/``day`` the
    weekday factors; ``season`` (amplitude, peak day of year, special-night factor).
    """

    name: str
    police: float
    app: float
    police_labels: tuple[tuple[str, float], ...]
    app_labels: tuple[tuple[str, float], ...]
    places: dict[str, float]
    base: float
    bumps: tuple[tuple[float, float, float], ...]
    night: tuple[float, ...] = NIGHTS_OUT
    day: tuple[float, ...] = FLAT
    season: tuple[float, float, float] = (0.1, 190.0, 1.0)

    def profile(self) -> np.ndarray:
        """168 hour-of-week weights of this category before place and source effects."""
        curve = np.full(168, self.base)
        for mu, sd, amp in self.bumps:
            curve = curve + bump(mu, sd, amp)
        return curve * weekly(self.night, self.day)


def _places(
    nightlife: float, station: float, shopping: float, business: float,
    residential: float, park: float, background: float,
) -> dict[str, float]:
    return {
        "nightlife": nightlife, "station": station, "shopping": shopping,
        "business": business, "residential": residential, "park": park,
        "background": background,
    }


SPECS: tuple[CategorySpec, ...] = (
    CategorySpec(
        "violence", 0.14, 0.10,
        (("Violences volontaires", 0.7), ("Coups et blessures volontaires", 0.2),
         ("Rixe", 0.1)),
        (("Agression physique", 0.8), ("Rixe", 0.2)),
        _places(3.0, 1.5, 0.6, 0.3, 0.5, 0.3, 0.6), 0.2, ((0.8, 2.4, 3.0), (18.5, 2.0, 0.5)),
        season=(0.15, 190.0, 3.0),
    ),
    CategorySpec(
        "sexual_violence", 0.02, 0.12,
        (("Agression sexuelle", 0.8), ("Viol", 0.2)),
        (("Attouchements", 0.6), ("Agression sexuelle", 0.4)),
        _places(2.2, 1.2, 0.4, 0.2, 0.5, 0.4, 0.5), 0.2, ((1.0, 2.5, 3.0),),
        season=(0.12, 190.0, 3.0),
    ),
    CategorySpec(
        "harassment", 0.04, 0.38,
        (("Outrage sexiste", 0.6), ("Harcèlement de rue", 0.4)),
        (("Harcèlement de rue", 0.7), ("Suivi(e) dans la rue", 0.2),
         ("Insultes à caractère sexiste", 0.1)),
        _places(2.5, 2.0, 1.2, 0.5, 0.3, 0.4, 0.5), 0.4,
        ((8.0, 1.2, 0.6), (18.0, 2.0, 1.0), (23.5, 2.5, 2.5)),
        night=(1.0, 1.0, 1.1, 1.5, 2.6, 2.8, 1.2), season=(0.1, 190.0, 2.5),
    ),
    CategorySpec(
        "robbery", 0.05, 0.04,
        (("Vol avec violence", 0.6), ("Vol à l'arraché", 0.4)),
        (("Vol à l'arraché", 1.0),),
        _places(1.5, 2.0, 1.0, 0.4, 0.4, 0.3, 0.5), 0.3, ((22.0, 3.0, 2.0),),
        night=(1.0, 1.0, 1.0, 1.3, 1.8, 2.0, 1.1),
    ),
    CategorySpec(
        "theft", 0.30, 0.10,
        (("Vol simple", 0.55), ("Vol à la tire", 0.3), ("Vol dans véhicule", 0.15)),
        (("Vol / pickpocket", 1.0),),
        _places(1.5, 2.5, 2.5, 1.2, 0.6, 0.1, 0.6), 0.3,
        ((8.0, 1.0, 0.7), (12.5, 2.0, 1.0), (18.5, 2.2, 3.0)),
        night=(1.0, 1.0, 1.0, 1.1, 1.4, 1.5, 1.0), day=(1.0, 1.0, 1.0, 1.0, 1.2, 1.3, 0.7),
        season=(0.08, 350.0, 1.5),
    ),
    CategorySpec(
        "burglary", 0.10, 0.0,
        (("Cambriolage", 0.8), ("Cambriolage de local commercial", 0.2)),
        (("Cambriolage", 1.0),),
        _places(0.1, 0.1, 0.4, 0.6, 3.0, 0.0, 1.0), 0.1, ((13.0, 2.8, 3.0),),
        night=FLAT, day=(1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.5), season=(0.15, 355.0, 1.0),
    ),
    CategorySpec(
        "criminal_damage", 0.11, 0.0,
        (("Dégradation", 0.6), ("Destruction de bien", 0.25), ("Incendie de véhicule", 0.15)),
        (("Dégradation", 1.0),),
        _places(1.0, 0.8, 0.6, 0.5, 1.2, 0.3, 1.0), 0.4, ((23.0, 3.0, 1.5),),
        night=(1.0, 1.0, 1.0, 1.2, 1.8, 1.9, 1.1), season=(0.05, 190.0, 4.0),
    ),
    CategorySpec(
        "drugs", 0.07, 0.03,
        (("Stupéfiants", 0.4), ("Usage de stupéfiants", 0.45), ("Trafic de stupéfiants", 0.15)),
        (("Deal de rue", 1.0),),
        _places(1.5, 2.0, 0.3, 0.2, 0.6, 0.8, 0.6), 0.15, ((0.5, 3.0, 3.0), (17.0, 3.0, 0.8)),
        night=(1.0, 1.0, 1.1, 1.3, 1.7, 1.8, 1.1),
    ),
    CategorySpec(
        "disorder", 0.08, 0.18,
        (("Trouble à l'ordre public", 0.4), ("Ivresse publique manifeste", 0.4),
         ("Tapage nocturne", 0.2)),
        (("Ivresse / tapage", 0.7), ("Comportement menaçant", 0.3)),
        _places(3.0, 1.5, 0.7, 0.3, 0.4, 0.2, 0.5), 0.2, ((1.0, 2.4, 3.5),),
        season=(0.18, 190.0, 3.5),
    ),
    CategorySpec(
        "weapons", 0.02, 0.0,
        (("Port d'arme prohibée", 0.7), ("Port d'arme", 0.3)),
        (("Port d'arme", 1.0),),
        _places(1.5, 1.5, 0.3, 0.2, 0.5, 0.3, 0.5), 0.2, ((23.5, 3.0, 2.0),),
    ),
    CategorySpec(
        "other", 0.07, 0.05,
        (("Autre infraction", 0.7), ("Menaces", 0.3)),
        (("Autre signalement", 1.0),),
        _places(0.8, 0.8, 0.8, 0.8, 1.0, 0.2, 1.0), 0.6, ((14.0, 4.0, 1.0),),
        night=(1.0, 1.0, 1.0, 1.1, 1.4, 1.5, 1.0), season=(0.0, 1.0, 1.0),
    ),
)
"""One spec per category, in the order of :data:`geo.columns.CATEGORIES`."""

def raw_labels() -> tuple[list[str], dict[str, str]]:
    """All raw labels (sorted) and the category each maps to; fails if one label maps twice."""
    if tuple(s.name for s in SPECS) != CATEGORIES:
        raise AssertionError("SPECS must follow geo.columns.CATEGORIES")
    mapping: dict[str, str] = {}
    for spec in SPECS:
        for label, _ in (*spec.police_labels, *spec.app_labels):
            if mapping.setdefault(label, spec.name) != spec.name:
                raise AssertionError(f"raw label {label!r} maps to two categories")
    return sorted(mapping), mapping
