"""Survey answers and "I feel unsafe here" pins of Sampleville, in whole-array steps.

The feelings are built to agree with the records in some places and to diverge in others, as
studies of fear of crime find (feelings follow darkness, emptiness and who you are as much as
recorded offences): the dark park feels very unsafe at night though little is recorded there;
the station feels unsafe and records are high; the main bar street records much, young men feel
safe in it and women much less; residential streets are calm on both. Answers are drawn on a
4-point Likert (very safe .. very unsafe) mapped to 0, 1/3, 2/3, 1, and weighted by
post-stratification of gender x age group to the city's population.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.columns import PERCEPTION_COLUMNS
from geo.sample._change import LIT_STREET
from geo.sample._city import ZONES, scatter_zones
from geo.sample._incidents import numbered_ids
from geo.sample._time import YEAR_START, bump, darkness, day_weights, timestamps, weekly
from geo.schema import daypart_of_hour

GROUPS: tuple[str, ...] = tuple(
    f"{g} {a}" for g in ("women", "men") for a in ("18-29", "30-44", "45-59", "60+")
)
"""Respondent groups: gender x age band."""

POPULATION = np.array([0.10, 0.13, 0.13, 0.16, 0.10, 0.13, 0.12, 0.13])
SAMPLED = np.array([0.18, 0.16, 0.12, 0.08, 0.16, 0.12, 0.10, 0.08])
"""Group shares in the city and among respondents (the young answer apps and surveys more)."""

NO_GROUP = 0.02
"""Share of respondents who did not give gender or age (group unknown, weight 1)."""

ZONE_SHARE: dict[str, float] = {
    "Rue des Lanternes": 0.12, "Quai des Docks": 0.07, "Vieille Ville": 0.06,
    "Gare Centrale": 0.12, "Rue du Commerce": 0.05, "Quartier des Tours": 0.06,
    "Parc du Belvédère": 0.12, "Les Tilleuls": 0.08, "Bellevue": 0.08, "Les Coteaux": 0.08,
    "Sampleville": 0.16,
}
"""Where the feelings are about: the places people mention, not where they live."""

FEELING: dict[str, tuple[float, float]] = {
    "nightlife": (0.25, 0.45), "station": (0.40, 0.72), "shopping": (0.15, 0.40),
    "business": (0.10, 0.50), "residential": (0.08, 0.18), "park": (0.30, 0.88),
    "background": (0.15, 0.30),
}
"""Latent insecurity (0..1) by place kind, in daylight and in the dark."""

FEELING_BY_NAME: dict[str, tuple[float, float]] = {
    "Quai des Docks": (0.25, 0.50),
    "Vieille Ville": (0.20, 0.35),
}

PIN_SHARE = 0.5
"""Share of rows that are app pins with an hour; the rest are survey answers with a daypart."""

SURVEY_DAYPARTS = (("night", 0.6), ("day", 0.2), ("evening", 0.1), ("any", 0.1))
DAYPART_DARKNESS = {"night": 1.0, "evening": 0.6, "day": 0.0, "any": 0.45}
SURVEY_WAVES = ("2025-03-10", "2025-10-06")
"""Survey fieldwork: two four-week waves, answered between 09:00 and 21:00."""

_HOUR_NS = 3_600 * 10**9


def _effects(group: np.ndarray, zone: np.ndarray, dark: np.ndarray) -> np.ndarray:
    """Group effects on latent insecurity; the bar street splits young men from women."""
    women = group < 4
    young_men = (group == 4) | (group == 5)
    old = (group == 3) | (group == 7)
    known = group >= 0
    effect = np.where(known & women, 0.12, np.where(known, -0.06, 0.0))
    effect = effect + np.where(old, 0.08 * dark, 0.0) - np.where(group == 4, 0.03, 0.0)
    lanterns = zone == [z.name for z in ZONES].index("Rue des Lanternes")
    effect = effect + lanterns * dark * np.where(
        known & women, 0.10, np.where(young_men, -0.18, 0.0)
    )
    return effect


def _likert(rng: np.random.Generator, latent: np.ndarray) -> np.ndarray:
    """4-point answers (0, 1/3, 2/3, 1) around a latent 0..1 score."""
    level = np.clip(np.rint(3 * np.clip(latent, 0, 1) + rng.normal(0, 0.6, latent.size)), 0, 3)
    return level / 3


def _pin_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Times people drop pins: when out, so evenings and weekend nights (int64 ns)."""
    curve = 0.3 + bump(12.5, 2.0, 0.4) + bump(18.5, 2.0, 1.0) + bump(23.0, 2.5, 1.5)
    curve = curve * weekly((1.0, 1.0, 1.0, 1.3, 2.0, 2.1, 1.1), (1.0,) * 7)
    how = np.searchsorted(np.cumsum(curve) / curve.sum(), rng.random(n), side="right")
    seasons = day_weights([(0.1, 190.0, 2.0)])
    return timestamps(rng, np.minimum(how, 167), np.zeros(n, dtype=np.int64), seasons)


