"""Page 6, a real transformer: under AppTest it shows the numbers of explainer.pretrained's own run of the sentence
(the grid of one layer's heads, one head step by step, the observations), takes its layer and head from the link
with the lesson's bad-input rules, and says why, without a traceback, when the model cannot be had.

Tests that need the model's files take them from the folder named by EXPLAINER_MODEL_DIR and are skipped, saying
so, where it is unset, unless EXPLAINER_REQUIRE_MODEL=1 (as .ci/run sets), which makes that a failure;
tests/test_pretrained.py says how to get the files. The tests of a missing model never reach the network. The one
browser test (a click on a map) needs Chromium, as tests/test_browser.py does, and is skipped the same way.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import re
import socket
import time

import altair as alt
import numpy as np
import pandas as pd
import pytest
import streamlit as st

import frame.model
from explainer import pretrained, tokenize
from lesson import real
from tests.support import SCRIPT_DONE, charts, open_page
from tests.test_browser import browser, page, server  # noqa: F401 (fixtures of the browser test below)

PAGE = "pages/6_A_real_transformer.py"
REQUIRED = os.environ.get("EXPLAINER_REQUIRE_MODEL") == "1"
SENTENCES = {
    "default": "jane visits africa",
    "twelve words": "the animal didn't cross the street because it was too tired today",
    "an unknown word": "zorblat visits africa",
    "one word": "hello",
}


@pytest.fixture(scope="module")
def model() -> pretrained.Model:
    folder = os.environ.get(pretrained.ENV_FOLDER)
    reason = f"{pretrained.ENV_FOLDER} is not set (tests/test_pretrained.py says how to get the files)"
    try:
        if folder:
            return pretrained.load(folder)
    except pretrained.ModelUnavailable as error:
        reason = str(error)
    if REQUIRED:
        pytest.fail(f"the pretrained model is required (EXPLAINER_REQUIRE_MODEL=1) but {reason}")
    pytest.skip(reason)


def _ok(at) -> None:
    assert not at.exception, [e.message for e in at.exception]


def _chart(at, starts: str):
    found = [(spec, data) for spec, data in charts(at) if _title(spec).startswith(starts)]
    assert len(found) == 1, [_title(spec) for spec, _ in charts(at)]
    return found[0]


def _title(spec: dict) -> str:
    title = spec.get("title", "")
    return title.get("text", "") if isinstance(title, dict) else title


def _values(data, shape) -> np.ndarray:
    """A heatmap's data back into its matrix."""
    values = np.full(shape, np.nan)
    values[data.row_index.to_numpy(), data.col_index.to_numpy()] = data.value.to_numpy()
    return values


def _grid(at, run) -> np.ndarray:
    _, data = _chart(at, "Layer ")
    n = len(run.tokens)
    grid = np.full((12, n, n), np.nan)
    grid[data["head"].to_numpy() - 1, data.row_index.to_numpy(), data.col_index.to_numpy()] = data.value.to_numpy()
    return grid


# --- with the model ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SENTENCES)
def test_the_page_runs_and_its_grid_is_the_runs_attention(model, name):
    sentence = SENTENCES[name]
    at = open_page(PAGE, {"sentence": sentence, "layer": "3"})
    _ok(at)
    run = model.run(sentence)
    n = len(run.tokens)
    assert not at.error
    paragraphs = [paragraph.split() for block in at.markdown for paragraph in block.value.split("\n\n")]
    assert [f"`{token}`" for token in run.tokens] in paragraphs
    spec, data = _chart(at, "Layer 3")
    assert len(data) == 12 * n * n and sorted(data["head"].unique()) == list(range(1, 13))
    assert spec["vconcat"][0]["facet"]["field"] == "head" and spec["params"][0]["name"] == real.GRID_PICK
    grid = _grid(at, run)
    np.testing.assert_allclose(grid.sum(axis=-1), 1, atol=1e-5)
    np.testing.assert_allclose(grid, run.attention[2], atol=1e-7)
    assert list(data.row.unique()) == list(real.labels(run))


