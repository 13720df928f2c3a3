"""requirements.lock, pyproject.toml and the installed venv tell the same story.

The first tests read files only and run everywhere. The last ones look at the venv the tests run
in: made by `make install` from the lock (as on CI), it must hold exactly the locked versions plus
this checkout as an editable install; `make test-latest`'s venv is skipped on purpose.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests import lockfile
from tests.conftest import need


@pytest.fixture(scope="module")
def pins() -> list[lockfile.Pin]:
    return lockfile.read_lock()


def test_lock_pins_each_package_once_exactly_with_hashes(pins: list[lockfile.Pin]) -> None:
    names = [pin.name for pin in pins]
    assert len(names) > 100, "the lock looks truncated"
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
    for pin in pins:
        specs = list(pin.requirement.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", pin.requirement
        assert "*" not in specs[0].version, pin.requirement
        assert not pin.requirement.marker and not pin.requirement.url, pin.requirement
        assert pin.hashes and all(h.startswith("sha256:") for h in pin.hashes), pin.name
        assert pin.via, f"{pin.name}: no `# via` annotation; regenerate with make lock"


def test_every_declared_dependency_is_locked_within_its_range(pins: list[lockfile.Pin]) -> None:
    locked = {pin.name: pin.version for pin in pins}
    problems = []
    for place, requirements in lockfile.declared().items():
        for req in requirements:
            version = locked.get(canonicalize_name(req.name))
            if version is None:
                problems.append(f"{req} ({place}) is not in the lock")
            elif not req.specifier.contains(version, prereleases=True):
                problems.append(f"{req} ({place}) but the lock has {version}")
    assert problems == [], "run `make lock`:\n" + "\n".join(problems)


def test_the_lock_takes_its_direct_dependencies_from_pyproject_and_nothing_else(
    pins: list[lockfile.Pin],
) -> None:
    """What uv recorded as asked for by pyproject is what pyproject asks for now, and every other
    pin is there because a locked package needs it (no leftovers of a removed dependency)."""
    asked = {
        canonicalize_name(req.name)
        for place, reqs in lockfile.declared().items()
        if place != "build-system.requires"  # uv doesn't read it; the test above covers it
        for req in reqs
    }
    direct = {p.name for p in pins if any(v.startswith(lockfile.DIRECT_VIA) for v in p.via)}
    assert sorted(asked - direct) == [], "in pyproject, not locked as asked for: run make lock"
    assert sorted(direct - asked) == [], "locked as asked for by pyproject, which no longer does"

    by_name = {pin.name: pin for pin in pins}
    reached = set(direct)
    grew = True
    while grew:
        grew = False
        for pin in pins:
            parents = {canonicalize_name(v.split()[0]) for v in pin.via if v[0].isalnum()}
            if pin.name not in reached and parents & reached:
                reached.add(pin.name)
                grew = True
    assert sorted(by_name.keys() - reached) == [], "pins nothing asked for needs: run make lock"


# --- the venv these tests run in -------------------------------------------------------------


@pytest.fixture(scope="module")
def lock_venv() -> dict:
    """The installed distributions, when this venv was made from the lock by `make install`."""
    stamp = Path(sys.prefix) / ".installed"
    need(stamp.is_file(), f"{sys.prefix} was not made by `make install`")
    made_from = stamp.read_text().strip()
    if made_from == "latest":
        pytest.skip("make test-latest: the newest allowed versions, not the lock, by design")
    assert made_from == lockfile.LOCK.name, f"unexpected stamp {stamp}: {made_from!r}"
    found = lockfile.installed()
    doubles = sorted(name for name, dists in found.items() if len(dists) > 1)
    assert doubles == [], f"installed twice in {lockfile.site_packages()}: {doubles}"
    return {name: dists[0] for name, dists in found.items()}


def test_installed_versions_are_exactly_the_lock(lock_venv: dict, pins) -> None:
    want = {pin.name: pin.version for pin in pins}
    assert lockfile.diff_against_lock() == [], "the venv is not the lock: run `make install`"
    have = {n: Version(d.version) for n, d in lock_venv.items() if n != lockfile.PROJECT}
    assert have == want
    # and as pip itself reports it (pip, setuptools and uv included; the project is editable)
    freeze = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    frozen = [Requirement(line) for line in freeze if line and not line.startswith("#")]
    by_pip = {canonicalize_name(r.name): Version(next(iter(r.specifier)).version) for r in frozen}
    assert by_pip == want


def test_the_project_is_this_checkout_installed_editable(lock_venv: dict) -> None:
    dist = lock_venv.get(lockfile.PROJECT)
    assert dist is not None, "insecurity-atlas is not installed: run `make install`"
    project = lockfile.pyproject()["project"]
    assert dist.version == project["version"]
    direct_url = json.loads(dist.read_text("direct_url.json") or "{}")
    assert direct_url.get("dir_info", {}).get("editable") is True, direct_url
    assert direct_url["url"] == lockfile.REPO.as_uri(), "installed from another checkout"
    # its metadata is current: the dependencies pyproject declares now
    requires = {str(Requirement(r)) for r in dist.requires or []}
    extras = project["optional-dependencies"]
    wanted = {str(Requirement(r)) for r in project["dependencies"]} | {
        str(Requirement(f'{r}; extra == "{extra}"')) for extra, rs in extras.items() for r in rs
    }
    assert requires == wanted, "pyproject changed since the editable install: run `make install`"


def test_the_lock_holds_what_the_declared_dependencies_need_and_nothing_more(
    lock_venv: dict, pins
) -> None:
    """Following installed metadata from the project (with its test extra) and the install group
    reaches every locked package and no other: no hand-added pin, none missing (uv pip sync
    installs the lock as it is, without checking dependencies)."""
    roots = [Requirement(f"{lockfile.PROJECT}[test]")]
    roots += lockfile.declared()[f"dependency-groups.{lockfile.INSTALL_GROUP}"]
    reached = lockfile.needed(roots, lock_venv) - {lockfile.PROJECT}
    locked = {pin.name for pin in pins}
    assert sorted(locked - reached) == [], "locked but needed by nothing declared"
    assert sorted(reached - locked) == [], "needed but not in the lock"
