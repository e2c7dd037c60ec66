"""The lesson's pages, the menu, links to an exact view, and the previous / next links under each page."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from .store import query


@dataclass(frozen=True)
class Page:
    path: str  # the script, relative to app.py
    title: str  # as the menu shows it
    url_path: str  # where Streamlit serves it: the file name without its number prefix ("" for the home page)


PAGES = (
    Page("app.py", "Home", ""),
    Page("pages/1_Intuition.py", "1 Intuition", "Intuition"),
    Page("pages/2_Q_and_K.py", "2 Q and K", "Q_and_K"),
    Page("pages/3_Softmax.py", "3 Softmax", "Softmax"),
    Page("pages/4_V_and_the_second_MatMul.py", "4 V and the second MatMul", "V_and_the_second_MatMul"),
    Page("pages/5_How_W_Q_and_W_K_are_learned.py", "5 How W_Q and W_K are learned", "How_W_Q_and_W_K_are_learned"),
    Page("pages/6_A_real_transformer.py", "6 A real transformer", "A_real_transformer"),
    Page("pages/7_Teach_a_class.py", "7 Teach a class", "Teach_a_class"),
)


def page(path: str) -> Page:
    for candidate in PAGES:
        if candidate.path == path:
            return candidate
    raise ValueError(f"no page {path!r}; pages are {[p.path for p in PAGES]}")


def menu() -> None:
    """Every page, in order, as links a browser knows: each carries the current view in its address, so that it
    opens in a new tab or is copied as it is; a click switches page within the session (answers and trainings
    kept); the page being read is marked as the current one. Streamlit's own navigation (st.navigation) would draw
    the menu outside the script's run, but beside pages/ a deep link opened first on a fresh server skips app.py's
    router (../shared/DESIGN.md, checked again on 1.67). Seven links whose addresses change on every move cost
    about as much as the radio they replace (bench/levers.py)."""
    links = query()
    for other in PAGES:
        st.page_link(other.path, label=other.title, query_params=links)


def link_to_view(page: Page, params: dict[str, str]) -> str:
    """The address of this page with these settings, as the browser would show it.

    Built from the address the browser reported (st.context.url) so that it holds the right host and any path
    the app is served under; relative ("/Softmax?...") when there is none (as in tests).
    """
    reported = urlsplit(st.context.url or "")
    base = reported.path
    for other in PAGES:
        if other.url_path and base.rstrip("/").endswith("/" + other.url_path):
            base = base.rstrip("/")[: -len(other.url_path)]
            break
    base = base if base.endswith("/") else base + "/"
    params_text = f"?{urlencode(params)}" if params else ""
    return urlunsplit((reported.scheme, reported.netloc, base + page.url_path, "", "")) + params_text


def footer(path: str) -> None:
    """Previous / next stage links, carrying the state."""
    index = PAGES.index(page(path))
    links = query()
    st.divider()
    left, right = st.columns(2)
    if index > 0:
        before = PAGES[index - 1]
        left.page_link(before.path, label=f"← Previous: {before.title}", query_params=links)
    if index < len(PAGES) - 1:
        after = PAGES[index + 1]
        right.page_link(after.path, label=f"Next: {after.title} →", query_params=links)
