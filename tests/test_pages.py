"""Every page in AppTest: runs cleanly for every sentence and every control, and draws what the lesson needs."""
import ast
import json
import re

import numpy as np
import pytest

from explainer import EXAMPLES
from lesson import state
from tests.support import PAGES, ROOT, charts, formulas, open_page, titles

UNKNOWN = "zorblat glows brightly tonight"  # one made-up word, three real ones the toy knows


def no_exception(at):
    assert not at.exception, [e.message for e in at.exception]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("sentence", [*EXAMPLES, UNKNOWN])
def test_every_page_runs_for_every_example_and_for_unknown_words(page, sentence):
    at = open_page(page, {"sentence": sentence})
    no_exception(at)
    assert charts(at) or page == "pages/7_Teach_a_class.py", "every page but the teacher's draws a chart"
    notes = " ".join(i.value for i in at.info)
    if sentence == UNKNOWN:
        assert "Not in the toy's vocabulary: **zorblat**" in notes and "tonight" not in notes
        assert "no features at all (every number 0)" in notes
    else:
        assert "Not in the toy's vocabulary" not in notes


def test_no_page_calls_a_streamlit_chart_function_itself():
    """Every chart goes through frame.chart, the one way a figure is shown: its spec made once per look, its data
    beside it, its text alternative and its numbers. A page calling st.vega_lite_chart (or any st.*_chart) skips it."""
    for script in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        calls = [node.func.attr for node in ast.walk(ast.parse(script.read_text()))
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                 and node.func.attr.endswith("_chart")]
        assert not calls, f"{script.name} calls {calls}"


def drawn(at) -> list[str]:
    """What the charts show, comparable between runs."""
    return [json.dumps(spec, sort_keys=True) + data.to_csv() for spec, data in charts(at)]


def change(at, widget: str, value):
    """Set a sidebar widget by key and rerun."""
    element = next(w for w in at.sidebar if getattr(w, "key", None) == widget)
    element.set_value(value)
    return at.run()


CONTROLS = [
    ("sidebar_sentence", "the dog chased the ball", "sentence", "the dog chased the ball"),
    ("sidebar_example", EXAMPLES[3], "sentence", EXAMPLES[3]),
    ("sidebar_focus", 2, "focus", 2),
    ("sidebar_weight_set", "random", "weight_set", "random"),
    ("sidebar_positional", False, "positional", False),
    ("sidebar_scaled", False, "scaled", False),
    ("sidebar_temperature", 0.3, "temperature", 0.3),
    ("sidebar_causal", True, "causal", True),
    ("sidebar_similarity", "cosine", "similarity", "cosine"),
    ("sidebar_heads", 2, "heads", 2),
]


IN_MORE_SETTINGS = ("sidebar_causal", "sidebar_similarity", "sidebar_heads")


def sidebar_keys(at) -> list:
    return [getattr(w, "key", None) for w in at.sidebar]


@pytest.mark.parametrize("query, opened", [({}, False), ({"causal": "on"}, True), ({"similarity": "cosine"}, True),
                                           ({"heads": "2"}, True), ({"temperature": "2"}, False)])
def test_more_settings_are_built_only_when_open_and_open_when_the_view_uses_them(query, opened):
    at = open_page("pages/3_Softmax.py", query)
    assert all((key in sidebar_keys(at)) == opened for key in IN_MORE_SETTINGS)
    if not opened:
        at.session_state["sidebar_more"] = True
        assert all(key in sidebar_keys(at.run()) for key in IN_MORE_SETTINGS)


def test_more_settings_stay_open_while_the_student_uses_them():
    at = open_page("pages/3_Softmax.py", {"heads": "2"})
    at.radio(key="sidebar_heads").set_value(1).run()  # back to the defaults: the section must not close under them
    assert all(key in sidebar_keys(at) for key in IN_MORE_SETTINGS)


# Q·Kᵀ comes before scaling and temperature: the Q and K page draws nothing they change. The designed weights read
# no position column, so positions change only what the Q and K page draws of X.
# The teacher's page draws no chart at all.
UNCHANGED = {("pages/2_Q_and_K.py", "scaled"), ("pages/2_Q_and_K.py", "temperature"),
             *((page, "positional") for page in PAGES if page != "pages/2_Q_and_K.py"),
             *(("pages/7_Teach_a_class.py", field) for *_, field, _ in CONTROLS)}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("widget, value, field, expected", CONTROLS, ids=[c[0] for c in CONTROLS])
