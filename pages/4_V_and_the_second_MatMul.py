"""Stage 4: values, the second MatMul A·V, and each output as a bag of words weighted by attention."""
import streamlit as st

import frame
from lesson import charts, figures, notes, views
from lesson.tables import cells, side_by_side, wide

PAGE = "pages/4_V_and_the_second_MatMul.py"
view = frame.start(PAGE)
trace, focus = view.shown, view.focus
word, n, d_model, d_v = view.focus_word, len(trace.labels), trace.X.shape[1], trace.V.shape[1]

st.title("4 · V and the second MatMul")
frame.text(
    "Queries and keys decided *where* each word looks. The **values** decide *what* it picks up there. "
    "A third weight matrix, W_V, turns each word into its value: what it hands over to any word that attends to it.",
    "## Values",
    frame.formula(rf"\underset{{{n}\times{d_v}}}{{V}} = \underset{{{n}\times{d_model}}}{{X}}\;"
                  rf"\underset{{{d_model}\times{d_v}}}{{W_V^\top}}"))
values = [trace.matrix("W_V"), trace.matrix("V")]
frame.chart(figures.grid([charts.heatmap(m) for m in values], columns=1, width=figures.FULL_PANEL, own_colours=True),
            alt_text=" ".join(charts.describe(m) for m in values),
            numbers=lambda: side_by_side(values), stretch=False)

frame.text(
    f"## The output of “{word}”: a weighted sum of values",
    f"The output for **{word}** adds up every word's value, each multiplied by its weight in the row of **{word}**. "
    "Each bar below is one output dimension, built from one slice a·v per word (its weight times its value); the "
    "black tick is the total. " + notes.output_sources(trace, focus),
    frame.formula(views.weighted_sum_formula(trace, focus)))
parts = views.contributions(trace, focus)
frame.chart(charts.stacked_contributions(parts,
                                         title=f"aⱼ·vⱼ: what each word puts in{view.of_head}"),
            alt_text="Stacked bars: for each output dimension of the focus word, the share a·v each word adds.",
            numbers=lambda: views.contributions_table(parts))

frame.text("## All the outputs at once: A · V",
           frame.formula(rf"\underset{{{n}\times{d_v}}}{{O}} = \underset{{{n}\times{n}}}{{A}}\;"
                         rf"\underset{{{n}\times{d_v}}}{{V}}"))
# A, V and O one under the other (side by side they would not fit a phone). V unmarked: every row of it goes into
# each output. O on V's colours: each o is a weighted mean of the rows of V, so it never reaches beyond them (and
# the spec stays when the weights change).
product = [trace.matrix("attention"), trace.matrix("V"), trace.matrix("output")]
reach = charts.signed_reach(trace.V)
frame.chart(figures.grid([charts.heatmap(product[0], probability=True, focus_row=focus),
                         charts.heatmap(product[1], reach=reach),
                         charts.heatmap(product[2], reach=reach, focus_row=focus)],
                        columns=1, width=figures.FULL_PANEL, own_colours=True),
            alt_text=" ".join([charts.describe(product[0], probability=True), *map(charts.describe, product[1:])]),
            numbers=lambda: side_by_side(product), stretch=False)

frame.text(
    f"## Each output is a bag of words{view.of_head}",  # the head here: in the chart's title, too wide
    "Read each output row as a bag holding a little of every word, in the proportions its attention row gives: "
    "the chart below shows those proportions, the weights A (what each word actually puts in, a·v, is the stacked "
    "bars above). The word's own row of V is what it meant alone; its row of O is what it means *in this "
    "sentence*: it now carries the relations from it to every other word.",
    notes.bag_shares(trace, focus))
attention = trace.matrix("attention")
frame.chart(charts.bag_of_words(cells(attention), title="the proportions of each bag: the weights A"),
            alt_text="For each word, a 100% bar split into the attention weight it gives every word: the "
                     "proportions of its bag.",
            numbers=lambda: wide(attention))
frame.text(
    "## What happens to the output next",
    "- **W_O**: the heads' outputs, side by side, are multiplied by one more learned matrix, which mixes them.\n"
    "- **Residual and layer norm**: the result is *added* to the word's input X (so nothing the word was is lost) "
    "and rescaled to a steady size.\n"
    "- **Feed-forward network**: a small two-layer network then works on each word on its own.\n"
    "- **The next layer**: all of that is one layer. The next attention layer starts from these outputs, so each "
    "word, now aware of its context, asks again; real models stack 6 to 100 layers."
)

frame.check_yourself(4, trace, focus)
frame.footer(PAGE)
