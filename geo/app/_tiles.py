"""Local tiles for the presentation's basemap: a projector room may have no network.

A presenter names a folder of ``{z}/{x}/{y}.png`` tiles beside the notebook (served by Voila as
static files) or a tile server on the local network; nothing is fetched from outside.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

import ipyleaflet

from geo.layers import BASEMAPS, basemap_layer


def tiles_url(spec: str, *, cwd: Path | None = None, env: dict | None = None) -> str:
    """The TileLayer URL of local tiles named by the presenter.

    Parameters
    ----------
    spec
        A URL template (``http://192.168.1.5:8080/{z}/{x}/{y}.png``, used as is), or a folder
        beside the notebook holding ``{z}/{x}/{y}.png`` tiles (``tiles``, or a template such as
        ``tiles/{z}/{x}/{y}.jpg``), which Voila serves as static files under ``voila/files/``
        (its default ``file_allowlist`` lets ``.png``/``.jpg`` through).

    Raises
    ------
    FileNotFoundError
        When a folder is named and does not exist.
    """
    env = os.environ if env is None else env
    spec = spec.strip()
    template = spec if "{z}" in spec else spec.rstrip("/") + "/{z}/{x}/{y}.png"
    if spec.startswith(("http://", "https://", "/")):
        return template
    folder = template.split("{", 1)[0].rstrip("/")
    if not ((cwd or Path.cwd()) / folder).is_dir():
        raise FileNotFoundError(f"tiles folder {folder!r} not found beside the notebook")
    base = env.get("VOILA_BASE_URL", "/")
    script = env.get("SCRIPT_NAME", "")
    rendered = script.split("voila/render/", 1)[1] if "voila/render/" in script else ""
    sub = posixpath.dirname(rendered)
    return f"{base}voila/files/{sub + '/' if sub else ''}{template}"


def basemap_for(name: str | None, tiles: str | None, notices: list[str]) -> ipyleaflet.Layer:
    """The presentation's basemap: none unless the link asks for one or local tiles are named.

    A ``tiles`` folder that is missing is added to ``notices`` (the presenter sees it in the
    footer) and the map goes without a basemap.
    """
    layer = basemap_layer(name if name in BASEMAPS else "none")
    if name is None and tiles:
        try:
            url = tiles_url(tiles)
        except FileNotFoundError as exc:
            notices.append(str(exc))
        else:
            layer = ipyleaflet.TileLayer(
                url=url, name="basemap", base=True, max_zoom=19, attribution=""
            )
    return layer
