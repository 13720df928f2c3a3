"""Display labels: a project's own words for categories and groups, and sensible defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.app._controls import Controls
from geo.city import DisplayLabels, ProjectError, default_group_label, load_project

PROJECT = """\
city: X
timezone: UTC
labels:
  groups:
    "men 18-29": {en: "Young men", fr: "Jeunes hommes"}
  categories:
    theft: {fr: "Vols simples"}
sources: {incidents: [a.csv]}
"""


@pytest.mark.parametrize(
    ("name", "en", "fr"),
    [
        ("women 18-29", "Women 18–29", "Femmes 18–29\u00a0ans"),
        ("men 60+", "Men 60+", "Hommes de 60\u00a0ans et plus"),
        ("unknown", "Group not given", "Groupe non renseigné"),
        ("students", "students", "students"),
    ],
)
def test_groups_of_the_gender_age_pattern_read_in_each_language(name, en, fr) -> None:
    assert default_group_label(name, "en") == en
    assert default_group_label(name, "fr") == fr


def test_a_project_names_its_own_groups_and_categories(tmp_path: Path) -> None:
    (tmp_path / "atlas.yaml").write_text(PROJECT)
    labels = load_project(tmp_path).labels
    assert labels.group("men 18-29", "fr") == "Jeunes hommes"
    assert labels.group("women 18-29", "fr") == "Femmes 18–29\u00a0ans"  # default still
    assert labels.category("theft", "fr") == "Vols simples"
    assert labels.category("theft", "en") == "Theft"  # no English given: the catalogue
    controls = Controls(("police",), ("men 18-29", "women 18-29"), "fr", labels=labels)
    assert controls.groups.labels == [
        "Jeunes hommes", "Femmes 18–29\u00a0ans"]
    controls.relabel("en")
    assert controls.groups.labels[0] == "Young men"


@pytest.mark.parametrize(
    ("block", "line", "words"),
    [
        ("labels:\n  group: {}\n", 4, "did you mean 'groups'"),
        ("labels:\n  categories:\n    theftt: {en: x}\n", 5, "unknown category 'theftt'"),
        ("labels:\n  groups:\n    a: {de: x}\n", 5, "unknown key 'de'"),
        ("labels:\n  groups:\n    a: {en: ''}\n", 5, "must be non-empty text"),
        ("labels:\n  groups:\n    a: text\n", 5, "must map languages to text"),
    ],
)
def test_label_errors_name_the_line(tmp_path: Path, block: str, line: int, words: str) -> None:
    (tmp_path / "atlas.yaml").write_text(
        "city: X\ntimezone: UTC\n" + block + "sources: {incidents: [a.csv]}\n")
    with pytest.raises(ProjectError) as err:
        load_project(tmp_path)
    assert words in str(err.value) and f"atlas.yaml:{line}:" in str(err.value)


def test_no_labels_means_the_defaults() -> None:
    assert DisplayLabels().category("drugs", "fr") == "Stupéfiants"
