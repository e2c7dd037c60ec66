"""The frame every page shares: page setup, the lesson state (kept in the session and in the URL), the sidebar,
navigation and the way charts are shown. The one module besides app.py and pages/ that imports streamlit.

State follows Streamlit's "save widget values between pages" pattern: one store in st.session_state, loaded
into each widget's key before it is drawn and saved back by its on_change callback (see ../DESIGN.md).
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import pandas as pd
import streamlit as st
from streamlit import dataframe_util

import explainer
from explainer import state as lesson_state
from explainer.state import LessonState

STORE = "lesson"  # the lesson state
LINKED = "lesson_link"  # the query parameters last written to the URL
NOTICES = "lesson_notices"  # what was changed in input, to show once


@dataclass(frozen=True)
class Page:
    path: str  # the script, relative to app.py
    title: str  # as the menu shows it
    url_path: str  # where Streamlit serves it: the file name without its number prefix ("" for the home page)


PAGES = (
    Page("app.py", "Home", ""),
    Page("pages/1_Intuition.py", "1 Intuition", "Intuition"),
    Page("pages/2_Q_and_K.py", "2 Q and K", "Q_and_K"),
    Page("pages/3_Softmax.py", "3 Softmax", "Softmax"),
    Page("pages/4_V_and_the_second_MatMul.py", "4 V and the second MatMul", "V_and_the_second_MatMul"),
)


@dataclass(frozen=True)
class Lesson:
    """What a page needs: the state, the whole trace, and the head in focus (the lesson's case: the only one)."""

    state: LessonState
    trace: explainer.Trace
    view: explainer.Trace

    @property
    def focus(self) -> int:
        return self.state.focus

    @property
    def focus_word(self) -> str:
        return self.trace.labels[self.state.focus]

    @property
    def key(self) -> int:
        """The key in focus: chosen on the Q and K page, else the focus word's top key."""
        if self.state.key is not None:
            return self.state.key
        return int(self.view.weights[self.state.focus].argmax())


@st.cache_data(max_entries=1000, show_spinner=False)
def _trace(sentence: str, settings: tuple) -> explainer.Trace:
    return explainer.run_attention(sentence, **dict(settings))


def start(page: str) -> Lesson:
    """Set the page up and return the lesson: call first on every page, with the page's path (PAGES)."""
    this = _page(page)
    st.set_page_config(page_title=f"{this.title} · Self-attention", layout="wide")
    _load()
    _sidebar(this)
    state = st.session_state[STORE]
    _link(state)
    for notice in st.session_state.pop(NOTICES, []):
        st.warning(notice)
    trace = _trace(state.sentence, tuple(state.settings().items()))
    unknown = [word for word, miss in zip(trace.tokens, trace.unknown, strict=True) if miss]
    if unknown:
        st.info(f"Not in the vocabulary: **{', '.join(unknown)}**. Each gets a random vector made from its "
                "letters (always the same for the same word), so its numbers mean nothing.")
    return Lesson(state, trace, trace.head(state.head))


def _page(path: str) -> Page:
    for page in PAGES:
        if page.path == path:
            return page
    raise ValueError(f"no page {path!r}; pages are {[p.path for p in PAGES]}")


def _load() -> None:
    """Take the state from the URL on a session's first run, and whenever the URL changed under us (back button)."""
    params = _url_params()
    if STORE not in st.session_state or params != st.session_state.get(LINKED):
        state, notices = lesson_state.from_query(params)
        st.session_state[STORE] = state
        _notify(notices)


def _link(state: LessonState) -> None:
    """Keep the address bar a link to this exact view (defaults left out); write only when it changes."""
    params = lesson_state.to_query(state)
    repeated = any(len(st.query_params.get_all(name)) > 1 for name in st.query_params)
    if repeated or _url_params() != params:
        st.query_params.from_dict(params)
    st.session_state[LINKED] = params


def _url_params() -> dict[str, str]:
    """The URL's query parameters, but for Streamlit's own (embed options), which stay whatever we write."""
    return {name: value for name, value in st.query_params.to_dict().items()
            if name not in lesson_state.IGNORED_PARAMETERS}


def _notify(notices: list[str]) -> None:
    if notices:
        st.session_state[NOTICES] = [*st.session_state.get(NOTICES, []), *notices]


def _save(field: str, key: str) -> None:
    _set({field: st.session_state[key]})


def _set(changes: dict) -> None:
    current = st.session_state[STORE]
    if "sentence" in changes:
        changes = {"focus": 0, "key": None} | changes  # positions in the old sentence mean nothing in the new one
    if "focus" in changes:
        changes = {"key": None} | changes  # back to the new focus word's own top key, unless a key was clicked
    if "heads" in changes:
        changes = {"head": 0} | changes
    state, notices = lesson_state.clean(asdict(current) | changes)
    st.session_state[STORE] = state
    _notify(notices)


def bound(field: str, place: str = "sidebar", shown: object = None) -> dict:
    """Keyword arguments that bind a widget to one field of the lesson state (load now, save on change).

    The same field may have a widget in the sidebar and one on a page; `place` keeps their keys apart.
    `shown` is what the widget shows when the field itself is None (the key word: "the best match").
    """
    key = f"{place}_{field}"
    value = getattr(st.session_state[STORE], field)
    st.session_state[key] = shown if value is None else value
    return {"key": key, "on_change": _save, "args": (field, key)}


def _example_picked() -> None:
    if st.session_state["sidebar_example"] is not None:
        _set({"sentence": st.session_state["sidebar_example"]})


def clicked(chart_key: str, selection: str, fields: dict[str, str]):
    """An on_select callback: a click on a chart sets lesson fields to the clicked point's data fields.

    `fields` maps a lesson field to a field of the chart's data, e.g. {"focus": "row_index"}.
    """
    def on_click() -> None:
        points = st.session_state[chart_key].selection.get(selection) or []
        if points:
            _set({field: points[0].get(data_field) for field, data_field in fields.items()})
    return on_click


def _sidebar(this: Page) -> None:
    state: LessonState = st.session_state[STORE]
    with st.sidebar:
        st.markdown("### Self-attention, step by step")
        for page in PAGES:
            st.page_link(page.path, label=page.title, disabled=page is this,
                         query_params=query())
        st.divider()
        st.text_input("Sentence", max_chars=explainer.MAX_CHARS,
                      help=f"Any sentence of up to {explainer.MAX_WORDS} words.", **bound("sentence"))
        st.session_state["sidebar_example"] = state.sentence if state.sentence in explainer.EXAMPLES else None
        st.selectbox("…or pick an example", explainer.EXAMPLES, index=None, placeholder="Examples",
                     key="sidebar_example", on_change=_example_picked)
        labels = state.labels
        st.selectbox("Word in focus (the query)", range(len(labels)), format_func=labels.__getitem__,
                     **bound("focus"))
        st.radio("Weights", explainer.WEIGHT_SETS, horizontal=True,
                 format_func={"designed": "designed by hand", "random": "random"}.get,
                 help="Designed: every number means something. Random: an untrained model.", **bound("weights"))
        if state.weights == "random":
            st.number_input("Seed", *lesson_state.SEED_RANGE, step=1,
                            help="The same seed gives the same random weights.", **bound("seed"))
        st.toggle("Add positions (positional encoding)", **bound("positional"))
        st.toggle("Divide scores by √dₖ", **bound("scaled"))
        temperature_slider("Temperature")
        with st.expander("More settings"):
            st.toggle("Causal mask (look only backwards)", **bound("causal"))
            st.radio("Similarity", explainer.SIMILARITIES, horizontal=True,
                     format_func={"dot": "dot product", "cosine": "cosine"}.get, **bound("similarity"))
            st.radio("Heads", explainer.HEAD_COUNTS, horizontal=True,
                     help=f"Split the {explainer.D_K} query/key dimensions over several heads.", **bound("heads"))
            if state.heads > 1:
                st.radio("Head shown", range(state.heads), horizontal=True, format_func=lambda h: f"head {h + 1}",
                         **bound("head"))
        st.toggle("Show the numbers under every chart", help="Tables to read, copy or export.",
                  **bound("numbers"))
        st.caption("Link to this view: copy it to share exactly what you see.")
        st.code(link_to_view(this, query()), language=None, wrap_lines=True)


def query() -> dict[str, str]:
    """The current view's link parameters, for links to other pages."""
    return lesson_state.to_query(st.session_state[STORE])


def temperature_slider(label: str, place: str = "sidebar") -> None:
    """The temperature control; the sidebar has one, and a page may add its own beside what it shows."""
    st.slider(label, *lesson_state.TEMPERATURE_RANGE, step=0.01,
              help="Scores are divided by the temperature before softmax: below 1 sharper, above 1 flatter. "
                   "The sidebar and the page share one temperature.", **bound("temperature", place))


def link_to_view(page: Page, params: dict[str, str]) -> str:
    """The address of this page with these settings, as the browser would show it.

    Built from the address the browser reported (st.context.url) so that it holds the right host and any path
    the app is served under; relative ("/Softmax?...") when there is none (as in tests).
    """
    reported = urlsplit(st.context.url or "")
    base = reported.path
    for other in PAGES:
        if other.url_path and base.rstrip("/").endswith("/" + other.url_path):
            base = base.rstrip("/")[: -len(other.url_path)]
            break
    base = base if base.endswith("/") else base + "/"
    query = f"?{urlencode(params)}" if params else ""
    return urlunsplit((reported.scheme, reported.netloc, base + page.url_path, "", "")) + query


def footer(page: str) -> None:
    """Previous / next stage links, carrying the state."""
    index = PAGES.index(_page(page))
    links = query()
    st.divider()
    left, right = st.columns(2)
    if index > 0:
        before = PAGES[index - 1]
        left.page_link(before.path, label=f"← Previous: {before.title}", query_params=links)
    if index < len(PAGES) - 1:
        after = PAGES[index + 1]
        right.page_link(after.path, label=f"Next: {after.title} →", query_params=links)


def chart(figure: explainer.charts.Figure, *, alt_text: str, numbers=None, key: str | None = None,
          on_select=None, stretch: bool = True) -> None:
    """Draw a figure from explainer.charts (full width unless `stretch` is off), with its text alternative, and,
    when the student asked for the numbers, its numbers (a DataFrame, or a function making one) below it."""
    drawing, dataset = _drawing(figure)
    spec = {**drawing, "datasets": {dataset: _arrow(figure)}}  # a new top level: the drawing is shared
    st.vega_lite_chart(spec=spec, width="stretch" if stretch else "content", alt=alt_text, key=key,
                       on_select=on_select or "ignore")
    if numbers is not None and st.session_state[STORE].numbers:
        st.dataframe(numbers() if callable(numbers) else numbers, width="stretch")


class _Memo:
    """Values kept for every session of the server, by key, the oldest dropped beyond `size`. Callers share the
    values, so they must never change them."""

    def __init__(self, size: int) -> None:
        self._values: dict = {}
        self._size = size
        self._lock = threading.Lock()

    def get(self, key, make):
        value = self._values.get(key)
        if value is None:
            value = make()
            with self._lock:
                self._values[key] = value
                while len(self._values) > self._size:
                    del self._values[next(iter(self._values))]
        return value


_DRAWINGS = _Memo(500)  # look -> (spec without its data, the name of its dataset)
_ARROW = _Memo(3000)  # Figure.key, what a chart's data holds -> its Arrow bytes


def _drawing(figure: explainer.charts.Figure) -> tuple[dict, str]:
    """A figure's Vega-Lite spec without its data, and the name its data goes by: made once per look.

    Asking Altair for a chart costs 10-20 ms, most of a page's run; figures that differ only in their data share
    one spec (see explainer/charts.py). The specs are checked against the Vega-Lite schema in the tests, not here.
    """
    def make() -> tuple[dict, str]:
        spec = figure.chart().to_dict(validate=False)
        (dataset,) = spec.pop("datasets")
        return spec, dataset
    return _DRAWINGS.get(figure.look, make)


def _arrow(figure: explainer.charts.Figure) -> bytes:
    """A chart's data as the Arrow bytes Streamlit sends (which it would otherwise convert on every run)."""
    return _ARROW.get(figure.key, lambda: dataframe_util.convert_anything_to_arrow_bytes(figure.data))


@st.cache_data(show_spinner=False)
def scaling_experiment() -> pd.DataFrame:
    """The √d_k experiment: thousands of random dot products, the same for everyone, so drawn once."""
    return explainer.views.scaling_experiment()


def matrix(m: explainer.Matrix, *, probability: bool = False, **options) -> None:
    """A heatmap of one matrix of the trace, with its alt text and its numbers."""
    chart(explainer.charts.heatmap(m, probability=probability, **options),
          alt_text=explainer.charts.describe(m, probability=probability), numbers=lambda: explainer.wide(m))
