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


# Projector mode draws a chart PROJECTOR_SCALE times larger: its type and the room the type takes (labels' limits,
# rows, fixed widths and heights, text's offsets, a heatmap's room for its numbers), so that the chart's type is the
# size of the page's text (frame.show); its lines PROJECTOR_LINE times thicker. A chart of fixed width is then the
# normal chart magnified, made for a phone and drawn for a room's screen: where the page is narrower (a phone), the
# page draws it smaller to fit (frame.show's style), so never smaller than the normal chart.
# A chart as wide as its place on the page is laid out for the width it gets, which on a phone is what the normal
# chart gets: its type grows from the normal size, up to PROJECTOR_SCALE times, with the room it has. Where columns
# share the width (a heatmap's cells, the words of a sentence), with the columns' width: up to a CELL_TEXT-th of it,
# the room of the widest number a cell holds ("−12.34"); elsewhere with the plot's width, the normal size where it
# is as narrow as on a phone (PHONE_PLOT px).
PROJECTOR_SCALE, PROJECTOR_LINE = 1.8, 2
CELL_TEXT, PHONE_PLOT = 3, 340
_FONT_KEYS = {"fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize"}
_ROOM_KEYS = {"labelLimit", "step", "width", "height", "dx", "dy"}
_LINE_KEYS = {"strokeWidth", "thickness", "symbolStrokeWidth"}
_BLACK = "#000000"
# What a chart leaves to the theme: the sizes of Streamlit's theme for Vega-Lite (labels 12 px, axis and legend
# titles and legend labels 14, a chart's title 16, a text mark Vega's 11), scaled as the chart's own sizes; black.
PROJECTOR_CONFIG = {
    "axis": {"labelFontSize": 12, "titleFontSize": 14, "labelColor": _BLACK, "titleColor": _BLACK,
             "domainColor": _BLACK, "tickColor": _BLACK, "domainWidth": 2, "tickWidth": 2},
    "legend": {"labelFontSize": 14, "titleFontSize": 14, "labelColor": _BLACK, "titleColor": _BLACK},
    "header": {"labelFontSize": 12, "titleFontSize": 16, "labelColor": _BLACK, "titleColor": _BLACK},
    "title": {"fontSize": 16, "subtitleFontSize": 12, "color": _BLACK, "subtitleColor": _BLACK},
    "text": {"fontSize": 11}, "line": {"strokeWidth": 2}, "rule": {"strokeWidth": 1.5}, "point": {"size": 120},
}


def projected(spec: dict) -> dict:
    """A spec for a room's screen (a new one: `spec` is left as it is), with PROJECTOR_CONFIG for what it leaves to
    the theme. Every size is scaled (PROJECTOR_SCALE, PROJECTOR_LINE), also where an encoding's scale gives it (a
    focus outline's width) or an expression compares the plot's width with the room its type takes
    ("width >= 180 ? 1 : 0"); in a chart as wide as the page, type grows with the room it has."""
    config = spec.get("config", {})
    spec = spec | {"config": config | {part: config.get(part, {}) | sizes for part, sizes in PROJECTOR_CONFIG.items()}}
    fluid = spec.get("width") == "container"
    if not fluid:  # the page may draw it smaller: in SVG, where Vega takes a click from the mark clicked. (Streamlit
        # draws a chart of over 2,000 marks on a canvas, and Vega takes a click on a canvas drawn smaller for one at
        # that point of the full-size chart: a click on head 6's map opened none.)
        spec["usermeta"] = {"embedOptions": {"renderer": "svg"}}
    return _scaled(spec, fluid=fluid)


def _scaled(value, key: str = "", *, fluid: bool, columns: bool = False, font: float | None = None):
    """`value` for a room's screen. `fluid`: in a chart as wide as the page; `columns`: in a view whose columns
    (a band scale x) share its width; `font`: the type size of the mark an expression belongs to."""
    if isinstance(value, dict):
        if key in _LINE_KEYS and "scale" in value:  # a width by a field: its scale's range holds the widths
            scale = value["scale"] | {"range": [width * PROJECTOR_LINE for width in value["scale"]["range"]]}
            return value | {"scale": scale}
        columns = columns or value.get("encoding", {}).get("x", {}).get("type") in ("nominal", "ordinal")
        font = value["fontSize"] if _is_number(value.get("fontSize")) else font
        return {name: _scaled(inner, name, fluid=fluid, columns=columns, font=font) for name, inner in value.items()}
    if isinstance(value, list):
        return [_scaled(inner, key, fluid=fluid, columns=columns, font=font) for inner in value]
    if key == "expr" and isinstance(value, str) and font is not None:  # the room a mark's type takes grows with it
        return re.sub(r"width >= (\d+)", lambda room: f"width >= {room[1]} * {_growth(font, fluid, columns)}", value)
    if not _is_number(value):
        return value
    if key in _FONT_KEYS:
        growth = _growth(value, fluid, columns)
        return round(value * growth) if _is_number(growth) else {"expr": f"{value} * {growth}"}
    if key in _ROOM_KEYS:
        return round(value * PROJECTOR_SCALE)
    if key in _LINE_KEYS:
        return value * PROJECTOR_LINE
    return value


def _growth(size: float, fluid: bool, columns: bool) -> float | str:
    """How many times larger type of this size gets: PROJECTOR_SCALE, or in a chart as wide as the page an
    expression of the room it has there."""
    if not fluid:
        return PROJECTOR_SCALE
    room = f"bandwidth('x') / {CELL_TEXT * size:g}" if columns else f"width / {PHONE_PLOT}"
    return f"clamp({room}, 1, {PROJECTOR_SCALE})"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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


def grid(figures: list[Figure], *, columns: int, width: int | None, own_colours: bool = False) -> Figure:
    """Several figures as one chart, panels in a grid of `columns`, each `width` px wide: one element on the page
    instead of one per figure and one per column around it (each costs the browser on every move).

    The panels share one table (the figures' columns, one after another, and PANEL saying whose); each draws its own
    rows as it would alone. `columns` × `width` must fit a phone (about 340 px) where the panels are many.
    `width=None` (one column) makes every panel as wide as the page, one under the other: a vconcat, whose panels
    Streamlit sets to the page's width when it draws the chart with width="stretch" (fit-x keeps their axes in).
    The panels share their colour scales (the same number, the same colour) unless `own_colours`: then each keeps
    its own colours, dashes and legend (lines of different series).
    """
    names = list(figures[0].columns)
    if any(list(figure.columns) != names for figure in figures):
        raise ValueError("a grid's figures must have the same columns")
    if width is None and columns != 1:
        raise ValueError("panels as wide as the page are one a row")
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
        if width is None and isinstance(panel.title, alt.Title):  # a title wider than the page squeezes the plot
            panel.title.limit = alt.ExprRef("containerSize()[0]")  # to make room for it (projector mode on a phone)
        panels.append(panel.transform_filter(alt.datum[PANEL] == index).properties(width=width or "container"))
    if width is None:
        chart = alt.vconcat(*panels, data=data, spacing=16, autosize=alt.AutoSizeParams(type="fit-x",
                                                                                       contains="padding"))
    else:
        chart = alt.concat(*panels, columns=columns, data=data, spacing=16)
    return chart.resolve_scale(color="independent", strokeDash="independent") if own_colours else chart


def _frozen(value):
    return tuple(_frozen(v) for v in value) if isinstance(value, (list, tuple)) else value
