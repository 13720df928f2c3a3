"""The dashboards' app objects (the only package besides geo.layers that imports widgets)."""

from geo.app._app import AtlasApp
from geo.app._cells_table import cells_table_html
from geo.app._page import default_data_dir
from geo.app._present import PresentApp
from geo.app._scenes import Scene, SceneDeck, SceneFileError, load_scenes
from geo.app._share import ViewState

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
