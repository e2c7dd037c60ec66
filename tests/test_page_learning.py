"""The page "How W_Q and W_K are learned" in AppTest: it runs for any view, the Train button trains, the maps and the
gradient step show the engine's own numbers, and the trained weights go to every page through the link."""
import re

import numpy as np
import pytest

from explainer import D_K, Settings, learning, random_weights, run_attention
from lesson import learning_views
from tests.support import charts, formulas, open_page, titles

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
TIMES = re.compile(r"^(\w+?)(?: ×10([⁰¹²³⁴⁵⁶⁷⁸⁹]+))?  \(")
FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
WRITTEN = re.compile(r"(−?[\d,]+(?:\.\d+)?)(?: × 10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))?")


def no_exception(at):
    assert not at.exception, [e.message for e in at.exception]


def train(at):
    return at.button(key="learning_train").click().run()


def chart(at, title_start: str):
    return next(data for spec, data in charts(at) if _title(spec).startswith(title_start))


def _title(spec: dict) -> str:
    title = spec.get("title", "")
    return title.get("text", "") if isinstance(title, dict) else title


def power(title: str) -> int:
    """The power of ten a gradient's title says its numbers are shown times: "dS ×10⁵  (3 × 3)" -> 5."""
    times = TIMES.match(title)[2]
    return int(times.translate(FROM_SUPERSCRIPT)) if times else 0


def written(text: str) -> tuple[float, float]:
    """A number as the page writes it ("0.1283", "2.445 × 10⁻⁶", "−1.9", "52,480") and half a unit of its last
    digit: how far from the true value it may be."""
    match = WRITTEN.fullmatch(text.strip())
    assert match, text
    mantissa = match[1].replace("−", "-").replace(",", "")
    exponent = int(match[2].translate(FROM_SUPERSCRIPT)) if match[2] else 0
    return float(mantissa) * 10.0 ** exponent, 0.5 * 10.0 ** (exponent - _decimals(mantissa)) * (1 + 1e-9)


def _decimals(text: str) -> int:
    return len(text.partition(".")[2])


def assert_written(text: str, true: float, significant: int = 3) -> None:
    """The number written is the true one, to the digits written, and those are at least `significant` significant
    ones (never 0.0000 for 2.4 × 10⁻⁶)."""
    value, slack = written(text)
    assert abs(value - true) <= slack <= 5 * 10.0 ** -significant * abs(true), (text, true)


def open_step(query: dict, snapshot: int | None = None):
    """The page with the gradient step open; trained first and scrubbed to snapshot `snapshot` when given."""
    at = open_page(PAGE, query)
    if snapshot is not None:
        at = train(at)
        slider = at.select_slider(key="learning_snapshot")
        slider.set_value(slider.options[snapshot]).run()
    at.toggle(key="learning_gradient").set_value(True).run()
    no_exception(at)
    return at


def said(at) -> str:
    return " ".join(m.value for m in at.markdown)


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
    for sentence in re.split(r"(?<=\.) ", said(at)):  # its sentences read as sentences
        assert not re.search(r"\bat after\b|: [A-Z][a-z]", sentence), sentence


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
    expected = learning.backward(
        example.X, learning.forward(example.X, start.W_Q, start.W_K, learning.designed_weights().W_V), example.target)
    field = {symbol: name for name, (symbol, _) in learning_views.GRADIENTS.items()}  # "dS" -> "d_scores"
    seen = set()
    for spec, data in charts(at):
        match = TIMES.match(_title(spec))
        if not match or match[1] not in ("dO", "dA", "dS", "dQ", "dK", "dW_Q", "dW_K"):
            continue
        seen.add(match[1])
        factor = 10 ** power(_title(spec))  # the title says what the numbers are multiplied by
        np.testing.assert_allclose(data.value.to_numpy() / factor, getattr(expected, field[match[1]]).ravel(),
                                   rtol=1e-12, atol=1e-15, err_msg=match[1])
        if match[1] in ("dO", "dA", "dS", "dQ", "dK"):  # the focus word's row is outlined
            assert set(data[data.focus].row_index) == {example.tokens.index(focus)}
    assert seen == {"dO", "dA", "dS", "dQ", "dK", "dW_Q", "dW_K"}
    if expected.loss > 1e-12:
        assert_written(re.search(r"The loss on this sentence is \*\*(.+?)\*\*", said(at))[1], expected.loss)
    worked = learning_views.gradient_step(sentence, start.W_Q, start.W_K, 5.0).worked_softmax(
        example.tokens.index(focus))[1]
    assert worked in formulas(at)


