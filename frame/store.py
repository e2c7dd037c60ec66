"""The lesson state in the session and in the URL.

State follows Streamlit's "save widget values between pages" pattern: one store in st.session_state, loaded
into each widget's key before it is drawn and saved back by its on_change callback. The URL is rewritten from
the store only when it differs, so that it is always a link to the view and the back button steps through views.

Streamlit 1.67's own bind="query-params" and persist_state="session" were tried in place of this and keep less:
a bound widget drops a bad or out-of-range link value without a word (no notice, no clamping), names its parameter
after its key (one widget per setting: the sidebar's and a page's temperature cannot both be bound), refuses the
store's rewrite of its parameter (an exception), and loses a parameter bound on another page when the student
changes page; a persisted widget keeps its own value, so a setting's second widget, a chart click or a clamped
value would leave it showing another value than the lesson's.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

import streamlit as st

from explainer import MAX_CHARS
from lesson import state as lesson_state
from lesson.state import SETTINGS, LessonState

STORE = "lesson"  # the lesson state
LINKED = "lesson_link"  # the query parameters last written to the URL
NOTICES = "lesson_notices"  # what was changed in input, to show once
STREAMLITS_OWN = ("embed", "embed_options")  # URL parameters Streamlit reads itself: never ours to change
TEACHER = "teacher"  # the teacher's key of a class (frame.classroom reads it): not a lesson setting, never in a link


def current() -> LessonState:
    return st.session_state[STORE]


def load(limits: Mapping[str, int] | None = None) -> None:
    """Take the state from the URL on a session's first run, and whenever the URL changed under us (back button).

    `limits` are what only a page knows (page 6: its model's numbers of layers and heads, lesson.state.clean): on
    that page the state is checked against them on every run, also when it came from another page's link.
    """
    params = _url_params()
    if STORE not in st.session_state or params != st.session_state.get(LINKED):
        state, notices = lesson_state.from_query(params, limits)
    elif limits:
        state, notices = lesson_state.clean({}, current(), limits)
    else:
        return
    st.session_state[STORE] = state
    _notify(notices)


def link() -> None:
    """Keep the address bar a link to this exact view (defaults left out); write only when it changes."""
    params = lesson_state.to_query(current())
    repeated = any(len(st.query_params.get_all(name)) > 1 for name in st.query_params)
    if repeated or TEACHER in st.query_params or _url_params() != params:  # the key leaves the address bar
        st.query_params.from_dict(params)
    st.session_state[LINKED] = params


def query() -> dict[str, str]:
    """The current view's link parameters, for links to other pages."""
    return lesson_state.to_query(current())


def notices() -> list[str]:
    """What was changed in the student's input since the last run, each said once."""
    return st.session_state.pop(NOTICES, [])


def _url_params() -> dict[str, str]:
    """The lesson's URL query parameters: all but Streamlit's own (embed options), which stay whatever we write, and
    the teacher's key, which frame.classroom takes before the address is rewritten without it."""
    return {name: value for name, value in st.query_params.to_dict().items()
            if name not in (*STREAMLITS_OWN, TEACHER)}


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


def bound(field: str, place: str | None = "sidebar", if_none: object = None, **shown) -> dict:
    """The keyword arguments of a widget for one setting: its label, help, limits or options as lesson.state.SETTINGS
    declares them, and its binding to the lesson state (load now, save on change). `shown` overrides what a page
    words its own way (label=, help=) or knows better (options=).

    The same field may have a widget in the sidebar and one on a page; `place` keeps their keys apart (None: the
    field's one widget, keyed by its name). `if_none` is what the widget shows when the field itself is None (the
    key word: "the best match").
    """
    setting = SETTINGS[field]
    widget = {"label": setting.label, "help": setting.help or None}
    if setting.kind in ("choice", "pick"):
        widget |= {"options": setting.options, "format_func": setting.word}
    elif setting.kind in ("number", "whole"):
        widget |= {"min_value": setting.range[0], "max_value": setting.range[1], "step": setting.step}
        widget |= {"format": f"%.{setting.decimals}f"} if setting.decimals else {}
    elif setting.kind == "word":
        labels = current().labels
        widget |= {"options": range(len(labels)), "format_func": labels.__getitem__}
    elif setting.kind == "text":
        widget["max_chars"] = MAX_CHARS
    key = f"{place}_{field}" if place else field
    value = getattr(current(), field)
    st.session_state[key] = if_none if value is None else value
    return widget | shown | {"key": key, "on_change": _save, "args": (field, key)}


def clicked(chart_key: str, selection: str, fields: dict[str, str]):
    """An on_select callback: a click on a chart sets lesson fields to the clicked point's data fields.

    `fields` maps a lesson field to a field of the chart's data, e.g. {"focus": "row_index"}.
    """
    def on_click() -> None:
        points = st.session_state[chart_key].selection.get(selection) or []
        if points:
            update({field: points[0].get(data_field) for field, data_field in fields.items()})
    return on_click
