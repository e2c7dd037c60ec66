"""The real model (explainer.pretrained, all-MiniLM-L6-v2) on the Streamlit side: loaded once per server and shared
by every session (read-only), each sentence run once, and the controls of the layer and head page 6 shows.

Where the files come from is pretrained.locate's business: the folder named by EXPLAINER_MODEL_DIR; else the Hugging
Face hub's cache on this machine; else the hub itself, once, with a spinner on the page while it downloads
(Streamlit Community Cloud); without a network it fails within seconds. When none works the page says why and how
to get the model, and the rest of the app is untouched. A failure is remembered for RETRY_AFTER seconds, so that a
class's sessions do not each wait for it.
"""
from __future__ import annotations

import os

import streamlit as st

from explainer import InputError, pretrained
from lesson import real

from . import store

RETRY_AFTER = 60.0  # s before a model that could not be had is tried again
SIZE = "90 MB"  # the three files, model.safetensors (about 90.9 MB) nearly all of it


def _source() -> str | None:
    """Where the model comes from: the folder named by EXPLAINER_MODEL_DIR, or None for the hub."""
    return os.environ.get(pretrained.ENV_FOLDER) or None


@st.cache_resource(max_entries=4, show_spinner=False)
def _load(source: str | None) -> pretrained.Model:
    """The model from its source, once per server: every session shares it (it is read-only)."""
    return pretrained.load(source)


# Streamlit shows the spinner only while the function runs, and only after half a second: on the first load from
# the hub (or a slow disk), not on the runs after it.
@st.cache_resource(ttl=RETRY_AFTER, max_entries=4,
                   show_spinner=f"Loading the real model, {pretrained.REPO}, once per server (downloaded from the "
                                f"Hugging Face hub, {SIZE}, it takes a minute at most)…")
def _failure(source: str | None) -> str:
    """Why the model cannot be had from its source ("" once it is loaded), kept for RETRY_AFTER seconds: the
    sessions of a class that open the page meanwhile are told at once instead of each waiting for the hub."""
    try:
        _load(source)
    except pretrained.ModelUnavailable as error:
        return str(error)
    return ""


def loaded() -> pretrained.Model | None:
    """The model, loaded on first use (with a spinner on the page while it loads or downloads); None when it cannot
    be had (`unavailable` then says why on the page)."""
    source = _source()
    return None if _failure(source) else _load(source)


def unavailable() -> None:
    """Say on the page why the model cannot be had, and how to get it."""
    st.error(f"**The real model is not available on this server, so this page cannot show it.** The other pages "
             f"work as they are.\n\nWhy: {_failure(_source())}", icon=":material/cloud_off:")
    st.caption(f"Or, with {pretrained.ENV_FOLDER} unset, give the server network access to huggingface.co once: "
               f"the files ({SIZE}) are then downloaded into its Hugging Face cache on first use, and read from there "
               "after.")


@st.cache_resource(max_entries=256, show_spinner=False)
def _run(source: str | None, sentence: str, _model: pretrained.Model) -> pretrained.Run:
    """One sentence through the model, once per server (a run is read-only, so sessions share it)."""
    return _model.run(sentence)


def run(model: pretrained.Model, sentence: str) -> pretrained.Run | None:
    """The sentence through the model; None, with a warning, if the model finds nothing to read in it."""
    try:
        return _run(_source(), sentence, model)
    except InputError as error:
        st.warning(str(error))
        return None


# --- the layer and head page 6 opens: lesson settings (real_layer, real_head), bound to two controls ---------------

GRID_KEY, RELATION_KEY = "real_grid", "real_relation"


def limits(model: pretrained.Model | None) -> dict[str, int]:
    """How many layers and heads there are to pick from (lesson.state.clean's limits): the model's own counts."""
    return {"real_layer": model.n_layers, "real_head": model.n_heads} if model else {}


def choice(model: pretrained.Model) -> tuple[int, int]:
    """The two controls that change the layer and head to show, bound to the lesson state as the sidebar's are; and
    that layer and head (0-based)."""
    left, right = st.columns(2)
    left.segmented_control(required=True, **store.bound("real_layer", None, options=range(1, model.n_layers + 1),
                                                        format_func=str))
    right.selectbox(**store.bound("real_head", None, options=range(1, model.n_heads + 1)))
    state = store.current()
    return state.real_layer - 1, state.real_head - 1


grid_clicked = store.clicked(GRID_KEY, real.GRID_PICK, {"real_head": "head"})
"""The grid's on_select: a click on a map opens its head."""


def open_relation(found: list[dict]) -> None:
    """A menu of the relations page 6 found (lesson.real.relation_heads): picking one opens its head."""
    def opened() -> None:
        picked = st.session_state.get(RELATION_KEY)
        if picked is not None:
            store.update({"real_layer": found[picked]["layer"] + 1, "real_head": found[picked]["head"] + 1})
            st.session_state[RELATION_KEY] = None  # the menu offers again; the layer and head show what is open

    st.selectbox("Open the head that links…", range(len(found)), index=None, key=RELATION_KEY, on_change=opened,
                 format_func=lambda i: real.relation_choice(found[i]), placeholder="pick a pair of words")
