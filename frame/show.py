"""How the lesson's figures (lesson.charts) are shown: with their text alternative and, on request, their numbers.

Asking Altair for a chart's spec costs 10-20 ms, most of a page's run. Figures that differ only in their data
share one spec (see lesson/charts.py), made once per look for every session of the server and handed to
st.vega_lite_chart with the figure's data beside it.

The data goes as an Arrow table (pyarrow: Streamlit's own dependency, and a type its charts document taking), made
straight from the figure's columns: Streamlit sends charts' data as Arrow anyway, and converting a pandas frame
cost ~1.7 ms a chart (pandas' string columns, index checks, metadata) against ~0.1 ms from the columns.
"""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import streamlit as st

import explainer
from lesson import charts, frames, views

from .store import current


def chart(figure: charts.Figure, *, alt_text: str, numbers=None, key: str | None = None, on_select=None,
          stretch: bool = True) -> None:
    """Draw a figure (full width unless `stretch` is off), with its text alternative, and, when the student asked
    for the numbers, its numbers (a DataFrame, or a function making one) below it."""
    st.vega_lite_chart(pa.table(figure.columns), spec=_drawing(figure), width="stretch" if stretch else "content",
                       alt=alt_text, key=key, on_select=on_select or "ignore")
    if numbers is not None:
        numbers_table(numbers)


_SPECS: dict[tuple, dict] = {}  # a figure's look -> its spec; shared by every session of the server
_MAX_SPECS = 500  # about 10 kB each; a class's views need a few dozen


def _drawing(figure: charts.Figure) -> dict:
    """A figure's Vega-Lite spec without its data: made once per look (shared, so never changed by callers).

    A plain dict keyed by the look: st.cache_resource hashed the look with Streamlit's own hasher on every call,
    ~6 % of a page's run. Two sessions asking for a new look at once may both make it; either result is the same.
    The specs are checked against the Vega-Lite schema in the tests, not here.
    """
    spec = _SPECS.get(figure.look)
    if spec is None:
        spec = figure.chart().to_dict(validate=False)
        del spec["data"], spec["datasets"]  # the data goes beside the spec, as st.vega_lite_chart's `data`
        if len(_SPECS) >= _MAX_SPECS:
            _SPECS.clear()
        _SPECS[figure.look] = spec
    return spec


def text(*blocks: str | None) -> None:
    """Consecutive blocks of a page's text as ONE element: headings ("## ..."), paragraphs, lists and formulas
    (formula(...)); empty blocks are left out. Every element costs the browser on every move, a heading more
    than a paragraph (bench/levers.py), so a section's heading, words and formula go together."""
    st.markdown("\n\n".join(block for block in blocks if block))


def formula(latex: str) -> str:
    """A displayed formula, as a block of text() (the same KaTeX as st.latex)."""
    return f"$$\n{latex}\n$$"


def numbers_table(table) -> None:
    """The numbers behind what the page shows (a DataFrame, a list of them, or a function making either), when the
    student asked for the numbers."""
    if current().numbers:
        tables = table() if callable(table) else table
        for one in tables if isinstance(tables, list) else [tables]:
            st.dataframe(one, width="stretch")


def matrix(m: explainer.Matrix, *, probability: bool = False, **options) -> None:
    """A heatmap of one matrix of the trace, with its alt text and its numbers."""
    chart(charts.heatmap(m, probability=probability, **options),
          alt_text=charts.describe(m, probability=probability), numbers=lambda: frames.wide(m))


@st.cache_data(show_spinner=False)
def scaling_experiment() -> pd.DataFrame:
    """The √d_k experiment: thousands of random dot products, the same for everyone, so drawn once."""
    return views.scaling_experiment()
