"""How W_Q and W_K are learned: a small task that needs attention, the lesson's chain as the model, backpropagation
written out by hand, and a deterministic training loop.

The task. Sentences of 3 to 6 words hold one subject (a person or animal), one action and one object (a place or a
thing), in any order, with up to three grammar words ("the", "a", "in", "on") among them. Each word's target is
the value of the word that explains it:

* the subject fetches its action's value ("jane" -> "reads"), and the object fetches it too ("paris" -> "reads");
* the action fetches its object's value ("reads" -> "paris");
* a grammar word has nothing to fetch: its target is its own value.

Values are V = X·W_Vᵀ with the designed W_V held fixed (it copies the who / action / place / thing features), so the
targets can only be reached by attending to the right word: only W_Q and W_K are learned. One head (heads are left
out), d_k = 8, no mask, positions on. The loss is the mean squared error between O and the target, averaged over
tokens and dimensions (and over sentences). Training is plain gradient descent on the full batch, W ← W − η·dW,
from the app's random weights: `forward` (the engine's one pass of attention, after the projections) and `backward`
keep every intermediate, so one step can be shown in numbers.

>>> result = train(steps=3)
>>> result.losses.shape, result.W_Q.shape
((4,), (8, 16))
"""
# ruff: noqa: N815
# (dW_Q, dW_K, dW_V are the lesson's names for the weights' gradients, as pyproject.toml keeps Q, K, V, W_Q)
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import checks
from .attention import AttentionPass, Gradients, attention_backward, scaled_dot_product_attention
from .positions import model_input, word_positions
from .tokens import tokenize
from .vocabulary import embed, kind, word_vector
from .weights import CONTENTS, D_K, Projections, designed_weights, random_weights

DEFAULT_STEPS = 200
"""Training's default number of gradient steps: enough for every seed tried (0-9) to reach the intended pattern."""
DEFAULT_RATE = 5.0
"""Training's default learning rate η."""


SUBJECTS = ("jane", "john", "mary", "friend", "teacher", "students", "mother", "doctor", "child", "cat", "dog", "bird")
ACTIONS = ("visits", "reads", "sees", "loves", "eats", "drinks", "writes", "chased", "finds", "likes")
OBJECTS = ("africa", "paris", "london", "park", "garden", "street", "city", "book", "ball", "coffee", "letter",
           "apple", "bread", "water", "car")
GRAMMAR = ("the", "a", "in", "on")
"""The words the task's sentences are made of: clear cases of each role."""
_ROLES = ("subject", "action", "object")
_EXPLAINED_BY = {"subject": "action", "action": "object", "object": "action"}  # who fetches whose value
_ROLE_OF = {"person": "subject", "animal": "subject", "action": "action", "place": "object", "thing": "object",
            "points": "grammar", "links": "grammar"}  # a word's strongest feature -> its role in the task


def role(word: str) -> str:
    """A word's role in the task, from its strongest feature: "subject" (a person or an animal), "action", "object"
    (a place or a thing), "grammar" (a word that points to or links a noun), or "other" (any other word, and a word
    outside the vocabulary: like a grammar word, it has nothing to fetch)."""
    return _ROLE_OF.get(kind(word_vector(word)), "other")


def intended_words(tokens: tuple[str, ...] | list[str]) -> tuple[int | None, ...]:
    """Per word, the index of the word that explains it, for any sentence: a subject's and an object's is the
    sentence's first action, an action's its first object; None where there is none (grammar and other words,
    or a sentence without an action or an object), and the word's target is then its own value."""
    roles = [role(token) for token in tokens]
    first = {r: roles.index(r) for r in _ROLES if r in roles}
    return tuple(first.get(_EXPLAINED_BY.get(r, "")) for r in roles)


@dataclass(frozen=True)
class Sentence:
    """One example of the task: the words, the model's input X = E + PE (n, d_model), the target (n, d_v), and per
    word the index of the word that explains it (None for grammar words, whose target is their own value)."""

    tokens: tuple[str, ...]
    X: np.ndarray
    target: np.ndarray
    intended: tuple[int | None, ...]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def _input(tokens: list[str]) -> np.ndarray:
    embeddings, _ = embed(tokens)
    return model_input(embeddings, word_positions(len(tokens)))  # (n, d_model)


