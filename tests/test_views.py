"""The lesson's derived tables: each checked against the trace it comes from, by an independent route."""
import math

import numpy as np
import pandas as pd
import pytest

import explainer
from explainer import DEFAULT_SENTENCE, Settings, run_attention
from lesson import views


@pytest.fixture(scope="module")
def trace():
    return run_attention(DEFAULT_SENTENCE)


def test_top_keys_is_the_lessons_table(trace):
    table = pd.DataFrame(views.top_keys(trace))
    assert list(zip(table.q, table.k, strict=True)) == [("jane", "visits"), ("visits", "africa"), ("africa", "visits")]
    np.testing.assert_allclose(table.probability, trace.attention.max(axis=1))


def test_the_lookup_returns_every_row_weighted_and_an_exact_select_the_best_one(trace):
    table = pd.DataFrame(views.lookup(trace, 0))
    assert list(table.columns) == ["weight", "key", *trace.v_dims]  # one column per value dimension
    np.testing.assert_allclose(table.weight, trace.attention[0])
    np.testing.assert_allclose(table[list(trace.v_dims)].to_numpy(), trace.V)
    found = pd.DataFrame(views.exact_match(trace, 0))
    assert list(found.key) == ["visits"]  # jane's best key
    np.testing.assert_allclose(found[list(trace.v_dims)].to_numpy(), trace.V[[1]])


def test_lookup_results_put_the_blend_beside_the_best_row(trace):
    results = pd.DataFrame(views.lookup_results(trace, 1))
    soft = results[results.result.str.startswith("soft")].value.to_numpy()
    hard = results[results.result.str.startswith("hard")].value.to_numpy()
    np.testing.assert_allclose(soft, sum(trace.attention[1, j] * trace.V[j] for j in range(3)))
    np.testing.assert_allclose(hard, trace.V[2])  # visits' best key is africa


def test_at_low_temperature_the_soft_lookup_returns_the_hard_row():
    cold = run_attention(DEFAULT_SENTENCE, Settings(temperature=0.01))
    results = pd.DataFrame(views.lookup_results(cold, 0))
    soft, hard = np.split(results.value.to_numpy(), 2)
    np.testing.assert_allclose(soft, hard, atol=1e-6)


@pytest.mark.parametrize("similarity", ["dot", "cosine"])
@pytest.mark.parametrize("sentence", [DEFAULT_SENTENCE, "the animal didn't cross the street because it was too tired"])
def test_the_worked_score_adds_up_to_the_cell_it_explains(similarity, sentence):
    trace = run_attention(sentence, Settings(similarity=similarity))
    for query, key in [(0, 1), (len(trace.tokens) - 1, 0)]:
        terms = views.dot_product_terms(trace, query, key)
        assert len(terms["dim"]) == trace.Q.shape[1]
        assert terms["product"].sum() == pytest.approx(trace.scores[query, key])
        formula = views.dot_product_formula(terms, cosine=similarity == "cosine")
        assert formula.replace(r" \end{aligned}", "").endswith(f"= {trace.scores[query, key]:.2f}")
        assert formula.count(")(") == trace.Q.shape[1]
        assert ("cos" in formula) == (similarity == "cosine")


def test_similarities_put_dot_beside_cosine(trace):
    table = pd.DataFrame(views.similarities(trace, 2))
    for j in range(3):
        q, k = trace.Q[2], trace.K[j]
        assert table["dot"][j] == pytest.approx(float(q @ k))
        assert table.cosine[j] == pytest.approx(float(q @ k) / math.hypot(*q) / math.hypot(*k))
    assert table["|q|"].nunique() == 1


@pytest.mark.parametrize("heads, head", [(1, 0), (2, 1), (4, 3)])
def test_the_fan_draws_every_query_key_dot_product_truly(heads, head):
    view = run_attention("the cat sat on the mat", Settings(heads=heads, weight_set="random")).head(head)
    points = pd.DataFrame(views.fan(view, 2))
    q = points[points.kind == "query"][["x", "y"]].to_numpy()
    k = points[points.kind == "key"][["x", "y"]].to_numpy()
    np.testing.assert_allclose((k @ q.T)[:, 0], view.scores[2], atol=1e-9)
    assert list(points.word[points.kind == "key"]) == list(view.labels)


