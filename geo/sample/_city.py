"""The map of Sampleville: a fictional city's districts and how points are scattered in them.

The city sits on real coordinates (near 45.75 N, 4.85 E) only so that a basemap shows streets
under it; its districts deliberately do not follow real landmarks or carry real names, so
nothing it shows can be read as a statement about a real place. Districts are laid out in a
local metric frame (x east, y north, metres from the centre) and converted to WGS84 with an
equirectangular approximation, exact enough at city scale (< 0.1 % over 8 km).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

CITY_NAME = "Sampleville"
"""The fictional city's name, shown on every view of the sample."""

CENTRE_LAT = 45.75
CENTRE_LON = 4.85
"""Centre of the city (WGS84)."""

HALF_WIDTH_M = 4_000.0
HALF_HEIGHT_M = 3_000.0
"""The city spans ~8 km east-west by ~6 km north-south around its centre."""

_M_PER_DEG_LAT = 111_132.0
_M_PER_DEG_LON = 111_320.0 * float(np.cos(np.radians(CENTRE_LAT)))

DistrictKind = Literal[
    "nightlife", "station", "shopping", "business", "residential", "park", "background"
]
Shape = Literal["blob", "street", "area"]


def to_latlon(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local metres (east, north of the centre) -> (lat, lon) in degrees."""
    return CENTRE_LAT + y / _M_PER_DEG_LAT, CENTRE_LON + x / _M_PER_DEG_LON


def to_xy(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) in degrees -> local metres (east, north of the centre)."""
    return (
        (np.asarray(lon, dtype=float) - CENTRE_LON) * _M_PER_DEG_LON,
        (np.asarray(lat, dtype=float) - CENTRE_LAT) * _M_PER_DEG_LAT,
    )


def _bbox() -> tuple[float, float, float, float]:
    lat0, lon0 = to_latlon(np.array(-HALF_WIDTH_M), np.array(-HALF_HEIGHT_M))
    lat1, lon1 = to_latlon(np.array(HALF_WIDTH_M), np.array(HALF_HEIGHT_M))
    return (round(float(lon0), 6), round(float(lat0), 6), round(float(lon1), 6),
            round(float(lat1), 6))


BBOX: tuple[float, float, float, float] = _bbox()
"""Study area ``(min_lon, min_lat, max_lon, max_lat)``; every generated point lies inside."""


@dataclass(frozen=True)
class District:
    """One named part of the city, with the shape its points are scattered in.

    Parameters
    ----------
    name, kind
        Display name and what the place is (drives rates, rhythms and feelings).
    x, y
        Centre in metres east and north of the city centre.
    a, b
        Half-length along and half-width across the main axis, in metres: a ``street`` is a
        band of length 2a, a ``blob`` a Gaussian with sigma (a/2, b/2), an ``area`` a uniform
        ellipse. :meth:`contains` tests the band or ellipse of these half-axes.
    angle
        Direction of the main axis, degrees anticlockwise from east.
    shape
        ``blob`` (a compact quarter), ``street`` (a bar or shopping street), ``area`` (a park).
    """

    name: str
    kind: DistrictKind
    x: float
    y: float
    a: float
    b: float
    angle: float = 0.0
    shape: Shape = "blob"

    @property
    def centre(self) -> tuple[float, float]:
        """(lat, lon) of the district's centre."""
        lat, lon = to_latlon(np.array(self.x), np.array(self.y))
        return round(float(lat), 6), round(float(lon), 6)

    @property
    def area_km2(self) -> float:
        """Area of the band or ellipse that :meth:`contains` tests."""
        if self.shape == "street":
            return 4 * self.a * self.b / 1e6
        return float(np.pi) * self.a * self.b / 1e6

    def _local(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = to_xy(lat, lon)
        c, s = np.cos(np.radians(self.angle)), np.sin(np.radians(self.angle))
        dx, dy = x - self.x, y - self.y
        return dx * c + dy * s, -dx * s + dy * c

    def contains(self, lat: Any, lon: Any) -> np.ndarray:
        """Boolean mask of the points inside the district's core band or ellipse."""
        u, v = self._local(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
        if self.shape == "street":
            return (np.abs(u) <= self.a) & (np.abs(v) <= self.b)
        return (u / self.a) ** 2 + (v / self.b) ** 2 <= 1.0

    def scatter(self, rng: np.random.Generator, n: int, spread: float = 1.0) -> np.ndarray:
        """``n`` points (x, y metres) in this district; ``spread`` < 1 packs them tighter."""
        if self.shape == "area":
            r = np.sqrt(rng.random(n))
            t = rng.random(n) * 2 * np.pi
            u, v = self.a * spread * r * np.cos(t), self.b * spread * r * np.sin(t)
        elif self.shape == "street":
            u = rng.uniform(-self.a, self.a, n)
            v = rng.normal(0.0, self.b * spread / 2, n)
        else:
            u = rng.normal(0.0, self.a * spread / 2, n)
            v = rng.normal(0.0, self.b * spread / 2, n)
        c, s = np.cos(np.radians(self.angle)), np.sin(np.radians(self.angle))
        return np.column_stack((self.x + u * c - v * s, self.y + u * s + v * c))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description for the sample's metadata."""
        return {
            "name": self.name,
            "kind": self.kind,
            "centre": list(self.centre),
            "shape": self.shape,
            "half_axes_m": [self.a, self.b],
            "angle_deg": self.angle,
            "area_km2": round(self.area_km2, 4),
        }


DISTRICTS: tuple[District, ...] = (
    District("Rue des Lanternes", "nightlife", -900, 600, 600, 80, 20, "street"),
    District("Quai des Docks", "nightlife", 1500, -900, 700, 90, -35, "street"),
    District("Vieille Ville", "nightlife", -1800, -300, 350, 250, 10),
    District("Gare Centrale", "station", 900, 300, 350, 250, 0),
    District("Rue du Commerce", "shopping", 0, -100, 700, 80, 80, "street"),
    District("Quartier des Tours", "business", 2400, 1300, 450, 350, 30),
    District("Parc du Belvédère", "park", -2300, 1700, 800, 500, 15, "area"),
    District("Les Tilleuls", "residential", -2500, -1800, 900, 700, -10),
    District("Bellevue", "residential", 2700, -2100, 900, 600, 5),
    District("Les Coteaux", "residential", 300, 2200, 1000, 500, 0),
)
"""The named districts; everything else is background city."""

BACKGROUND = District("Sampleville", "background", 0, 0, HALF_WIDTH_M, HALF_HEIGHT_M)
"""The whole city as a zone: uniform scatter over the bbox, except inside the park."""

ZONES: tuple[District, ...] = (*DISTRICTS, BACKGROUND)
"""Districts plus the background, in the order zone codes index them."""

PARK = next(d for d in DISTRICTS if d.kind == "park")


def district(name: str) -> District:
    """The district called ``name`` (raises ``KeyError`` naming the known ones)."""
    for d in DISTRICTS:
        if d.name == name:
            return d
    raise KeyError(f"no district {name!r}; known: {[d.name for d in DISTRICTS]}")


def _background(rng: np.random.Generator, n: int) -> np.ndarray:
    """Uniform over the city, thinned inside the park: few people, hence few records, there."""
    xy = np.column_stack((
        rng.uniform(-HALF_WIDTH_M, HALF_WIDTH_M, n),
        rng.uniform(-HALF_HEIGHT_M, HALF_HEIGHT_M, n),
    ))
    for _ in range(3):  # each pass moves ~all remaining park points out; 3 leave a trickle
        lat, lon = to_latlon(xy[:, 0], xy[:, 1])
        inside = np.flatnonzero(PARK.contains(lat, lon) & (rng.random(n) < 0.9))
        if inside.size == 0:
            break
        xy[inside, 0] = rng.uniform(-HALF_WIDTH_M, HALF_WIDTH_M, inside.size)
        xy[inside, 1] = rng.uniform(-HALF_HEIGHT_M, HALF_HEIGHT_M, inside.size)
    return xy


def scatter_zones(
    rng: np.random.Generator, zone: np.ndarray, spread: float = 1.0, decimals: int = 6
) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) for points whose zone codes (indices into :data:`ZONES`) are given.

    One vectorised draw per zone, so the cost is linear in the number of points. Points are
    kept inside :data:`BBOX` (Gaussian tails are clipped) and rounded to ``decimals``, as
    exports round them (6 decimals ~ 0.1 m).
    """
    xy = np.empty((zone.size, 2))
    for code, z in enumerate(ZONES):
        rows = np.flatnonzero(zone == code)
        if rows.size:
            xy[rows] = _background(rng, rows.size) if z is BACKGROUND else z.scatter(
                rng, rows.size, spread
            )
    np.clip(xy[:, 0], -HALF_WIDTH_M, HALF_WIDTH_M, out=xy[:, 0])
    np.clip(xy[:, 1], -HALF_HEIGHT_M, HALF_HEIGHT_M, out=xy[:, 1])
    lat, lon = to_latlon(xy[:, 0], xy[:, 1])
    lat = np.clip(np.round(lat, decimals), BBOX[1], BBOX[3])
    lon = np.clip(np.round(lon, decimals), BBOX[0], BBOX[2])
    return lat, lon


def zone_codes(kind: str) -> np.ndarray:
    """Codes (indices into :data:`ZONES`) of the zones of one kind."""
    return np.array([i for i, z in enumerate(ZONES) if z.kind == kind], dtype=np.int64)
