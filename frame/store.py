"""The lesson state in the session and in the URL.

State follows Streamlit's "save widget values between pages" pattern: one store in st.session_state, loaded
into each widget's key before it is drawn and saved back by its on_change callback. The URL is rewritten from
the store only when it differs, so that it is always a link to the view and the back button steps through views.
"""
from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from lesson import state as lesson_state
from lesson.state import LessonState

STORE = "lesson"  # the lesson state
LINKED = "lesson_link"  # the query parameters last written to the URL
NOTICES = "lesson_notices"  # what was changed in input, to show once
STREAMLITS_OWN = ("embed", "embed_options")  # URL parameters Streamlit reads itself: never ours to change
PAGE_OWNED: set[str] = set()
"""URL parameters that a page reads and writes itself, outside the lesson state (page 6's layer and head): the
lesson neither reads them (no "unknown setting" notice) nor erases them when it rewrites the URL, and links to other
pages carry them on, so that coming back reopens the same view. A page's frame module adds their names at import."""


def current() -> LessonState:
    return st.session_state[STORE]


def load() -> None:
    """Take the state from the URL on a session's first run, and whenever the URL changed under us (back button)."""
    params = _url_params()
    if STORE not in st.session_state or params != st.session_state.get(LINKED):
        state, notices = lesson_state.from_query(params)
        st.session_state[STORE] = state
        _notify(notices)


def link() -> None:
    """Keep the address bar a link to this exact view (defaults left out); write only when it changes."""
    params = lesson_state.to_query(current())
    repeated = any(len(st.query_params.get_all(name)) > 1 for name in st.query_params)
    if repeated or _url_params() != params:
        st.query_params.from_dict(params | _page_owned())
    st.session_state[LINKED] = params


def query() -> dict[str, str]:
    """The current view's link parameters, for links to other pages (the lesson's, and any PAGE_OWNED)."""
    return lesson_state.to_query(current()) | _page_owned()


def notices() -> list[str]:
    """What was changed in the student's input since the last run, each said once."""
    return st.session_state.pop(NOTICES, [])


def _url_params() -> dict[str, str]:
    """The lesson's URL query parameters: all but Streamlit's own (embed options), which stay whatever we write, and
    the PAGE_OWNED, which stay whatever their page writes."""
    return {name: value for name, value in st.query_params.to_dict().items()
            if name not in STREAMLITS_OWN and name not in PAGE_OWNED}


def _page_owned() -> dict[str, str]:
    """The URL's PAGE_OWNED parameters, as they are (each page checks its own)."""
    return {name: value for name, value in st.query_params.to_dict().items() if name in PAGE_OWNED}


def _notify(notices: list[str]) -> None:
    if notices:
        st.session_state[NOTICES] = [*st.session_state.get(NOTICES, []), *notices]


def update(changes: dict) -> None:
    """Change lesson fields, through the one gate (lesson.state.clean) that keeps the state valid."""
    if "sentence" in changes:
        changes = {"focus": 0, "key": None} | changes  # positions in the old sentence mean nothing in the new one
    if "focus" in changes:
        changes = {"key": None} | changes  # back to the new focus word's own top key, unless a key was clicked
    if "heads" in changes:
        changes = {"head": 0} | changes
    state, notices = lesson_state.clean(asdict(current()) | changes)
    st.session_state[STORE] = state
    _notify(notices)


def _save(field: str, key: str) -> None:
    update({field: st.session_state[key]})


def bound(field: str, place: str = "sidebar", shown: object = None) -> dict:
    """Keyword arguments that bind a widget to one field of the lesson state (load now, save on change).

    The same field may have a widget in the sidebar and one on a page; `place` keeps their keys apart.
    `shown` is what the widget shows when the field itself is None (the key word: "the best match").
    """
    key = f"{place}_{field}"
    value = getattr(current(), field)
    st.session_state[key] = shown if value is None else value
    return {"key": key, "on_change": _save, "args": (field, key)}


def clicked(chart_key: str, selection: str, fields: dict[str, str]):
    """An on_select callback: a click on a chart sets lesson fields to the clicked point's data fields.

    `fields` maps a lesson field to a field of the chart's data, e.g. {"focus": "row_index"}.
    """
    def on_click() -> None:
        points = st.session_state[chart_key].selection.get(selection) or []
        if points:
            update({field: points[0].get(data_field) for field, data_field in fields.items()})
    return on_click
