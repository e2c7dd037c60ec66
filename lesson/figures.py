"""Figures: a chart as its data plus the way to draw it, the one way every page's charts reach the browser
(lesson.charts builds them, frame.chart shows them; altair + pandas + pyarrow, no streamlit).

Every builder returns a Figure: the data to show, and how to draw it. The drawing depends on the data only
through the data itself (never on a number computed from it), and `look` holds everything else it depends on.
So two figures with the same look differ only in their data, and a drawing made for one serves the other with
the data swapped: that is how the app draws a chart for a new temperature without asking Altair again, which
costs 10-20 ms a chart (Figure.spec: one spec per look, for the whole server).

Projector mode (the lesson's `projector` setting) draws the same figures for a room's screen: its spec is the
figure's spec with every type size, line width and row step made larger, and a black-on-white config for the
rest (`projected`), cached apart from the normal one.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa

from .tables import Columns


@dataclass(frozen=True)
class Figure:
    """A chart as its data plus the way to draw it; the browser gets the two apart: `spec()` beside `arrow()`."""

    columns: dict  # every value the chart shows, by column: arrays or lists of equal length, one entry per mark
    look: tuple  # everything besides the data that the drawing depends on
    draw: Callable[[pd.DataFrame], alt.TopLevelMixin]

    @cached_property
    def data(self) -> pd.DataFrame:
        return pd.DataFrame(self.columns)

    def chart(self) -> alt.TopLevelMixin:
        """The Altair chart of this figure's data."""
        return self.draw(self.data)

    def spec(self, projector: bool = False) -> dict:
        """The Vega-Lite spec of the drawing, without the data: asked of Altair once per look for every session of
        the server, and shared, so never to be changed by a caller. `projector`: the spec for a room's screen."""
        drawing = _Drawing(self.look, self.draw)
        return _projector_spec(drawing) if projector else _spec(drawing)

    def arrow(self) -> pa.Table:
        """The data as an Arrow table, made straight from the columns: Streamlit sends a chart's data as Arrow
        anyway, and converting a pandas frame cost ~1.7 ms a chart (string columns, index checks, metadata)
        against ~0.1 ms from the columns."""
        return pa.table(self.columns)


@dataclass(frozen=True)
class _Drawing:
    """A look with the drawing it stands for: equal, and hashed, by the look alone (which names all the drawing
    depends on besides the data), so that it keys the cache of specs."""

    look: tuple
    draw: Callable = field(compare=False)


@lru_cache(maxsize=500)  # about 10 kB a spec; a class's views need a few dozen
def _spec(drawing: _Drawing) -> dict:
    """Drawn over an empty table (the data goes beside the spec); checked against the Vega-Lite schema in the
    tests, not here. Two sessions asking for a new look at once may both make it; either result is the same."""
    spec = drawing.draw(pd.DataFrame()).to_dict(validate=False)
    del spec["data"], spec["datasets"]
    return spec


# Projector mode: type and the room it takes (labels' limits, rows, fixed widths and heights, a heatmap's room for
# its numbers) this many times larger, lines this many times thicker; what a chart leaves to Vega-Lite's defaults
# set large and black. A chart of fixed width gets wider than a phone: it scrolls sideways (frame.show's style).
PROJECTOR_TYPE, PROJECTOR_LINE = 1.4, 2
_TYPE_KEYS = {"fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize", "labelLimit", "step", "width", "height"}
_LINE_KEYS = {"strokeWidth", "thickness", "symbolStrokeWidth"}
_BLACK = "#000000"
PROJECTOR_CONFIG = {
    "axis": {"labelFontSize": 16, "titleFontSize": 17, "labelColor": _BLACK, "titleColor": _BLACK,
             "domainColor": _BLACK, "tickColor": _BLACK, "domainWidth": 2, "tickWidth": 2},
    "legend": {"labelFontSize": 16, "titleFontSize": 17, "labelColor": _BLACK, "titleColor": _BLACK},
    "header": {"labelFontSize": 16, "titleFontSize": 17, "labelColor": _BLACK, "titleColor": _BLACK},
    "title": {"fontSize": 22, "subtitleFontSize": 17, "color": _BLACK, "subtitleColor": _BLACK},
    "text": {"fontSize": 17}, "line": {"strokeWidth": 4}, "rule": {"strokeWidth": 3}, "point": {"size": 120},
}


