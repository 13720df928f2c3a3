"""Collapsible sections of the side panel (filters, display, data).

A section header is a real button (Tab reaches it, Space / Enter opens and closes it, and it
says whether it is open), unlike ipywidgets' Accordion headers; several sections may be open at
once, so an analyst keeps the filters in view while changing the display.
"""

from __future__ import annotations

import ipywidgets as widgets


class Section(widgets.VBox):
    """A titled, collapsible group of widgets: ``body.children`` holds them."""

    def __init__(self, *, open_: bool = False) -> None:
        self.header = widgets.ToggleButton(value=open_, layout=widgets.Layout(width="100%"))
        self.header.add_class("atlas-section-header")
        self.body = widgets.VBox(layout=widgets.Layout(width="100%"))
        self.body.add_class("atlas-section-body")
        self._title = ""
        self.header.observe(lambda _: self._show(), names="value")
        super().__init__([self.header, self.body], layout=widgets.Layout(width="100%"))
        self.add_class("atlas-section")
        self._show()

    @property
    def is_open(self) -> bool:
        return bool(self.header.value)

    def set_open(self, value: bool = True) -> None:
        self.header.value = value

    def relabel(self, title: str) -> None:
        self._title = title
        self._show()

    def _show(self) -> None:
        self.body.layout.display = "" if self.header.value else "none"
        mark = "▾" if self.header.value else "▸"
        self.header.description = f"{mark} {self._title}"
        self.header.tooltip = self._title
