"""The cell-key method's parts: record keys, the perturbation table, publishing counts and sums."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import geo.privacy._keys
import geo.privacy._noise
import geo.privacy._publish
from geo.privacy import (
    DEFAULT_KEY_SALT,
    KEY_MODULUS,
    MEAN_NOISE,
    NOISE_BOUND,
    PTABLE,
    NoiseSettings,
    PerturbationTable,
    cell_keys,
    new_key_salt,
    perturb_answer_sums,
    publish_counts,
    publish_recorded,
    record_keys,
    salt_fingerprint,
)

ALL_KEYS = np.arange(KEY_MODULUS, dtype=np.int64)
keys_st = st.integers(0, KEY_MODULUS - 1)
counts_st = st.one_of(st.integers(0, 400).map(float), st.floats(0, 400, allow_nan=False))


@pytest.mark.parametrize("module", [geo.privacy._keys, geo.privacy._noise, geo.privacy._publish])
def test_doctests(module) -> None:
    assert doctest.testmod(module).failed == 0


# --- record keys ---------------------------------------------------------------------------


def test_record_keys_are_fixed_uniform_and_secret_dependent() -> None:
    ids = [f"inc-{i:06d}" for i in range(50_000)]
    keys = record_keys(ids)
    assert keys.dtype == np.int64 and keys.min() >= 0 and keys.max() < KEY_MODULUS
    assert np.array_equal(keys, record_keys(ids, DEFAULT_KEY_SALT))  # default = sample salt
    assert np.array_equal(keys[::-1], record_keys(ids[::-1]))  # a record's key, not a position's
    other = record_keys(ids, new_key_salt())
    assert (keys != other).mean() > 0.999
    # uniform on 0..M-1: 20 equal bins, chi-square
    counts = np.bincount(keys * 20 // KEY_MODULUS, minlength=20)
    assert stats.chisquare(counts).pvalue > 1e-4
    assert record_keys([]).size == 0
    assert record_keys([None, ""]).tolist()[0] == record_keys([""]).tolist()[0]


def test_salts_are_named_by_a_one_way_fingerprint() -> None:
    assert salt_fingerprint(None) == salt_fingerprint(DEFAULT_KEY_SALT)
    assert salt_fingerprint("a") != salt_fingerprint("b")
    assert "a" not in salt_fingerprint("a") and len(salt_fingerprint("x" * 99)) == 16
    assert len(new_key_salt()) == 64 and new_key_salt() != new_key_salt()
    with pytest.raises(ValueError, match="salt"):
        record_keys(["x"], "")


@settings(max_examples=50, deadline=None)
@given(st.lists(keys_st, min_size=1, max_size=40), st.integers(1, 6))
def test_cell_keys_add_up_like_counts(keys: list[int], split: int) -> None:
    """A parent's (or a union's) cell key is the sum of its parts' cell keys, mod M."""
    parts = [np.sum(keys[i::split], dtype=np.int64) for i in range(split)]
    assert cell_keys(np.array([float(sum(keys))]))[0] == sum(cell_keys(np.array(parts))) % (
        KEY_MODULUS)


# --- the perturbation table ----------------------------------------------------------------


def test_the_table_is_bounded_symmetric_and_exactly_zero_mean_over_the_keys() -> None:
    noise = PTABLE.noise(ALL_KEYS)
    assert NOISE_BOUND == 2 and np.abs(noise).max() == 2
    assert noise.sum() == 0  # exactly, over every key
    shares = np.bincount(noise + 2, minlength=5) / KEY_MODULUS
    np.testing.assert_allclose(shares, PTABLE.probabilities, atol=2 / KEY_MODULUS)
    assert PTABLE.variance == pytest.approx(2.0)


@pytest.mark.parametrize("table", [PTABLE, PerturbationTable((-3, -1, 0, 1, 3),
                                                               (0.1, 0.2, 0.4, 0.2, 0.1))])
