"""Chart builders: the specs they produce hold the marks, encodings, scales and data the pages rely on."""
import re

import numpy as np
import pandas as pd
import pytest

from explainer import DEFAULT_SENTENCE, Matrix, Settings, experiments, run_attention
from lesson import charts, figures, views
from lesson.tables import cells


@pytest.fixture(scope="module")
def trace():
    return run_attention(DEFAULT_SENTENCE)


def layers(figure):
    spec = figure.chart().to_dict()  # validated against the Vega-Lite schema
    return spec, {layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]: layer
                  for layer in spec["layer"]}


def data_of(spec):
    (values,) = spec["datasets"].values()
    return pd.DataFrame(values)


def test_probability_heatmap_uses_the_fixed_zero_to_one_scale(trace):
    spec, marks = layers(charts.heatmap(trace.matrix("attention"), probability=True, focus_row=0))
    color = marks["rect"]["encoding"]["color"]
    assert color["field"] == "value" and color["scale"] == {"domain": [0, 1], "scheme": charts.PROBABILITY_SCHEME}
    assert spec["title"]["text"] == "A  (3 × 3)"
    assert marks["text"]["encoding"]["text"]["field"] == "label"
    tooltip_fields = [t["field"] for t in marks["rect"]["encoding"]["tooltip"]]
    assert tooltip_fields == ["row", "col", "value"]
    data = data_of(spec)
    cell = data[(data.row == "jane") & (data.col == "visits")]
    assert cell.value.item() == trace.attention[0, 1] and cell.label.item() == f"{trace.attention[0, 1]:.2f}"
    assert data.focus.sum() == 3 and set(data[data.focus].row) == {"jane"}


def test_signed_heatmap_diverges_symmetrically_around_zero(trace):
    spec, marks = layers(charts.heatmap(trace.matrix("X")))
    scale = marks["rect"]["encoding"]["color"]["scale"]
    reach = charts.signed_reach(trace.X)
    assert scale["domainMid"] == 0 and scale["scheme"] == charts.SIGNED_SCHEME
    assert scale["domain"] == [-reach, reach] and np.abs(trace.X).max() <= reach
    assert marks["rect"]["encoding"]["x"]["sort"] == list(trace.matrix("X").cols)
    assert spec["title"]["text"] == f"X  (3 × {trace.X.shape[1]})"


def test_heatmap_writes_zero_and_negative_numbers_readably():
    trace = run_attention(DEFAULT_SENTENCE)
    labels = charts.heatmap(trace.matrix("embeddings")).data.label  # 12 columns: one decimal
    assert "0" in set(labels) and "1.0" in set(labels)
    ones = Matrix("I", "identity", np.eye(3), ("a", "b", "c"), ("a", "b", "c"))
    assert {"0", "1.00"} == set(charts.heatmap(ones).data.label)  # 3 columns: two decimals
    signed = charts.heatmap(trace.matrix("positions")).data
    assert (signed[signed.value < 0].label.str.startswith("−")).all()


def test_a_clickable_heatmap_names_its_selection_and_fields(trace):
    spec = charts.heatmap(trace.matrix("scores"), select="cell", select_fields=("row_index", "col_index"),
                          focus_cell=(0, 1)).chart().to_dict()
    (param,) = spec["params"]
    assert param["name"] == "cell" and param["select"]["fields"] == ["row_index", "col_index"]
    data = data_of(spec)
    assert data.focus.sum() == 1 and data[data.focus].col.item() == "visits"


def test_masked_scores_are_written_as_minus_infinity():
    causal = run_attention(DEFAULT_SENTENCE, Settings(causal=True))
    data = charts.heatmap(causal.matrix("logits")).data
    assert (data[data.col_index > data.row_index].label == "−∞").all()


def test_sentence_strip_is_clickable_by_position(trace):
    spec, marks = layers(charts.sentence_strip(views.attention_row(trace, 0), select="word"))
    assert spec["params"][0]["select"]["fields"] == ["position"]
    assert marks["rect"]["encoding"]["color"]["scale"]["domain"] == [0, 1]
    assert list(data_of(spec).word) == ["jane", "visits", "africa"]


