"""The projection matrices W_Q, W_K (d_k, d_model) and W_V (d_v, d_model), as the lesson writes them (Q = X·W_Qᵀ).

In a real transformer these are learned by backpropagation. Here there are three sets:

* **designed**: set by hand so that every number means something. Each of the d_k = 8 dimensions of the
  query/key space is a question. The first four ask about meaning ("looking for an action?"): W_Q says which
  features ask it, W_K which features answer it. The last four ask about position ("near me?"): W_Q turns the
  query's position clocks, W_K reads each key's clocks as they are, so that words close after the query match best.
  W_V copies four features into the value a word passes on.
* **random**: drawn from numpy's default_rng(seed), the way a model starts before it has learned anything.
* **trained**: W_Q and W_K learned by backpropagation from the random start of a seed, W_V the designed one
  (explainer.learning.trained_weights: it lives there, beside the training that makes it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import checks
from .positions import CLOCK_SPEEDS
from .vocabulary import D_MODEL, DIMENSIONS, POSITION_DIMS

MEANING_QUESTIONS = ("action?", "who?", "what or where?", "small word?")
"""The designed questions about meaning: a query asks "where is an action?", a key answers "here is one"."""

POSITION_QUESTIONS = ("near? sin1", "near? cos1", "near? sin2", "near? cos2")
"""The designed questions about position, one per clock dimension: the query's clock turned (W_Q), against the
key's own clock (W_K)."""

QUESTIONS = MEANING_QUESTIONS + POSITION_QUESTIONS
"""Every designed query/key dimension, in order."""

D_K = len(QUESTIONS)

CONTENTS = ("who", "action", "place", "thing")
"""The designed value dimensions: what a word passes on when it is attended to."""

# W_Q: how strongly each feature asks each question about meaning. Words that name something (a person, a thing, a
# time, a pronoun) and the small words around a verb look for the action; the action looks for who and for what or
# where; words that describe or point to a noun look for one; place words look for the small word that links them
# (in, at, to), and actions and describing words look away from small words. Three strengths are set so that the
# lesson's table comes out for "jane visits africa" (jane -> visits 0.94, visits -> africa 0.86, africa -> visits
# 0.76): person -> action?, place -> action? and action -> what or where?.
_ASKS = {
    "action?": {"person": 2.43, "animal": 3.5, "place": 1.7, "thing": 3.5, "time": 6.0, "helps": 3.0, "links": 5.0,
                "grammar": 3.0},
    "who?": {"action": 3.0, "helps": 2.0, "describes": 2.5, "points": 3.0, "links": 1.5, "stands for": 5.0},
    "what or where?": {"action": 3.24, "describes": 2.5, "points": 3.5, "links": 2.5},
    "small word?": {"place": 2.5, "person": -1.0, "action": -5.5, "helps": -2.5, "describes": -4.0, "points": -2.0,
                    "links": -2.0, "grammar": -1.5},
}
# W_K: how strongly each feature answers each question about meaning. A pronoun answers "who?" negatively: it is not
# the person asked for, it stands for one.
_ANSWERS = {
    "action?": {"action": 3.5, "helps": 1.5},
    "who?": {"person": 3.0, "animal": 3.5, "stands for": -4.5},
    "what or where?": {"place": 3.5, "thing": 2.5, "time": 3.0},
    "small word?": {"helps": 4.5, "points": 2.0, "links": 5.0, "grammar": 3.5, "stands for": -3.0},
}
# The position questions: per clock, how strongly the query asks (W_Q) and how many words ahead its clock is turned.
# Keys answer with their own clock at strength 2 (W_K). The fast clock asks for the word two ahead, the slow one for
# words near the query: together they make the next word the best match, then the words just around it.
_NEAR = {"fast": (1.0, 2.0), "slow": (3.5, 0.0)}  # clock -> (strength in W_Q, words ahead)
_NEAR_ANSWER = 2.0
# W_V: which features a word passes on, one value dimension each.
_PASSES = {
    "who": {"person": 1.0, "animal": 1.0},
    "action": {"action": 1.0},
    "place": {"place": 1.0},
    "thing": {"thing": 1.0},
}


@dataclass(frozen=True)
class Projections:
    """W_Q, W_K (d_k, d_model) and W_V (d_v, d_model), and the names of the dimensions of Q/K and of V."""

    W_Q: np.ndarray
    W_K: np.ndarray
    W_V: np.ndarray
    qk_dims: tuple[str, ...]
    v_dims: tuple[str, ...]


def _matrix(rows: dict[str, dict[str, float]]) -> np.ndarray:
    return np.array([[row.get(dim, 0.0) for dim in DIMENSIONS] for row in rows.values()])


def _turn(words_ahead: float, speed: float) -> np.ndarray:
    """The 2 × 2 block that turns a clock's (sin, cos) reading `words_ahead` words forward: (sin ωp, cos ωp) ->
    (sin ω(p + s), cos ω(p + s))."""
    angle = speed * words_ahead
    return np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])


def _position_blocks() -> tuple[np.ndarray, np.ndarray]:
    """The rows of W_Q and W_K for the position questions, (4, d_model) each: 0 on the named features."""
    asks, answers = np.zeros((len(POSITION_QUESTIONS), D_MODEL)), np.zeros((len(POSITION_QUESTIONS), D_MODEL))
    first = DIMENSIONS.index(POSITION_DIMS[0])
    for clock, (speed, (strength, ahead)) in enumerate(zip(CLOCK_SPEEDS, _NEAR.values(), strict=True)):
        rows, cols = slice(2 * clock, 2 * clock + 2), slice(first + 2 * clock, first + 2 * clock + 2)
        asks[rows, cols] = strength * _turn(ahead, speed)
        answers[rows, cols] = _NEAR_ANSWER * np.eye(2)
    return asks, answers


def designed_weights() -> Projections:
    """The hand-set, explainable projections (d_k = 8, d_model = 16). The meaning questions read only the named
    features, the position questions only the position dimensions; W_V reads only the named features."""
    near_q, near_k = _position_blocks()
    return Projections(np.vstack([_matrix(_ASKS), near_q]), np.vstack([_matrix(_ANSWERS), near_k]),
                       _matrix(_PASSES), QUESTIONS, CONTENTS)


def random_weights(seed: int, d_model: int = D_MODEL, d_k: int = D_K, d_v: int = len(CONTENTS)) -> Projections:
    """Untrained projections: entries drawn from N(0, 1/d_model), the same for the same seed on every machine."""
    rng = np.random.default_rng(checks.whole("seed", seed))
    W_Q, W_K = rng.normal(0.0, 1.0 / np.sqrt(d_model), size=(2, d_k, d_model))
    W_V = rng.normal(0.0, 1.0 / np.sqrt(d_model), size=(d_v, d_model))
    return Projections(W_Q, W_K, W_V, tuple(f"d{i + 1}" for i in range(d_k)), tuple(f"v{i + 1}" for i in range(d_v)))


def project(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Move each word vector into a new space: (n_tokens, d_model) x (d_model, d_k) -> (n_tokens, d_k).

    .. math::  Q = X W_Q^T

    (The same as X·W with W stored the other way round, as (d_model, d_k).)
    """
    if X.ndim != 2 or W.ndim != 2 or X.shape[1] != W.shape[1]:
        raise ValueError(f"project needs X (n, d_model) and W (d_k, d_model), got X {X.shape} and W {W.shape}")
    return X @ W.T
