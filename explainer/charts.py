"""Altair chart builders: one per kind of picture, reused on every page (altair + pandas, no streamlit).

Colours follow one rule everywhere: probabilities on a fixed 0..1 sequential scale; signed values (X, W, Q, K, V,
scores, outputs) on a diverging scale centred on 0. Both schemes are colour-blind safe.
Every builder also returns, through `describe`, a text alternative for screen readers.

Data is given once, to the whole layered chart: Altair compares and copies the data of each layer otherwise,
which cost more than the rest of the chart.
"""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from .frames import tidy
from .trace import Matrix

# Altair checks each piece of a chart against the Vega-Lite schema as it is made ("debug mode"); that was a
# third of a chart's cost on every build. The finished specs are checked in full by the tests instead.
alt.utils.schemapi.disable_debug_mode()

PROBABILITY_SCHEME = "blues"
SIGNED_SCHEME = "blueorange"
WORD_SCHEME = "tableau10"
CELL = 30  # px per heatmap row
FOCUS_STROKE = "#d62728"


def _by_flag(channel, field: str, when_true, when_false):
    """A channel set by a boolean field of the data: `when_true` where it holds, `when_false` elsewhere.

    Does what alt.condition does, but as a typed channel: Altair checks a condition's plain dict against the
    whole Vega-Lite schema on every build, which cost most of a page's run.
    """
    return channel(f"{field}:N", scale=alt.Scale(domain=[True, False], range=[when_true, when_false]), legend=None)


def _ink() -> alt.Fill:
    """Text colour that stays readable on its cell: white on strong colours (field `strong`), black elsewhere."""
    return _by_flag(alt.Fill, "strong", "white", "black")


def probability_scale() -> alt.Scale:
    return alt.Scale(scheme=PROBABILITY_SCHEME, domain=[0, 1])


