"""Canonical tables, their contracts, and the ledger of every dropped or repaired row."""

from geo.schema._contracts import check_contract, contracts
from geo.schema._options import LoadOptions
from geo.schema._report import (
    EXACT,
    LOCATION_COLUMN,
    REASON_COLUMN,
    ROW_COLUMN,
    ReportBuilder,
    ValidationReport,
)
from geo.schema._validate import (
    DAYPART_HOURS,
    VALIDATORS,
    clean_coordinates,
    daypart_of_hour,
    hours_parse,
    validate_incidents,
    validate_perceptions,
    validate_venues,
)

__all__ = [
    "CONTRACTS",
    "DAYPART_HOURS",
    "EXACT",
    "LOCATION_COLUMN",
    "REASON_COLUMN",
    "ROW_COLUMN",
    "VALIDATORS",
    "LoadOptions",
    "ReportBuilder",
    "ValidationReport",
    "check_contract",
    "contracts",
    "clean_coordinates",
    "daypart_of_hour",
    "hours_parse",
    "validate_incidents",
    "validate_perceptions",
    "validate_venues",
]


def __getattr__(name: str) -> object:
    """``CONTRACTS``: the pandera schemas, built (importing pandera) on first use."""
    if name == "CONTRACTS":
        return contracts()
    raise AttributeError(f"module 'geo.schema' has no attribute {name!r}")