def test_each_sidebar_control_reruns_cleanly_and_changes_the_lesson(page, widget, value, field, expected):
    at = open_page(page)
    if widget in IN_MORE_SETTINGS:
        at.session_state["sidebar_more"] = True  # the student opens "More settings"
        at.run()
    before = drawn(at)
    at = change(at, widget, value)
    no_exception(at)
    assert getattr(at.session_state["lesson"], field) == expected
    if (page, field) not in UNCHANGED:
        assert drawn(at) != before, "the charts follow the control"


def specs(at) -> list[tuple[str, str]]:
    """Each chart's spec and text alternative: the browser builds a chart again when either changes."""
    return [(element.proto.spec, element.proto.alt) for element in at.get("vega_lite_chart")]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("widget, value", [("sidebar_temperature", 1.37), ("sidebar_focus", 1), ("sidebar_focus", 2)])
def test_a_move_of_temperature_or_focus_changes_the_charts_data_not_their_specs(page, widget, value):
    """The browser updates a chart whose spec and text alternative are the same in place, and draws it again from
    scratch when either changes (several times the cost): chart titles, scales and alt texts must not depend on the
    word in focus or on T."""
    if page.startswith("pages/6") and widget == "sidebar_focus":
        pytest.skip("page 6 shows the model's own tokens: the lesson's focus word picks one of them")
    at = open_page(page)
    before = specs(at)
    at = change(at, widget, value)
    no_exception(at)
    assert specs(at) == before


@pytest.mark.parametrize("page", PAGES)
def test_seed_and_head_controls_appear_when_they_mean_something(page):
    at = open_page(page, {"weights": "random", "heads": "4"})
    assert at.number_input(key="sidebar_seed").value == 0
    at = change(at, "sidebar_seed", 42)
    no_exception(at)
    assert at.session_state["lesson"].seed == 42
    at = change(at, "sidebar_head", 3)
    no_exception(at)
    assert at.session_state["lesson"].head == 3
    assert "sidebar_seed" not in [getattr(w, "key", None) for w in open_page(page).sidebar]


def test_intuition_table_shows_the_lessons_answers():
    at = open_page("pages/1_Intuition.py")
    table = next(t.value for t in at.table if list(t.value.columns) == ["q", "k", "probability", "in doubt?"])
    assert list(zip(table.q, table.k, strict=True)) == [("jane", "visits"), ("visits", "africa"),
                                                       ("africa", "visits")]
    assert float(table.probability[0]) == pytest.approx(0.94, abs=0.03)
    exact = next(t for t in at.table if list(t.value.columns) == ["key", "who", "action", "place", "thing"])
    assert list(exact.value.key) == ["visits"]  # jane's best key: the row an exact SELECT returns
    assert not any(t.proto.hide_header for t in at.table), "every table shows its column names"


def test_home_shows_the_chain_with_the_sentences_shapes():
    at = open_page("app.py", {"sentence": "the cat sat on the mat"})
    chain = at.table[0].value
    assert dict(zip(chain.step, chain["shape"], strict=True)) == {
        "X": "6 × 16", "Q": "6 × 8", "K": "6 × 8", "V": "6 × 4", "S = Q·Kᵀ": "6 × 6", "A": "6 × 6", "O = A·V": "6 × 4"}
    assert any(r"\underset{6\times6}{A}" in formula for formula in formulas(at))
    assert [link.proto.label for link in menu_links(at)] == [p.title for p in __import__("frame").PAGES]



def test_home_with_four_heads_says_each_heads_share_of_v_in_good_english():
    """V's 4 columns over 4 heads: one column each, "1 column", not "1 columns"."""
    at = open_page("app.py", {"heads": "4"})
    shapes = dict(zip(at.table[0].value.step, at.table[0].value["shape"], strict=True))
    assert shapes["V"] == "3 × 4 (4 heads × 1 column each)"
    assert shapes["Q"] == "3 × 8 (4 heads × 2 columns each)"

def test_home_lists_every_stage_and_leads_to_the_first():
    at = open_page("app.py")
    stages = next(text.value for text in at.markdown if text.value.startswith("## The stages"))
    pages = __import__("frame").PAGES
    assert [line.split("**")[1] for line in stages.splitlines() if line.startswith("- ")] == [
        page.title for page in pages[1:]]
    assert [link.label for link in at.main.get("page_link")] == [f"Next: {pages[1].title} →"]