def make_task(seed: int = 0, n_sentences: int = 64, *, held_out: bool = False) -> tuple[Sentence, ...]:
    """`n_sentences` sentences of the task, the same for the same seed. `held_out=True` draws from another stream
    of the same seed: sentences for measuring, not training (new word combinations and orders, same vocabulary)."""
    seed, n_sentences = checks.whole("seed", seed), checks.whole("n_sentences", n_sentences, 1)
    rng = np.random.default_rng([seed, int(held_out)])
    W_V = designed_weights().W_V
    sentences = []
    for _ in range(n_sentences):
        roles = [*_ROLES, *["grammar"] * int(rng.integers(0, 4))]
        roles = [roles[i] for i in rng.permutation(len(roles))]  # any order: position alone cannot solve it
        pools = {"subject": SUBJECTS, "action": ACTIONS, "object": OBJECTS, "grammar": GRAMMAR}
        tokens = [str(rng.choice(pools[role])) for role in roles]
        where = {role: roles.index(role) for role in _ROLES}
        intended = tuple(where[_EXPLAINED_BY[r]] if r in _EXPLAINED_BY else None for r in roles)
        sentences.append(_sentence(tokens, intended, W_V))
    return tuple(sentences)


def _sentence(tokens: list[str], intended: tuple[int | None, ...], W_V: np.ndarray) -> Sentence:
    X = _input(tokens)
    V = X @ W_V.T  # (n, d_v)
    target = V[[i if j is None else j for i, j in enumerate(intended)]]  # (n, d_v)
    return Sentence(tuple(tokens), X, target, intended)


def as_task(sentence: str) -> Sentence:
    """Any sentence (the student's own) as an example of the task: its words, X = E + PE, and the target the task
    asks of it (see intended_words). Raises InputError for a sentence the lesson cannot use."""
    tokens = tokenize(sentence)
    return _sentence(tokens, intended_words(tokens), designed_weights().W_V)


@dataclass(frozen=True)
class Backward(Gradients):
    """The loss of one forward pass against its target and every gradient of it: the pass's own (Gradients:
    d_output, d_attention, dV, d_logits, d_scores, dQ, dK) and the weights', d<name> = ∂L/∂<name>."""

    loss: float
    dW_Q: np.ndarray
    dW_K: np.ndarray
    dW_V: np.ndarray


def forward(X: np.ndarray, W_Q: np.ndarray, W_K: np.ndarray, W_V: np.ndarray) -> AttentionPass:
    """The lesson's chain, keeping every step: Q = X·W_Qᵀ, K = X·W_Kᵀ, V = X·W_Vᵀ, then the engine's one pass of
    attention (scores = Q·Kᵀ, logits = scores/√d_k, attention = softmax(logits) row by row, output = attention·V).
    One head, no mask, temperature 1.

    X (..., n, d_model); W_Q, W_K (d_k, d_model); W_V (d_v, d_model).
    """
    X = checks.matrices("X", X)
    W_Q, W_K, W_V = (checks.matrices(name, W) for name, W in (("W_Q", W_Q), ("W_K", W_K), ("W_V", W_V)))
    if W_Q.ndim != 2 or W_Q.shape != W_K.shape or W_V.ndim != 2 or W_V.shape[1] != X.shape[-1] \
            or W_Q.shape[1] != X.shape[-1]:
        raise ValueError(f"need W_Q and W_K of one shape (d_k, d_model) and W_V (d_v, d_model) with d_model = "
                         f"X's width, got X {X.shape}, W_Q {W_Q.shape}, W_K {W_K.shape}, W_V {W_V.shape}")
    Q, K, V = X @ W_Q.T, X @ W_K.T, X @ W_V.T  # (..., n, d_k), (..., n, d_k), (..., n, d_v)
    return scaled_dot_product_attention(Q, K, V)  # scores, logits, weights (..., n, n); output (..., n, d_v)


def mse(output: np.ndarray, target: np.ndarray) -> float:
    """The loss: mean squared error, averaged over tokens and dimensions (and over a stack of sentences).

    .. math::  L = \\frac{1}{n\\, d_v} \\sum_{i, c} (O_{ic} - T_{ic})^2
    """
    return float(np.mean((output - target) ** 2))