def test_grouped_bars_put_one_bar_per_group_side_by_side(trace):
    _spec, marks = layers(charts.bars(views.lookup_results(trace, 0), x="value", y="dim", color="result",
                                     title="t", rule_at=0))
    assert marks["bar"]["encoding"]["yOffset"]["field"] == "result"
    assert marks["bar"]["encoding"]["y"]["sort"] == list(trace.v_dims)
    assert "rule" in marks


def test_probability_bars_fix_their_axis_to_zero_one(trace):
    rows = views.softmax_steps(trace, 0)["4 probability"]
    _, marks = layers(charts.bars(rows, x="value", y="key", title="4", probability=True))
    assert marks["bar"]["encoding"]["x"]["scale"] == {"domain": [0, 1]}


def test_the_output_total_reads_on_any_colour_of_a_mixed_sign_stack():
    """With mixed signs the total lies on the stack, e.g. on a dark maroon slice (weights=random, seed=23, africa:
    v2 is −0.17 on visits' slice): its tick and number are opaque black over a white halo drawn first."""
    trace = run_attention(DEFAULT_SENTENCE, Settings(weight_set="random", seed=23))
    parts = views.contributions(trace, 2)
    v2 = parts["dim"] == "v2"
    assert (parts["contribution"][v2] > 0).any() and parts["contribution"][v2].sum() < 0  # the total is on the stack
    _, layers_ = layer_list(charts.stacked_contributions(parts, title="o"))
    marks = [(layer["mark"]["type"], layer["mark"]) for layer in layers_]
    ticks = [mark for kind, mark in marks if kind == "tick"]
    numbers = [mark for kind, mark in marks if kind == "text"]
    assert [tick["color"] for tick in ticks] == ["white", "black"] and all(t["opacity"] == 1 for t in ticks)
    assert ticks[0]["thickness"] > ticks[1]["thickness"] + 2 and ticks[0]["size"] > ticks[1]["size"]
    assert [number["fill"] for number in numbers] == ["white", "black"]
    assert numbers[0]["stroke"] == "white" and numbers[0]["strokeWidth"] >= 3 and "stroke" not in numbers[1]
    assert numbers[0]["dy"] == numbers[1]["dy"]


def test_the_bag_chart_names_what_it_sums_the_weights_of_a_not_the_output():
    """Its bars are rows of A: a word whose value is 0 still takes its weight's share of the bag, however little of
    the output it makes (heads=2, head 2: visits has 48 % of jane's bag and adds nothing to its output)."""
    trace = run_attention(DEFAULT_SENTENCE, Settings(heads=2)).head(1)
    spec = charts.bag_of_words(cells(trace.matrix("attention")), title="b").chart().to_dict()
    data = data_of(spec)
    assert np.allclose(data[data.row == "jane"].value, trace.attention[0])
    assert trace.attention[0, 1] > 0.4 and not trace.V[1].any()  # a big share of the bag, nothing in the output
    x = spec["encoding"]["x"]
    assert x["field"] == "value" and "weight" in x["title"] and "output" not in x["title"]
    assert all("output" not in tip["title"] for tip in spec["encoding"]["tooltip"] if tip["field"] == "value")


def test_stacked_contributions_stack_words_and_mark_the_total(trace):
    _spec, marks = layers(charts.stacked_contributions(views.contributions(trace, 0), title="o"))
    assert marks["bar"]["encoding"]["y"]["aggregate"] == "sum"
    assert marks["bar"]["encoding"]["color"]["field"] == "word"
    assert marks["tick"]["transform"] == [{"aggregate": [{"op": "sum", "field": "contribution", "as": "output"}],
                                           "groupby": ["dim"]}]


def test_vectors_draw_an_arrow_for_the_query_and_each_key(trace):
    points = views.fan(trace, 0)
    spec, marks = layers(charts.vectors(points, title="q and k"))
    assert marks["rule"]["encoding"]["x2"] == {"datum": 0}
    assert len(data_of(spec)) == 4 and data_of(spec).focus.sum() == 1


@pytest.mark.parametrize("sentence", [DEFAULT_SENTENCE, "the cat sat on the mat because it was tired"])
def test_the_vectors_plane_holds_every_words_fan_and_stays_when_the_focus_moves(sentence):
    trace = run_attention(sentence)
    planes = set()
    for query in range(len(trace.labels)):
        points = views.fan(trace, query)
        _spec, marks = layers(charts.vectors(points, title="q and k",
                                             bounds=views.fan_bounds(trace)))
        low, high = marks["rule"]["encoding"]["x"]["scale"]["domain"]
        xy = np.concatenate([points["x"], points["y"]])
        assert low < xy.min() and xy.max() < high
        planes.add((low, high))
    assert len(planes) == 1