def test_every_heatmap_is_titled_with_its_name_and_shape():
    expected = {
        "pages/2_Q_and_K.py": ["E  (3 × 16)", "PE  (3 × 16)", "X  (3 × 16)", "W_Q  (8 × 16)", "W_K  (8 × 16)",
                               "Q  (3 × 8)", "K  (3 × 8)", "S = Q·Kᵀ  (3 × 3)", "X·Xᵀ  (3 × 3)"],
        "pages/4_V_and_the_second_MatMul.py": ["W_V  (4 × 16)", "V  (3 × 4)", "A  (3 × 3)", "O = A·V  (3 × 4)"],
    }
    for page, names in expected.items():
        at = open_page(page)
        if page == "pages/2_Q_and_K.py":
            on_demand = {"E  (3 × 16)", "PE  (3 × 16)", "X·Xᵀ  (3 × 3)"}
            assert not on_demand & set(titles(at)), "E, PE and X·Xᵀ are built only when opened"
            at.session_state["q_and_k_parts"] = at.session_state["q_and_k_plain"] = True
            at.run()
        shown = titles(at)
        for name in names:
            assert name in shown, (page, name)


def test_probability_charts_use_the_fixed_scale_and_signed_ones_diverge():
    for spec, data in charts(open_page("pages/4_V_and_the_second_MatMul.py")):
        title = spec.get("title", {}).get("text", "")
        color = spec["layer"][0]["encoding"].get("color", {}) if "layer" in spec else {}
        if title.startswith("A  ("):
            assert color["scale"]["domain"] == [0, 1]
            assert data.value.between(0, 1).all()
        elif title.startswith(("V  (", "O = A·V  (", "W_V  (")):
            assert color["scale"]["domainMid"] == 0


def test_every_chart_has_a_text_alternative():
    for page in PAGES:
        at = open_page(page)
        for element in at.get("vega_lite_chart"):
            assert len(element.proto.alt) > 20, page


def test_q_and_k_term_by_term_follows_the_chosen_pair():
    at = open_page("pages/2_Q_and_K.py")
    assert not any("q \\cdot k" in formula for formula in formulas(at)), "built only when the student opens it"
    assert at.selectbox(key="page_key").value == 1  # jane's top key, visits
    at.session_state["q_and_k_terms"] = True  # the student opens "One score, term by term"
    at.run()
    at.selectbox(key="page_key").set_value(2).run()
    no_exception(at)
    assert at.session_state["q_and_k_terms"], "the section stays open when the pair changes"
    assert any("**jane** asking, **africa** answering." in text.value for text in at.markdown)
    assert at.session_state["lesson"].key == 2
    formula = next(formula for formula in formulas(at) if "q \\cdot k" in formula)
    trace = __import__("explainer").run_attention("jane visits africa")
    assert formula.removesuffix(r" \end{aligned}").endswith(f"= {trace.scores[0, 2]:.2f}")


def test_temperature_on_the_intuition_page_is_the_sidebars():
    at = open_page("pages/1_Intuition.py")
    at.slider(key="page_temperature").set_value(0.01).run()
    no_exception(at)
    assert at.slider(key="sidebar_temperature").value == pytest.approx(0.01)
    soft = next(df.value for df in at.dataframe if "weight" in df.value.columns)
    assert soft.weight.max() == pytest.approx(1.0, abs=1e-6)


def test_state_survives_a_page_change():
    at = open_page("app.py")
    change(at, "sidebar_temperature", 2.5)
    at.switch_page("pages/3_Softmax.py").run()
    no_exception(at)
    assert at.slider(key="sidebar_temperature").value == pytest.approx(2.5)
    assert at.session_state["lesson"].temperature == pytest.approx(2.5)
    assert at.query_params["temperature"] == "2.5"


def menu_links(at):
    """The sidebar menu's links, in order (the footer's links sit in the page, not the sidebar)."""
    return [element for element in at.sidebar.get("page_link")]


