"""English and French text for every label the atlas shows, from gettext catalogues (DESIGN §7).

Message ids are stable dotted keys (``legend.recorded.title``, ``reason.missing_coordinates``,
``bivariate.high_low``) rather than English sentences, so the English wording can change
without orphaning its translations, and modules below the map layer can name a label without
knowing any language. The ``.po`` files under ``geo/locale`` are the only source: they are
compiled to ``.mo`` in memory on first use (with Babel), so there is no build step and no
binary file to commit. A missing French message falls back to English, then to the key itself,
so a gap in a catalogue shows up as text rather than as a blank or a crash.

Numbers go into messages already formatted for the language (:func:`number`): French writes
``0,42`` and ``12 345``.
"""

from __future__ import annotations

import functools
import gettext
import io
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "MONTHS",
    "WEEKDAYS",
    "Language",
    "catalogue_path",
    "keys",
    "month_names",
    "note",
    "number",
    "placeholders",
    "reason",
    "t",
    "translator",
    "weekday_names",
]

Language = Literal["en", "fr"]
LANGUAGES: tuple[str, ...] = ("en", "fr")
"""Languages with a catalogue; English is complete by construction and is the fallback."""

DEFAULT_LANGUAGE = "en"
DOMAIN = "atlas"
LOCALE_DIR = Path(__file__).parent / "locale"
"""Standard gettext layout: ``<lang>/LC_MESSAGES/atlas.po``."""

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Key suffixes of ``weekday.*``, ``weekday.long.*`` and ``night.*``, Monday first (ISO 8601)."""

MONTHS: tuple[str, ...] = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
)
"""Key suffixes of ``month.*``."""


def _check(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {LANGUAGES}")
    return lang


def catalogue_path(lang: str) -> Path:
    """Path of the ``.po`` source of one language."""
    return LOCALE_DIR / _check(lang) / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _catalogue(lang: str) -> Catalog:
    """The parsed ``.po`` file; ``abort_invalid`` so a syntax error fails loudly, not silently."""
    with catalogue_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN, abort_invalid=True)


@functools.cache
def _translations(lang: str) -> gettext.GNUTranslations:
    """The catalogue compiled to ``.mo`` in memory, chained to English for missing messages."""
    buffer = io.BytesIO()
    write_mo(buffer, _catalogue(lang))  # fuzzy and empty messages are left out, so they fall back
    buffer.seek(0)
    translations = gettext.GNUTranslations(buffer)
    if lang != DEFAULT_LANGUAGE:
        translations.add_fallback(_translations(DEFAULT_LANGUAGE))
    return translations


def translator(lang: str) -> Callable[[str], str]:
    """A ``key -> text`` function for one language, for code that looks up many labels.

    Parameters
    ----------
    lang
        One of :data:`LANGUAGES`.

    Returns
    -------
    Callable[[str], str]
        Unknown keys fall back to the English text, then to the key itself.

    Raises
    ------
    ValueError
        For a language without a catalogue.

    Examples
    --------
    >>> _ = translator("fr")
    >>> _("app.title"), _("no.such.key")
    ("Atlas de l'insécurité", 'no.such.key')
    """
    return _translations(_check(lang)).gettext


def t(key: str, /, lang: str = DEFAULT_LANGUAGE, **fmt: object) -> str:
    """The text of ``key`` in ``lang``, with ``{placeholders}`` filled from ``fmt``.

    Without ``fmt`` the text is returned as stored, braces included, so a template can be
    passed on and filled later.

    Raises
    ------
    ValueError
        For an unknown language.
    KeyError
        When the message names a placeholder that ``fmt`` does not give.

    Examples
    --------
    >>> t("summary.spearman", "fr", rho=number(0.42, "fr", 2), n=120)
    'Corrélation de rang de Spearman\\xa0: 0,42 (n = 120)'
    """
    text = translator(lang)(key)
    if not fmt:
        return text
    try:
        return text.format(**fmt)
    except KeyError as exc:
        raise KeyError(f"message {key!r} ({lang}) needs placeholder {exc}: {text!r}") from None


def keys(lang: str) -> set[str]:
    """Every message key of one language's catalogue (the header excluded)."""
    return {str(message.id) for message in _catalogue(_check(lang)) if message.id}


def placeholders(text: str) -> set[str]:
    """Names of the ``{placeholders}`` in a message, format specs and conversions ignored.

    >>> sorted(placeholders("{hour:02d}:00 – {n} {x!r}"))
    ['hour', 'n', 'x']
    """
    names = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None:
            names.add(re.split(r"[.\[]", field, maxsplit=1)[0])
    return names


def reason(code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Readable text of a ValidationReport reason such as ``missing_coordinates``.

    A reason with no message yet reads as its words (``some_new_reason`` -> "some new reason")
    rather than as a dotted key, so a new reader never shows a raw key to a user.
    """
    key = f"reason.{code}"
    text = translator(lang)(key)
    return code.replace("_", " ") if text == key else text


@functools.cache
def _note_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """A regex per English ``note.*`` message, placeholders as named groups."""
    out = []
    for key in sorted(k for k in keys(DEFAULT_LANGUAGE) if k.startswith("note.")):
        parts = []
        for literal, field, _, _ in string.Formatter().parse(t(key)):
            parts.append(re.escape(literal))
            if field is not None:
                parts.append(f"(?P<{field}>.+?)")
        out.append((key, re.compile("".join(parts) + r"\Z")))
    return tuple(out)


def note(text: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A ValidationReport note, which geo.io writes in English, in ``lang``.

    The note is matched against the English ``note.*`` messages (their placeholders match any
    text) and rewritten with the same values; a note no message matches (a GDAL warning, say)
    is returned unchanged.

    >>> note("read as ';'-delimited", "fr")
    "lu avec le séparateur ';'"
    """
    _check(lang)
    for key, pattern in _note_patterns():
        match = pattern.match(text)
        if match:
            return t(key, lang, **match.groupdict())
    return text


def weekday_names(lang: str = DEFAULT_LANGUAGE, long: bool = False) -> tuple[str, ...]:
    """Weekday names, Monday first, short (``Fri``, ``ven.``) or long."""
    prefix = "weekday.long." if long else "weekday."
    _ = translator(lang)
    return tuple(_(prefix + day) for day in WEEKDAYS)


def month_names(lang: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    """Short month names, January first."""
    _ = translator(lang)
    return tuple(_(f"month.{month}") for month in MONTHS)


def number(value: float, lang: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """A number written the way the language writes it, to put into a message.

    Babel's CLDR data gives the separators: ``12,345.68`` in English, ``12 345,68`` (narrow
    no-break space) in French.

    >>> number(12345.678, "en", 2), number(0.5, "fr", 2)
    ('12,345.68', '0,50')
    """
    try:  # a legend formats the same few bounds many times per slider move (~0.3 ms each)
        return _number(value, type(value), repr(value), lang, decimals)
    except TypeError:  # unhashable
        return _format_number(value, lang, decimals)


@functools.lru_cache(maxsize=4096)
def _number(value: float, _kind: type, _text: str, lang: str, decimals: int) -> str:
    """:func:`_format_number`, remembered; keyed by the value's type and repr too, so values
    that compare equal but print apart (``0.0`` and ``-0.0``, a float32) never share a text."""
    return _format_number(value, lang, decimals)


def _format_number(value: float, lang: str, decimals: int) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=_check(lang))
