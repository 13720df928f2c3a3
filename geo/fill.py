"""The colours of many cells as a palette and one index per cell.

A res-10 city styles ~50k cells per slider move. As 50k ``#rrggbb`` strings, every step after
the classes (choosing hidden cells, digesting the view, turning colours into the bytes the map
receives) hashes or copies those strings again: ~12 ms of a ~80 ms move. A :class:`Fill` keeps
the form the map needs from the start and makes strings only when someone reads them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Fill(Sequence[str]):
    """One colour per cell: ``palette[index[i]]`` is cell ``i``'s ``#rrggbb``.

    Reads as a sequence of colour strings (``len``, ``fill[i]``, iteration,
    ``np.asarray(fill)``); ``fill[mask]`` or ``fill[positions]`` is a Fill of those cells.
    """

    palette: tuple[str, ...]
    index: np.ndarray
    """Integer positions in ``palette``, one per cell."""

    @classmethod
    def of(cls, colours: Fill | Sequence[str] | np.ndarray) -> Fill:
        """``colours`` as a Fill (a Fill is returned as it is)."""
        if isinstance(colours, Fill):
            return colours
        import pandas as pd  # hashed once by pandas, not looked up colour by colour

        index, palette = pd.factorize(np.asarray(colours, dtype=object).reshape(-1))
        return cls(tuple(str(c) for c in palette), _small(index, len(palette)))

    @classmethod
    def indexed(cls, palette: Sequence[str], index: np.ndarray) -> Fill:
        """Cell ``i`` painted ``palette[index[i]]`` (the index kept in a byte when it fits)."""
        return cls(tuple(palette), _small(np.asarray(index), len(palette)))

    @classmethod
    def of_classes(cls, colours: Sequence[str], index: np.ndarray, missing: str) -> Fill:
        """Class ``index`` per cell into ``colours``, ``-1`` (no class) painted ``missing``."""
        palette = (*colours, missing)
        index = np.asarray(index)
        return cls(palette, _small(np.where(index < 0, len(palette) - 1, index), len(palette)))

    def where(self, mask: np.ndarray, colour: str) -> Fill:
        """This fill with the cells of ``mask`` painted ``colour``."""
        palette = (*self.palette, colour)
        return Fill(palette, _small(np.where(mask, len(palette) - 1, self.index), len(palette)))

    def codes(self) -> tuple[np.ndarray, list[str]]:
        """Each cell's position in the sorted list of the colours used, and that list (what a
        map sends as one byte per cell)."""
        used = np.flatnonzero(np.bincount(self.index, minlength=len(self.palette)))
        colours = sorted({self.palette[i] for i in used.tolist()})
        rank = np.zeros(len(self.palette), dtype=np.intp)
        rank[used] = [colours.index(self.palette[i]) for i in used.tolist()]
        return rank[self.index], colours

    def digest_parts(self) -> tuple[bytes, bytes]:
        """Bytes that identify these colours (for a view digest), without making strings."""
        return "\n".join(self.palette).encode(), np.ascontiguousarray(self.index).tobytes()

    def __len__(self) -> int:
        return int(self.index.size)

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, (int, np.integer)):
            return self.palette[int(self.index[key])]
        return Fill(self.palette, self.index[key])

    def __iter__(self) -> Iterator[str]:
        palette = self.palette
        return (palette[i] for i in self.index.tolist())

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        strings = np.asarray(self.palette, dtype=object)[self.index]
        return strings if dtype is None else strings.astype(dtype)


def _small(index: np.ndarray, colours: int) -> np.ndarray:
    """``index`` in one byte per cell when the palette allows (a view's fill is kept until the
    next draw: 50k cells as 8-byte integers would be 0.4 MB a kernel)."""
    return index.astype(np.uint8 if colours <= 256 else np.intp, copy=False)
