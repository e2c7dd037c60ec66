"""Stage 1: each word looks for the words that explain it; attention as a soft database lookup."""
import streamlit as st

import frame
from lesson import charts, notes, views

PAGE = "pages/1_Intuition.py"
view = frame.start(PAGE)
trace, focus = view.shown, view.focus

st.title("1 · Intuition: every word looks for the words that explain it")
frame.text(
    "When your eyes land on **jane** in *jane visits africa*, your mind goes looking through the rest of the "
    "sentence for the word that tells you what jane is about, and settles on **visits**. Reading on, **visits** "
    "makes you look for where, and you find **africa**. Self-attention does this for every word at once: "
    "each word (the *query*) asks a question of every word (the *keys*), and the answer is a probability for each.",
    "## Pick a word and see where it looks")
frame.chart(charts.sentence_strip(views.attention_row(trace, focus), select="word"),
            alt_text="The sentence as word tiles, shaded by how much the focus word attends to each.",
            key="sentence_strip", on_select=frame.clicked("sentence_strip", "word", {"focus": "position"}))
st.segmented_control(required=True, width="stretch", wrap=True, **frame.bound("focus", "page", label="Word in focus"))
frame.text(notes.favourite(trace, focus) + " Click a word in the sentence, or pick one above.",
           "## For each word, the word it attends to most",
           "This is the lesson's table, computed live for your sentence: *q* is the word asking, *k* the word "
           "it finds most related, and the probability how sure the answer is. Each row of attention sums to 1, "
           "so the probability is that word's share. The last column says where the toy's rules end: a word that "
           "asks nothing about meaning, a pronoun with several nouns it could stand for, a close second.")
top = views.top_keys(trace)  # a static table: nothing to sort or scroll, and cheaper to redraw than a data grid
st.table({**top, "probability": [f"{p:.2f}" for p in top["probability"]],
          "in doubt?": [notes.doubt(trace, i)[0] for i in range(len(trace.labels))]},
         hide_index=True, hide_header=False)
frame.text(
    notes.asymmetry(trace),
    notes.repeats(trace),
    "## Attention is a soft SELECT",
    "Think of the sentence as a tiny database table with one row per word: a **key** (what the word offers "
    "to be found by) and a **value** (what it hands over when found). A database answers a query with an "
    "*exact match*: the one row whose key equals what you asked for. Attention never finds an exact match, "
    "because a query is a vector, not a name. It returns **every row, weighted by how similar its key is to the "
    "query**, and blends the values by those weights.")
value_columns = list(trace.v_dims)
found = views.exact_match(trace, focus)
hard, soft = st.columns(2)
with hard:
    st.markdown("**A database: exact match, one row back**")
    quoted = found["key"][0].replace("'", "''")  # SQL writes a quote inside a string twice: 'can''t'
    st.code(f"SELECT value FROM sentence\nWHERE key = '{quoted}';", language="sql")
    st.table({"key": found["key"], **{column: [f"{found[column][0]:.4g}"] for column in value_columns}},
             hide_index=True, hide_header=False)  # a dict's header is hidden unless asked for
with soft:
    st.markdown(f"**Attention: query = “{view.focus_word}”, every row back, weighted**")
    # widths that fit a phone (390 px): at their own widths the last value column was off screen
    widths = views.lookup_widths(trace)
    st.dataframe(views.lookup(trace, focus), hide_index=True, width="stretch",
                 column_config={"weight": st.column_config.ProgressColumn(
                     "weight", format="%.3f", min_value=0.0, max_value=1.0, color=charts.PROBABILITY_COLOUR,
                     width=widths["weight"]),
                     "key": st.column_config.TextColumn(width=widths["key"]),
                     **{column: st.column_config.NumberColumn(width=widths[column]) for column in value_columns}})
st.caption(f"The value columns ({', '.join(value_columns)}) are what each word hands over when it is found: "
           f"the rows of V ({len(trace.labels)} × {len(value_columns)}, stage 4), beside the query's row of A.")
st.slider(**frame.bound("temperature", "page", label="From soft to hard: the temperature"))
frame.text(
    notes.soft_to_hard(trace, focus) + " A transformer keeps the soft version because it can be learned: a small "
    "change in a query gives a small change in the answer, so training can nudge it in the right direction.",
    frame.formula(r"\begin{aligned} \text{hard: }& v_{j^*},\quad j^* = \arg\max_j\, s(q, k_j) \\ "
                  r"\text{soft: }& \sum_j a_j\, v_j,\quad a_j = \text{softmax}_j\, s(q, k_j) \end{aligned}"))
st.caption(f"s(q, k), the score of a query against a key, is here {notes.score_words(trace)} "
           f"(stages 2 and 3 take it apart). {notes.nothing_returned(trace, focus)}")
frame.chart(charts.bars(views.lookup_results(trace, focus), x="value", y="dim", color="result", rule_at=0,
                        plot=charts.WIDE_PLOT,
                        title=f"What the query gets back: soft vs hard{view.of_head}"),
            alt_text="Bars comparing, for each value dimension, the blended value attention returns with the "
                     "single value the exact lookup returns.",
            numbers=lambda: views.lookup_results(trace, focus))

frame.check_yourself(1, trace, focus)
frame.footer(PAGE)
