"""The learning engine: hand-written gradients against finite differences, the softmax step against its Jacobian,
the task's definition, and a training run that must succeed, the same way every time."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import explainer
from explainer import (
    D_K,
    WEIGHT_SETS,
    Settings,
    attention_backward,
    causal_mask,
    designed_weights,
    learning,
    random_weights,
    run_attention,
    scaled_dot_product_attention,
    softmax,
    softmax_backward,
)
from explainer.learning import (
    ACTIONS,
    accuracy,
    as_task,
    attention_on,
    backward,
    forward,
    intended_words,
    make_task,
    mse,
    train,
    trained_weights,
)


def numeric_gradient(loss_of, W, h=1e-6):
    """∂loss/∂W by central differences, one entry at a time."""
    grad = np.zeros_like(W)
    for index in np.ndindex(W.shape):
        up, down = W.copy(), W.copy()
        up[index] += h
        down[index] -= h
        grad[index] = (loss_of(up) - loss_of(down)) / (2 * h)
    return grad


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(3, 12), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_hand_written_gradients_agree_with_finite_differences(n, d_model, d_k, d_v, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d_model))
    W_Q, W_K = rng.normal(size=(2, d_k, d_model))
    W_V = rng.normal(size=(d_v, d_model))
    target = rng.normal(size=(n, d_v))
    g = backward(X, forward(X, W_Q, W_K, W_V), target)
    numeric = {
        "dW_Q": numeric_gradient(lambda W: mse(forward(X, W, W_K, W_V).output, target), W_Q),
        "dW_K": numeric_gradient(lambda W: mse(forward(X, W_Q, W, W_V).output, target), W_K),
        "dW_V": numeric_gradient(lambda W: mse(forward(X, W_Q, W_K, W).output, target), W_V),
    }
    for name, expected in numeric.items():  # central differences at h = 1e-6 round to about 1e-8 (seen: 1.2e-8)
        np.testing.assert_allclose(getattr(g, name), expected, rtol=1e-5, atol=1e-7, err_msg=name)


def test_the_steps_inside_agree_with_finite_differences_too():
    """d_output, d_attention, d_scores, dQ and dK, each against the loss as a function of that intermediate alone."""
    rng = np.random.default_rng(7)
    X, target = rng.normal(size=(5, 6)), rng.normal(size=(5, 3))
    W_Q, W_K, W_V = rng.normal(size=(4, 6)), rng.normal(size=(4, 6)), rng.normal(size=(3, 6))
    r = forward(X, W_Q, W_K, W_V)
    g = backward(X, r, target)
    scale = 1 / np.sqrt(4)
    after = {  # gradient: (the loss as a function of one intermediate, that intermediate)
        "d_output": (lambda output: mse(output, target), r.output),
        "d_attention": (lambda A: mse(A @ r.V, target), r.attention),
        "d_scores": (lambda S: mse(softmax(S * scale) @ r.V, target), r.scores),
        "dQ": (lambda Q: mse(softmax(Q @ r.K.T * scale) @ r.V, target), r.Q),
        "dK": (lambda K: mse(softmax(r.Q @ K.T * scale) @ r.V, target), r.K),
    }
    for name, (loss_of, intermediate) in after.items():
        np.testing.assert_allclose(getattr(g, name), numeric_gradient(loss_of, intermediate),
                                   rtol=1e-5, atol=1e-9, err_msg=name)


def test_the_backward_pass_agrees_with_finite_differences_under_a_mask_and_a_temperature():
    rng = np.random.default_rng(5)
    Q, K, V, G = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4, 2)), rng.normal(size=(4, 2))

    def loss(Q, K, V):  # any loss whose gradient on the output is G
        return float(np.sum(scaled_dot_product_attention(Q, K, V, mask=causal_mask(4), temperature=0.7).output * G))

    g = attention_backward(scaled_dot_product_attention(Q, K, V, mask=causal_mask(4), temperature=0.7), G)
    np.testing.assert_allclose(g.dQ, numeric_gradient(lambda M: loss(M, K, V), Q), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(g.dK, numeric_gradient(lambda M: loss(Q, M, V), K), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(g.dV, numeric_gradient(lambda M: loss(Q, K, M), V), rtol=1e-5, atol=1e-8)
    assert np.all(np.triu(g.d_scores, k=1) == 0)  # a masked score has no say in the output


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_softmax_backward_is_the_jacobian_applied_row_by_row(rows, n, seed):
    rng = np.random.default_rng(seed)
    A = softmax(rng.normal(scale=2.0, size=(rows, n)))
    dA = rng.normal(size=(rows, n))
    jacobian_applied = np.array([(np.diag(a) - np.outer(a, a)).T @ g for a, g in zip(A, dA, strict=True)])
    np.testing.assert_allclose(softmax_backward(A, dA), jacobian_applied, rtol=1e-12, atol=1e-15)


def test_a_stack_of_sentences_gives_the_mean_of_their_losses_and_gradients():
    rng = np.random.default_rng(3)
    W = random_weights(1)
    X, target = rng.normal(size=(3, 4, W.W_Q.shape[1])), rng.normal(size=(3, 4, W.W_V.shape[0]))
    whole = backward(X, forward(X, W.W_Q, W.W_K, W.W_V), target)
    alone = [backward(x, forward(x, W.W_Q, W.W_K, W.W_V), t) for x, t in zip(X, target, strict=True)]
    assert whole.loss == pytest.approx(np.mean([a.loss for a in alone]), rel=1e-12)
    for name in ("dW_Q", "dW_K", "dW_V"):
        np.testing.assert_allclose(getattr(whole, name), np.mean([getattr(a, name) for a in alone], axis=0),
                                   rtol=1e-10, atol=1e-15, err_msg=name)


def test_the_task_asks_each_word_for_the_value_of_the_word_that_explains_it():
    sentences = make_task(0, 50)
    W_V = designed_weights().W_V
    action_places = set()
    for s in sentences:
        assert 3 <= len(s.tokens) <= 6
        V = s.X @ W_V.T
        for i, j in enumerate(s.intended):
            np.testing.assert_array_equal(s.target[i], V[i if j is None else j])
            if j is not None:
                assert not np.array_equal(V[i], V[j])  # a word's own value is never its answer: it must look
        action_places.add(next(i for i, token in enumerate(s.tokens) if token in ACTIONS))
    assert len(action_places) >= 5  # the action stands anywhere in the sentence: order alone does not solve it
    np.testing.assert_array_equal(make_task(0, 50)[7].X, sentences[7].X)
    assert [s.text for s in make_task(0, 50, held_out=True)] != [s.text for s in sentences]


@pytest.fixture(scope="module")
def trained():
    return train()


def test_training_lowers_the_loss_and_learns_to_attend_to_the_intended_word(trained):
    assert trained.losses.shape == (201,)
    assert trained.losses[-1] < trained.losses[0] / 20
    assert trained.held_out_loss_after < trained.held_out_loss_before / 20
    assert trained.held_out_accuracy_before < 0.5
    assert trained.held_out_accuracy_after >= 0.9
    assert accuracy(trained.W_Q, trained.W_K, trained.held_out) == trained.held_out_accuracy_after


def test_snapshots_run_from_the_random_start_to_the_learned_weights(trained):
    assert len(trained.snapshot_steps) == 21 and trained.snapshot_steps[0] == 0
    assert trained.snapshot_steps[-1] == 200
    np.testing.assert_array_equal(trained.W_Q_snapshots[0], random_weights(0).W_Q)
    np.testing.assert_array_equal(trained.W_K_snapshots[-1], trained.W_K)


def test_training_is_deterministic(trained):
    again = train()
    for name in ("W_Q", "W_K", "losses", "W_Q_snapshots", "W_K_snapshots"):
        np.testing.assert_array_equal(getattr(again, name), getattr(trained, name), err_msg=name)


def test_another_seed_succeeds_too():
    result = train(seed=3)
    assert result.losses[-1] < result.losses[0] / 20
    assert result.held_out_accuracy_after >= 0.9


def test_the_learned_weights_read_the_lesson_sentence(trained):
    tokens, A = attention_on("jane visits africa", trained.W_Q, trained.W_K)
    assert tokens == ("jane", "visits", "africa")
    np.testing.assert_allclose(A.sum(axis=1), 1.0)
    assert [int(row.argmax()) for row in A] == [1, 2, 1]  # jane -> visits, visits -> africa, africa -> visits


def test_any_sentence_is_an_example_of_the_task_with_the_same_rule():
    for s in make_task(4, 30):
        again = as_task(s.text)
        assert again.tokens == s.tokens and again.intended == s.intended
        np.testing.assert_array_equal(again.X, s.X)
        np.testing.assert_array_equal(again.target, s.target)
    assert intended_words(["jane", "visits", "africa"]) == (1, 2, 1)
    assert intended_words(["hello"]) == (None,)
    assert intended_words(["jane", "visits", "the", "zorblat"]) == (1, None, None, None)  # no object to fetch
    assert intended_words(["cat", "sees", "dog", "chased", "ball", "mat"]) == (1, 4, 1, 4, 1, 1)  # the first ones
    assert as_task("Jane, visits!").tokens == ("jane", "visits")


def test_on_step_is_called_after_every_step():
    seen = []
    train(steps=5, on_step=lambda done, steps: seen.append((done, steps)))
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_a_training_is_kept_per_process_read_only_and_the_same_as_training_again():
    calls = []

    def count(done, steps):
        calls.append(done)

    first = learning.trained(2071, 30, 4.25, on_step=count)  # arguments no other test trains with: a new training
    assert calls == list(range(1, 31))
    assert learning.trained(2071, 30, 4.25, on_step=count) is first and len(calls) == 30  # kept: no step runs
    assert learning.trained(2071, 30, 4.25) is first
    with pytest.raises(ValueError):
        first.W_Q[0, 0] = 1.0
    with pytest.raises(ValueError):
        first.sentences[0].X[0, 0] = 1.0
    again = train(2071, 30, 4.25)
    np.testing.assert_array_equal(again.W_Q, first.W_Q)
    for n in range(learning.CACHED):  # as many others make room: the least recently used goes
        learning.trained(n, 10, 1.0)
    assert learning.trained(2071, 30, 4.25, on_step=count) is not first and len(calls) == 60  # trained again


def test_trained_weights_are_a_weight_set_of_the_lessons_width_and_deterministic():
    assert "trained" in WEIGHT_SETS
    W = trained_weights(3)
    assert W.W_Q.shape == W.W_K.shape == (D_K, explainer.D_MODEL)
    np.testing.assert_array_equal(W.W_V, designed_weights().W_V)
    np.testing.assert_array_equal(W.W_Q, train(seed=3).W_Q)
    learning.forget()
    view = run_attention("jane visits africa", Settings(weight_set="trained", seed=3))
    learning.forget()  # a fresh process: trained again, from nothing
    again = run_attention("jane visits africa", Settings(weight_set="trained", seed=3))
    np.testing.assert_array_equal(view.W_Q, again.W_Q)
    np.testing.assert_array_equal(view.attention, again.attention)
    assert [int(row.argmax()) for row in view.attention] == [1, 2, 1]  # the intended pattern, on every page
    for heads in (2, 4):  # heads split the learned d_k as they split the others'
        split = run_attention("jane visits africa", Settings(weight_set="trained", seed=3, heads=heads))
        assert split.attention.shape == (heads, 3, 3)
    other = run_attention("jane visits africa", Settings(weight_set="trained", seed=3, train_steps=50, train_rate=1.0))
    assert not np.array_equal(other.W_Q, view.W_Q)


ONES = np.ones((3, 12)), np.ones((4, 12)), np.ones((4, 12)), np.ones((4, 12))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: forward(np.ones((3, 12)), np.ones((4, 12)), np.ones((3, 12)), np.ones((4, 12))), "one shape"),
    (lambda: forward(np.ones((3, 12)), np.ones((4, 10)), np.ones((4, 10)), np.ones((4, 10))), "X's width"),
    (lambda: forward(np.full((3, 12), np.nan), *ONES[1:]), "finite numbers"),
    (lambda: forward(np.ones(12), *ONES[1:]), "non-empty matrix"),
    (lambda: backward(ONES[0], forward(*ONES), np.ones((1, 4))), "output's shape"),
    (lambda: make_task(-1, 5), "seed"),
    (lambda: make_task(0, 0), "n_sentences"),
    (lambda: train(steps=0), "steps"),
    (lambda: train(learning_rate=-1.0), "learning_rate"),
    (lambda: accuracy(np.ones((4, 12)), np.ones((4, 12)), ()), "at least one"),
])
def test_bad_arguments_raise_value_error_naming_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()
