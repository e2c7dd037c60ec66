"""Altair chart builders: one per kind of picture, reused on every page (altair + pandas, no streamlit).

Colours follow one rule everywhere: probabilities on a fixed 0..1 sequential scale; signed values (X, W, Q, K, V,
scores, outputs) on a diverging scale centred on 0. Both schemes are colour-blind safe. `describe` gives a
heatmap's text alternative for screen readers.

Every builder returns a Figure: the data to show, and how to draw it. The drawing depends on the data only
through the data itself (never on a number computed from it), and `look` holds everything else it depends on.
So two figures with the same look differ only in their data, and a drawing made for one serves the other with
the data swapped: that is how the app draws a chart for a new temperature without asking Altair again, which
costs 10-20 ms a chart.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial

import altair as alt
import numpy as np
import pandas as pd

from explainer import Matrix

from .frames import cells

PROBABILITY_SCHEME = "blues"
SIGNED_SCHEME = "blueorange"
WORD_SCHEME = "tableau10"
CELL = 30  # px per heatmap row
QUERY_COLOUR, KEY_COLOUR = "#d62728", "#1f77b4"  # red asks, blue answers, wherever both are drawn
FOCUS_STROKE = QUERY_COLOUR  # the outline of the word in focus: the query
STRONG = 0.55  # a probability above this is a dark cell: its number is written in white


@dataclass(frozen=True)
class Figure:
    """A chart as its data plus the way to draw it."""

    columns: dict  # every value the chart shows, by column: arrays or lists of equal length, one entry per mark
    look: tuple  # everything besides the data that the drawing depends on
    draw: Callable[[pd.DataFrame], alt.TopLevelMixin]

    @cached_property
    def data(self) -> pd.DataFrame:
        return pd.DataFrame(self.columns)

    @cached_property
    def key(self) -> tuple:
        """What the data holds, as bytes and strings: equal for equal data, and cheap to hash (cheaper than
        making the data frame, or than Streamlit's hashing of one, which cost a third of a page's run)."""
        return tuple((name, column.dtype.str, column.tobytes()) if isinstance(column, np.ndarray)
                     and column.dtype != object else (name, tuple(map(str, column)))
                     for name, column in self.columns.items())

    def chart(self) -> alt.TopLevelMixin:
        """The Altair chart of this figure's data."""
        return self.draw(self.data)


def _figure(name: str, data: pd.DataFrame | dict, draw: Callable, **look) -> Figure:
    """A figure drawn by `draw(data, **look)`: whatever the drawing uses besides the data is named in `look`."""
    columns = {column: np.asarray(values) for column, values in data.items()}
    return Figure(columns, (name, *sorted((k, _frozen(v)) for k, v in look.items())), partial(draw, **look))


def _frozen(value):
    return tuple(_frozen(v) for v in value) if isinstance(value, (list, tuple)) else value


def _by_flag(channel, field: str, when_true, when_false):
    """A channel set by a boolean field of the data: `when_true` where it holds, `when_false` elsewhere.

    Does what alt.condition does, but as a typed channel: Altair checks a condition's plain dict against the
    whole Vega-Lite schema on every build, which cost most of a chart's build.
    """
    return channel(f"{field}:N", scale=alt.Scale(domain=[True, False], range=[when_true, when_false]), legend=None)


def _ink() -> alt.Fill:
    """Text colour that stays readable on its cell: white on strong colours (field `strong`), black elsewhere."""
    return _by_flag(alt.Fill, "strong", "white", "black")


def probability_scale() -> alt.Scale:
    return alt.Scale(scheme=PROBABILITY_SCHEME, domain=[0, 1])


def signed_reach(values: np.ndarray) -> float:
    """Half the width of a diverging colour scale: the largest size among the values, rounded up to one
    significant digit (3.65 -> 4, 0.84 -> 0.9), so that small changes of the values keep the same colours."""
    finite = np.abs(np.asarray(values, dtype=float))
    finite = finite[np.isfinite(finite)]
    largest = float(finite.max()) if finite.size else 0.0
    if largest == 0:
        return 1.0
    step = 10.0 ** math.floor(math.log10(largest))
    return math.ceil(largest / step - 1e-9) * step


