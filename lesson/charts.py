"""Altair chart builders: one per kind of picture, reused on every page (altair + pandas, no streamlit).

Colours follow one rule per quantity, everywhere:
- probabilities (attention weights) on a fixed 0..1 sequential scale, and nothing else on it (other values in 0..1,
  `bars(unit=True)`, get the 0..1 axis but the colour of any positive value);
- signed values (X, W, Q, K, V, scores, outputs) in heatmaps on a diverging scale centred on 0 (several heatmaps
  may share one with `heatmap(reach=...)`); in bars, whose length already tells the size, only the sign is
  coloured: NEGATIVE_COLOUR or POSITIVE_COLOUR, the diverging scale's two ends;
- words by their position in the sentence: word i is WORD_COLOURS[i] in every chart of every page;
- anything else drawn as a group or series (e.g. "soft" and "hard" results, "std of q·k" and "√d_k") in
  SERIES_COLOURS, greys that no word uses (and, for lines, dashes; bars may draw one group hollow).
The schemes are colour-blind safe (WORD_COLOURS as far as 12 colours can be), and numbers are written in white on
the cells dark enough to need it. `describe` gives a heatmap's text alternative for screen readers.

Every builder returns a Figure (lesson.figures): the data to show, and how to draw it, its `look` naming all the
drawing depends on besides the data.
"""
from __future__ import annotations

import math
from functools import lru_cache

import altair as alt
import numpy as np

from explainer import Matrix

from .figures import Figure, Table, figure
from .tables import cells

# One meaning per colour: probabilities are purple, signed values blue (below 0) to orange (above 0), words their
# own colours, from hues neither scale uses.
PROBABILITY_SCHEME = "purples"
SIGNED_SCHEME = "blueorange"
# Word i of a sentence is WORD_COLOURS[i] in every chart. No word is blue, cyan, purple or magenta (HLS hue 180-320°)
# nor orange (25-45°), nor grey (HLS saturation ≥ 0.4), nor paler on white than 1.6:1. Distances below are CIE 1976
# ΔE (L*a*b*), the worst of normal vision and simulated protanopia and deuteranopia (Machado 2009). The first seven
# are the colours of CARTO's "Safe" palette (after Paul Tol's "muted") that are neither grey, blue nor purple,
# ordered so that short sentences get the most distinct ones: any two of the first four differ by ΔE ≥ 27, of the
# first six by 19.5, of the seven by 15.5. The last five are the five of the grid #000000, #000011, ... #ffffff
# (hex digits doubled) that keep the closest pair of all twelve furthest apart, among colours no more saturated
# than the first seven (C* ≤ 53), ΔE 20 from the focus red and 15 from the series greys, and, with normal vision,
# ΔE 30 from the two scales' colours (25 from their near-white ones): any two of the twelve differ by ΔE ≥ 10.3
# (12.9 with normal vision). Without blue, colour-blind eyes tell the last five from the rest mostly by lightness.
WORD_COLOURS = ("#44aa99", "#661100", "#999933", "#882255", "#117733", "#ddcc77",
                "#cc6677", "#88ddaa", "#dd7766", "#bbcc88", "#339955", "#dd9988")
# Groups and series that are not words: greys (and, for lines, dashes), which no word uses.
SERIES_COLOURS = ("#222222", "#8c8c8c", "#555555", "#b8b8b8")
SERIES_DASHES = ((1, 0), (6, 4), (2, 2), (8, 3, 2, 3))
PROBABILITY_COLOUR = "#684ea2"  # PROBABILITY_SCHEME at 0.8: one colour for a share drawn as a bar outside a chart
NEGATIVE_COLOUR, POSITIVE_COLOUR = "#2f78b3", "#c5690d"  # SIGNED_SCHEME at -0.8 and +0.8 of its reach
MASKED_COLOUR = "#767676"  # the darkest grey still light enough to read as "not there"; 4.5:1 on white
CELL = 30  # px per heatmap row
QUERY_COLOUR, KEY_COLOUR = "#d62728", "#555555"  # red asks, grey answers (blue is for values below 0)
FOCUS_STROKE = QUERY_COLOUR  # the outline of the word in focus: the query
# Where a cell gets dark enough for white numbers: where white text contrasts more than black by APCA (the
# WCAG 3 draft's contrast, which, unlike WCAG 2's ratio, agrees with readers that black on mid-blue is poor).
# For PROBABILITY_SCHEME ("purples") that is above 0.41; for SIGNED_SCHEME beyond -0.57 or +0.63 of its reach.
STRONG = 0.41
SIGNED_STRONG = (0.57, 0.63)  # (negative side, positive side), as fractions of the reach
LEGEND_RIGHT_FROM = 5  # lines with this many series or more list them on the right, one a row
LEGEND_ROW = 22  # px a line of such a legend takes
PLOT_HEIGHT = 240  # px of plot in lines and stacked bars, whatever their legend takes


def _in_order(values) -> tuple:
    """The distinct values of a column in their order of first appearance (words: the sentence's order), as plain
    Python values for the spec."""
    return tuple(v.item() if isinstance(v, np.generic) else v for v in dict.fromkeys(values))


def _by_flag(channel, field: str, when_true, when_false):
    """A channel set by a boolean field of the data: `when_true` where it holds, `when_false` elsewhere.

    Does what alt.condition does, but as a typed channel: Altair checks a condition's plain dict against the
    whole Vega-Lite schema on every build, which cost most of a chart's build.
    """
    return channel(f"{field}:N", scale=alt.Scale(domain=[True, False], range=[when_true, when_false]), legend=None)


def _ink() -> alt.Fill:
    """Text colour that stays readable on its cell: white on dark colours (field `strong`), black elsewhere."""
    return _by_flag(alt.Fill, "strong", "white", "black")


def probability_scale() -> alt.Scale:
    return alt.Scale(scheme=PROBABILITY_SCHEME, domain=[0, 1])


def word_scale(words) -> alt.Scale:
    """The colour scale of words, the same on every chart: the words in sentence order, word i in WORD_COLOURS[i]
    (repeating beyond its 12 colours, more words than a sentence takes)."""
    words = list(words)
    return alt.Scale(domain=words, range=[WORD_COLOURS[i % len(WORD_COLOURS)] for i in range(len(words))])