def test_the_step_starts_from_the_weights_and_the_loss_of_the_chain_worked_out_here():
    """softmax(Q·Kᵀ/√d_k)·V written out with numpy alone, so that a slip in the engine's score step or its second
    MatMul shows on this page too (training and the page share that one pass)."""
    at = open_step({"seed": "4"})
    example, start, W_V = learning.as_task("jane visits africa"), random_weights(4), learning.designed_weights().W_V
    Q, K, V = example.X @ start.W_Q.T, example.X @ start.W_K.T, example.X @ W_V.T
    logits = Q @ K.T / np.sqrt(Q.shape[1])
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    shown = next(data for spec, data in charts(at)
                 if "the weights this step starts from" in str(spec["title"].get("subtitle")))
    np.testing.assert_allclose(shown.value.to_numpy(), weights.ravel(), rtol=1e-12)
    loss = np.mean((weights @ V - example.target) ** 2)
    assert_written(re.search(r"The loss on this sentence is \*\*(.+?)\*\*", said(at))[1], loss)


WORKED = re.compile(
    r"\\begin\{aligned\} dS_\{(\d+),(\d+)\} &= \\tfrac\{1\}\{\\sqrt\{(\d+)\}\} \\times ([\d.]+) \\\\ &\\quad \\times "
    r"\\big\(\{(-?[\d.]+)\}(?: \\\\ &\\qquad)? - \(?(-?[\d.]+)\)?\\big\)(?: \\times 10\^\{-(\d+)\})? \\\\ "
    r"&= (-?[\d.]+)(?: \\times 10\^\{-(\d+)\})? \\end\{aligned\}")
STEP_VIEWS = {  # (link, snapshot to scrub to after training, or None: the random start)
    "random start": ({}, None),
    "after training (the issue's case)": ({}, -1),
    "after training, another word": ({"focus": "africa"}, -1),
    "half way, a grammar word": ({"sentence": "the cat sat on the mat", "focus": "the"}, 10),
    "a long, fast training": ({"rate": "100", "steps": "1000", "seed": "5"}, 9),
    "twelve words": ({"sentence": "the animal didn't cross the street because it was too tired today",
                      "focus": "it"}, -1),
    "one word": ({"sentence": "hello"}, None),
}


def _cell(at, name: str, row: int, col: int) -> tuple[float, int]:
    """A cell of a gradient's heatmap on the page (or of "A", the weights the step starts from), as shown, and the
    power of ten its title says."""
    def shown(spec: dict) -> bool:
        if name == "A":
            return "the weights this step starts from" in str(spec["title"].get("subtitle"))
        return bool(TIMES.match(_title(spec))) and TIMES.match(_title(spec))[1] == name

    spec, data = next((spec, data) for spec, data in charts(at) if shown(spec))
    return data[(data.row_index == row) & (data.col_index == col)].value.item(), power(_title(spec))


def _near(text: str, value: float) -> bool:
    """Whether a number written with these decimals is `value` rounded."""
    return abs(float(text) - value) <= 0.5 * 10.0 ** -_decimals(text) * (1 + 1e-9)