def signed_scale(reach: float) -> alt.Scale:
    """Diverging around 0, symmetric so that equal sizes get equal strength of colour either side."""
    return alt.Scale(scheme=SIGNED_SCHEME, domain=[-reach, reach], domainMid=0)


def _number(value: float) -> str:
    """Two decimals with a real minus sign; exact zeros as a plain 0, so that the non-zero cells stand out."""
    if not np.isfinite(value):
        return "−∞" if value < 0 else "∞"
    if value == 0:
        return "0"
    return f"{value:.2f}".replace("-", "−")


def heatmap(matrix: Matrix, *, probability: bool = False, focus_row: int | None = None,
            focus_cell: tuple[int, int] | None = None, select: str | None = None,
            select_fields: tuple[str, ...] = ("row_index",), subtitle: str | list[str] | None = None) -> Figure:
    """A matrix as coloured cells with its numbers written in, titled with its name and shape.

    focus_row / focus_cell outline the cells in focus. `select` names a click selection on `select_fields`
    (row_index, col_index), for a page to read which cell was clicked. A subtitle given as a list is one line each.
    """
    values = np.asarray(matrix.values, dtype=float)
    reach = 1.0 if probability else signed_reach(values)
    rows, cols = np.indices(values.shape)
    focus = np.zeros(values.shape, dtype=bool)
    if focus_row is not None:
        focus = rows == focus_row
    if focus_cell is not None:
        focus = (rows == focus_cell[0]) & (cols == focus_cell[1])
    strong = values > STRONG if probability else np.abs(values) > 0.6 * reach
    data = cells(matrix) | {"label": [_number(v) for v in values.ravel()], "strong": strong.ravel(),
                            "focus": focus.ravel()}
    return _figure("heatmap", data, _draw_heatmap, title=matrix.title, subtitle=subtitle or matrix.caption,
                   symbol=matrix.symbol, rows=matrix.rows, cols=matrix.cols, probability=probability, reach=reach,
                   select=select, select_fields=select_fields)


def _draw_heatmap(data, *, title, subtitle, symbol, rows, cols, probability, reach, select, select_fields):
    crowded = len(cols) > 4  # slant the column labels so that none is dropped for lack of room
    x = alt.X("col:N", sort=list(cols), title=None,
              axis=alt.Axis(orient="top", labelAngle=-45 if crowded else 0, labelOverlap=False, labelLimit=90,
                            labelFontSize=12))
    y = alt.Y("row:N", sort=list(rows), title=None, axis=alt.Axis(labelLimit=90, labelFontSize=12))
    base = alt.Chart().encode(x=x, y=y)
    cells = base.mark_rect().encode(
        color=alt.Color("value:Q", scale=probability_scale() if probability else signed_scale(reach), legend=None),
        stroke=_by_flag(alt.Stroke, "focus", FOCUS_STROKE, "transparent"),
        strokeWidth=_by_flag(alt.StrokeWidth, "focus", 3, 0),
        tooltip=[alt.Tooltip("row:N", title="row"), alt.Tooltip("col:N", title="column"),
                 alt.Tooltip("value:Q", title=symbol, format=".4f")],
    )
    if select:
        cells = cells.add_params(alt.selection_point(name=select, fields=list(select_fields), on="click"))
    text = base.mark_text(fontSize=12).encode(text=alt.Text("label:N"), fill=_ink())
    return alt.layer(cells, text, data=data).properties(
        title=alt.Title(title, subtitle=list(subtitle) if isinstance(subtitle, tuple) else subtitle,
                        anchor="start"),
        height=alt.Step(CELL), width="container")


