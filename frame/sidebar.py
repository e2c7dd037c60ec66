"""The sidebar: the menu, every setting of the lesson, and the link to the current view."""
from __future__ import annotations

import streamlit as st

import explainer
from lesson import export
from lesson import state as lesson_state
from lesson.state import LessonState

from .navigation import Page, link_to_view, menu
from .store import bound, current, query, update

WEIGHT_NAMES = {"designed": "designed by hand", "random": "random", "trained": "trained (page 5)"}
SIMILARITY_NAMES = {"dot": "dot product", "cosine": "cosine"}


def sidebar(this: Page) -> None:
    state = current()
    with st.sidebar:
        st.markdown("**Self-attention, step by step**")
        menu()
        st.divider()
        st.text_input("Sentence", max_chars=explainer.MAX_CHARS,
                      help=f"Any sentence of up to {explainer.MAX_WORDS} words.", **bound("sentence"))
        st.session_state["sidebar_example"] = state.sentence if state.sentence in explainer.EXAMPLES else None
        st.selectbox("…or pick an example", explainer.EXAMPLES, index=None, placeholder="Examples",
                     key="sidebar_example", on_change=_example_picked)
        labels = state.labels
        st.selectbox("Word in focus (the query)", range(len(labels)), format_func=labels.__getitem__,
                     **bound("focus"))
        st.radio("Weights", explainer.WEIGHT_SETS, horizontal=True, format_func=WEIGHT_NAMES.get,
                 help="Designed: every number means something. Random: an untrained model. Trained: W_Q and W_K "
                      "learned from the random start of the seed (page 5 shows how).", **bound("weight_set"))
        if state.weight_set in ("random", "trained"):
            trained = state.weight_set == "trained"
            st.number_input("Seed", *lesson_state.SEED_RANGE, step=1,
                            help=f"The same seed gives the same random weights{', and the same training' * trained}."
                                 + (f" Trained for {state.train_steps} steps at learning rate {state.train_rate:g} "
                                    "(change them on page 5)." if trained else ""), **bound("seed"))
        st.toggle("Add positions (positional encoding)", **bound("positional"))
        cosine = state.similarity == "cosine"
        st.toggle("Divide scores by √dₖ", disabled=cosine, **bound("scaled"),
                  help="Cosine similarities lie in [−1, 1] and are never divided by √dₖ." if cosine else
                  "Dot products spread more the more dimensions they add up; √dₖ brings them back to about ±1.")
        temperature_slider("Temperature")
        # Built only when open (most students never open them, and every element costs on every move); open on a
        # page's first run when the view uses one of its settings, and then as the student leaves it.
        if (state.causal or state.similarity != "dot" or state.heads > 1) and "sidebar_more" not in st.session_state:
            st.session_state["sidebar_more"] = True
        with st.expander("More settings", key="sidebar_more", on_change="rerun") as more:
            if more.open:
                _more_settings(state)
        st.toggle("Show the numbers under every chart", help="Tables to read, copy or export.",
                  **bound("numbers"))
        with st.expander("Share or take away this view", key="sidebar_share", on_change="rerun") as share:
            if share.open:
                _share(this, state)


def _more_settings(state: LessonState) -> None:
    st.toggle("Causal mask (look only backwards)", **bound("causal"))
    st.radio("Similarity", explainer.SIMILARITIES, horizontal=True, format_func=SIMILARITY_NAMES.get,
             **bound("similarity"))
    st.radio("Heads", explainer.HEAD_COUNTS, horizontal=True,
             help=f"Split the {explainer.D_K} query/key dimensions over several heads.", **bound("heads"))
    if state.heads > 1:
        st.radio("Head shown", range(state.heads), horizontal=True, format_func=lambda h: f"head {h + 1}",
                 **bound("head"))


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


def temperature_slider(label: str, place: str = "sidebar") -> None:
    """The temperature control; the sidebar has one, and a page may add its own beside what it shows."""
    st.slider(label, *lesson_state.TEMPERATURE_RANGE, step=0.01,
              help="Scores are divided by the temperature before softmax: below 1 sharper, above 1 flatter. "
                   "The sidebar and the page share one temperature.", **bound("temperature", place))