def test_the_menu_is_a_link_to_every_page_carrying_the_view():
    """Links a browser can open in a new tab or copy: each address holds the view, and follows it as it changes."""
    from urllib.parse import parse_qs

    at = open_page("pages/1_Intuition.py", {"temperature": "2.5", "focus": "visits"})
    links = menu_links(at)
    assert [link.proto.page for link in links] == [p.url_path for p in __import__("frame").PAGES]
    for link in links:
        assert parse_qs(link.proto.query_string) == {"temperature": ["2.5"], "focus": ["visits"]}
    at.sidebar.selectbox(key="sidebar_focus").set_value(2).run()
    assert all(parse_qs(link.proto.query_string)["focus"] == ["africa"] for link in menu_links(at))
    at.switch_page("pages/3_Softmax.py").run()  # what a click on a link does: the same session, another page
    no_exception(at)
    assert at.title[0].value.startswith("3 · Softmax")
    assert at.session_state["lesson"].temperature == pytest.approx(2.5)
    assert dict(at.query_params) == {"temperature": "2.5", "focus": "africa"}


def test_a_link_opens_the_exact_view_it_describes():
    query = {"sentence": "the cat sat on the mat", "focus": "mat", "temperature": "0.5", "positions": "off"}
    at = open_page("pages/3_Softmax.py", query)
    no_exception(at)
    lesson = at.session_state["lesson"]
    assert (lesson.sentence, lesson.focus, lesson.temperature, lesson.positional) == \
        ("the cat sat on the mat", 5, 0.5, False)
    assert state.to_query(lesson) == query
    assert not at.warning


def test_the_numbers_behind_every_chart_appear_when_asked_for():
    at = open_page("pages/2_Q_and_K.py")
    assert not at.dataframe, "no tables until a student asks for them"
    at.toggle(key="sidebar_numbers").set_value(True).run()
    no_exception(at)
    assert at.query_params["numbers"] == "on"
    assert len(at.dataframe) == len(at.get("vega_lite_chart"))  # one table under each chart (a grid: one for all)
    table = at.dataframe[0].value
    trace = __import__("explainer").run_attention("jane visits africa")
    person = trace.matrix("X").cols.index("person")
    assert list(table.index) == list(trace.labels) and table.loc["jane", "person"] == trace.X[0, person]


def test_intuition_table_says_where_the_toy_cannot_tell():
    at = open_page("pages/1_Intuition.py", {"sentence": "the animal didn't cross the street because it was too tired",
                                            "focus": "it"})
    no_exception(at)
    table = next(t.value for t in at.table if "in doubt?" in t.value.columns)
    doubts = dict(zip(table.q, table["in doubt?"], strict=True))
    assert doubts["it"] == "could stand for animal or street"
    assert doubts["the (1)"] == "" and doubts["animal"] == ""
    said = " ".join(block.value for block in at.markdown)
    assert "**it** looks most at **animal**" in said and "cannot read" in said
    plain = open_page("pages/1_Intuition.py")  # the lesson's own sentence: nothing in doubt
    assert set(next(t.value for t in plain.table if "in doubt?" in t.value.columns)["in doubt?"]) == {""}


def look_up(at, typed: str):
    at.session_state["q_and_k_words"] = True
    at.run()
    at.text_input(key="q_and_k_lookup").set_value(typed).run()
    no_exception(at)
    return at


def test_a_student_can_look_words_up_on_the_page_that_introduces_embeddings():
    at = open_page("pages/2_Q_and_K.py")
    assert not any("reads as" in t.value.columns for t in at.table), "the look-up is built only when opened"
    at = look_up(at, "Visited")
    found = next(t.value for t in at.table if "reads as" in t.value.columns)
    assert list(found.word[:1]) == ["visited"] and list(found["reads as"][:1]) == ["visit"]
    assert list(found.features[:1]) == ["action 1"]
    meanings = next(t.value for t in at.table if "what it means" in t.value.columns)
    assert list(meanings.feature) == list(__import__("explainer").FEATURES)
    at = look_up(at, "frend")
    said = " ".join(block.value for block in at.markdown)
    assert "does not know **frend**" in said and "**friend**" in said


def test_an_unknown_words_notice_offers_known_words_like_it():
    at = open_page("pages/1_Intuition.py", {"sentence": "my frend plays footbal"})
    notice = " ".join(i.value for i in at.info)
    assert "**frend** (like it: **friend**" in notice and "**footbal** (like it: **football**" in notice
    assert "plays" not in notice


