"""Issue 13's figures: differencing attacks on the sample city before and after the cell-key
noise, and the utility of the published counts over 200 random views at res 9.

Targets: the attacker's difference of two views exactly right at most 1 time in 3 for every
kind (before: always); no small group's mean recovered exactly; Spearman(published, exact)
>= 0.98 and mean absolute error <= 1.5 per shown count; no shown count below k. The attacks and
attackers are described in tests/privacy_attack.py, which tests/test_privacy_attack.py asserts.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import record  # noqa: E402
from tests.privacy_attack import (  # noqa: E402
    attack_figures,
    averaged_hour_attack,
    sample_views,
    utility_figures,
)

KINDS = ("hour", "date", "category", "source", "parent", "group")
ATTACKERS = ("difference", "informed", "bayes", "prior")


def main() -> None:
    before = attack_figures(sample_views(exact=True))
    views = sample_views()
    after = attack_figures(views)
    print(f"{'attack':<9} {'targets':>8}  " + "  ".join(f"{a:>17}" for a in ATTACKERS))
    print(f"{'':<9} {'':>8}  " + "  ".join(f"{'before -> after':>17}" for _ in ATTACKERS))
    for kind in KINDS:
        cells = [f"{before[kind][a]:>7.1%} -> {after[kind][a]:>6.1%}" for a in ATTACKERS]
        print(f"{kind:<9} {after[kind]['targets']:>8.0f}  " + "  ".join(cells))
    means = after["group_mean"]
    print(f"group means: {means['targets']:.0f} small groups; exact {means['exact']:.1%} "
          f"(before {before['group_mean']['exact']:.0%}), within 0.005 "
          f"{means['within_0.005']:.1%}, within 0.05 {means['within_0.05']:.1%}; one-answer "
          f"level {means['single_level_snapped']:.1%} (blind {means['single_level_prior']:.1%})")
    averaged = averaged_hour_attack(views)
    print(f"hour attack averaged over 3-5 pairs per target: {averaged['difference']:.1%} "
          f"of {averaged['targets']:.0f}")
    for kind in KINDS:
        record(f"attack_{kind}_difference_exact_rate", after[kind]["difference"], "share", 1 / 3)
        record(f"attack_{kind}_bayes_gain_over_prior",
               after[kind]["bayes"] - after[kind]["prior"], "share", None)
    record("attack_group_mean_exact_rate", means["exact"], "share", 0)
    utility = utility_figures(views, n_views=200)
    record("utility_res9_spearman", utility["spearman_pooled"], "rho", ">= 0.98")
    record("utility_res9_mean_abs_error", utility["mean_abs_error"], "count", 1.5)
    record("utility_res9_shown_below_k", utility["shown_below_k"], "cells", 0)
    record("utility_res9_perceived_mean_abs_error", utility["perceived_mean_abs_error"], "0..1",
           None)


if __name__ == "__main__":
    main()
