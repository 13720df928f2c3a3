"""Record keys of the cell-key method: one fixed random number per record, drawn at build time.

The cell-key method (Fraser & Wooton, "A proposed method for confidentialising tabular output to
protect against differencing", UNECE work session on statistical confidentiality, 2005; the
method of the Australian Bureau of Statistics' TableBuilder, and of the European census tables:
Giessing, "Computational issues in the design of transition probabilities and disclosure risk
estimation for additive noise", PSD 2016) gives every record a key, uniform on ``0..M-1``. A
published cell's key is the sum of the keys of the records in it, modulo ``M``: the same records
always give the same cell key (so the same view always shows the same value), and a different
set of records gives an unrelated one (so the difference of two views carries noise).

Keys are a keyed hash of the record id, not stored random draws: SipHash-2-4 (a pseudo-random
function designed to be unpredictable without its 128-bit key) through
:func:`pandas.util.hash_array`, keyed by the project's secret salt. So a build needs no state
beyond the salt, a Dask partition computes the same keys as a one-pass build, and a record keeps
its key when the data are rebuilt with new months (the noise of old views does not change).

Cell keys are additive, so the cubes hold them as a measure like any count: a record's key is
added once to **every** cube row its aoristic spread touches (a 22:00-02:00 event adds its key
to four hour slots, not a quarter of it to each). Keys stay integers, sums stay exact, and a view
that holds part of a spread event holds its key as many times as it holds its hours — any change
in which records, or which parts of them, a view holds changes its cell key. ``M`` is prime, so
a key counted ``j`` times (``j`` < ``M``) is still uniform.
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_KEY_SALT",
    "KEY_MODULUS",
    "cell_keys",
    "new_key_salt",
    "record_keys",
    "salt_fingerprint",
]

KEY_MODULUS = 1_048_573
"""``M``, the largest prime below 2**20: keys and cell keys live in ``0..M-1``. Fine enough for
any perturbation table, and small enough that a key sum over 2**33 records stays an exact
float64 integer."""

DEFAULT_KEY_SALT = "insecurity-atlas/sample-city/record-keys/v1"
"""Salt used when none is given: fixed, so the sample city and the tests are deterministic. It
is public: anyone who knows record ids could compute these keys, so a real city's build passes
its own secret (:func:`new_key_salt`, kept in the build folder, never in the project file)."""

Salt = str | bytes


def _salt_bytes(salt: Salt | None) -> bytes:
    value = DEFAULT_KEY_SALT if salt is None else salt
    if isinstance(value, str):
        value = value.encode("utf-8")
    if not isinstance(value, bytes) or not value:
        raise ValueError("a key salt must be a non-empty str or bytes")
    return value


def _hash_key(salt: Salt | None) -> str:
    """The 16-byte SipHash key pandas wants, as a str of 16 ASCII characters (112 bits)."""
    digest = hashlib.blake2b(_salt_bytes(salt), digest_size=16, person=b"atlas-reckey").digest()
    return "".join(chr(b & 0x7F) for b in digest)


def salt_fingerprint(salt: Salt | None) -> str:
    """A short public name of a salt, stored with a cube so a mismatch can be caught.

    One-way: it says whether two builds used the same salt, not what the salt is.

    Examples
    --------
    >>> salt_fingerprint(None) == salt_fingerprint(DEFAULT_KEY_SALT) != salt_fingerprint("x")
    True
    """
    return hashlib.blake2b(_salt_bytes(salt), digest_size=8, person=b"atlas-saltid").hexdigest()


def new_key_salt() -> str:
    """A fresh random secret salt for a city build (64 hex characters, 256 bits)."""
    return secrets.token_hex(32)


def record_keys(ids: pd.Series | np.ndarray | list, salt: Salt | None = None) -> np.ndarray:
    """The fixed key of each record, uniform on ``0..KEY_MODULUS-1``, from its id and the salt.

    Parameters
    ----------
    ids
        Record ids (``incident_id``, ``response_id``); compared as text, missing as ``""``.
    salt
        The project's secret; default :data:`DEFAULT_KEY_SALT` (sample city, tests).

    Returns
    -------
    numpy.ndarray
        ``int64`` keys, one per id.

    Examples
    --------
    >>> record_keys(["a", "b", "a"]).tolist() == record_keys(["a", "b", "a"]).tolist()
    True
    >>> bool((record_keys(["a"], "s1") != record_keys(["a"], "s2")).all())
    True
    """
    values = pd.Series(ids, dtype="string").fillna("").to_numpy(dtype=object)
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    hashed = pd.util.hash_array(values, hash_key=_hash_key(salt), categorize=False)
    return (hashed % np.uint64(KEY_MODULUS)).astype(np.int64)


def cell_keys(key_sums: np.ndarray) -> np.ndarray:
    """Cell keys ``0..M-1`` from key sums (floats from ``np.bincount`` or int64 cube sums).

    Examples
    --------
    >>> cell_keys(np.array([0.0, KEY_MODULUS + 5.0, 3.0])).tolist()
    [0, 5, 3]
    """
    # rounded to integers first: an integer remainder is ~5x cheaper than a float one
    return np.rint(np.asarray(key_sums, dtype=float)).astype(np.int64) % KEY_MODULUS