@pytest.mark.parametrize("name", STEP_VIEWS)
def test_every_number_of_the_worked_softmax_entry_is_a_cell_of_its_matrix_in_its_power_of_ten(name):
    query, snapshot = STEP_VIEWS[name]
    at = open_step(query, snapshot)
    formula = next(f for f in formulas(at) if f.startswith(r"\begin{aligned} dS_{"))
    match = WORKED.fullmatch(formula)
    assert match, formula
    i, j = int(match[1]) - 1, int(match[2]) - 1
    assert i == at.session_state["lesson"].focus and int(match[3]) == D_K  # the focus word's row; 1/√d_k
    assert _near(match[4], _cell(at, "A", i, j)[0])  # the weight, as the step's A shows it
    dA, shown_dA = _cell(at, "dA", i, j)
    assert int(match[7] or 0) == shown_dA and _near(match[5], dA)  # dA in its matrix's power of ten, as its cell
    n = int(chart(at, "dA").col_index.max()) + 1
    assert _near(match[6], sum(_cell(at, "A", i, k)[0] * _cell(at, "dA", i, k)[0] for k in range(n)))  # Σₗ A dA
    dS, shown_dS = _cell(at, "dS", i, j)
    assert int(match[9] or 0) == shown_dS and _near(match[8], dS)
    # and the written numbers are enough to work the result out again
    again = float(match[4]) * (float(match[5]) - float(match[6])) / D_K ** 0.5 * 10.0 ** (shown_dS - shown_dA)
    assert abs(again - float(match[8])) <= 0.02 * abs(float(match[8])) + 10.0 ** -_decimals(match[8])


def test_use_these_weights_puts_the_trained_ones_on_every_page_and_in_the_link():
    at = train(open_page(PAGE, {"seed": "3", "steps": "300"}))
    at.button(key="learning_use").click().run()
    no_exception(at)
    state = at.session_state["lesson"]
    assert (state.weight_set, state.seed, state.train_steps) == ("trained", 3, 300)
    assert dict(at.query_params) == {"weights": "trained", "seed": "3", "steps": "300"}
    learning.forget()  # the link, opened in a fresh process, trains again and gets the same numbers
    other = open_page("pages/2_Q_and_K.py", {"weights": "trained", "seed": "3", "steps": "300"})
    no_exception(other)
    W = learning.train(3, 300).W_Q
    np.testing.assert_array_equal(chart(other, "W_Q").value.to_numpy(), W.ravel())
    expected = run_attention("jane visits africa", Settings(weight_set="trained", seed=3, train_steps=300))
    np.testing.assert_array_equal(expected.W_Q, W)


@pytest.mark.parametrize("name", ["random start", "after training (the issue's case)", "a long, fast training",
                                  "one word"])
def test_the_step_says_the_sentences_loss_before_and_after_it(name):
    query, snapshot = STEP_VIEWS[name]
    at = open_step(query, snapshot)
    state = at.session_state["lesson"]
    if snapshot is None:
        W_Q, W_K = (lambda w: (w.W_Q, w.W_K))(random_weights(state.seed))
    else:
        result = learning.trained(state.seed, state.train_steps, state.train_rate)
        index = snapshot % len(result.snapshot_steps)
        W_Q, W_K = result.W_Q_snapshots[index], result.W_K_snapshots[index]
    example, W_V = learning.as_task(state.sentence), learning.designed_weights().W_V
    grads = learning.backward(example.X, learning.forward(example.X, W_Q, W_K, W_V), example.target)
    rate = state.train_rate
    after = learning.mse(learning.forward(example.X, W_Q - rate * grads.dW_Q, W_K - rate * grads.dW_K, W_V).output,
                         example.target)
    text = said(at)
    if grads.loss == after:  # nothing to learn from this sentence: the step changes nothing
        assert re.search(r"leaves the loss on this sentence at (\S+)\.", text)[1] == "0" == f"{after:g}"
        return
    change = re.search(r"takes the loss on this sentence from \*\*(.+?)\*\* (?:up )?to \*\*(.+?)\*\*", text)
    assert change, text
    assert_written(change[1], grads.loss)
    assert_written(change[2], after)
    assert change[1] != change[2]  # written with the digits it takes to tell them apart
    by = re.search(r"(down|up) ([^%\s]+)%", text[change.end():])
    assert by[1] == ("down" if after < grads.loss else "up")
    assert_written(by[2], abs(after / grads.loss - 1) * 100, significant=2)