def test_a_sweep_line_on_an_earlier_one_is_dashed_and_no_point_is_drawn_over_the_lines():
    """Two heads, head 1: jane and africa get the same score, so africa's line lies on jane's. It is dashed and has
    no points; every point lies under the lines (on top, 46 a line, they hid the dashes on a phone)."""
    trace = run_attention(DEFAULT_SENTENCE, Settings(heads=2)).head(0)
    sweep = views.temperature_sweep(trace, 0)
    spec, layers_ = layer_list(charts.lines(sweep, x="temperature", y="weight", color="key", log_x=True,
                                            mark_x=1.0, title="s"))
    data = data_of(spec)
    assert set(data.key[data._over]) == {"africa"}
    assert np.allclose(data.weight[data.key == "africa"], data.weight[data.key == "jane"])
    kinds = [layer["mark"]["type"] for layer in layers_]
    assert kinds.index("point") < kinds.index("line") and not layers_[kinds.index("line")]["mark"].get("point")
    assert layers_[kinds.index("point")]["transform"] == [{"filter": "!datum._over"}]
    assert layers_[kinds.index("line")]["encoding"]["strokeDash"]["field"] == "_over"


def test_lines_melt_several_columns_into_series():
    table = pd.DataFrame(experiments.scaling(d_ks=(1, 4), samples=20))
    spec, marks = layers(charts.lines(table, x="d_k", y=["std of q·k", "√d_k"], log_x=True, title="t"))
    assert marks["line"]["encoding"]["x"]["scale"]["type"] == "log"
    assert set(data_of(spec).series) == {"std of q·k", "√d_k"}


def test_describe_gives_a_text_alternative_that_names_the_matrix_and_stays_when_its_values_move(trace):
    text = charts.describe(trace.matrix("attention"), probability=True)
    assert "A  (3 × 3)" in text and "probabilities" in text and "Rows: jane, visits, africa" in text
    hotter = run_attention(DEFAULT_SENTENCE, Settings(temperature=3.0))
    assert not np.allclose(hotter.attention, trace.attention)
    assert charts.describe(hotter.matrix("attention"), probability=True) == text


@pytest.mark.parametrize("largest, reach", [(3.65, 4), (0.84, 0.9), (13.51, 20), (4.0, 4), (0.0, 1), (0.05, 0.05)])
def test_signed_reach_rounds_up_to_one_significant_digit(largest, reach):
    assert charts.signed_reach(np.array([[largest, -largest / 2]])) == pytest.approx(reach)


def page_figures(**settings) -> list[figures.Figure]:
    """The figures the pages draw, for one lesson state."""
    trace = run_attention("the cat sat on the mat", Settings(**settings))
    steps = views.softmax_steps(trace, 1)
    drawn = [charts.heatmap(trace.matrix(name), probability=name == "attention", focus_row=1)
               for name in ("X", "Q", "K", "V", "scores", "attention", "output")]
    drawn += [charts.bars(rows, x="value", y="key", title=step, probability=step.startswith("4"),
                            rule_at=0 if not step.startswith(("3", "4")) else None)
                for step, rows in steps.items()]
    drawn += [charts.sentence_strip(views.attention_row(trace, 1), select="word"),
                charts.bars(views.lookup_results(trace, 1), x="value", y="dim", color="result", title="t"),
                charts.stacked_contributions(views.contributions(trace, 1), title="o"),
                charts.bag_of_words(cells(trace.matrix("attention")), title="b"),
                charts.lines(views.temperature_sweep(trace, 1), x="temperature", y="weight", color="key",
                             log_x=True, mark_x=trace.settings.temperature, title="s"),
                charts.vectors(views.fan(trace, 1), title="v")]
    return drawn


@pytest.mark.parametrize("changed", [dict(temperature=0.93), dict(temperature=0.5, causal=True), dict(scaled=False),
                                     dict(positional=False)])
def test_figures_with_the_same_look_differ_only_in_their_data(changed):
    """What lets the app reuse one drawing for new data: a drawing made for one figure, given the data of
    another with the same look, is that other figure's chart exactly."""
    same_look = 0
    for before, after in zip(page_figures(), page_figures(**changed), strict=True):
        if before.look == after.look:
            same_look += 1
            assert before.draw(after.data).to_dict() == after.chart().to_dict()
    assert same_look >= 5  # a new temperature redraws most charts without a new drawing