@pytest.mark.parametrize("layer, head", [(1, 1), (4, 7), (6, 12)])
def test_the_opened_head_is_the_runs_own_q_k_v_scores_and_weights(model, layer, head):
    sentence = SENTENCES["twelve words"]
    at = open_page(PAGE, {"sentence": sentence, "focus": "it", "layer": str(layer), "rhead": str(head)})
    _ok(at)
    at.toggle(key="real_qkv").set_value(True).run()
    _ok(at)
    run = model.run(sentence)
    n, part, h = len(run.tokens), run.layers[layer - 1], head - 1
    focus = run.tokens.index("it")
    where = f"layer {layer} · head {head} of 12"
    shown = {}
    for symbol in ("Qₕ", "Kₕ", "Vₕ", "Sₕ", "Aₕ", "oₕ"):
        spec, data = _chart(at, symbol)
        assert _title(spec).endswith(where)
        shown[symbol] = _values(data, (1 if symbol == "oₕ" else n, 32 if symbol in ("Qₕ", "Kₕ", "Vₕ", "oₕ") else n))
    np.testing.assert_allclose(shown["Qₕ"], part.q[h], atol=1e-6)
    np.testing.assert_allclose(shown["Kₕ"], part.k[h], atol=1e-6)
    np.testing.assert_allclose(shown["Vₕ"], part.v[h], atol=1e-6)
    scores = part.q[h].astype(float) @ part.k[h].T.astype(float) / math.sqrt(32)
    np.testing.assert_allclose(shown["Sₕ"], scores, atol=1e-5)
    np.testing.assert_allclose(shown["Aₕ"], run.attention[layer - 1, h], atol=1e-7)
    np.testing.assert_allclose(shown["oₕ"][0], run.attention[layer - 1, h, focus] @ part.v[h], atol=1e-5)
    _, weights = _chart(at, "Aₕ")
    assert set(weights[weights.focus].row) == {"it"}  # the lesson's word in focus, outlined


@pytest.mark.parametrize("sentence, word", [
    (SENTENCES["twelve words"], "didn't"),
    ("My grandma's homemade lasagna tastes wonderful, doesn't it?", "lasagna"),
    ("My grandma's homemade lasagna tastes wonderful, doesn't it?", "grandma's"),
])
def test_a_word_the_model_cuts_into_pieces_keeps_the_focus_on_its_first_piece(model, sentence, word):
    at = open_page(PAGE, {"sentence": sentence, "focus": word})
    _ok(at)
    pieces = model.run(word).tokens[1:-1]  # the word alone, as the model spells it
    assert len(pieces) > 1
    note = next(c.value for c in at.caption if f"“{word}”" in c.value)
    assert " ".join(f"`{piece}`" for piece in pieces) in note and f"its first, `{pieces[0]}`" in note
    for symbol in ("Sₕ", "Aₕ"):
        _, cells = _chart(at, symbol)
        assert set(cells[cells.focus].row) == {pieces[0]}  # not [CLS]
    spec, _ = _chart(at, "oₕ")
    assert f"the output of “{pieces[0]}”" in str(spec["title"]["subtitle"])


OBSERVED = re.compile(r"On \*\*(.+?)\*\*: head \*\*(\d+)\*\* the most, \*\*([\d.]+)\*\*.*median: ([\d.]+)\)")


@pytest.mark.parametrize("name, layer", [("default", 1), ("twelve words", 2), ("twelve words", 6), ("one word", 1)])
def test_the_observations_quote_the_runs_numbers(model, name, layer):
    sentence = SENTENCES[name]
    at = open_page(PAGE, {"sentence": sentence, "layer": str(layer)})
    _ok(at)
    a = model.run(sentence).attention.astype(float)
    n = a.shape[-1]
    words = np.arange(1, n - 1)
    expected = {  # per head: the mean over the words' rows, computed here from the run alone
        "the previous token": a[layer - 1][:, words[1:], words[1:] - 1],
        "the next token": a[layer - 1][:, words[:-1], words[:-1] + 1],
        "itself": a[layer - 1][:, words, words],
        "[CLS]": a[layer - 1][:, words, 0],
        "[SEP]": a[layer - 1][:, words, n - 1],
    }
    text = next(m.value for m in at.markdown if "What the heads of layer" in m.value)
    said = {m[1]: (int(m[2]), m[3], m[4]) for m in OBSERVED.finditer(text)}
    assert set(said) == {k for k, v in expected.items() if v.size}
    for relation, (head, share, median) in said.items():
        means = expected[relation].mean(axis=1)
        assert head == int(means.argmax()) + 1
        assert share == f"{means.max():.2f}" and median == f"{np.median(means):.2f}"
    contrast = next(p for m in at.markdown for p in m.value.split("\n\n") if "Layer 1's rows have an entropy" in p)
    rows = a[:, :, words, :]
    entropy = np.where(rows > 0, -rows * np.log2(np.where(rows > 0, rows, 1)), 0).sum(-1).mean(axis=(1, 2))
    on_sep = rows[..., n - 1].mean(axis=(1, 2))
    on_cls = rows[..., 0].mean(axis=(1, 2))
    for figure in (entropy[0], entropy[5], on_sep[0], on_sep[5], on_cls[0], on_cls[5]):
        assert f"**{figure:.2f}**" in contrast


@pytest.mark.parametrize("query, warned", [
    ({"layer": "99"}, ["'layer' must be a layer from 1 to 6"]),
    ({"rhead": "0", "layer": "x"}, ["'layer' must be", "'rhead' must be a head from 1 to 12"]),
    ({"rhead": "<b>13</b>"}, ["'rhead' must be a head from 1 to 12"]),
])
def test_a_bad_layer_or_head_in_the_link_warns_and_falls_back_to_the_first(model, query, warned):
    at = open_page(PAGE, query)
    _ok(at)
    warnings = [w.value for w in at.warning]
    for start in warned:
        assert any(w.startswith(start) for w in warnings), warnings
    assert not any("<b>" in w for w in warnings)
    assert _title(_chart(at, "Layer ")[0]).startswith("Layer 1:")
    assert _title(_chart(at, "Aₕ")[0]).endswith("layer 1 · head 1 of 12")
    assert not {"layer", "rhead"} & set(at.query_params), "the link is cleaned"
    at.run()
    assert not at.warning, "said once"


