"""Differencing attacks on the sample city, and the utility of what is published (issue 13).

Each attack takes two views that each pass the k floor and differ by one hour at either end of
the window, one night at either end of the date range, one category, one source, one respondent
group, or a parent cell against its children, and tries to read off a small count (0 < s < k)
of app reports or answers as the difference of the published values. Three attackers guess it:

``difference``
    the published difference, floored at 0 and rounded (what the issue measured: 100 % right
    on exact values);
``informed``
    knows the perturbation table and that the count is small (a view of it alone is hidden),
    and picks the most likely value in 1..k-1: for the symmetric, unimodal difference of two
    table noises, that is the difference clipped to 1..k-1;
``prior``
    never looks at the views and always guesses the commonest small count of the sample (an
    oracle): the floor no noise can push any attacker under;
``bayes``
    both: the most likely value given the published difference, the table and that oracle
    prior — the best single-pair guess there is.

Targets are whole small counts 1..k-1 (fractional aoristic differences are left out: they are
harder to guess exactly, and would flatter the figures). For respondent groups, the attacker
also estimates the small group's mean from the published means and weights of the two views:
exact (within 1e-6), within 0.005 or 0.05 of the truth, and, for a group of one answer, snapped
to the nearest of the four answer levels. The truth comes from the same data with
``exact=True`` and ``k = 0``.

Used by tests/test_privacy_attack.py (assertions) and benchmarks/bench_privacy.py (figures).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from geo.metrics import Atlas, Query
from geo.privacy import PTABLE
from geo.sample import generate_city
from geo.timewin import HourWindow

K = 5
RESOLUTIONS = (8, 9, 10)
STARTS = (19, 20, 21, 22, 23)
ENDS = (2, 3, 4, 5)
TIMES: tuple[HourWindow | None, ...] = (None, HourWindow(22, 4), HourWindow(18, 22))
RANGES: tuple[tuple[dt.date, int], ...] = tuple(
    (dt.date(2025, month, 1), length) for month in (3, 6, 9, 12) for length in (7, 28)
)
"""Date ranges (first night, nights) whose one-night trims the date attack differences."""
MEAN_TOLERANCE = 0.005
"""A group mean counts as recovered when the estimate is this close (2 decimals)."""
LEVELS = (0.0, 1 / 3, 2 / 3, 1.0)
"""Insecurity levels of the sample's 4-point answers."""


def _noise_pmf(terms: int) -> tuple[np.ndarray, int]:
    """pmf of the sum of ``terms`` independent table noises (signs do not matter: symmetric),
    and the offset of value 0 in it."""
    pmf = np.array([1.0])
    for _ in range(terms):
        pmf = np.convolve(pmf, np.asarray(PTABLE.probabilities))
    return pmf, terms * PTABLE.bound


@dataclass
class Tally:
    """One attack kind: each target's exact value, published difference and noise terms."""

    exact: list[float] = field(default_factory=list)
    published: list[float] = field(default_factory=list)
    terms: list[int] = field(default_factory=list)

    def add(self, exact: float, difference: float, terms: int = 2) -> None:
        """Keep a target: whole small counts only (the easiest to guess exactly)."""
        if abs(exact - round(exact)) < 1e-9 and 1 <= round(exact) <= K - 1:
            self.exact.append(float(round(exact)))
            self.published.append(float(difference))
            self.terms.append(terms)

    def guesses(self) -> dict[str, np.ndarray]:
        """Each attacker's guesses (see the module notes)."""
        truth = np.asarray(self.exact)
        values = np.arange(1, K)
        prior = np.array([(truth == v).mean() for v in values])
        difference = np.maximum(np.rint(self.published), 0)
        bayes = []
        for d, terms in zip(self.published, self.terms, strict=True):
            pmf, zero = _noise_pmf(terms)
            at = np.rint(d - values).astype(int) + zero
            likely = np.where((at >= 0) & (at < pmf.size), pmf[np.clip(at, 0, pmf.size - 1)], 0)
            posterior = prior * likely
            bayes.append(values[np.argmax(posterior)] if posterior.any() else values[0])
        return {
            "difference": difference,
            "informed": np.clip(difference, 1, K - 1),
            "prior": np.full(truth.size, values[np.argmax(prior)]),
            "bayes": np.asarray(bayes),
        }

    def rates(self) -> dict[str, float]:
        """Share of exactly right guesses per attacker, and the targets' count."""
        out = {"targets": float(len(self.exact))}
        if self.exact:
            truth = np.asarray(self.exact)
            out.update({name: float(np.mean(g == truth)) for name, g in self.guesses().items()})
        return out