def signed_scale(values: np.ndarray) -> alt.Scale:
    """Diverging around 0, symmetric so that equal sizes get equal strength of colour either side."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    reach = float(np.abs(finite).max()) if finite.size else 1.0
    reach = reach or 1.0
    return alt.Scale(scheme=SIGNED_SCHEME, domain=[-reach, reach], domainMid=0)


def heatmap(matrix: Matrix, *, probability: bool = False, focus_row: int | None = None,
            focus_cell: tuple[int, int] | None = None, select: str | None = None,
            select_fields: tuple[str, ...] = ("row_index",), subtitle: str | list[str] | None = None
            ) -> alt.LayerChart:
    """A matrix as coloured cells with its numbers written in, titled with its name and shape.

    focus_row / focus_cell outline the cells in focus. `select` names a click selection on `select_fields`
    (row_index, col_index), for a page to read which cell was clicked. A subtitle given as a list is one line each.
    """
    data = tidy(matrix)
    data["label"] = data["value"].map(_number)
    if probability:
        scale, strong = probability_scale(), data["value"] > 0.55
    else:
        scale = signed_scale(matrix.values)
        strong = data["value"].abs() > 0.6 * scale.domain[1]
    data["strong"] = strong
    data["focus"] = False
    if focus_row is not None:
        data["focus"] = data["row_index"] == focus_row
    if focus_cell is not None:
        data["focus"] = (data["row_index"] == focus_cell[0]) & (data["col_index"] == focus_cell[1])

    crowded = len(matrix.cols) > 4  # slant the column labels so that none is dropped for lack of room
    x = alt.X("col:N", sort=list(matrix.cols), title=None,
              axis=alt.Axis(orient="top", labelAngle=-45 if crowded else 0, labelOverlap=False, labelLimit=90,
                            labelFontSize=12))
    y = alt.Y("row:N", sort=list(matrix.rows), title=None, axis=alt.Axis(labelLimit=90, labelFontSize=12))
    base = alt.Chart().encode(x=x, y=y)
    cells = base.mark_rect().encode(
        color=alt.Color("value:Q", scale=scale, legend=None),
        stroke=_by_flag(alt.Stroke, "focus", FOCUS_STROKE, "transparent"),
        strokeWidth=_by_flag(alt.StrokeWidth, "focus", 3, 0),
        tooltip=[alt.Tooltip("row:N", title="row"), alt.Tooltip("col:N", title="column"),
                 alt.Tooltip("value:Q", title=matrix.symbol, format=".4f")],
    )
    if select:
        cells = cells.add_params(alt.selection_point(name=select, fields=list(select_fields), on="click"))
    text = base.mark_text(fontSize=12).encode(text=alt.Text("label:N"), fill=_ink())
    return alt.layer(cells, text, data=data).properties(
        title=alt.Title(matrix.title, subtitle=subtitle or matrix.caption, anchor="start"),
        height=alt.Step(CELL), width="container",
    )


def _number(value: float) -> str:
    """Two decimals with a real minus sign; exact zeros as a plain 0, so that the non-zero cells stand out."""
    if not np.isfinite(value):
        return "−∞" if value < 0 else "∞"
    if value == 0:
        return "0"
    return f"{value:.2f}".replace("-", "−")


def sentence_strip(words: pd.DataFrame, *, select: str | None = None) -> alt.LayerChart:
    """The sentence as a row of word tiles, each coloured by how much the focus word attends to it.

    `words` has columns word, position, weight, focus (bool). A click selection named `select` on `position`.
    """
    words = words.assign(strong=words["weight"] > 0.55)
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
    return alt.layer(tiles, word, share, data=words).properties(height=60, width="container")


def bars(data: pd.DataFrame, *, x: str, y: str, title: str, probability: bool = False, sort: list | None = None,
         color: str | None = None, rule_at: float | None = None, fmt: str = ".2f",
         domain: tuple[float, float] | None = None) -> alt.LayerChart:
    """Horizontal bars with their numbers written at the end: one bar per row of `data`.

    Probabilities get the fixed 0..1 colour scale and axis (other values may fix their axis with `domain`);
    other values get the diverging scale, or the colour field
    by the field `color` if given, which also sets bars of one row side by side, one per group.
    `rule_at` draws a vertical line at that value (e.g. 0).
    """
    data = data.copy()
    data["_label"] = data[x].map(lambda v: "masked" if not np.isfinite(v) else format(v, fmt).replace("-", "−"))
    scale = probability_scale() if probability else signed_scale(data[x].to_numpy())
    if probability:
        domain = (0, 1)
    x_scale = alt.Scale(domain=list(domain)) if domain else alt.Undefined
    base = alt.Chart().encode(
        y=alt.Y(f"{y}:N", sort=sort or list(dict.fromkeys(data[y])), title=None, axis=alt.Axis(labelLimit=100)),
        x=alt.X(f"{x}:Q", title=None, scale=x_scale),
    )
    tooltip = [alt.Tooltip(f"{y}:N"), alt.Tooltip(f"{x}:Q", format=".4f")]
    if color:  # one bar per group within each row, side by side
        groups = list(dict.fromkeys(data[color]))
        base = base.encode(yOffset=alt.YOffset(f"{color}:N", sort=groups))
        fill = alt.Color(f"{color}:N", sort=groups, scale=alt.Scale(scheme=WORD_SCHEME),
                         legend=alt.Legend(title=None, orient="bottom"))
        tooltip.append(alt.Tooltip(f"{color}:N"))
    else:
        fill = alt.Color(f"{x}:Q", scale=scale, legend=None)
    bar = base.mark_bar().encode(color=fill, tooltip=tooltip)
    text = base.mark_text(align="left", dx=4, fontSize=12).encode(text=alt.Text("_label:N"))
    layers = [bar, text]
    if rule_at is not None:
        layers.append(alt.Chart().mark_rule(color="#555").encode(x=alt.datum(rule_at)))
    return alt.layer(*layers, data=data).properties(title=alt.Title(title, anchor="start"), height=alt.Step(24),
                                                    width="container")


def stacked_contributions(data: pd.DataFrame, output: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """Each word's share of each output dimension, stacked; a black tick marks the sum (the output itself).

    `data` from views.contributions; `output` has columns dim, value.
    """
    words = list(dict.fromkeys(data["word"]))
    dims = list(dict.fromkeys(data["dim"]))
    stack = alt.Chart(data).mark_bar().encode(
        x=alt.X("dim:N", sort=dims, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("sum(contribution):Q", title="contribution a·v"),
        color=alt.Color("word:N", sort=words, scale=alt.Scale(scheme=WORD_SCHEME),
                        legend=alt.Legend(title="from word", orient="bottom", columns=4)),
        order=alt.Order("word_index:Q"),
        tooltip=[alt.Tooltip("word:N"), alt.Tooltip("dim:N"), alt.Tooltip("weight:Q", title="a (weight)", format=".4f"),
                 alt.Tooltip("value:Q", title="v (value)", format=".4f"),
                 alt.Tooltip("contribution:Q", title="a·v", format=".4f")],
    )
    total = alt.Chart(output).encode(x=alt.X("dim:N", sort=dims), y=alt.Y("value:Q"))
    tick = total.mark_tick(color="black", thickness=3, size=40)
    label = total.mark_text(dy=-10, fontSize=12, fontWeight="bold").encode(text=alt.Text("value:Q", format=".2f"))
    zero = alt.Chart(output).mark_rule(color="#555").encode(y=alt.datum(0))
    return alt.layer(stack, zero, tick, label).properties(title=alt.Title(title, anchor="start"), height=280,
                                                           width="container")


def bag_of_words(data: pd.DataFrame, *, rows: list[str], title: str) -> alt.Chart:
    """Each query's output as a bag of words: one 100% bar per query, split by the attention it gives each word.

    `data` is the tidy attention matrix (row = query, col = key, value = weight).
    """
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("row:N", sort=rows, title=None),
        x=alt.X("sum(value):Q", title="share of the output", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        color=alt.Color("col:N", sort=rows, scale=alt.Scale(scheme=WORD_SCHEME),
                        legend=alt.Legend(title="made of word", orient="bottom", columns=4)),
        order=alt.Order("col_index:Q"),
        tooltip=[alt.Tooltip("row:N", title="output of"), alt.Tooltip("col:N", title="word"),
                 alt.Tooltip("value:Q", title="share", format=".1%")],
    ).properties(title=alt.Title(title, anchor="start"), height=alt.Step(CELL), width="container")


def vectors(points: pd.DataFrame, *, focus_word: str, title: str, size: int = 360) -> alt.LayerChart:
    """Queries and keys as arrows from the origin in a square plane (equal units on both axes, so angles are
    true); the focus word's query drawn bold."""
    data = points.copy()
    data["focus"] = (data["word"] == focus_word) & (data["kind"] == "query")
    low = min(0.0, float(data[["x", "y"]].min().min()))
    high = max(0.0, float(data[["x", "y"]].max().max()))
    pad = 0.15 * ((high - low) or 1.0)
    domain = alt.Scale(domain=[low - pad, high + pad], nice=False)
    base = alt.Chart().encode(
        x=alt.X("x:Q", scale=domain, title=None), y=alt.Y("y:Q", scale=domain, title=None),
        color=alt.Color("kind:N", scale=alt.Scale(domain=["query", "key"], range=["#d62728", "#1f77b4"]),
                        legend=None),  # the title names the colours, and without a legend the plot stays square
        tooltip=[alt.Tooltip("word:N"), alt.Tooltip("kind:N"), alt.Tooltip("x:Q", format=".2f"),
                 alt.Tooltip("y:Q", format=".2f")],
    )
    arrows = base.mark_rule().encode(x2=alt.datum(0), y2=alt.datum(0),
                                     strokeWidth=_by_flag(alt.StrokeWidth, "focus", 4, 1.5))
    heads = base.mark_point(filled=True, size=60)
    names = base.mark_text(align="left", dx=6, dy=-6, fontSize=12).encode(text=alt.Text("word:N"))
    return alt.layer(arrows, heads, names, data=data).properties(title=alt.Title(title, anchor="start"), height=size,
                                                      width=size - 20)  # the title sits above, the axis beside


