"""Chip groups: one widget per group, the value in option order, words and choices to the page.

The page's side (``chips.js``) is driven in Chromium by tests/test_browser_panel.py; here the
kernel's side is driven as the page would: update messages in, sent messages recorded.
"""

from __future__ import annotations

from typing import Any

import pytest
from ipywidgets.widgets.widget import _instances  # every live model (Widget.widgets is deprecated)

from geo.app._chips import ChipGroup

OPTIONS = [("Theft", "theft"), ("Robbery", "robbery"), ("Harassment", "harassment")]


def _sent(group: ChipGroup) -> list[dict[str, Any]]:
    """The state of every update the group sends to the page from now on (ipywidgets' own
    ``echo_update`` acknowledgements of the page's messages left out: they change nothing)."""
    sent: list[dict[str, Any]] = []

    def send(msg: dict[str, Any], buffers: Any = None) -> None:
        if msg["method"] == "update":
            sent.append(msg["state"])

    group._send = send  # type: ignore[method-assign]
    return sent


def _from_page(group: ChipGroup, state: dict[str, Any]) -> None:
    """An update message as the page sends it (a click on a chip, "All" or "None")."""
    group._handle_msg({"content": {"data": {"method": "update", "state": state,
                                            "buffer_paths": []}}, "buffers": []})


def _changes(group: ChipGroup) -> list[tuple]:
    seen: list[tuple] = []
    group.observe(lambda change: seen.append(change["new"]), names="value")
    return seen


def test_every_chip_is_chosen_at_first_unless_told() -> None:
    assert ChipGroup(OPTIONS).value == ("theft", "robbery", "harassment")
    assert ChipGroup(OPTIONS).chosen == [0, 1, 2]
    group = ChipGroup(OPTIONS, value=["harassment", "theft"])
    assert group.value == ("theft", "harassment") and group.chosen == [0, 2]


def test_the_value_keeps_option_order_and_drops_unknown_values() -> None:
    group = ChipGroup(OPTIONS)
    group.value = ("harassment", "nope", "robbery", "robbery")
    assert group.value == ("robbery", "harassment")
    assert group.options == ("theft", "robbery", "harassment")


def test_the_labels_come_from_the_options_and_relabel_sets_every_word() -> None:
    group = ChipGroup(OPTIONS)
    assert group.labels == ["Theft", "Robbery", "Harassment"]
    sent = _sent(group)
    group.relabel("Types de faits", ["Vol", "Vol avec violence", "Harcèlement"], "Tous", "Aucun")
    assert (group.title, group.all_text, group.none_text) == ("Types de faits", "Tous", "Aucun")
    assert group.labels == ["Vol", "Vol avec violence", "Harcèlement"]
    assert sent == [{"title": "Types de faits", "labels": group.labels, "all_text": "Tous",
                     "none_text": "Aucun"}]  # one message
    assert group.value == ("theft", "robbery", "harassment")  # words only
    with pytest.raises(ValueError, match="2 labels for 3 chips"):
        group.relabel("x", ["a", "b"], "all", "none")


def test_a_click_in_the_page_changes_the_value_once() -> None:
    group = ChipGroup(OPTIONS)
    seen, sent = _changes(group), _sent(group)
    _from_page(group, {"chosen": [0, 2]})
    assert seen == [("theft", "harassment")]
    assert group.value == ("theft", "harassment")
    assert sent == []  # nothing sent back: the page has it already
    _from_page(group, {"chosen": []})  # "None"
    _from_page(group, {"chosen": [0, 1, 2]})  # "All"
    assert seen == [("theft", "harassment"), (), ("theft", "robbery", "harassment")]


def test_what_the_page_sends_is_cleaned_and_the_clean_list_sent_back() -> None:
    group = ChipGroup(OPTIONS)
    seen, sent = _changes(group), _sent(group)
    _from_page(group, {"chosen": [2, 7, 1, 2, -1]})
    assert seen == [("robbery", "harassment")]
    assert group.chosen == [1, 2]
    assert {"chosen": [1, 2]} in sent


