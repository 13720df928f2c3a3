"""Errors a user may see: each says what file, what was expected and what was found."""

from __future__ import annotations

from collections.abc import Iterable


class AtlasError(Exception):
    """Base of every error the atlas raises on purpose (never a bare traceback for users)."""


class FileFormatError(AtlasError):
    """A file is not what it claims: wrong columns, wrong delimiter, not a table, unknown CRS.

    Parameters
    ----------
    path
        The file, as the user named it.
    problem
        One sentence saying what is wrong.
    expected, found
        Column names expected and actually found, when the problem is about columns.
    """

    def __init__(
        self,
        path: str,
        problem: str,
        *,
        expected: Iterable[str] = (),
        found: Iterable[str] = (),
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.expected = tuple(expected)
        self.found = tuple(found)
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [f"{self.path}: {self.problem}"]
        if self.expected:
            parts.append("expected columns: " + ", ".join(self.expected))
        if self.expected or self.found:
            parts.append("found columns: " + (", ".join(self.found) or "(none)"))
        return "\n  ".join(parts)


class MappingError(AtlasError):
    """A column-mapping file is malformed or names columns the data file does not have."""