def backward(X: np.ndarray, record: AttentionPass, target: np.ndarray) -> Backward:
    """The loss of `record`, the forward pass of X, against `target` and its gradient, step by step back through
    the chain (d = ∂L/∂): through the pass of attention (attention_backward), then through Q = X·W_Qᵀ, K = X·W_Kᵀ
    and V = X·W_Vᵀ to the weights."""
    r = record
    X, target = checks.matrices("X", X), np.asarray(target, dtype=float)
    if X.shape[:-1] != r.Q.shape[:-1]:
        raise ValueError(f"X must be the input of the forward pass (one row per query {r.Q.shape}), got {X.shape}")
    if target.shape != r.output.shape:
        raise ValueError(f"target must have the output's shape {r.output.shape}, got {target.shape}")
    n, d_v = r.output.shape[-2:]
    batch = r.output.size // (n * d_v)  # sentences in the stack: the loss is their mean
    d_output = 2.0 * (r.output - target) / r.output.size  # L = mean (O − T)²: (..., n, d_v)
    g = attention_backward(r, d_output)  # dV only to show: W_V is not trained

    def weight_grad(dM: np.ndarray) -> np.ndarray:  # through M = X·Wᵀ: dW = dMᵀ·X, summed over the stack
        return dM.reshape(batch * n, -1).T @ X.reshape(batch * n, -1)  # (d, n) x (n, d_model)

    return Backward(**vars(g), loss=mse(r.output, target), dW_Q=weight_grad(g.dQ), dW_K=weight_grad(g.dK),
                    dW_V=weight_grad(g.dV))


def _stacks(sentences: tuple[Sentence, ...]) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Sentences grouped by length and stacked, so that one matmul serves a group: [(X (b, n, d_model),
    target (b, n, d_v), b / all)]. Mean over a group's entries = mean of its sentences' losses."""
    if not sentences:
        raise ValueError("need at least one sentence")
    lengths = sorted({len(s.tokens) for s in sentences})
    groups = [[s for s in sentences if len(s.tokens) == n] for n in lengths]
    return [(np.stack([s.X for s in g]), np.stack([s.target for s in g]), len(g) / len(sentences)) for g in groups]


def _loss_and_grads(W_Q, W_K, W_V, stacks) -> tuple[float, np.ndarray, np.ndarray]:
    loss, dW_Q, dW_K = 0.0, np.zeros_like(W_Q), np.zeros_like(W_K)
    for X, target, share in stacks:  # the full batch: mean loss over sentences, and its gradient
        g = backward(X, forward(X, W_Q, W_K, W_V), target)
        loss, dW_Q, dW_K = loss + share * g.loss, dW_Q + share * g.dW_Q, dW_K + share * g.dW_K
    return loss, dW_Q, dW_K


def accuracy(W_Q: np.ndarray, W_K: np.ndarray, sentences: tuple[Sentence, ...]) -> float:
    """Share of the words with an intended word (every word but grammar words) whose largest attention weight is
    on that word: the subject's and the object's on the action, the action's on its object."""
    W_V = designed_weights().W_V
    hits = total = 0
    for s in sentences:
        attention = forward(s.X, W_Q, W_K, W_V).attention
        for i, j in enumerate(s.intended):
            if j is not None:
                hits, total = hits + int(attention[i].argmax() == j), total + 1
    if not total:
        raise ValueError("accuracy needs sentences with at least one word that has an intended word")
    return hits / total


@dataclass(frozen=True)
class Training:
    """What `train` returns. losses[t] is the training loss after t steps (t = 0 .. steps); W_Q_snapshots[k] and
    W_K_snapshots[k], each (d_k, d_model), are the weights after snapshot_steps[k] steps, from 0 (the random start)
    to `steps` (= W_Q, W_K). W_V is the designed one, held fixed. Held-out figures are before and after training."""

    W_Q: np.ndarray
    W_K: np.ndarray
    W_V: np.ndarray
    losses: np.ndarray
    snapshot_steps: np.ndarray
    W_Q_snapshots: np.ndarray
    W_K_snapshots: np.ndarray
    held_out_loss_before: float
    held_out_loss_after: float
    held_out_accuracy_before: float
    held_out_accuracy_after: float
    sentences: tuple[Sentence, ...]
    held_out: tuple[Sentence, ...]


