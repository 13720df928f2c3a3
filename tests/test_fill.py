"""A Fill (palette + index) reads and sends exactly what the list of colour strings would."""

from __future__ import annotations

import numpy as np
import pytest

from geo.classes import SUPPRESSED_COLOR, classify
from geo.fill import Fill
from geo.layers._restyle import NOT_DRAWN, style_codes

COLOURS = ("#440154", "#21918c", "#fde725", "#bdbdbd", "#ffffff")


@pytest.mark.parametrize("seed", range(5))
def test_a_fill_reads_as_its_strings_and_sends_the_same_codes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    strings = np.asarray(COLOURS, dtype=object)[rng.integers(0, 3 + seed % 3, 300)]
    fill = Fill.of(strings)
    assert list(fill) == strings.tolist()
    assert np.asarray(fill).tolist() == strings.tolist()
    assert fill[7] == strings[7] and len(fill) == 300
    mask = rng.random(300) < 0.4
    assert list(fill[mask]) == strings[mask].tolist()
    # the bytes a map receives: sorted palette of the colours used, one rank per cell
    positions = np.sort(rng.choice(400, 300, replace=False))
    marks = (rng.random(300) < 0.1).astype(np.uint8)
    codes, per_cell, palette = style_codes(positions, fill, marks, 400)
    assert palette == sorted(set(strings.tolist()))
    assert [palette[c] for c in codes[positions]] == strings.tolist()
    assert (np.delete(codes, positions) == NOT_DRAWN).all()
    assert (style_codes(positions, strings.tolist(), marks, 400)[0] == codes).all()


def test_where_paints_over_and_unused_palette_entries_are_not_sent() -> None:
    classes = classify(np.arange(50.0), "quantiles", 5)
    values = np.array([1.0, np.nan, 49.0, 20.0])
    hidden = np.array([False, False, False, True])
    fill = classes.fill_of(values, missing="#ffffff").where(hidden, SUPPRESSED_COLOR)
    expected = np.where(hidden, SUPPRESSED_COLOR, classes.colors_of(values, "#ffffff"))
    assert list(fill) == expected.tolist()
    codes, palette = fill.codes()
    assert palette == sorted(set(expected.tolist()))  # only the colours cells use
    assert [palette[c] for c in codes] == expected.tolist()


def test_an_empty_fill_sends_nothing() -> None:
    codes, per_cell, palette = style_codes(np.zeros(0, np.intp), Fill.of([]), np.zeros(0), 3)
    assert palette == [] and (codes == NOT_DRAWN).all()


def test_an_indexed_fill_keeps_one_byte_per_cell_and_its_colours() -> None:
    index = np.array([0, 4, 2, 2], dtype=np.intp)
    fill = Fill.indexed(COLOURS, index)
    assert fill.index.dtype == np.uint8 and list(fill) == [COLOURS[i] for i in index]
    wide = Fill.indexed([f"#{i:06x}" for i in range(300)], np.array([299, 0]))
    assert wide.index.dtype == np.intp and list(wide) == ["#00012b", "#000000"]