@dataclass
class Views:
    """Published and exact tables of views, each computed once."""

    published: Atlas
    truth: Atlas
    cache: dict[tuple[str, Query], pd.DataFrame] = field(default_factory=dict)

    def terms(self, n: int) -> int:
        """Noise terms in a difference of ``n`` published values (none when exact)."""
        return 0 if self.published.noise.exact else n

    def table(self, query: Query, exact: bool = False) -> pd.DataFrame:
        query = query.with_(k=0) if exact else query
        key = ("truth" if exact else "published", query)
        if key not in self.cache:
            atlas = self.truth if exact else self.published
            self.cache[key] = atlas.query(query).table.set_index("cell")
        return self.cache[key]


def sample_views(exact: bool = False) -> Views:
    """The sample city as `make sample` makes it, published with or without noise."""
    city = generate_city()
    tables = (city.incidents, city.perceptions, city.venues)
    published = Atlas(*tables, metadata=city.metadata, exact=exact)
    truth = Atlas(*tables, metadata=city.metadata, exact=True)
    return Views(published, truth)


def _difference(views: Views, big: Query, small: Query, tally: Tally, column: str) -> None:
    """Cells shown in both views whose exact difference is small: guess it from the published."""
    a, b = views.table(big), views.table(small)
    ta, tb = views.table(big, exact=True), views.table(small, exact=True)
    cells = a.index[a[column].notna()].intersection(b.index[b[column].notna()])
    exact = ta[column].reindex(cells) - tb[column].reindex(cells, fill_value=0.0)
    published = a[column].reindex(cells) - b[column].reindex(cells)
    small_ones = (exact > 0) & (exact < K)
    for e, p in zip(exact[small_ones], published[small_ones], strict=True):
        tally.add(float(e), float(p), views.terms(2))


def hour_pairs() -> Iterator[tuple[Query, Query]]:
    for res in RESOLUTIONS:
        for start in STARTS:
            for end in ENDS:
                big = Query(resolution=res, hours=HourWindow(start, end), sources={"app"}, k=K)
                yield big, big.with_(hours=HourWindow(start, (end - 1) % 24))
                yield big, big.with_(hours=HourWindow((start + 1) % 24, end))


def date_pairs() -> Iterator[tuple[Query, Query]]:
    """[a, b] against [a+1, b] and [a, b-1]: the first and the last night's count."""
    night = dt.timedelta(days=1)
    for res in RESOLUTIONS:
        for hours in TIMES[:2]:
            for first, length in RANGES:
                last = first + (length - 1) * night
                big = Query(resolution=res, hours=hours, sources={"app"}, k=K,
                            date_from=first, date_to=last)
                yield big, big.with_(date_from=first + night)
                yield big, big.with_(date_to=last - night)


def category_pairs(categories: tuple[str, ...]) -> Iterator[tuple[Query, Query]]:
    for res in RESOLUTIONS:
        for hours in TIMES:
            big = Query(resolution=res, hours=hours, sources={"app"}, k=K)
            for category in categories:
                yield big, big.with_(categories=frozenset(set(categories) - {category}))


def source_pairs() -> Iterator[tuple[Query, Query]]:
    for res in RESOLUTIONS:
        for hours in (*TIMES, HourWindow(23, 3), HourWindow(0, 6)):
            for weekdays in (None, frozenset({4, 5})):
                big = Query(resolution=res, hours=hours, weekdays=weekdays, k=K)
                yield big, big.with_(sources=frozenset({"police"}))


def group_pairs(groups: tuple[str, ...]) -> Iterator[tuple[Query, Query, str]]:
    for res in RESOLUTIONS:
        for hours in TIMES:
            big = Query(resolution=res, hours=hours, k=K, min_answers=1)
            for group in groups:
                yield big, big.with_(groups=frozenset(set(groups) - {group})), group


def incident_attacks(views: Views) -> dict[str, Tally]:
    """Hour, date, category and source attacks on app reports (``incidents``)."""
    categories = tuple(sorted(views.truth.incidents.loc[
        views.truth.incidents["source"] == "app", "category"].unique()))
    out = {"hour": Tally(), "date": Tally(), "category": Tally(), "source": Tally()}
    for big, small in hour_pairs():
        _difference(views, big, small, out["hour"], "incidents")
    for big, small in date_pairs():
        _difference(views, big, small, out["date"], "incidents")
    for big, small in category_pairs(categories):
        _difference(views, big, small, out["category"], "incidents")
    for big, small in source_pairs():
        _difference(views, big, small, out["source"], "incidents")
    return out


