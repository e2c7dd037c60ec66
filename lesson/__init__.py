"""The lesson's presentation, beside the engine (explainer) and without streamlit: the lesson state and its form in
a link (state), tidy tables read from a trace (views, tables) and the Altair charts drawn from them (charts).

Each module is imported by name: `from lesson import charts, views`.
"""