def sentence_strip(words: pd.DataFrame, *, select: str | None = None) -> Figure:
    """The sentence as a row of word tiles, each coloured by how much the focus word attends to it.

    `words` has columns word, position, weight, focus (bool). A click selection named `select` on `position`.
    """
    return _figure("sentence_strip", words.assign(strong=words["weight"] > STRONG), _draw_sentence_strip,
                   select=select)


def _draw_sentence_strip(data, *, select):
    base = alt.Chart().encode(x=alt.X("position:O", axis=None))
    tiles = base.mark_rect(cornerRadius=6, height=44).encode(
        color=alt.Color("weight:Q", scale=probability_scale(), legend=None),
        stroke=_by_flag(alt.Stroke, "focus", FOCUS_STROKE, "#999"),
        strokeWidth=_by_flag(alt.StrokeWidth, "focus", 3, 1),
        tooltip=[alt.Tooltip("word:N"), alt.Tooltip("weight:Q", title="attention", format=".4f")],
    )
    if select:
        tiles = tiles.add_params(alt.selection_point(name=select, fields=["position"], on="click"))
    word = base.mark_text(fontSize=14, fontWeight="bold", dy=-7).encode(text=alt.Text("word:N"), fill=_ink())
    share = base.mark_text(fontSize=11, dy=10).encode(text=alt.Text("weight:Q", format=".2f"), fill=_ink())
    return alt.layer(tiles, word, share, data=data).properties(height=60, width="container")


def bars(data: pd.DataFrame, *, x: str, y: str, title: str, probability: bool = False, color: str | None = None,
         rule_at: float | None = None, domain: tuple[float, float] | None = None) -> Figure:
    """Horizontal bars with their numbers written at the end: one bar per row of `data`, in its order.

    Probabilities get the fixed 0..1 colour scale and axis; other values a diverging colour scale (their axis
    may be fixed with `domain`). A field `color` colours the bars by group instead and sets the bars of one row
    side by side, one per group. `rule_at` draws a vertical line at that value (e.g. 0). Values that are not
    finite (a masked score) are written as "masked".
    """
    data = {**data, "_label": ["masked" if not np.isfinite(v) else _number(v) for v in data[x]]}
    if probability:
        domain = (0, 1)
    groups = tuple(dict.fromkeys(data[color])) if color else None
    return _figure("bars", data, _draw_bars, x=x, y=y, title=title, probability=probability, rule_at=rule_at,
                   domain=domain, order=tuple(dict.fromkeys(data[y])), color=color, groups=groups)


def _draw_bars(data, *, x, y, title, probability, rule_at, domain, order, color, groups):
    base = alt.Chart().encode(
        y=alt.Y(f"{y}:N", sort=list(order), title=None, axis=alt.Axis(labelLimit=100)),
        x=alt.X(f"{x}:Q", title=None, scale=alt.Scale(domain=list(domain)) if domain else alt.Undefined),
    )
    tooltip = [alt.Tooltip(f"{y}:N"), alt.Tooltip(f"{x}:Q", format=".4f")]
    if color:
        base = base.encode(yOffset=alt.YOffset(f"{color}:N", sort=list(groups)))
        fill = alt.Color(f"{color}:N", sort=list(groups), scale=alt.Scale(scheme=WORD_SCHEME),
                         legend=alt.Legend(title=None, orient="bottom"))
        tooltip.append(alt.Tooltip(f"{color}:N"))
    elif probability:
        fill = alt.Color(f"{x}:Q", scale=probability_scale(), legend=None)
    else:  # the bar's length tells the size: the colour only needs to tell the sign
        fill = alt.Color(f"{x}:Q", scale=alt.Scale(scheme=SIGNED_SCHEME, domainMid=0), legend=None)
    bar = base.mark_bar().encode(color=fill, tooltip=tooltip)
    text = base.mark_text(align="left", dx=4, fontSize=12).encode(text=alt.Text("_label:N"))
    layers = [bar, text]
    if rule_at is not None:
        layers.append(alt.Chart().mark_rule(color="#555").encode(x=alt.XDatum(rule_at)))
    return alt.layer(*layers, data=data).properties(title=alt.Title(title, anchor="start"), height=alt.Step(24),
                                                    width="container")


