"""Teach a class: start one, share its link, watch the class's answers live, send the class a view."""
import streamlit as st

import frame

PAGE = "pages/7_Teach_a_class.py"
view = frame.start(PAGE)

st.title("7 · Teach a class")
frame.teach(view)
frame.footer(PAGE)