def series_scale(names, palette=SERIES_COLOURS) -> alt.Scale:
    """The scale of groups or series that are not words: in their order, from `palette` (SERIES_COLOURS)."""
    names = list(names)
    return alt.Scale(domain=names, range=[_as_list(palette[i % len(palette)]) for i in range(len(names))])


def _as_list(value):
    return list(value) if isinstance(value, tuple) else value


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


def strong(values: np.ndarray, *, probability: bool = False, reach: float = 1.0) -> np.ndarray:
    """Where the colour of a value is dark enough for white text (see STRONG and SIGNED_STRONG). Values beyond the
    reach get the scale's darkest colour, so they are strong too. Values that are not finite (a masked score's
    −∞) get no colour at all: their text stays black."""
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        if probability:
            dark = values > STRONG
        else:
            negative, positive = SIGNED_STRONG
            dark = (values < -negative * reach) | (values > positive * reach)
    return dark & np.isfinite(values)


def _number(value: float, digits: int = 2, *, leading_zero: bool = True) -> str:
    """`digits` decimals with a real minus sign; exact zeros as a plain 0, so that the non-zero cells stand out; a
    negative number that rounds to zero without its minus sign (−0.04 to one decimal: 0.0, not −0.0). Without
    `leading_zero`, 0.05 is written .05."""
    if not np.isfinite(value):
        return "−∞" if value < 0 else "∞"
    if value == 0:
        return "0"
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    if not leading_zero and abs(value) < 1:
        text = text.replace("0.", ".", 1)
    return text.replace("-", "−")


CROWDED = 8  # a heatmap with more columns than this writes shorter numbers, in smaller type


def cell_label(value: float, *, probability: bool = False, crowded: bool = False) -> str:
    """A heatmap cell's number. Two decimals (0.31, −1.20); in a crowded heatmap (more than CROWDED columns: 12
    columns on a phone leave about 25 px a cell), signed values get one decimal (−1.2) and probabilities keep two
    decimals without the leading zero (.05, .31): one decimal would write 0.05 as 0.1, twice its size, and show
    nothing of the small weights that make up most of a row. Exact zeros stay 0, and masked scores −∞."""
    if not crowded:
        return _number(value)
    return _number(value, 2, leading_zero=False) if probability else _number(value, 1)


def cell_font_size(n_cols: int) -> int:
    """The type size of a heatmap's numbers: 12 px up to 6 columns, 10 up to 9, 9 above."""
    return 12 if n_cols <= 6 else 10 if n_cols <= 9 else 9


def heatmap(matrix: Matrix, *, probability: bool = False, focus_row: int | None = None,
            focus_cell: tuple[int, int] | None = None, select: str | None = None,
            select_fields: tuple[str, ...] = ("row_index",), subtitle: str | list[str] | None = None,
            reach: float | None = None, numbers_if_room: bool = False) -> Figure:
    """A matrix as coloured cells with its numbers written in, titled with its name and shape.

    focus_row / focus_cell outline the cells in focus. `select` names a click selection on `select_fields`
    (row_index, col_index), for a page to read which cell was clicked. A subtitle given as a list is one line each.
    `reach` fixes the signed scale's half width (default: signed_reach of this matrix): give several heatmaps one
    reach, e.g. signed_reach of all their values, so that the same number has the same colour in each. It has no
    effect on probabilities, always on 0..1.
    `numbers_if_room` is for cells the browser may make narrow (32 columns, or a long sentence's tokens, on a
    phone): each number is written only where the browser gives every cell the room it takes (label_room), with
    two decimals where they fit and the crowded form of cell_label where only that fits; the column labels are
    upright, those that would run into each other dropped; and the row in focus is framed as a whole (not each of
    its cells, whose frames would cut into their numbers), so no focus_cell.
    """
    values = np.asarray(matrix.values, dtype=float)
    if probability:
        reach = 1.0
    elif reach is None:
        reach = signed_reach(values)
    rows, cols = np.indices(values.shape)
    focus = np.zeros(values.shape, dtype=bool)
    if focus_row is not None:
        focus = rows == focus_row
    if focus_cell is not None:
        if numbers_if_room:
            raise ValueError("numbers_if_room frames a row in focus, not a cell")
        focus = (rows == focus_cell[0]) & (cols == focus_cell[1])
    crowded = len(matrix.cols) > CROWDED
    label = [cell_label(v, probability=probability, crowded=crowded and not numbers_if_room) for v in values.ravel()]
    data = cells(matrix) | {"label": label, "strong": strong(values, probability=probability, reach=reach).ravel(),
                            "focus": focus.ravel()}
    rooms = None
    if numbers_if_room:
        data["short"] = [cell_label(v, probability=probability, crowded=crowded) for v in values.ravel()]
        rooms = (label_room(data["label"]), label_room(data["short"]))
    return figure("heatmap", data, _draw_heatmap, title=matrix.title, subtitle=subtitle or matrix.caption,
                   symbol=matrix.symbol, rows=matrix.rows, cols=matrix.cols, probability=probability,
                   reach=float(reach), select=select, select_fields=select_fields,
                   font_size=cell_font_size(len(matrix.cols)), rooms=rooms)


def label_room(labels) -> float:
    """How many type sizes across a cell needs for the widest of these numbers (numbers_if_room): half a size a
    character, the longest's ("−0.6": 2, ".05": 1.5). A digit or a minus sign takes about half a size, a point a
    quarter: the other quarter is room to spare."""
    return max(map(len, labels), default=0) / 2


