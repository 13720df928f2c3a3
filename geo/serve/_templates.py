"""Compiled page templates kept for the server's lifetime, not compiled again for every page.

Voila makes a new exporter, hence a new Jinja environment, for every page it renders, and a
Jinja environment compiles each template it loads: the ~14 templates of a lab page (ours,
Voila's and nbconvert's) took 0.3-0.46 s of the server's single thread per page open, before the
first byte of the page's head (profiled on the sample city's cold open). Neither Voila nor
nbconvert offers a setting for it (nbconvert's ``extra_loaders`` is not configurable).

Jinja's own answer is a bytecode cache shared by environments: a template's compiled code is
kept under its name and the checksum of its source, so an environment still reads every
template (an edited one is compiled afresh) but compiles it only once per server. 36 lab
templates: 0.45 s -> 0.13 s.

:func:`keep_compiled_templates` installs it and :func:`compile_page_templates` fills it when the
server starts (:mod:`geo.serve._startup`), so that the first visitor does not wait for it either.
"""

from __future__ import annotations

import logging
from functools import cache

import jinja2
from nbconvert.exporters.templateexporter import TemplateExporter

log = logging.getLogger(__name__)


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled template code in memory, by Jinja's key (template name and source checksum)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self.code.clear()


COMPILED = CompiledTemplates()
"""The server's one cache (a few hundred kB for a lab page's templates)."""


@cache
def keep_compiled_templates() -> None:
    """Every exporter's Jinja environment from now on shares :data:`COMPILED` (once per
    process; nbconvert's own environment setup is otherwise unchanged)."""
    create = TemplateExporter._create_environment

    def _create_environment(self: TemplateExporter) -> jinja2.Environment:
        environment = create(self)
        environment.bytecode_cache = COMPILED
        return environment

    TemplateExporter._create_environment = _create_environment


def compile_page_templates(template: str) -> int:
    """Compile every template Voila's page ``template`` can load into :data:`COMPILED`; returns
    how many. A template that does not compile on its own (a fragment of another kind of page)
    is left to the page that needs it; nothing here stops a server from starting."""
    from voila.exporter import VoilaExporter
    from voila.paths import collect_template_paths

    keep_compiled_templates()
    try:
        exporter = VoilaExporter(template_paths=collect_template_paths(["voila", "nbconvert"],
                                                                       template),
                                 template_name=template)
        # Voila registers these two when it renders; compiling only checks that they exist
        exporter.register_filter("highlight_code", lambda source, **_: source)
        exporter.register_filter("trusted", lambda output: output)
        environment = exporter.environment
        names = [name for name in environment.list_templates() if name.endswith(".j2")]
    except Exception:  # noqa: BLE001 (an optimisation: the page compiles what it needs)
        log.warning("page templates of %r not compiled ahead", template, exc_info=True)
        return 0
    compiled = 0
    for name in names:
        try:
            environment.get_template(name)
            compiled += 1
        except jinja2.TemplateError:
            pass
    return compiled
