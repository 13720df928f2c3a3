"""Catalogues: complete, in step between languages, and in step with the code that names keys."""

from __future__ import annotations

import ast
import doctest
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import geo.i18n
from geo.classes import SCHEMES
from geo.columns import CATEGORIES, DAYPARTS, SOURCES_KNOWN, TIME_PRECISIONS
from geo.compare._labels import BIVARIATE_KEYS, HOTSPOT_KEYS, LABELS, LOCAL_KEYS
from geo.i18n import (
    LANGUAGES,
    MONTHS,
    WEEKDAYS,
    keys,
    month_names,
    note,
    number,
    placeholders,
    reason,
    t,
    translator,
    weekday_names,
)
from geo.privacy import NOTICES
from tests.conftest import REPO

SOURCE_DIRS = (REPO / "geo" / "schema", REPO / "geo" / "io")


def messages(lang: str) -> dict[str, str]:
    """Key -> stored text, read straight from the .po file (not through gettext)."""
    with geo.i18n.catalogue_path(lang).open("rb") as handle:
        catalog = read_po(handle, abort_invalid=True)
    return {str(m.id): str(m.string) for m in catalog if m.id}


def python_files() -> Iterator[tuple[Path, ast.Module]]:
    for directory in SOURCE_DIRS:
        for path in sorted(directory.rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def reasons_in_source() -> dict[str, str]:
    """Reason literals the readers and validators write into a ReportBuilder -> where.

    An AST rather than a line regex, so calls split over lines are found too. The reason is
    ``ReportBuilder.drop(frame, mask, reason)``'s third argument and ``repair``/``flag``'s
    first; a pandas ``frame.drop(columns=...)`` has neither and is ignored. Counters filled
    before a builder exists (``repaired["decoded_as_cp1252"] += n``) count too.
    """
    found: dict[str, str] = {}

    def add(node: ast.expr | None, path: Path, line: int) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.setdefault(node.value, f"{path.relative_to(REPO)}:{line}")

    for path, tree in python_files():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                position = {"drop": 2, "repair": 0, "flag": 0}.get(node.func.attr)
                if position is None:
                    continue
                if len(node.args) > position:
                    add(node.args[position], path, node.lineno)
                for keyword in node.keywords:
                    if keyword.arg == "reason":
                        add(keyword.value, path, node.lineno)
            elif isinstance(node, ast.Subscript):
                target = node.value
                name = target.attr if isinstance(target, ast.Attribute) else getattr(
                    target, "id", "")
                if name in ("dropped", "repaired", "flagged"):
                    add(node.slice, path, node.lineno)
    return found


def notes_in_source() -> dict[str, str]:
    """Sample texts of the notes geo.io writes (f-string fields filled with "7") -> where."""
    found: dict[str, str] = {}

    def sample(node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value if isinstance(v, ast.Constant) else "7" for v in node.values)
        return None

    for path, tree in python_files():
        constants: dict[str, ast.expr] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value
                    if re.search(r"(?i)(^|_)note$", target.id) and sample(node.value):
                        found[sample(node.value)] = f"{path.relative_to(REPO)}:{node.lineno}"
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            receiver = node.func.value
            is_note = node.func.attr == "note" or (
                node.func.attr == "append" and isinstance(receiver, ast.Name)
                and receiver.id == "notes")
            if not (is_note and node.args):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Name):
                arg = constants.get(arg.id, arg)
            text = sample(arg)
            if text is not None:
                found[text] = f"{path.relative_to(REPO)}:{node.lineno}"
    return found


# --- the catalogues themselves ---------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_parses_with_every_message_filled(lang: str) -> None:
    stored = messages(lang)
    assert len(stored) > 200
    assert not [k for k, v in stored.items() if not v.strip()]
    assert keys(lang) == set(stored)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_serves_every_stored_message(lang: str) -> None:
    # write_mo leaves fuzzy entries out; a fuzzy flag would silently fall back to English.
    _ = translator(lang)
    stored = messages(lang)
    assert {k: _(k) for k in stored} == stored


def test_english_and_french_have_the_same_keys() -> None:
    en, fr = keys("en"), keys("fr")
    assert sorted(en - fr) == [] and sorted(fr - en) == []


