"""The sidebar: the menu, every setting of the lesson, and the link to the current view."""
from __future__ import annotations

import streamlit as st

import explainer
from lesson import export
from lesson.state import LessonState

from .navigation import Page, link_to_view, menu
from .store import bound, current, query, update


def sidebar(this: Page) -> None:
    state = current()
    with st.sidebar:
        st.markdown("**Self-attention, step by step**")
        menu()
        st.divider()
        st.text_input(**bound("sentence"))
        st.session_state["sidebar_example"] = state.sentence if state.sentence in explainer.EXAMPLES else None
        st.selectbox("…or pick an example", explainer.EXAMPLES, index=None, placeholder="Examples",
                     key="sidebar_example", on_change=_example_picked)
        st.selectbox(**bound("focus"))
        st.radio(horizontal=True, **bound("weight_set"))
        if state.weight_set in ("random", "trained"):
            trained = state.weight_set == "trained"
            st.number_input(**bound("seed", help=(
                f"The same seed gives the same random weights{', and the same training' * trained}."
                + (f" Trained for {state.train_steps} steps at learning rate {state.train_rate:g} (change them on "
                   "page 5)." if trained else ""))))
        st.toggle(**bound("positional"))
        cosine = state.similarity == "cosine"
        st.toggle(disabled=cosine, **bound("scaled", **(
            {"help": "Cosine similarities lie in [−1, 1] and are never divided by √dₖ."} if cosine else {})))
        st.slider(**bound("temperature"))
        # Built only when open (most students never open them, and every element costs on every move); open on a
        # page's first run when the view uses one of its settings, and then as the student leaves it.
        if (state.causal or state.similarity != "dot" or state.heads > 1) and "sidebar_more" not in st.session_state:
            st.session_state["sidebar_more"] = True
        with st.expander("More settings", key="sidebar_more", on_change="rerun") as more:
            if more.open:
                _more_settings(state)
        st.toggle(**bound("numbers"))
        st.toggle(**bound("projector"))
        with st.expander("Share or take away this view", key="sidebar_share", on_change="rerun") as share:
            if share.open:
                _share(this, state)


def _more_settings(state: LessonState) -> None:
    st.toggle(**bound("causal"))
    st.radio(horizontal=True, **bound("similarity"))
    st.radio(horizontal=True, **bound("heads"))
    if state.heads > 1:
        st.radio(horizontal=True, **bound("head", options=range(state.heads)))


def _share(this: Page, state: LessonState) -> None:
    st.caption("Link to this view: copy it to share exactly what you see.")
    st.code(link_to_view(this, query()), language=None, wrap_lines=True)
    st.caption("Take it away: every matrix of this view, or a numpy script that recomputes them.")
    as_json, as_script = st.columns(2)
    as_json.download_button("JSON", lambda: export.trace_json(_run(state)), file_name="attention.json",
                            mime="application/json", on_click="ignore", icon=":material/download:")
    as_script.download_button("Python", lambda: export.script(_run(state)), file_name="attention.py",
                              mime="text/x-python", on_click="ignore", icon=":material/download:")


def _run(state: LessonState) -> explainer.Trace:
    """The view's trace, made when a download is asked for (outside the page's run)."""
    return explainer.run_attention(state.sentence, state.settings)


def _example_picked() -> None:
    if st.session_state["sidebar_example"] is not None:
        update({"sentence": st.session_state["sidebar_example"]})

