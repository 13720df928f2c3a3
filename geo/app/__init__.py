"""The dashboards' app objects (the only package besides geo.layers that imports widgets)."""

from geo.app._app import AtlasApp, default_data_dir

__all__ = ["AtlasApp", "default_data_dir"]
