"""The dashboards' app objects (the only package besides geo.layers that imports widgets).

A dashboard kernel imports ~1,000 modules here (widgets, ipyleaflet, pandas, Arrow). The cyclic
garbage collector would walk the growing heap several times during that import (0.1-0.3 s of
a kernel's start, issue "real-city scale"): it is paused for the import, and what the import
made is then frozen out of later collections (``gc.freeze``), as module-level objects live as
long as the kernel anyway, so a full collection during a slider move does not walk them either.
The presentation (``PresentApp``, its scenes) is imported when first named: the analyst
dashboard never uses it.
"""

import gc

from geo._lazy import lazy_names

_collecting = gc.isenabled()
gc.disable()
try:
    from geo.app._app import AtlasApp
    from geo.app._cells_table import cells_table_html
    from geo.app._page import default_data_dir
    from geo.app._share import ViewState
finally:
    if _collecting:
        gc.freeze()
        gc.enable()

__getattr__ = lazy_names(__name__, {
    "PresentApp": "_present", "Scene": "_scenes", "SceneDeck": "_scenes",
    "SceneFileError": "_scenes", "load_scenes": "_scenes",
}, globals())

__all__ = [
    "AtlasApp",
    "PresentApp",
    "Scene",
    "SceneDeck",
    "SceneFileError",
    "ViewState",
    "cells_table_html",
    "default_data_dir",
    "load_scenes",
]