def lines(data: pd.DataFrame, *, x: str, y: list[str] | str, title: str, log_x: bool = False,
          y_title: str | None = None, color: str | None = None, mark_x: float | None = None,
          y_domain: tuple[float, float] | None = None) -> alt.LayerChart:
    """Lines with points: several columns of a wide frame (`y` a list) or one column split by `color`."""
    if isinstance(y, list):
        data = data.melt(id_vars=[x], value_vars=y, var_name="series", value_name="value")
        color, y = "series", "value"
    x_range = [float(data[x].min()), float(data[x].max())]
    x_scale = alt.Scale(type="log", domain=x_range, nice=False) if log_x else alt.Scale(domain=x_range)
    y_scale = alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined
    line = alt.Chart().mark_line(point=True).encode(
        x=alt.X(f"{x}:Q", scale=x_scale, title=x),
        y=alt.Y(f"{y}:Q", scale=y_scale, title=y_title or y),
        color=alt.Color(f"{color}:N", scale=alt.Scale(scheme=WORD_SCHEME),
                        legend=alt.Legend(title=None, orient="bottom", columns=2)),
        tooltip=[alt.Tooltip(f"{x}:Q", format=".3~g"), alt.Tooltip(f"{color}:N"), alt.Tooltip(f"{y}:Q", format=".4f")],
    )
    layers = [line]
    if mark_x is not None:
        layers.append(alt.Chart().mark_rule(strokeDash=[4, 4], color="#555").encode(x=alt.datum(mark_x)))
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