def test_the_layer_and_head_live_in_the_link_and_travel_with_it(model):
    at = open_page(PAGE, {"layer": "5", "rhead": "9", "temperature": "0.5"})
    _ok(at)
    assert not at.warning, [w.value for w in at.warning]
    assert (at.segmented_control(key="real_layer").value, at.selectbox(key="real_head").value) == (5, 9)
    assert _title(_chart(at, "Aₕ")[0]).endswith("layer 5 · head 9 of 12")
    at.selectbox(key="real_head").set_value(2).run()
    _ok(at)
    assert dict(at.query_params) == {"temperature": "0.5", "layer": "5", "rhead": "2"}
    assert _title(_chart(at, "Aₕ")[0]).endswith("layer 5 · head 2 of 12")
    at.segmented_control(key="real_layer").set_value(1).run()
    assert dict(at.query_params) == {"temperature": "0.5", "rhead": "2"}  # the first layer is the default
    at.session_state["sidebar_share"] = True  # the student opens "Share or take away this view"
    at.run()
    link = at.sidebar.code[0].value
    assert "rhead=2" in link and "temperature=0.5" in link
    at.slider(key="sidebar_temperature").set_value(2.0).run()  # a lesson setting changed: the page's own stay
    assert dict(at.query_params) == {"temperature": "2", "rhead": "2"}


def test_other_pages_leave_the_pages_own_parameters_alone():
    at = open_page("pages/3_Softmax.py", {"layer": "4", "temperature": "0.5"})
    _ok(at)
    assert not at.warning, [w.value for w in at.warning]  # no "setting this lesson does not know"
    assert dict(at.query_params) == {"temperature": "0.5", "layer": "4"}
    at.slider(key="sidebar_temperature").set_value(2.0).run()
    assert dict(at.query_params) == {"temperature": "2", "layer": "4"}


def test_a_layer_carried_from_another_page_is_checked_against_the_model(model):
    at = open_page("pages/3_Softmax.py", {"layer": "9"})  # kept there for page 6, which knows how many there are
    _ok(at)
    assert not at.warning, [w.value for w in at.warning]
    at.switch_page(PAGE).run()
    _ok(at)
    assert [w.value for w in at.warning] == [f"'layer' must be a layer from 1 to {model.n_layers}: using layer 1."]
    assert _title(_chart(at, "Layer ")[0]).startswith("Layer 1:")
    assert "layer" not in at.query_params



def _lightness(colour: str) -> float:
    """CIE L* (0 black .. 100 white) of a colour written #rrggbb or "white"."""
    colour = "#ffffff" if colour == "white" else colour
    linear = [(c / 255 / 12.92) if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4
              for c in (int(colour[i:i + 2], 16) for i in (1, 3, 5))]
    y = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 116 * y ** (1 / 3) - 16 if y > 0.008856 else 903.3 * y


def test_where_the_weight_goes_in_greys_and_an_outline_told_apart(model):
    at = open_page(PAGE)
    _ok(at)
    spec, data = _chart(at, "Where the weight goes")
    bar = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "bar")
    scale = bar["encoding"]["color"]["scale"]
    fills = dict(zip(scale["domain"], scale["range"], strict=True))
    assert set(fills) == set(data["where"]) == {"on [CLS]", "on [SEP]", "on itself"}
    filled = sorted(_lightness(colour) for colour in fills.values() if colour != "white")
    hollow = [where for where, colour in fills.items() if colour == "white"]
    assert len(hollow) == 1 and _lightness(bar["mark"]["stroke"]) < 30  # one drawn as an outline, dark
    assert filled[1] - filled[0] >= 40  # the two filled ones far apart (#222 and #555 were 23 apart)
    assert filled[1] <= 60  # and both against white as a bar needs (3:1, L* 60 or less)
    assert bar["encoding"]["color"]["legend"]["symbolStrokeColor"] == bar["mark"]["stroke"]  # the legend too


# --- without the model ---------------------------------------------------------------------------------------------