def train(seed: int = 0, steps: int = DEFAULT_STEPS, learning_rate: float = DEFAULT_RATE, *, n_sentences: int = 64,
          n_held_out: int = 100, n_snapshots: int = 21,
          on_step: Callable[[int, int], object] | None = None) -> Training:
    """Learn W_Q and W_K for the task by plain gradient descent, from the app's random weights for `seed`.

    Every step uses the full batch (the mean loss over the `n_sentences` training sentences, drawn from `seed` too)
    and moves each matrix against its gradient: W ← W − learning_rate · dW. Same arguments, same arrays.
    `on_step(done, steps)`, if given, is called after each step (e.g. to move a progress bar).
    """
    checks.whole("steps", steps, 1)
    checks.whole("n_snapshots", n_snapshots, 2)
    checks.positive("learning_rate", learning_rate)
    sentences, held_out = make_task(seed, n_sentences), make_task(seed, n_held_out, held_out=True)
    train_stacks, held_out_stacks = _stacks(sentences), _stacks(held_out)
    start = random_weights(seed)
    W_Q, W_K, W_V = start.W_Q.copy(), start.W_K.copy(), designed_weights().W_V
    snapshot_steps = np.unique(np.linspace(0, steps, n_snapshots).round().astype(int))
    losses, snaps_Q, snaps_K = [], [], []
    for step in range(steps + 1):
        if step in snapshot_steps:
            snaps_Q.append(W_Q.copy())
            snaps_K.append(W_K.copy())
        loss, dW_Q, dW_K = _loss_and_grads(W_Q, W_K, W_V, train_stacks)
        losses.append(loss)
        if step < steps:
            W_Q, W_K = W_Q - learning_rate * dW_Q, W_K - learning_rate * dW_K
            if on_step is not None:
                on_step(step + 1, steps)
    return Training(
        W_Q=W_Q, W_K=W_K, W_V=W_V, losses=np.array(losses), snapshot_steps=snapshot_steps,
        W_Q_snapshots=np.array(snaps_Q), W_K_snapshots=np.array(snaps_K),
        held_out_loss_before=_loss_and_grads(start.W_Q, start.W_K, W_V, held_out_stacks)[0],
        held_out_loss_after=_loss_and_grads(W_Q, W_K, W_V, held_out_stacks)[0],
        held_out_accuracy_before=accuracy(start.W_Q, start.W_K, held_out),
        held_out_accuracy_after=accuracy(W_Q, W_K, held_out), sentences=sentences, held_out=held_out,
    )


def attention_on(sentence: str, W_Q: np.ndarray, W_K: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """The attention weights A (n, n) that W_Q and W_K give a sentence (any text: the student's own), with its
    tokens. X = E + PE, as in training. Raises InputError for a sentence the lesson cannot use."""
    tokens = tokenize(sentence)
    return tuple(tokens), forward(_input(tokens), W_Q, W_K, designed_weights().W_V).attention


CACHED = 32
"""Trainings kept per process, the least recently used dropped first: every session and page reuses them."""


def trained(seed: int = 0, steps: int = DEFAULT_STEPS, learning_rate: float = DEFAULT_RATE, *,
            on_step: Callable[[int, int], object] | None = None) -> Training:
    """`train(seed, steps, learning_rate)` with the default task sizes, kept per process (the CACHED most recently
    used): every session and page asking for the same training shares one result, read-only. `on_step` is
    called only when the training actually runs."""
    key = checks.whole("seed", seed), checks.whole("steps", steps, 1), checks.positive("learning_rate", learning_rate)
    return _kept(*key, _Progress(on_step))


@dataclass(frozen=True)
class _Progress:
    """What to call after each step of a training that runs: left out of the cache's key (equal to any other)."""

    on_step: Callable[[int, int], object] | None = field(compare=False)


@lru_cache(maxsize=CACHED)  # thread-safe; two sessions asking for one new training at once may both run it
def _kept(seed: int, steps: int, learning_rate: float, progress: _Progress) -> Training:
    return _read_only(train(seed, steps, learning_rate, on_step=progress.on_step))


def forget() -> None:
    """Drop every kept training, as a fresh process starts."""
    _kept.cache_clear()


def _read_only(result: Training) -> Training:
    for record in (result, *result.sentences, *result.held_out):
        checks.read_only(record)
    return result


def trained_weights(seed: int = 0, steps: int = DEFAULT_STEPS, learning_rate: float = DEFAULT_RATE) -> Projections:
    """The "trained" weight set: W_Q and W_K learned by `trained(seed, steps, learning_rate)`, W_V the designed
    one (held fixed in training). The learned query/key dimensions have no names: d1 .. d8, as many as D_K, so
    that heads split them as they split the other sets'."""
    result = trained(seed, steps, learning_rate)
    if result.W_Q.shape[0] != D_K:
        raise ValueError(f"the learned d_k is {result.W_Q.shape[0]}, the lesson's is {D_K}")
    dims = tuple(f"d{i + 1}" for i in range(D_K))
    return Projections(result.W_Q, result.W_K, result.W_V, dims, CONTENTS)
