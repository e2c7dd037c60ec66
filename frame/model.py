"""The real model (explainer.pretrained, all-MiniLM-L6-v2) on the Streamlit side: loaded once per server and shared
by every session (read-only), each sentence run once, and the controls of the layer and head page 6 shows.

Where the files come from: the folder named by EXPLAINER_MODEL_DIR; else the Hugging Face hub's cache on this
machine; else the hub itself, once, with a status on the page while it downloads (Streamlit Community Cloud). When
none works the page says why and how to get the model, and the rest of the app is untouched. Without a network
that fails within seconds, not a download's timeouts: HF_HUB_OFFLINE=1 (huggingface_hub's own switch) skips the
hub altogether, and otherwise one short connection attempt (PROBE_TIMEOUT) tells first whether the hub can be
reached. A failure is remembered for RETRY_AFTER seconds, so that a class's sessions do not each wait for it.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st

from explainer import InputError, pretrained
from lesson import real

from . import store

PROBE_TIMEOUT = 3.0  # s to connect to the hub before calling it unreachable
RETRY_AFTER = 60.0  # s before a model that could not be had is tried again
SIZE = "90 MB"  # the three files, model.safetensors (about 90.9 MB) nearly all of it

_failures: dict[str | None, tuple[float, str]] = {}  # source -> (when, why)
_ready: set[str | None] = set()  # sources loaded in this process
_lock = threading.Lock()


def _source() -> str | None:
    """Where the model comes from: the folder named by EXPLAINER_MODEL_DIR, or None for the hub."""
    return os.environ.get(pretrained.ENV_FOLDER) or None


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _from_hub() -> Path:
    """The folder of the model's files: the hub's cache on this machine, else downloaded from the hub."""
    try:
        from huggingface_hub import constants, snapshot_download
    except ImportError as error:
        raise pretrained.ModelUnavailable(
            f"{pretrained.ENV_FOLDER} is not set, and fetching the model needs the package huggingface_hub "
            f"(pip install huggingface_hub). {pretrained._HOW}") from error
    try:  # already downloaded: no network needed
        cached = Path(snapshot_download(pretrained.REPO, allow_patterns=list(pretrained.FILES),
                                        local_files_only=True))
        if all((cached / name).is_file() for name in pretrained.FILES):
            return cached
    except Exception:  # not in the cache, whatever the reason: then from the hub
        pass
    if _offline():
        raise pretrained.ModelUnavailable(
            f"{pretrained.ENV_FOLDER} is not set, the model is not in this machine's Hugging Face cache, and "
            f"HF_HUB_OFFLINE is set, so it is not downloaded. {pretrained._HOW}")
    address = urlsplit(constants.ENDPOINT)
    host, port = address.hostname or "huggingface.co", address.port or (443 if address.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=PROBE_TIMEOUT).close()
    except OSError as error:
        raise pretrained.ModelUnavailable(
            f"{pretrained.ENV_FOLDER} is not set, and the Hugging Face hub ({host}) cannot be reached from this "
            f"server to download the model ({type(error).__name__}: {error}). {pretrained._HOW}") from error
    try:
        return Path(snapshot_download(pretrained.REPO, allow_patterns=list(pretrained.FILES),
                                      etag_timeout=PROBE_TIMEOUT * 2))
    except Exception as error:  # hub down, disk full: all mean "not here"; the message says which
        raise pretrained.ModelUnavailable(
            f"{pretrained.ENV_FOLDER} is not set, and downloading {pretrained.REPO} from the Hugging Face hub "
            f"failed ({type(error).__name__}: {error}). {pretrained._HOW}") from error


@st.cache_resource(max_entries=4, show_spinner=False)
def _load(source: str | None) -> pretrained.Model:
    """The model from its source, once per server: every session shares it (it is read-only)."""
    return pretrained.load(source if source else _from_hub())


def loaded() -> pretrained.Model | None:
    """The model, loaded on first use (with a status on the page while it loads or downloads). When it cannot be
    had, the page says why and how to get it, and this returns None."""
    source = _source()
    with _lock:
        failure = _failures.get(source)
    if failure and time.monotonic() - failure[0] < RETRY_AFTER:
        _unavailable(failure[1])
        return None
    if source in _ready:
        return _load(source)
    where = (f"from {pretrained.ENV_FOLDER}" if source else
             f"from the Hugging Face hub ({SIZE}, once per server: a minute at most)")
    with st.status(f"Loading the real model, {pretrained.REPO}, {where}…", expanded=False) as status:
        try:
            model = _load(source)
        except pretrained.ModelUnavailable as error:
            with _lock:
                _failures[source] = (time.monotonic(), str(error))
            status.update(label="The real model could not be loaded.", state="error")
            _unavailable(str(error))
            return None
        status.update(label=f"Loaded {pretrained.REPO}: {model.n_layers} layers of {model.n_heads} heads.",
                      state="complete")
    with _lock:
        _ready.add(source)
        _failures.pop(source, None)
    return model


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
