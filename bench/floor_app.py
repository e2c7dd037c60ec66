"""The floor: the least a Streamlit page with one slider and one Altair heatmap can cost.

The benchmarks run it beside the lesson's pages, on the same machine, in the same run and with the same
config, so that every figure of the app has Streamlit's own cost next to it. The heatmap has the size of the
lesson's default attention matrix (3 × 3), with its numbers written in, as the lesson's heatmaps have.
"""
import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

N = 3


def chart(temperature: float) -> alt.LayerChart:
    scores = np.arange(N * N, dtype=float).reshape(N, N) / temperature
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    rows, cols = np.indices(weights.shape)
    data = pd.DataFrame({"row": rows.ravel(), "col": cols.ravel(), "value": weights.ravel()})
    base = alt.Chart(data).encode(x="col:O", y="row:O")
    return alt.layer(base.mark_rect().encode(color=alt.Color("value:Q", scale=alt.Scale(domain=[0, 1]))),
                     base.mark_text().encode(text=alt.Text("value:Q", format=".2f")))


if __name__ == "__main__":  # as `streamlit run` runs it
    st.altair_chart(chart(st.slider("Temperature", 0.01, 5.0, 1.0, key="temperature")), width="stretch")
