"""The analyst map's change and trend layers, and the cell's monthly chart (issue 15)."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest

from geo.app import AtlasApp
from geo.app._cell_chart import cell_chart_html, month_bars_svg, shown_months
from geo.app._change_layer import (
    FEWER,
    FEWER_STRONG,
    MORE,
    MORE_STRONG,
    MUTED,
    change_cell_line,
    change_fill,
    change_style,
    periods,
    selected_range,
    trend_style,
)
from geo.classes import SUPPRESSED_COLOR
from geo.compare import PeriodChange, compare_periods, monthly_trends
from geo.metrics import Atlas, Query
from tests.test_compare_periods import AFTER, BEFORE, DISTRICTS, _city

SPLIT = dt.date(2025, 7, 1)


@pytest.fixture(scope="module")
def doubled() -> Atlas:
    """Six districts over 2025; district 4 records twice as much from 1 July."""
    return Atlas(_city(np.random.default_rng(7), per_district=300, doubled=4))


@pytest.fixture(autouse=True)
def no_page_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUERY_STRING", raising=False)


def _all_nights(app: AtlasApp) -> None:
    c = app.controls
    with app._mute():
        c.resolution.value = 8
        c.all_times.value = True
        c.weekdays.value = c.weekdays.options
    app.refresh()


def _fills(app: AtlasApp) -> dict[int, str]:
    return {int(f["properties"]["cell"], 16): f["properties"]["style"]["fillColor"]
            for f in app.hexes.visible_features()}


def test_periods_follow_the_baseline_and_default_to_the_last_28_nights(doubled: Atlas) -> None:
    last = doubled.incident_cube.last_night
    assert selected_range(doubled, Query()) == (last - dt.timedelta(days=27), last)
    q = Query(date_from=dt.date(2025, 10, 1), date_to=dt.date(2025, 10, 31))
    assert periods(doubled, q, "previous") == (
        (dt.date(2025, 8, 31), dt.date(2025, 9, 30)), (dt.date(2025, 10, 1), dt.date(2025, 10, 31)))
    assert periods(doubled, q, "year_earlier")[0] == (dt.date(2024, 10, 1), dt.date(2024, 10, 31))
    # a split date outside the selection cuts the whole data there
    before, after = periods(doubled, q, "split", SPLIT)
    assert before == (doubled.incident_cube.first_night, dt.date(2025, 6, 30))
    assert after == (SPLIT, last)
    with pytest.raises(ValueError, match="baseline"):
        periods(doubled, q, "yesterday")


def test_the_doubled_district_is_drawn_more_recorded_and_the_rest_muted_or_hidden(
    doubled: Atlas,
) -> None:
    change = compare_periods(doubled, Query(resolution=8), BEFORE, AFTER)
    style = change_style(change, "en", 5, [])
    fills = dict(zip(style.cells.tolist(), style.fill, strict=True))
    centre = h3i.latlng_to_cell(*DISTRICTS[4], 8)
    assert fills[centre] in (MORE, MORE_STRONG)
    keys = change.table.set_index("cell")["change"]
    for cell, fill in fills.items():
        if keys[cell] == "change.no_clear":
            assert fill == MUTED
        if keys[cell] == "change.not_compared":
            assert fill == SUPPRESSED_COLOR
    assert {fills[h3i.latlng_to_cell(*d, 8)] for i, d in enumerate(DISTRICTS) if i != 4} == {MUTED}
    dashed = dict(zip(style.cells.tolist(), style.dashed, strict=True))
    assert all(dashed[c] == (keys[c] == "change.not_compared") for c in dashed)
    legend = style.legend
    assert "rate ratio, recorded incidents per night" in legend
    assert "more recorded" in legend and "fewer recorded" in legend and "no clear change" in legend
    assert not re.search(r"(?i)danger|unsafe|worse|better", legend)
    # PuOr around a muted grey, hidden grey: no red = bad anywhere
    assert set(style.fill) <= {MORE_STRONG, MORE, MUTED, FEWER, FEWER_STRONG, SUPPRESSED_COLOR}


def test_change_fill_grades_significant_cells_only() -> None:
    keys = np.array(["change.more", "change.more", "change.no_clear", "change.fewer",
                     "change.fewer", "change.not_compared"])
    ratios = np.array([3.0, 1.4, 5.0, 0.7, 0.3, np.nan])
    assert change_fill(keys, ratios, 2.0, 0.5).tolist() == [
        MORE_STRONG, MORE, MUTED, FEWER, FEWER_STRONG, SUPPRESSED_COLOR]


def test_the_app_switches_to_change_with_the_city_line_and_cell_detail(doubled: Atlas) -> None:
    app = AtlasApp(doubled)
    _all_nights(app)
    recorded = _fills(app)
    app.controls.layer.value = "change"
    app.baseline.value = "split"
    app.split_date.value = SPLIT
    fills = _fills(app)
    assert fills != recorded and app.time_box.layout.display == ""
    centre = h3i.latlng_to_cell(*DISTRICTS[4], 8)
    assert fills[centre] in (MORE, MORE_STRONG)
    summary = app.summary.value
    assert "City-wide:" in summary and "recorded in 181 nights" in summary
    assert "Selected period 2025-07-01" in summary
    app._on_hover(properties={"cell": format(centre, "x")})
    assert "Change: ratio" in app.info.value
    app.select_cell(centre)
    detail = app.detail.value
    assert "Change: ratio" in detail and "more recorded" in detail
    assert "atlas-month" in detail and "atlas-dusk" in detail and "atlas-dawn" in detail
    # published counts only: the detail's counts are the view's own published counts
    row = app._time_state[1].table.set_index("cell").loc[centre]
    assert f"{row['before']:,.0f} recorded in 181 nights" in detail
    app.set_language("fr")
    assert "Toute la ville" in app.summary.value and "davantage enregistrés" in app.legend.value
    app.controls.layer.value = "recorded"
    assert app.time_box.layout.display == "none" and "City-wide" not in app.summary.value


def test_perceived_option_compares_survey_waves_or_says_why_not(doubled: Atlas) -> None:
    app = AtlasApp(doubled)  # no survey at all: the perceived option explains itself
    _all_nights(app)
    app.controls.layer.value = "change"
    assert app.change_of.layout.display == "none"  # no dated answers: no perceived option
    app.change_of.value = "perceived"  # as a shared link may still ask
    assert "survey answers carry no dates" in app.summary.value
    assert app.hexes.visible_features() == []


def test_perceived_waves_with_dated_answers() -> None:
    from geo.sample import generate_city

    city = generate_city(seed=5, incidents=6_000, app_reports=1_500, perceptions=3_000, venues=80)
    atlas = Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata)
    app = AtlasApp(atlas)
    app.controls.layer.value = "change"
    assert app.change_of.layout.display == ""
    app.baseline.value = "split"
    app.change_of.value = "perceived"
    summary = app.summary.value
    assert "Change in perceived insecurity" in app.legend.value
    assert "feel less safe than before" in summary and "Selected period" in summary
    table = app._time_state[1]
    fills = _fills(app)
    compared = table[table["change"] != "change.not_compared"]
    assert len(compared) and all(fills[int(c)] == MUTED for c in
                                 compared.loc[compared["change"] == "change.no_clear", "cell"])


def test_trend_layer_classes_and_city_series(doubled: Atlas) -> None:
    trends = monthly_trends(doubled, Query(resolution=8))
    style = trend_style(trends, "en", [])
    assert len(style.cells) == len(trends.cells)
    assert "Mann-Kendall" in style.legend and "no clear trend" in style.legend
    app = AtlasApp(doubled)
    _all_nights(app)
    app.controls.layer.value = "trend"
    assert "City-wide recorded incidents per night" in app.summary.value
    assert "<polyline" in app.summary.value and "increasing" in app.summary.value


def test_the_month_chart_never_shows_1_to_k_minus_1() -> None:
    months = [dt.date(2025, m, 1) for m in range(1, 7)]
    counts = np.array([0.0, np.nan, 3.0, 5.0, 12.0, 1.0])
    values, hidden = shown_months(counts, 5)
    assert hidden.tolist() == [False, True, True, False, False, True]
    svg = month_bars_svg(pd.DataFrame({"month": months, "incidents": counts}), 5, "en")
    assert svg.count('class="atlas-hidden-month"') == 3
    assert svg.count('class="atlas-month"') == 3
    shown = re.findall(r"<title>2025-\d\d: ([^<]*)</title>", svg)
    assert shown == ["0", "hidden", "hidden", "5", "12", "hidden"]
    french = cell_chart_html(pd.DataFrame({"month": months, "incidents": counts}), 5, [], "fr")
    assert "masqué" in french and "moins de 5" in french


def test_a_cell_hidden_in_one_period_says_hidden_never_its_count() -> None:
    table = pd.DataFrame({
        "cell": np.array([1, 2], dtype=np.uint64), "before": [np.nan, 8.0], "after": [6.0, 9.0],
        "rate_ratio": [np.nan, 1.125], "rr_lo": [np.nan, 0.4], "rr_hi": [np.nan, 3.1],
        "p": [np.nan, 1.0], "q": [np.nan, 1.0],
        "change": ["change.not_compared", "change.no_clear"]})
    change = PeriodChange((dt.date(2025, 1, 1), dt.date(2025, 1, 28)),
                          (dt.date(2025, 1, 29), dt.date(2025, 2, 25)), (28, 28), table, {})
    hidden = change_cell_line(change, 1, "en")
    assert "hidden recorded in 28 nights, then 6 in 28 nights" in hidden and "ratio" not in hidden
    assert "ratio 1.12 (0.40–3.10); 8 recorded" in change_cell_line(change, 2, "en")
    assert "masqué" in change_cell_line(change, 1, "fr")
    assert change_cell_line(change, 3, "en") is None


def _rows(html_text: str) -> list[list[str]]:
    """Rows of a table as cell texts (tags stripped, entities read back)."""
    rows = re.findall(r"<tr>(.*?)</tr>", html_text)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c))
             for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)] for r in rows]


def test_the_table_tab_lists_the_change_or_trend_per_cell(doubled: Atlas) -> None:
    app = AtlasApp(doubled)
    _all_nights(app)
    app.controls.layer.value = "change"
    app.baseline.value = "split"
    app.split_date.value = SPLIT
    app.side.selected_index = list(app.side.children).index(app.table)
    header, *rows = _rows(app.table.value)
    assert header[:4] == ["Cell", "Change", "rate ratio, recorded incidents per night "
                          "(after / before)", "95 % interval"]
    assert header[4].startswith("Recorded before (181 nights")
    change = app._time_state[1]
    assert len(rows) == len(change.table)
    centre = h3i.latlng_to_cell(*DISTRICTS[4], 8)
    row = next(r for r in rows if r[0] == format(centre, "x"))
    published = change.table.set_index("cell").loc[centre]
    assert row[1] == "more recorded" and row[4] == f"{published['before']:,.0f}"
    assert rows[0][1] == "more recorded"  # flagged cells first
    k = app.result.k
    for text in (r[i] for r in rows for i in (4, 5)):
        assert text in (f"< {k}", "0") or float(text.replace(",", "")) >= k, text
    app.controls.layer.value = "trend"
    header, *rows = _rows(app.table.value)
    assert header[1:] == ["Trend", "Kendall's tau", "Months published / all months"]
    months = len(app._time_state[1].months)
    assert rows and all(r[3].endswith(f"/ {months}") for r in rows)
    assert {r[1] for r in rows} <= {"increasing records", "decreasing records", "no clear trend",
                                     "too few months to tell"}
    app.controls.layer.value = "recorded"
    assert _rows(app.table.value)[0][1] == "Incidents"


def test_the_change_table_writes_a_hidden_count_as_below_k() -> None:
    from geo.app._time_table import change_table_html

    table = pd.DataFrame({
        "cell": np.array([1, 2], dtype=np.uint64), "before": [np.nan, 8.0], "after": [6.0, 9.0],
        "rate_ratio": [np.nan, 1.125], "rr_lo": [np.nan, 0.4], "rr_hi": [np.nan, 3.1],
        "p": [np.nan, 1.0], "q": [np.nan, 1.0],
        "change": ["change.not_compared", "change.no_clear"]})
    change = PeriodChange((dt.date(2025, 1, 1), dt.date(2025, 1, 28)),
                          (dt.date(2025, 1, 29), dt.date(2025, 2, 25)), (28, 28), table, {})
    rows = _rows(change_table_html(change, "en", 5))[1:]
    assert rows == [["2", "no clear change", "1.12", "0.40 – 3.10", "8", "9"],
                    ["1", "not compared: too few records in a period", "—", "—", "< 5", "6"]]
    assert "masqués" in change_table_html(change, "fr", 5)


def test_the_perceived_table_lists_both_waves_and_flagged_cells_first() -> None:
    from geo.app._time_table import perceived_table_html

    table = pd.DataFrame({
        "cell": np.array([1, 2], dtype=np.uint64), "before": [0.4, np.nan],
        "after": [0.45, 0.6], "difference": [0.05, np.nan], "diff_lo": [-0.02, np.nan],
        "diff_hi": [0.12, np.nan], "p": [0.2, np.nan], "q": [0.2, np.nan],
        "change": ["change.no_clear", "change.not_compared"]})
    header, *rows = _rows(perceived_table_html(table, "en", 5))
    assert header[4:] == ["Mean perceived insecurity, first wave",
                          "Mean perceived insecurity, second wave"]
    assert rows == [["1", "no clear change", "0.05", "-0.02 – 0.12", "0.40", "0.45"],
                    ["2", "not compared: too few records in a period", "—", "—", "—", "0.60"]]


def test_every_message_of_the_time_layers_is_in_both_catalogues() -> None:
    from geo.app import _cell_chart, _change_layer, _present_layers, _time_layers, _time_table
    from geo.app._change_layer import BASELINES, CHANGE_OF
    from geo.i18n import keys

    used = set()
    for module in (_cell_chart, _change_layer, _time_layers, _time_table, _present_layers):
        used |= set(re.findall(r'\bt\(\s*"([a-z_.]+)"', Path(module.__file__).read_text()))
    used |= {f"change.baseline.{b}" for b in BASELINES} | {f"change.of.{c}" for c in CHANGE_OF}
    used |= {"layer.change", "layer.trend", "howto.change", "howto.trend"}
    assert len(used) > 30
    for lang in ("en", "fr"):
        assert sorted(used - keys(lang)) == []


def _pixels_of(png: bytes, colour: str) -> int:
    """How many pixels of a PNG are exactly ``colour`` (``#rrggbb``)."""
    import io

    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    want = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((rgb == want).all(axis=1).sum())


def test_figure_and_report_of_the_change_layer_draw_its_classes(doubled: Atlas,
                                                                 tmp_path: Path) -> None:
    """What the map shows is what the figure and the council report's map show: the
    district that doubled in the change colours, which the recorded figure never uses."""
    import base64

    app = AtlasApp(doubled)
    _all_nights(app)
    recorded = app.export("png").read_bytes()
    assert _pixels_of(recorded, MORE) + _pixels_of(recorded, MORE_STRONG) == 0
    app.controls.layer.value = "change"
    app.baseline.value = "split"
    app.split_date.value = SPLIT
    assert app.time_classes is not None and "change.more" in set(
        app._time_state[1].table["change"])
    change = app.export("png").read_bytes()
    assert _pixels_of(change, MORE) + _pixels_of(change, MORE_STRONG) > 50
    assert _pixels_of(change, MUTED) > 50  # the districts that did not change
    _, page = app.council_report(tmp_path)
    embedded = re.search(r'src="data:image/png;base64,([^"]+)"', page.read_text())
    assert embedded is not None
    png = base64.b64decode(embedded.group(1))
    assert _pixels_of(png, MORE) + _pixels_of(png, MORE_STRONG) > 50
    app.controls.layer.value = "trend"
    assert app.time_classes is not None and app.time_classes.title.startswith("Trend")
    app.controls.layer.value = "recorded"
    assert app.time_classes is None
