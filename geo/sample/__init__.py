"""Sampleville: a seeded, synthetic city-year of records, feelings and venues (DESIGN §9).

The project ships a generator, not downloads. ``generate_city`` builds the three canonical
tables from one seed (vectorised, so millions of incidents are cheap), ``write_city`` writes
them in the formats the readers take in, ``write_partitioned_city`` writes sets too large for
memory chunk by chunk, and ``ensure_sample`` makes the default sample on first use.
``PRESETS`` tile the layout into city- and metro-sized test cities. Every table and file is
labelled synthetic.
"""

from geo.sample._city import BBOX, CITY_NAME, DISTRICTS, District, district
from geo.sample._generate import (
    DEFAULT_SEED,
    GENERATOR_NAME,
    GENERATOR_VERSION,
    NOTICE,
    SampleCity,
    generate_city,
)
from geo.sample._partitioned import (
    DEFAULT_ROWS_PER_PARTITION,
    INCIDENTS_DIR,
    is_complete,
    partition_sizes,
    write_partitioned_city,
)
from geo.sample._tiles import PRESETS, SIZES, SizePreset, Tiling
from geo.sample._time import SPECIAL_NIGHTS
from geo.sample._write import ensure_sample, venues_geojson, write_city

__all__ = [
    "BBOX",
    "CITY_NAME",
    "DEFAULT_ROWS_PER_PARTITION",
    "DEFAULT_SEED",
    "DISTRICTS",
    "GENERATOR_NAME",
    "GENERATOR_VERSION",
    "INCIDENTS_DIR",
    "NOTICE",
    "PRESETS",
    "SIZES",
    "SPECIAL_NIGHTS",
    "District",
    "SampleCity",
    "SizePreset",
    "Tiling",
    "district",
    "ensure_sample",
    "generate_city",
    "is_complete",
    "partition_sizes",
    "venues_geojson",
    "write_city",
    "write_partitioned_city",
]
