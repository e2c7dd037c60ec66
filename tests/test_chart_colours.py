"""Chart colours: one colour per word on every chart, one scale per quantity, and numbers readable on their cells."""
import colorsys
import itertools
import re

import numpy as np
import pandas as pd
import pytest

from explainer import Matrix, Settings, experiments, run_attention
from lesson import charts, views
from lesson.tables import cells

SENTENCE = "the quick brown fox jumps over the lazy dog near the river"  # 12 words, "the" three times


@pytest.fixture(scope="module")
def trace():
    return run_attention(SENTENCE)


@pytest.fixture(scope="module")
def signed_trace():
    """Random weights: queries and keys that disagree in sign, so that products and outputs go negative."""
    return run_attention(SENTENCE, Settings(weight_set="random"))


def encodings(figure, channel):
    """Every layer's encoding of `channel`, in the spec Altair validates against the Vega-Lite schema."""
    spec = figure.chart().to_dict()
    found = [layer["encoding"][channel] for layer in spec.get("layer", [spec]) if channel in layer.get("encoding", {})]
    assert found, f"no {channel} encoding"
    return found


def word_charts(trace, query=4):
    """Every kind of chart that colours by word, for one query of the trace."""
    parts = views.contributions(trace, query)
    return {
        "stacked contributions": charts.stacked_contributions(parts, title="o"),
        "bag of words": charts.bag_of_words(cells(trace.matrix("attention")), title="b"),
        "temperature sweep": charts.lines(views.temperature_sweep(trace, query), x="temperature", y="weight",
                                          color="key", log_x=True, mark_x=1.0, title="s"),
        "bars by word": charts.bars(parts, x="contribution", y="dim", color="word", words=True, title="a·v"),
    }


def test_word_colours_are_at_least_twelve_distinct_colours():
    assert len(charts.WORD_COLOURS) >= 12
    assert len({c.lower() for c in charts.WORD_COLOURS}) == len(charts.WORD_COLOURS)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in charts.WORD_COLOURS)


@pytest.mark.parametrize("name", ["stacked contributions", "bag of words", "temperature sweep", "bars by word"])
def test_a_word_chart_colours_every_word_of_a_12_word_sentence_in_sentence_order(trace, name):
    color, *same = encodings(word_charts(trace)[name], "color")  # the sweep's points and lines: the same
    assert all(other == color for other in same)
    assert color["scale"]["domain"] == list(trace.labels)  # every word, in the sentence's order
    assert color["scale"]["range"] == list(charts.WORD_COLOURS[:12])
    assert len(set(color["scale"]["range"])) == 12


def test_a_word_has_the_same_colour_on_every_chart_and_for_every_query(trace):
    colours = set()
    for query in (0, 4, 11):
        for figure in word_charts(trace, query).values():
            for color in encodings(figure, "color"):  # the sweep's points and lines: one scale
                colours.add(tuple(zip(color["scale"]["domain"], color["scale"]["range"], strict=True)))
    assert len(colours) == 1


def test_a_shorter_sentence_takes_the_first_colours():
    """Word i is colour i whatever the sentence: "jane" gets the colour of "the (1)" above."""
    short = run_attention("jane visits africa")
    (color,) = encodings(charts.bag_of_words(cells(short.matrix("attention")), title="b"), "color")
    assert color["scale"]["domain"] == ["jane", "visits", "africa"]
    assert color["scale"]["range"] == list(charts.WORD_COLOURS[:3])


def test_series_that_are_not_words_take_no_word_colour(trace):
    experiment = pd.DataFrame(experiments.scaling(d_ks=(1, 4), samples=20))
    series = charts.lines(experiment, x="d_k", y=["std of q·k", "√d_k"], log_x=True, title="t")
    grouped = charts.bars(views.lookup_results(trace, 0), x="value", y="dim", color="result", title="t")
    sweep_as_series = charts.lines(views.temperature_sweep(trace, 0), x="temperature", y="weight", color="key",
                                   words=False, title="t")
    for figure in (series, grouped, sweep_as_series):
        (color,) = encodings(figure, "color")
        assert set(color["scale"]["range"]) <= set(charts.SERIES_COLOURS)
        assert not set(color["scale"]["range"]) & {c.lower() for c in charts.WORD_COLOURS}
    (dash,) = encodings(series, "strokeDash")  # two greys, told apart by their dashes too
    assert dash["field"] == "series" and len({tuple(d) for d in dash["scale"]["range"]}) == 2


