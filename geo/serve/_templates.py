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
from jinja2 import meta
from nbconvert.exporters.templateexporter import TemplateExporter
from voila.exporter import VoilaExporter
from voila.paths import collect_template_paths

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


def page_exporter(template: str) -> VoilaExporter:
    """A new exporter of Voila's page ``template``, as Voila makes one for every page, with the
    two filters Voila registers only when it renders (compiling checks that they exist)."""
    exporter = VoilaExporter(template_paths=collect_template_paths(["voila", "nbconvert"],
                                                                   template),
                             template_name=template)
    exporter.register_filter("highlight_code", lambda source, **_: source)
    exporter.register_filter("trusted", lambda output: output)
    return exporter


def compile_page_templates(template: str) -> int:
    """Compile the templates a page of ``template`` loads into :data:`COMPILED`: its entry
    template and every template that one extends, includes or imports, by the names a render
    asks for (14 of the 84 on the search path for ours); returns how many. A name given by an
    expression is left to the page that loads it, and nothing here stops a server from
    starting."""
    keep_compiled_templates()
    try:
        exporter = page_exporter(template)
        environment = exporter.environment
    except Exception:  # noqa: BLE001 (an optimisation: the page compiles what it needs)
        log.warning("page templates of %r not compiled ahead", template, exc_info=True)
        return 0
    todo, seen, compiled = [exporter.template_file], set(), 0
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            source = environment.loader.get_source(environment, name)[0]
            environment.get_template(name)
        except jinja2.TemplateError:
            continue
        compiled += 1
        todo.extend(found for found in meta.find_referenced_templates(environment.parse(source))
                    if found)
    return compiled
