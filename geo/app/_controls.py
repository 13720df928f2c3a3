"""The dashboard's controls: plain ipywidgets, labelled from the catalogues, read into a Query.

The hour window lives on a noon-to-noon axis, so a night window such as 22:00-04:00 is one
contiguous range on the slider (a 24-h circle cut at noon, where nightlife never is).
Categories, sources and respondent groups are toggle chips with "All" / "None" (no Ctrl-click),
the weekdays are chips without them (one widget each group: geo.app._chips),
and the panel is cut into collapsible sections (filters, display, data) whose labels wrap
instead of being cut, in either language (see geo.app._sections).
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from geo.app._chips import ChipGroup
from geo.app._dates import DataWhen, DateControls
from geo.app._sections import Section
from geo.city import DisplayLabels
from geo.classes import SCHEMES
from geo.columns import CATEGORIES
from geo.i18n import LANGUAGES, WEEKDAYS, t, weekday_names
from geo.layers._auto_res import AUTO
from geo.metrics import RESOLUTIONS, Query
from geo.timewin import HourWindow

LAYERS: tuple[str, ...] = (
    "recorded", "perceived", "gap", "bivariate", "hotspots", "change", "trend",
)
RECORDED_METRICS: tuple[str, ...] = ("incidents_per_night", "incidents", "incidents_per_km2")
NOON_AXIS: tuple[int, ...] = (*range(12, 24), *range(0, 13))
"""Slider stops: 12:00 ... 23:00, 00:00 ... 12:00 (the last one is next day's noon)."""

DEFAULT_K_FLOOR = 5
"""The k floor of data without a project (uploads in a session); a project sets its own."""
DEFAULT_WINDOW = (22, 4)
DEFAULT_WEEKDAYS = (4, 5)


def _axis_index(hour: int, *, end: bool = False) -> int:
    """Position of an hour on the noon axis; an end of 12 is the next noon (last stop)."""
    if end and hour == 12:
        return len(NOON_AXIS) - 1
    return NOON_AXIS.index(hour)


def _label(widget: widgets.Widget, text: str) -> None:
    widget.description = text
    widget.tooltip = text


def _set_options(widget: widgets.Widget, options: list[tuple[str, object]]) -> None:
    """New option labels, same selection (ipywidgets resets the value on new options)."""
    value = widget.value
    widget.options = options
    widget.value = value


class Controls:
    """Every control of the analyst dashboard and the translation of their labels."""

    def __init__(
        self,
        sources: tuple[str, ...],
        groups: tuple[str, ...],
        lang: str = "en",
        *,
        k_floor: int = DEFAULT_K_FLOOR,
        labels: DisplayLabels | None = None,
        when: DataWhen | None = None,
    ) -> None:
        style: dict = {}  # label widths come from the panel's CSS: labels sit above and wrap
        self.k_floor = max(int(k_floor), 1)
        self.labels = labels or DisplayLabels()

        def full() -> widgets.Layout:
            # One Layout per widget: a shared Layout would hide every control sharing it.
            return widgets.Layout(width="100%")

        self.layer = widgets.Dropdown(
            options=[(k, k) for k in LAYERS], value="recorded", style=style, layout=full()
        )
        self.metric = widgets.Dropdown(
            options=[(m, m) for m in RECORDED_METRICS],
            value="incidents_per_night",
            style=style,
            layout=full(),
        )
        self.scheme = widgets.Dropdown(
            options=[(s, s) for s in SCHEMES], value="quantiles", style=style, layout=full()
        )
        self.classes = widgets.IntSlider(
            value=5, min=3, max=7, style=style, layout=full(), continuous_update=False
        )
        self.resolution = widgets.SelectionSlider(
            options=[*RESOLUTIONS, AUTO], value=9, style=style, layout=full(),
            continuous_update=False,
        )
        self.auto_res = 9
        """The resolution "Auto" stands for at the map's zoom (the app keeps it in step)."""
        self.all_times = widgets.Checkbox(value=False, indent=False)
        self.hours = widgets.SelectionRangeSlider(
            options=[(f"{h:02d}:00", i) for i, h in enumerate(NOON_AXIS)],
            index=(_axis_index(DEFAULT_WINDOW[0]), _axis_index(DEFAULT_WINDOW[1], end=True)),
            style=style,
            layout=full(),
            continuous_update=False,
        )
        self.weekdays = ChipGroup(
            [(WEEKDAYS[d], d) for d in range(7)], DEFAULT_WEEKDAYS, actions=False
        )
        """Night weekdays, 0 = Monday; titled by :attr:`weekdays_label`, hence no title."""
        self.weekdays.add_class("atlas-weekdays")  # the page's tests find groups by name
        self.categories = ChipGroup([(c, c) for c in CATEGORIES])
        self.categories.add_class("atlas-categories")
        self.sources = ChipGroup([(s, s) for s in sources])
        self._source_names = sources
        self.groups = ChipGroup([(g, g) for g in groups])
        # The project's floor is the minimum: a visitor may raise k, never lower it (the
        # kernel clamps any value sent from the page to these bounds).
        self.k = widgets.BoundedIntText(
            value=max(5, self.k_floor), min=self.k_floor, max=max(50, self.k_floor),
            style=style, layout=full(),
        )
        self.k.add_class("atlas-k")
        self.time_note = widgets.HTML()
        """Why the hour and weekday controls are off (data without usable times), or empty."""
        self.basemap = widgets.Dropdown(
            options=[("light", "light"), ("osm", "osm"), ("none", "none")],
            value="light",
            style=style,
            layout=full(),
        )
        self.language = widgets.ToggleButtons(
            options=[(k.upper(), k) for k in LANGUAGES], value=lang, style={"button_width": "4em"}
        )
        self.hours_label = widgets.HTML()
        self.weekdays_label = widgets.HTML()
        self.filters = Section(open_=True)
        self.display_section = Section()
        self.data_section = Section()
        self.dates = DateControls(lang, clock=(self.all_times, self.hours))
        """Date range of nights and the night window kind (clock or sun), geo.app._dates."""
        self.dates.set_when(when or DataWhen())
        self.relabel(lang)

    def disable_time(self, note: str) -> None:
        """Data without usable hours: "all times", hour and weekday controls off, and why."""
        self.all_times.value = True
        for widget in (self.all_times, self.hours, self.weekdays):
            widget.disabled = True
        self.weekdays.value = self.weekdays.options
        self.time_note.value = f'<div class="atlas-note" role="note">{note}</div>'
        self.dates.disable_sun()

    # ------------------------------------------------------------------ reading
    def window(self) -> HourWindow | None:
        if self.all_times.value:
            return None
        lo, hi = self.hours.index
        start, end = NOON_AXIS[lo], NOON_AXIS[hi]
        if lo == hi:
            end = (start + 1) % 24
        return HourWindow(start, end % 24)

    def set_window(self, window: HourWindow | None) -> None:
        if window is None:
            self.all_times.value = True
            return
        self.all_times.value = False
        lo = _axis_index(window.start)
        hi = _axis_index(window.end, end=True)
        if hi <= lo:  # a window crossing noon cannot be drawn on this axis: keep its start
            hi = min(lo + window.n_hours, len(NOON_AXIS) - 1)
        self.hours.index = (lo, hi)

    def query(self) -> Query:
        days = frozenset(self.weekdays.value)
        sources = frozenset(self.sources.value)
        when = self.dates.query_fields()  # date range and sun window: no clock window then
        return Query(
            resolution=(self.auto_res if self.resolution.value == AUTO
                        else int(self.resolution.value)),
            hours=None if when["sun"] is not None else self.window(),
            **when,
            weekdays=days,
            categories=(
                frozenset(self.categories.value)
                if len(self.categories.value) < len(CATEGORIES)
                else None
            ),
            sources=sources if len(sources) < len(self._source_names) else None,
            groups=(
                frozenset(self.groups.value)
                if len(self.groups.value) < len(self.groups.options)
                else None
            ),
            k=int(self.k.value),
        )

    def set_query(self, query: Query) -> None:
        """Put a query (e.g. from a shared URL) into the widgets."""
        self.resolution.value = query.resolution
        if query.sun is None:  # a sun window keeps the clock slider where it was
            self.set_window(query.hours)
        self.dates.set_query(query)
        self.weekdays.value = (
            self.weekdays.options if query.weekdays is None else tuple(query.weekdays)
        )
        self.categories.value = tuple(sorted(query.categories or CATEGORIES))
        self.sources.value = (
            self._source_names if query.sources is None else tuple(query.sources)
        )
        self.groups.value = self.groups.options if query.groups is None else tuple(query.groups)
        self.k.value = max(query.k, self.k.min)

    def widgets_that_change_the_query(self) -> list[widgets.Widget]:
        return [
            self.resolution,
            self.all_times,
            self.hours,
            self.weekdays,
            self.categories,
            self.sources,
            self.groups,
            self.k,
        ]

    def widgets_that_change_the_style(self) -> list[widgets.Widget]:
        return [self.layer, self.metric, self.scheme, self.classes]

    def observe(self, on_query: Callable, on_style: Callable) -> None:
        for w in self.widgets_that_change_the_query():
            w.observe(on_query, names="value")
        for w in self.widgets_that_change_the_style():
            w.observe(on_style, names="value")
        self.dates.observe(on_query)  # once per change, however many pickers a preset moves

    # ------------------------------------------------------------------ labels
    def relabel(self, lang: str) -> None:
        """Every visible word from the catalogue of ``lang`` (values stay the same)."""
        _label(self.layer, t("ui.layer", lang))
        _set_options(self.layer, [(t(f"layer.{k}", lang), k) for k in LAYERS])
        _label(self.metric, t("ui.metric", lang))
        _set_options(self.metric, [(t(f"metric.{m}", lang), m) for m in RECORDED_METRICS])
        _label(self.scheme, t("ui.class_scheme", lang))
        _set_options(self.scheme, [(t(f"scheme.{s}", lang), s) for s in SCHEMES])
        _label(self.classes, t("ui.classes", lang))
        _label(self.resolution, t("ui.resolution", lang))
        _set_options(self.resolution, [*((str(r), r) for r in RESOLUTIONS),
                                       (t("ui.resolution_auto", lang), AUTO)])
        self.all_times.description = t("ui.all_times", lang)
        self.hours_label.value = f"<b>{t('ui.hours', lang)}</b>"
        self.weekdays_label.value = (
            f"<b>{t('ui.weekdays', lang)}</b><br><small>{t('ui.weekdays_help', lang)}</small>"
        )
        self.weekdays.relabel(
            "", weekday_names(lang), tooltips=[t(f"night.{day}", lang) for day in WEEKDAYS]
        )
        every, none = t("ui.all", lang), t("ui.none", lang)
        self.categories.relabel(
            t("ui.categories", lang),
            [self.labels.category(c, lang) for c in CATEGORIES], every, none,
        )
        self.sources.relabel(
            t("ui.sources", lang), [_source_label(s, lang) for s in self._source_names],
            every, none,
        )
        self.groups.relabel(
            t("ui.groups", lang), [self.labels.group(g, lang) for g in self.groups.options],
            every, none,
        )
        self.filters.relabel(t("ui.section.filters", lang))
        self.display_section.relabel(t("ui.section.display", lang))
        self.data_section.relabel(t("ui.section.data", lang))
        self.dates.relabel(lang)
        _label(self.k, t("ui.k", lang))
        _label(self.basemap, t("ui.basemap", lang))
        _set_options(self.basemap, [(t(f"basemap.{b}", lang), b) for b in ("light", "osm", "none")])
        self.language.tooltip = t("ui.language", lang)

    def panel(self, layer_extra: tuple[widgets.Widget, ...] = ()) -> widgets.VBox:
        """The controls laid out in reading order (which is also the keyboard Tab order):
        language, layer, metric (and ``layer_extra``, e.g. the venue dots) always in view;
        filters, display and privacy in collapsible sections."""
        self.filters.body.children = [
            *self.dates.widgets(), self.hours_label, self.time_note, self.dates.night_kind,
            self.dates.sun_note, self.all_times, self.hours,
            self.weekdays_label, self.weekdays, self.categories, self.sources, self.groups,
        ]
        self.display_section.body.children = [
            self.resolution, self.scheme, self.classes, self.basemap,
        ]
        self.data_section.body.children = [self.k]
        box = widgets.VBox(
            [self.language, self.layer, self.metric, *layer_extra, self.filters,
             self.display_section, self.data_section],
            layout=widgets.Layout(width="100%"),
        )
        box.add_class("atlas-side")
        return box


def _source_label(name: str, lang: str) -> str:
    """A source's label from the catalogue, or its own name for a label the user chose."""
    key = f"source.{name}"
    text = t(key, lang)
    return text if text != key else name
