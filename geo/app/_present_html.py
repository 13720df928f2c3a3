"""HTML of the presentation's texts: the clock, a scene's title and note, the footer notes.

Plain functions returning strings (as :mod:`geo.app._panels` is for the analyst page), so what a
room reads, privacy note included, is testable headless.
"""

from __future__ import annotations

import html

import pandas as pd

from geo.app._scenes import Scene, SceneDeck
from geo.i18n import number, t
from geo.metrics import QueryResult


def open_count(states: pd.DataFrame | None) -> tuple[int, int]:
    """Venues open, and all venues (0, 0 without venues)."""
    if states is None:
        return 0, 0
    return int((states["state"] == "open").sum()), len(states)


def clock_html(shown: str, venues_open: tuple[int, int], lang: str) -> str:
    """The clock on the map: the hour or window ``shown`` and how many venues are open."""
    opened, total = venues_open
    venues = (
        t("present.venues_open", lang, open=number(opened, lang), total=number(total, lang))
        if total
        else t("empty.no_venues", lang)
    )
    return (
        '<div class="atlas-clock" role="status" aria-live="polite">'
        f'<div class="atlas-clock-label">{html.escape(t("present.hour", lang))}</div>'
        f'<div class="atlas-clock-hour">{html.escape(shown)}</div>'
        f'<div class="atlas-clock-venues">{html.escape(venues)}</div></div>'
    )


def counter_html(index: int, deck: SceneDeck, lang: str) -> str:
    """"Scene i of n" (``index`` is 0-based)."""
    return (
        f'<span class="atlas-present-counter">'
        f"{html.escape(t('present.scene', lang, i=index + 1, n=len(deck)))}</span>"
    )


def scene_header_html(scene: Scene, lang: str, lines: tuple[str, ...] = ()) -> str:
    """The scene's title, its note when it has one, then ``lines`` (a change scene's periods
    and city-wide change, said in words as well as in colours)."""
    note = scene.text("note", lang)
    said = "".join(f'<p class="atlas-present-note atlas-change-line">{html.escape(x)}</p>'
                   for x in lines)
    return f'<h1 class="atlas-present-title">{html.escape(scene.text("title", lang))}</h1>' + (
        f'<p class="atlas-present-note">{html.escape(note)}</p>' if note else ""
    ) + said


def error_header_html(message: str, lang: str) -> str:
    """What the page shows instead of a scene when the scene file cannot be read."""
    return (
        f'<h1 class="atlas-present-title">{html.escape(t("present.error", lang))}</h1>'
        f'<div class="atlas-error" role="alert"><pre>{html.escape(message)}</pre></div>'
    )


def foot_notes_html(
    deck: SceneDeck,
    scene: Scene,
    k: int,
    lang: str,
    *,
    synthetic: bool,
    notices: list[str],
    privacy: list[str] | None = None,
) -> str:
    """The footer line: deck title, synthetic badge, the privacy notes of the view drawn (the
    floor ``k`` in force, the noise) and that the scene asked for less, then the presenter's
    notices."""
    deck_title = dict(deck.title)
    title = deck_title.get(lang) or deck_title.get("en") or ""
    notes = [f"<b>{html.escape(title)}</b>"] if title else []
    if synthetic:
        notes.append(
            f'<span class="atlas-badge">{html.escape(t("present.synthetic", lang))}</span>'
        )
    if privacy:
        notes.extend(html.escape(n) for n in privacy)
    else:
        notes.append(html.escape(t("privacy.k_threshold", lang, k=k)))
    if scene.k_raised:
        notes.append(html.escape(t("present.k_raised", lang, asked=scene.k_asked, k=k)))
    notes.extend(html.escape(n) for n in notices)
    return '<div class="atlas-note">' + " · ".join(notes) + "</div>"


def view_privacy_notes(result: QueryResult | None, lang: str) -> list[str] | None:
    """The view's privacy notes (k, noise), and how many small cells were merged if any."""
    if result is None:
        return None
    notes = result.privacy_notes(lang, short=True)
    if result.protected.merged:
        notes.append(t("present.coarsened", lang, n=result.protected.merged, k=result.k))
    return notes

