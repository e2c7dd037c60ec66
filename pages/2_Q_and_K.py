"""Stage 2: where X comes from, W_Q and W_K, Q and K, and the first MatMul Q·Kᵀ as an inquiry system."""
import streamlit as st

import explainer
import frame
from explainer.positions import BASE, CLOCK_SPEEDS
from lesson import charts, figures, notes, views
from lesson.tables import side_by_side, wide

PAGE = "pages/2_Q_and_K.py"
TERMS = "q_and_k_terms"  # the term-by-term breakdown's section
PLAIN = "q_and_k_plain"  # the section of X·Xᵀ
WORDS = "q_and_k_words"  # the section where a student looks words up
NEAR = "q_and_k_near"  # the section of the position questions
take_apart = frame.clicked("score_cells", "cell", {"focus": "row_index", "key": "col_index"})


def cell_clicked() -> None:
    take_apart()
    st.session_state[TERMS] = True  # the student asked to see this score taken apart


view = frame.start(PAGE)
trace, focus, key = view.shown, view.focus, view.key
n, d_model, d_k = len(trace.labels), trace.X.shape[1], trace.Q.shape[1]
cosine = view.state.similarity == "cosine"
n_features, n_positions = len(explainer.FEATURES), len(explainer.POSITION_DIMS)

st.title("2 · Q and K: the inquiry system")
frame.text(
    "The first matrix product answers, for every pair of words at once, the question *“for the word q I am "
    "reading, how related is the word k?”*. To ask it, each word needs two new forms: a **query** (what it is "
    "looking for) and a **key** (what it can be found by). Both are made from the same input X.",
    "## Where X comes from",
    f"Each word starts as an **embedding** E: here {n_features} named features (is it a person? an action? a "
    f"word that points to a noun?) that you can read, where a trained model has hundreds of dimensions with no "
    f"names. The toy knows {len(explainer.VOCABULARY):,} word forms: the most common English words and their forms "
    "(visits, visited and visiting all read as visit). A word it does not know gets no features at all: every number "
    f"0. Word order comes as a **positional encoding** PE, as in *Attention Is All You Need*: waves of different "
    f"speeds, a different pattern for each position. Here PE has {n_positions} columns of its own (two clocks, each "
    "a sine and a cosine), where E is 0, and E is 0 where PE is not; so the sum X = E + PE keeps every name "
    "readable. (In a trained model E and PE share every dimension, and the model learns to tell them apart.)",
    frame.formula(r"X = E + PE" if view.state.positional else r"X = E \quad (\text{positions off})"))
frame.matrix(trace.matrix("X"), focus_row=focus, subtitle=None if view.state.positional else views.NO_POSITIONS)
parts = ["embeddings", "positions"] if view.state.positional else ["embeddings"]
with st.expander("E and PE, each on its own" if view.state.positional else "E on its own (positions are off)",
                 key="q_and_k_parts", on_change="rerun") as section:
    if section.open:  # built only when opened, like every breakdown of the lesson
        for name in parts:
            frame.matrix(trace.matrix(name), focus_row=focus)
        if view.state.positional:
            st.caption(f"The clocks turn {' and '.join(f'{speed:g}' for speed in CLOCK_SPEEDS)} radian a word: the "
                       f"paper's formula, sin(pos / b^(2i/d)), with b = {BASE:g} instead of 10000, because a sentence "
                       "here has at most 12 words.")
with st.expander("Look up a word: which words the toy knows, and their features", key=WORDS,
                 on_change="rerun") as section:
    if section.open:  # built only when opened: 21,000 words are looked up, not sent
        typed = st.text_input("A word, or its first letters", key="q_and_k_lookup",
                              placeholder="e.g. visit, sister, happy")
        sought = (explainer.find_words(typed) or [view.trace.tokens[view.focus]])[0]
        found = views.vocabulary_lookup(sought)
        if len(found["word"]):
            st.table(found, hide_index=True, hide_header=False)
        else:
            st.markdown(notes.not_known(sought))
        st.table(views.feature_meanings(), hide_index=True, hide_header=False)