def test_a_value_set_in_the_kernel_reaches_the_page() -> None:
    group = ChipGroup(OPTIONS)
    seen, sent = _changes(group), _sent(group)
    group.value = ("robbery",)
    assert group.chosen == [1]
    assert sent == [{"chosen": [1]}]
    assert seen == [("robbery",)]  # and no second change coming back from `chosen`
    group.value = ("robbery",)
    assert sent == [{"chosen": [1]}]  # the same value sends nothing


def test_a_group_is_two_widget_models() -> None:
    """The reason for the widget: a box of toggle buttons was ~3 models per chip plus ~15."""
    before = set(_instances)
    group = ChipGroup([(f"c{i}", f"c{i}") for i in range(12)])
    new = set(_instances) - before
    assert new == {group.model_id, group.layout.model_id}


def test_the_page_module_ships_beside_the_module() -> None:
    assert "atlas-chip" in ChipGroup._esm and "aria-pressed" in ChipGroup._esm


def test_per_chip_tooltips_reach_the_page_and_default_to_the_labels() -> None:
    group = ChipGroup(OPTIONS)
    assert group.get_state()["tooltips"] == []  # the page shows each label as its tooltip
    sent = _sent(group)
    group.relabel("", ["Vol", "Vol avec violence", "Harcèlement"],
                  tooltips=["a", "b", "c"])
    assert sent == [{"labels": ["Vol", "Vol avec violence", "Harcèlement"],
                     "tooltips": ["a", "b", "c"]}]  # one message; the buttons' words kept
    assert (group.all_text, group.none_text) == ("All", "None")
    assert "tooltips" in ChipGroup._esm
    with pytest.raises(ValueError, match="2 tooltips for 3 chips"):
        group.relabel("", ["a", "b", "c"], tooltips=["x", "y"])


def test_a_group_may_go_without_all_and_none() -> None:
    assert ChipGroup(OPTIONS).get_state()["actions"] is True
    assert ChipGroup(OPTIONS, actions=False).get_state()["actions"] is False


def test_a_disabled_group_ignores_the_page_and_the_page_knows() -> None:
    group = ChipGroup(OPTIONS, value=["theft"])
    sent = _sent(group)
    group.disabled = True
    assert sent == [{"disabled": True}] and group.get_state()["disabled"] is True
    seen = _changes(group)
    _from_page(group, {"chosen": [1, 2]})
    assert seen == [] and group.value == ("theft",) and group.chosen == [0]
    assert sent[-1] == {"chosen": [0]}  # the page repaints the kernel's choice
    _from_page(group, {"disabled": False, "chosen": [1]})  # the page cannot enable it
    assert group.disabled and seen == []
    group.value = group.options  # the kernel still sets it
    assert seen == [("theft", "robbery", "harassment")]
    group.disabled = False
    _from_page(group, {"chosen": [1]})
    assert group.value == ("robbery",)


def test_a_change_of_weekdays_is_one_query_refresh() -> None:
    """Seven ToggleButtons were seven observed widgets; the group is one."""
    from geo.app import AtlasApp
    from geo.metrics import Atlas
    from geo.sample import generate_city

    city = generate_city(seed=5, incidents=2_000, app_reports=300, perceptions=300, venues=10)
    app = AtlasApp(Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata))
    days = app.controls.weekdays
    assert days.value == (4, 5) and days.get_state()["actions"] is False
    assert days.tooltips[4] != days.labels[4]  # "Friday night includes early Saturday"-style
    refreshes: list[object] = []
    original = app.refresh
    app.refresh = lambda: (refreshes.append(days.value), original())  # type: ignore[method-assign]
    _from_page(days, {"chosen": [0, 1, 2, 3, 4, 5, 6]})  # every night at once
    assert refreshes == [tuple(range(7))]
    assert app.result.query.weekdays is None  # every night: no weekday filter
    days.value = (5,)
    assert len(refreshes) == 2 and app.result.query.weekdays == frozenset({5})
