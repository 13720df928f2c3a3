"""A Query: everything a view filters by, frozen, validated, and round-trippable as text.

The same object drives the CLI, the dashboards and (as URL parameters) shareable views.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from geo.columns import CATEGORIES, DEFAULT_K
from geo.sun import SunWindow
from geo.timewin import HourWindow, format_weekdays, parse_weekdays

Mode = Literal["suppress", "coarsen"]
RESOLUTIONS: tuple[int, ...] = (7, 8, 9, 10)
"""Resolutions the dashboards offer (DESIGN §4); cubes are built at 10 and rolled up."""

QUERY_KEYS: tuple[str, ...] = (
    "res",
    "hours",
    "from",
    "to",
    "weekdays",
    "categories",
    "sources",
    "groups",
    "k",
    "min_answers",
    "mode",
    "answered_from",
    "answered_to",
)
"""The text parameters of a Query (to_params / from_params): URL, scene files, CLI."""

DEFAULT_QUERY_RESOLUTION = 9
DEFAULT_MIN_ANSWERS = 5


def _names(values: Iterable[str] | str | None) -> frozenset[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [v for v in values.split(",") if v.strip()]
    return frozenset(v.strip().lower() for v in values)


def _day(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    return dt.date.fromisoformat(str(value).strip())


@dataclass(frozen=True)
class Query:
    """What to show: grid resolution, time of night, filters and the privacy floor.

    ``None`` on a filter axis keeps everything. ``hours=None`` is the "all times" view, in which
    incidents without a usable hour count too; with an hour window or a weekday filter they are
    left out, and the result says how many.

    ``date_from`` / ``date_to`` are night dates, both inclusive (the night of 31 March holds an
    event at 02:30 on 1 April, DESIGN §3); a date range leaves untimed rows out too.
    ``sun`` replaces the clock window by one that follows the sun (:mod:`geo.sun`): its param
    is ``hours=dark`` / ``hours=dusk+2``. ``answered_from`` / ``answered_to`` select survey
    answers by the day they were given (survey waves); they leave incidents alone.
    """

    resolution: int = DEFAULT_QUERY_RESOLUTION
    hours: HourWindow | None = None
    weekdays: frozenset[int] | None = None
    categories: frozenset[str] | None = None
    sources: frozenset[str] | None = None
    groups: frozenset[str] | None = None
    k: int = DEFAULT_K
    min_answers: int = DEFAULT_MIN_ANSWERS
    mode: Mode = "suppress"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sun: SunWindow | None = None
    answered_from: dt.date | None = None
    answered_to: dt.date | None = None
    extras: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.resolution not in RESOLUTIONS:
            raise ValueError(f"resolution must be one of {RESOLUTIONS}, got {self.resolution}")
        if self.k < 0:
            raise ValueError(f"k must be >= 0 (0 disables protection), got {self.k}")
        if self.min_answers < 1:
            raise ValueError(f"min_answers must be >= 1, got {self.min_answers}")
        if self.mode not in ("suppress", "coarsen"):
            raise ValueError(f"mode must be 'suppress' or 'coarsen', got {self.mode!r}")
        if self.hours is not None and self.hours.is_whole_day:
            object.__setattr__(self, "hours", None)
        if self.sun is not None and self.hours is not None:
            raise ValueError("a query has a clock window or a sun window, not both")
        for first, last in (("date_from", "date_to"), ("answered_from", "answered_to")):
            object.__setattr__(self, first, _day(getattr(self, first)))
            object.__setattr__(self, last, _day(getattr(self, last)))
            a, b = getattr(self, first), getattr(self, last)
            if a is not None and b is not None and a > b:
                raise ValueError(f"{first} {a} is after {last} {b}")
        if self.weekdays is not None:
            days = frozenset(int(d) for d in self.weekdays)
            if not days <= set(range(7)):
                raise ValueError(f"weekdays are 0 (Monday) .. 6, got {sorted(days)}")
            object.__setattr__(self, "weekdays", None if days == frozenset(range(7)) else days)
        for name in ("categories", "sources", "groups"):
            object.__setattr__(self, name, _names(getattr(self, name)))
        if self.categories is not None:
            unknown = self.categories - set(CATEGORIES)
            if unknown:
                raise ValueError(f"unknown categories {sorted(unknown)}; known: {CATEGORIES}")

    @property
    def timed(self) -> bool:
        """True when an hour window, a weekday filter, a date range or a sun window applies
        (untimed rows are left out)."""
        return (
            self.hours is not None
            or self.weekdays is not None
            or self.dated
            or self.sun is not None
        )

    @property
    def dated(self) -> bool:
        """True when a night-date range applies."""
        return self.date_from is not None or self.date_to is not None

    def with_(self, **changes) -> Query:
        return replace(self, **changes)

    def to_params(self) -> dict[str, str]:
        """Plain text parameters (URL query string, CLI flags); defaults are left out."""
        out: dict[str, str] = {"res": str(self.resolution)}
        if self.hours is not None:
            out["hours"] = str(self.hours)
        if self.sun is not None:
            out["hours"] = str(self.sun)
        for key, day in (("from", self.date_from), ("to", self.date_to),
                         ("answered_from", self.answered_from),
                         ("answered_to", self.answered_to)):
            if day is not None:
                out[key] = day.isoformat()
        if self.weekdays is not None:
            out["weekdays"] = format_weekdays(self.weekdays)
        for name in ("categories", "sources", "groups"):
            values = getattr(self, name)
            if values is not None:
                out[name] = ",".join(sorted(values))
        if self.k != DEFAULT_K:
            out["k"] = str(self.k)
        if self.min_answers != DEFAULT_MIN_ANSWERS:
            out["min_answers"] = str(self.min_answers)
        if self.mode != "suppress":
            out["mode"] = self.mode
        return out

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Query:
        """Inverse of :meth:`to_params`; unknown keys are ignored (kept for the caller)."""
        kwargs: dict = {}
        if params.get("res"):
            kwargs["resolution"] = int(params["res"])
        if params.get("hours"):
            if SunWindow.is_sun_window(params["hours"]):
                kwargs["sun"] = SunWindow.parse(params["hours"])
            else:
                kwargs["hours"] = HourWindow.parse(params["hours"])
        for key, name in (("from", "date_from"), ("to", "date_to"),
                          ("answered_from", "answered_from"), ("answered_to", "answered_to")):
            if params.get(key):
                kwargs[name] = _day(params[key])
        if params.get("weekdays"):
            kwargs["weekdays"] = parse_weekdays(params["weekdays"])
        for name in ("categories", "sources", "groups"):
            if params.get(name):
                kwargs[name] = _names(params[name])
        if params.get("k"):
            kwargs["k"] = int(params["k"])
        if params.get("min_answers"):
            kwargs["min_answers"] = int(params["min_answers"])
        if params.get("mode"):
            kwargs["mode"] = params["mode"]
        return cls(**kwargs)

    def describe(self, lang: str = "en") -> str:
        """One line naming the filters, for captions and exports, in ``lang`` (English is the
        canonical form export metadata keeps)."""
        from geo.i18n import t, weekday_names

        def say(key: str, **fmt: object) -> str:
            return t(f"filters.{key}", lang, **fmt)

        parts = [say("resolution", res=self.resolution)]
        if self.sun is not None:
            parts.append(say("hours", window=self.sun.label))
        else:
            parts.append(say("hours", window=self.hours.label) if self.hours
                         else say("all_times"))
        if self.dated:
            first = self.date_from.isoformat() if self.date_from else say("first_night")
            last = self.date_to.isoformat() if self.date_to else say("last_night")
            parts.append(say("nights", first=first, last=last))
        if self.answered_from is not None or self.answered_to is not None:
            first = self.answered_from.isoformat() if self.answered_from else say("first")
            last = self.answered_to.isoformat() if self.answered_to else say("last")
            parts.append(say("answers", first=first, last=last))
        if self.weekdays is not None:
            days = format_weekdays(self.weekdays)  # canonical English: what links carry
            if lang != "en":
                days = (say("all_weekdays") if days == "all"
                        else ", ".join(weekday_names(lang)[d] for d in sorted(self.weekdays)))
            parts.append(say("weekdays", days=days))
        for name in ("categories", "sources", "groups"):
            values = getattr(self, name)
            if values is not None:
                parts.append(say(name, values=", ".join(sorted(values))))
        parts.append(f"k = {self.k}" if self.k else say("no_suppression"))
        return "; ".join(parts)