def test_x_times_x_transposed_is_symmetric_and_each_word_matches_itself_best(trace):
    plain = views.self_similarity(trace)
    np.testing.assert_allclose(plain.values, plain.values.T)
    assert list(plain.values.argmax(axis=1)) == [0, 1, 2]
    assert list(trace.attention.argmax(axis=1)) != [0, 1, 2]  # W_Q and W_K make jane look elsewhere


def test_softmax_steps_end_in_the_attention_row(trace):
    steps = views.softmax_steps(trace, 0)
    assert [step[0] for step in steps] == ["1", "2", "3", "4"]
    raw, scaled, shifted, probability = (rows["value"] for rows in steps.values())
    np.testing.assert_allclose(raw, trace.scores[0])
    np.testing.assert_allclose(scaled, trace.scores[0] / math.sqrt(explainer.D_K))  # T = 1
    assert shifted.max() == 1.0
    np.testing.assert_allclose(probability, trace.attention[0])


def test_softmax_steps_show_masked_keys_as_masked():
    causal = run_attention(DEFAULT_SENTENCE, Settings(causal=True))
    _raw, scaled, _shifted, probability = (pd.DataFrame(rows) for rows in views.softmax_steps(causal, 0).values())
    assert list(scaled.key[scaled.masked]) == ["visits", "africa"]
    assert scaled.value[scaled.masked].isna().all() and (probability.value[probability.masked] == 0).all()
    assert not scaled.value[~scaled.masked].isna().any()


def test_the_softmax_table_has_a_row_per_key_and_a_column_per_step(trace):
    table = views.softmax_table(views.softmax_steps(trace, 1))
    assert list(table.index) == list(trace.labels) and len(table.columns) == 4
    np.testing.assert_allclose(table.iloc[:, 3], trace.attention[1])


def test_temperature_sweep_keeps_the_order_and_sharpens(trace):
    sweep = pd.DataFrame(views.temperature_sweep(trace, 0, np.array([0.1, 1.0, 5.0])))
    rows = {t: g.set_index("key").weight for t, g in sweep.groupby("temperature")}
    np.testing.assert_allclose(rows[1.0].to_numpy(), trace.attention[0])
    for weights in rows.values():
        assert weights.idxmax() == "visits"
        assert weights.sum() == pytest.approx(1.0)
    assert rows[0.1]["visits"] > rows[1.0]["visits"] > rows[5.0]["visits"]


def test_contributions_add_up_to_the_output(trace):
    parts = pd.DataFrame(views.contributions(trace, 0))
    totals = parts.groupby("dim", sort=False).contribution.sum().to_numpy()
    np.testing.assert_allclose(totals, trace.output[0])


def test_weighted_sum_formula_names_the_largest_terms(trace):
    formula = views.weighted_sum_formula(trace, 0)
    assert formula.startswith(r"\begin{aligned} o_{\text{jane}}")
    assert rf"{trace.attention[0, 1]:.2f}\,v_{{\text{{visits}}}}" in formula


def test_chain_lists_every_step_with_its_shape(trace):
    chain = views.chain(trace)
    assert list(chain.step) == ["X", "Q", "K", "V", "S = Q·Kᵀ", "A", "O = A·V"]
    assert dict(zip(chain.step, chain["shape"], strict=True))["S = Q·Kᵀ"] == "3 × 3"
    assert rf"\underset{{3\times{explainer.D_MODEL}}}{{X}}" in views.chain_formula(trace)


def test_chain_says_how_several_heads_share_each_matrix():
    shapes = dict(views.chain(run_attention("the cat sat", Settings(heads=2, similarity="cosine"))).values[:, [0, 2]])
    assert shapes["Q"] == f"3 × {explainer.D_K} (2 heads × {explainer.D_K // 2} columns each)"
    assert shapes["V"] == f"3 × {len(explainer.CONTENTS)} (2 heads × {len(explainer.CONTENTS) // 2} columns each)"
    assert shapes["S = cos(Q, K)"] == "2 × 3 × 3 (one 3 × 3 per head)"


def test_views_refuse_a_bad_word_position_and_several_heads_at_once(trace):
    with pytest.raises(ValueError, match="between 0 and 2, got 3"):
        views.softmax_steps(trace, 3)
    with pytest.raises(ValueError, match=r"pass trace\.head"):
        views.top_keys(run_attention(DEFAULT_SENTENCE, Settings(heads=2)))

