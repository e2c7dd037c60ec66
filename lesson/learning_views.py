"""What the page "How W_Q and W_K are learned" draws, made from explainer.learning (no streamlit): the task in words,
the loss curve, the attention a sentence gets along training, how close it comes to the designed pattern, and one
gradient step in numbers. Every sentence here is made from the numbers it describes, so it stays true for any
sentence a student types (one word, twelve, words outside the vocabulary)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from explainer import CONTENTS, D_K, DIMENSIONS, Matrix, designed_weights, learning
from explainer.trace import unique_labels

MODEL = f"one head, d_k = {D_K}, positions on, scores divided by √d_k, temperature 1, no mask"
"""The model training uses, whatever the sidebar says (the sidebar's settings apply to the trained weights on the
other pages)."""

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


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


def step_name(step: int) -> str:
    return "the random start" if step == 0 else f"after {step} step{'s' * (step != 1)}"


def attention(sentence: str, W_Q: np.ndarray, W_K: np.ndarray, symbol: str, caption: str) -> Matrix:
    """The attention (n, n) that W_Q, W_K give the sentence in the training model (MODEL), as a matrix to draw."""
    tokens, A = learning.attention_on(sentence, W_Q, W_K)
    labels = unique_labels(tokens)
    return Matrix(symbol, caption, A, labels, labels)


def snapshot(sentence: str, training: learning.Training, index: int) -> Matrix:
    """The sentence's attention at snapshot `index` of the training: A₀ at the random start, A₂₀₀ after 200 steps."""
    step = int(training.snapshot_steps[index])
    return attention(sentence, training.W_Q_snapshots[index], training.W_K_snapshots[index],
                     f"A{str(step).translate(_SUBSCRIPT)}", step_name(step))


def designed(sentence: str) -> Matrix:
    """The sentence's attention under the designed weights, in the same model: A*, the pattern set by hand."""
    W = designed_weights()
    return attention(sentence, W.W_Q, W.W_K, "A*", "designed by hand")


def _tops(A: np.ndarray) -> list[frozenset[int]]:
    return [frozenset(np.flatnonzero(np.isclose(row, row.max(), rtol=0, atol=1e-9)).tolist()) for row in A]


def comparison(sentence: str, learned: Matrix, hand: Matrix) -> str:
    """How close the learned pattern comes to the designed one on this sentence, and to the task's own pattern."""
    labels, n = learned.rows, len(learned.rows)
    if n == 1:
        return (f"With one word, **{labels[0]}** can only look at itself: every map gives it weight 1, learned or "
                "designed. Type a longer sentence to compare the patterns.")
    mine, theirs = _tops(learned.values), _tops(hand.values)
    same = [i for i in range(n) if mine[i] == theirs[i]]
    differ = [i for i in range(n) if mine[i] != theirs[i]]

    def top(tops: frozenset[int], A: np.ndarray, i: int) -> str:
        j = min(tops)
        return (" and ".join(labels[k] for k in sorted(tops)) + " (a tie)" if len(tops) > 1
                else f"{labels[j]} ({A[i, j]:.2f})")

    text = (f"After training, **{len(same)} of {n}** words look most at the same word as under the designed "
            "weights.")
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
                 f"**{hits} of {len(asked)}** look most at exactly that word.")
    else:
        text += (" This sentence asks no word to fetch another's value (it has no action, or no subject or object "
                 "the task knows), so what the map shows was learned from other sentences.")
    return text


def held_out(training: learning.Training) -> str:
    """Before and after on sentences training never saw."""
    return (f"On {len(training.held_out)} held-out sentences (new combinations and orders of the same words), the "
            f"share of words whose largest weight falls on the word they must fetch went from "
            f"**{training.held_out_accuracy_before:.0%}** before training to "
            f"**{training.held_out_accuracy_after:.0%}** after, and the loss from "
            f"{training.held_out_loss_before:.4f} to {training.held_out_loss_after:.4f}.")


def loss_note(training: learning.Training) -> str:
    first, last = float(training.losses[0]), float(training.losses[-1])
    steps = len(training.losses) - 1
    if last < first:
        how = f"fell to {last:.4f}, {first / last:.0f} times lower" if last > 0 else "fell to 0"
    else:
        how = f"did not fall (it ended at {last:.4f}): try a smaller learning rate"
    return f"The training loss started at {first:.4f} (random weights) and after {steps} steps {how}."


