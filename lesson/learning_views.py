"""What the page "How W_Q and W_K are learned" draws, made from explainer.learning (no streamlit): the task in words,
the loss curve, the attention a sentence gets along training, how close it comes to the designed pattern, and one
gradient step in numbers. Every sentence here is made from the numbers it describes, so it stays true for any
sentence a student types (one word, twelve, words outside the vocabulary)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from explainer import CONTENTS, D_K, DIMENSIONS, AttentionPass, Matrix, Trace, designed_weights, learning
from explainer.trace import unique_labels

from . import notes

MODEL = f"one head, d_k = {D_K}, positions on, scores divided by √d_k, temperature 1, no mask"
"""The model training uses, whatever the sidebar says (the sidebar's settings apply to the trained weights on the
other pages)."""

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _figure(value: float, digits: int = 4) -> str:
    """A number for the page's text with `digits` significant digits: plain from 0.001 up (0.1283, 0.002810), else
    times a power of ten (2.445 × 10⁻⁶), so that a small loss never reads 0.0000. 0 is written 0."""
    if value == 0:
        return "0"
    text = f"{value:#.{digits}g}".removesuffix(".")
    if abs(value) < 1e-3 or "e" in text:  # "e" when rounding took it to 10^digits
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        text = f"{mantissa} × 10" + str(int(exponent)).translate(_SUPERSCRIPT)
    return text.replace("-", "−")


def _figures(before: float, after: float, digits: int = 4) -> tuple[str, str]:
    """Two numbers with as many significant digits as it takes (`digits` at least) for different ones to read
    differently."""
    while before != after and _figure(before, digits) == _figure(after, digits) and digits < 12:
        digits += 1
    return _figure(before, digits), _figure(after, digits)


def _percent(fraction: float) -> str:
    """A share as a percentage that keeps a small one visible: 47 %, 4.7 %, 0.47 %, 0.0047 %."""
    share = abs(fraction) * 100
    return (f"{share:.0f}" if share >= 10 else f"{share:.1f}" if share >= 1 else _figure(share, 2)) + "%"


def _times(ratio: float) -> str:
    return f"{ratio:.1f}" if ratio < 10 else f"{ratio:,.0f}" if ratio < 1e6 else _figure(ratio, 3)


def _words(pool: tuple[str, ...], shown: int = 6) -> str:
    more = len(pool) - shown
    return ", ".join(f"*{w}*" for w in pool[:shown]) + (f" and {more} more" if more > 0 else "")


def task() -> str:
    """The task in words, from the word lists training draws from."""
    return (
        f"Each training sentence has 3 to 6 words: one **subject** ({_words(learning.SUBJECTS)}), one **action** "
        f"({_words(learning.ACTIONS)}) and one **object**, a place or a thing ({_words(learning.OBJECTS)}), in any "
        f"order, with up to three of the words {', '.join(f'*{w}*' for w in learning.GRAMMAR)} among them. "
        "Each word's **target output** is the value v of the word that explains it: the subject and the object must "
        "output the action's value, the action must output its object's value, and a grammar word its own value. "
        "The order is random, so position alone cannot solve it: a word has to *find* its partner by what it is.")


def examples(seed: int, count: int = 3) -> str:
    """A few training sentences of this seed, each word with the word whose value it must fetch (markdown)."""
    lines = []
    for sentence in learning.make_task(seed, count):
        pairs = [f"{word} → {sentence.tokens[j]}" for word, j in zip(sentence.tokens, sentence.intended, strict=True)
                 if j is not None]
        lines.append(f"- *{sentence.text}*: " + ", ".join(pairs))
    return "\n".join(lines)


def loss_curve(training: learning.Training) -> pd.DataFrame:
    """The training loss after each step: columns step, loss."""
    return pd.DataFrame({"step": np.arange(len(training.losses)), "loss": np.asarray(training.losses)})


def as_elsewhere(trace: Trace) -> str:
    """What makes the other pages' map (the sidebar's settings) differ from the model trained here (MODEL), beyond
    the weights: "" where nothing does."""
    s = trace.settings
    differences = [
        "the causal mask is on, so a word cannot look at the words after it" if s.causal else "",
        f"the pages show {trace.head_label} (each head has d_k = {trace.Q.shape[1]})" if s.heads > 1 else "",
        "the scores are cosine similarities" if s.similarity == "cosine" else "",
        "the scores are not divided by √d_k" if s.similarity == "dot" and not s.scaled else "",
        f"the temperature is {s.temperature:g}" if s.temperature != 1 else "",
        "the positions are off" if not s.positional else "",
    ]
    differences = [d for d in differences if d]
    if not differences:
        return "The map below is the attention the other pages show for your sentence, with the weights in use."
    return ("The map below is what the other pages show, under the sidebar's settings, and it differs from the model "
            "trained here in more than the weights: " + "; ".join(differences) + ".")


def step_name(step: int) -> str:
    return "the random start" if step == 0 else f"after {step} step{'s' * (step != 1)}"


def step_from(step: int) -> str:
    """Where one gradient step starts, as the start of a sentence: "From the random start", "From the weights after
    200 steps"."""
    return "From the random start" if step == 0 else f"From the weights {step_name(step)}"