def test_signed_bars_are_coloured_by_their_sign_only(signed_trace):
    terms = views.dot_product_terms(signed_trace, 0, 1)
    assert (terms["product"] < 0).any() and (terms["product"] > 0).any()
    figure = charts.bars(terms, x="product", y="dim", rule_at=0, title="q·k")
    (color,) = [c for c in encodings(figure, "color")]
    assert color["field"] == "_negative"
    assert color["scale"] == {"domain": [True, False], "range": [charts.NEGATIVE_COLOUR, charts.POSITIVE_COLOUR]}
    assert list(figure.data["_negative"]) == list(terms["product"] < 0)


def test_positive_bars_get_a_solid_colour_not_a_pale_end_of_a_scale(trace):
    """Raw scores of the designed weights are all ≥ 0: every bar is POSITIVE_COLOUR, not white-ish."""
    raw = views.softmax_steps(trace, 0)["1 raw score"]
    (color,) = encodings(charts.bars(raw, x="value", y="key", rule_at=0, title="1"), "color")
    assert "scheme" not in color.get("scale", {}) and color["scale"]["range"][1] == charts.POSITIVE_COLOUR


def test_values_in_zero_one_get_the_axis_but_not_the_colours_of_probabilities(trace):
    """exp(scaled − max) lies in 0..1 with a largest of exactly 1: a 0..1 axis, but the colour of any positive value
    (on the probability scale its 1.00 read as 'all the attention')."""
    exps = views.softmax_steps(trace, 0)["3 exp(scaled − max)"]
    figure = charts.bars(exps, x="value", y="key", unit=True, title="3 exp(scaled − max)")
    (color,) = encodings(figure, "color")
    assert color["field"] == "_negative" and charts.PROBABILITY_SCHEME not in str(color)
    assert encodings(figure, "x")[0]["scale"]["domain"] == [0, 1]
    weights = charts.bars(views.softmax_steps(trace, 0)["4 probability"], x="value", y="key", probability=True,
                          title="4")
    assert encodings(weights, "color")[0]["scale"] == {"domain": [0, 1], "scheme": charts.PROBABILITY_SCHEME}