@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """No hub: every connection refused (each attempt listed), an empty hub cache, no outcome remembered from
    earlier tests nor left for later ones."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    import huggingface_hub.constants
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    st.cache_resource.clear()
    yield attempts
    st.cache_resource.clear()


def _says_why(at, *why: str) -> None:
    _ok(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "The real model is not available" in errors[0], errors
    for part in why:
        assert part in errors[0]
    assert not [spec for spec, _ in charts(at) if _title(spec).startswith(("Layer ", "Aₕ"))]
    assert _title(_chart(at, "A  (")[0]).startswith("A  (3 × 3)")  # the toy's, meanwhile
    labels = [link.label for link in at.main.get("page_link")]
    assert labels[-2].startswith("← Previous") and labels[-1].startswith("Next")  # the page's footer, last


def test_an_empty_model_folder_is_named_and_nothing_breaks(no_network, monkeypatch, tmp_path):
    monkeypatch.setenv(pretrained.ENV_FOLDER, str(tmp_path))
    _says_why(open_page(PAGE), str(tmp_path), "lacks model.safetensors")


@pytest.mark.parametrize("offline", ["1", None])
def test_no_folder_and_no_network_fails_fast_with_the_reason(no_network, monkeypatch, offline):
    monkeypatch.delenv(pretrained.ENV_FOLDER, raising=False)
    if offline:
        monkeypatch.setenv("HF_HUB_OFFLINE", offline)
    start = time.monotonic()
    at = open_page(PAGE)
    _says_why(at, "EXPLAINER_MODEL_DIR is not set", "HF_HUB_OFFLINE is set" if offline else "cannot be reached")
    assert time.monotonic() - start < 20
    again = open_page("pages/3_Softmax.py")  # the rest of the app
    _ok(again)
    assert not again.error


def test_a_failure_is_remembered_so_a_class_does_not_each_wait(no_network, monkeypatch):
    monkeypatch.delenv(pretrained.ENV_FOLDER, raising=False)
    first = open_page(PAGE)
    _says_why(first, "cannot be reached")
    assert len(no_network) == 1  # the one short connection attempt
    second = open_page(PAGE)  # another student, within RETRY_AFTER seconds
    _says_why(second, "cannot be reached")
    assert len(no_network) == 1


# --- in a browser (AppTest cannot click a chart) -------------------------------------------------------------------

def test_a_click_on_a_map_opens_its_head(model, page, server):  # noqa: F811 (the imported fixtures)
    from tests.test_browser import open_view, query_of, settle

    open_view(page, f"{server}/A_real_transformer?layer=2")
    name = page.locator("[data-testid=stVegaLiteChart] svg text", has_text="head 6").first
    name.evaluate("name => name.scrollIntoView({block: 'center'})")  # the map under it too, whatever is above
    box = name.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] + 50)  # the map under its name
    page.wait_for_function("() => new URL(location.href).searchParams.get('rhead') === '6'", timeout=30_000)
    settle(page)
    assert query_of(page) == {"layer": "2", "rhead": "6"}
    assert page.get_by_role("heading", name="Head 6 of layer 2, step by step").count() == 1
    assert page.locator("[data-testid=stException]").count() == 0


def test_the_heads_that_link_a_pronoun_to_its_noun_are_found_and_open(model):
    sentence = SENTENCES["twelve words"]
    at = open_page(PAGE, {"sentence": sentence})
    _ok(at)
    run = model.run(sentence)
    it, animal = run.tokens.index("it"), run.tokens.index("animal")
    strongest = run.attention[:, :, it, animal]  # (layers, heads)
    layer, head = np.unravel_index(int(strongest.argmax()), strongest.shape)
    said = " ".join(block.value for block in at.markdown)
    expected = (f"**it → animal** (a pronoun and a noun it could stand for): layer {layer + 1} · head {head + 1} "
                f"gives animal **{strongest.max():.2f}**")
    assert expected in said
    assert strongest.max() > 0.5  # a real model does resolve it: most of its weight on animal in one head
    menu = at.selectbox(key=frame.model.RELATION_KEY)
    option = next(i for i in menu.options if i.startswith("it → animal"))
    menu.set_value(menu.options.index(option)).run()  # the menu's values are the relations' places in its list
    _ok(at)
    assert dict(at.query_params).get("layer") == str(layer + 1) and dict(at.query_params).get("rhead") == str(head + 1)
    spec, _ = _chart(at, "Aₕ")
    assert _title(spec).endswith(f"layer {layer + 1} · head {head + 1} of 12")



# Everyday sentences and, written by hand, every pair of their words a teacher would accept as "a word and the noun
# it describes / points to", "a pronoun and a noun it could stand for" or "a verb and its object" (generous: a
# pronoun may stand for any noun it agrees with), and the pairs that must be found. Not what the finder gives: what a
# teacher says. The toy reads tastes, smells, water and book as nouns and does not know lasagna.
ACCEPTED = {
    "my grandma's homemade lasagna tastes wonderful, doesn't it?": (
        {"my grandma's", "homemade lasagna", "it lasagna", "grandma's lasagna"}, {"my grandma's"}),
    "she gave her old bike to her cousin": (
        {"gave bike", "her bike", "old bike", "her cousin", "she cousin"}, {"old bike", "her cousin", "gave bike"}),
    "the soup smells good but it tastes terrible": ({"the soup", "it soup"}, {"it soup"}),
    "they water the plants in the garden every morning": (
        {"water plants", "the plants", "the garden", "they plants"}, {"the plants"}),
    "you can book a table at the new restaurant": (
        {"book table", "a table", "the restaurant", "new restaurant"}, {"new restaurant"}),
    "my mom bakes a chocolate cake for my birthday": (
        {"my mom", "bakes cake", "a cake", "chocolate cake", "my birthday"}, {"my mom"}),
    "the cat sat on the mat": ({"the cat", "the mat"}, {"the cat", "the mat"}),
    "we ate pizza in the kitchen because it was cold outside": (
        {"ate pizza", "the kitchen", "it pizza", "it kitchen"}, {"ate pizza"}),
    "the coach told the players that they played a great game": (
        {"the coach", "told players", "the players", "they players", "played game", "a game", "great game"},
        {"they players", "great game"}),
    "the dog found something under the sofa and ate it": (
        {"the dog", "found something", "the sofa", "it sofa", "ate something"}, {"the dog"}),
    "the boys ate the cookies because they were hungry": (
        {"the boys", "ate cookies", "the cookies", "they boys", "they cookies"}, {"they boys"}),
    "my parents said they would buy me a new phone": (
        {"my parents", "they parents", "buy phone", "a phone", "new phone"}, {"they parents"}),
    "dad's car broke down so we took the bus to school": (
        {"dad's car", "took bus", "the bus"}, {"the bus"}),
    "my little brother plays football with his friends every saturday": (
        {"my brother", "little brother", "plays football", "his friends"}, {"little brother", "his friends"}),
    "the animal didn't cross the street because it was too tired": (
        {"the animal", "cross street", "the street", "it animal", "it street"}, {"it animal"}),
}


@pytest.mark.parametrize("sentence", ACCEPTED)
def test_the_pairs_a_teacher_would_link_are_all_true_ones(sentence):
    words = tokenize(sentence)
    accepted, needed = ACCEPTED[sentence]
    offered = {f"{words[i]} {words[j]}" for i, j, _ in real.sentence_relations(words)}
    assert offered <= accepted, offered - accepted  # fewer pairs rather than a false one
    assert needed <= offered, needed - offered  # but not none


def test_the_pairs_of_a_sentence_the_toy_misreads_are_true_on_the_page(model):
    sentence = "My grandma's homemade lasagna tastes wonderful, doesn't it?"
    at = open_page(PAGE, {"sentence": sentence, "focus": "lasagna"})
    _ok(at)
    section = next(block.value for block in at.markdown if "What the heads find" in block.value)
    assert "→ tastes" not in section and "it → grandma's" not in section
    assert "**my → grandma's** (a word and the noun it points to)" in section
    assert "it does not know *lasagna*" in section  # why the pair homemade → lasagna is missing

# --- every view true: the tokens named, numbers that fit, words explained -------------------------------------------

def test_the_grid_draws_the_open_head_large_with_every_token_named(model):
    sentence = SENTENCES["twelve words"]
    at = open_page(PAGE, {"sentence": sentence, "layer": "2", "rhead": "5"})
    _ok(at)
    run = model.run(sentence)
    spec, data = _chart(at, "Layer 2")
    alt.VConcatChart.from_dict(spec, validate=True)  # a Vega-Lite spec
    large = spec["vconcat"][1]  # under the small maps
    names = list(data.sort_values("row_index").row.unique())  # the data's own tokens, in the sentence's order
    n = len(names)
    assert n == len(run.tokens) == 16
    assert large["title"]["text"] == f"▶ Aₕ ({n} × {n}) · layer 2 · head 5, open"  # its name and shape
    assert large["transform"] == [{"filter": "(datum.head === 5)"}]  # the open head's weights only
    assert large["width"] == "container"  # as wide as the page: Streamlit sets a vconcat's panels to its width
    cells, row_names = large["layer"]
    x = cells["encoding"]["x"]
    assert x["field"] == "col" and x["scale"]["domain"][:n] == names  # then empty columns, for the rows' names
    blank = x["scale"]["domain"][n:]
    assert blank and not "".join(blank).strip()
    assert x["axis"]["labelFontSize"] >= 10 and x["axis"]["labelFlush"] is False
    assert cells["encoding"]["y"]["sort"] == names and cells["encoding"]["y"]["axis"] is None
    # the rows' names written in the first empty column, one a row, inside the chart's width
    assert row_names["encoding"]["text"]["field"] == "row" and row_names["encoding"]["x"] == {"datum": blank[0]}
    assert row_names["transform"] == [{"filter": "(datum.col_index === 0)"}]
    assert large["height"]["step"] >= row_names["mark"]["fontSize"] + 4  # a row a name high, with room between
    long = model.run(" ".join(["the animal didn't cross the street because it was too tired"] * 3))
    crowded = real.grid(long, 0, 0).spec()["vconcat"][1]  # 40 tokens: every row still named
    assert len(long.tokens) > 40 and crowded["height"]["step"] >= row_names["mark"]["fontSize"] + 4


def test_the_open_heads_map_is_large_on_a_desktop_and_its_rows_named_evenly_at_any_width(model, browser, server):  # noqa: F811
    sentence = "she gave her old bike to her cousin"  # 10 tokens: the grid is drawn in SVG
    names = list(real.labels(model.run(sentence)))
    url = f"{server}/A_real_transformer?sentence={sentence.replace(' ', '+')}&layer=4&rhead=7"
    for width, wide in ((1280, 500), (390, 250)):
        texts = next(texts for texts in _texts_on(browser, url, width)
                     if any(t["text"].startswith("Layer 4:") for t in texts))
        rows = [t for t in texts if t["angle"] == 0 and t["text"] in names]  # the rows' names, written across
        assert [t["text"] for t in rows] == names
        middles = np.array([(t["top"] + t["bottom"]) / 2 for t in rows])
        steps = np.diff(middles)
        assert steps.min() > 12 and steps.max() - steps.min() < 1, steps  # one a row: the first not on the second
        columns = [t for t in texts if t["angle"] != 0 and t["text"] in names]
        assert len(columns) == len(names)
        assert columns[-1]["left"] - columns[0]["left"] >= wide  # the columns' names spread over the map
        assert max(t["right"] for t in rows) <= width - 16  # inside the page


# Streamlit cuts a chart's title and subtitle at the chart's room less 40 px (its frontend sets title.limit): 318 px
# on a phone. The page's sans-serif (Source Sans, 600 for titles) takes about 0.4 of its size a character in these
# titles; 0.5 leaves room for a wider font (the phone's own, before Source Sans has loaded).
TITLE_ROOM, TITLE_TYPE, SUBTITLE_TYPE, LETTER = 390 - 2 * 16 - 40, 16, 12, 0.5


def test_the_grid_title_names_its_matrices_and_is_never_cut_on_a_phone(model):
    run = model.run(" ".join(["the animal didn't cross the street because it was too tired"] * 6))
    assert len(run.tokens) == model.max_tokens  # the longest a sentence can be
    title = real.grid(run, 5, 11).spec()["title"]  # the longest: 64 tokens
    text = title["text"]
    assert "  " not in text and f"Aₕ ({model.max_tokens} × {model.max_tokens})" in text
    assert len(text) * LETTER * TITLE_TYPE <= TITLE_ROOM, text
    assert all(len(line) * LETTER * SUBTITLE_TYPE <= TITLE_ROOM for line in title["subtitle"]), title["subtitle"]


def _number_rules(spec: dict) -> tuple[int, int, dict]:
    """A heatmap's text layer, and the plot widths from which its numbers are written: in their short form
    (`opacity: width >= N ? 1 : 0`), and in full (`text: width >= M ? datum.label : datum.short`)."""
    text = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    shown = re.fullmatch(r"width >= (\d+) \? 1 : 0", text["mark"]["opacity"]["expr"])
    full = re.fullmatch(r"width >= (\d+) \? datum\.label : datum\.short", text["mark"]["text"]["expr"])
    assert shown and full, text["mark"]
    return int(shown[1]), int(full[1]), text


PHONE_PLOT = 390 - 2 * 16  # px: a phone's page less its margins, more than any chart's plot gets there


def _width(label: str, font_size: float) -> float:
    """About how wide a number is written, in px: a digit or a minus sign half the type size, a point a quarter."""
    return sum(0.25 if c == "." else 0.5 for c in label) * font_size


@pytest.mark.parametrize("symbol", ["oₕ", "Qₕ", "Sₕ", "Aₕ"])
def test_a_heatmaps_numbers_show_only_where_its_cells_are_as_wide_as_they_are(model, symbol):
    at = open_page(PAGE, {"sentence": SENTENCES["twelve words"], "focus": "it"})
    _ok(at)
    at.toggle(key="real_qkv").set_value(True).run()
    spec, data = _chart(at, symbol)
    alt.LayerChart.from_dict(spec, validate=True)  # a Vega-Lite spec
    short_from, full_from, text = _number_rules(spec)
    size, columns = text["mark"]["fontSize"], data.col.nunique()
    assert short_from / columns >= max(_width(label, size) for label in data.short)
    assert full_from / columns >= max(_width(label, size) for label in data.label) and full_from >= short_from
    assert all(re.fullmatch(r"−?\d+\.\d\d", label) for label in data.label)  # in full, two decimals
    if symbol in ("oₕ", "Qₕ"):  # 32 columns: no room on a phone, room on a desktop's page (about 750 px of plot)
        assert PHONE_PLOT < short_from <= 700
    axis = spec["layer"][0]["encoding"]["x"]["axis"]
    assert axis["labelOverlap"] is True and axis["labelAngle"] == -90  # upright, names that would touch dropped


MINUS_ZERO = re.compile(r"[−-](0?\.0+|0)(?![\d.])")  # −0, −0.0, −.00, -0.00: a sign a zero does not have


@pytest.mark.parametrize("layer, head", [(1, 1), (3, 7)])
def test_no_number_on_the_page_is_a_minus_zero(model, layer, head):
    at = open_page(PAGE, {"sentence": SENTENCES["twelve words"], "focus": "it", "layer": str(layer),
                          "rhead": str(head)})
    _ok(at)
    at.toggle(key="real_qkv").set_value(True).run()
    _ok(at)
    shown = [block.value for block in (*at.markdown, *at.caption)]
    for _, data in charts(at):
        for column in ("label", "short", "_label"):
            if column in data:
                shown += list(data[column])
    assert not [text for text in shown if MINUS_ZERO.search(text)]
    labels = pd.concat([data for spec, data in charts(at) if _title(spec).startswith(("Qₕ", "Sₕ", "oₕ"))])
    near_zero = labels[(labels.value < 0) & (labels.value > -0.05)]
    assert len(near_zero) and set(near_zero.short) == {"0.0"}  # there are such numbers, written 0.0 where crowded
    nearer = labels[(labels.value < 0) & (labels.value > -0.005)]
    assert set(nearer.label) <= {"0.00"}  # and 0.00 in full


def test_entropy_gelu_and_the_fixed_scaling_are_explained_where_they_are_first_used(model):
    sentence = SENTENCES["twelve words"]
    at = open_page(PAGE, {"sentence": sentence})
    _ok(at)
    paragraphs = [p for block in at.markdown for p in block.value.split("\n")]
    first = next(p for p in paragraphs if "entropy" in p)
    assert re.search(r"\b0 bits? when all of it is on one token", first)  # what 0 bits means, before any figure
    assert first.index("0 bits") < re.search(r"\*\*\d", first).start()  # the meaning before the figures
    rows = model.run(sentence).attention.astype(float)[0, :, 1:-1, :]
    bits = np.where(rows > 0, -rows * np.log2(np.where(rows > 0, rows, 1)), 0).sum(-1).mean()
    assert f"**{bits:.2f}** bits on average (as spread out as about {2 ** bits:.0f} tokens alike)" in first
    gelu = next(p for p in paragraphs if "GELU" in p)
    assert "negative" in gelu and "positive" in gelu and "towards 0" in gelu  # what it does to a number
    intro = at.markdown[0].value
    assert "scaling, learnt" not in intro and "fixed" in intro and f"1/√{model.d_k}" in intro


def _texts_on(chromium, url: str, width: int) -> list[list[dict]]:
    """The visible texts of every chart drawn in SVG (with their boxes on the screen) on the page at `url`, this many
    px wide, with the head's Q, K and V shown. (Streamlit draws a chart of more than 2,000 marks on a canvas, the
    grid of a long sentence's 12 heads among them: its texts are not in the page.)"""
    tab = chromium.new_page(viewport={"width": width, "height": 12_000})  # the whole page: every chart drawn
    tab.goto(url)
    _settled(tab)
    tab.get_by_text("Show this head's Q, K and V").click()
    _settled(tab)
    charts = tab.evaluate(VISIBLE_TEXTS)
    tab.close()
    return charts