def attention(sentence: str, W_Q: np.ndarray, W_K: np.ndarray, symbol: str, caption: str) -> Matrix:
    """The attention (n, n) that W_Q, W_K give the sentence in the training model (MODEL), as a matrix to draw."""
    tokens, A = learning.attention_on(sentence, W_Q, W_K)
    labels = unique_labels(tokens)
    return Matrix(symbol, caption, A, labels, labels)


def snapshot(sentence: str, training: learning.Training, index: int) -> Matrix:
    """The sentence's attention at snapshot `index` of the training: A₀ at the random start, A₂₀₀ after 200 steps."""
    step = int(training.snapshot_steps[index])
    return attention(sentence, training.W_Q_snapshots[index], training.W_K_snapshots[index], _after(step),
                     step_name(step))


def _after(step: int) -> str:
    """The symbol of the attention after `step` steps: A₀, A₂₀₀."""
    return f"A{str(step).translate(_SUBSCRIPT)}"


def designed(sentence: str) -> Matrix:
    """The sentence's attention under the designed weights, in the same model: A*, the pattern set by hand."""
    W = designed_weights()
    return attention(sentence, W.W_Q, W.W_K, "A*", "designed by hand")


def comparison(sentence: str, learned: Matrix, hand: Matrix) -> str:
    """How close the learned pattern comes to the designed one on this sentence, and to the task's own pattern."""
    labels, n = learned.rows, len(learned.rows)
    if n == 1:
        return (f"With one word, **{labels[0]}** can only look at itself: every map gives it weight 1, learned or "
                "designed. Type a longer sentence to compare the patterns.")
    mine = [frozenset(notes.favourites(row)) for row in learned.values]
    theirs = [frozenset(notes.favourites(row)) for row in hand.values]
    same = [i for i in range(n) if mine[i] == theirs[i]]
    differ = [i for i in range(n) if mine[i] != theirs[i]]

    def top(tops: frozenset[int], A: np.ndarray, i: int) -> str:
        j = min(tops)
        return (" and ".join(labels[k] for k in sorted(tops)) + " (a tie)" if len(tops) > 1
                else f"{labels[j]} ({A[i, j]:.2f})")

    text = (f"After training, **{len(same)} of {n}** words {_look(len(same))} most at the same word as under the "
            "designed weights.")
    if differ:
        shown = differ[:3]
        text += " Not " + "; ".join(f"**{labels[i]}**: learned → {top(mine[i], learned.values, i)}, designed → "
                                    f"{top(theirs[i], hand.values, i)}" for i in shown)
        text += f" (and {len(differ) - 3} more)." if len(differ) > 3 else "."
    intended = learning.as_task(sentence).intended
    asked = [(i, j) for i, j in enumerate(intended) if j is not None]
    if asked:
        hits = sum(mine[i] == frozenset({j}) for i, j in asked)
        text += (f" The task asks {len(asked)} of these words to fetch another word's value; after training "
                 f"**{hits} of {len(asked)}** {_look(hits)} most at exactly that word.")
    else:
        text += (" This sentence asks no word to fetch another's value (it has no action, or no subject or object "
                 "the task knows), so what the map shows was learned from other sentences.")
    return text


