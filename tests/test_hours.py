"""Venues open in a night window: known answers, unknown hours and night slots."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geo.hours
from geo.hours import CLOSED, OPEN, SLOTS, UNKNOWN, open_in_window, open_slots, slot_index

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def state(expression: str | None, hours: list[int], weekdays: list[int]) -> int:
    slots, known = open_slots([expression])
    return int(open_in_window(slots, known, hours, weekdays)[0])


def test_doctests() -> None:
    assert doctest.testmod(geo.hours).failed == 0


def test_friday_night_after_midnight_is_friday() -> None:
    # Saturday 01:00 on the clock belongs to Friday night: slot 4*24 + 1.
    assert state("Fr-Sa 18:00-03:00", [1], [FRI]) == OPEN
    slots, _ = open_slots(["Fr-Sa 18:00-03:00"])
    assert slots[0, FRI * 24 + 1]
    assert not slots[0, THU * 24 + 1]
    assert state("Fr-Sa 18:00-03:00", [22, 23, 0, 1], [MON]) == CLOSED
    assert state("Fr-Sa 18:00-03:00", [3, 4], [SAT]) == CLOSED  # closes at 03:00 sharp
    assert state("Fr-Sa 18:00-03:00", [2], [SAT]) == OPEN  # Sunday 02:xx, Saturday night


def test_always_open_and_never_open() -> None:
    slots, known = open_slots(["24/7", "off"])
    assert slots[0].all() and known[0].all()
    assert not slots[1].any() and known[1].all()
    assert open_in_window(slots, known, range(24), range(7)).tolist() == [OPEN, CLOSED]


def test_open_end_follows_the_parser_until_midnight() -> None:
    # opening-hours-py 2.1 reads "18:00+" as open from 18:00 to midnight, then closed.
    assert state("Mo-Fr 18:00+", [23], [MON]) == OPEN
    assert state("Mo-Fr 18:00+", [0], [MON]) == CLOSED
    assert state("Mo-Fr 18:00+", [18], [SAT]) == CLOSED


def test_past_midnight_on_thursday_night() -> None:
    assert state("Mo-Th 16:00-00:30", [0], [THU]) == OPEN
    assert state("Mo-Th 16:00-00:30", [1], [THU]) == CLOSED
    assert state("Mo-Th 16:00-00:30", [16], [FRI]) == CLOSED


def test_unknown_is_its_own_class() -> None:
    slots, known = open_slots(["this is not opening hours", None, "", "  ", float("nan")])
    assert not known.any() and not slots.any()
    assert (open_in_window(slots, known, [22], [FRI]) == UNKNOWN).all()
    # Even an empty selection never turns unknown hours into "closed".
    assert (open_in_window(slots, known, [], []) == UNKNOWN).all()


def test_unknown_spans_inside_a_valid_expression() -> None:
    slots, known = open_slots(["Mo-Sa 18:00-23:00; Su unknown"])
    assert not known[0, SUN * 24 + 20] and known[0, SAT * 24 + 20]
    assert state("Mo-Sa 18:00-23:00; Su unknown", [20], [SUN]) == UNKNOWN
    assert state("Mo-Sa 18:00-23:00; Su unknown", [20], [SAT, SUN]) == OPEN
    assert state("Mo-Sa 18:00-23:00; Su unknown", [2], [FRI]) == CLOSED
    assert state("Mo-Sa 18:00-23:00; Su unknown", [2], [SAT]) == UNKNOWN  # Sunday 02:00


def test_public_holiday_rules_are_ignored() -> None:
    # No holiday calendar: the reference week is an ordinary week.
    assert state("Mo-Su 18:00-23:00; PH off", [20], range(7)) == OPEN
    slots, _ = open_slots(["Mo-Su 18:00-23:00; PH off"])
    assert slots[0].sum() == 7 * 5


def test_day_boundary_moves_small_hours_between_nights() -> None:
    # With the boundary at 03:00, Saturday 04:00 is Saturday's own (morning) slot.
    slots6, _ = open_slots(["Sa 04:00-05:00"], day_boundary=6)
    slots3, _ = open_slots(["Sa 04:00-05:00"], day_boundary=3)
    assert slots6[0, FRI * 24 + 4] and not slots6[0, SAT * 24 + 4]
    assert slots3[0, SAT * 24 + 4] and not slots3[0, FRI * 24 + 4]
    with pytest.raises(ValueError):
        open_slots(["24/7"], day_boundary=24)


def test_known_may_be_one_flag_per_venue() -> None:
    slots, known = open_slots(["24/7", "nonsense"])
    out = open_in_window(slots, known.any(axis=1), [23], [FRI])
    assert out.tolist() == [OPEN, UNKNOWN]
    assert out.dtype == np.int8


def test_slot_index_validates() -> None:
    assert slot_index([FRI], [22, 1]).tolist() == [4 * 24 + 1, 4 * 24 + 22]
    with pytest.raises(ValueError):
        slot_index([7], [1])
    with pytest.raises(ValueError):
        slot_index([1], [24])
    with pytest.raises(ValueError):
        open_in_window(np.zeros((2, 10), bool), np.zeros((2, 10), bool), [1], [1])


def test_a_thousand_distinct_venues_each_get_their_own_slots() -> None:
    # Timing of the same work is benchmarks/bench_hours.py's; here, what it must give.
    hours = [
        f"Mo-Th {16 + i % 4}:00-0{i % 3}:{i % 6}0; Fr-Sa {17 + i % 3}:{i % 4}5-0{3 + i % 3}:00"
        for i in range(1000)
    ]
    slots, known = open_slots(hours)
    assert known.all()
    assert slots.shape == (1000, SLOTS)
    assert (open_in_window(slots, known, [22, 23, 0, 1, 2, 3], [FRI, SAT]) == OPEN).all()
    assert (open_in_window(slots, known, [8, 9, 10], range(7)) == CLOSED).all()
    # Venue 0 is "Mo-Th 16:00-00:00; Fr-Sa 17:05-03:00": a slot is open when any moment of its
    # hour is, so Friday 17:00-18:00 is open and 16:00-17:00 is not; Saturday night ends at 3.
    assert slots[0, MON * 24 + 23] and not slots[0, FRI * 24 + 16] and slots[0, FRI * 24 + 17]
    assert slots[0, SAT * 24 + 2] and not slots[0, SAT * 24 + 3]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_string_gives_a_verdict(expression: str) -> None:
    slots, known = open_slots([expression])
    assert slots.shape == known.shape == (1, SLOTS)
    verdict = open_in_window(slots, known, range(24), range(7))[0]
    assert verdict in (OPEN, CLOSED, UNKNOWN)
    if not known.any():
        assert verdict == UNKNOWN and not slots.any()