def test_a_figures_spec_is_its_chart_without_the_data_made_once_per_look():
    """What the browser gets: the drawing as a spec, asked of Altair once for figures of one look (the data goes
    beside it), and the data as a table of the figure's own columns."""
    for before, after in zip(page_figures(), page_figures(temperature=0.93), strict=True):
        chart = after.chart().to_dict()
        del chart["data"], chart["datasets"]
        assert after.spec() == chart
        assert (after.spec() is before.spec()) == (after.look == before.look)
        assert after.arrow().to_pandas().equals(after.data)


LONG = "the quick brown fox jumps over the lazy dog near the river"  # 12 words


def layer_list(figure):
    """The spec's layers as a list (two layers may share a mark), and the spec (validated against the schema)."""
    spec = figure.chart().to_dict()
    return spec, spec.get("layer", [spec])


def test_negative_numbers_are_written_beside_the_zero_line_with_no_range_that_could_flip():
    """A bar going left has its number right of 0 where there is room; the axis keeps Vega's own range (one written
    with the "width" signal ran backwards inside a grid of panels, where "width" is not the panel's)."""
    trace = run_attention(LONG, Settings(weight_set="random"))
    terms = views.dot_product_terms(trace, 0, 1)
    assert (terms["product"] < 0).any() and (terms["product"] > 0).any()
    figure = charts.bars(terms, x="product", y="dim", rule_at=0, title="q·k")
    spec, layers_ = layer_list(figure)
    texts = {layer["mark"]["align"]: layer for layer in layers_ if layer["mark"]["type"] == "text"}
    assert texts["left"]["mark"]["dx"] == 4 and texts["right"]["mark"]["dx"] == -4
    assert all(text["encoding"]["x"]["field"] == "_at" for text in texts.values())
    data = data_of(spec)
    negative = terms["product"] < 0
    assert list(data._negative) == list(negative)
    right_of_zero = negative & (terms["product"].max() >= 0.5 * np.ptp(terms["product"]))  # half the plot is room
    assert (data._at[right_of_zero] == 0).all() and not data._before[right_of_zero].any()
    bar = next(layer for layer in layers_ if layer["mark"]["type"] == "bar")
    assert "range" not in bar["encoding"]["x"].get("scale", {})
    in_grid = figures.grid([figure, figure], columns=2, width=92).chart().to_dict()
    assert "width" not in str([panel.get("encoding", {}) for panel in in_grid["concat"]])


DIGIT = 6  # px: a digit, a point or a minus sign of 12 px type is at most this wide in Chromium (measured: ~5.6)


@pytest.mark.parametrize("values, kind", [
    ([-2.0, 0.0, -3.5, -5.0, 0.0], "signed"),  # all ≤ 0: the zero line is the plot's right end
    ([-5.0, 0.05, -0.3, 0.0], "signed"),  # a tiny positive: no room beyond it
    ([-0.6, -0.3, 0.4], "signed"), ([3.1, 15.73, 6.2], "signed"), ([-0.08, 0.32, -np.inf], "signed"),
    ([0.97, 0.02, 0.01], "probability"), ([0.4, 0.6, 0.0], "probability"), ([1.0, 0.24, 0.03], "unit"),
])
def test_every_bars_number_is_written_inside_a_narrow_plot_readably(values, kind):
    """In a plot of BAR_PLOT px (a grid's panel on a phone) every number lies inside the plot, whatever the signs:
    beside its bar in black, or over it in white (a dark bar's)."""
    rows = {"key": [f"k{i}" for i in range(len(values))], "value": np.asarray(values)}
    figure = charts.bars(rows, x="value", y="key", title="t", probability=kind == "probability", unit=kind == "unit",
                         rule_at=0)
    spec, layers_ = layer_list(figure)
    dx = {layer["mark"]["align"]: layer["mark"]["dx"] for layer in layers_ if layer["mark"]["type"] == "text"}
    data = data_of(spec)
    finite = np.isfinite(values)
    low, high = (0, 1) if kind != "signed" else (min(0, min(np.asarray(values)[finite])), max(0, max(values)))
    px = lambda value: (value - low) / (high - low) * charts.BAR_PLOT  # noqa: E731
    for value, row in zip(values, data.to_dict("records"), strict=True):
        width = DIGIT * len(row["_label"]) if np.isfinite(value) else 66  # "masked (−∞)": 63 px measured
        start = px(row["_at"]) + dx["right"] - width if row["_before"] else px(row["_at"]) + dx["left"]
        assert start >= 0 and start + width <= charts.BAR_PLOT, (value, row)
        bar = sorted((px(0), px(value))) if np.isfinite(value) else (0, 0)
        over_bar = min(start + width, bar[1]) - max(start, bar[0]) > 0
        ink = "white" if over_bar else charts.MASKED_COLOUR if not np.isfinite(value) else "black"
        assert row["_ink"] == ink, (value, row)
        assert not over_bar or (start >= bar[0] - 0.5 and start + width <= bar[1] + 0.5)  # wholly inside
        if over_bar and kind == "probability":
            assert charts.strong(np.array([value]), probability=True)[0], value  # white on a dark purple only


