"""Nothing a student types or a link carries can break a page or be rendered as markup."""
import pytest
from hypothesis import HealthCheck, given, settings
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.Heading_pb2 import Heading
from streamlit.proto.Markdown_pb2 import Markdown

from frame.store import STREAMLITS_OWN
from lesson import state
from tests.support import PAGES, charts, open_page
from tests.test_state import queries

HOSTILE = [
    "<script>alert('x')</script> jane",
    "**bold** _it_ [link](javascript:alert(1)) # heading",
    r"$\frac{1}{0}$ \(x\) $$\begin{matrix}\end{matrix}$$",
    "<img src=x onerror=alert(1)> visits",
    "مرحبا بالعالم jane שלום",
    "jane 🙂 visits 👩🏽‍🚀 africa",
    "jane\u202evisits\u200b africa\x00\x07",
    "a" * 5000,
    " ".join(["word"] * 40),
]
TAGS = ("<script", "<img")  # what the sentences above would run as if handed to the browser as HTML

MARKDOWN = (Markdown, Alert, Heading)  # st.markdown, st.caption, st.latex; st.info and the other alerts; st.title ...
RAW = {"html": ("body",), "iframe": ("srcdoc", "src")}  # st.html; streamlit.components.v1.html and .iframe


def rendered_text(at) -> str:
    """Every piece of text the run draws as markdown or LaTeX, from every element of the page and its sidebar
    (code blocks, tables and inputs show text as it is)."""
    return "\n".join(node.proto.body for node in at if isinstance(getattr(node, "proto", None), MARKDOWN))


def raw_html(at) -> list[str]:
    """What the run hands the browser to draw as HTML, as it is, from every element: st.html's bodies, the pages
    and addresses of iframes (streamlit.components.v1.html and .iframe), markdown allowed HTML (unsafe_allow_html)."""
    found = []
    for node in at:
        proto = getattr(node, "proto", None)
        found += [getattr(proto, name) for name in RAW.get(getattr(node, "type", ""), ())]
        if isinstance(proto, Markdown) and proto.allow_html:
            found.append(proto.body)
    return found


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("sentence", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_sentence_is_shown_as_text_and_breaks_nothing(page, sentence):
    at = open_page(page, {"sentence": sentence})
    assert not at.exception
    text = rendered_text(at)
    for markup in (*TAGS, "javascript:", "](", "_it_", r"\frac{1}{0}", "# heading", "\x00", "\u202e"):
        assert markup not in text
    for html in raw_html(at):
        assert not [tag for tag in TAGS if tag in html], html
    assert charts(at) or page == "pages/7_Teach_a_class.py"  # the teacher's page draws no chart


@pytest.mark.parametrize("page", PAGES)
def test_a_sentence_typed_in_the_sidebar_goes_through_the_same_checks(page):
    at = open_page(page)
    at.text_input(key="sidebar_sentence").set_value(" ".join(f"w{i}" for i in range(20))).run()
    assert not at.exception
    assert any("only the first 12 are used" in w.value for w in at.warning)
    assert at.session_state["lesson"].sentence == " ".join(f"w{i}" for i in range(12))
    at.text_input(key="sidebar_sentence").set_value("   ").run()
    assert not at.exception
    assert any("no words in it" in w.value for w in at.warning)


@pytest.mark.parametrize("page", PAGES)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=queries)
def test_any_link_opens_every_page_without_an_exception(page, params):
    at = open_page(page, {k: v for k, v in params.items() if v != []})
    assert not at.exception, [e.message for e in at.exception]
    url = {k: v for k, v in at.query_params.items() if k not in STREAMLITS_OWN}
    assert url == state.to_query(at.session_state["lesson"]), "the URL is the view's clean link"


def test_an_embedded_view_keeps_its_state_from_run_to_run():
    at = open_page("pages/3_Softmax.py", {"embed": "true", "temperature": "0.5"})
    at.slider(key="sidebar_temperature").set_value(2.0).run()
    at.run()
    assert at.session_state["lesson"].temperature == 2.0
    assert at.query_params["temperature"] == "2" and at.query_params["embed"] == "true"


def test_hostile_link_values_get_a_notice_and_a_clean_url():
    at = open_page("pages/3_Softmax.py", {"temperature": "1e999", "seed": "<b>", "focus": "nobody", "zz": "1"})
    assert not at.exception
    notices = [w.value for w in at.warning]
    assert any("temperature" in n for n in notices) and any("focus" in n for n in notices)
    assert any("does not know" in n for n in notices)
    assert dict(at.query_params) == {"temperature": "5"}


CLASS_PARAMS = [{"class": value} for value in ("<script>x</script>", "ABC234" * 1000, "abc 234", "ÀBC234", "\x00",
                                                "ABC23\u200b4", "ＡＢＣ２３４", "")] + [
    {"class": "ABC234", "teacher": value} for value in ("<b>x</b>", "k" * 100_000, "", " ", "\x00", "ß" * 43)]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("params", CLASS_PARAMS, ids=range(len(CLASS_PARAMS)))
def test_a_hostile_class_or_teacher_in_a_link_gets_a_notice_and_the_lesson(page, params):
    at = open_page(page, params)
    assert not at.exception, [e.message for e in at.exception]
    text = rendered_text(at)
    for value in params.values():
        if value.strip():
            assert value not in text, "a link's value is never quoted back"
    assert at.session_state["lesson"].class_code == "", "no such class: the lesson goes on without one"
    assert "teacher" not in at.query_params and "class" not in at.query_params
    assert charts(at) or page == "pages/7_Teach_a_class.py"
