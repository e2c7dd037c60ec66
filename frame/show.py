"""How the lesson's figures (lesson.figures, built by lesson.charts) are shown: with their text alternative and, on
request, their numbers.
A figure gives Streamlit its drawing (a Vega-Lite spec made once per look) and its data beside it."""
from __future__ import annotations

import pandas as pd
import streamlit as st

import explainer
from lesson import charts, figures, tables, views

from .store import current


def chart(figure: figures.Figure, *, alt_text: str, numbers=None, key: str | None = None, on_select=None,
          stretch: bool = True) -> None:
    """Draw a figure (full width unless `stretch` is off), with its text alternative, and, when the student asked
    for the numbers, its numbers (a DataFrame, or a function making one) below it."""
    st.vega_lite_chart(figure.arrow(), spec=figure.spec(projector=current().projector),
                       width="stretch" if stretch else "content", alt=alt_text, key=key,
                       on_select=on_select or "ignore")
    if numbers is not None:
        numbers_table(numbers)


# Projector mode's type: every size of the page is in rem, so the root's size makes all its text, headings, formulas
# and controls larger; its text black, captions dark grey (Streamlit draws them at 60% opacity, which would leave
# them 4.4:1 on white). Nothing may be wider than the page: a chart drawn wider than its room (one of fixed width,
# lesson.figures) is drawn smaller to fit, and a formula's type is at most what the normal page gives it on a 390 px
# phone (19.4 px in 358 px there, 346 px here: 4.7vw keeps the widest one inside). A constant, nothing of the
# student's.
PROJECTOR_STYLE = ("<style>html { font-size: 22px; } [data-testid='stMain'] { color: #000; } "
                   "[data-testid='stMain'] [data-testid='stCaptionContainer'] { color: #222; opacity: 1; } "
                   "[data-testid='stVegaLiteChart'] svg { max-width: 100%; height: auto; } "
                   ".katex-display > .katex { font-size: min(1.21em, 4.7vw); }</style>")


def projector() -> None:
    """Projector mode, for the page: the sidebar folded away and larger type (the charts: lesson.figures)."""
    st.set_page_config(initial_sidebar_state="collapsed")
    st.html(PROJECTOR_STYLE)


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
          alt_text=charts.describe(m, probability=probability), numbers=lambda: tables.wide(m))


@st.cache_data(show_spinner=False)
def scaling_experiment() -> pd.DataFrame:
    """The √d_k experiment: thousands of random dot products, the same for everyone, so drawn once."""
    return views.scaling_experiment()