def test_bars_beside_a_panel_naming_the_same_rows_may_leave_them_unnamed(trace):
    raw = views.softmax_steps(trace, 0)["1 raw score"]
    named, unnamed = (layers(charts.bars(raw, x="value", y="key", title="1", row_names=names))[1]["bar"]
                      for names in (True, False))
    assert named["encoding"]["y"]["axis"] == {"labelLimit": 100}
    assert unnamed["encoding"]["y"]["axis"] == {"labels": False, "ticks": False}
    assert unnamed["encoding"]["y"]["sort"] == named["encoding"]["y"]["sort"] == list(trace.labels)


def test_bars_of_positive_values_keep_their_axis_from_the_left_edge(trace):
    raw = views.softmax_steps(trace, 0)["1 raw score"]
    _, marks = layers(charts.bars(raw, x="value", y="key", rule_at=0, title="1"))
    assert "range" not in marks["bar"]["encoding"]["x"].get("scale", {})


def test_masked_keys_keep_a_visible_row_with_a_grey_label_at_zero():
    causal = run_attention(LONG, Settings(causal=True))
    scaled = views.softmax_steps(causal, 2)["2 scaled"]
    assert np.isnan(scaled["value"]).sum() == 9
    spec, layers_ = layer_list(charts.bars(scaled, x="value", y="key", rule_at=0, title="2 scaled"))
    data = data_of(spec)  # as the chart gets it: NaN is null there, which the text must not depend on
    masked = data[data._label == "masked (−∞)"]
    assert len(masked) == 9 and masked.value.isna().all()  # no bar
    assert (masked._at == 0).all() and (masked._ink == charts.MASKED_COLOUR).all()  # but a grey label, at 0
    assert (data._ink[data.value.notna()] != charts.MASKED_COLOUR).all()
    for text in [layer for layer in layers_ if layer["mark"]["type"] == "text"]:
        assert text["encoding"]["x"]["field"] == "_at" and text["encoding"]["text"]["field"] == "_label"
        assert text["encoding"]["fill"] == {"field": "_ink", "type": "nominal", "scale": None}


@pytest.mark.parametrize("columns, size", [(3, 12), (6, 12), (8, 10), (9, 10), (12, 9)])
def test_crowded_heatmaps_write_their_numbers_smaller(columns, size):
    matrix = Matrix("S", "scores", np.linspace(-1, 1, 2 * columns).reshape(2, columns), ("a", "b"),
                    tuple(f"c{i}" for i in range(columns)))
    figure = charts.heatmap(matrix)
    _, marks = layers(figure)
    assert marks["text"]["mark"]["fontSize"] == size
    assert ("font_size", size) in figure.look


def test_crowded_heatmaps_write_shorter_numbers():
    trace = run_attention(LONG)
    weights = charts.heatmap(trace.matrix("attention"), probability=True).data
    small = weights[(weights.value > 0) & (weights.value < 0.1)]
    assert len(small) and all(re.fullmatch(r"\.0\d", label) for label in small.label)  # .05, never 0.1
    scores = charts.heatmap(trace.matrix("scores")).data
    assert all(re.fullmatch(r"0|−?\d+\.\d", label) for label in scores.label)  # one decimal
    few = charts.heatmap(run_attention(DEFAULT_SENTENCE).matrix("scores")).data
    assert all(re.fullmatch(r"0|−?\d+\.\d\d", label) for label in few.label)  # two decimals


