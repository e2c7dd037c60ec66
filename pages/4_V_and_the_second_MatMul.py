"""Stage 4: values, the second MatMul A·V, and each output as a bag of words weighted by attention."""
import streamlit as st

import frame
from lesson import charts, views
from lesson.frames import tidy, wide

PAGE = "pages/4_V_and_the_second_MatMul.py"
lesson = frame.start(PAGE)
trace, focus = lesson.view, lesson.focus
word, n, d_model, d_v = lesson.focus_word, len(trace.labels), trace.X.shape[1], trace.V.shape[1]

st.title("4 · V and the second MatMul")
st.markdown(
    "Queries and keys decided *where* each word looks. The **values** decide *what* it picks up there. "
    "A third weight matrix, W_V, turns each word into its value: what it hands over to any word that attends to it."
)

st.subheader("Values")
st.latex(rf"\underset{{{n}\times{d_v}}}{{V}} = \underset{{{n}\times{d_model}}}{{X}}\;"
         rf"\underset{{{d_model}\times{d_v}}}{{W_V^\top}}")
left, right = st.columns(2)
with left:
    frame.matrix(trace.matrix("W_V"))
with right:
    frame.matrix(trace.matrix("V"), focus_row=focus)

st.subheader(f"The output of “{word}”: a weighted sum of values")
st.markdown(
    f"The output for **{word}** adds up every word's value, each multiplied by the attention {word} gives it. "
    "Each bar below is one output dimension, built from one slice per word; the black tick is the total."
)
st.latex(views.weighted_sum_formula(trace, focus))
parts = views.contributions(trace, focus)
frame.chart(charts.stacked_contributions(parts, title=f"o({word}) = Σⱼ aⱼ · vⱼ, by output dimension"),
            alt_text=f"Stacked bars: for each output dimension of {word}, the share a·v each word adds.",
            numbers=parts)

st.subheader("All the outputs at once: A · V")
st.latex(rf"\underset{{{n}\times{d_v}}}{{O}} = \underset{{{n}\times{n}}}{{A}}\;\underset{{{n}\times{d_v}}}{{V}}")
columns = st.columns([n + 1, max(d_v, 3) + 1, max(d_v, 3) + 1])  # widths follow the matrices' widths
for column, (name, probability) in zip(columns, [("weights", True), ("V", False), ("output", False)], strict=True):
    with column:
        frame.matrix(trace.matrix(name), probability=probability, focus_row=focus)

st.subheader("Each output is a bag of words")
st.markdown(
    "Read each output row as a bag holding a little of every word, in the proportions its attention row gives. "
    "The word's own value (left) is what it meant alone; its output (right) is what it means *in this sentence*: "
    "it now carries the relations from it to every other word. With the designed weights, **jane** alone is a "
    "“who”; after attention she carries mostly “action”, taken from **visits**."
)
left, middle, right = st.columns([max(d_v, 3) + 2, 6, max(d_v, 3) + 2])
with left:
    frame.matrix(trace.matrix("V"), focus_row=focus, subtitle="each word on its own")
with middle:
    weights = trace.matrix("weights")
    frame.chart(charts.bag_of_words(tidy(weights), title="what each output is made of"),
                alt_text="For each word, a 100% bar split into the share of every word in its output.",
                numbers=lambda: wide(weights))
with right:
    frame.matrix(trace.matrix("output"), focus_row=focus, subtitle="each word in context")
st.markdown(
    "This output is what the attention layer hands on. In a transformer it goes through a small feed-forward "
    "network and then into the next attention layer, where each word, now aware of its context, asks again."
)

frame.footer(PAGE)
