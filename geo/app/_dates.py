"""The analyst panel's "when": a date range of nights and the kind of night window.

Time is a dimension of every view (issue 15): an analyst asks for "the last 28 days" or
"last winter" as often as for "22:00-04:00". The range is one preset (relative to the data's
*last night*, not to today, so an export that stops in March still has a full "last 28 days")
or two date pickers clamped to the data's own nights. The night window is either the clock
slider or a window that follows the sun at the city's location (:mod:`geo.sun`): civil dusk to
dawn, or dusk plus a few hours. The engine does the rest (:class:`geo.metrics.Query`'s
``date_from`` / ``date_to`` / ``sun``), so every number still goes through the Atlas query path
and its k floor.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets

from geo.columns import DEFAULT_TIMEZONE
from geo.i18n import month_names, number, t
from geo.metrics import Atlas, Query, QueryResult
from geo.metrics._periods import preset_range
from geo.sun import SUN_WINDOW_NAMES, SunWindow

DATE_PRESETS: tuple[str, ...] = (
    "all", "last_28_days", "last_3_months", "last_12_months",
    "winter", "spring", "summer", "autumn", "custom",
)
"""Choices of the "Period" dropdown: every night, presets of :func:`preset_range`, custom."""
NIGHT_KINDS: tuple[str, ...] = ("clock", *SUN_WINDOW_NAMES)
"""Choices of the "Night window" dropdown: the clock slider, or a sun window by its name."""


@dataclass(frozen=True)
class DataWhen:
    """The data's nights and where the sun is computed: what the date and sun controls need."""

    first: dt.date | None = None
    last: dt.date | None = None
    lat: float = 0.0
    lon: float = 0.0
    timezone: str = DEFAULT_TIMEZONE

    @property
    def dated(self) -> bool:
        """True when the data have nights (timed incidents) a range can select."""
        return self.first is not None and self.last is not None


def data_when(atlas: Atlas) -> DataWhen:
    """The span of ``atlas``' nights and its location, as the engine's sun windows use them
    (:func:`geo.metrics._when.query_night_hours`: the data's centre and time zone)."""
    cube = atlas.incident_cube
    lat, lon = atlas.centre
    timezone = str(atlas.metadata.get("timezone") or DEFAULT_TIMEZONE)
    return DataWhen(cube.first_night, cube.last_night, float(lat), float(lon), timezone)


def night_date(day: dt.date, lang: str) -> str:
    """``3 Jan 2025`` / ``3 janv. 2025``: short, unambiguous in both languages."""
    return f"{day.day} {month_names(lang)[day.month - 1]} {day.year}"


def sun_label(sun: SunWindow, lang: str) -> str:
    """``dusk to dawn`` / ``dusk to dusk + 2 h`` in ``lang``."""
    return t("sun.dark", lang) if sun.hours is None else t("sun.dusk_plus", lang, hours=sun.hours)


def date_items(result: QueryResult, lang: str) -> list[str]:
    """Summary lines saying which nights and which sun window a result covers."""
    s, q = result.summary, result.query
    items = []
    first = q.date_from or _iso(s.get("first_night"))
    last = q.date_to or _iso(s.get("last_night"))
    if first is not None and last is not None:
        items.append(t("summary.dates", lang, first=night_date(first, lang),
                       last=night_date(last, lang), n=number(s.get("nights", 0), lang)))
    if q.sun is not None:
        items.append(t("summary.sun", lang, window=sun_label(q.sun, lang)))
    return items


