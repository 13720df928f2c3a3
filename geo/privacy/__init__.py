"""Protection of every count before it is shown or exported (DESIGN §6).

Two rules, both on every view and export:

- the **k-threshold** (:mod:`geo.privacy._threshold`): no shown cell has a count between 1 and
  k − 1 (suppressed, or coarsened into parents);
- the **cell-key method** (:mod:`geo.privacy._keys`, :mod:`geo.privacy._noise`,
  :mod:`geo.privacy._publish`): counts of protected sources and answers carry a small, bounded,
  consistent noise, so two views that each pass k cannot be subtracted to find a small count.
"""

from geo.privacy._keys import (
    DEFAULT_KEY_SALT,
    KEY_MODULUS,
    cell_keys,
    new_key_salt,
    record_keys,
    salt_fingerprint,
)
from geo.privacy._noise import (
    MEAN_NOISE,
    NOISE_BOUND,
    PTABLE,
    PerturbationTable,
    key_fraction,
    perturb_answer_sums,
    publish_counts,
)
from geo.privacy._publish import (
    ANSWER_KEY,
    NoiseSettings,
    key_column,
    publish_recorded,
    publish_view,
)
from geo.privacy._threshold import (
    DEFAULT_MIN_RESOLUTION,
    MODES,
    NOTICES,
    Measure,
    Mode,
    Protected,
    coarsen_cells,
    protect,
    suppress_columns,
)

__all__ = [
    "ANSWER_KEY",
    "DEFAULT_KEY_SALT",
    "DEFAULT_MIN_RESOLUTION",
    "KEY_MODULUS",
    "MEAN_NOISE",
    "MODES",
    "NOISE_BOUND",
    "NOTICES",
    "PTABLE",
    "Measure",
    "Mode",
    "NoiseSettings",
    "PerturbationTable",
    "Protected",
    "cell_keys",
    "coarsen_cells",
    "key_column",
    "key_fraction",
    "new_key_salt",
    "perturb_answer_sums",
    "protect",
    "publish_counts",
    "publish_recorded",
    "publish_view",
    "record_keys",
    "salt_fingerprint",
    "suppress_columns",
]