@pytest.mark.parametrize("value, probability, crowded, label", [
    (0.05, True, True, ".05"), (0.31, True, True, ".31"), (1.0, True, True, "1.00"), (0.0, True, True, "0"),
    (0.05, True, False, "0.05"), (-0.04, False, True, "0.0"), (-1.26, False, True, "−1.3"),
    (12.34, False, True, "12.3"), (-np.inf, False, True, "−∞"), (-1.256, False, False, "−1.26")])
def test_cell_labels(value, probability, crowded, label):
    assert charts.cell_label(value, probability=probability, crowded=crowded) == label


def test_many_lines_list_their_legend_on_the_right_and_keep_their_plot_tall():
    trace = run_attention(LONG)
    sweep = charts.lines(views.temperature_sweep(trace, 0), x="temperature", y="weight", color="key", log_x=True,
                         mark_x=1.0, title="s")
    spec, marks = layers(sweep)
    assert marks["line"]["encoding"]["color"]["legend"]["orient"] == "right"
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}  # the height is the plot's own
    assert spec["height"] >= max(charts.PLOT_HEIGHT, 12 * charts.LEGEND_ROW) >= 220
    few = charts.lines(views.temperature_sweep(run_attention(DEFAULT_SENTENCE), 0), x="temperature", y="weight",
                       color="key", title="s")
    spec, marks = layers(few)
    assert marks["line"]["encoding"]["color"]["legend"]["orient"] == "bottom" and spec["height"] == charts.PLOT_HEIGHT


@pytest.mark.parametrize("build", [
    lambda trace: charts.stacked_contributions(views.contributions(trace, 0), title="o"),
    lambda trace: charts.bag_of_words(cells(trace.matrix("attention")), title="b")])
def test_word_legends_fit_twelve_words_under_the_plot_without_shrinking_it(build):
    spec = build(run_attention(LONG)).chart().to_dict()
    (color,) = [layer["encoding"]["color"] for layer in spec.get("layer", [spec]) if "color" in layer["encoding"]]
    legend = color["legend"]
    assert legend["orient"] == "bottom" and legend["columns"] == 3 and legend["labelLimit"] <= 80  # 4 rows of 3
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}


def test_the_sentence_strip_turns_words_upright_when_there_are_many():
    def word_mark(sentence):
        trace = run_attention(sentence)
        spec, _ = layers(charts.sentence_strip(views.attention_row(trace, 0)))
        return [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    few = run_attention("jane visits africa")
    assert all("angle" not in mark["mark"] for mark in word_mark(few.sentence))
    many = "the animal didn't cross the street because it was too tired today"
    assert any(mark["mark"].get("angle") == 270 for mark in word_mark(many))


def test_value_axes_drop_trailing_zeros_and_never_write_exponents():
    """"~": an all-zero chart reads 0; "f": Vega rounds a "g" format to the ticks' step, and 30 read "3e+1" (the
    browser test reads the ticks themselves)."""
    zeros = pd.DataFrame({"dim": ["a", "b"], "product": [0.0, 0.0]})
    _, marks = layers(charts.bars(zeros, x="product", y="dim", title="t"))
    assert marks["bar"]["encoding"]["x"]["axis"]["format"] == "~f"


def test_a_grid_is_one_chart_whose_panels_each_draw_their_own_figure(trace):
    q, k = charts.heatmap(trace.matrix("Q"), focus_row=0), charts.heatmap(trace.matrix("K"), focus_row=1)
    grid = figures.grid([q, k], columns=2, width=100)
    spec = grid.chart().to_dict()  # validated against the Vega-Lite schema
    assert spec["columns"] == 2 and len(spec["concat"]) == 2
    data = data_of(spec)
    for index, (panel, figure) in enumerate(zip(spec["concat"], (q, k), strict=True)):
        alone = figure.chart().to_dict()
        assert panel["title"] == alone["title"] and panel["width"] == 100
        assert panel["transform"][0] == {"filter": f"(datum['{figures.PANEL}'] === {index})"}  # its own rows only
        rows = data[data[figures.PANEL] == index].drop(columns=figures.PANEL).reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, data_of(alone), check_dtype=False)


