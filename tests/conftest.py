"""Shared fixtures: paths of the repo and of the real export slices in ../shared/formats."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need(condition: bool, why: str) -> None:
    """Skip locally when a prerequisite is missing, but fail on CI, where it must be there."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required on CI: {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def formats_dir() -> Path:
    """../shared/formats beside the clone; tests using it fail (not skip) when CI=true."""
    shared = ("shared", "formats")
    for candidate in (REPO.parent.joinpath(*shared), REPO.parent.parent.joinpath(*shared)):
        if candidate.is_dir():
            return candidate
    need(False, "../shared/formats is missing")
    raise AssertionError("unreachable")