def _draw_heatmap(data, *, title, subtitle, symbol, rows, cols, probability, reach, select, select_fields,
                  font_size, rooms):
    numbers_if_room = rooms is not None
    # slant the column labels so that none is dropped or runs into the next for lack of room: when there are many,
    # or when together they are long (four value dimensions in a third of a page)
    slanted = len(cols) > 4 or sum(map(len, cols)) > 12
    # with numbers_if_room, labels that would run into each other are dropped, upright ones (Vega tests the
    # overlap of labels' upright boxes: a slanted label's box is wider than the label)
    angle = (-90 if numbers_if_room else -45) if slanted else 0
    # (upright names 11 px high, nothing between them, fit 16 px columns: 18 tokens on a phone)
    x = alt.X("col:N", sort=list(cols), title=None,
              axis=alt.Axis(orient="top", labelAngle=angle, labelOverlap=numbers_if_room, labelLimit=90,
                            labelFontSize=NAME_TYPE if numbers_if_room else 12,
                            **({"labelSeparation": 0} if numbers_if_room else {})))
    y = alt.Y("row:N", sort=list(rows), title=None, axis=alt.Axis(labelLimit=90, labelFontSize=12))
    base = alt.Chart().encode(x=x, y=y)
    cells = base.mark_rect().encode(
        color=alt.Color("value:Q", scale=probability_scale() if probability else signed_scale(reach), legend=None),
        tooltip=[alt.Tooltip("row:N", title="row"), alt.Tooltip("col:N", title="column"),
                 alt.Tooltip("value:Q", title=symbol, format=".4f")],
    )
    if not numbers_if_room:
        cells = cells.encode(stroke=_by_flag(alt.Stroke, "focus", FOCUS_STROKE, "transparent"),
                             strokeWidth=_by_flag(alt.StrokeWidth, "focus", 3, 0))
    if select:
        cells = cells.add_params(alt.selection_point(name=select, fields=list(select_fields), on="click"))
    layers = [cells]
    if numbers_if_room:
        # the plot's width is only known in the browser: there, each number shows in the longest form every cell
        # has room for (px of plot: the columns times the room of the widest number)
        full, short = (round(len(cols) * room * font_size) for room in rooms)
        layers.append(base.mark_text(fontSize=font_size, text=alt.ExprRef(
            f"width >= {full} ? datum.label : datum.short"), opacity=alt.ExprRef(f"width >= {short} ? 1 : 0"))
            .encode(fill=_ink()))
        layers.append(base.mark_rect(filled=False, stroke=FOCUS_STROKE, strokeWidth=3, aria=False).encode(  # axe
            x=alt.value(0), x2=alt.value("width")).transform_filter(alt.datum.focus & (alt.datum.col_index == 0)))
    else:
        layers.append(base.mark_text(fontSize=font_size).encode(text=alt.Text("label:N"), fill=_ink()))
    return alt.layer(*layers, data=data).properties(
        title=alt.Title(title, subtitle=list(subtitle) if isinstance(subtitle, tuple) else subtitle,
                        anchor="start"),
        height=alt.Step(CELL), width="container")


HEADS_A_ROW = 3  # small maps a row: three fit a 390 px phone
HEAD_MAP = 100  # px a small map
NAME_TYPE = 11  # px: the type of the tokens' names
OPEN_ROW = 16  # px: the least height of a row of the open head's map, a name and room between names
PHONE_WIDTH = 390 - 2 * 16  # px: the page's width on a 390 px phone


def head_maps(data: Table, *, title: str, opened: int, opened_title: str, select: str) -> Figure:
    """Every head's attention map of one layer, small and with no room for the tokens' names, HEADS_A_ROW a row;
    below them the open head's map large, titled `opened_title`, as wide as the page, its rows and columns named by
    their tokens (the columns' where they fit: a name that would run into the one before is left out). The open
    head's name is marked; a click on a small map selects its head (a click selection named `select` on field
    head). To be drawn with width="stretch": Streamlit then sets the open map's width (a panel of a vconcat) to the
    page's.

    `data` has one row per (head, query, key), in that order: columns head (counted from 1, as `opened`), row,
    col, row_index, col_index and value, the weight.
    """
    names = _in_order(data["row"])
    # The rows' names are written right of the open map, inside its width (an axis beside it would make the chart
    # wider than the page): from the middle of the first of some empty columns at the end of its x scale, as many
    # as a phone needs for the longest name and half a column (named by spaces, and not labelled).
    # Its rows as high as its columns are wide on a phone (square cells there), from OPEN_ROW to a heatmap's CELL.
    room = max(map(len, names)) * 0.6 * NAME_TYPE  # px
    blank = math.ceil(room * len(names) / (PHONE_WIDTH - room) + 0.5)
    row = round(min(CELL, max(OPEN_ROW, PHONE_WIDTH / (len(names) + blank))))
    return figure("head_maps", data, _draw_head_maps, title=title, opened=opened, opened_title=opened_title,
                   select=select, names=names, blank=blank, row=row)


def _draw_head_maps(data, *, title, opened, opened_title, select, names, blank, row):
    base = alt.Chart(data).mark_rect().encode(
        color=alt.Color("value:Q", scale=probability_scale(), legend=None),
        tooltip=[alt.Tooltip("head:O"), alt.Tooltip("row:N", title="query"), alt.Tooltip("col:N", title="key"),
                 alt.Tooltip("value:Q", title="weight", format=".3f")],
    )
    small = base.encode(x=alt.X("col:N", sort=list(names), axis=None), y=alt.Y("row:N", sort=list(names), axis=None)
                        ).add_params(alt.selection_point(name=select, fields=["head"], on="click")
                                     ).properties(width=HEAD_MAP, height=HEAD_MAP)
    header = alt.Header(labelExpr=f"datum.value == {opened} ? '▶ head ' + datum.value + ' (open)' : "
                                  "'head ' + datum.value",
                        labelFontSize=12, labelFontWeight="bold", labelPadding=2, title=None)
    # the columns' names across them where they fit a phone's columns, else upright; every one where it has room,
    # else Vega drops every other name until the rest fit
    n = len(names)
    across = max(map(len, names)) * 0.6 * NAME_TYPE < (PHONE_WIDTH / (n + blank))
    x = alt.X("col:N", title=None, scale=alt.Scale(domain=[*names, *(" " * (i + 1) for i in range(blank))]),
              axis=alt.Axis(values=list(names), orient="top", labelAngle=0 if across else -90, labelFontSize=NAME_TYPE,
                            labelLimit=70, labelOverlap=True, labelSeparation=0, labelFlush=False, labelBound=True,
                            ticks=False, domain=False))  # (unbound, the upright boxes of 64 names widened the chart)
    y = alt.Y("row:N", sort=list(names), title=None, axis=None)
    row_names = alt.Chart(data).mark_text(align="left", fontSize=NAME_TYPE).encode(
        x=alt.XDatum(" "), y=y, text=alt.Text("row:N")).transform_filter(alt.datum.col_index == 0)
    large = alt.layer(base.encode(x=x, y=y), row_names, data=data).transform_filter(alt.datum.head == opened
                                                                                     ).properties(
        width="container", height=alt.Step(row), title=alt.Title(opened_title, fontSize=12, anchor="start"))
    return alt.vconcat(small.facet(facet=alt.Facet("head:O", header=header), columns=HEADS_A_ROW, spacing=8),
                       large, spacing=20).properties(
        title=alt.Title(title, subtitle=["rows: queries · columns: keys · darker = more weight",
                                         "click a map to open its head: it is drawn large below"], anchor="start"))