@pytest.mark.parametrize("seed, steps, rate", [(0, 10, 0.1), (0, 200, 5.0), (0, 1000, 100.0)])
def test_the_training_note_reads_right_for_a_tiny_fall_and_a_tiny_loss(seed, steps, rate):
    training = learning.trained(seed, steps, rate)
    first, last = training.losses[0], training.losses[-1]
    note = learning_views.loss_note(training)
    started = re.search(r"started at (\S+) \(random weights\)", note)
    assert_written(started[1], first)
    if last > first / 2:  # a small fall, as a percentage: never "1 times lower"
        fell = re.search(rf"after {steps} steps fell by ([^%\s]+)%, to (.+)\.$", note)
        assert_written(fell[1], (1 - last / first) * 100, significant=2)
        assert float(fell[1]) > 0
    else:  # a large fall, times smaller: never "fell to 0.0000"
        fell = re.search(rf"after {steps} steps fell to (.+), (\S+) times smaller\.$", note)
        assert_written(fell[2], first / last, significant=2)
        assert_written(fell[1], last)
    assert_written(fell[2 if last > first / 2 else 1], last)
    assert written(fell[2 if last > first / 2 else 1])[0] > 0
    held_out = re.search(r"the loss from (.+) to (.+)\.$", learning_views.held_out(training))
    assert_written(held_out[1], training.held_out_loss_before)
    assert_written(held_out[2], training.held_out_loss_after)


def test_the_step_and_its_note_read_as_sentences_from_every_snapshot_for_every_word():
    training = learning.trained()
    sentence = "the cat sat on the mat"
    for index, step in enumerate(training.snapshot_steps):
        start = learning_views.step_from(int(step))
        assert "at after" not in start and start.startswith("From the ")
        gradient = learning_views.gradient_step(sentence, training.W_Q_snapshots[index],
                                                training.W_K_snapshots[index], 5.0)
        for focus in range(len(gradient.labels)):
            note = gradient.note(focus)
            assert note[0].isupper() or note.startswith("**"), note
            for part in (start + ", one step", note, gradient.loss_change(), gradient.through_values()):
                assert not re.search(r"\bat after\b|: [A-Z]|\.\.|  ", part), part


@pytest.mark.parametrize("snapshot", [0, 7, -1])
def test_the_loss_curve_marks_the_snapshot_scrubbed_to(snapshot):
    at = train(open_page(PAGE))
    slider = at.select_slider(key="learning_snapshot")
    step = int(slider.options[snapshot])
    at = slider.set_value(step).run()
    spec, data = next((spec, data) for spec, data in charts(at) if _title(spec).startswith("Training loss"))
    rule = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    assert rule["encoding"]["x"]["field"] == "_mark"
    assert set(data["_mark"]) == {step}
    said_step = re.search(r"From (?:the random start|the weights after (\d+) steps?),", said(at.toggle(
        key="learning_gradient").set_value(True).run()))
    assert int(said_step[1] or 0) == step  # the same step as the gradient step below starts from


@pytest.mark.parametrize("sentence, one_hot", [("jane visits africa", True), ("the cat sat on the mat", True),
                                               ("he visits the company", False)])
def test_the_page_says_why_da_copies_do_when_the_values_are_one_hot(sentence, one_hot):
    at = open_step({"sentence": sentence})
    text = said(at)
    dO, dA = chart(at, "dO "), chart(at, "dA ")
    shown = {name: power(_title(spec)) for spec, _ in charts(at) for name in ("dO", "dA")
             if (TIMES.match(_title(spec)) or [0, 0])[1] == name}
    copied = re.search(r"column \*\*(.+?)\*\* of dA is column \*(\w+)\* of dO((?:, \*\*.+?\*\* is \*\w+\*)*)", text)
    assert bool(copied) == one_hot, text
    if not one_hot:
        assert "copying mistake" not in text
        return
    pairs = [(copied[1], copied[2]), *re.findall(r"\*\*(.+?)\*\* is \*(\w+)\*", copied[3])]
    for word, feature in pairs:  # each copy the page claims is one, in the true numbers
        np.testing.assert_allclose(dA[dA.col == word].value.to_numpy() / 10 ** shown["dA"],
                                   dO[dO.col == feature].value.to_numpy() / 10 ** shown["dO"], rtol=1e-12)
    same = dA.value.to_numpy().tolist() == dO[dO.col_index < dA.col_index.max() + 1].value.to_numpy().tolist()
    assert ("it is not a copying mistake" in text) == same


