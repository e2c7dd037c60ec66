"""The floor: the least a Streamlit page with one slider and one Altair heatmap can cost.

The benchmarks run it beside the lesson's pages, in the same process and the same minute, so that every
figure of the app has Streamlit's own cost next to it. The heatmap has the size of the lesson's default
attention matrix (3 × 3), with numbers written in, as the lesson's heatmaps have.
"""
import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

n = 3
temperature = st.slider("Temperature", 0.01, 5.0, 1.0, key="temperature")
scores = np.arange(n * n, dtype=float).reshape(n, n) / temperature
weights = np.exp(scores - scores.max(axis=1, keepdims=True))
weights /= weights.sum(axis=1, keepdims=True)
rows, cols = np.indices(weights.shape)
data = pd.DataFrame({"row": rows.ravel(), "col": cols.ravel(), "value": weights.ravel()})
base = alt.Chart(data).encode(x="col:O", y="row:O")
chart = alt.layer(base.mark_rect().encode(color=alt.Color("value:Q", scale=alt.Scale(domain=[0, 1]))),
                  base.mark_text().encode(text=alt.Text("value:Q", format=".2f")))
st.altair_chart(chart, width="stretch")
