"""The naive map update, for comparison only: the whole grid's GeoJSON, full precision, SVG,
restyled through ipyleaflet's ``style_callback`` (which re-sends every feature each time).

This is what a first version of such a dashboard usually does; bench_dashboard.py measures it
beside AtlasApp in the same run.
"""

from __future__ import annotations

import h3.api.basic_int as h3i
import ipyleaflet
import ipywidgets as widgets

from geo.app._controls import NOON_AXIS
from geo.classes import SUPPRESSED_COLOR, classify
from geo.metrics import Atlas, Query
from geo.timewin import HourWindow


class NoopApp:
    """The floor: the hour slider and the draw counter, and no work at all in between.

    What is left (browser -> kernel -> browser round trip, two animation frames) bounds any
    dashboard's restyle time from below, so it bounds the naive/ours ratio from above.
    """

    def __init__(self, *below: widgets.Widget) -> None:
        self.hours = widgets.SelectionRangeSlider(
            options=[(f"{h:02d}:00", i) for i, h in enumerate(NOON_AXIS)], index=(10, 16),
            continuous_update=False)
        self.stamp = widgets.HTML()
        self.draws = 0
        self.hours.observe(lambda _: self.update(), names="value")
        self.root = widgets.VBox([self.hours, self.stamp, *below])
        self.update()

    def update(self) -> None:
        self.draws += 1
        self.stamp.value = f'<span class="atlas-stamp" data-draws="{self.draws}"></span>'


class NaiveApp(NoopApp):
    def __init__(self, atlas: Atlas, resolution: int = 9) -> None:
        self.atlas = atlas
        self.resolution = resolution
        everything = atlas.query(Query(resolution=resolution, k=0))
        features = []
        for cell in everything.table["cell"].tolist():
            ring = [[lng, lat] for lat, lng in h3i.cell_to_boundary(int(cell))]
            features.append({"type": "Feature", "properties": {"cell": int(cell)},
                             "geometry": {"type": "Polygon", "coordinates": [ring + ring[:1]]}})
        self.layer = ipyleaflet.GeoJSON(data={"type": "FeatureCollection", "features": features})
        self.map = ipyleaflet.Map(center=atlas.centre, zoom=13,
                                  layout=widgets.Layout(height="640px"))
        self.map.add(self.layer)
        super().__init__(self.map)

    def update(self) -> None:
        lo, hi = self.hours.index
        query = Query(resolution=self.resolution,
                      hours=HourWindow(NOON_AXIS[lo], NOON_AXIS[hi] % 24), weekdays={4, 5})
        table = self.atlas.query(query).table
        values = table.set_index("cell")["incidents_per_night"]
        classes = classify(values.dropna().to_numpy(), "quantiles", 5)
        colours = dict(zip(values.index, classes.colors_of(values.to_numpy()), strict=True))

        def style(feature):
            colour = colours.get(feature["properties"]["cell"], SUPPRESSED_COLOR)
            return {"fillColor": colour, "fillOpacity": 0.72, "color": "#333", "weight": 0.6}

        self.layer.style_callback = style
        super().update()
