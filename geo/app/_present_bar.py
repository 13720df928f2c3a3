"""The presentation's control bar: scene stepping, night playback, table toggle, language.

Every control is a real button reachable with Tab. The night plays in the browser: a hidden
``Play`` widget ticks the hour slider (a kernel timer would need a running event loop), so the
bar only builds and labels the widgets; :class:`geo.app.PresentApp` owns what they do.
"""

from __future__ import annotations

import ipywidgets as widgets

from geo.app._labels import hour_label, window_label
from geo.i18n import LANGUAGES, t
from geo.timewin import HourWindow

PLAY_HOURS: tuple[int, ...] = (18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5)
"""The hours night playback steps through, 18:00 to 05:00 (the last step ends at 06:00)."""
PLAY_INTERVAL_MS = 1500
"""Time per hour during playback: long enough to read the map, short enough to watch a night."""


class PresentBar:
    """The bar's widgets, built in page order, and their labels in the page's language.

    Parameters
    ----------
    lang
        The language selected first.
    interval_ms
        Time per hour during playback.
    """

    def __init__(self, lang: str, interval_ms: int = PLAY_INTERVAL_MS) -> None:
        self.counter = widgets.HTML()
        self.previous_button = widgets.Button()
        self.previous_button.add_class("atlas-present-previous")
        self.next_button = widgets.Button()
        self.next_button.add_class("atlas-present-next")
        self.play_button = widgets.ToggleButton(value=False)
        self.play_button.add_class("atlas-present-play")
        self.play = widgets.Play(
            value=0,
            min=0,
            max=len(PLAY_HOURS),
            interval=interval_ms,
            layout=widgets.Layout(display="none"),
        )
        self.hour_slider = widgets.SelectionSlider(
            options=[("", 0)],
            continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.hour_slider.add_class("atlas-present-hour")
        # The browser steps the hours (a kernel timer would need a running event loop):
        # the toggle starts and stops the Play widget, whose value moves the slider.
        widgets.jslink((self.play_button, "value"), (self.play, "playing"))
        widgets.jslink((self.play, "value"), (self.hour_slider, "index"))
        self.table_button = widgets.ToggleButton(value=False)
        self.table_button.add_class("atlas-present-table-toggle")
        self.fullscreen_button = widgets.Button()  # the page script acts on its click
        self.fullscreen_button.add_class("atlas-present-fullscreen")
        self.language = widgets.ToggleButtons(
            options=[(k.upper(), k) for k in LANGUAGES],
            value=lang,
            style={"button_width": "3.5em"},
        )
        self.box = widgets.HBox(
            [
                self.counter,
                self.previous_button,
                self.next_button,
                self.play_button,
                self.play,
                self.hour_slider,
                self.table_button,
                self.fullscreen_button,
                self.language,
            ]
        )
        self.box.add_class("atlas-present-bar")

    def set_step(self, step: int) -> None:
        """Playback position in both linked widgets: the browser's link copies the Play
        widget's value onto the slider when the page builds it, so a value the kernel sets on
        the slider alone would be undone by the page."""
        self.play.value = step
        self.hour_slider.index = step

    def relabel(self, lang: str) -> None:
        """Button texts and tooltips in ``lang``."""
        self.previous_button.description = t("present.previous", lang)
        self.previous_button.tooltip = t("present.keys", lang)
        self.next_button.description = t("present.next", lang)
        self.next_button.tooltip = t("present.keys", lang)
        self.label_play(lang)
        self.play_button.tooltip = t("present.play", lang)
        self.hour_slider.description = t("present.hour", lang)
        self.label_table(lang)
        self.fullscreen_button.description = t("present.fullscreen", lang)
        self.language.tooltip = t("ui.language", lang)

    def label_play(self, lang: str) -> None:
        """"Play" or "Pause", as the toggle stands."""
        self.play_button.description = t(
            "present.pause" if self.play_button.value else "present.play", lang
        )

    def label_table(self, lang: str) -> None:
        """"Show table" or "Show map", as the toggle stands."""
        self.table_button.description = t(
            "table.show_map" if self.table_button.value else "table.show", lang
        )

    def relabel_hours(
        self, window: HourWindow | None, lang: str, label: str | None = None
    ) -> None:
        """Slider stops: the scene's own window first (``label``, e.g. a sun window, else the
        clock ``window``), then each hour of the night."""
        index = self.hour_slider.index or 0
        self.hour_slider.options = [
            (label or window_label(window, lang), 0),
            *((hour_label(h, lang), i) for i, h in enumerate(PLAY_HOURS, start=1)),
        ]
        self.hour_slider.index = index
