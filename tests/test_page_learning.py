"""The page "How W_Q and W_K are learned" in AppTest: it runs for any view, the Train button trains, the maps and the
gradient step show the engine's own numbers, and the trained weights go to every page through the link."""
import re

import numpy as np
import pytest

from explainer import learning, random_weights, run_attention
from lesson import learning_views
from tests.support import charts, open_page, titles

PAGE = "pages/5_How_W_Q_and_W_K_are_learned.py"
VIEWS = {
    "default": {},
    "one word": {"sentence": "hello"},
    "twelve words": {"sentence": "the animal didn't cross the street because it was too tired today", "focus": "it"},
    "unknown word": {"sentence": "jane visits zorblat", "focus": "zorblat"},
    "two heads": {"heads": "2", "head": "2"},
    "cosine": {"similarity": "cosine", "focus": "visits"},
    "trained link": {"weights": "trained", "seed": "3", "steps": "300", "rate": "2"},
    "bad training values": {"steps": "99999", "rate": "fast", "seed": "-4"},
}
TIMES = re.compile(r"^(\w+?)(?: ×(\d+))?  \(")


def no_exception(at):
    assert not at.exception, [e.message for e in at.exception]


def train(at):
    return at.button(key="learning_train").click().run()


def chart(at, title_start: str):
    return next(data for spec, data in charts(at) if _title(spec).startswith(title_start))


def _title(spec: dict) -> str:
    title = spec.get("title", "")
    return title.get("text", "") if isinstance(title, dict) else title


@pytest.mark.parametrize("name", VIEWS)
def test_the_page_runs_before_and_after_training_and_with_the_gradient_step(name):
    at = open_page(PAGE, VIEWS[name])
    no_exception(at)
    at = train(at)
    no_exception(at)
    assert "Training loss, step by step" in titles(at)
    at.toggle(key="learning_gradient").set_value(True)
    at.run()
    no_exception(at)
    shown = titles(at)
    for name in ("dO", "dA", "dS", "dQ", "dK", "dW_Q", "dW_K"):
        assert any(TIMES.match(t) and TIMES.match(t)[1] == name for t in shown), (name, shown)


def test_bad_training_values_in_a_link_are_replaced_and_said_so():
    at = open_page(PAGE, VIEWS["bad training values"])
    said = " ".join(w.value for w in at.warning)
    assert "'steps' must be between 10 and 1000" in said and "'rate' must be a number" in said
    state = at.session_state["lesson"]
    assert (state.train_steps, state.train_rate, state.seed) == (1000, 5.0, 0)


def test_train_draws_a_falling_loss_curve_and_the_learned_maps():
    at = open_page(PAGE)
    assert "Training loss, step by step" not in titles(at)  # nothing trained yet in this session
    at = train(at)
    curve = chart(at, "Training loss")
    result = learning.trained()
    assert len(curve) == 201 and curve.loss.iloc[-1] < curve.loss.iloc[0]
    np.testing.assert_allclose(curve.loss.to_numpy(), result.losses)
    _, after = learning.attention_on("jane visits africa", result.W_Q, result.W_K)
    np.testing.assert_allclose(chart(at, "A₂₀₀").value.to_numpy(), after.ravel())
    start = random_weights(0)
    _, before = learning.attention_on("jane visits africa", start.W_Q, start.W_K)
    np.testing.assert_allclose(chart(at, "A₀").value.to_numpy(), before.ravel())
    assert chart(at, "A*").shape[0] == 9
    said = " ".join(m.value for m in at.markdown)
    assert f"**{result.held_out_accuracy_after:.0%}**" in said and "**3 of 3** words" in said


def test_the_scrubber_shows_the_snapshot_it_names():
    at = train(open_page(PAGE, {"sentence": "the cat sat on the mat", "seed": "2"}))
    result = learning.trained(2)
    at.select_slider(key="learning_snapshot").set_value(int(result.snapshot_steps[5])).run()
    no_exception(at)
    step = int(result.snapshot_steps[5])
    subscript = str(step).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
    _, A = learning.attention_on("the cat sat on the mat", result.W_Q_snapshots[5], result.W_K_snapshots[5])
    np.testing.assert_allclose(chart(at, f"A{subscript} ").value.to_numpy(), A.ravel())


@pytest.mark.parametrize("sentence, focus", [("jane visits africa", "visits"), ("hello", "hello"),
                                             ("the animal didn't cross the street because it was too tired today",
                                              "it")])
def test_the_gradient_step_shows_the_engines_own_gradients(sentence, focus):
    at = open_page(PAGE, {"sentence": sentence, "focus": focus, "seed": "4"})
    at.toggle(key="learning_gradient").set_value(True)
    at.run()
    no_exception(at)
    example = learning.as_task(sentence)
    start = random_weights(4)  # before training, the step starts from the random start
    expected = learning.backward(learning.forward(example.X, start.W_Q, start.W_K, learning.designed_weights().W_V),
                                 example.target)
    seen = set()
    for spec, data in charts(at):
        match = TIMES.match(_title(spec))
        if not match or match[1] not in ("dO", "dA", "dS", "dQ", "dK", "dW_Q", "dW_K"):
            continue
        seen.add(match[1])
        factor = int(match[2] or 1)  # the title says what the numbers are multiplied by
        np.testing.assert_allclose(data.value.to_numpy() / factor, getattr(expected, match[1]).ravel(),
                                   rtol=1e-12, atol=1e-15, err_msg=match[1])
        if match[1] in ("dO", "dA", "dS", "dQ", "dK"):  # the focus word's row is outlined
            assert set(data[data.focus].row_index) == {example.tokens.index(focus)}
    assert seen == {"dO", "dA", "dS", "dQ", "dK", "dW_Q", "dW_K"}
    said = " ".join(m.value for m in at.markdown)
    assert f"**{expected.loss:.4f}**" in said or expected.loss < 1e-12
    worked = learning_views.gradient_step(sentence, start.W_Q, start.W_K, 5.0).worked_softmax(
        example.tokens.index(focus))[1]
    assert any(worked in x.value for x in at.latex)


def test_the_worked_softmax_entry_is_the_engines():
    step = learning_views.gradient_step("jane visits africa", *(lambda w: (w.W_Q, w.W_K))(random_weights(0)), 5.0)
    key, line = step.worked_softmax(0)
    assert key == 1  # jane must fetch visits
    assert line.endswith(f"&= {step.grads.dS[0, 1]:.4f} \\end{{aligned}}")
    A, dA = step.record.A[0], step.grads.dA[0]
    assert f"{A[1]:.4f}" in line and f"{dA[1]:.4f}" in line and f"{A @ dA:.4f}" in line


def test_use_these_weights_puts_the_trained_ones_on_every_page_and_in_the_link():
    at = train(open_page(PAGE, {"seed": "3", "steps": "300"}))
    at.button(key="learning_use").click().run()
    no_exception(at)
    state = at.session_state["lesson"]
    assert (state.weight_set, state.seed, state.train_steps) == ("trained", 3, 300)
    assert dict(at.query_params) == {"weights": "trained", "seed": "3", "steps": "300"}
    learning._cache.clear()  # the link, opened in a fresh process, trains again and gets the same numbers
    other = open_page("pages/2_Q_and_K.py", {"weights": "trained", "seed": "3", "steps": "300"})
    no_exception(other)
    W = learning.train(3, 300).W_Q
    np.testing.assert_array_equal(chart(other, "W_Q").value.to_numpy(), W.ravel())
    expected = run_attention("jane visits africa", weight_set="trained", seed=3, train_steps=300)
    np.testing.assert_array_equal(expected.W_Q, W)