frame.text(
    notes.positions(trace),
    "## W_Q and W_K: two ways of looking at a word",
    f"Two weight matrices, each {d_k} × {d_model}, move every word vector into a smaller space of d_k = {d_k} "
    "dimensions. " + (
        "Think of the designed weights as questions: a row of **W_Q** says which features *ask* a question, the "
        "same row of **W_K** which features *answer* it. Four questions are about meaning:"
        if view.state.weight_set == "designed" else
        f"These are the **{view.state.weight_set}** weights: their rows ask no question anyone designed, so their "
        f"dimensions are numbered, {trace.qk_dims[0]} to {trace.qk_dims[-1]}. Switch to the designed weights in the "
        "sidebar to see each row as a question about meaning or position."),
    notes.questions() if view.state.weight_set == "designed" else None,
    "Four more, **near?**, are about position: W_Q turns each query's clocks forward, W_K reads each key's clocks "
    "as they are, so that the words just after a word match it best (open *The position questions* below)"
    + ("" if view.state.positional else "; here positions are off, so every clock is 0 and they add nothing")
    + ". "
    "In a real transformer nobody designs them: W_Q and W_K start random and are learned by **backpropagation**, "
    "nudged a little after each training example toward queries and keys that make the model's predictions "
    "better. Switch the weights to *random* in the sidebar to see an untrained model."
    if view.state.weight_set == "designed" else
    "A real transformer starts from random W_Q and W_K and learns them by **backpropagation** (page 5 shows how).",
    f"With {view.state.heads} heads the rows are shared out: {trace.head_label} has "
    f"{notes.listed([f'*{name}*' for name in trace.qk_dims])}, the rows of its W_Q and W_K below."
    if view.state.heads > 1 and view.state.weight_set == "designed" else None)
weights = [trace.matrix("W_Q"), trace.matrix("W_K")]
# 30 px narrower than a grid's full panel: the questions' names beside the rows are longer than words
frame.chart(figures.grid([charts.heatmap(m) for m in weights], columns=1, width=figures.FULL_PANEL - 30),
            alt_text=" ".join(charts.describe(m) for m in weights),
            numbers=lambda: side_by_side(weights), stretch=False)
with st.expander("The position questions: how much a key gains from where it stands", key=NEAR,
                 on_change="rerun") as section:
    if section.open:  # built only when opened, like every breakdown of the lesson
        by_distance = views.position_scores()
        frame.chart(charts.bars(by_distance, x="score from position", y="key", rule_at=0, plot=charts.WIDE_PLOT,
                                title="score from the near? questions"),  # longer, cut on a phone
                    alt_text="Bars: the score the designed position questions add to a key, by how many words "
                             "after the query it stands; highest for the next word.", numbers=by_distance)
        st.markdown(notes.position_questions(trace))

frame.text(
    "## Queries and keys",
    frame.formula(rf"\underset{{{n}\times{d_k}}}{{Q}} = \underset{{{n}\times{d_model}}}{{X}}\;"
                  rf"\underset{{{d_model}\times{d_k}}}{{W_Q^\top}} \qquad "
                  rf"\underset{{{n}\times{d_k}}}{{K}} = \underset{{{n}\times{d_model}}}{{X}}\;"
                  rf"\underset{{{d_model}\times{d_k}}}{{W_K^\top}}"))
st.caption("The lesson writes W with shape d_k × d_model and multiplies by its transpose, as PyTorch's "
           "nn.Linear does. Storing W the other way round, d_model × d_k, and writing X·W is the same thing.")
q_and_k = [trace.matrix("Q"), trace.matrix("K")]
frame.chart(figures.grid([charts.heatmap(q_and_k[0], focus_row=focus), charts.heatmap(q_and_k[1], focus_row=key)],
                        columns=1, width=figures.FULL_PANEL),
            alt_text=f"{charts.describe(q_and_k[0])} {charts.describe(q_and_k[1])}",
            numbers=lambda: side_by_side(q_and_k), stretch=False)

frame.text(
    "## The first MatMul: one score for every (query, key) pair",
    # the shape under S alone: under S_ij KaTeX set the subscript beside the shape, "S" over "3×3ᵢⱼ"
    frame.formula(rf"\underset{{{n}\times{n}}}{{S}}, \qquad S_{{ij}} = \cos(q_i, k_j) = "
                  r"\frac{q_i \cdot k_j}{\lVert q_i\rVert\,\lVert k_j\rVert}") if cosine else
    frame.formula(rf"\underset{{{n}\times{n}}}{{S}} = Q\,K^\top, \qquad S_{{ij}} = q_i \cdot k_j"),
    "Cosine mode (sidebar, More settings): each score is a dot product of the two directions only, between −1 "
    "and 1. " * cosine + "Row *i* holds how strongly word *i*'s query matches every key. Click a cell to take it "
    "apart below, or pick the pair.")
frame.chart(charts.heatmap(trace.matrix("scores"), focus_cell=(focus, key), select="cell",
                           select_fields=("row_index", "col_index"),
                           subtitle="row = query word, column = key word; click a cell"),
            alt_text=charts.describe(trace.matrix("scores")), numbers=lambda: wide(trace.matrix("scores")),
            key="score_cells", on_select=cell_clicked)