def _iso(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


class DateControls:
    """Period preset, two date pickers, the data's span, and the night window kind.

    Parameters
    ----------
    lang
        Language of the labels.
    clock
        The clock-window widgets (all-times box, hour slider) a sun window turns off.
    """

    def __init__(self, lang: str, clock: tuple[widgets.Widget, ...] = ()) -> None:
        full = {"layout": widgets.Layout(width="100%"), "style": {}}
        self.when = DataWhen()
        self.preset = widgets.Dropdown(options=[(p, p) for p in DATE_PRESETS], value="all",
                                       **full)
        self.date_from = widgets.DatePicker(**full)
        self.date_to = widgets.DatePicker(**full)
        for picker in (self.date_from, self.date_to):
            picker.add_class("atlas-date")
        self.preset.add_class("atlas-date-preset")
        self.label = widgets.HTML()
        self.span = widgets.HTML()
        """The data's own first and last night, and the nights the range counts."""
        self.night_kind = widgets.Dropdown(options=[(k, k) for k in NIGHT_KINDS], value="clock",
                                           **full)
        self.night_kind.add_class("atlas-night-kind")
        self.sun_note = widgets.HTML()
        """Why the clock slider is off while a sun window is on."""
        self._clock = clock
        self._time_off = False
        self._nights: int | None = None
        self._busy = False
        self._callbacks: list[Callable] = []
        self.lang = lang
        self.preset.observe(self._on_preset, names="value")
        for picker in (self.date_from, self.date_to):
            picker.observe(self._on_picker, names="value")
        self.night_kind.observe(self._on_kind, names="value")
        self.set_when(DataWhen())
        self.relabel(lang)

    # ------------------------------------------------------------------ data
    def set_when(self, when: DataWhen) -> None:
        """The data's nights: pickers clamped to them; no night at all turns dates off."""
        self.when = when
        with self._quiet():
            for picker in (self.date_from, self.date_to):
                picker.min, picker.max = when.first, when.last
                picker.disabled = not when.dated
            self.preset.disabled = not when.dated
            if not when.dated:
                self.preset.value = "all"
            self._fill(*self._range_of(self.preset.value))
        self._show_span()

    def disable_sun(self) -> None:
        """Data without usable hours: no sun window either (the clock controls are off too)."""
        self._time_off = True
        with self._quiet():
            self.night_kind.value = "clock"
        self.night_kind.disabled = True
        self._show_kind()

    # ------------------------------------------------------------------ reading / writing
    def sun(self) -> SunWindow | None:
        """The sun window chosen, or None for clock hours."""
        kind = self.night_kind.value
        return None if kind == "clock" or self._time_off else SunWindow.parse(kind)

    def query_fields(self) -> dict:
        """``date_from``, ``date_to`` and ``sun`` of the query (None: every night / clock)."""
        first = last = None
        if self.preset.value != "all" and self.when.dated:
            first, last = self.date_from.value, self.date_to.value
            if first is not None and last is not None and first > last:
                first, last = last, first
        return {"date_from": first, "date_to": last, "sun": self.sun()}

    def set_query(self, query: Query) -> None:
        """A query's range and sun window into the widgets (a shared link, a city default)."""
        with self._quiet():
            if query.sun is not None and not self._time_off:
                self.night_kind.value = str(query.sun)
            elif query.hours is not None or query.sun is None:
                self.night_kind.value = "clock"
            if query.dated and self.when.dated:
                first = query.date_from or self.when.first
                last = query.date_to or self.when.last
                self.preset.value = self._preset_of(first, last)
                self._fill(first, last)
            else:
                self.preset.value = "all"
                self._fill(self.when.first, self.when.last)
        self._show_kind()
        self._show_span()

    def observe(self, on_query: Callable) -> None:
        """Call ``on_query`` once per change of the range or the window kind."""
        self._callbacks.append(on_query)

    def show_nights(self, nights: int) -> None:
        """The nights the shown result counted ("per night" divides by them)."""
        self._nights = int(nights)
        self._show_span()

    # ------------------------------------------------------------------ events
    def _changed(self) -> None:
        if not self._busy:
            for callback in self._callbacks:
                callback(None)

    def _on_preset(self, change) -> None:
        if self._busy:
            return
        if change["new"] != "custom":  # "custom" keeps the pickers' dates (now applied)
            with self._quiet():
                self._fill(*self._range_of(change["new"]))
        self._changed()

    def _on_picker(self, change) -> None:
        if self._busy:
            return
        with self._quiet():
            for picker in (self.date_from, self.date_to):  # typed dates stay in the data
                if picker.value is not None and self.when.dated:
                    picker.value = min(max(picker.value, self.when.first), self.when.last)
            self.preset.value = self._preset_of(self.date_from.value, self.date_to.value)
        self._changed()

    def _on_kind(self, change) -> None:
        self._show_kind()
        self._changed()

    # ------------------------------------------------------------------ helpers
    @contextlib.contextmanager
    def _quiet(self):
        busy, self._busy = self._busy, True
        try:
            yield
        finally:
            self._busy = busy

    def _range_of(self, preset: str) -> tuple[dt.date | None, dt.date | None]:
        """Dates of a preset, clipped to the data (a season may reach past its last night);
        a season wholly outside the data keeps its own dates (and shows no night)."""
        w = self.when
        if not w.dated:
            return None, None
        if preset == "all":
            return w.first, w.last
        if preset == "custom":
            return self.date_from.value or w.first, self.date_to.value or w.last
        first, last = preset_range(preset, w.last)
        clipped = max(first, w.first), min(last, w.last)
        return clipped if clipped[0] <= clipped[1] else (first, last)

    def _preset_of(self, first: dt.date | None, last: dt.date | None) -> str:
        """The preset giving exactly this range, else "custom" (every night is "all")."""
        if first is None or last is None:
            return "all"
        for name in DATE_PRESETS[:-1]:
            if self._range_of(name) == (first, last):
                return name
        return "custom"

    def _fill(self, first: dt.date | None, last: dt.date | None) -> None:
        self.date_from.value, self.date_to.value = first, last

    def _show_span(self) -> None:
        lang, w = self.lang, self.when
        if not w.dated:
            self.span.value = f'<div class="atlas-note" role="note">{t("dates.none", lang)}</div>'
            return
        lines = [t("dates.data_span", lang, first=night_date(w.first, lang),
                   last=night_date(w.last, lang))]
        if self._nights is not None:
            lines.append(t("dates.nights", lang, n=number(self._nights, lang)))
        body = "<br>".join(html.escape(x) for x in lines)
        self.span.value = f'<div class="atlas-note atlas-date-span" role="status">{body}</div>'

    def _show_kind(self) -> None:
        sun = self.sun()
        for widget in self._clock:
            widget.disabled = self._time_off or sun is not None
        if sun is None:
            self.sun_note.value = ""
            return
        w = self.when
        text = t("sun.clock_off", self.lang, window=sun_label(sun, self.lang),
                 lat=number(w.lat, self.lang, 3), lon=number(w.lon, self.lang, 3),
                 timezone=w.timezone)
        self.sun_note.value = f'<div class="atlas-note" role="note">{html.escape(text)}</div>'

    # ------------------------------------------------------------------ labels
    def relabel(self, lang: str) -> None:
        """Every visible word from the catalogue of ``lang`` (values stay the same)."""
        self.lang = lang
        with self._quiet():
            value = self.preset.value
            self.preset.options = [
                (_capital(t(f"period.{p}", lang)), p) for p in DATE_PRESETS
            ]
            self.preset.value = value
            kind = self.night_kind.value
            self.night_kind.options = [(_kind_label(k, lang), k) for k in NIGHT_KINDS]
            self.night_kind.value = kind
        self.label.value = f"<b>{html.escape(t('ui.dates', lang))}</b>"
        for widget, key in ((self.preset, "ui.date_preset"), (self.date_from, "ui.date_from"),
                            (self.date_to, "ui.date_to"), (self.night_kind, "ui.night_kind")):
            widget.description = widget.tooltip = t(key, lang)
        self._show_span()
        self._show_kind()

    def widgets(self) -> list[widgets.Widget]:
        """The date range in reading order (the night kind goes beside the clock slider)."""
        return [self.label, self.preset, self.date_from, self.date_to, self.span]


def _kind_label(kind: str, lang: str) -> str:
    if kind == "clock":
        return t("night_kind.clock", lang)
    sun = SunWindow.parse(kind)
    return (t("night_kind.dark", lang) if sun.hours is None
            else t("night_kind.dusk_plus", lang, hours=sun.hours))


def _capital(text: str) -> str:
    """A dropdown entry starts with a capital (the catalogue's period names run in sentences)."""
    return text[:1].upper() + text[1:]