def _settled(tab) -> None:
    """As tests.test_browser.settle, for charts drawn in SVG or on a canvas."""
    from playwright.sync_api import TimeoutError as Timeout

    with contextlib.suppress(Timeout):
        tab.wait_for_selector("[data-testid='stApp'][data-test-script-state='running']", timeout=700)
    tab.wait_for_selector(SCRIPT_DONE, timeout=30_000)
    tab.wait_for_function("""() => { const charts = [...document.querySelectorAll('[data-testid=stVegaLiteChart]')];
        return charts.length > 0 && charts.every(chart => chart.querySelector('svg, canvas')); }""", timeout=30_000)
    time.sleep(0.4)


def _title_of(texts: list[dict]) -> str:
    """A chart's title ("Qₕ (16 × 32) · layer 1 · head 1 of 12"), its spaces as one."""
    title = next((t["text"] for t in texts if re.match(r"\S+\s+\(\d+ × \d+", t["text"])), texts[0]["text"])
    return " ".join(title.split())


def test_on_a_phone_no_chart_runs_its_text_together_or_is_cut(model, browser, server):  # noqa: F811
    url = f"{server}/A_real_transformer?sentence={SENTENCES['twelve words'].replace(' ', '+')}"
    charts = _texts_on(browser, url, 390)
    assert {"Qₕ (16 × 32) · layer 1 · head 1 of 12", "oₕ (1 × 32) · layer 1 · head 1 of 12"} <= {
        _title_of(texts) for texts in charts}
    for texts in charts:
        assert not [t["text"] for t in texts if t["text"].endswith("…")], "a text cut short"
        assert max(t["right"] for t in texts) <= 390, "a text beyond the screen's edge"
        level = [t for t in texts if t["angle"] % 90 == 0]  # a slanted name's upright box is wider than it is
        # two texts run together when they share more than 1 px across and half their height (a text's box is
        # taller than its letters: a title's and its subtitle's boxes share a few px)
        touching = [(a["text"], b["text"]) for i, a in enumerate(level) for b in level[i + 1:]
                    if min(a["right"], b["right"]) - max(a["left"], b["left"]) > 1
                    and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5 * min(
                        a["bottom"] - a["top"], b["bottom"] - b["top"])]
        assert not touching, (_title_of(texts), touching[:5])
    output = next(texts for texts in _texts_on(browser, url, 1280) if _title_of(texts).startswith("oₕ"))
    numbers = [t for t in output if re.fullmatch(r"−?\d+\.\d\d", t["text"])]
    assert len(numbers) == model.d_k  # a desktop has room for the output's 32 numbers, with two decimals



