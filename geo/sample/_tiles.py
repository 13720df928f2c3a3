"""City- and metro-sized test cities: Sampleville's district layout tiled over a larger area.

Real cities are 10-30 times the sample's 8 x 6 km (a Chicago-sized city has ~34k occupied res-10
cells, a metro 100k+), and the map, the kernels and the benchmarks must be measured at those
sizes. Rather than invent a second geography, a size repeats the sample's layout (its districts,
hence its rhythms and feelings) on a grid of tiles: every row drawn for the sample is moved to
one tile, chosen with a mild centre-to-edge gradient (downtown busier than the outskirts), and
every other tile is mirrored east-west so that the repetition does not read as a pattern.
All three tables are spread, so incidents, perceptions and venues cover the same area.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from geo.sample._city import HALF_HEIGHT_M, HALF_WIDTH_M, to_latlon, to_xy

Size = Literal["sample", "city", "metro"]
SIZES: tuple[str, ...] = ("sample", "city", "metro")


@dataclass(frozen=True)
class Tiling:
    """A grid of ``cols`` x ``rows`` copies of the 8 x 6 km layout, centred on the sample."""

    cols: int = 1
    rows: int = 1

    def __post_init__(self) -> None:
        if self.cols < 1 or self.rows < 1:
            raise ValueError(f"a tiling needs at least 1 x 1 tiles, got {self.cols} x {self.rows}")

    @property
    def tiles(self) -> int:
        return self.cols * self.rows

    def offsets(self) -> tuple[np.ndarray, np.ndarray]:
        """Metres east and north of each tile's centre from the city centre (tile order)."""
        col, row = np.divmod(np.arange(self.tiles), self.rows)
        return ((col - (self.cols - 1) / 2) * 2 * HALF_WIDTH_M,
                (row - (self.rows - 1) / 2) * 2 * HALF_HEIGHT_M)

    def weights(self) -> np.ndarray:
        """Share of rows per tile: 1 at the centre falling to ~0.6 at the far corners."""
        dx, dy = self.offsets()
        distance = np.hypot(dx / (2 * HALF_WIDTH_M), dy / (2 * HALF_HEIGHT_M))
        w = 1.0 / (1.0 + 0.12 * distance)
        return w / w.sum()

    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat) of the whole tiled area."""
        half_x, half_y = self.cols * HALF_WIDTH_M, self.rows * HALF_HEIGHT_M
        lat0, lon0 = to_latlon(np.array(-half_x), np.array(-half_y))
        lat1, lon1 = to_latlon(np.array(half_x), np.array(half_y))
        return (round(float(lon0), 6), round(float(lat0), 6), round(float(lon1), 6),
                round(float(lat1), 6))

    def spread(
        self, rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, decimals: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Move each point of the one-tile layout into a tile drawn by :meth:`weights`."""
        if self.tiles == 1:
            return lat, lon
        tile = rng.choice(self.tiles, size=np.asarray(lat).size, p=self.weights())
        x, y = to_xy(lat, lon)
        dx, dy = self.offsets()
        col, row = np.divmod(tile, self.rows)
        mirrored = (col + row) % 2 == 1
        x = np.where(mirrored, -x, x) + dx[tile]
        lat2, lon2 = to_latlon(x, y + dy[tile])
        west, south, east, north = self.bbox()  # rounding must not step out of the study area
        return (np.clip(np.round(lat2, decimals), south, north),
                np.clip(np.round(lon2, decimals), west, east))


@dataclass(frozen=True)
class SizePreset:
    """What ``atlas sample --size`` makes: the tiling and each table's row count."""

    tiling: Tiling
    incidents: int
    app_reports: int
    perceptions: int
    venues: int


PRESETS: dict[str, SizePreset] = {
    "sample": SizePreset(Tiling(1, 1), 60_000, 10_000, 6_000, 320),
    # 32 x 24 km (768 km², Chicago-like): 1M incidents give ~40k occupied res-10 cells.
    "city": SizePreset(Tiling(4, 4), 900_000, 100_000, 60_000, 3_000),
    # 56 x 42 km (2,350 km²): 3M incidents give ~120k occupied res-10 cells.
    "metro": SizePreset(Tiling(7, 7), 2_700_000, 300_000, 150_000, 8_000),
}
"""The sizes ``atlas sample --size`` knows; occupied-cell counts are checked by tests."""
