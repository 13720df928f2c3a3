"""Display labels: how categories and respondent groups read in each language.

Data spells groups as its source does ("men 18-29"); a French page must not show that. The
project may name each one per language (``labels:`` in ``atlas.yaml``); without it, categories
use the catalogue and groups that follow the common "<gender> <age band>" pattern are written
from catalogue templates ("Hommes 18–29 ans"); anything else is shown as the data spells it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from geo.city._located import Located
from geo.columns import CATEGORIES
from geo.i18n import LANGUAGES, t

__all__ = ["LABEL_KINDS", "DisplayLabels", "default_group_label", "parse_labels"]

LABEL_KINDS: tuple[str, ...] = ("categories", "groups")
"""What ``labels:`` may name."""

_BAND = re.compile(r"^(?P<who>men|women)\s+(?P<lo>\d{1,3})\s*[-–]\s*(?P<hi>\d{1,3})$", re.I)
_OVER = re.compile(r"^(?P<who>men|women)\s+(?P<lo>\d{1,3})\s*\+$", re.I)
_EMPTY: Mapping[str, Mapping[str, str]] = MappingProxyType({})


def default_group_label(name: str, lang: str) -> str:
    """A group's label from catalogue templates, or its own spelling when no pattern fits.

    >>> default_group_label("women 18-29", "fr"), default_group_label("men 60+", "en")
    ('Femmes 18–29\\xa0ans', 'Men 60+')
    """
    text = name.strip()
    if text.lower() in ("unknown", "none", ""):
        return t("group.unknown", lang)
    for pattern, kind in ((_BAND, "band"), (_OVER, "over")):
        match = pattern.match(text)
        if match:
            who = match["who"].lower()
            return t(f"group.{who}_{kind}", lang, **{k: v for k, v in match.groupdict().items()
                                                     if k != "who"})
    return name


@dataclass(frozen=True)
class DisplayLabels:
    """Per-language labels a project gives (``{name: {lang: text}}``), over the defaults."""

    categories: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: _EMPTY)
    groups: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: _EMPTY)

    def category(self, name: str, lang: str) -> str:
        """The project's label, else the catalogue's, else the data's spelling."""
        own = self.categories.get(name, {}).get(lang)
        if own:
            return own
        key = f"category.{name}"
        text = t(key, lang)
        return name if text == key else text

    def group(self, name: str, lang: str) -> str:
        """The project's label, else the pattern default, else the data's spelling."""
        own = self.groups.get(name, {}).get(lang)
        return own or default_group_label(name, lang)


def parse_labels(doc: Located, data: Any) -> DisplayLabels:
    """Validate ``labels:`` of ``atlas.yaml`` with located errors."""
    if data is None:
        return DisplayLabels()
    if not isinstance(data, dict):
        raise doc.error(("labels",), "must be a mapping (categories, groups)")
    doc.check_keys(("labels",), data, LABEL_KINDS)
    out: dict[str, dict[str, dict[str, str]]] = {}
    for kind in LABEL_KINDS:
        entries = data.get(kind) or {}
        if not isinstance(entries, dict):
            raise doc.error(("labels", kind), 'must map names to {en: ..., fr: ...}')
        parsed = {}
        for name, texts in entries.items():
            where = ("labels", kind, name)
            if kind == "categories" and name not in CATEGORIES:
                raise doc.error(where, f"unknown category {name!r}; one of "
                                       f"{', '.join(CATEGORIES)}")
            if not isinstance(texts, dict) or not texts:
                raise doc.error(where, "must map languages to text, e.g. {en: Men 18–29, "
                                       "fr: Hommes 18–29 ans}")
            doc.check_keys(where, texts, LANGUAGES)
            for lang, text in texts.items():
                if not isinstance(text, str) or not text.strip():
                    raise doc.error((*where, lang), "must be non-empty text")
            parsed[str(name)] = MappingProxyType({k: v.strip() for k, v in texts.items()})
        out[kind] = parsed
    return DisplayLabels(categories=MappingProxyType(out["categories"]),
                         groups=MappingProxyType(out["groups"]))
