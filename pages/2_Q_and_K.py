"""Stage 2: where X comes from, W_Q and W_K, Q and K, and the first MatMul Q·Kᵀ as an inquiry system."""
import streamlit as st

import frame
from lesson import charts, views
from lesson.frames import wide

PAGE = "pages/2_Q_and_K.py"
lesson = frame.start(PAGE)
trace, focus, key = lesson.view, lesson.focus, lesson.key
n, d_model, d_k = len(trace.labels), trace.X.shape[1], trace.Q.shape[1]

st.title("2 · Q and K: the inquiry system")
st.markdown(
    "The first matrix product answers, for every pair of words at once, the question *“for the word q I am "
    "reading, how related is the word k?”*. To ask it, each word needs two new forms: a **query** (what it is "
    "looking for) and a **key** (what it can be found by). Both are made from the same input X."
)

st.subheader("Where X comes from")
st.markdown(
    f"Each word starts as an embedding: a vector of {d_model} numbers. Here every dimension has a name, so you can "
    "read it (a trained model's dimensions have no names). Word order is added as a **positional encoding**: "
    "waves of different speeds, a different pattern for each position, as in *Attention Is All You Need*. "
    f"The embeddings are first scaled by √d_model = √{d_model}, as in the paper, so that position nudges a "
    "word's meaning instead of drowning it."
)
st.latex(r"X = \sqrt{d_{model}}\;E + PE")
parts = ["embeddings", "positions"] if lesson.state.positional else ["embeddings"]
for column, name in zip(st.columns(2), parts, strict=False):
    with column:
        frame.matrix(trace.matrix(name), focus_row=focus)
frame.matrix(trace.matrix("X"), focus_row=focus)
if not lesson.state.positional:
    st.caption("Positions are switched off (sidebar): X is just the scaled embeddings, and the sentence is a bag "
               "of words with no order — *jane visits africa* and *africa visits jane* would look the same.")

st.subheader("W_Q and W_K: two ways of looking at a word")
st.markdown(
    f"Two weight matrices, each {d_k} × {d_model}, move every word vector into a smaller space of d_k = {d_k} "
    "dimensions. Think of the designed weights as questions: a row of **W_Q** says which features *ask* a "
    "question (a person asks “where is an action?”), the same row of **W_K** which features *answer* it "
    "(an action answers it). In a real transformer nobody designs them: W_Q and W_K start random and are learned "
    "by **backpropagation**, nudged a little after each training example toward queries and keys that make the "
    "model's predictions better. Switch the weights to *random* in the sidebar to see an untrained model."
)
left, right = st.columns(2)
with left:
    frame.matrix(trace.matrix("W_Q"))
with right:
    frame.matrix(trace.matrix("W_K"))

st.subheader("Queries and keys")
st.latex(rf"\underset{{{n}\times{d_k}}}{{Q}} = \underset{{{n}\times{d_model}}}{{X}}\;"
         rf"\underset{{{d_model}\times{d_k}}}{{W_Q^\top}} \qquad "
         rf"\underset{{{n}\times{d_k}}}{{K}} = \underset{{{n}\times{d_model}}}{{X}}\;"
         rf"\underset{{{d_model}\times{d_k}}}{{W_K^\top}}")
st.caption("The lesson writes W with shape d_k × d_model and multiplies by its transpose, as PyTorch's "
           "nn.Linear does. Storing W the other way round, d_model × d_k, and writing X·W is the same thing.")
left, right = st.columns(2)
with left:
    frame.matrix(trace.matrix("Q"), focus_row=focus)
with right:
    frame.matrix(trace.matrix("K"), focus_row=key)

st.subheader("The first MatMul: one score for every (query, key) pair")
st.latex(rf"\underset{{{n}\times{n}}}{{S}} = Q\,K^\top, \qquad S_{{ij}} = q_i \cdot k_j")
st.markdown("Row *i* holds how strongly word *i*'s query matches every key. Click a cell to take it apart below.")
frame.chart(charts.heatmap(trace.matrix("scores"), focus_cell=(focus, key), select="cell",
                           select_fields=("row_index", "col_index"),
                           subtitle="row = query word, column = key word; click a cell"),
            alt_text=charts.describe(trace.matrix("scores")), numbers=lambda: wide(trace.matrix("scores")),
            key="score_cells",
            on_select=frame.clicked("score_cells", "cell", {"focus": "row_index", "key": "col_index"}))

st.subheader("One score, term by term")
pick_query, pick_key = st.columns(2)
with pick_query:
    st.selectbox("Query word", range(n), format_func=trace.labels.__getitem__, **frame.bound("focus", "page"))
with pick_key:
    st.selectbox("Key word", range(n), format_func=trace.labels.__getitem__, **frame.bound("key", "page", key))
terms = views.dot_product_terms(trace, focus, key)
st.latex(views.dot_product_formula(terms))
frame.chart(charts.bars(terms, x="product", y="dim", rule_at=0,
                        title=f"q({trace.labels[focus]}) × k({trace.labels[key]}), dimension by dimension"),
            alt_text="Bars of the product of query and key in each dimension; they add up to the score.",
            numbers=terms)
st.markdown("A dimension adds to the score when query and key have the same sign there, and subtracts when "
            "their signs differ. The score is large when they agree, strongly, in many dimensions.")

st.subheader("Dot product or cosine similarity?")
st.markdown(
    "There are several ways to measure how similar two vectors are. **Cosine similarity** looks only at the "
    "angle between them: it is the dot product of the two directions, between −1 and 1, whatever their lengths. "
    "The **dot product** is cosine × |q| × |k|: a longer key gets a larger score in the same direction. Transformers "
    "use the plain dot product — cheap, and length becomes one more thing the model can learn to use. "
    "(The sidebar's *More settings* switches the whole chain to cosine.)"
)
similar = views.similarities(trace, focus)
dot, cosine = st.columns(2)
with dot:
    frame.chart(charts.bars(similar, x="dot", y="key", rule_at=0, title=f"dot product q({trace.labels[focus]})·k"),
                alt_text="Bars of the dot product of the focus query with each key.", numbers=similar)
with cosine:
    frame.chart(charts.bars(similar, x="cosine", y="key", rule_at=0, domain=(-1, 1),
                            title=f"cosine similarity of q({trace.labels[focus]}) and k"),
                alt_text="Bars of the cosine similarity of the focus query with each key, between −1 and 1.")

st.subheader("Queries and keys as arrows")
points, plane = views.vectors_2d(trace)
frame.chart(charts.vectors(points, focus_word=trace.labels[focus], title="Queries (red) and keys (blue)"),
            alt_text="Arrows from the origin for every query and key; a query and a key pointing the same way "
                     "have a large dot product.",
            numbers=points, stretch=False)
st.caption(f"Drawn in {plane}.")
st.markdown("A query and a key pointing the same way have a large positive dot product; at right angles, zero; "
            "opposite, negative. Training arranges these arrows so that each query points toward the keys it needs.")

frame.footer(PAGE)
