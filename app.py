"""Home: what attention is for, the whole chain at a glance, and the way into each stage."""
import streamlit as st

import frame
from lesson import views

lesson = frame.start("app.py")
trace = lesson.view

st.title("Self-attention, step by step")
st.markdown(
    "Read *jane visits africa*. The word **jane** on its own tells you little; it starts to mean something once "
    "you notice **visits**. Self-attention gives every word of a sentence that same move: each word looks at all "
    "the others, decides which ones explain it best, and mixes what they carry into a new version of itself. "
    "It is the step that lets a transformer read a word in its context, and it is nothing more than two matrix "
    "products and a softmax — small enough here that you can check every number by hand."
)
st.latex(r"\text{Attention}(Q, K, V) = \text{softmax}\!\left(\frac{Q\,K^\top}{\sqrt{d_k}}\right) V")

st.subheader("The whole chain, for your sentence")
st.caption(f"{len(trace.tokens)} words, each a vector of {trace.X.shape[1]} features; "
           f"queries and keys have d_k = {trace.Q.shape[1]} dimensions.")
st.latex(views.chain_formula(lesson.trace))
st.dataframe(views.chain(lesson.trace), hide_index=True, width="stretch")

st.subheader("Where each word looks")
heatmap, words = st.columns([3, 2])
with heatmap:
    frame.matrix(trace.matrix("weights"), probability=True, focus_row=lesson.focus,
                 subtitle=["row: the word asking", "column: the word it looks at"])
with words:
    st.markdown("Each row is one word's attention: how it shares out 1 over every word of the sentence. "
                "The darker the cell, the more that word looks there. Change the sentence or any setting in the "
                "sidebar and every number here and on every stage follows.")

st.subheader("The four stages")
stages = [
    ("Each word looks for the words that explain it; attention is a soft database lookup.", frame.PAGES[1]),
    ("Queries and keys: the first MatMul scores every pair of words.", frame.PAGES[2]),
    ("Softmax turns a row of scores into probabilities; why divide by √dₖ.", frame.PAGES[3]),
    ("Values and the second MatMul: each word becomes a weighted bag of words.", frame.PAGES[4]),
]
for index, (text, page) in enumerate(stages):
    if index % 2 == 0:
        row = st.columns(2)
    with row[index % 2].container(border=True):
        st.page_link(page.path, label=f"**{page.title}**", query_params=frame.query())
        st.write(text)

frame.footer("app.py")
