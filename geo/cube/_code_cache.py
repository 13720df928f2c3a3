"""The codes of one cube, per resolution and datedness: made once, or memory-mapped from a build."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from geo.cube._aggregate import aggregate_table
from geo.cube._codes import CubeCodes
from geo.index import parents_of

if TYPE_CHECKING:
    from geo.cube._incidents import IncidentCube


class CubeIndex:
    """Cache of :class:`CubeCodes` per resolution for one cube (the only mutable piece).

    It lives inside the frozen cube, so the cache goes wherever the cube goes and dies with it.
    """

    def __init__(self, cube: IncidentCube) -> None:
        self._cube = cube
        self._codes: dict[tuple[int, bool], CubeCodes] = {}
        self.mapped: Path | None = None
        """A build's ``codes/`` folder: resolutions written there are memory-mapped, not built."""
        self._mapped_keys: set[tuple[int, bool]] = set()

    def codes(self, resolution: int | None = None, *, dated: bool = False) -> CubeCodes:
        """Codes at ``resolution`` (default: the cube's), built on first use then kept.

        Views without a date range or sun window ask for undated codes (``dated=False``): the
        night date summed out, so a year of nights does not multiply the rows every slider
        move scans (1M incidents at res 9: 0.35M rows instead of 0.99M). Dated codes are built
        the first time a view filters by date.
        """
        cube = self._cube
        res = cube.resolution if resolution is None else int(resolution)
        if res > cube.resolution:
            raise ValueError(f"cube is at resolution {cube.resolution}, cannot refine to {res}")
        if (res, dated) not in self._codes and self.mapped is not None:
            from geo.cube._mapped import read_mapped_codes

            mapped = read_mapped_codes(self.mapped, res, dated=dated)
            if mapped is not None:
                # One resolution mapped at a time: the pages of the one a map just left stay
                # in the page cache (mapped again in a few ms), not resident in this kernel
                # (~15 MB at res 9 on the city-sized sample).
                for key in [k for k in self._mapped_keys if k[0] != res]:
                    self._mapped_keys.discard(key)
                    self._codes.pop(key, None)
                self._codes[res, dated] = mapped
                self._mapped_keys.add((res, dated))
        if (res, dated) not in self._codes:
            table = cube.table
            keys = tuple(c for c in cube.KEY_COLUMNS if dated or c != "night")
            if res != cube.resolution or not dated:
                replace = {}
                if res != cube.resolution:
                    replace["cell"] = parents_of(table["cell"].to_numpy(), res)
                table = aggregate_table(table, keys, cube.MEASURES, replace=replace)
            self._codes[res, dated] = CubeCodes.from_table(table, res)
        return self._codes[res, dated]

    def clear(self) -> None:
        """Forget every cached resolution (to free memory)."""
        self._codes.clear()
        self._mapped_keys.clear()
