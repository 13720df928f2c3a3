"""Words for hours, night windows and query filters, in the page's language.

Captions, the presentation's clock and its hour slider all name a window the same way
(``22:00–04:00`` / ``de 22 h à 4 h``), so they share these helpers.
"""

from __future__ import annotations

from geo.app._dates import night_date, sun_label
from geo.city import DisplayLabels
from geo.i18n import t, weekday_names
from geo.metrics import Query
from geo.timewin import HourWindow


def hour_label(hour: int, lang: str) -> str:
    return t("time.hour", lang, hour=hour)


def window_label(window: HourWindow | None, lang: str) -> str:
    """``22:00–04:00`` / ``de 22 h à 4 h``; all times when there is no window."""
    if window is None:
        return t("ui.all_times", lang)
    end = 24 if window.end == 0 else window.end
    return t("time.window", lang, start=hour_label(window.start, lang), end=hour_label(end, lang))


def query_window_label(query: Query, lang: str) -> str:
    """The night window of a query: its sun window (``dusk to dawn``) or its clock window."""
    return sun_label(query.sun, lang) if query.sun is not None else window_label(query.hours, lang)


def range_label(query: Query, lang: str) -> str:
    """``1 Dec 2024 – 28 Feb 2025`` for a dated query ("" for every night); an open end is
    written ``…``."""
    if not query.dated:
        return ""
    first = night_date(query.date_from, lang) if query.date_from else "…"
    last = night_date(query.date_to, lang) if query.date_to else "…"
    return f"{first} – {last}"


def describe_query(query: Query, lang: str, labels: DisplayLabels | None = None) -> str:
    """The filters of a query in words of ``lang`` (for captions), categories and groups
    named as the project names them (``labels``)."""
    labels = labels or DisplayLabels()

    def part(key: str, value: str) -> str:
        return t("table.filter", lang, label=t(key, lang), value=value)

    parts = [part("ui.hours", query_window_label(query, lang))]
    if query.dated:
        parts.append(part("ui.dates", range_label(query, lang)))
    if query.weekdays is not None:
        names = weekday_names(lang)
        parts.append(part("ui.weekdays", ", ".join(names[d] for d in sorted(query.weekdays))))
    if query.categories is not None:
        cats = ", ".join(labels.category(c, lang) for c in sorted(query.categories))
        parts.append(part("ui.categories", cats))
    if query.sources is not None:
        names = (t(f"source.{s}", lang) if t(f"source.{s}", lang) != f"source.{s}" else s
                 for s in sorted(query.sources))
        parts.append(part("ui.sources", ", ".join(names)))
    if query.groups is not None:
        parts.append(part("ui.groups", ", ".join(labels.group(g, lang)
                                                 for g in sorted(query.groups))))
    parts.append(part("ui.resolution", str(query.resolution)))
    return " · ".join(parts)