def test_on_a_desktop_the_heads_scores_and_weights_take_the_pages_width_with_every_number(model, browser, server):  # noqa: F811
    sentence = SENTENCES["twelve words"]
    n = len(model.run(sentence).tokens)
    url = f"{server}/A_real_transformer?sentence={sentence.replace(' ', '+')}&layer=3&rhead=7"
    texts = next(texts for texts in _texts_on(browser, url, 1280) if _title_of(texts).startswith("Sₕ"))
    assert max(t["right"] for t in texts) - min(t["left"] for t in texts) >= 700  # of the page's 820 px
    numbers = [t["text"] for t in texts if re.fullmatch(r"−?\d*\.\d+", t["text"])]
    assert len(numbers) == 2 * n * n and all(re.fullmatch(r"−?\d+\.\d\d", number) for number in numbers)


def test_the_heads_scores_and_weights_are_one_chart_as_wide_as_the_page(model):
    at = open_page(PAGE, {"sentence": SENTENCES["twelve words"], "focus": "it"})
    _ok(at)
    specs = [json.loads(element.proto.spec) for element in at.get("vega_lite_chart")]
    grids = [spec for spec in specs if [_title(panel)[:2] for panel in spec.get("vconcat", [])] == ["Sₕ", "Aₕ"]]
    assert len(grids) == 1 and not [spec for spec in specs if _title(spec).startswith(("Sₕ", "Aₕ"))]  # one element
    grid = grids[0]
    assert all(panel["width"] == "container" for panel in grid["vconcat"])  # Streamlit sets them to the page's
    assert grid["autosize"] == {"type": "fit-x", "contains": "padding"}  # their axes inside it
    for symbol in ("Sₕ", "Aₕ"):
        spec, data = _chart(at, symbol)
        frame = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rect" and "stroke" in layer["mark"]]
        assert len(frame) == 1 and frame[0]["encoding"]["x2"] == {"value": "width"}  # the focus row, one frame
        assert "stroke" not in spec["layer"][0]["encoding"]  # not a frame per cell, cutting into the numbers
        assert set(data[data.focus].row) == {"it"}