def _look(count: int) -> str:
    return "looks" if count == 1 else "look"


def held_out(training: learning.Training) -> str:
    """Before and after on sentences training never saw."""
    before, after = _figures(training.held_out_loss_before, training.held_out_loss_after)
    return (f"On {len(training.held_out)} held-out sentences (new combinations and orders of the same words), the "
            f"share of words whose largest weight falls on the word they must fetch went from "
            f"**{training.held_out_accuracy_before:.0%}** before training to "
            f"**{training.held_out_accuracy_after:.0%}** after, and the loss from {before} to {after}.")


def loss_note(training: learning.Training) -> str:
    """How far the training loss fell, in words that read right for a fall of 0.2 % and of 50,000 times."""
    first, last = float(training.losses[0]), float(training.losses[-1])
    steps = len(training.losses) - 1
    start, end = _figures(first, last)
    if not last < first:
        how = f"did not fall (it ended at {end}): try a smaller learning rate"
    elif last == 0:
        how = "fell to 0"
    elif last > first / 2:
        how = f"fell by {_percent(1 - last / first)}, to {end}"
    else:
        how = f"fell to {end}, {_times(first / last)} times smaller"
    return f"The training loss started at {start} (random weights) and after {steps} steps {how}."


# One gradient step --------------------------------------------------------------------------------------------------

GRADIENTS = {
    "d_output": ("dO", "∂L/∂O: how each output should move"), "d_attention": ("dA", "∂L/∂A, through O = A·V"),
    "d_scores": ("dS", "∂L/∂S, through softmax and ÷√d_k"), "dQ": ("dQ", "∂L/∂Q = dS·K"),
    "dK": ("dK", "∂L/∂K = dSᵀ·Q"), "dW_Q": ("dW_Q", "∂L/∂W_Q = dQᵀ·X"), "dW_K": ("dW_K", "∂L/∂W_K = dKᵀ·X"),
}
"""The gradients the page draws (fields of learning.Backward): each one's symbol on the page and what it is."""

