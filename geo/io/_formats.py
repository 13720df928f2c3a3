"""The export formats readers know, apart from the readers: a project file names them, and a
kernel that parses ``atlas.yaml`` to open a built city need not load every reader (~9 MB)."""

from __future__ import annotations

GENERIC = "generic"
"""Format name of files read through a column mapping (or canonical column names)."""

FORMATS: dict[str, str] = {
    "chicago": "incidents",
    "sf": "incidents",
    "nypd": "incidents",
    "policeuk": "incidents",
    "osm": "venues",
}
"""Known export formats and the table each fills; any other file is ``generic``."""
