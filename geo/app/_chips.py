"""Toggle-chip groups: choose several categories, sources or groups without Ctrl-click.

A multi-select list box needs Ctrl-click to choose two items, which most users do not know.
A chip is a toggle button: a click or Space / Enter turns it on or off, Tab walks through the
chips, and "All" / "None" set every chip at once. The group keeps one ``value`` trait (the
chosen values, in option order) so the app observes it like any other widget.

The group is one anywidget (``chips.js`` draws plain ``<button>``\\ s): as a box of
``ToggleButton``\\ s a group was three widget models per chip (button, style, layout) plus 15
(title, action buttons, boxes): 111 of the analyst page's 369, each one kernel time, a server
message and browser work on every cold page open. Now it is two (the widget and its layout).
The page holds the chosen chips' indices (``chosen``); values may be any hashable and never
travel.

The weekday chips are a group too, with per-chip tooltips ("Friday night includes early
Saturday"), no "All" / "None" (``actions=False``) and a ``disabled`` state for data without
usable times: seven ``ToggleButton``\\ s in a box were 23 models.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anywidget
import traitlets


class ChipGroup(anywidget.AnyWidget):
    """A titled group of toggle chips, with "All" and "None" buttons unless told otherwise.

    Parameters
    ----------
    options
        ``(label, value)`` pairs, in display order.
    value
        The values chosen at first (all of them when ``None``).
    actions
        Whether the group shows the "All" and "None" buttons.
    """

    _esm = Path(__file__).with_name("chips.js").read_text()
    value = traitlets.Tuple()
    """The chosen values, in option order (kernel only: the page sees :attr:`chosen`)."""
    chosen = traitlets.List(traitlets.Int()).tag(sync=True)
    """Indices of the chosen chips, ascending: what a click in the page sets."""
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """One label per chip, in display order (also its tooltip unless :attr:`tooltips`)."""
    tooltips = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """One tooltip per chip, or empty: each chip's tooltip is then its label."""
    title = traitlets.Unicode("").tag(sync=True)
    """The group's bold title."""
    all_text = traitlets.Unicode("All").tag(sync=True)
    """Words of the button choosing every chip (its tooltip adds the title)."""
    none_text = traitlets.Unicode("None").tag(sync=True)
    """Words of the button clearing every chip."""
    actions = traitlets.Bool(True).tag(sync=True)
    """Whether the "All" and "None" buttons are shown."""
    disabled = traitlets.Bool(False).tag(sync=True)
    """Chips greyed out in the page, and the page's choices ignored by the kernel."""

    def __init__(
        self,
        options: Sequence[tuple[str, object]],
        value: Sequence[object] | None = None,
        *,
        actions: bool = True,
    ) -> None:
        # set before the traits: the validators below read them
        self._values: tuple = tuple(v for _, v in options)
        self._index = {v: i for i, v in enumerate(self._values)}
        chosen = self._values if value is None else value
        super().__init__(labels=[str(label) for label, _ in options], actions=actions)
        self.layout.width = "100%"
        self.value = tuple(chosen)
        self.chosen = [self._index[v] for v in self.value]
        self.observe(self._on_value, names="value")
        self.observe(self._on_chosen, names="chosen")

    @property
    def options(self) -> tuple:
        """The values a chip can take (in display order)."""
        return self._values

    def relabel(
        self,
        title: str,
        labels: Sequence[str],
        all_text: str | None = None,
        none_text: str | None = None,
        *,
        tooltips: Sequence[str] = (),
    ) -> None:
        """New words (same values): the group title, one label (and optionally one tooltip)
        per chip, the two buttons' words (kept when ``None``: a group without them)."""
        if len(labels) != len(self._values):
            raise ValueError(f"{len(labels)} labels for {len(self._values)} chips")
        if tooltips and len(tooltips) != len(self._values):
            raise ValueError(f"{len(tooltips)} tooltips for {len(self._values)} chips")
        with self.hold_sync():  # one message to the page
            self.title = title
            self.labels = list(labels)
            self.tooltips = list(tooltips)
            if all_text is not None:
                self.all_text = all_text
            if none_text is not None:
                self.none_text = none_text

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """A page's update, less what is the kernel's to decide: ``disabled`` always, the
        chosen chips while disabled (a page may send anything, whatever its buttons allow)."""
        state = {k: v for k, v in sync_data.items()
                 if k != "disabled" and not (k == "chosen" and self.disabled)}
        if "chosen" in sync_data and "chosen" not in state:
            self.send_state("chosen")  # the page painted its click: paint the kernel's again
        if state:
            super().set_state(state)

    @traitlets.validate("value")
    def _valid(self, proposal) -> tuple:
        chosen = set(proposal["value"])
        return tuple(v for v in self._values if v in chosen)

    @traitlets.validate("chosen")
    def _valid_chosen(self, proposal) -> list[int]:
        # a page may send any list: in range, once each, ascending
        return sorted({i for i in proposal["value"] if 0 <= i < len(self._values)})

    def _on_value(self, change) -> None:
        self.chosen = [self._index[v] for v in change["new"]]

    def _on_chosen(self, change) -> None:
        # equal to the value already (a change that came from it) sets nothing: no loop
        self.value = tuple(self._values[i] for i in change["new"])
