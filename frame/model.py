"""The real model (explainer.pretrained, all-MiniLM-L6-v2) on the Streamlit side: loaded once per server and shared
by every session (read-only), each sentence run once, and page 6's own link parameters (layer and head) with their
controls.

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

store.PAGE_OWNED.update(real.PARAMETERS)

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
    """The model, loaded on first use (with a spinner on the page while it loads or downloads). When it cannot be
    had, the page says why and how to get it, and this returns None."""
    source = _source()
    why = _failure(source)
    if why:
        _unavailable(why)
        return None
    return _load(source)


def _unavailable(why: str) -> None:
    st.error(f"**The real model is not available on this server, so this page cannot show it.** The other pages "
             f"work as they are.\n\nWhy: {why}", icon=":material/cloud_off:")
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


# --- the layer and head page 6 opens: its own link parameters (lesson.real), bound to two controls ----------------

LAYER_KEY, HEAD_KEY, GRID_KEY = "real_layer", "real_head", "real_grid"


def choice(model: pretrained.Model) -> tuple[int, int]:
    """The layer and head to show (0-based), from the link, with a warning for a value that makes no sense (the
    link is then cleaned); and the two controls that change them."""
    layer, head, notices = real.choice(st.query_params.to_dict(), model.n_layers, model.n_heads)
    for notice in notices:
        st.warning(notice)
    _write(layer, head)
    st.session_state[LAYER_KEY] = layer + 1
    st.session_state[HEAD_KEY] = head + 1
    left, right = st.columns(2)
    left.segmented_control("Layer", range(1, model.n_layers + 1), key=LAYER_KEY, on_change=_changed,
                           help="Layer 1 reads the embeddings; each next layer reads the one before.")
    right.selectbox("Head (or click a map)", range(1, model.n_heads + 1), key=HEAD_KEY, on_change=_changed,
                    format_func=lambda h: f"head {h}")
    return layer, head


def _write(layer: int, head: int) -> None:
    """Put the layer and head in the URL (first layer and head left out), where they differ from what is there."""
    wanted = real.to_params(layer, head)
    for name in real.PARAMETERS:
        there = st.query_params.get(name)
        if name in wanted and there != wanted[name]:
            st.query_params[name] = wanted[name]
        elif name not in wanted and name in st.query_params:
            del st.query_params[name]


def _now() -> tuple[int, int]:
    layer, head, _ = real.choice(st.query_params.to_dict())
    return layer, head


def _changed() -> None:
    layer, head = _now()
    chosen_layer, chosen_head = st.session_state.get(LAYER_KEY), st.session_state.get(HEAD_KEY)
    _write(layer if chosen_layer is None else int(chosen_layer) - 1,  # a segmented control can be cleared
           head if chosen_head is None else int(chosen_head) - 1)


def grid_clicked() -> None:
    """The grid's on_select: a click on a map opens its head."""
    points = st.session_state[GRID_KEY].selection.get(real.GRID_PICK) or []
    picked = points[0].get("head") if points else None
    if isinstance(picked, int) and 1 <= picked <= real.HEADS:
        _write(_now()[0], picked - 1)


RELATION_KEY = "real_relation"


def open_relation(found: list[dict]) -> None:
    """A menu of the relations page 6 found (lesson.real.relation_heads): picking one opens its head."""
    def opened() -> None:
        picked = st.session_state.get(RELATION_KEY)
        if picked is not None:
            _write(found[picked]["layer"], found[picked]["head"])
            st.session_state[RELATION_KEY] = None  # the menu offers again; the layer and head show what is open

    st.selectbox("Open the head that links…", range(len(found)), index=None, key=RELATION_KEY, on_change=opened,
                 format_func=lambda i: real.relation_choice(found[i]), placeholder="pick a pair of words")
