"""Stage 4: values, the second MatMul A·V, and each output as a bag of words weighted by attention."""
import streamlit as st

import frame
from lesson import charts, notes, views
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
    frame.matrix(trace.matrix("V"))

st.subheader(f"The output of “{word}”: a weighted sum of values")
st.markdown(
    f"The output for **{word}** adds up every word's value, each multiplied by the attention {word} gives it. "
    "Each bar below is one output dimension, built from one slice per word; the black tick is the total."
)
st.latex(views.weighted_sum_formula(trace, focus))
parts = views.contributions(trace, focus)
frame.chart(charts.stacked_contributions(parts, title=f"o = Σⱼ aⱼ · vⱼ, by output dimension{lesson.of_head}"),
            alt_text=f"Stacked bars: for each output dimension of {word}, the share a·v each word adds.",
            numbers=parts)

st.subheader("All the outputs at once: A · V")
st.latex(rf"\underset{{{n}\times{d_v}}}{{O}} = \underset{{{n}\times{n}}}{{A}}\;\underset{{{n}\times{d_v}}}{{V}}")
columns = st.columns([n + 1, max(d_v, 3) + 1, max(d_v, 3) + 1])  # widths follow the matrices' widths
for column, (name, probability) in zip(columns, [("weights", True), ("V", False), ("output", False)], strict=True):
    with column:  # V unmarked: every row of it goes into each output. O on V's colours: each o is a weighted
        # mean of the rows of V, so it never reaches beyond them (and the spec stays when the weights change)
        frame.matrix(trace.matrix(name), probability=probability, focus_row=None if name == "V" else focus,
                     **({} if probability else {"reach": charts.signed_reach(trace.V)}))

st.subheader("Each output is a bag of words")
st.markdown(
    "Read each output row as a bag holding a little of every word, in the proportions its attention row gives. "
    "The word's own row of V (above) is what it meant alone; its row of O (above, right) is what it means *in this "
    "sentence*: it now carries the relations from it to every other word."
)
st.markdown(notes.bag_of_words(trace, focus))
weights = trace.matrix("weights")
frame.chart(charts.bag_of_words(tidy(weights), title=f"what each output is made of{lesson.of_head}"),
            alt_text="For each word, a 100% bar split into the share of every word in its output.",
            numbers=lambda: wide(weights))
st.subheader("What happens to the output next")
st.markdown(
    "- **W_O**: the heads' outputs, side by side, are multiplied by one more learned matrix, which mixes them.\n"
    "- **Residual and layer norm**: the result is *added* to the word's input X (so nothing the word was is lost) "
    "and rescaled to a steady size.\n"
    "- **Feed-forward network**: a small two-layer network then works on each word on its own.\n"
    "- **The next layer**: all of that is one layer. The next attention layer starts from these outputs, so each "
    "word, now aware of its context, asks again; real models stack 6 to 100 layers."
)

frame.check_yourself(4, trace, focus)
frame.footer(PAGE)
