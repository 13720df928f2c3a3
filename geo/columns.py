"""Column names, closed vocabularies and defaults shared by every module.

One place for the words of the data contract (DESIGN §2), so that readers, validators, the cube
and the dashboard cannot drift apart on a spelling.
"""

from __future__ import annotations

from typing import Literal, get_args

Table = Literal["incidents", "perceptions", "venues"]
TABLES: tuple[str, ...] = get_args(Table)

TimePrecision = Literal["minute", "hour", "day", "month", "unknown"]
TIME_PRECISIONS: tuple[str, ...] = get_args(TimePrecision)
"""What a source really knows of an incident's time; only minute and hour allow hour windows."""

HOURLY_PRECISIONS: frozenset[str] = frozenset({"minute", "hour"})

Daypart = Literal["day", "evening", "night", "any"]
DAYPARTS: tuple[str, ...] = get_args(Daypart)

CATEGORIES: tuple[str, ...] = (
    "violence",
    "sexual_violence",
    "harassment",
    "robbery",
    "theft",
    "burglary",
    "criminal_damage",
    "drugs",
    "disorder",
    "weapons",
    "other",
)
"""Our taxonomy; every source label maps onto one of these, the raw label is kept beside it."""

SOURCES_KNOWN: tuple[str, ...] = ("police", "app")

INCIDENT_COLUMNS: tuple[str, ...] = (
    "incident_id",
    "occurred_from",
    "occurred_to",
    "time_precision",
    "lat",
    "lon",
    "category",
    "category_raw",
    "source",
)
PERCEPTION_COLUMNS: tuple[str, ...] = (
    "response_id",
    "lat",
    "lon",
    "answered_at",
    "hour",
    "daypart",
    "insecurity",
    "weight",
    "group",
)
VENUE_COLUMNS: tuple[str, ...] = (
    "venue_id",
    "name",
    "kind",
    "lat",
    "lon",
    "opening_hours",
    "hours_known",
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "incidents": INCIDENT_COLUMNS,
    "perceptions": PERCEPTION_COLUMNS,
    "venues": VENUE_COLUMNS,
}
ID_COLUMN: dict[str, str] = {
    "incidents": "incident_id",
    "perceptions": "response_id",
    "venues": "venue_id",
}

DEFAULT_K = 5
"""Privacy floor: no shown or exported cell reveals a count between 1 and k-1 (DESIGN §6)."""

DEFAULT_RESOLUTION = 10
"""Finest H3 resolution every point is indexed at; coarser ones come from cell_to_parent."""

DEFAULT_DAY_BOUNDARY_HOUR = 6
"""A night belongs to the date on which it starts: before this hour, an event is last night's."""

DEFAULT_TIMEZONE = "Europe/Paris"
