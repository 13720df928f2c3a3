"""YAML with line numbers, so a mistake in ``atlas.yaml`` is reported where it is.

PyYAML's composed node tree knows where every value starts; we keep a map from a value's path
(``("sources", "incidents", 0, "path")``) to its 1-based line while turning the nodes into plain
Python values with the safe constructor.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import AtlasError

if TYPE_CHECKING:
    import yaml

PathKey = tuple[str | int, ...]


class ProjectError(AtlasError):
    """``atlas.yaml`` (or a file it names) is wrong: the message says where and how to fix it."""

    def __init__(self, file: str | Path, line: int | None, problem: str) -> None:
        self.file = str(file)
        self.line = line
        self.problem = problem
        where = f"{self.file}:{line}" if line else self.file
        super().__init__(f"{where}: {problem}")


class Located:
    """A parsed YAML document and the line of each value in it."""

    def __init__(self, file: str | Path, data: Any, lines: dict[PathKey, int]) -> None:
        self.file = str(file)
        self.data = data
        self.lines = lines

    def line(self, path: PathKey) -> int | None:
        """The line of ``path``, or of its nearest parent that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def error(self, path: PathKey, problem: str) -> ProjectError:
        where = ".".join(str(p) for p in path)
        return ProjectError(self.file, self.line(path), f"{where}: {problem}" if where else problem)

    def check_keys(self, path: PathKey, data: dict, allowed: Iterable[str]) -> None:
        """Every key of ``data`` is allowed; else a located error with a "did you mean"."""
        allowed = tuple(allowed)
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.error((*path, key), f"unknown key {key!r}{hint}; allowed: "
                                               f"{', '.join(allowed)}")


def load_located(path: str | Path) -> Located:
    """Parse a YAML file keeping the line of every value; :class:`ProjectError` if unreadable."""
    import yaml  # a kernel's import of geo.city does not need the parser

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(path, None, f"cannot read: {exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ProjectError(path, line, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    lines: dict[PathKey, int] = {}
    data = _value(node, (), lines) if node is not None else {}
    return Located(path, data, lines)


def _value(node: yaml.Node, path: PathKey, lines: dict[PathKey, int]) -> Any:
    import yaml

    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            out[key] = _value(value_node, (*path, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_value(item, (*path, i), lines) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    import yaml

    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