LONGEST = " ".join(["pneumonoultramicroscopic", "supercalifragilistic", "antidisestablishmentarianism",
                    "floccinaucinihilipilification", "hippopotomonstrosesquipedalian", "pseudopseudohypoparathyroidism",
                    "thyroparathyroidectomized", "spectrophotofluorometrically", "honorificabilitudinitatibus",
                    "electroencephalographically", "immunoelectrophoretically", "psychoneuroimmunological"])


def test_on_a_phone_no_chart_is_wider_than_the_page_with_the_longest_sentence(model, browser, server):  # noqa: F811
    assert len(model.run(LONGEST).tokens) == model.max_tokens  # 12 words, cut at 64 tokens
    tab = browser.new_page(viewport={"width": 390, "height": 3000})
    tab.goto(f"{server}/A_real_transformer?sentence={LONGEST.replace(' ', '+')}&layer=6&rhead=12")
    _settled(tab)
    sizes = tab.evaluate("""() => [...document.querySelectorAll('[data-testid=stVegaLiteChart]')].map(chart =>
        [chart.querySelector('svg, canvas').getBoundingClientRect().width, chart.clientWidth])""")
    tab.close()
    assert sizes and all(drawn <= room + 0.5 for drawn, room in sizes), sizes


VISIBLE_TEXTS = r"""() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] svg')].map(svg => {
    const shown = el => { for (let e = el; e && e !== svg; e = e.parentElement) {
        const style = getComputedStyle(e);
        if (style.display === 'none' || style.visibility === 'hidden' || +style.opacity === 0
            || e.getAttribute('opacity') === '0') return false; }
        return true; };
    return [...svg.querySelectorAll('text')].filter(el => el.textContent.trim() && shown(el)).map(el => {
        const box = el.getBoundingClientRect(), turn = /rotate\((-?[\d.]+)/.exec(el.getAttribute('transform') || '');
        return {text: el.textContent, angle: turn ? +turn[1] : 0,
                left: box.left, right: box.right, top: box.top, bottom: box.bottom};
    }).filter(t => t.right > t.left);
})"""
