"""The projection matrices W_Q, W_K, W_V, each of shape (d_k, d_model), as the lesson writes them (Q = X·W_Qᵀ).

In a real transformer these are learned by backpropagation. Here there are three sets:

* **designed**: set by hand so that every number means something. Each of the d_k = 4 dimensions of the
  query/key space is a question ("looking for an action?"); W_Q says which words ask it, W_K which words answer it.
  W_V copies four features into the value a word passes on.
* **random**: drawn from numpy's default_rng(seed), the way a model starts before it has learned anything.
* **trained**: W_Q and W_K learned by backpropagation from the random start of a seed, W_V the designed one
  (explainer.learning.trained_weights: it lives there, beside the training that makes it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .vocabulary import D_MODEL, DIMENSIONS

D_K = 4

QUESTIONS = ("action?", "place?", "thing?", "who?")
"""The designed query/key dimensions: a query asks "where is an action?", a key answers "here is one"."""

CONTENTS = ("who", "action", "place", "thing")
"""The designed value dimensions: what a word passes on when it is attended to."""

# W_Q: how strongly each feature asks each question. A person looks for what they do; an action looks
# for where it happens, what it acts on and who does it; a place looks back at the action.
# The sizes are set so that the lesson's table comes out for "jane visits africa" (jane -> visits 0.94, visits ->
# africa 0.86, africa -> visits 0.76): with answers of strength 2 = √d_k, a one-feature word's scaled score is
# exactly the number written here.
_ASKS = {
    "action?": {"person": 3.45, "animal": 3.45, "place": 1.85, "thing": 1.8, "time": 1.8},
    "place?": {"action": 3.07},
    "thing?": {"action": 2.0, "quality": 2.2, "grammar": 1.45},
    "who?": {"action": 0.92, "quality": 2.2, "grammar": 1.45},
}
# W_K: how strongly each feature answers each question.
_ANSWERS = {
    "action?": {"action": 2.0},
    "place?": {"place": 2.0},
    "thing?": {"thing": 2.0, "animal": 1.0},
    "who?": {"person": 2.0, "animal": 2.0},
}
# W_V: which features a word passes on, one value dimension each.
_PASSES = {
    "who": {"person": 1.0, "animal": 1.0},
    "action": {"action": 1.0},
    "place": {"place": 1.0},
    "thing": {"thing": 1.0},
}


@dataclass(frozen=True)
class Projections:
    """W_Q, W_K, W_V, each (d_k, d_model), and the names of the d_k dimensions of Q/K and of V."""

    W_Q: np.ndarray
    W_K: np.ndarray
    W_V: np.ndarray
    qk_dims: tuple[str, ...]
    v_dims: tuple[str, ...]


def _matrix(rows: dict[str, dict[str, float]]) -> np.ndarray:
    return np.array([[row.get(dim, 0.0) for dim in DIMENSIONS] for row in rows.values()])


def designed_weights() -> Projections:
    """The hand-set, explainable projections (d_k = 4, d_model = 12). They read only the named features: 0 on the
    position dimensions, so under them word order changes nothing (random weights read every dimension)."""
    return Projections(_matrix(_ASKS), _matrix(_ANSWERS), _matrix(_PASSES), QUESTIONS, CONTENTS)


def random_weights(seed: int, d_model: int = D_MODEL, d_k: int = D_K) -> Projections:
    """Untrained projections: entries drawn from N(0, 1/d_model), the same for the same seed on every machine."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    W_Q, W_K, W_V = rng.normal(0.0, 1.0 / np.sqrt(d_model), size=(3, d_k, d_model))
    dims = tuple(f"d{i + 1}" for i in range(d_k))
    return Projections(W_Q, W_K, W_V, dims, dims)


def project(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Move each word vector into a new space: (n_tokens, d_model) x (d_model, d_k) -> (n_tokens, d_k).

    .. math::  Q = X W_Q^T

    (The same as X·W with W stored the other way round, as (d_model, d_k).)
    """
    if X.ndim != 2 or W.ndim != 2 or X.shape[1] != W.shape[1]:
        raise ValueError(f"project needs X (n, d_model) and W (d_k, d_model), got X {X.shape} and W {W.shape}")
    return X @ W.T
