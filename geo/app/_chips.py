"""Toggle-chip groups: choose several categories, sources or groups without Ctrl-click.

A multi-select list box needs Ctrl-click to choose two items, which most users do not know.
A chip is a toggle button: a click or Space / Enter turns it on or off, Tab walks through the
chips, and "All" / "None" set every chip at once. The group keeps one ``value`` trait (the
chosen values, in option order) so the app observes it like any other widget.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import traitlets


class ChipGroup(widgets.VBox):
    """A titled group of toggle chips with "All" and "None" buttons.

    Parameters
    ----------
    options
        ``(label, value)`` pairs, in display order.
    value
        The values chosen at first (all of them when ``None``).
    """

    value = traitlets.Tuple()
    """The chosen values, in option order."""

    def __init__(
        self, options: Sequence[tuple[str, object]], value: Sequence[object] | None = None
    ) -> None:
        self.title = widgets.HTML()
        self.all_button = widgets.Button(layout=widgets.Layout(width="auto"))
        self.none_button = widgets.Button(layout=widgets.Layout(width="auto"))
        for button in (self.all_button, self.none_button):
            button.add_class("atlas-chip-action")
        self.all_button.on_click(lambda _: self._set_all(True))
        self.none_button.on_click(lambda _: self._set_all(False))
        self._values: tuple = tuple(v for _, v in options)
        chosen = set(self._values if value is None else value)
        self.chips = [
            widgets.ToggleButton(value=v in chosen, description=label, tooltip=label,
                                 layout=widgets.Layout(width="auto", height="auto"))
            for label, v in options
        ]
        self._syncing = False
        for chip in self.chips:
            chip.add_class("atlas-chip")
            chip.observe(self._on_chip, names="value")
        box = widgets.HBox(self.chips, layout=widgets.Layout(flex_flow="row wrap"))
        head = widgets.HBox([self.title, self.all_button, self.none_button],
                            layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        super().__init__([head, box], layout=widgets.Layout(width="100%"))
        self.add_class("atlas-chips")
        self.value = tuple(v for v in self._values if v in chosen)
        self.observe(self._on_value, names="value")

    @property
    def options(self) -> tuple:
        """The values a chip can take (in display order)."""
        return self._values

    def relabel(self, title: str, labels: Sequence[str], all_text: str, none_text: str) -> None:
        """New words (same values): the group title, one label per chip, the two buttons."""
        self.title.value = f"<b>{title}</b>"
        self.all_button.description = all_text
        self.none_button.description = none_text
        self.all_button.tooltip = f"{all_text}: {title}"
        self.none_button.tooltip = f"{none_text}: {title}"
        for chip, label in zip(self.chips, labels, strict=True):
            chip.description = label
            chip.tooltip = label

    def _set_all(self, on: bool) -> None:
        self.value = self._values if on else ()

    def _on_chip(self, _change=None) -> None:
        if not self._syncing:
            self.value = tuple(v for v, c in zip(self._values, self.chips, strict=True) if c.value)

    @traitlets.validate("value")
    def _valid(self, proposal) -> tuple:
        chosen = set(proposal["value"])
        return tuple(v for v in self._values if v in chosen)

    def _on_value(self, change) -> None:
        chosen = set(change["new"])
        self._syncing = True
        try:
            for v, chip in zip(self._values, self.chips, strict=True):
                chip.value = v in chosen
        finally:
            self._syncing = False