def parent_attack(views: Views) -> Tally:
    """A parent cell (res 7-9) against its children (res 8-10): the hidden children's mass."""
    from geo.index import parents_of

    tally = Tally()
    for child_res in RESOLUTIONS:
        for hours in TIMES:
            parent_q = Query(resolution=child_res - 1, hours=hours, sources={"app"}, k=K)
            child_q = parent_q.with_(resolution=child_res)
            parents, children = views.table(parent_q), views.table(child_q)
            truth_p = views.table(parent_q, exact=True)["incidents"]
            truth_c = views.table(child_q, exact=True)["incidents"]
            of = pd.Series(parents_of(children.index.to_numpy(np.uint64), child_res - 1),
                           index=children.index)
            shown = children["incidents"].notna()
            shown_sum = children.loc[shown, "incidents"].groupby(of[shown]).sum()
            shown_n = children.loc[shown, "incidents"].groupby(of[shown]).size()
            exact_sum = truth_c.reindex(children.index[shown]).groupby(of[shown]).sum()
            for parent in parents.index[parents["incidents"].notna()]:
                hidden = truth_p[parent] - exact_sum.get(parent, 0.0)
                if 0 < hidden < K:
                    guess = parents.at[parent, "incidents"] - shown_sum.get(parent, 0.0)
                    tally.add(float(hidden), guess, views.terms(1 + int(shown_n.get(parent, 0))))
    return tally


def group_attack(views: Views) -> tuple[Tally, dict[str, float]]:
    """Answer counts of one respondent group, and the group's mean, from group sets."""
    answers = views.truth.perceptions
    groups = tuple(views.truth.groups)
    tally, errors, singles = Tally(), [], []
    cells_at: dict[int, np.ndarray] = {}
    for big, small, group in group_pairs(groups):
        _difference(views, big, small, tally, "perceived_n")
        a, b = views.table(big), views.table(small)
        ta, tb = views.table(big, exact=True), views.table(small, exact=True)
        shown = a["perceived"].notna() & a["perceived_sw"].notna()
        cells = a.index[shown].intersection(b.index[b["perceived"].notna()])
        n_small = (ta["perceived_n"].reindex(cells) - tb["perceived_n"].reindex(cells))
        cells = n_small.index[(n_small > 0) & (n_small < K)]
        if not len(cells):
            continue
        if big.resolution not in cells_at:  # as the cube places them: parents of res 10
            from geo.index import cells_of, parents_of

            finest = cells_of(answers["lat"].to_numpy(), answers["lon"].to_numpy())
            cells_at[big.resolution] = parents_of(finest, big.resolution)
        from geo.metrics._protect import perception_filter

        named = answers["group"].astype("string").fillna("unknown").str.lower()
        keep = perception_filter(answers, big) & (named == group).to_numpy(dtype=bool)
        mine = answers.loc[keep].assign(cell=cells_at[big.resolution][keep])
        mine = mine.assign(wx=mine["weight"] * mine["insecurity"])
        truth = mine.groupby("cell")[["wx", "weight"]].sum()
        for cell in cells:
            sw_a, sw_b = a.at[cell, "perceived_sw"], b.at[cell, "perceived_sw"]
            if not sw_a > sw_b:
                errors.append(np.inf)  # the attacker's weights say there is no group
                continue
            mean_a, mean_b = a.at[cell, "perceived"], b.at[cell, "perceived"]
            guess = (mean_a * sw_a - mean_b * sw_b) / (sw_a - sw_b)
            exact = truth.at[cell, "wx"] / truth.at[cell, "weight"]
            errors.append(abs(guess - exact))
            if n_small[cell] == 1:  # one answer: its level is one of four, snap to the nearest
                singles.append((min(LEVELS, key=lambda v: abs(v - guess)), exact))
    err = np.asarray(errors)
    snapped = np.array([abs(g - e) < 1e-6 for g, e in singles])
    commonest = Counter(round(e, 6) for _, e in singles).most_common(1)
    means = {
        "targets": float(err.size),
        "exact": float(np.mean(err < 1e-6)) if err.size else 0.0,
        "within_0.005": float(np.mean(err < MEAN_TOLERANCE)) if err.size else 0.0,
        "within_0.05": float(np.mean(err < 0.05)) if err.size else 0.0,
        "single_answers": float(len(singles)),
        "single_level_snapped": float(snapped.mean()) if singles else 0.0,
        "single_level_prior": commonest[0][1] / len(singles) if singles else 0.0,
    }
    return tally, means