def stacked_contributions(data: pd.DataFrame, *, title: str) -> Figure:
    """Each word's share a·v of each output dimension, stacked; a black tick marks their sum, the output itself.

    `data` from views.contributions (word, word_index, dim, weight, value, contribution).
    """
    return _figure("stacked_contributions", data, _draw_stacked_contributions, title=title,
                   words=tuple(dict.fromkeys(data["word"])), dims=tuple(dict.fromkeys(data["dim"])))


def _draw_stacked_contributions(data, *, title, words, dims):
    x = alt.X("dim:N", sort=list(dims), title=None, axis=alt.Axis(labelAngle=0))
    stack = alt.Chart().mark_bar().encode(
        x=x, y=alt.Y("sum(contribution):Q", title="contribution a·v"),
        color=alt.Color("word:N", sort=list(words), scale=alt.Scale(scheme=WORD_SCHEME),
                        legend=alt.Legend(title="from word", orient="bottom", columns=4)),
        order=alt.Order("word_index:Q"),
        tooltip=[alt.Tooltip("word:N"), alt.Tooltip("dim:N"), alt.Tooltip("weight:Q", title="a (weight)", format=".4f"),
                 alt.Tooltip("value:Q", title="v (value)", format=".4f"),
                 alt.Tooltip("contribution:Q", title="a·v", format=".4f")],
    )
    total = alt.Chart().transform_aggregate(output="sum(contribution)", groupby=["dim"]).encode(
        x=x, y=alt.Y("output:Q"))
    tick = total.mark_tick(color="black", thickness=3, size=40)
    label = total.mark_text(dy=-10, fontSize=12, fontWeight="bold").encode(text=alt.Text("output:Q", format=".2f"))
    zero = alt.Chart().mark_rule(color="#555").encode(y=alt.YDatum(0))
    return alt.layer(stack, zero, tick, label, data=data).properties(title=alt.Title(title, anchor="start"),
                                                                      height=280, width="container")


def bag_of_words(data: pd.DataFrame, *, title: str) -> Figure:
    """Each query's output as a bag of words: one 100% bar per query, split by the attention it gives each word.

    `data` is the tidy attention matrix (row = query, col = key, value = weight).
    """
    return _figure("bag_of_words", data, _draw_bag_of_words, title=title, rows=tuple(dict.fromkeys(data["row"])))


def _draw_bag_of_words(data, *, title, rows):
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("row:N", sort=list(rows), title=None),
        x=alt.X("sum(value):Q", title="share of the output", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        color=alt.Color("col:N", sort=list(rows), scale=alt.Scale(scheme=WORD_SCHEME),
                        legend=alt.Legend(title="made of word", orient="bottom", columns=4)),
        order=alt.Order("col_index:Q"),
        tooltip=[alt.Tooltip("row:N", title="output of"), alt.Tooltip("col:N", title="word"),
                 alt.Tooltip("value:Q", title="share", format=".1%")],
    ).properties(title=alt.Title(title, anchor="start"), height=alt.Step(CELL), width="container")


def vectors(points: pd.DataFrame, *, focus_word: str, title: str, size: int = 360) -> Figure:
    """Queries and keys as arrows from the origin in a square plane (equal units on both axes, so angles are
    true); the focus word's query drawn bold."""
    data = points.assign(focus=(points["word"] == focus_word) & (points["kind"] == "query"))
    low = min(0.0, float(data[["x", "y"]].min().min()))
    high = max(0.0, float(data[["x", "y"]].max().max()))
    pad = 0.15 * ((high - low) or 1.0)
    return _figure("vectors", data, _draw_vectors, title=title, size=size, domain=(low - pad, high + pad))


