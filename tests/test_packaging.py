"""The project's own files install everything: pyproject and environment.yml stay in step."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import yaml

from tests.conftest import REPO

# conda-forge names that differ from PyPI names
CONDA_NAME = {"h3": "h3-py"}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", requirement)
    assert match, requirement
    return match.group(1).lower(), match.group(3).replace(" ", "")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    return dict(_split(r) for r in reqs)


def _environment() -> dict[str, str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep.get("pip", []):
                if not pip_dep.startswith("-e"):
                    name, spec = _split(pip_dep)
                    out[name] = spec
        elif not dep.startswith(("python", "pip")):
            name, spec = _split(dep)
            out[name] = spec
    return out


def test_environment_yml_lists_the_same_dependencies_as_pyproject() -> None:
    expected = {CONDA_NAME.get(n, n): spec for n, spec in _pyproject().items()}
    assert _environment() == expected


def test_console_script_is_installed_and_answers() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "geo.cli", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("sample", "validate"):
        assert command in out.stdout


def test_modules_below_the_map_layer_import_no_widgets() -> None:
    code = (
        "import sys, geo.schema, geo.io, geo.sample, geo.cli\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('ipywidgets', 'ipyleaflet')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