def test_each_key_gets_the_noise_its_cumulative_probability_says(table) -> None:
    """Key by key as the definition reads (a binary search of the lower half's position on the
    cumulative probabilities, mirrored above the middle): a boundary off by one key would
    still pass the proportions above, but publish other counts than earlier views did."""
    half = (KEY_MODULUS - 1) // 2
    mirrored = ALL_KEYS > half
    low = np.where(mirrored, KEY_MODULUS - 1 - ALL_KEYS, ALL_KEYS)
    edges = np.cumsum(table.probabilities)[:-1] * KEY_MODULUS
    index = np.minimum(np.searchsorted(edges, low + 0.5, side="right"), len(table.values) // 2)
    values = np.asarray(table.values)[index]
    assert np.array_equal(table.noise(ALL_KEYS), np.where(mirrored, -values, values))


def test_a_custom_table_is_checked_and_read_in_proportion() -> None:
    table = PerturbationTable((-3, -1, 0, 1, 3), (0.1, 0.2, 0.4, 0.2, 0.1))
    noise = table.noise(ALL_KEYS)
    assert noise.sum() == 0 and table.bound == 3
    np.testing.assert_allclose(
        [np.mean(noise == v) for v in table.values], table.probabilities, atol=1e-5)
    with pytest.raises(ValueError, match="symmetric"):
        PerturbationTable((-1, 0, 2), (0.25, 0.5, 0.25))
    with pytest.raises(ValueError, match="sum to 1"):
        PerturbationTable((-1, 0, 1), (0.2, 0.2, 0.2))
    with pytest.raises(ValueError, match="odd"):
        PerturbationTable((-1, 1), (0.5, 0.5))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(counts_st, keys_st), min_size=1, max_size=30), st.integers(1, 20))
def test_published_counts_keep_every_promise(cells: list[tuple[float, int]], k: int) -> None:
    counts = np.array([c for c, _ in cells])
    keys = np.array([key for _, key in cells])
    published, hidden = publish_counts(counts, keys, k)
    again, hidden_again = publish_counts(counts, keys, k)
    assert np.array_equal(published, again) and np.array_equal(hidden, hidden_again)
    assert np.all(published[counts == 0] == 0) and not hidden[counts == 0].any()  # empty: empty
    assert np.all(published[counts > 0] >= 1)  # not empty: never shown as empty
    assert np.all(published == np.rint(published))  # whole numbers
    shown = ~hidden & (counts > 0)
    # bounded: the table's noise, plus rounding of aoristic fractions
    assert np.all(np.abs(published[shown] - counts[shown]) <= NOISE_BOUND + 0.5)
    # the k floor holds on both: nothing shown between 0 and k, exact or published
    assert not (shown & (counts < k)).any() and not (shown & (published < k)).any()


def test_published_counts_are_unbiased_over_keys() -> None:
    """Zero-mean: over every cell key, a whole count is published as itself on average."""
    for n in (3.0, 5.0, 40.0):
        published, _ = publish_counts(np.full(KEY_MODULUS, n), ALL_KEYS, k=1)
        assert published.sum() == n * KEY_MODULUS  # exactly
    # 1 and 2 could go to 0 or below, which would show a cell as empty: they are published as
    # 1 instead (a small upward bias), and any k >= 3 hides them anyway
    published, _ = publish_counts(np.full(KEY_MODULUS, 1.0), ALL_KEYS, k=1)
    assert published.min() == 1 and published.mean() == pytest.approx(1.6, abs=1e-5)


# --- answers -------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.tuples(st.sampled_from([0.0, 1 / 3, 2 / 3, 1.0]), st.floats(0.4, 2.5)),
                     min_size=1, max_size=60),
            keys_st,
        ),
        min_size=1,
        max_size=10,
    )
)
def test_perturbed_answer_sums_move_the_mean_by_at_most_one_answer(cells) -> None:
    sums = {name: [] for name in ("n", "sw", "sw2", "swx", "swx2")}
    for answers, _ in cells:
        x = np.array([a for a, _ in answers])
        w = np.array([b for _, b in answers])
        for name, value in (("n", len(x)), ("sw", w.sum()), ("sw2", (w * w).sum()),
                            ("swx", (w * x).sum()), ("swx2", (w * x * x).sum())):
            sums[name].append(value)
    exact = {name: np.array(values, dtype=float) for name, values in sums.items()}
    keys = np.array([key for _, key in cells])
    out, hidden = perturb_answer_sums(exact, keys, k=5)
    published, hidden_n = publish_counts(exact["n"], keys, 5)
    assert np.array_equal(out["n"], published) and np.array_equal(hidden, hidden_n)
    mean, moved = exact["swx"] / exact["sw"], out["swx"] / out["sw"]
    assert np.all((moved >= 0) & (moved <= 1))
    assert np.all(np.abs(moved - mean) <= MEAN_NOISE / out["n"] + 1e-9)
    variance = exact["swx2"] / exact["sw"] - mean**2
    assert np.all(out["swx2"] / out["sw"] - moved**2 >= variance - 1e-9)  # widened, not narrowed
    again, _ = perturb_answer_sums(exact, keys, k=5)
    assert all(np.array_equal(again[c], out[c]) for c in out)


