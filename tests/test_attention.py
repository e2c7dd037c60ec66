"""The attention primitives against properties and against a naive loop implementation written here."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from explainer import (
    apply_mask,
    attention_backward,
    causal_mask,
    cosine_scores,
    merge_heads,
    scaled_dot_product_attention,
    softmax,
    split_heads,
)

finite = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False)
moderate = st.floats(min_value=-30, max_value=30, allow_nan=False, allow_infinity=False)
shapes = st.tuples(st.integers(1, 6), st.integers(1, 6))


def naive_attention(Q, K, V, mask=None, scale=None):
    """Scaled dot-product attention with plain Python loops, written independently of the engine."""
    n_q, d_k = len(Q), len(Q[0])
    n_k = len(K)
    scale = 1 / math.sqrt(d_k) if scale is None else scale
    out, weights = [], []
    for i in range(n_q):
        allowed = [j for j in range(n_k) if mask is None or mask[i][j]]
        logits = {j: scale * sum(Q[i][t] * K[j][t] for t in range(d_k)) for j in allowed}
        top = max(logits.values())
        exps = {j: math.exp(v - top) for j, v in logits.items()}
        total = sum(exps.values())
        row = [exps.get(j, 0.0) / total for j in range(n_k)]
        weights.append(row)
        out.append([sum(row[j] * V[j][c] for j in range(n_k)) for c in range(len(V[0]))])
    return np.array(out), np.array(weights)


@given(arrays(np.float64, shapes, elements=finite))
def test_softmax_rows_sum_to_one_and_stay_finite_for_any_finite_input(x):
    p = softmax(x)
    assert np.all(np.isfinite(p))
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)


@given(arrays(np.float64, shapes, elements=moderate), st.floats(-1e3, 1e3))
def test_softmax_is_unchanged_by_adding_a_constant_to_a_row(x, shift):
    np.testing.assert_allclose(softmax(x + shift), softmax(x), atol=1e-9)


def test_softmax_of_huge_values_picks_the_largest_without_overflow():
    p = softmax(np.array([[1e300, -1e300, 0.0], [1.7e308, -1.7e308, 1.6e308]]))
    np.testing.assert_array_equal(p, [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])


def test_softmax_gives_all_weight_to_the_only_unmasked_entry():
    x = np.array([[-np.inf, 3.0, -np.inf], [-np.inf, -np.inf, -1e300]])
    np.testing.assert_array_equal(softmax(x), [[0, 1, 0], [0, 0, 1]])


def test_softmax_known_values():
    p = softmax(np.array([0.0, np.log(3.0)]))
    np.testing.assert_allclose(p, [0.25, 0.75])


def test_softmax_works_along_any_axis():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(softmax(x, axis=0).sum(axis=0), [1, 1, 1])
    np.testing.assert_allclose(softmax(x, axis=0), softmax(x.T, axis=-1).T)


@pytest.mark.parametrize("bad, message", [
    (np.array([[-np.inf, -np.inf]]), "every entry masked"),
    (np.array([1.0, np.nan]), "NaN"),
    (np.array([1.0, np.inf]), r"\+inf"),
    (np.array([]), "non-empty"),
])
def test_softmax_refuses_what_has_no_probabilities(bad, message):
    with pytest.raises(ValueError, match=message):
        softmax(bad)


def test_softmax_names_a_bad_axis():
    with pytest.raises(ValueError, match=r"axis 2 .* shape \(2, 2\)"):
        softmax(np.zeros((2, 2)), axis=2)


qkv_sizes = st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4), st.integers(1, 4))


@st.composite
def attention_inputs(draw, batch=()):
    n_q, n_k, d_k, d_v = draw(qkv_sizes)
    Q = draw(arrays(np.float64, (*batch, n_q, d_k), elements=st.floats(-5, 5)))
    K = draw(arrays(np.float64, (*batch, n_k, d_k), elements=st.floats(-5, 5)))
    V = draw(arrays(np.float64, (*batch, n_k, d_v), elements=st.floats(-5, 5)))
    return Q, K, V


@given(attention_inputs(), st.data())
def test_attention_agrees_with_a_naive_loop(qkv, data):
    Q, K, V = qkv
    n_q, n_k = len(Q), len(K)
    mask = data.draw(arrays(bool, (n_q, n_k)))
    mask[np.arange(n_q), data.draw(st.integers(0, n_k - 1))] = True  # every query may see at least one key
    scaled, temperature = data.draw(st.booleans()), data.draw(st.floats(0.3, 10))
    result = scaled_dot_product_attention(Q, K, V, mask=mask, scaled=scaled, temperature=temperature)
    scale = (1 / math.sqrt(Q.shape[-1]) if scaled else 1) / temperature
    expected_out, expected_weights = naive_attention(Q.tolist(), K.tolist(), V.tolist(), mask.tolist(), scale)
    np.testing.assert_allclose(result.attention, expected_weights, atol=1e-9)
    np.testing.assert_allclose(result.output, expected_out, atol=1e-9)
    assert result.scale == pytest.approx(scale)


@given(attention_inputs(batch=(2, 3)))
def test_attention_on_a_stack_equals_attention_on_each_matrix(qkv):
    Q, K, V = qkv
    result = scaled_dot_product_attention(Q, K, V)
    out, weights = result.output, result.attention
    assert out.shape == (2, 3, Q.shape[-2], V.shape[-1])
    for b in range(2):
        for h in range(3):
            expected_out, expected_weights = naive_attention(Q[b, h].tolist(), K[b, h].tolist(), V[b, h].tolist())
            np.testing.assert_allclose(weights[b, h], expected_weights, atol=1e-9)
            np.testing.assert_allclose(out[b, h], expected_out, atol=1e-9)


@given(attention_inputs())
def test_each_output_row_is_a_convex_combination_of_the_value_rows(qkv):
    Q, K, V = qkv
    result = scaled_dot_product_attention(Q, K, V)
    out, weights = result.output, result.attention
    assert np.all(weights >= 0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0)
    # a convex combination stays inside the box spanned by the value rows, dimension by dimension
    assert np.all(out >= V.min(axis=0) - 1e-9)
    assert np.all(out <= V.max(axis=0) + 1e-9)


def test_identical_values_pass_through_unchanged():
    rng = np.random.default_rng(1)
    Q, K = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    V = np.tile([1.5, -2.0], (5, 1))
    out = scaled_dot_product_attention(Q, K, V).output
    np.testing.assert_allclose(out, np.tile([1.5, -2.0], (4, 1)))


@given(attention_inputs())
def test_the_causal_mask_zeroes_every_weight_above_the_diagonal(qkv):
    Q, K, V = qkv
    n = min(len(Q), len(K))
    Q, K, V = Q[:n], K[:n], V[:n]
    weights = scaled_dot_product_attention(Q, K, V, mask=causal_mask(n)).attention
    assert np.all(np.triu(weights, k=1) == 0)
    assert weights[0, 0] == 1.0  # the first word can only look at itself
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0)


def test_causal_mask_shape_and_pattern():
    np.testing.assert_array_equal(causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])


def test_default_scale_is_one_over_root_d_k():
    Q = np.array([[1.0, 1.0, 1.0, 1.0]])
    K = np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    V = np.eye(2)
    weights = scaled_dot_product_attention(Q, K, V).attention
    # scores 4 and 0, divided by sqrt(4) = 2: softmax([2, 0])
    np.testing.assert_allclose(weights, [[np.e**2 / (np.e**2 + 1), 1 / (np.e**2 + 1)]])


def test_a_fully_masked_row_raises_instead_of_giving_nan():
    Q = K = V = np.ones((2, 2))
    mask = np.array([[True, False], [False, False]])
    with pytest.raises(ValueError, match=r"row\(s\) \[1\]"):
        scaled_dot_product_attention(Q, K, V, mask=mask)


@pytest.mark.parametrize("kwargs, message", [
    (dict(Q=np.ones((2, 3)), K=np.ones((2, 4)), V=np.ones((2, 1))), r"Q \(2, 3\) and K \(2, 4\)"),
    (dict(Q=np.ones((2, 3)), K=np.ones((2, 3)), V=np.ones((3, 1))), r"K \(2, 3\) and V \(3, 1\)"),
    (dict(Q=np.ones(3), K=np.ones((2, 3)), V=np.ones((2, 1))), r"shape \(3,\)"),
    (dict(Q=np.full((1, 1), np.nan), K=np.ones((1, 1)), V=np.ones((1, 1))), "finite"),
])
def test_attention_names_the_shapes_it_cannot_use(kwargs, message):
    with pytest.raises(ValueError, match=message):
        scaled_dot_product_attention(**kwargs)


@pytest.mark.parametrize("mask, message", [
    (np.ones((2, 2)), "boolean"),
    (np.ones((3, 3), dtype=bool), r"\(3, 3\) does not fit scores of shape \(2, 2\)"),
])
def test_attention_refuses_a_mask_it_cannot_read(mask, message):
    with pytest.raises(ValueError, match=message):
        apply_mask(np.zeros((2, 2)), mask)


@pytest.mark.parametrize("temperature", [0, -1, np.inf, np.nan, True])
def test_attention_refuses_a_temperature_that_is_not_positive(temperature):
    with pytest.raises(ValueError, match="temperature"):
        scaled_dot_product_attention(np.ones((1, 2)), np.ones((1, 2)), np.ones((1, 2)), temperature=temperature)


def test_the_backward_pass_refuses_what_it_is_not_written_for():
    Q = np.eye(2)
    with pytest.raises(ValueError, match="dot-product"):
        attention_backward(scaled_dot_product_attention(Q, Q, Q, cosine=True), np.ones((2, 2)))
    with pytest.raises(ValueError, match="output's shape"):
        attention_backward(scaled_dot_product_attention(Q, Q, Q), np.ones((1, 2)))


@given(arrays(np.float64, (3, 4), elements=st.floats(-5, 5)), arrays(np.float64, (3, 4), elements=st.floats(-5, 5)),
       st.floats(0.1, 10))
def test_cosine_similarity_ignores_length_and_stays_in_range(Q, K, stretch):
    s = cosine_scores(Q, K)
    assert np.all(np.abs(s) <= 1 + 1e-12)
    np.testing.assert_allclose(cosine_scores(Q * stretch, K), s, atol=1e-9)


def test_cosine_similarity_known_values():
    Q = np.array([[1.0, 0.0]])
    K = np.array([[3.0, 0.0], [0.0, 2.0], [-1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(cosine_scores(Q, K), [[1, 0, -1, 1 / np.sqrt(2), 0]])


def test_heads_split_and_merge_back():
    M = np.arange(12.0).reshape(2, 6)
    stack = split_heads(M, 3)
    assert stack.shape == (3, 2, 2)
    np.testing.assert_array_equal(stack[1], [[2, 3], [8, 9]])
    np.testing.assert_array_equal(merge_heads(stack), M)
    with pytest.raises(ValueError, match=r"4 heads, got \(2, 6\)"):
        split_heads(M, 4)
