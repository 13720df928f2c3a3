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
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import anywidget
import traitlets


class ChipGroup(anywidget.AnyWidget):
    """A titled group of toggle chips with "All" and "None" buttons.

    Parameters
    ----------
    options
        ``(label, value)`` pairs, in display order.
    value
        The values chosen at first (all of them when ``None``).
    """

    _esm = Path(__file__).with_name("chips.js").read_text()
    value = traitlets.Tuple()
    """The chosen values, in option order (kernel only: the page sees :attr:`chosen`)."""
    chosen = traitlets.List(traitlets.Int()).tag(sync=True)
    """Indices of the chosen chips, ascending: what a click in the page sets."""
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """One label (and tooltip) per chip, in display order."""
    title = traitlets.Unicode("").tag(sync=True)
    """The group's bold title."""
    all_text = traitlets.Unicode("All").tag(sync=True)
    """Words of the button choosing every chip (its tooltip adds the title)."""
    none_text = traitlets.Unicode("None").tag(sync=True)
    """Words of the button clearing every chip."""

    def __init__(
        self, options: Sequence[tuple[str, object]], value: Sequence[object] | None = None
    ) -> None:
        # set before the traits: the validators below read them
        self._values: tuple = tuple(v for _, v in options)
        self._index = {v: i for i, v in enumerate(self._values)}
        chosen = self._values if value is None else value
        super().__init__(labels=[str(label) for label, _ in options])
        self.layout.width = "100%"
        self.value = tuple(chosen)
        self.chosen = [self._index[v] for v in self.value]
        self.observe(self._on_value, names="value")
        self.observe(self._on_chosen, names="chosen")

    @property
    def options(self) -> tuple:
        """The values a chip can take (in display order)."""
        return self._values

    def relabel(self, title: str, labels: Sequence[str], all_text: str, none_text: str) -> None:
        """New words (same values): the group title, one label per chip, the two buttons."""
        if len(labels) != len(self._values):
            raise ValueError(f"{len(labels)} labels for {len(self._values)} chips")
        with self.hold_sync():  # one message to the page
            self.title = title
            self.labels = list(labels)
            self.all_text = all_text
            self.none_text = none_text

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