def test_a_perturbed_mean_never_sticks_to_an_end() -> None:
    """Everyone said 0: a clipped noise would publish exactly 0 half the time, and so tell."""
    sums = {"n": np.full(200, 8.0), "sw": np.full(200, 8.0), "sw2": np.full(200, 8.0),
            "swx": np.zeros(200), "swx2": np.zeros(200)}
    out, _ = perturb_answer_sums(sums, np.arange(200) * 5_000, k=5)
    mean = out["swx"] / out["sw"]
    assert (mean > 0).mean() > 0.98 and (mean <= MEAN_NOISE / out["n"]).all()


# --- publishing a view ---------------------------------------------------------------------


def test_noise_settings_validate_and_say_when_they_apply() -> None:
    noise = NoiseSettings(frozenset({"Police "}))
    assert noise.published_sources == {"police"} and noise.on(5) and not noise.on(0)
    assert not NoiseSettings(exact=True).on(5)
    assert "secret" not in repr(NoiseSettings(key_salt="secret"))
    with pytest.raises(ValueError, match="mean_noise"):
        NoiseSettings(mean_noise=2)
    with pytest.raises(ValueError, match="salt"):
        NoiseSettings(key_salt=b"")


def test_public_sources_stay_exact_and_one_protected_source_is_consistent() -> None:
    counts = np.array([[10.0, 7.0], [12.5, 0.0], [0.0, 9.0], [3.0, 2.0]])
    keys = np.array([[11.0, 123_456.0], [5.0, 0.0], [0.0, 900_000.0], [7.0, 3.0]])
    sources = ("police", "app")
    total, per, total_hidden, hidden = publish_recorded(
        counts, keys, sources, 5, NoiseSettings(frozenset({"police"})))
    assert np.array_equal(per[:, 0], counts[:, 0])  # police: public, exact
    # the app part of a total is the app column: same records, same key, same noise
    np.testing.assert_array_equal(total, counts[:, 0] + per[:, 1])
    assert per[1, 1] == 0 and total[1] == 12.5  # no app reports: the total is exact
    assert hidden[3].all() and total_hidden[3]  # 3 + 2 < k
    # every source protected: the total carries one noise, of the key of all its records
    total, per, _, _ = publish_recorded(counts, keys, sources, 5, NoiseSettings())
    expected, _ = publish_counts(counts.sum(axis=1), cell_keys(keys.sum(axis=1)), 5)
    np.testing.assert_array_equal(total, expected)
    # exact: what went in
    total, per, total_hidden, hidden = publish_recorded(
        counts, keys, sources, 5, NoiseSettings(exact=True))
    np.testing.assert_array_equal(total, counts.sum(axis=1))
    assert not total_hidden.any() and not hidden.any()
    with pytest.raises(ValueError, match="sources"):
        publish_recorded(counts[:, :1], keys[:, :1], sources, 5, NoiseSettings())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(counts_st, keys_st, st.booleans()), min_size=1, max_size=60),
       st.integers(1, 10))
def test_each_protected_column_is_published_as_a_whole_column_would_be(rows, k) -> None:
    # publish_recorded noises the non-empty rows only (a narrow window leaves most of a res-10
    # grid empty); the values, hidden flags and empty rows must be those of the whole column
    counts = np.array([[c, 0.0 if empty else c / 2] for c, _, empty in rows])
    keys = np.array([[float(key), float(key) * 3 + 1] for _, key, _ in rows])
    total, per, total_hidden, hidden = publish_recorded(
        counts, keys, ("police", "app"), k, NoiseSettings())
    for j in range(2):
        published, flagged = publish_counts(counts[:, j], cell_keys(keys[:, j]), k)
        np.testing.assert_array_equal(per[:, j], published)
        np.testing.assert_array_equal(hidden[:, j], flagged)
    expected, _ = publish_counts(counts.sum(axis=1), cell_keys(keys.sum(axis=1)), k)
    np.testing.assert_array_equal(total, expected)
    assert not total_hidden[counts.sum(axis=1) == 0].any()


@pytest.mark.parametrize("chunk", [1000, 209_715, 1 << 16])
def test_the_step_reading_equals_the_definition_whatever_the_chunks(monkeypatch, chunk) -> None:
    # 209,715 puts the default table's first step exactly on a chunk boundary
    monkeypatch.setattr(geo.privacy._noise, "_CHUNK", chunk)
    table = PerturbationTable()
    assert table._steps[0][0] == 209_715 if chunk == 209_715 else True
    np.testing.assert_array_equal(table.noise(ALL_KEYS), table._noise_of(ALL_KEYS))