def sentence_strip(words: Table, *, select: str | None = None) -> Figure:
    """The sentence as a row of word tiles, each coloured by how much the focus word attends to it.

    `words` has columns word, position, weight, focus (bool). A click selection named `select` on `position`.
    """
    columns = {**{column: words[column] for column in words}, "strong": strong(words["weight"], probability=True)}
    return figure("sentence_strip", columns, _draw_sentence_strip, select=select,
                   upright=len(columns["word"]) > STRIP_ACROSS)


# Axis numbers without trailing zeros (an axis over all-zero values reads "0", not "0.000000"), and never in
# exponent form: Vega rounds a "g" format to the ticks' step, so "~g" wrote the tick 30 as "3e+1".
TICKS = "~f"

STRIP_ACROSS = 6
"""Up to this many words, the strip writes each word across its tile; beyond, upright (turned a quarter), so that
12 words still fit a phone's width without running into each other."""


def _draw_sentence_strip(data, *, select, upright):
    base = alt.Chart().encode(x=alt.X("position:O", axis=None))
    height = 110 if upright else 44
    tiles = base.mark_rect(cornerRadius=6, height=height).encode(
        color=alt.Color("weight:Q", scale=probability_scale(), legend=None),
        stroke=_by_flag(alt.Stroke, "focus", FOCUS_STROKE, "#999"),
        strokeWidth=_by_flag(alt.StrokeWidth, "focus", 3, 1),
        tooltip=[alt.Tooltip("word:N"), alt.Tooltip("weight:Q", title="attention", format=".4f")],
    )
    if select:
        tiles = tiles.add_params(alt.selection_point(name=select, fields=["position"], on="click"))
    if upright:  # the share across the top of the tile; the word below it, turned to read upwards from the bottom
        word = base.mark_text(fontSize=13, fontWeight="bold", angle=270, align="left", baseline="middle", dx=-22,
                              limit=76).encode(text=alt.Text("word:N"), fill=_ink())
        share = base.mark_text(fontSize=10, dy=-62).encode(text=alt.Text("weight:Q", format=".2f"), fill=_ink())
    else:
        word = base.mark_text(fontSize=14, fontWeight="bold", dy=-10).encode(text=alt.Text("word:N"), fill=_ink())
        share = base.mark_text(fontSize=11, dy=6).encode(text=alt.Text("weight:Q", format=".2f"), fill=_ink())
    return alt.layer(tiles, word, share, data=data).properties(height=height + 16, width="container")


MASKED_LABEL = "masked (−∞)"
BAR_PLOT = 92  # px: the narrowest plot bars are drawn in (a panel of a grid of two on a phone); their numbers fit it
WIDE_PLOT = 220  # px: the narrowest plot of bars as wide as the page (a 390 px phone, with row names beside them)
NUMBER_CHARACTER = 6.5  # px a character of a bar's number takes (12 px type), a little more than a digit's


def bars(data: Table, *, x: str, y: str, title: str, probability: bool = False, color: str | None = None,
         rule_at: float | None = None, domain: tuple[float, float] | None = None, unit: bool = False,
         words: bool = False, row_names: bool = True, plot: int = BAR_PLOT, hollow: str | None = None) -> Figure:
    """Horizontal bars with their numbers written at the end: one bar per row of `data`, in its order.

    Probabilities get the fixed 0..1 sequential colour scale and axis. Other values in 0..1 get the axis with
    `unit=True` (e.g. softmax's exp(scaled − max), whose largest is exactly 1), not the probabilities' colours: they
    are not shares. Other values are coloured by their sign only, NEGATIVE_COLOUR or POSITIVE_COLOUR (the bar's
    length tells the size); their axis may be fixed with `domain`, else it runs from the lowest value (or 0) to the
    highest (or 0). A field `color` colours the bars by group instead and sets the bars of one row side by side,
    one per group: with `words=True` the groups are words of the sentence, in sentence order, coloured as words are
    on every chart (WORD_COLOURS); otherwise they get SERIES_COLOURS, or, the group named `hollow`, white inside an
    outline (then every bar is outlined): three groups in greys alone would leave two dark greys to tell apart.
    `rule_at` draws a vertical line at that value (e.g. 0). Without `row_names` the rows are not named: a panel
    beside one that names the same rows.

    Every number is written inside the plot, `plot` px wide at the least (see _number_places): beyond its bar's end
    where there is room, else inside the bar in white, else on the other side of the zero line; a negative
    value's number first right of the zero line. A value that is not finite (a masked score) gets no bar and a grey
    "masked (−∞)" where a 0 would be written.
    """
    values = np.asarray(data[x], dtype=float)
    finite = np.isfinite(values)
    negative = finite & (values < 0)
    labels = [_number(v) if ok else MASKED_LABEL for v, ok in zip(values, finite, strict=True)]
    if probability or unit:
        domain = (0, 1)
    ends = domain or (min(0.0, float(values[finite].min(initial=0))), max(0.0, float(values[finite].max(initial=0))))
    groups = tuple(dict.fromkeys(data[color])) if color else None
    inked = strong(values, probability=True) if probability else np.ones(len(values), dtype=bool)
    at, before, inside = _number_places(values, labels, ends, inside=color is None, plot=plot)
    columns = {**{column: data[column] for column in data},
               x: np.where(finite, values, np.nan),  # NaN, null in the chart's data: no bar
               "_label": labels, "_at": at, "_before": before, "_negative": negative,
               "_ink": np.where(~finite, MASKED_COLOUR, np.where(inside & inked, "white", "black"))}
    return figure("bars", columns, _draw_bars, x=x, y=y, title=title, probability=probability,
                   rule_at=rule_at, domain=domain, order=tuple(dict.fromkeys(data[y])), color=color, groups=groups,
                   words=bool(words and color), row_names=row_names, hollow=hollow)