def test_keys_are_dotted_and_no_message_equals_its_key() -> None:
    for lang in LANGUAGES:
        stored = messages(lang)
        assert all(re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", k) for k in stored)
        assert [k for k, v in stored.items() if v == k] == []


def test_placeholders_match_between_languages() -> None:
    en, fr = messages("en"), messages("fr")
    mismatched = {
        k: (sorted(placeholders(en[k])), sorted(placeholders(fr[k])))
        for k in en
        if placeholders(en[k]) != placeholders(fr[k])
    }
    assert mismatched == {}
    # t() takes the language as a keyword: a placeholder of that name could never be filled.
    assert not any("lang" in placeholders(v) for v in en.values())


def test_no_message_calls_a_place_dangerous() -> None:
    # DESIGN §5: the map shows records and feelings, not verdicts on places.
    for lang in LANGUAGES:
        offending = {k: v for k, v in messages(lang).items() if re.search(r"(?i)danger", v)}
        assert offending == {}


def test_french_typography_uses_no_break_spaces() -> None:
    fr = messages("fr")
    assert {k: v for k, v in fr.items() if re.search(r" [:;!?%»]|« ", v)} == {}
    assert {k: v for k, v in fr.items() if '"' in v} == {}


# --- in step with the code -------------------------------------------------------------------


def test_every_reason_written_by_schema_and_io_has_a_message() -> None:
    found = reasons_in_source()
    # The scan itself must work: a few known reasons, including a call split over two lines
    # and a counter filled before the builder exists.
    assert {"missing_coordinates", "lat_lon_swapped", "opening_hours_missing",
            "malformed_line_wrong_field_count", "decoded_as_cp1252"} <= set(found)
    missing = {r: where for r, where in found.items() if f"reason.{r}" not in keys("en")}
    assert missing == {}


def test_every_note_written_by_io_translates() -> None:
    found = notes_in_source()
    assert len(found) >= 6
    untranslated = {text: where for text, where in found.items() if note(text, "fr") == text}
    assert untranslated == {}


def test_comparison_labels_and_privacy_notices_keep_their_keys_and_english_text() -> None:
    en = messages("en")
    for source in (LABELS, NOTICES):
        for key, english in source.items():
            assert key in keys("fr")
            assert en[key] == english, key
    assert set(BIVARIATE_KEYS) | set(HOTSPOT_KEYS) | set(LOCAL_KEYS) <= keys("fr")


def test_closed_vocabularies_have_messages() -> None:
    needed = (
        [f"category.{c}" for c in CATEGORIES]
        + [f"source.{s}" for s in SOURCES_KNOWN]
        + [f"precision.{p}" for p in TIME_PRECISIONS]
        + [f"daypart.{d}" for d in DAYPARTS]
        + [f"scheme.{s}" for s in SCHEMES]
        + [f"{prefix}.{d}" for prefix in ("weekday", "weekday.long", "night") for d in WEEKDAYS]
        + [f"month.{m}" for m in MONTHS]
        + [f"lang.{lang}" for lang in LANGUAGES]
    )
    assert sorted(set(needed) - keys("fr")) == []


DASHBOARD_KEYS = """
app.title app.subtitle
layer.recorded layer.perceived layer.gap layer.bivariate layer.hotspots layer.venues
metric.incidents metric.incidents_per_night metric.incidents_per_km2 metric.mean_insecurity
metric.answers unit.incidents unit.incidents_per_night unit.incidents_per_km2 unit.insecurity
unit.answers
ui.layer ui.metric ui.class_scheme ui.classes ui.resolution ui.hours ui.weekdays ui.categories
ui.sources ui.groups ui.k ui.basemap ui.language basemap.none basemap.light basemap.osm
legend.recorded.title legend.no_data legend.hidden legend.too_few_answers legend.open
legend.closed legend.hours_unknown
summary.cells_shown summary.cells_hidden_k summary.time_left_out summary.spearman summary.caveat
detail.by_hour detail.distribution detail.interval detail.venues_open
data.sample data.upload_incidents data.upload_perceptions data.upload_venues data.mapping
data.report data.rows_in data.rows_kept data.rows_merged data.rows_dropped data.rows_repaired
data.download_dropped
export.table_geojson export.table_csv export.table_geoparquet export.figure_png
export.figure_pdf export.caption export.synthetic
progress.loading progress.cubes progress.comparing
empty.no_cells empty.no_answers
present.next present.previous present.play present.pause present.hour present.synthetic
""".split()


def test_dashboard_vocabulary_is_present() -> None:
    assert sorted(set(DASHBOARD_KEYS) - keys("fr")) == []


# --- the API ---------------------------------------------------------------------------------


def test_lookups_and_formatting() -> None:
    assert t("app.title") == "Insecurity Atlas"
    assert t("app.title", lang="fr") == "Atlas de l'insécurité"
    assert t("legend.hidden", "en", k=5) == "Hidden: fewer than 5 reports"
    assert t("legend.hidden", "fr", k=5) == "Masqué\u00a0: moins de 5 signalements"
    assert t("legend.hidden", "fr") == "Masqué\u00a0: moins de {k} signalements"  # template
    assert t("time.hour", "en", hour=2) == "02:00"
    assert t("time.hour", "fr", hour=2) == "2\u00a0h"
    with pytest.raises(KeyError, match="summary.spearman"):
        t("summary.spearman", "en", rho="0.4")


def test_unknown_language_is_an_error() -> None:
    for call in (lambda: translator("de"), lambda: t("app.title", "de"), lambda: keys("de")):
        with pytest.raises(ValueError, match="de"):
            call()


def test_unknown_key_falls_back_to_the_key() -> None:
    assert translator("fr")("no.such.key") == "no.such.key"
    assert t("no.such.key", "en") == "no.such.key"


@pytest.fixture
def partial_locale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A locale dir whose French catalogue lacks a key English has."""
    po = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    for lang, body in {
        "en": 'msgid "a.both"\nmsgstr "Both"\n\nmsgid "a.only_en"\nmsgstr "English only"\n',
        "fr": 'msgid "a.both"\nmsgstr "Les deux"\n\nmsgid "a.only_en"\nmsgstr ""\n',
    }.items():
        path = tmp_path / lang / "LC_MESSAGES" / "atlas.po"
        path.parent.mkdir(parents=True)
        path.write_text(po + body, encoding="utf-8")
    caches = (geo.i18n._catalogue, geo.i18n._translations, geo.i18n._note_patterns)
    for cache in caches:
        cache.cache_clear()
    monkeypatch.setattr(geo.i18n, "LOCALE_DIR", tmp_path)
    yield
    for cache in caches:
        cache.cache_clear()


@pytest.mark.usefixtures("partial_locale")
def test_missing_french_message_falls_back_to_english() -> None:
    _ = translator("fr")
    assert (_("a.both"), _("a.only_en"), _("a.none")) == ("Les deux", "English only", "a.none")


def test_reasons_and_notes_read_as_text() -> None:
    assert reason("missing_coordinates") == "Missing coordinates"
    assert reason("missing_coordinates", "fr") == "Coordonnées manquantes"
    assert reason("some_new_reason", "fr") == "some new reason"
    assert note("read as ';'-delimited", "fr") == "lu avec le séparateur ';'"
    assert note("a GDAL warning", "fr") == "a GDAL warning"
    assert note("no data rows: the file has a header only") == (
        "no data rows: the file has a header only")


def test_calendar_names_are_monday_first() -> None:
    assert weekday_names("en") == ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    assert weekday_names("fr", long=True)[4] == "vendredi"
    assert t("night.fri", "fr") == "nuit du vendredi au samedi"
    assert t("night.sun", "fr") == "nuit du dimanche au lundi"
    assert month_names("fr")[1] == "févr." and len(month_names("en")) == 12


def test_numbers_follow_the_language() -> None:
    assert number(0.4234, "en", 2) == "0.42"
    assert number(0.4234, "fr", 2) == "0,42"
    assert number(12345, "fr") == "12\u202f345"


def test_doctests() -> None:
    result = doctest.testmod(geo.i18n)
    assert result.attempted > 0 and result.failed == 0


def test_no_widget_imports() -> None:
    code = (
        "import sys, geo.i18n\n"
        "geo.i18n.t('app.title', 'fr')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('ipywidgets', 'ipyleaflet')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_number_remembered_never_mixes_values_that_print_apart():
    import numpy as np

    from geo.i18n import number

    for _ in range(2):  # the second round is served from the cache
        assert number(-0.0, "en", 2) == "-0.00" and number(0.0, "en", 2) == "0.00"
        assert number(np.float32(0.1), "en", 12) == "0.100000000000"
        assert number(0.1 + 1e-12, "en", 12) == "0.100000000001"
        assert number(12345.678, "fr", 2) == "12\u202f345,68"