@dataclass(frozen=True)
class GradientStep:
    """One gradient step on one sentence: the example (X, target), the forward pass and the backward pass, as
    explainer.learning computes them (nothing here recomputes them)."""

    example: learning.Sentence
    record: AttentionPass
    grads: learning.Backward
    learning_rate: float
    loss_after: float  # the sentence's loss after the step W ← W − η·dW

    @property
    def labels(self) -> tuple[str, ...]:
        return unique_labels(self.example.tokens)

    def factor(self, name: str) -> int:
        """The power of ten a gradient is shown times, so that its largest entry reads at least 1 (0 for none)."""
        largest = float(np.abs(getattr(self.grads, name)).max())
        if not largest > 0:
            return 0
        return max(0, -math.floor(math.log10(largest)))

    def matrix(self, name: str) -> Matrix:
        """A gradient (a field of learning.Backward) as a matrix to draw, named with the lesson's symbol, times
        10^factor (said in its name: "dS ×10⁵") so that its numbers read."""
        values = getattr(self.grads, name)
        qk = tuple(f"d{i + 1}" for i in range(self.record.Q.shape[-1]))
        rows, cols = {"d_output": (self.labels, CONTENTS), "d_attention": (self.labels, self.labels),
                      "d_scores": (self.labels, self.labels), "dQ": (self.labels, qk), "dK": (self.labels, qk),
                      "dW_Q": (qk, DIMENSIONS), "dW_K": (qk, DIMENSIONS)}[name]
        power = self.factor(name)
        ten = "10" + str(power).translate(_SUPERSCRIPT)
        times = f" ×{ten}" if power else ""
        symbol, what = GRADIENTS[name]
        caption = what + (f", times {ten} to read" if power else "")
        return Matrix(symbol + times, caption, values * 10 ** power, rows, cols)

    def attention(self, step: int) -> Matrix:
        """The attention A the step starts from, after `step` steps of training (0: the random start), named as
        the snapshot maps name it: the A of every formula of the step."""
        return Matrix(_after(step), f"{step_name(step)}: the weights this step starts from", self.record.attention,
                      self.labels, self.labels)

    def worked_softmax(self, query: int) -> tuple[int, str]:
        """The softmax step for one entry of the query's row, in numbers: (its key, a LaTeX formula). The key is
        the word the query must fetch from, else the one with the largest gradient. dA and dS are written in the
        power of ten their matrices are shown in, with the digits it takes for the difference and the result to
        keep three significant ones, so that each number reads as a cell of its matrix."""
        A, dA, dS = self.record.attention[query], self.grads.d_attention[query], self.grads.d_scores[query]
        wanted = self.example.intended[query]
        key = wanted if wanted is not None else int(np.abs(dS).argmax())
        shown_dA, shown_dS = self.factor("d_attention"), self.factor("d_scores")
        mine, average = dA[key] * 10 ** shown_dA, float(A @ dA) * 10 ** shown_dA
        places = _places(mine - average, 4)
        result = dS[key] * 10 ** shown_dS
        minus = r" \\ &\qquad -" if places > 4 else " -"  # long numbers one a line, to fit a phone
        gap = f"{{{_tex(mine, places)}}}{minus} {_tex(average, places, wrap=True)}"  # {−2.58}: a sign, not a minus
        d_k = self.record.Q.shape[-1]
        line = (rf"\begin{{aligned}} dS_{{{query + 1},{key + 1}}} &= \tfrac{{1}}{{\sqrt{{{d_k}}}}}"
                rf" \times {_tex(A[key], 4)} \\ &\quad \times \big({gap}\big){_power(shown_dA)} \\ "
                rf"&= {_tex(result, _places(result, 2))}{_power(shown_dS)} \end{{aligned}}")
        return key, line

    def through_values(self) -> str:
        """How dA comes from dO through O = A·V, said from V's numbers. With one-hot values each column of dA is
        a column of dO, copied: when the two matrices show the same numbers, the reason."""
        V, dO, dA, labels = self.record.V, self.grads.d_output, self.grads.d_attention, self.labels
        text = "**Through O = A·V.** Each entry dAᵢⱼ = dOᵢ·vⱼ: row i of dO times word j's value v."
        ones, zeros = np.isclose(V, 1, rtol=0, atol=1e-12), np.abs(V) <= 1e-12
        if not np.all(ones | zeros) or np.any(ones.sum(axis=1) > 1):
            return text
        hot = [int(row.argmax()) if row.any() else None for row in ones]
        copies = [(labels[j], CONTENTS[c]) for j, c in enumerate(hot) if c is not None]
        empty = tuple(labels[j] for j, c in enumerate(hot) if c is None)
        if not copies:
            return text + " Here every word's value v is 0, so dA is 0: nothing flows back past O = A·V."
        (word, feature), *others = copies
        text += (f" Every value here is a single 1{' or all 0' if empty else ''} (the v of **{word}** is 1 in "
                 f"*{feature}* and 0 elsewhere), so each column of dA is one column of dO, copied: column **{word}** "
                 f"of dA is column *{feature}* of dO" + "".join(f", **{w}** is *{f}*" for w, f in others)
                 + (f"; the column{'s' * (len(empty) > 1)} of {_words(empty, 4)} {'are' if len(empty) > 1 else 'is'} 0"
                    if empty else "") + ".")
        n = len(labels)
        if n <= dO.shape[-1] and np.array_equal(dA, dO[:, :n]) \
                and self.factor("d_attention") == self.factor("d_output"):
            text += (f" That is why dA shows the numbers of dO's first {n} column{'s' * (n > 1)}: it is not a "
                     "copying mistake.")
        return text

    def note(self, query: int) -> str:
        """What this step says about the query word, in words made from its numbers."""
        labels, loss = self.labels, self.grads.loss
        word = labels[query]
        if not loss > 1e-12:
            return (f"For this sentence the loss is already {_figure(loss)}: the output equals the target, so every "
                    "gradient is 0 and the step changes nothing.")
        wanted = self.example.intended[query]
        if wanted is None:
            why = {"grammar": "it is a grammar word", "subject": "the sentence has no action",
                   "object": "the sentence has no action",
                   "action": "the sentence has no object"}.get(learning.role(self.example.tokens[query]),
                                                               "the task gives no role to a word like it")
            fetch = f"**{word}** has nothing to fetch ({why}): its target is its own value, and it gives itself"
            wanted = query
        else:
            fetch = f"**{word}** must fetch the value of **{labels[wanted]}**, and gives it"
        return (f"The loss on this sentence is **{_figure(loss)}**. {fetch} weight "
                f"{self.record.attention[query, wanted]:.4f} now.")

    def loss_change(self) -> str:
        """The sentence's loss before and after the step, both computed."""
        before, after = self.grads.loss, self.loss_after
        rate = f"with η = {self.learning_rate:g}"
        if before == after:
            return f"This step, {rate}, leaves the loss on this sentence at {_figure(before)}."
        start, end = _figures(before, after)
        if after < before:
            return (f"This step, {rate}, takes the loss on this sentence from **{start}** to **{end}**: down "
                    f"{_percent(1 - after / before)}.")
        return (f"This step, {rate}, takes the loss on this sentence from **{start}** up to **{end}** (up "
                f"{_percent(after / before - 1)}): a step this long overshoots on this sentence alone.")


