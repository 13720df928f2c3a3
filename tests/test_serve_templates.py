"""What a server does once at its start (geo/serve/_startup.py): page templates compiled once,
not once per page (geo/serve/_templates.py); no log record built that no handler wants."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest
from nbconvert.exporters.templateexporter import TemplateExporter
from voila.app import Voila

from geo.serve import JUPYTER_DIR, TEMPLATE
from geo.serve._kernel import DashboardKernelSpecs
from geo.serve._provisioner import FORK_ENV
from geo.serve._startup import skip_unheard_records
from geo.serve._templates import COMPILED, keep_compiled_templates, page_exporter


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names of the templates Jinja compiles from source from now on (a cache hit compiles
    nothing), with an empty cache to start from."""
    names: list[str] = []
    compile_source = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, raw=False, defer_init=False):
        names.append(name)
        return compile_source(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    COMPILED.clear()
    yield names
    COMPILED.clear()


PAGE_TEMPLATES = ("index.html.j2", "lab/index.html.j2", "base.html.j2",
                  "voila_setup.macro.html.j2")
"""Templates a render of our page loads, by the names it asks for: ours, the lab page it
extends, the base that one extends, and the macros ours imports."""


def load_page_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's templates in a new exporter, as Voila makes one for every page it renders."""
    monkeypatch.setenv("JUPYTER_PATH", str(JUPYTER_DIR))
    environment = page_exporter(TEMPLATE).environment
    for name in PAGE_TEMPLATES:
        environment.get_template(name)


def test_the_server_compiles_its_page_templates_once_when_it_starts(
    compiles: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_PATH", str(JUPYTER_DIR))
    monkeypatch.setenv(FORK_ENV, "0")  # no zygote for this test process
    DashboardKernelSpecs()  # as every server we start creates it
    started = list(compiles)
    assert set(PAGE_TEMPLATES) <= set(started)
    for _ in range(2):  # two visitors' pages
        load_page_templates(monkeypatch)
    assert compiles == started, "a page compiled its templates again"


def test_an_edited_template_is_compiled_afresh(
    compiles: list[str], tmp_path: Path
) -> None:
    keep_compiled_templates()
    page = tmp_path / "page.html.j2"
    page.write_text("one {{ 1 + 1 }}")

    def render() -> str:
        exporter = TemplateExporter(template_paths=[str(tmp_path)])
        return exporter.environment.get_template(page.name).render()

    assert render() == "one 2"
    assert render() == "one 2"
    assert len(compiles) == 1
    page.write_text("two {{ 2 + 2 }}")
    assert render() == "two 4"
    assert len(compiles) == 2


@pytest.mark.parametrize(("level", "debug_heard"), [(logging.INFO, False), (logging.DEBUG, True)])
def test_the_server_builds_no_debug_record_unless_asked(
    level: int, debug_heard: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_PATH", str(JUPYTER_DIR))
    monkeypatch.setenv(FORK_ENV, "0")
    app = Voila(log_level=level)  # INFO: Voila's default; DEBUG: `voila --debug`
    assert app.log.isEnabledFor(logging.DEBUG), "traitlets' logger lets DEBUG through"
    DashboardKernelSpecs(parent=app)
    assert app.log.isEnabledFor(logging.DEBUG) is debug_heard
    assert app.log.isEnabledFor(logging.INFO)


def test_a_logger_whose_records_go_elsewhere_too_is_left_alone() -> None:
    logger = logging.getLogger("atlas-test-propagating")
    handler = logging.NullHandler(logging.WARNING)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.propagate = True  # the root's handlers may want DEBUG
        skip_unheard_records(logger)
        assert logger.level == logging.DEBUG
        logger.propagate = False
        skip_unheard_records(logger)
        assert logger.level == logging.WARNING
    finally:
        logger.removeHandler(handler)
