"""Every page under every kind of view a student can make: it runs, and what it says and draws agrees with the
engine's numbers for that view (not only for the lesson's default)."""
import re

import numpy as np
import pytest

from explainer import FEATURES, MEANING_QUESTIONS, run_attention
from lesson.charts import WORD_COLOURS
from lesson.state import from_query
from tests.support import PAGES, charts, formulas, open_page

VIEWS = {
    "default": {},
    "cosine": {"similarity": "cosine", "focus": "visits"},
    "two heads, the second": {"heads": "2", "head": "2"},
    "four heads, causal": {"heads": "4", "head": "3", "causal": "on"},
    "twelve words": {"sentence": "the animal didn't cross the street because it was too tired today", "focus": "it"},
    "one word": {"sentence": "hello"},
    "random weights": {"weights": "random", "seed": "5", "sentence": "the cat sat on the mat", "focus": "mat"},
    "positions off, cold": {"positions": "off", "temperature": "0.2", "scaling": "off"},
    "accents and unknown words": {"sentence": "café à paris zorblat", "focus": "zorblat"},
    "repeats": {"sentence": "the the the the"},
    "trained weights": {"weights": "trained", "seed": "3", "steps": "300", "sentence": "students visit paris in spring",
                        "focus": "paris"},
    "a pronoun and a possessive": {"sentence": "my sister's cat sleeps because it is tired", "focus": "it"},
    "two heads, the position head": {"heads": "2", "head": "2", "sentence": "my dog chased the red ball"},
    "four heads, a meaning head": {"heads": "4", "head": "1", "sentence": "the old teacher writes a long letter"},
    "only unknown words": {"sentence": "zorb quib flim"},
}
SHAPE = re.compile(r"\((\d+) × (\d+)\)")
PER_HEAD = ("W_Q", "W_K", "W_V", "Q ", "K ", "V ", "S = ", "A ", "O = ")


def _trace(query: dict):
    state, _ = from_query(query)
    return state, run_attention(state.sentence, state.settings).head(state.head)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("name", VIEWS)
def test_every_page_runs_and_its_heatmaps_say_their_true_shape_and_head(page, name):
    at = open_page(page, VIEWS[name])
    assert not at.exception, [e.message for e in at.exception]
    state, _ = _trace(VIEWS[name])
    heatmaps = 0
    for spec, data in charts(at):
        title = spec.get("title", {}).get("text", "") if isinstance(spec.get("title"), dict) else ""
        shape = SHAPE.search(title)
        if not shape or "row" not in data:
            continue
        heatmaps += 1
        rows, cols = int(shape[1]), int(shape[2])
        assert (data.row.nunique(), data.col.nunique()) == (rows, cols), title
        if state.heads > 1 and title.startswith(PER_HEAD):
            shown = state.head + 1 if page != "app.py" else r"\d"  # home shows every head side by side
            assert re.search(rf"head {shown} of {state.heads}$", title), title
    assert heatmaps or page in ("pages/1_Intuition.py", "pages/7_Teach_a_class.py")  # 7: the teacher's, no chart


@pytest.mark.parametrize("name", VIEWS)
def test_the_intuition_page_quotes_the_views_own_favourite(name):
    at = open_page("pages/1_Intuition.py", VIEWS[name])
    state, view = _trace(VIEWS[name])
    row = view.attention[state.focus]
    said = next(m.value for m in at.markdown if "looks most at" in m.value or "no single favourite" in m.value)
    assert f"**{row.max():.2f}**" in said
    if np.sum(np.isclose(row, row.max(), atol=1e-9)) == 1:
        assert f"looks most at **{view.labels[int(row.argmax())]}**" in said


@pytest.mark.parametrize("name", VIEWS)
def test_the_worked_score_on_the_q_and_k_page_is_the_cell_it_explains(name):
    at = open_page("pages/2_Q_and_K.py", VIEWS[name])
    at.session_state["q_and_k_terms"] = True  # the student opens "One score, term by term"
    at.run()
    state, view = _trace(VIEWS[name])
    key = state.key if state.key is not None else int(view.attention[state.focus].argmax())
    formula = next(formula for formula in formulas(at) if r"\cdot" in formula and "aligned" in formula)
    assert formula.removesuffix(r" \end{aligned}").endswith(f"= {view.scores[state.focus, key]:.2f}")
    assert (r"\cos" in formula) == (state.similarity == "cosine")


