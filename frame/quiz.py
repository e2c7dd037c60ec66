"""Check yourself: the questions of lesson.quiz at the end of each stage, with the why of each answer, and which
stages a student has answered right in this session (Home shows it)."""
from __future__ import annotations

import hashlib

import streamlit as st

from explainer import Trace
from lesson import quiz

from .classroom import share

PASSED = "quiz_passed"  # the stages whose questions were all answered right, this session
VARIANT = "quiz_variant_{}"  # per stage: how many times the student asked for new questions, this session


def check_yourself(stage: int, view: Trace, focus: int) -> None:
    """The stage's questions, in a section built only when the student opens it (every element costs on every
    move; most moves are not answers)."""
    with st.expander("**Check yourself**: questions on your own sentence", icon=":material/quiz:",
                     key=f"quiz_open_{stage}", on_change="rerun") as section:
        if section.open:
            _questions(stage, view, focus)


def _questions(stage: int, view: Trace, focus: int) -> None:
    st.markdown("Questions about your own sentence and settings: change either, and they change too.")  # not a
    # caption: axe measured a caption's grey at 3.9:1 against this open section (4.5:1 is needed)
    variant = st.session_state.get(VARIANT.format(stage), 0)
    questions = quiz.questions(stage, view, focus, variant)
    right = 0
    for question in questions:
        key = "quiz_" + hashlib.sha1(question.key.encode()).hexdigest()[:16]
        chosen = st.radio(question.prompt, range(len(question.options)), format_func=question.options.__getitem__,
                          index=None, key=key)
        if chosen is not None:
            (st.success if question.is_right(chosen) else st.error)(question.why[chosen])
            share(stage, question, chosen)
            right += question.is_right(chosen)
    if right == len(questions):
        st.session_state[PASSED] = st.session_state.get(PASSED, set()) | {stage}
    st.button("New questions", key=f"quiz_new_{stage}", on_click=_ask_again, args=(stage,),
              icon=":material/refresh:", help="Other questions about this view: another word, shuffled answers.")


def _ask_again(stage: int) -> None:
    st.session_state[VARIANT.format(stage)] = st.session_state.get(VARIANT.format(stage), 0) + 1


def passed() -> set[int]:
    return st.session_state.get(PASSED, set())
