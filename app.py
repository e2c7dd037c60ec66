"""Home: what attention is for, the whole chain at a glance, and the way into each stage."""
import streamlit as st

import frame
from lesson import notes, views

view = frame.start("app.py")
trace = view.shown

st.title("Self-attention, step by step")
whole, heads = view.trace, view.state.heads
split = f", split over {heads} heads of {whole.Q.shape[1] // heads} each" if heads > 1 else ""
frame.text(
    "Read *jane visits africa*. The word **jane** on its own tells you little; it starts to mean something once "
    "you notice **visits**. Self-attention gives every word of a sentence that same move: each word looks at all "
    "the others, decides which ones explain it best, and mixes what they carry into a new version of itself. "
    "It is the step that lets a transformer read a word in its context, and it is nothing more than two matrix "
    "products and a softmax — small enough here that you can check every number by hand.",
    frame.formula(r"\text{Attention}(Q, K, V) = \text{softmax}\!\left(\frac{Q\,K^\top}{\sqrt{d_k}}\right) V"),
    "## The whole chain, for your sentence",
    f"{len(whole.tokens)} word{'s' if len(whole.tokens) > 1 else ''}, each a vector of {whole.X.shape[1]} numbers; "
    f"queries and keys have d_k = {whole.Q.shape[1]} dimensions{split}.",
    frame.formula(views.chain_formula(view.trace)))
st.table(views.chain(view.trace), hide_index=True)

frame.text("## Where each word looks",
           "Each row is one word's attention: how it shares out 1 over every word of the sentence. The darker the "
           "cell, the more that word looks there. Change the sentence or any setting in the sidebar and every number "
           "here and on every stage follows.",
           "**The colours, on every page:** purple is a share of attention, from pale (0) to dark (1); blue to "
           "orange is a signed number, blue below 0 and orange above; a red outline marks the word in focus (on K, "
           "the key in focus); and in charts of words, each word keeps its own colour.")
frame.matrix(trace.matrix("attention"), probability=True, focus_row=view.focus,
             subtitle=["row: the word asking", "column: the word it looks at"])

if heads == 1:
    frame.text(
        "## Several heads, side by side",
        f"Here one head does all the looking, with all d_k = {whole.Q.shape[1]} dimensions of Q and K. A transformer "
        "runs several heads at once, each with its own slice of Q, K and V, so that each can look for a different "
        "relation. Split this one into 2 or 4 heads under *More settings* in the sidebar to see them side by side.")
else:
    frame.text(
        "## Several heads, side by side",
        f"Q and K are each cut into {heads} slices of {notes.columns(whole.Q.shape[1] // heads)}, V into {heads} "
        f"slices of {notes.columns(whole.V.shape[1] // heads)}. {notes.heads_ask(whole)}Each head runs the "
        "whole of attention on its own slice — its own scores, its own softmax, its own weighted sum — and their "
        f"outputs are put side by side (concatenated) into one {len(whole.tokens)} × {whole.output.shape[1]} output. "
        "A trained transformer then mixes them with one more matrix, W_O, so that each output dimension can draw "
        "on every head. Here are the heads' attention matrices; the sidebar picks the one the stages show.")
    for first in range(0, heads, 2):  # two a row: four side by side ran their numbers together
        for index, column in enumerate(st.columns(2), start=first):
            with column:
                frame.matrix(whole.head(index).matrix("attention"), probability=True, focus_row=view.focus)

done = frame.passed()
stages = [
    "each word looks for the words that explain it; attention is a soft database lookup.",
    "queries and keys: the first MatMul scores every pair of words.",
    "softmax turns a row of scores into probabilities; why divide by √dₖ.",
    "values and the second MatMul: each word becomes a weighted bag of words.",
    "watch W_Q and W_K being learned by backpropagation, one gradient step in numbers.",
    "then a real trained transformer (MiniLM) on your sentence: 6 layers × 12 heads.",
    "for a teacher: start a class, see its answers to the questions live, without names, and send it a view.",
]
# The stages as one list, not a link each: a link's label never wraps, so on a phone each was cut off mid-sentence
# (and every element costs a move). The menu and the link at the bottom of every page lead to them.
frame.text("## The stages",
           "\n".join(f"- **{page.title}**: {text}" for page, text in zip(frame.PAGES[1:], stages, strict=True)),
           "Open any of them from the menu (in the sidebar; on a phone, behind the arrow at the top left), or start "
           "with the first below. Stages 1 to 5 end with questions about your sentence. The ticks last while this tab "
           "stays open: a reload or a new tab starts them afresh (your sentence and settings stay, in the link). "
           "Answered right so far: "
           + (", ".join(f"stage {stage} ✓" for stage in sorted(done)) if done else "none yet") + ".")

frame.footer("app.py")