# One gradient step --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GradientStep:
    """One gradient step on one sentence: the example (X, target), the forward pass and the backward pass, as
    explainer.learning computes them (nothing here recomputes them)."""

    example: learning.Sentence
    record: learning.Forward
    grads: learning.Backward
    learning_rate: float

    @property
    def labels(self) -> tuple[str, ...]:
        return unique_labels(self.example.tokens)

    def factor(self, name: str) -> int:
        """The power of ten a gradient is shown times, so that its largest entry reads at least 1 (0 for none)."""
        largest = float(np.abs(getattr(self.grads, name)).max())
        if not largest > 0:
            return 0
        return int(min(6, max(0, -math.floor(math.log10(largest)))))

    def matrix(self, name: str) -> Matrix:
        """A gradient as a matrix to draw, times 10^factor (said in its name) so that its numbers read."""
        values = getattr(self.grads, name)
        qk = tuple(f"d{i + 1}" for i in range(self.record.Q.shape[-1]))
        rows, cols = {"dO": (self.labels, CONTENTS), "dA": (self.labels, self.labels),
                      "dS": (self.labels, self.labels), "dQ": (self.labels, qk), "dK": (self.labels, qk),
                      "dW_Q": (qk, DIMENSIONS), "dW_K": (qk, DIMENSIONS)}[name]
        power = self.factor(name)
        times = f" ×{10 ** power}" if power else ""
        what = {"dO": "∂L/∂O: how each output should move", "dA": "∂L/∂A, through O = A·V",
                "dS": "∂L/∂S, through softmax and ÷√d_k", "dQ": "∂L/∂Q = dS·K", "dK": "∂L/∂K = dSᵀ·Q",
                "dW_Q": "∂L/∂W_Q = dQᵀ·X", "dW_K": "∂L/∂W_K = dKᵀ·X"}[name]
        caption = what + (f", times {10 ** power} to read" if power else "")
        return Matrix(name + times, caption, values * 10 ** power, rows, cols)

    def worked_softmax(self, query: int) -> tuple[int, str]:
        """The softmax step for one entry of the query's row, in numbers: (its key, a LaTeX line). The key is the
        word the query must fetch from, else the one with the largest gradient."""
        A, dA, dS = self.record.A[query], self.grads.dA[query], self.grads.dS[query]
        wanted = self.example.intended[query]
        key = wanted if wanted is not None else int(np.abs(dS).argmax())
        average = float(A @ dA)
        root = math.sqrt(self.record.Q.shape[-1])
        i, j = query + 1, key + 1
        line = (rf"\begin{{aligned}} dS_{{{i}{j}}} &= \tfrac{{1}}{{{root:g}}} \times {_tex(A[key])} \times "
                rf"\big({_tex(dA[key])} - ({_tex(average)})\big) \\ &= {_tex(dS[key])} \end{{aligned}}")
        return key, line

    def note(self, query: int) -> str:
        """What this step says about the query word, in words made from its numbers."""
        labels, loss = self.labels, self.grads.loss
        word = labels[query]
        if not loss > 1e-12:
            return (f"For this sentence the loss is already {loss:.4f}: the output equals the target, so every "
                    "gradient is 0 and the step changes nothing.")
        wanted = self.example.intended[query]
        if wanted is None:
            fetch = f"**{word}** has nothing to fetch: its target is its own value, and it gives itself"
            wanted = query
        else:
            fetch = f"**{word}** must fetch the value of **{labels[wanted]}**, and gives it"
        return (f"The loss on this sentence is **{loss:.4f}**. {fetch} weight {self.record.A[query, wanted]:.4f} "
                "now.")


def gradient_step(sentence: str, W_Q: np.ndarray, W_K: np.ndarray, learning_rate: float) -> GradientStep:
    """One step for the student's sentence from these weights: the task's target for it (learning.as_task), the
    forward pass and the backward pass."""
    example = learning.as_task(sentence)
    record = learning.forward(example.X, W_Q, W_K, designed_weights().W_V)
    return GradientStep(example, record, learning.backward(record, example.target), float(learning_rate))


def _tex(value: float) -> str:
    return f"{value:.4f}"


LOSS = (r"\begin{aligned} L &= \frac{1}{n\,d_v}\sum_{i,c}\big(O_{ic} - T_{ic}\big)^2 \\ "
        r"O &= \mathrm{softmax}\!\Big(\frac{Q K^\top}{\sqrt{d_k}}\Big) V \\ "
        r"Q &= X W_Q^\top,\ K = X W_K^\top,\ V = X W_V^\top \end{aligned}")
"""The loss and the model it is the loss of (LaTeX): three short lines, to fit a phone."""
STEPS = {
    "dO": r"\begin{aligned} dO &= \frac{\partial L}{\partial O} = \frac{2}{n\,d_v}\,(O - T) \\ "
          r"O = A\,V \;&\Rightarrow\; dA = dO\,V^\top \end{aligned}",
    "dS": r"dS_{ij} = \frac{1}{\sqrt{d_k}}\,A_{ij}\Big(dA_{ij} - \sum_l A_{il}\,dA_{il}\Big)",
    "dQK": r"S = Q K^\top \;\Rightarrow\; dQ = dS\,K,\quad dK = dS^\top Q",
    "dW": r"\begin{aligned} Q = X W_Q^\top \;&\Rightarrow\; dW_Q = dQ^\top X,\quad dW_K = dK^\top X \\ "
          r"W &\leftarrow W - \eta\, dW \end{aligned}",
}
"""The formulas of the backward pass, in the page's order (LaTeX)."""