def _word_colours(spec: dict) -> list[dict]:
    """Every colour scale in a chart spec that maps words to WORD_COLOURS, as {word: colour}."""
    found = []
    for layer in [spec, *spec.get("layer", []), *spec.get("vconcat", []), *spec.get("hconcat", [])]:
        scale = layer.get("encoding", {}).get("color", {}).get("scale", {})
        if scale.get("range") and set(scale["range"]) <= set(WORD_COLOURS):
            found.append(dict(zip(scale["domain"], scale["range"], strict=True)))
    return found


def test_a_word_has_one_colour_on_every_chart_of_every_page():
    view = VIEWS["twelve words"]
    _, trace = _trace(view)
    seen: dict[str, str] = {}
    scales = 0
    for page in PAGES:
        for spec, _ in charts(open_page(page, view)):
            for mapping in _word_colours(spec):
                scales += 1
                assert list(mapping) == list(trace.labels)  # every word, in sentence order
                for word, colour in mapping.items():
                    assert seen.setdefault(word, colour) == colour, (page, word)
    assert scales >= 3 and len(set(seen.values())) == len(trace.labels) == 12


@pytest.mark.parametrize("name", VIEWS)
def test_the_intuition_page_says_where_the_rules_end_as_the_numbers_do(name):
    at = open_page("pages/1_Intuition.py", VIEWS[name])
    state, view = _trace(VIEWS[name])
    said = " ".join(m.value for m in at.markdown)
    table = next(t.value for t in at.table if "in doubt?" in t.value.columns)
    designed = state.weight_set == "designed"
    for i, doubt in enumerate(table["in doubt?"]):
        row = np.sort(view.attention[i])[::-1]
        asks = [d for d, q in enumerate(view.qk_dims) if q in MEANING_QUESTIONS]
        if state.causal and i == 0 and len(row) > 1:
            assert doubt == "by the mask" and row[1] == 0, (view.labels[i], doubt)  # it sees only itself
        elif designed and not view.Q[i, asks].any():
            assert doubt == "by position only", (view.labels[i], doubt)  # no question about meaning asked
        elif doubt.startswith("close: "):
            assert len(row) > 1 and row[1] >= 0.8 * row[0], (view.labels[i], doubt)
        elif doubt.startswith("could stand for "):
            kinds = [FEATURES[int(e[: len(FEATURES)].argmax())] if e.any() else "" for e in view.embeddings]
            nouns = [view.labels[j] for j in range(i) if kinds[j] in ("person", "animal", "place", "thing")]
            assert designed and kinds[i] == "stands for" and doubt == f"could stand for {' or '.join(nouns)}"
        else:
            assert doubt == "" and (len(row) == 1 or row[1] < 0.8 * row[0] or np.isclose(row[1], row[0])), \
                (view.labels[i], doubt)
    if state.causal and state.focus == 0 and len(view.labels) > 1:
        assert "the causal mask hides every word after" in said  # the first word: the mask decides, nothing else
    elif state.heads > 1 and not set(view.qk_dims) & set(MEANING_QUESTIONS):
        assert "this head asks about position only" in said


@pytest.mark.parametrize("name", VIEWS)
def test_the_intuition_pages_soft_and_hard_lookups_are_said_as_this_views_numbers_behave(name):
    """The temperature paragraph promises an exact match only where a colder softmax gives one (not for a word
    that sees one row only, nor for keys that tie), and an empty chart of what the lookups return says why."""
    at = open_page("pages/1_Intuition.py", VIEWS[name])
    state, view = _trace(VIEWS[name])
    said = " ".join(m.value for m in at.markdown)
    row = view.attention[state.focus]
    seen = np.isfinite(view.logits[state.focus]).sum()
    best = np.flatnonzero(np.isclose(row, row.max(), rtol=0, atol=1e-9))
    if seen == 1:
        assert "its weight is 1 at every temperature" in said and "Slide the temperature" not in said
    elif len(best) == seen:
        assert "the slider changes nothing" in said and "Slide the temperature" not in said
    else:
        assert ("until one row has weight 1" in said) == (len(best) == 1)
    assert "on the left" not in said  # on a phone the exact lookup is above, not on the left
    ((_spec, returned),) = [(s, d) for s, d in charts(at) if s.get("title", {}).get("text", "").startswith("What the")]
    empty = not (returned.value.abs() > 0.005).any()
    captions = " ".join(c.value for c in at.caption)
    assert ("every bar below has length 0" in captions) == empty, (name, returned.value.tolist())