@pytest.mark.parametrize("query", [{}, {"sentence": "the cat sat on the mat because it was tired"},
                                   {"heads": "2", "head": "2"}, {"sentence": "a"}, {"causal": "on"},
                                   {"similarity": "cosine", "heads": "4", "head": "3"},
                                   {"sentence": "my frend likes pizza", "weights": "random"}])
def test_page_4_sentences_describe_the_chart_beside_them(query):
    """The output note quotes the stacked a·v bars, the bag note the bag chart's weights: the same numbers."""
    import re

    at = open_page("pages/4_V_and_the_second_MatMul.py", query)
    assert not at.exception
    text = " ".join(block.value for block in at.markdown)
    shown = {spec.get("title", {}).get("text", ""): data for spec, data in charts(at)}
    (stacked,) = [data for title, data in shown.items() if title.startswith("aⱼ·vⱼ: what each word puts in")]
    (bag,) = [data for title, data in shown.items() if title.startswith("the proportions of each bag: the weights A")]
    found = re.search(r"The bar of \*\*([^*]+)\*\* is its row of A: (.*?)\.", text)
    word, parts = found.groups()
    row = bag[bag.row == word]
    assert abs(row.value.sum() - 1) < 1e-9
    for share, key in re.findall(r"(\d+)% \*\*([^*]+)\*\*", parts):
        assert f"{row[row.col == key].value.iloc[0]:.0%}" == f"{share}%"
    mostly = re.search(r"mostly “([^”]+)” \((−?-?[\d.]+)\): (\d+)% of that bar is a·v from \*\*([^*]+)\*\*", text)
    if stacked.contribution.abs().max() <= 0.005:
        assert not mostly and f"the output of **{word}** is 0 in every dimension" in text
        return
    dim, total, percent, source = mostly.groups()
    bar = stacked[stacked.dim == dim]
    assert f"{bar.contribution.sum():.2f}" == total.replace("−", "-")
    part = bar[bar.word == source].contribution.abs().iloc[0] / bar.contribution.abs().sum()
    assert f"{part:.0%}" == f"{percent}%"


def test_the_select_box_quotes_a_quote_as_sql_does():
    from explainer import run_attention
    from lesson import views

    sentence = "it's my mum's car"
    assert views.exact_match(run_attention(sentence), 0)["key"][0] == "mum's"  # the key the box must quote
    at = open_page("pages/1_Intuition.py", {"sentence": sentence, "focus": "0"})
    assert not at.exception
    (code,) = [c.value for c in at.code if c.value.startswith("SELECT")]
    assert code.endswith("WHERE key = 'mum''s';")


def test_home_counts_the_columns_of_each_head_in_good_english():
    text = " ".join(m.value for m in open_page("app.py", {"heads": "4"}).markdown)
    assert "4 slices of 2 columns, V into 4 slices of 1 column." in text


@pytest.mark.parametrize("query, divisor", [({}, r"(\sqrt{d_k}\,T)"), ({"scaling": "off"}, "T"),
                                            ({"similarity": "cosine"}, "T")])
def test_softmaxs_formula_divides_by_what_this_view_divides_by(query, divisor):
    (softmax,) = [f for f in formulas(open_page("pages/3_Softmax.py", query)) if r"\text{softmax}_j" in f]
    assert softmax.count(rf"s_{{ij}}/{divisor}") == 1 and softmax.count(rf"s_{{il}}/{divisor}") == 1
    assert ("sqrt{d_k}" in softmax) == (divisor != "T") and "/(T)" not in softmax


@pytest.mark.parametrize("query", [{}, {"positions": "off"}, {"weights": "trained"},
                                   {"weights": "random", "similarity": "cosine", "heads": "2", "head": "2",
                                    "positions": "off"}])
