"""Sampleville: a seeded, synthetic city-year of records, feelings and venues (DESIGN §9).

The project ships a generator, not downloads. ``generate_city`` builds the three canonical
tables from one seed (vectorised, so millions of incidents are cheap), ``write_city`` writes
them in the formats the readers take in, and ``ensure_sample`` makes the default sample on
first use. Every table and file is labelled synthetic.
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
from geo.sample._time import SPECIAL_NIGHTS
from geo.sample._write import ensure_sample, venues_geojson, write_city

__all__ = [
    "BBOX",
    "CITY_NAME",
    "DEFAULT_SEED",
    "DISTRICTS",
    "GENERATOR_NAME",
    "GENERATOR_VERSION",
    "NOTICE",
    "SPECIAL_NIGHTS",
    "District",
    "SampleCity",
    "district",
    "ensure_sample",
    "generate_city",
    "venues_geojson",
    "write_city",
]
