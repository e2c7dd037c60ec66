"""Home page of the attention explainer (the lesson pages build on this)."""
import streamlit as st

import explainer

st.set_page_config(page_title="Self-attention, step by step", page_icon="🔎")
st.title("Self-attention, step by step")
trace = explainer.run_attention(explainer.DEFAULT_SENTENCE)
st.write(f"The lesson's sentence: **{trace.sentence}**")
st.dataframe(explainer.wide(trace.matrix("weights")))
