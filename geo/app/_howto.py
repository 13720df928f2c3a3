""""How to read this map": each layer's method in plain words, short enough for a meeting.

People without technical training must be able to follow the reasoning behind these maps:
what is counted, what is smoothed and why, what the gap and the classes mean, what a hot spot
says and does not say, the dark number, and the privacy rule. The same paragraphs are the
method notes of the council report (geo.report), so the page and the paper never disagree.
"""

from __future__ import annotations

import html

from geo.i18n import t

__all__ = ["LAYER_NOTES", "howto_html", "method_notes"]

LAYER_NOTES: dict[str, tuple[str, ...]] = {
    "recorded": ("howto.recorded", "howto.dark_number"),
    "perceived": ("howto.perceived",),
    "gap": ("howto.gap", "howto.perceived", "howto.dark_number"),
    "bivariate": ("howto.bivariate", "howto.perceived", "howto.dark_number"),
    "hotspots": ("howto.hotspots", "howto.recorded", "howto.dark_number"),
    "change": ("howto.change", "howto.recorded", "howto.dark_number"),
    "trend": ("howto.trend", "howto.recorded", "howto.dark_number"),
}
"""The notes each layer needs, its own first; the privacy rule closes every list."""


def method_notes(layers: list[str] | tuple[str, ...], lang: str, k: int) -> list[str]:
    """The paragraphs for the layers shown, each once, in reading order, privacy last."""
    keys: list[str] = []
    for layer in layers:
        for key in LAYER_NOTES.get(layer, ()):
            if key not in keys:
                keys.append(key)
    notes = [t(key, lang) for key in keys]
    notes.append(t("howto.privacy", lang, k_minus=max(k - 1, 1)))
    return notes


def howto_html(layer: str, lang: str, k: int) -> str:
    """The panel for one layer: a title naming the layer and its few paragraphs."""
    title = t("howto.title", lang, layer=t(f"layer.{layer}", lang))
    body = "".join(f"<p>{html.escape(p)}</p>" for p in method_notes([layer], lang, k))
    return (f'<div class="atlas-howto" role="region" aria-label="{html.escape(title)}">'
            f"<b>{html.escape(title)}</b>{body}</div>")