def _draw_vectors(data, *, title, size, domain):
    scale = alt.Scale(domain=list(domain), nice=False)
    base = alt.Chart().encode(
        x=alt.X("x:Q", scale=scale, title=None), y=alt.Y("y:Q", scale=scale, title=None),
        color=alt.Color("kind:N", scale=alt.Scale(domain=["query", "key"], range=[QUERY_COLOUR, KEY_COLOUR]),
                        legend=None),  # the title names the colours, and without a legend the plot stays square
        tooltip=[alt.Tooltip("word:N"), alt.Tooltip("kind:N"), alt.Tooltip("x:Q", format=".2f"),
                 alt.Tooltip("y:Q", format=".2f")],
    )
    arrows = base.mark_rule().encode(x2=alt.X2Datum(0), y2=alt.Y2Datum(0),
                                     strokeWidth=_by_flag(alt.StrokeWidth, "focus", 4, 1.5))
    heads = base.mark_point(filled=True, size=60)
    names = base.mark_text(align="left", dx=6, dy=-6, fontSize=12).encode(text=alt.Text("word:N"))
    return alt.layer(arrows, heads, names, data=data).properties(
        title=alt.Title(title, anchor="start"), height=size, width=size - 20)  # title above, axis beside


def lines(data: pd.DataFrame, *, x: str, y: list[str] | str, title: str, log_x: bool = False,
          y_title: str | None = None, color: str | None = None, mark_x: float | None = None,
          y_domain: tuple[float, float] | None = None) -> Figure:
    """Lines with points: several columns of a wide frame (`y` a list) or one column split by `color`.

    `mark_x` draws a dashed vertical line there (e.g. the current temperature).
    """
    if isinstance(y, list):  # wide to long: one row per (x, column of y)
        data = {x: np.tile(data[x].to_numpy(), len(y)), "series": np.repeat(y, len(data)),
                "value": np.concatenate([data[column].to_numpy() for column in y])}
        color, y = "series", "value"
    else:
        data = dict(data.items())
    if mark_x is not None:
        data["_mark"] = np.full(len(data[x]), mark_x)
    x_range = (float(np.min(data[x])), float(np.max(data[x])))
    return _figure("lines", data, _draw_lines, x=x, y=y, color=color, title=title, log_x=log_x,
                   y_title=y_title or y, marked=mark_x is not None, x_range=x_range, y_domain=y_domain)


def _draw_lines(data, *, x, y, color, title, log_x, y_title, marked, x_range, y_domain):
    x_scale = alt.Scale(type="log", domain=list(x_range), nice=False) if log_x else alt.Scale(domain=list(x_range))
    line = alt.Chart().mark_line(point=True).encode(
        x=alt.X(f"{x}:Q", scale=x_scale, title=x),
        y=alt.Y(f"{y}:Q", scale=alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined, title=y_title),
        color=alt.Color(f"{color}:N", scale=alt.Scale(scheme=WORD_SCHEME),
                        legend=alt.Legend(title=None, orient="bottom", columns=2)),
        tooltip=[alt.Tooltip(f"{x}:Q", format=".3~g"), alt.Tooltip(f"{color}:N"), alt.Tooltip(f"{y}:Q", format=".4f")],
    )
    layers = [line]
    if marked:
        layers.append(alt.Chart().mark_rule(strokeDash=[4, 4], color="#555").encode(x=alt.X("min(_mark):Q")))
    return alt.layer(*layers, data=data).properties(title=alt.Title(title, anchor="start"), height=300,
                                                    width="container")


def describe(matrix: Matrix, *, probability: bool = False) -> str:
    """A text alternative for a heatmap: what it is, its axes, and where its largest value sits."""
    values = np.where(np.isfinite(matrix.values), matrix.values, -np.inf)
    i, j = np.unravel_index(int(np.argmax(values)), values.shape)
    kind = "probabilities from 0 to 1" if probability else "signed values"
    return (f"Heatmap of {matrix.title}, {matrix.caption}: {kind}. Rows: {', '.join(matrix.rows)}. "
            f"Columns: {', '.join(matrix.cols)}. Largest: {matrix.values[i, j]:.2f} at row {matrix.rows[i]}, "
            f"column {matrix.cols[j]}.")
