"""Stepping through a presentation: scenes (Next / Previous, Page Up / Down) and the night's
playback hours.

A mixin of :class:`geo.app.PresentApp` (it moves the app's scene index, playback step, map and
bar, then asks the app to refresh).
"""

from __future__ import annotations

import html

from geo.app._present_bar import PLAY_HOURS
from geo.app._scale import SCALED_LAYERS, period_series, pooled_classes
from geo.app._scenes import Scene
from geo.classes import Classes
from geo.i18n import t
from geo.metrics import Query
from geo.timewin import HourWindow


class SceneNavigation:
    """Which scene, which hour of the night; every move ends in one ``refresh``."""

    @property
    def scene(self) -> Scene:
        assert self.deck is not None
        return self.deck[self.index]

    @property
    def hour(self) -> int | None:
        """The clock hour shown by playback, or ``None`` for the scene's own window."""
        return PLAY_HOURS[self.step - 1] if self.step else None

    def scene_query(self, index: int, hour: int | None = None) -> Query:
        """Scene ``index``'s query, for one clock ``hour`` of playback (dates kept)."""
        q = self.deck[index].query
        if hour is not None:  # one clock hour, whatever window (clock or sun) the scene has
            q = q.with_(hours=HourWindow(hour, (hour + 1) % 24), sun=None)
        if self.coarsen:  # the project merges small cells into parents rather than hide them
            q = q.with_(mode="coarsen")
        return q.with_(k=max(q.k, self.k_floor))

    def go(
        self,
        index: int,
        *,
        step: int = 0,
        centre: tuple[float, float] | None = None,
        zoom: float | None = None,
    ) -> None:
        """Show scene ``index`` (0-based): its view, its hour window (or playback ``step``)."""
        if self.deck is None or self.atlas is None:
            return
        self.index = index % len(self.deck)
        scene = self.scene
        with self._mute():
            self.play_button.value = self.play.playing = False
            self._relabel_hours()
            self._set_step(step)
            home_centre, home_zoom = self.home or (self.atlas.centre, 13)
            self.map.center = centre or scene.centre or home_centre
            self.map.zoom = zoom if zoom is not None else (scene.zoom or home_zoom)
        self.refresh()

    def next(self) -> None:
        self.go(self.index + 1)

    def previous(self) -> None:
        self.go(self.index - 1)

    def show_step(self, step: int) -> None:
        """Playback position: 0 = the scene's window, 1..12 = one hour from 18:00 to 05:00."""
        if not 0 <= step <= len(PLAY_HOURS):
            raise ValueError(f"step must be in 0..{len(PLAY_HOURS)}, got {step}")
        with self._mute():
            self._set_step(step)
        self.refresh()

    def _set_step(self, step: int) -> None:
        """Playback position in the kernel *and* in both linked widgets (see
        :meth:`PresentBar.set_step`)."""
        self.step = step
        self.bar.set_step(step)

    def show_hour(self, hour: int) -> None:
        """Show one hour of the night (18..23, 0..5)."""
        self.show_step(PLAY_HOURS.index(hour) + 1)

    def fixed_scale(self) -> tuple[Classes | None, str]:
        """Classes shared by the series this view belongs to, and the legend line saying so.

        During playback the series is the night (every hour of :data:`PLAY_HOURS`); on a
        scene's own window it is the run of neighbouring scenes that differ only by their
        dates. Each series is computed once (a dozen queries, well under a second) and kept,
        so every hour and every period of it is drawn with the same breaks and legend.
        ``(None, "")`` for a view that stands alone (its own breaks, as before).
        """
        scene = self.scene
        if scene.layer not in SCALED_LAYERS:
            return None, ""
        if self.step:
            key = ("night", self.index)
            queries = [self.scene_query(self.index, h) for h in PLAY_HOURS]
            note = "legend.fixed_night"
        else:
            series = period_series([_period_key(s) for s in self.deck.scenes], self.index)
            if not series:
                return None, ""
            key = ("periods", series)
            queries = [self.scene_query(i) for i in series]
            note = "legend.fixed_periods"
        key = (id(self.atlas), id(self.deck), self.k_floor, self.coarsen, *key)
        if key not in self._scales:
            views = (self.atlas.query(q, compare=False) for q in queries)  # values only
            self._scales[key] = pooled_classes(views, scene.layer, scene.metric)
        text = html.escape(t(note, self.lang))
        return self._scales[key], f'<div class="atlas-note atlas-fixed-scale">{text}</div>'

    def _on_hour(self, change) -> None:
        # From the page (Play ticking, a key on the slider): the page keeps Play and slider
        # equal itself; writing Play's value back from here would race the next tick.
        if not self._muted and change["new"] is not None:
            self.step = int(change["new"])
            self.refresh()

    def _on_play(self, change) -> None:
        self.play_button.description = t(
            "present.pause" if change["new"] else "present.play", self.lang
        )
        if change["new"] and self.step >= len(PLAY_HOURS):  # played to the end: from the top
            self.show_step(0)


def _period_key(scene: Scene) -> tuple | None:
    """What scenes of one period series share: everything but their dates (None: undated)."""
    q = scene.query
    if not q.dated:
        return None
    return scene.layer, scene.metric, q.with_(date_from=None, date_to=None)