def test_the_jacobian_is_written_with_the_lessons_s_and_says_what_delta_is():
    text = said(open_step({}))
    jacobian = re.search(r"∂Aᵢⱼ/∂(\w)ᵢₗ = Aᵢⱼ\(δⱼₗ − Aᵢₗ\)/√d_k \(δⱼₗ is 1 when j = l and 0 otherwise", text)
    assert jacobian and jacobian[1] == "S"  # the scores, as the lesson calls them (S = Q·Kᵀ on the page)


PHONE_LINE = 26  # characters of a formula line that fit a 390 px phone: "×(−2.5833−(−2.5206))×10^-3" just does
SYMBOLS = {r"\times": "×", r"\Rightarrow": "⇒", r"\leftarrow": "←", r"\eta": "η", r"^\top": "ᵀ"}


def _plain(line: str) -> str:
    """A line of a formula as the characters it shows, roughly: commands that draw a symbol as the symbol, the other
    commands (spacing, brackets' sizes, fractions' frames), braces and spaces left out."""
    for command, symbol in SYMBOLS.items():
        line = line.replace(command, symbol)
    return re.sub(r"\\(?:begin|end)\{aligned\}|\\[A-Za-z]+|\\[,;]|[{}& ]", "", line)


@pytest.mark.parametrize("name", ["after training (the issue's case)", "a long, fast training", "twelve words"])
def test_the_worked_line_and_the_weight_formula_fit_a_phone(name):
    at = open_step(*STEP_VIEWS[name])
    for formula in formulas(at):
        if formula.startswith(r"\begin{aligned} dS_{") or "dW_K = dK" in formula:  # the worked line; dW
            for line in formula.split(r"\\"):
                assert len(_plain(line).replace(" ", "")) <= PHONE_LINE, (line, _plain(line))


@pytest.mark.parametrize("query, differences", [
    ({}, []),
    ({"weights": "trained", "heads": "2", "head": "2", "causal": "on", "temperature": "0.5"},
     ["causal mask is on", "head 2 of 2", "temperature is 0.5"]),
    ({"similarity": "cosine", "positions": "off"}, ["cosine similarities", "positions are off"]),
])
def test_the_map_used_on_every_page_says_which_settings_make_it_differ_from_the_trained_model(query, differences):
    """The map under "Use these weights on every page" follows the sidebar, the model trained here does not: a
    map that puts jane on itself under the mask, beside a learned one that puts it on visits, says why."""
    at = open_page(PAGE, query)
    no_exception(at)
    text = said(at)
    assert ("differs from the model trained here" in text) == bool(differences)
    for difference in differences:
        assert difference in text


def test_a_word_with_nothing_to_fetch_is_told_why_by_the_tasks_rule():
    W = random_weights(0)
    step = learning_views.gradient_step("she loves her little dog", W.W_Q, W.W_K, 5.0)
    said_of = dict(zip(step.labels, (step.note(i) for i in range(len(step.labels))), strict=True))
    assert learning.role("she") == "other" and "(the task gives no role to a word like it)" in said_of["she"]
    assert learning.role("her") == "grammar" and "(it is a grammar word)" in said_of["her"]
    assert learning.role("dog") == "subject" and "must fetch the value of **loves**" in said_of["dog"]
    assert "(the sentence has no object)" in said_of["loves"]  # dog, its only noun, is the subject
