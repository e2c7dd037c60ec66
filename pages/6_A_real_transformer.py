"""Stage 6: the same attention inside a real trained transformer, all-MiniLM-L6-v2, on the student's sentence."""
import streamlit as st

import explainer
import frame
from lesson import charts, figures, real
from lesson.tables import side_by_side

PAGE = "pages/6_A_real_transformer.py"
model = frame.model.loaded()  # first: the layers and heads a link may ask for are the model's
view = frame.start(PAGE, limits=frame.model.limits(model))

st.title("6 · A real transformer")
st.markdown(
    f"Everything so far ran on a toy: {len(explainer.FEATURES)} named features and hand-set weights. Here is your "
    "sentence inside a real "
    "trained model, **all-MiniLM-L6-v2** (a small BERT, 22 million weights learnt from a billion sentence pairs). "
    "Each of its 6 layers has 12 heads, and every head computes exactly the lesson's "
    "softmax(Q·Kᵀ/√dₖ)·V, with dₖ = 32. Only the sentence and the word in focus carry over from the sidebar: "
    "the model's weights and the vectors of its positions were learnt in training, and its scaling is fixed, "
    "1/√32, as the lesson's 1/√dₖ."
)

run = frame.model.run(model, view.state.sentence) if model else None
if run is None:
    if model is None:
        frame.model.unavailable()
    st.markdown("Meanwhile, here is the toy's attention on your sentence, the picture each of the real model's "
                "72 heads would draw:")
    frame.matrix(view.shown.matrix("attention"), probability=True, focus_row=view.focus,
                 subtitle="the toy's, with the sidebar's settings; each row sums to 1")
    frame.footer(PAGE)
    st.stop()

names = real.labels(run)
n = len(names)
found = real.focus_token(run, view.trace.tokens, view.focus)
focus = 0 if found is None else found

frame.text("## Your sentence, as the model reads it", real.tokens_text(run), real.tokens_note(run),
           f"## One layer, all {model.n_heads} heads")
layer, head = frame.model.choice(model)
frame.chart(real.grid(run, layer, head), alt_text=real.grid_alt(run, layer),
            numbers=lambda: real.grid_table(run, layer), key=frame.model.GRID_KEY, on_select=frame.model.grid_clicked)
links = real.relation_heads(run, view.trace.tokens)
frame.text(f"What the heads of layer {layer + 1} do with this sentence, averaged over the rows of its words:",
           "\n".join(f"- {line}" for line in real.observations(run, layer)),
           "## What the heads find in your sentence's meaning",
           real.relations_intro(links, view.trace.tokens, model.n_layers),
           "\n".join(f"- {line}" for line in real.relation_lines(links)))
frame.numbers_table(lambda: real.relations_table(run, layer))
if links:
    frame.model.open_relation(links)

m = real.head_matrices(run, layer, head, focus)
frame.text(
    f"## Head {head + 1} of layer {layer + 1}, step by step",
    frame.formula(rf"\begin{{aligned}} \underset{{{n}\times{n}}}{{S_h}} &= \frac{{"
                  rf"\underset{{{n}\times{model.d_k}}}{{Q_h}}\,\underset{{{model.d_k}\times{n}}}{{K_h^\top}}}}"
                  rf"{{\sqrt{{{model.d_k}}}}} \\ A_h &= \mathrm{{softmax}}(S_h) \\ "
                  r"o_h &= \textstyle\sum_j a_{j}\, v_j \end{aligned}"))
if note := real.focus_note(run, view.trace.tokens, view.focus):
    st.caption(note)
if st.toggle(f"Show this head's Q, K and V ({n} × {model.d_k} each)", key="real_qkv",
             help=f"Each head has {model.d_k} of the {model.d_model} query, key and value columns: X·W_Qᵀ + b cut "
                  f"into {model.n_heads} slices."):
    reach = charts.signed_reach([m["Q"].values, m["K"].values])
    frame.matrix(m["Q"], focus_row=focus, reach=reach, **real.HEATMAP)
    frame.matrix(m["K"], reach=reach, **real.HEATMAP)
    frame.matrix(m["V"], **real.HEATMAP)
frame.chart(figures.grid([charts.heatmap(m["S"], focus_row=focus, **real.HEATMAP),
                         charts.heatmap(m["A"], probability=True, focus_row=focus, **real.HEATMAP)],
                        columns=1, width=None, own_colours=True),
            alt_text=f"{charts.describe(m['S'])} {charts.describe(m['A'], probability=True)}",
            numbers=lambda: side_by_side([m["S"], m["A"]]))
frame.matrix(m["o"], **real.HEATMAP)

frame.text("## Beside the toy")
frame.matrix(view.shown.matrix("attention"), probability=True, focus_row=view.focus,
             subtitle=["the toy's attention on the same sentence,", "with the sidebar's settings"])
frame.text("The toy's rows share their weight among the words only; the real model's also among [CLS], [SEP] and "
           "pieces of words, and no single head of it is the whole story.",
           f"## From layer 1 to layer {model.n_layers}",
           "Where the rows of the sentence's words put their weight, in each layer on average over its "
           f"{model.n_heads} heads:")
contrast = real.layer_contrast(run)
frame.chart(charts.bars(real.layer_bars(run), x="weight", y="layer", color="where", unit=True,
                        plot=charts.WIDE_PLOT, hollow=real.WHERE[-1],
                        title="Where the weight goes, layer by layer"),
            alt_text="Bars: the average weight on [CLS], on [SEP] and on the token itself in each layer. "
                     + contrast.replace("**", ""),
            numbers=lambda: real.profile_table(run))
frame.text(contrast, "## What the toy leaves out", "\n".join(f"- {line}" for line in real.LEAVES_OUT))

frame.footer(PAGE)