def gradient_step(sentence: str, W_Q: np.ndarray, W_K: np.ndarray, learning_rate: float) -> GradientStep:
    """One step for the student's sentence from these weights: the task's target for it (learning.as_task), the
    forward pass, the backward pass, and the loss after the step W ← W − η·dW."""
    example, W_V = learning.as_task(sentence), designed_weights().W_V
    record = learning.forward(example.X, W_Q, W_K, W_V)
    grads = learning.backward(example.X, record, example.target)
    stepped = learning.forward(example.X, W_Q - learning_rate * grads.dW_Q, W_K - learning_rate * grads.dW_K, W_V)
    return GradientStep(example, record, grads, float(learning_rate), learning.mse(stepped.output, example.target))


def _places(value: float, least: int) -> int:
    """Decimals that keep three significant digits of `value`: at least `least`, at most 10."""
    if value == 0:
        return least
    return min(10, max(least, 2 - math.floor(math.log10(abs(value)))))


def _tex(value: float, places: int, *, wrap: bool = False) -> str:
    """`value` with `places` decimals, never −0.0000; `wrap` puts a negative one in brackets, to subtract it."""
    text = f"{value:.{places}f}"
    text = text.removeprefix("-") if float(text) == 0 else text
    return f"({text})" if wrap and text.startswith("-") else text


def _power(power: int) -> str:
    return rf" \times 10^{{-{power}}}" if power else ""


def update(learning_rate: float) -> str:
    """The last formulas of the backward pass, to the weights, and the step itself with this η (LaTeX): one
    short line each, to fit a phone."""
    return (r"\begin{aligned} Q = X W_Q^\top \;&\Rightarrow\; dW_Q = dQ^\top X \\ "
            r"K = X W_K^\top \;&\Rightarrow\; dW_K = dK^\top X \\ "
            rf"W &\leftarrow W - \eta\, dW,\quad \eta = {learning_rate:g} \end{{aligned}}")


LOSS = (r"\begin{aligned} L &= \frac{1}{n\,d_v}\sum_{i,c}\big(O_{ic} - T_{ic}\big)^2 \\ "
        r"O &= \mathrm{softmax}\!\Big(\frac{Q K^\top}{\sqrt{d_k}}\Big) V \\ "
        r"Q &= X W_Q^\top,\ K = X W_K^\top,\ V = X W_V^\top \end{aligned}")
"""The loss and the model it is the loss of (LaTeX): three short lines, to fit a phone."""
STEPS = {
    "dO": r"\begin{aligned} dO &= \frac{\partial L}{\partial O} = \frac{2}{n\,d_v}\,(O - T) \\ "
          r"O = A\,V \;&\Rightarrow\; dA = dO\,V^\top \end{aligned}",
    "dS": r"dS_{ij} = \frac{1}{\sqrt{d_k}}\,A_{ij}\Big(dA_{ij} - \sum_l A_{il}\,dA_{il}\Big)",
    "dQK": r"S = Q K^\top \;\Rightarrow\; dQ = dS\,K,\quad dK = dS^\top Q",
}
"""The formulas of the backward pass, in the page's order (LaTeX); update(η) gives the last ones."""