def _survey_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Fieldwork times: a day in one of the waves, a minute between 09:00 and 21:00."""
    wave = np.array([(pd.Timestamp(w) - YEAR_START).days for w in SURVEY_WAVES])
    doy = wave[rng.integers(0, wave.size, n)] + rng.integers(0, 28, n)
    minute = rng.integers(9 * 60, 21 * 60, n)
    return YEAR_START.value + doy * 24 * _HOUR_NS + minute * 60 * 10**9


def make_perceptions(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """``n`` perception rows in the canonical layout, sorted by time answered."""
    names = [z.name for z in ZONES]
    zone = rng.choice(len(ZONES), size=n, p=[ZONE_SHARE[z] for z in names])
    lat, lon = scatter_zones(rng, zone)
    group = rng.choice(len(GROUPS), size=n, p=SAMPLED)
    group = np.where(rng.random(n) < NO_GROUP, -1, group)
    noise = np.exp(rng.normal(0.0, 0.15, n))
    weight = np.where(group >= 0, np.clip(POPULATION[group] / SAMPLED[group] * noise, 0.4, 2.5),
                      1.0)

    pin = rng.random(n) < PIN_SHARE
    answered = np.where(pin, _pin_times(rng, n), _survey_times(rng, n))
    parts = [p for p, _ in SURVEY_DAYPARTS]
    survey_part = rng.choice(len(parts), size=n, p=[w for _, w in SURVEY_DAYPARTS])
    dark = np.where(pin, darkness(answered),
                    np.array([DAYPART_DARKNESS[p] for p in parts])[survey_part])

    kinds = [z.kind for z in ZONES]
    day_f, night_f = np.array([FEELING_BY_NAME.get(z.name, FEELING[k])
                               for z, k in zip(ZONES, kinds, strict=True)]).T
    latent = day_f[zone] + dark * (night_f[zone] - day_f[zone]) + _effects(group, zone, dark)
    # The lit street feels safer after dark in answers given once its lights are on (survey
    # answers are given by day about the night: the time answered says only "after").
    lit = LIT_STREET.switched_on(answered) & LIT_STREET.on_street(lat, lon)
    latent = latent - LIT_STREET.calmer * dark * lit
    insecurity = _likert(rng, latent)

    order = np.argsort(answered, kind="stable")
    hour = pd.array(np.where(pin, (answered - YEAR_START.value) // _HOUR_NS % 24, 0), "Int64")
    hour[~pin] = pd.NA
    hour = pd.Series(hour[order])
    daypart = pd.Series(np.array(parts, dtype=object)[survey_part[order]], dtype="string")
    daypart = daypart.mask(hour.notna(), daypart_of_hour(hour))
    group_label = pd.array(np.array([*GROUPS, None], dtype=object)[group[order]], "string")
    frame = pd.DataFrame({
        "response_id": numbered_ids("resp", n),
        "lat": lat[order],
        "lon": lon[order],
        "answered_at": answered[order].view("datetime64[ns]"),
        "hour": hour,
        "daypart": daypart,
        "insecurity": insecurity[order],
        "weight": np.round(weight[order], 3),
        "group": group_label,
    })
    return frame[list(PERCEPTION_COLUMNS)]