def projected(spec: dict) -> dict:
    """A spec for a room's screen (a new one: `spec` is left as it is). Sizes a chart sets itself are scaled
    (PROJECTOR_TYPE, PROJECTOR_LINE), also where an encoding's scale gives them (a focus outline's width) or an
    expression compares the plot's width with the room its type takes ("width >= 180 ? 1 : 0"); the defaults
    are PROJECTOR_CONFIG's."""
    spec = _scaled(spec)
    config = spec.get("config", {})
    spec["config"] = config | {part: config.get(part, {}) | values for part, values in PROJECTOR_CONFIG.items()}
    return spec


def _scaled(value, key: str = ""):
    if isinstance(value, dict):
        if key in _LINE_KEYS and "scale" in value:  # a width by a field: its scale's range holds the widths
            scale = value["scale"] | {"range": [width * PROJECTOR_LINE for width in value["scale"]["range"]]}
            return value | {"scale": scale}
        return {name: _scaled(inner, name) for name, inner in value.items()}
    if isinstance(value, list):
        return [_scaled(inner, key) for inner in value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if key == "expr" and isinstance(value, str):
            return re.sub(r"width >= (\d+)", lambda room: f"width >= {round(int(room[1]) * PROJECTOR_TYPE)}", value)
        return value
    if key in _TYPE_KEYS:
        return round(value * PROJECTOR_TYPE)
    if key in _LINE_KEYS:
        return value * PROJECTOR_LINE
    return value


@lru_cache(maxsize=500)
def _projector_spec(drawing: _Drawing) -> dict:
    return projected(_spec(drawing))


Table = Columns | pd.DataFrame  # what the builders take: a view's columns (lesson.views), or a DataFrame


def figure(name: str, data: Table, draw: Callable, **look) -> Figure:
    """A figure drawn by `draw(data, **look)`: whatever the drawing uses besides the data is named in `look`."""
    columns = {column: np.asarray(data[column]) for column in data}
    return Figure(columns, (name, *sorted((k, _frozen(v)) for k, v in look.items())), partial(draw, **look))


PANEL = "_panel"  # in a grid's data: which panel a row belongs to
FULL_PANEL = 270  # px: the widest grid panel that fits a 390 px phone with its row labels and axis beside it


def grid(figures: list[Figure], *, columns: int, width: int, own_colours: bool = False) -> Figure:
    """Several figures as one chart, panels in a grid of `columns`, each `width` px wide: one element on the page
    instead of one per figure and one per column around it (each costs the browser on every move).

    The panels share one table (the figures' columns, one after another, and PANEL saying whose); each draws its own
    rows as it would alone. `columns` × `width` must fit a phone (about 340 px) where the panels are many.
    The panels share their colour scales (the same number, the same colour) unless `own_colours`: then each keeps
    its own colours, dashes and legend (lines of different series).
    """
    names = list(figures[0].columns)
    if any(list(figure.columns) != names for figure in figures):
        raise ValueError("a grid's figures must have the same columns")
    columns_of = {name: np.concatenate([np.asarray(figure.columns[name]) for figure in figures]) for name in names}
    columns_of[PANEL] = np.repeat(np.arange(len(figures)), [len(figure.columns[names[0]]) for figure in figures])
    draws = tuple(figure.draw for figure in figures)
    return Figure(columns_of, ("grid", tuple(figure.look for figure in figures), columns, width, own_colours),
                  partial(_draw_grid, draws=draws, columns=columns, width=width, own_colours=own_colours))


def _draw_grid(data, *, draws, columns, width, own_colours):
    panels = []
    for index, draw in enumerate(draws):
        panel = draw(data)
        panel.data = alt.Undefined  # the grid's, filtered to this panel's rows
        panel.autosize = alt.Undefined  # only the whole chart may have one
        panels.append(panel.transform_filter(alt.datum[PANEL] == index).properties(width=width))
    chart = alt.concat(*panels, columns=columns, data=data, spacing=16)
    return chart.resolve_scale(color="independent", strokeDash="independent") if own_colours else chart


def _frozen(value):
    return tuple(_frozen(v) for v in value) if isinstance(value, (list, tuple)) else value