pick_query, pick_key = st.columns(2)
with pick_query:
    st.selectbox(**frame.bound("focus", "page", label="Query word"))
with pick_key:
    st.selectbox(**frame.bound("key", "page", key))
# The breakdown is built only when open, like every breakdown of the lesson; a click on a cell opens it. Its label
# stays the same whatever the pair: a new label would make it a new section, closed.
with st.expander("One score, term by term", key=TERMS, on_change="rerun") as section:
    if section.open:
        terms = views.dot_product_terms(trace, focus, key)
        frame.text(f"**{trace.labels[focus]}** asking, **{trace.labels[key]}** answering.",
                   "In cosine mode, q and k are first divided by their lengths (q̂ = q / |q|, k̂ = k / |k|); the "
                   "products of the two directions add up to the cosine." if cosine else None,
                   frame.formula(views.dot_product_formula(terms, cosine=cosine)))
        q_name, k_name = ("q̂", "k̂") if cosine else ("q", "k")
        # Chart titles leave the words out (the label names them): a new word then changes the chart's data, not
        # its spec, and the browser updates the drawing instead of building it again.
        frame.chart(charts.bars(terms, x="product", y="dim", rule_at=0, plot=charts.WIDE_PLOT,
                                title=f"{q_name} × {k_name}, dim by dim{view.of_head}"),
                    alt_text="Bars of the product of query and key in each dimension; they add up to the score.",
                    numbers=terms)
        st.markdown("A dimension adds to the score when query and key have the same sign there, and subtracts "
                    "when their signs differ. The score is large when they agree, strongly, in many dimensions.")

plain = views.self_similarity(trace)
frame.text(
    "## Why two matrices, and not simply X·Xᵀ?",
    "Comparing the words as they are, X·Xᵀ, would be simpler. But it is symmetric — jane matches visits exactly as "
    "much as visits matches jane — and a word is usually most like itself. W_Q and W_K let a word *ask* for "
    "something different from what it *offers*: a person asks for an action, an action offers one.",
    notes.self_similarity(plain.values, trace, focus))
with st.expander("X·Xᵀ for your sentence, beside S", key=PLAIN, on_change="rerun") as section:
    if section.open:  # built only when opened: a comparison, like E and PE above
        frame.matrix(plain, focus_row=focus, subtitle="symmetric: no W_Q, no W_K; compare S = Q·Kᵀ above")
frame.text(
    "## Dot product or cosine similarity?",
    "There are several ways to measure how similar two vectors are. **Cosine similarity** looks only at the "
    "angle between them: it is the dot product of the two directions, between −1 and 1, whatever their lengths. "
    "The **dot product** is cosine × |q| × |k|: a longer key gets a larger score in the same direction. Transformers "
    "use the plain dot product — cheap, and length becomes one more thing the model can learn to use. "
    "(The sidebar's *More settings* switches the whole chain to cosine.) Below, the query of "
    f"**{trace.labels[focus]}** against every key{view.of_head}.")
similar = views.similarities(trace, focus)
frame.chart(figures.grid([charts.bars(similar, x="dot", y="key", rule_at=0,
                                     title="q·k"),
                         charts.bars(similar, x="cosine", y="key", rule_at=0, domain=(-1, 1),
                                     title="cos(q, k)")],
                        columns=2, width=92),
            alt_text=f"Bars of the dot product of the focus word's query with each key{view.of_head}, and of their "
                     "cosine similarity, between −1 and 1.", numbers=similar, stretch=False)

frame.text(f"## The query of {trace.labels[focus]} and the keys as arrows",
           "A query and a key pointing the same way have a large positive dot product; at right angles, zero; "
           "opposite, negative. Training arranges the arrows so that each query points toward the keys it needs.")
points = views.fan(trace, focus)
frame.chart(charts.vectors(points, bounds=views.fan_bounds(trace),
                           title=f"q in red, every k in grey{view.of_head}"),
            alt_text="Arrows from the origin: the focus word's query along the horizontal axis, each key at its true "
                     "angle to it and with its true length.",
            numbers=points, stretch=False)
too_many = f"The vectors have {d_k} dimensions, too many to draw. So the" if d_k > 2 else "The"
st.caption(f"{too_many} query lies along the horizontal axis and each key is drawn at its true angle to the query "
           "with its true length: every dot product with the query is exact in the picture. The angles *between two "
           "keys* are not: keys are all drawn on one side of the query.")

frame.check_yourself(2, trace, focus)
frame.footer(PAGE)