def test_a_grid_refuses_figures_of_different_columns(trace):
    with pytest.raises(ValueError, match="same columns"):
        figures.grid([charts.heatmap(trace.matrix("Q")), charts.bars(views.similarities(trace, 0), x="dot", y="key",
                                                                    title="dot")], columns=2, width=100)


@pytest.mark.parametrize("sentence, focus", [("the boy kicked the ball over the fence", 4),
                                             ("my mum cooks rice for us because she loves her big family", 7),
                                             (DEFAULT_SENTENCE, 0)])
def test_the_arrows_name_every_arrow_once_and_the_top_key_alone(sentence, focus):
    """A crowd of arrows shares one name ("cooks, mum and 7 more"), but the key the query attends to most keeps its
    own (the browser test checks that no two are written over each other)."""
    trace = run_attention(sentence)
    figure = charts.vectors(views.fan(trace, focus), bounds=views.fan_bounds(trace), title="t")
    keys = figure.data[figure.data.kind == "key"]
    assert trace.labels[int(trace.attention[focus].argmax())] in set(keys.label)
    named = 0
    for label in filter(None, keys.label):
        listed, more = re.fullmatch(r"(.+?)(?: and (\d+) more)?", label).groups()
        named += len(listed.split(", ")) + int(more or 0)
    assert named == len(trace.labels)
    crowd = charts.vectors({"word": list("abcd"), "kind": ["key"] * 4, "x": [1.0, 1.01, 1.02, 1.03],
                            "y": [1.0] * 4, "focus": [False] * 4}, title="t")
    assert sorted(crowd.data.label) == ["", "", "", "a, b and 2 more"]  # not a list running off the plane
    far = charts.vectors({"word": ["a", "b"], "kind": ["key", "key"], "x": [1.0, -1.0], "y": [1.0, -1.0],
                          "focus": [False, False]}, title="t")
    assert list(far.data.label) == ["a", "b"]


def test_the_arrows_plane_is_as_long_across_as_up_so_that_angles_are_true(trace):
    spec, marks = layers(charts.vectors(views.fan(trace, 0), title="t"))
    assert spec["width"] == spec["height"] and spec["autosize"] == {"type": "pad"}  # the plot's own size
    assert marks["rule"]["encoding"]["x"]["scale"] == marks["rule"]["encoding"]["y"]["scale"]
    names = marks["text"]["encoding"]
    assert names["x"]["field"] == "label_x" and names["text"]["field"] == "label"


def test_a_loss_curve_ticks_whole_steps_and_keeps_a_mark_at_step_0_off_the_axis():
    """Ten steps of training: no tick at step 0.5, and the snapshot line at step 0 is not drawn on the axis line."""
    curve = {"step": np.arange(11), "loss": np.linspace(0.2, 0.1, 11)}
    (x,) = [layer["encoding"]["x"] for layer in charts.lines(curve, x="step", y="loss", title="l", mark_x=0)
            .chart().to_dict()["layer"][:1]]
    assert x["axis"]["tickMinStep"] == 1 and x["scale"]["padding"] > 0
    sweep = {"temperature": np.geomspace(0.1, 5, 4), "weight": np.full(4, 0.5)}  # a log axis, not steps
    (x,) = [layer["encoding"]["x"] for layer in charts.lines(sweep, x="temperature", y="weight", title="t",
                                                             log_x=True).chart().to_dict()["layer"][:1]]
    assert "axis" not in x and "padding" not in x["scale"]


def test_bars_placed_for_their_own_panels_width_write_positive_numbers_beside_their_bars():
    """Page 3's panels are wider than the narrowest (BAR_PLOT): placed for their width, the numbers of long positive
    bars go beside or inside them, not across the zero line, where they read as a negative bar's (raw scores of
    'my mum made soup for us because she loves it' at T = 0.1)."""
    values = np.array([2.17, 16.22, 5.78, 10.33, -13.75, 1.41, -15.24, -6.29, -2.66, -7.47])
    rows = {"key": [f"k{i}" for i in range(len(values))], "value": values}
    across = {plot: [v for v, at in zip(values, data_of(layer_list(charts.bars(rows, x="value", y="key", title="t",
                                                                               rule_at=0, plot=plot))[0])["_at"],
                                        strict=True) if v > 0 and at != v] for plot in (charts.BAR_PLOT, 126)}
    assert across[charts.BAR_PLOT]  # in the narrowest plot some have no other room
    assert not across[126]
