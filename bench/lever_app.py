"""The floor (bench/floor_app.py) plus one kind of element, to price that kind: what the elements of one kind add
to a move in the browser when nothing about them changes (bench/levers.py). The kind is named by LEVER."""
import os

import streamlit as st
from floor_app import chart

PARAGRAPH = "A paragraph with some **bold** and *italic* words, about as long as one of the lesson's sentences."
TITLES = [f"{number} A page of the lesson" for number in range(7)]
TABLE = {"step": list("XQKVSAO"), "what": ["a matrix"] * 7, "shape": ["3 × 4"] * 7}

LEVERS = {
    "floor": "the floor alone",
    "page links": "7 page links in the sidebar that do not change",
    "radio": "1 radio of 7 options in the sidebar (the menu before)",
    "moving links": "7 page links in the sidebar whose addresses change every move (the menu now)",
    "paragraphs": "20 paragraphs, one st.markdown each",
    "one block": "the same 20 paragraphs in one st.markdown",
    "headings apart": "10 st.subheader + 10 st.markdown",
    "headings merged": "the same 10 headings and paragraphs as 10 st.markdown blocks",
    "formulas": "5 st.latex",
    "dataframes": "3 small st.dataframe (7 × 3)",
    "tables": "the same 3 as st.table",
    "charts": "4 more floor charts whose data does not change",
}


def draw(lever: str) -> None:
    if lever == "page links":
        for title in TITLES:
            st.sidebar.page_link("https://example.org/" + title.split()[0], label=title)
    elif lever == "moving links":  # each link carries the view, as the menu's links carry the lesson's settings
        for title in TITLES:
            st.sidebar.page_link(f"https://example.org/{title.split()[0]}?t={st.session_state.get('temperature', 1.0)}",
                                 label=title)
    elif lever == "radio":
        st.sidebar.radio("Pages", TITLES, key="menu", label_visibility="collapsed")
    elif lever == "paragraphs":
        for _ in range(20):
            st.markdown(PARAGRAPH)
    elif lever == "one block":
        st.markdown("\n\n".join([PARAGRAPH] * 20))
    elif lever == "headings apart":
        for number in range(10):
            st.subheader(f"Heading {number}")
            st.markdown(PARAGRAPH)
    elif lever == "headings merged":
        for number in range(10):
            st.markdown(f"### Heading {number}\n\n{PARAGRAPH}")
    elif lever == "formulas":
        for _ in range(5):
            st.latex(r"a_{ij} = \text{softmax}_j\!\left(\frac{s_{ij}}{\sqrt{d_k}}\right)")
    elif lever == "dataframes":
        for _ in range(3):
            st.dataframe(TABLE, hide_index=True)
    elif lever == "tables":
        for _ in range(3):
            st.table(TABLE)
    elif lever == "charts":
        for number in range(4):
            st.altair_chart(chart(1.0 + number), width="stretch")


if __name__ == "__main__":  # as `streamlit run` runs it
    draw(os.environ.get("LEVER", "floor"))
    st.altair_chart(chart(st.slider("Temperature", 0.01, 5.0, 1.0, key="temperature")), width="stretch")