def test_q_and_k_says_what_x_and_the_weights_are_in_this_view(query):
    """With positions off X is the embeddings alone (its position columns 0), and says so; the weights' rows are
    numbered as the matrix shown numbers them; the chart of the designed position questions says when it is not
    this view's."""
    from explainer import POSITION_DIMS

    at = open_page("pages/2_Q_and_K.py", query)
    at.session_state["q_and_k_near"] = True  # the student opens "The position questions"
    at.run()
    view, _ = state.from_query(query)
    drawn = charts(at)
    ((x_spec, x_data),) = [(s, d) for s, d in drawn if s["title"]["text"].startswith("X  (")]
    positions = x_data[x_data.col.isin(POSITION_DIMS)].value
    if view.positional:
        assert x_spec["title"]["subtitle"] == "embeddings + positions" and positions.abs().max() > 0
    else:
        assert "positions off" in x_spec["title"]["subtitle"] and (positions == 0).all()
        assert any(r"X = E \quad" in formula for formula in formulas(at))
        home = open_page("app.py", query).table[0].value
        assert "positions off" in home[home.step == "X"].what.item()
    said = " ".join(m.value for m in at.markdown)
    if view.weight_set != "designed":
        ((_, w_q),) = [(s, d) for s, d in drawn if s["title"]["text"].startswith("W_Q")]
        rows = list(dict.fromkeys(w_q.row))
        assert f"numbered, {rows[0]} to {rows[-1]}." in said
    elsewhere = view.weight_set != "designed" or not view.positional
    assert ("not of this view" in said) == elsewhere and "The next word gains most" in said


@pytest.mark.parametrize("similarity", ["dot", "cosine"])
def test_q_and_k_writes_the_shape_under_s_and_the_entry_s_ij_apart(similarity):
    """\\underset{3×3}{S}_{ij} set the subscript beside the shape under S ("S" over "3×3ᵢⱼ")."""
    (score,) = [f for f in formulas(open_page("pages/2_Q_and_K.py", {"similarity": similarity})) if "S_{ij}" in f]
    assert r"\underset{3\times3}{S}" in score and "}_{ij}" not in score
    assert ("S_{ij} = \\cos(q_i, k_j)" in score) == (similarity == "cosine")


@pytest.mark.parametrize("sentence", ["jane visits africa", "my grandmother always cooks delicious spaghetti "
                                      "because everybody absolutely loves her cooking"])
def test_the_soft_select_table_shows_every_word_whole_and_fits_a_phone(sentence):
    """The key column was 64 px whatever the words: "grandmot", "everybod" on a phone. A lower-case letter of 14 px
    type takes about 7 px (Source Sans: m 11.6, e 6.9, i 3.4), a cell 16 px of padding; a phone's table 356 px."""
    at = open_page("pages/1_Intuition.py", {"sentence": sentence})
    (table,) = [t for t in at.dataframe if "weight" in json.loads(t.proto.columns)]
    widths = {name: column.get("width") for name, column in json.loads(table.proto.columns).items()
              if not column.get("hidden")}
    assert widths["key"] >= 7 * max(map(len, sentence.split())) + 16, widths
    assert sum(widths.values()) <= 356 and widths["weight"] >= 64, widths


def _softmax_step(at, number: int) -> str:
    """One line of page 3's list of the softmax steps."""
    text = " ".join(m.value for m in at.markdown)
    return re.search(rf"^{number}\. \*\*.*$", text, re.MULTILINE)[0]


@pytest.mark.parametrize("query", [{}, {"similarity": "cosine"}, {"similarity": "cosine", "heads": "2", "head": "2"}])
def test_softmaxs_first_step_names_the_score_its_bars_show(query):
    """Under cosine the raw-score bars are cosines, and step 1 says so; under the dot product it says q·k."""
    from explainer import run_attention

    at = open_page("pages/3_Softmax.py", query)
    st, _ = state.from_query(query)
    trace = run_attention(st.sentence, st.settings).head(st.head)
    q = trace.Q[st.focus]
    cosines = trace.K @ q / (np.linalg.norm(trace.K, axis=1) * np.linalg.norm(q))
    (raw,) = [data for spec, data in charts(at) if spec.get("title", {}).get("text") == "1 raw score"]
    step = _softmax_step(at, 1)
    if st.similarity == "cosine":
        assert np.allclose(raw.value, cosines) and "cos(q, k)" in step and "q·k" not in step
    else:
        assert np.allclose(raw.value, trace.K @ q) and "q·k" in step and "cos" not in step


@pytest.mark.parametrize("query", [{}, {"temperature": "5"}, {"scaling": "off", "temperature": "5"},
                                   {"similarity": "cosine"}, {"similarity": "cosine", "temperature": "0.2"},
                                   {"scaling": "off"}])