def _number_places(values: np.ndarray, labels: list[str], ends: tuple[float, float], *,
                   inside: bool, plot: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each bar's number goes so that it stays inside a plot `plot` px wide spanning `ends`: the value it
    is written at, whether it ends there (written before it, right-aligned) rather than starts there, and whether
    it is inside its bar. The first place with room for it, in this order: a value ≥ 0 beyond its bar's end, inside
    the bar (where `inside`; grouped bars' colours are not all dark enough for white), left of the zero line; a
    negative one right of the zero line, beyond its bar's end, inside the bar. Where none has room, the roomiest.
    A label with no bar (masked) goes where a 0 would."""
    low, high = ends
    span = (high - low) or 1.0
    at, before, within = np.zeros(len(values)), np.zeros(len(values), bool), np.zeros(len(values), bool)
    for i, (value, label) in enumerate(zip(np.nan_to_num(values, nan=0, posinf=0, neginf=0), labels, strict=True)):
        need = (4 + 2 + NUMBER_CHARACTER * len(label)) / plot * span  # its dx, a margin and its characters
        # (room, value written at, ends there, inside the bar)
        beyond_end = (high - value, value, False, False) if value >= 0 else (value - low, value, True, False)
        in_bar = (abs(value) if inside else 0.0, value, value >= 0, True)
        other_side = (-low, 0.0, True, False) if value >= 0 else (high, 0.0, False, False)
        places = [beyond_end, in_bar, other_side] if value >= 0 else [other_side, beyond_end, in_bar]
        _, at[i], before[i], within[i] = next((place for place in places if place[0] >= need),
                                              max(places, key=lambda place: place[0]))
    return at, before, within


def _draw_bars(data, *, x, y, title, probability, rule_at, domain, order, color, groups, words, row_names, hollow):
    # the axis ends where the values do, as _number_places counts: a "nice" end further out would leave them room
    # they do not need, and move them from where they were placed
    scale = alt.Scale(domain=list(domain)) if domain else alt.Scale(nice=False)
    base = alt.Chart().encode(
        y=alt.Y(f"{y}:N", sort=list(order), title=None,
                axis=alt.Axis(labelLimit=100) if row_names else alt.Axis(labels=False, ticks=False)),
        x=alt.X(f"{x}:Q", title=None, scale=scale, axis=alt.Axis(format=TICKS)),
    )
    tooltip = [alt.Tooltip(f"{y}:N"), alt.Tooltip(f"{x}:Q", format=".4f")]
    outline = {"stroke": SERIES_COLOURS[0], "strokeWidth": 1} if hollow else {}
    if color:
        base = base.encode(yOffset=alt.YOffset(f"{color}:N", sort=list(groups)))
        greys = iter(SERIES_COLOURS)  # (a hollow bar among more than four groups would run out of them)
        palette = tuple("white" if group == hollow else next(greys) for group in groups) if hollow else SERIES_COLOURS
        fill = alt.Color(f"{color}:N", scale=word_scale(groups) if words else series_scale(groups, palette),
                         legend=alt.Legend(title=None, orient="bottom", columns=3 if words else 2, labelLimit=120,
                                           **({"symbolStrokeColor": SERIES_COLOURS[0], "symbolStrokeWidth": 1}
                                              if hollow else {})))
        tooltip.append(alt.Tooltip(f"{color}:N"))
    elif probability:
        fill = alt.Color(f"{x}:Q", scale=probability_scale(), legend=None)
    else:  # the bar's length tells the size: the colour only needs to tell the sign
        fill = _by_flag(alt.Color, "_negative", NEGATIVE_COLOUR, POSITIVE_COLOUR)
    bar = base.mark_bar(**outline).encode(color=fill, tooltip=tooltip)
    label = base.encode(x=alt.X("_at:Q", title=None), text=alt.Text("_label:N"),
                        fill=alt.Fill("_ink:N", scale=None))
    layers = [bar, label.transform_filter("!datum._before").mark_text(align="left", dx=4, fontSize=12),
              label.transform_filter("datum._before").mark_text(align="right", dx=-4, fontSize=12)]
    if rule_at is not None:
        layers.append(alt.Chart().mark_rule(color="#555", aria=False).encode(x=alt.XDatum(rule_at)))
    return alt.layer(*layers, data=data).properties(title=alt.Title(title, anchor="start"), height=alt.Step(24),
                                                    width="container")


def _word_legend(title: str | None) -> alt.Legend:
    """The legend of words under a chart, three a row, so that 12 words fit a phone's width."""
    return alt.Legend(title=title, orient="bottom", columns=3, labelLimit=80, columnPadding=12)


FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")  # the height is the plot's: legends add to it


def stacked_contributions(data: Table, *, title: str) -> Figure:
    """Each word's share a·v of each output dimension, stacked; a black tick marks their sum, the output itself.

    `data` from views.contributions (word, word_index, dim, weight, value, contribution); the words coloured as
    words are on every chart.
    """
    return figure("stacked_contributions", data, _draw_stacked_contributions, title=title,
                   words=tuple(dict.fromkeys(data["word"])), dims=tuple(dict.fromkeys(data["dim"])))


def _draw_stacked_contributions(data, *, title, words, dims):
    x = alt.X("dim:N", sort=list(dims), title=None, axis=alt.Axis(labelAngle=0))
    stack = alt.Chart().mark_bar().encode(
        x=x, y=alt.Y("sum(contribution):Q", title="contribution a·v", axis=alt.Axis(format=TICKS)),
        color=alt.Color("word:N", scale=word_scale(words), legend=_word_legend("from word")),
        order=alt.Order("word_index:Q"),
        tooltip=[alt.Tooltip("word:N"), alt.Tooltip("dim:N"), alt.Tooltip("weight:Q", title="a (weight)", format=".4f"),
                 alt.Tooltip("value:Q", title="v (value)", format=".4f"),
                 alt.Tooltip("contribution:Q", title="a·v", format=".4f")],
    )
    total = alt.Chart().transform_aggregate(output="sum(contribution)", groupby=["dim"]).encode(
        x=x, y=alt.Y("output:Q"))
    # the total lies anywhere on the stack when the signs are mixed, often on a dark word's colour: its tick and
    # number are drawn over a white halo, so that they read on any colour
    number = dict(dy=-10, fontSize=12, fontWeight="bold")
    text = alt.Text("output:Q", format=".2f")
    halos = [total.mark_tick(color="white", opacity=1, thickness=7, size=44, aria=False),
             total.mark_text(**number, fill="white", stroke="white", strokeWidth=4, strokeJoin="round",
                             aria=False).encode(text=text)]
    tick = total.mark_tick(color="black", opacity=1, thickness=3, size=40)  # a tick is 0.7 opaque by default
    label = total.mark_text(**number, fill="black").encode(text=text)
    zero = alt.Chart().mark_rule(color="#555", aria=False).encode(y=alt.YDatum(0))
    return alt.layer(stack, zero, *halos, tick, label, data=data).properties(
        title=alt.Title(title, anchor="start"), height=PLOT_HEIGHT, width="container", autosize=FIT_WIDTH)


def bag_of_words(data: Table, *, title: str) -> Figure:
    """Each query's output as a bag of words: one 100% bar per query, split by the attention it gives each word.

    `data` is the tidy attention matrix (row = query, col = key, value = weight); the keys coloured as words are
    on every chart, in the order of `col_index`.
    """
    _, first = np.unique(np.asarray(data["col_index"]), return_index=True)
    keys = _in_order(np.asarray(data["col"], dtype=object)[first])
    return figure("bag_of_words", data, _draw_bag_of_words, title=title, rows=tuple(dict.fromkeys(data["row"])),
                   keys=keys)


def _draw_bag_of_words(data, *, title, rows, keys):
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("row:N", sort=list(rows), title=None),
        x=alt.X("sum(value):Q", title="weight in A: share of the bag", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        color=alt.Color("col:N", scale=word_scale(keys), legend=_word_legend("made of word")),
        order=alt.Order("col_index:Q"),
        tooltip=[alt.Tooltip("row:N", title="output of"), alt.Tooltip("col:N", title="word"),
                 alt.Tooltip("value:Q", title="weight (share of the bag)", format=".1%")],
    ).properties(title=alt.Title(title, anchor="start"), height=alt.Step(CELL), width="container",
                 autosize=FIT_WIDTH)


def vectors(points: Table, *, title: str, size: int = 300, bounds: tuple[float, float] | None = None) -> Figure:
    """Queries and keys as arrows from the origin in a square plane `size` px a side (equal units on both axes, so
    angles are true): `points` has columns word, kind ("query" or "key"), x, y, focus (the arrow drawn bold) and,
    optionally, top (the keys the query attends to most, whose names are never joined to others': see
    _arrow_labels).

    The plane spans `bounds` (lowest, highest coordinate; by default the points'), with a margin, out to round
    numbers: given bounds that hold every word's fan (views.fan_bounds), another word in focus keeps the plane and
    the spec, and the browser moves the arrows instead of drawing the chart again.
    """
    xy = np.concatenate([np.asarray(points["x"], dtype=float), np.asarray(points["y"], dtype=float)])
    low, high = bounds or (float(xy.min()), float(xy.max()))
    low, high = min(0.0, low), max(0.0, high)
    pad = 0.15 * ((high - low) or 1.0)
    domain = (-_round_up(pad - low), _round_up(high + pad))
    top = points["top"] if "top" in points else np.zeros(len(points["word"]), dtype=bool)
    names = _arrow_labels(*(tuple(np.asarray(points[column]).tolist()) for column in ("word", "kind", "x", "y")),
                          tuple(np.asarray(top, dtype=bool).tolist()), domain, size)
    columns = {**{column: points[column] for column in points}, **names}
    return figure("vectors", columns, _draw_vectors, title=title, size=size, domain=domain)


ARROW_TEXT = 12  # px: the type of the arrows' names
# px across a letter of 12 px type in the theme's font (Source Sans), rounded up from Chromium's measures: the
# narrow letters, the wide ones, any other, and a letter of a script written in squares (CJK), a whole em
NARROW, WIDE, LETTER, SQUARE = set("fijlrtI ,()'-.1"), set("mwMW"), 6.7, 12
NARROW_LETTER, WIDE_LETTER = 4.2, 10
LINE = 15  # px: the height of a line of names
GAP = 6  # px between an arrow's head and its name
HEAD = 4.5  # px: the radius of an arrow's head (a point of size 60)
# Places for a name around its arrow's head, best first: (side, vertical). side: where the name sits, "right" of
# the head (it starts there: align left), "left" of it (ends there: align right) or "center" (centred on it);
# vertical: its middle above the head (+1), level with it (0) or below it (-1)
PLACES = (("right", 1), ("right", 0), ("left", 1), ("right", -1), ("left", 0), ("left", -1), ("center", 1),
          ("center", -1))


def text_width(text: str) -> float:
    """About how many px `text` takes in ARROW_TEXT type, never much less than it does."""
    return sum(NARROW_LETTER if c in NARROW else WIDE_LETTER if c in WIDE else LETTER if ord(c) < 0x2E80 else SQUARE
               for c in text) * ARROW_TEXT / 12


@lru_cache(maxsize=256)  # a class on one link asks for the same arrows: ~5 ms for 12 words
def _arrow_labels(words: tuple[str, ...], kinds: tuple[str, ...], x: tuple[float, ...], y: tuple[float, ...],
                  top: tuple[bool, ...], domain: tuple[float, float], size: int) -> dict[str, tuple]:
    """Where the name of each arrow (its word, kind, head at x, y; top: a top key) goes, in a plane spanning
    `domain` on `size` px, so that no two names print over each other or leave the plane, and none is crossed by an
    arrow or covers an arrow's head where a place for it has neither: columns label (the text, "" for an arrow
    named in another's label), label_x, label_y (the anchor, in the plane's units) and label_align (at the anchor
    the name starts, "left"; ends, "right"; or has its middle, "center"; it is always level with the anchor).

    The query's name is placed first, then the names of the top keys (the keys the query attends to most), then
    the other keys' in sentence order, each at the first free place around its head (PLACES). A key's name with
    no free place joins the label of the nearest group of keys of its rank (top or not), and the names are placed
    again from there: "jane, africa", or with more than two "my, little and 5 more", the name of the arrow it is
    written at first (the tooltips name each). So a top key's name stands alone, unless it ties with another.
    """
    px = size / (domain[1] - domain[0])
    heads = np.stack([x, y], axis=1) * px
    rank = [0 if kind == "query" else 1 if top[i] else 2 for i, kind in enumerate(kinds)]
    # arrows whose heads are drawn over each other (the keys of two copies of a word, positions off) share a name
    # from the start
    groups: list[list[int]] = []
    for i in sorted(range(len(words)), key=lambda i: rank[i]):
        near = (g for g in groups if rank[g[0]] == rank[i] and (np.abs(heads[g] - heads[i]).max(axis=1) < HEAD).any())
        spot = next(near, None)
        if spot:
            spot.append(i)
        else:
            groups.append([i])
    plane = (domain[0] * px, domain[1] * px)
    placed = []  # for each group placed so far: (the arrow its name is at, the name, its box, anchor, align) or None
    while len(placed) < len(groups):
        number, group = len(placed), groups[len(placed)]
        # the name of the arrow it is written at first: "over, the (1) and 5 more" at over
        names = [_group_name([words[at]] + [words[i] for i in group if i != at]) for at in group]
        boxes, anchors, at = _places(heads[group], np.array([text_width(name) for name in names]))
        taken = np.array([spot[2] for spot in placed if spot] or np.empty((0, 4)))
        over, crowd = _crowding(boxes, taken, heads, plane)
        best = int(np.argmin(over * len(heads) ** 2 + crowd))  # the first of the least crowded places
        mates = [g for g in groups if g is not group and rank[g[0]] == rank[group[0]]]
        if (over[best] or crowd[best]) and mates and rank[group[0]] > 0:  # it joins the nearest group of its rank
            nearest = min(mates, key=lambda g: np.abs(heads[g][:, None] - heads[group][None]).sum(axis=2).min())
            nearest[:] = sorted(nearest + groups.pop(number))
            del placed[min(number, groups.index(nearest)):]  # to be placed again, from there on
        elif over[best]:  # no place clear of other names (not seen in any sentence): the tooltips name them
            placed.append(None)
        else:
            placed.append((group[at[best]], names[at[best]], boxes[best], anchors[best], ALIGNS[best % len(PLACES)]))
    label, anchor, align = [""] * len(words), heads / px, ["left"] * len(words)
    for spot in filter(None, placed):
        at, label[at], _box, (x, y), align[at] = spot
        anchor[at] = (x / px, y / px)
    return {"label": tuple(label), "label_x": tuple(anchor[:, 0]), "label_y": tuple(anchor[:, 1]),
            "label_align": tuple(align)}


def _group_name(names: list[str]) -> str:
    """"jane", "jane, africa", or "my, little and 5 more"."""
    return ", ".join(names) if len(names) <= 2 else f"{names[0]}, {names[1]} and {len(names) - 2} more"


# for each place: the anchor's offset from the head (px), and where the name's box starts, in widths of it from
# the anchor: a name right of its head starts at the anchor (align left), one left of it ends there (align right)
_SHIFT = {"right": (GAP, 0.0, "left"), "left": (-GAP, -1.0, "right"), "center": (0.0, -0.5, "center")}
ANCHOR_OFFSETS = np.array([(_SHIFT[side][0], vertical * (LINE / 2 + GAP * (side == "center")))
                           for side, vertical in PLACES])
BOX_STARTS = np.array([_SHIFT[side][1] for side, _vertical in PLACES])
ALIGNS = [_SHIFT[side][2] for side, _vertical in PLACES]


def _places(heads: np.ndarray, widths: np.ndarray):
    """Every place around each of `heads` (PLACES, head by head) of its name, `widths` px long: the boxes (x0, y0,
    x1, y1 in px, y up), the anchors, and which of the heads each is at."""
    anchors = (heads[:, None, :] + ANCHOR_OFFSETS[None]).reshape(-1, 2)
    width = np.repeat(widths, len(PLACES))
    x0 = anchors[:, 0] + np.tile(BOX_STARTS, len(heads)) * width
    middle = anchors[:, 1]
    boxes = np.stack([x0, middle - LINE / 2, x0 + width, middle + LINE / 2], axis=1)
    return boxes, anchors, np.repeat(np.arange(len(heads)), len(PLACES))


def _crowding(boxes: np.ndarray, taken: np.ndarray, heads: np.ndarray, plane: tuple[float, float]):
    """For each of the boxes (n, 4): the names it prints over (`taken`, their boxes), counting leaving the plane as
    one; and the heads it covers and the arrows (from the origin to `heads`) that cross it."""
    x0, y0, x1, y1 = boxes[:, :, None].transpose(1, 0, 2)  # each (n, 1)
    over = ((x0 < plane[0]) | (y0 < plane[0]) | (x1 > plane[1]) | (y1 > plane[1]))[:, 0].astype(int)
    if len(taken):
        a, b, c, d = taken.T
        over += ((a < x1 + 2) & (x0 - 2 < c) & (b < y1 + 2) & (y0 - 2 < d)).sum(axis=1)
    hx, hy = heads[:, 0], heads[:, 1]
    covered = (hx > x0 - HEAD) & (hx < x1 + HEAD) & (hy > y0 - HEAD) & (hy < y1 + HEAD)
    # an arrow crosses a box (2 px wider all round, for the line's width) where their extents overlap and the box's
    # corners are not all on one side of the arrow's line
    x0, y0, x1, y1 = x0 - 2, y0 - 2, x1 + 2, y1 + 2
    spans = (np.minimum(hx, 0) < x1) & (np.maximum(hx, 0) > x0) & (np.minimum(hy, 0) < y1) & (np.maximum(hy, 0) > y0)
    sides = [np.sign(hx * y - hy * x) for x in (x0, x1) for y in (y0, y1)]
    split = np.abs(sides[0] + sides[1] + sides[2] + sides[3]) < 4
    return over, (covered | (spans & split)).sum(axis=1)


def _round_up(x: float) -> float:
    """The next of 1, 1.5, 2, 3, 4, 5, 6, 8 (times a power of ten) at or above x > 0."""
    power = 10.0 ** np.floor(np.log10(x))
    return float(next(step * power for step in (1, 1.5, 2, 3, 4, 5, 6, 8, 10) if step * power >= x * (1 - 1e-12)))


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
    names = base.mark_text(align=alt.ExprRef("datum.label_align"), baseline="middle", fontSize=ARROW_TEXT).encode(
        x=alt.X("label_x:Q", scale=scale, title=None), y=alt.Y("label_y:Q", scale=scale, title=None),
        text=alt.Text("label:N"))
    # the plot's own size (autosize pad: title and axes around it), so that a unit is as long across as up
    return alt.layer(arrows, heads, names, data=data).properties(
        title=alt.Title(title, anchor="start"), height=size, width=size, autosize=alt.AutoSizeParams(type="pad"))


def lines(data: Table, *, x: str, y: list[str] | str, title: str, log_x: bool = False,
          y_title: str | None = None, color: str | None = None, mark_x: float | None = None,
          y_domain: tuple[float, float] | None = None, words: bool | None = None) -> Figure:
    """Lines with points: several columns of a wide frame (`y` a list) or one column split by `color`.

    `mark_x` draws a dashed vertical line there (e.g. the current temperature). `words` says whether the lines
    are words of the sentence, coloured as words are on every chart and listed in sentence order; by default they
    are when `color` names a column (e.g. the temperature sweep's `key`), and not when `y` lists columns (named
    series such as "std of q·k" and "√d_k", drawn in greys and dashes, SERIES_COLOURS and SERIES_DASHES).
    The plot is PLOT_HEIGHT px high whatever the legend takes: below the plot for a few lines, on its right, one a
    row, from LEGEND_RIGHT_FROM lines on.
    """
    if isinstance(y, list):  # wide to long: one row per (x, column of y)
        data = {x: np.tile(np.asarray(data[x]), len(y)), "series": np.repeat(y, len(data[x])),
                "value": np.concatenate([np.asarray(data[column]) for column in y])}
        color, y = "series", "value"
        words = bool(words)
    else:
        data = {column: data[column] for column in data}
        words = color is not None if words is None else words and color is not None
    if mark_x is not None:
        data["_mark"] = np.full(len(data[x]), mark_x)
    if words:
        data["_over"] = _over_an_earlier(np.asarray(data[color], dtype=object), np.asarray(data[y], dtype=float))
    x_range = (float(np.min(data[x])), float(np.max(data[x])))
    whole = not log_x and bool(np.all(np.mod(data[x], 1) == 0))  # steps of training: no tick at 0.5
    series = _in_order(data[color]) if color else ()
    return figure("lines", data, _draw_lines, x=x, y=y, color=color, title=title, log_x=log_x,
                   y_title=y_title or y, marked=mark_x is not None, x_range=x_range, y_domain=y_domain,
                   series=series, words=words, whole=whole)


def _over_an_earlier(names: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each row: does its line lie on an earlier line at every point (equal values, in the same order)? Such a
    line is drawn dashed, so that the one under it shows through its gaps."""
    lines = {name: values[names == name] for name in dict.fromkeys(names)}
    over, seen = set(), []
    for name, line in lines.items():
        if any(len(line) == len(other) and np.allclose(line, other, rtol=0, atol=1e-6) for other in seen):
            over.add(name)
        seen.append(line)
    return np.array([name in over for name in names])


def _draw_lines(data, *, x, y, color, title, log_x, y_title, marked, x_range, y_domain, series, words, whole):
    # a linear axis keeps 8 px free at each end: a mark at its first value (the snapshot at step 0) is not hidden
    # by the axis line
    x_scale = (alt.Scale(type="log", domain=list(x_range), nice=False) if log_x else
               alt.Scale(domain=list(x_range), padding=8, nice=False))
    # one line alone (a loss curve) in the first series grey, as an encoding: the theme's blue would read as a
    # negative value, and Streamlit's theme paints over a colour set on the mark (seen in Chromium)
    line = alt.Chart().mark_line(point=True).encode(color=alt.value(SERIES_COLOURS[0]),
        x=alt.X(f"{x}:Q", scale=x_scale, title=x, axis=alt.Axis(tickMinStep=1) if whole else alt.Undefined),
        y=alt.Y(f"{y}:Q", scale=alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined, title=y_title),
        tooltip=[alt.Tooltip(f"{x}:Q", format=".3~g"), *([alt.Tooltip(f"{color}:N")] if color else []),
                 alt.Tooltip(f"{y}:Q", format=".4f")],
    )
    if color:
        # words by their colour (a dot); other series by their grey and their dash (a line)
        symbol = dict(symbolType="circle", symbolSize=64) if words else dict(symbolType="stroke", symbolSize=300,
                                                                               symbolStrokeWidth=2)
        if len(series) >= LEGEND_RIGHT_FROM:  # below the plot they would take rows of it on a phone
            legend = alt.Legend(title=None, orient="right", labelLimit=90, labelFontSize=12, rowPadding=2,
                                labelPadding=4, **symbol)
        else:  # long names one a row, so that none is cut on a phone
            legend = alt.Legend(title=None, orient="bottom", columns=2 if max(len(str(s)) for s in series) <= 16 else 1,
                                labelLimit=240, labelFontSize=12, **symbol)
        if words:  # a line on an earlier one dashed (_over_an_earlier), without points of its own, and every
            # line's points small and under the lines: on top (46 a line, one every 7 px on a phone) they hid the
            # dashes
            colour = alt.Color(f"{color}:N", scale=word_scale(series), legend=legend)
            points = line.mark_point(filled=True, opacity=1, size=14).encode(color=colour)
            points = points.transform_filter("!datum._over")
            line = line.mark_line().encode(color=colour, strokeDash=_by_flag(alt.StrokeDash, "_over", [6, 4], [1, 0]))
        else:  # a dash for each as well as a grey, so that two lines never depend on telling greys apart
            line = line.encode(color=alt.Color(f"{color}:N", scale=series_scale(series), legend=legend),
                               strokeDash=alt.StrokeDash(f"{color}:N", scale=series_scale(series, SERIES_DASHES),
                                                         legend=legend))
    layers = [points, line] if color and words else [line]
    if marked:
        layers.append(alt.Chart().mark_rule(strokeDash=[4, 4], color="#555", aria=False)
                      .encode(x=alt.X("min(_mark):Q")))
    return alt.layer(*layers, data=data).properties(title=alt.Title(title, anchor="start"),
                                                    height=lines_height(len(series)), width="container",
                                                    autosize=FIT_WIDTH)


def lines_height(n_series: int) -> int:
    """The plot's height in px: PLOT_HEIGHT, or more when the legend on its right needs more (LEGEND_ROW a line)."""
    return max(PLOT_HEIGHT, LEGEND_ROW * n_series) if n_series >= LEGEND_RIGHT_FROM else PLOT_HEIGHT


def describe(matrix: Matrix, *, probability: bool = False) -> str:
    """A text alternative for a heatmap: what it is and its axes. Not its values: Streamlit builds a chart again
    from scratch when its text alternative changes (several times the cost of updating its data), and the values
    are in the table under it ("Show the numbers")."""
    kind = "probabilities from 0 to 1" if probability else "signed values"
    return (f"Heatmap of {matrix.title}, {matrix.caption}: {kind}. Rows: {', '.join(matrix.rows)}. "
            f"Columns: {', '.join(matrix.cols)}. Its numbers are in the table under it when the sidebar shows the "
            "numbers.")