def attack_figures(views: Views) -> dict[str, dict[str, float]]:
    """Exact-recovery rates per attack kind (and the group means)."""
    tallies = incident_attacks(views)
    tallies["parent"] = parent_attack(views)
    tallies["group"], means = group_attack(views)
    out = {kind: tally.rates() for kind, tally in tallies.items()}
    out["group_mean"] = means
    return out


def averaged_hour_attack(views: Views, res: int = 9) -> dict[str, float]:
    """All window pairs that isolate the same last hour of a cell, averaged (informational).

    The cell-key method's known limit: each pair's noise is independent, so an attacker who
    finds many different pairs around the same small count averages the noise down.
    """
    by_target: dict[tuple[int, int], tuple[float, list[float]]] = {}
    for end in ENDS:
        for start in STARTS:
            big = Query(resolution=res, hours=HourWindow(start, end), sources={"app"}, k=K)
            small = big.with_(hours=HourWindow(start, (end - 1) % 24))
            a, b = views.table(big), views.table(small)
            ta, tb = views.table(big, exact=True), views.table(small, exact=True)
            cells = a.index[a["incidents"].notna()].intersection(b.index[b["incidents"].notna()])
            for cell in cells:
                exact = ta.at[cell, "incidents"] - tb["incidents"].get(cell, 0.0)
                if 0 < exact < K:
                    entry = by_target.setdefault((int(cell), end), (float(exact), []))
                    entry[1].append(a.at[cell, "incidents"] - b.at[cell, "incidents"])
    many = [(e, d) for e, d in by_target.values()
            if len(d) >= 3 and abs(e - round(e)) < 1e-9]
    hits = [max(round(float(np.mean(d))), 0) == round(e) for e, d in many]
    return {"targets": float(len(many)), "difference": float(np.mean(hits)) if hits else 0.0}


def random_query(rng: np.random.Generator, atlas: Atlas) -> Query:
    """A random view at res 9, k = 5 (as the privacy audit draws them)."""
    from geo.columns import CATEGORIES

    def subset(items: list[str], p_all: float) -> frozenset[str] | None:
        if not items or rng.random() < p_all:
            return None
        size = int(rng.integers(1, len(items) + 1))
        return frozenset(rng.choice(items, size=size, replace=False).tolist())

    hours = None
    if rng.random() > 0.25:
        start, end = rng.choice(24, size=2, replace=False).tolist()
        hours = HourWindow(int(start), int(end))
    weekdays = None
    if rng.random() > 0.3:
        weekdays = frozenset(rng.choice(7, size=int(rng.integers(1, 8)), replace=False).tolist())
    return Query(resolution=9, hours=hours, weekdays=weekdays,
                 categories=subset(list(CATEGORIES), 0.4), sources=subset(list(atlas.sources), 0.5),
                 groups=subset(list(atlas.groups), 0.5), k=K)


def utility_figures(views: Views, n_views: int = 200, seed: int = 13) -> dict[str, float]:
    """Published against exact counts of shown cells, over random views at res 9."""
    rng = np.random.default_rng(seed)
    published, exact, per_view, below_k, means = [], [], [], 0, []
    columns = ["incidents", *(f"incidents_{s}" for s in views.truth.sources), "perceived_n"]
    for _ in range(n_views):
        query = random_query(rng, views.truth)
        shown, truth = views.table(query), views.table(query, exact=True)
        pairs_p, pairs_e = [], []
        for column in columns:
            values = shown[column].dropna()
            values = values[values > 0]
            below_k += int((values < K).sum())
            pairs_p.append(values.to_numpy())
            pairs_e.append(truth[column].reindex(values.index).to_numpy())
        ok = shown["perceived"].notna()
        means.append((shown.loc[ok, "perceived"] - truth["perceived"].reindex(ok.index[ok])).abs())
        p, e = np.concatenate(pairs_p), np.concatenate(pairs_e)
        published.append(p)
        exact.append(e)
        if p.size >= 10:
            per_view.append(stats.spearmanr(p, e).statistic)
    p, e = np.concatenate(published), np.concatenate(exact)
    return {
        "views": float(n_views),
        "shown_counts": float(p.size),
        "spearman_pooled": float(stats.spearmanr(p, e).statistic),
        "spearman_median_per_view": float(np.median(per_view)),
        "mean_abs_error": float(np.mean(np.abs(p - e))),
        "max_abs_error": float(np.max(np.abs(p - e))),
        "shown_below_k": float(below_k),
        "perceived_mean_abs_error": float(pd.concat(means).mean()),
    }
