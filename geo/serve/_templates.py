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

:func:`keep_compiled_templates` installs it; :class:`~geo.serve._kernel.DashboardKernelSpecs`
calls it, being the one class of ours that every server we start creates.
"""

from __future__ import annotations

from functools import cache

import jinja2
from nbconvert.exporters.templateexporter import TemplateExporter


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
