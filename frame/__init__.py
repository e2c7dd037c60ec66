"""The frame every page shares, the one package besides app.py and pages/ that imports streamlit: page setup and
the lesson (start), the state in the session and the URL (store), the menu and links (navigation), the sidebar
(sidebar) and the way figures are shown (show).

A page calls `view = frame.start(PAGE)` first, draws with frame.chart / frame.matrix, and ends with frame.footer.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import explainer
from lesson import notes
from lesson.state import LessonState

from . import classroom, model, store
from .classroom import teach
from .navigation import PAGES, Page, footer, link_to_view, page
from .quiz import check_yourself, passed
from .show import chart, formula, matrix, numbers_table, projector, scaling_experiment, text
from .sidebar import sidebar
from .store import bound, clicked, query

__all__ = ["PAGES", "Page", "bound", "chart", "check_yourself", "clicked", "footer", "formula",
           "link_to_view", "matrix", "model", "numbers_table", "passed", "query", "scaling_experiment", "start",
           "teach", "text", "View"]


@dataclass(frozen=True)
class View:
    """What a page shows: the lesson's state, the whole trace, and the trace of the head shown (the lesson's case,
    one head: the whole trace)."""

    state: LessonState
    trace: explainer.Trace
    shown: explainer.Trace

    @property
    def focus(self) -> int:
        return self.state.focus

    @property
    def focus_word(self) -> str:
        return self.trace.labels[self.state.focus]

    @property
    def of_head(self) -> str:
        """What to add to a chart title that shows one head of several: " · head 2 of 2" ("" with one head)."""
        return f" · {self.shown.head_label}" if self.shown.head_label else ""

    @property
    def key(self) -> int:
        """The key in focus: chosen on the Q and K page, else the focus word's top key."""
        if self.state.key is not None:
            return self.state.key
        return int(self.shown.attention[self.state.focus].argmax())


def start(path: str, limits: dict[str, int] | None = None) -> View:
    """Set the page up and return its view: call first on every page, with the page's path (PAGES), and the
    limits of settings only this page knows (page 6 loads its model first: frame.model.limits)."""
    this = page(path)
    st.set_page_config(page_title=f"{this.title} · Self-attention", layout="wide")
    store.load(limits)
    classroom.enter(this)  # before any link is drawn: a code that names no live class is dropped
    if store.current().projector:
        projector()
    sidebar(this)
    state = store.current()
    store.link()
    for notice in store.notices():
        st.warning(notice)
    # computed on every run: the whole chain takes ~0.3 ms, half what st.cache_data took to find it stored
    trace = explainer.run_attention(state.sentence, state.settings)
    shown = trace.head(state.head)
    unknown = notes.unknown_words(trace)
    if unknown:
        st.info(unknown)
    summary = notes.view_summary(shown)
    if summary:
        st.caption(summary)
    return View(state, trace, shown)