def test_softmaxs_second_step_says_what_the_scores_are_divided_by_as_its_bars_are(query):
    """The temperature is said to divide in every view, √d_k only where it does; and the bars agree."""
    at = open_page("pages/3_Softmax.py", query)
    shown = {spec.get("title", {}).get("text"): data for spec, data in charts(at)}
    step = _softmax_step(at, 2)
    said = re.search(r"the raw scores divided by (?:√dₖ = √(\d+), then by )?the temperature T = ([\d.]+)", step)
    assert said, step
    root_dk, temperature = said.groups()
    assert float(temperature) == state.from_query(query)[0].temperature
    assert (root_dk is None) == ("not divided by √dₖ" in step)
    divisor = float(temperature) * (np.sqrt(int(root_dk)) if root_dk else 1)
    assert np.allclose(shown["2 scaled"].value, shown["1 raw score"].value / divisor)
    assert ("changes nothing" in step) == (float(temperature) == 1)


@pytest.mark.parametrize("query", [{}, {"scaling": "off"}, {"similarity": "cosine", "temperature": "3"}])
def test_softmax_page_writes_s_for_the_raw_score_in_every_formula(query):
    """s is the raw score of step 1 everywhere on page 3: the temperature sweep divides it by what the softmax
    formula above it does, and the text never calls it the scaled score."""
    at = open_page("pages/3_Softmax.py", query)
    exponents = [re.findall(r"s_(?:\{\w+\}|\w)/(\([^)]*\)|T)", f) for f in formulas(at) if "e^" in f]
    assert len(exponents) == 2 and all(len(found) == 2 for found in exponents), exponents
    assert len({divisor for found in exponents for divisor in found}) == 1, exponents
    text = " ".join(m.value for m in at.markdown)
    assert "**Raw scores** s = " in text and "scaled score s" not in text


def test_page_4s_formula_names_a_repeated_word_as_its_heading_does():
    """With "the" twice, the output and each term are named by the word's label, "the (1)" or "the (2)"."""
    from explainer import run_attention

    query = {"sentence": "the cat sat on the mat because it was tired"}
    at = open_page("pages/4_V_and_the_second_MatMul.py", query)
    st, _ = state.from_query(query)
    labels = run_attention(st.sentence, st.settings).labels
    (formula,) = [f for f in formulas(at) if r"\sum_j a_j" in f]
    output, *terms = re.findall(r"[ov]_\{\\text\{([^}]*)\}\}", formula)
    assert f"The output of “{output}”" in " ".join(m.value for m in at.markdown) and output == labels[st.focus]
    assert output == "the (1)" and all(term in labels for term in terms) and len(set(terms)) == len(terms) == 3


@pytest.mark.parametrize("page", ["pages/3_Softmax.py", "pages/4_V_and_the_second_MatMul.py"])
def test_the_numbers_tables_show_what_a_student_reads_and_no_internal_columns(page):
    from explainer import run_attention

    at = open_page(page, {"numbers": "on", "focus": "africa"})
    tables = [element.value for element in at.dataframe]
    assert tables
    for table in tables:
        names = [str(name) for name in [*table.columns, table.index.name] if name is not None]
        assert not [name for name in names if name.startswith("_") or name.endswith("_index")], names
    if page.startswith("pages/4"):
        (parts,) = [table for table in tables if "a·v" in table.columns]
        trace = run_attention("jane visits africa")
        assert np.allclose(parts.groupby("dim", sort=False)["a·v"].sum(), trace.output[2])
        assert np.allclose(parts["a (weight)"] * parts["v (value)"], parts["a·v"])


@pytest.mark.parametrize("heads, head", [(2, 2), (4, 1), (4, 4)])
def test_q_and_k_with_several_heads_names_the_questions_of_the_head_it_shows(heads, head):
    at = open_page("pages/2_Q_and_K.py", {"heads": str(heads), "head": str(head)})
    text = " ".join(m.value for m in at.markdown)
    shown = re.search(r"rows are shared out: head (\d) of (\d) has (.*?), the rows of its W_Q", text)
    assert shown and shown.groups()[:2] == (str(head), str(heads))
    (w_q,) = [data for spec, data in charts(at) if "W_Q" in str(spec)][:1]
    asked = re.findall(r"\*([^*]+)\*", shown[3])
    assert asked == list(dict.fromkeys(w_q[w_q.row.isin(asked)].row)) and set(asked) >= set(w_q.row)