def hue_and_saturation(colour):
    """HLS hue in degrees and saturation of a '#rrggbb' colour."""
    h, _, s = colorsys.rgb_to_hls(*(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    return h * 360, s


def linear(colour):
    """The linear RGB of a '#rrggbb' (sRGB) colour."""
    c = np.array([int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def test_probabilities_signed_values_and_words_take_colours_apart():
    """Purple is a probability, blue to orange a signed value: no word of a sentence of up to 12 words is blue, cyan,
    purple, magenta (the old 12th word, #aa4499 at 310°, read as purple) or orange, nor a grey like the series, and
    the answering keys are not blue either."""
    assert (charts.PROBABILITY_SCHEME, charts.SIGNED_SCHEME) == ("purples", "blueorange")
    assert len(charts.WORD_COLOURS) == 12
    for colour in charts.WORD_COLOURS:
        h, s = hue_and_saturation(colour)
        assert not (180 <= h <= 320 or 25 <= h <= 45), colour  # blue, purple; orange
        assert s >= 0.4, colour  # the series greys have 0
    for grey in (*charts.SERIES_COLOURS, charts.KEY_COLOUR):
        assert hue_and_saturation(grey)[1] < 0.1


def test_every_word_colour_shows_on_white():
    """A bar or a thin line of the palest word colour still stands out from the page: ≥ 1.6:1 against white."""
    for colour in charts.WORD_COLOURS:
        assert 1.05 / (linear(colour) @ [0.2126, 0.7152, 0.0722] + 0.05) >= 1.6, colour


# Simulated protanopia and deuteranopia, severity 1, on linear RGB (Machado, Oliveira & Fernandes 2009).
PROTANOPIA = [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
DEUTERANOPIA = [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]


def lab(colour, vision):
    """CIE L*a*b* (D65) of a '#rrggbb' colour as seen with `vision`, a 3×3 matrix on linear RGB."""
    seen = np.clip(np.asarray(vision) @ linear(colour), 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ seen
    t = xyz / [0.95047, 1, 1.08883]  # relative to white
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest_pair(colours):
    """The smallest CIE76 ΔE between two of `colours`, over normal vision, protanopia and deuteranopia."""
    return min(np.linalg.norm(lab(a, vision) - lab(b, vision))
               for vision in (np.eye(3), PROTANOPIA, DEUTERANOPIA) for a, b in itertools.combinations(colours, 2))


def test_any_two_words_of_a_12_word_sentence_differ_with_normal_and_colour_blind_eyes():
    """Measured 10.3 for the twelve (12.9 with normal vision alone), 15.5 for the first seven, 27 for the first four."""
    assert closest_pair(charts.WORD_COLOURS) >= 10
    assert closest_pair(charts.WORD_COLOURS[:7]) >= 15
    assert closest_pair(charts.WORD_COLOURS[:4]) >= 25
    assert closest_pair(["#000000", "#ffffff"]) == pytest.approx(100, abs=0.1)  # L* runs from black 0 to white 100
    assert closest_pair(["#e15759", "#59a14f"]) < 2  # tableau10's red and green: ΔE 94 apart, but not to all eyes


def test_heatmaps_given_one_reach_share_one_signed_scale(trace):
    embeddings, scores = trace.matrix("embeddings"), trace.matrix("scores")
    assert charts.signed_reach(embeddings.values) < charts.signed_reach(scores.values)  # by default, two scales
    reach = max(charts.signed_reach(embeddings.values), charts.signed_reach(scores.values))
    scales = [encodings(charts.heatmap(m, reach=reach), "color")[0]["scale"] for m in (embeddings, scores)]
    assert scales[0] == scales[1] == {"domain": [-reach, reach], "domainMid": 0, "scheme": charts.SIGNED_SCHEME}
    shared = charts.heatmap(embeddings, reach=reach)
    assert shared.look != charts.heatmap(embeddings).look  # a reach is part of the drawing
    ones = shared.data[shared.data.value == 1.0]
    assert len(ones) and not ones.strong.any()  # pale on the shared scale: black numbers
    assert charts.heatmap(embeddings).data[lambda d: d.value == 1.0].strong.all()  # dark on its own


def test_dark_probability_cells_get_white_numbers():
    """Purples at 0.5 is a mid purple, on which black text reads worse than white: anything above 0.41 is white."""
    values = np.array([[0.40, 0.46, 0.50, 0.55, 0.6]])
    weights = Matrix("A", "weights", values, ("q",), tuple("abcde"))
    figure = charts.heatmap(weights, probability=True)
    assert list(figure.data.strong) == [False, True, True, True, True]
    (fill,) = encodings(figure, "fill")
    assert fill["field"] == "strong" and fill["scale"] == {"domain": [True, False], "range": ["white", "black"]}
    strip = charts.sentence_strip(pd.DataFrame({"word": list("ab"), "position": [0, 1], "weight": [0.5, 0.4],
                                                "focus": [True, False]}))
    assert list(strip.data.strong) == [True, False]


def test_dark_signed_cells_get_white_numbers_and_masked_cells_black():
    """Blue darkens faster than orange on the diverging scale: white from 0.57 of the reach below 0, from 0.63
    above; a masked −∞ cell has no colour, so its text stays black."""
    values = np.array([[-0.6, -0.5, 0.6, 0.7, -np.inf]])
    figure = charts.heatmap(Matrix("S", "scores", values, ("q",), tuple("abcde")), reach=1.0)
    assert list(figure.data.strong) == [True, False, False, True, False]
    assert list(figure.data.label) == ["−0.60", "−0.50", "0.60", "0.70", "−∞"]


def test_lines_that_coincide_stay_visible_and_the_page_says_so():
    """Two copies of a word without positions get equal scores: the later line is dashed over the earlier one."""
    from lesson import notes

    trace = run_attention("the cat likes the fish", Settings(positional=False))
    sweep = views.temperature_sweep(trace, 1)
    figure = charts.lines(sweep, x="temperature", y="weight", color="key", log_x=True, title="s")
    over = figure.data.groupby("key", sort=False)["_over"].all()
    row = trace.logits[1]
    later = [trace.labels[j] for j in range(len(row)) if any(abs(row[i] - row[j]) < 1e-9 for i in range(j))]
    assert trace.labels[3] in later and list(over[over].index) == later  # the second "the", and any equal score
    (dash,) = encodings(figure, "strokeDash")
    assert dash["field"] == "_over" and dash["scale"]["range"] == [[6, 4], [1, 0]]
    said = notes.same_lines(trace, 1)
    assert f"**{trace.labels[3]}**" in said and "get the same score" in said
    assert notes.same_lines(run_attention("the cat likes the fish"), 1) == ""  # positions tell them apart


def test_a_line_alone_is_grey_not_the_themes_blue():
    curve = charts.lines({"step": np.arange(3), "loss": np.array([0.3, 0.2, 0.1])}, x="step", y="loss", title="l")
    (line, *_) = curve.chart().to_dict()["layer"]
    assert line["encoding"]["color"] == {"value": charts.SERIES_COLOURS[0]} and "color" not in line["mark"]
