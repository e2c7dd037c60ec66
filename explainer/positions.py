"""Word order: sinusoidal positional encoding, as in "Attention Is All You Need" (Vaswani et al., 2017)."""
from __future__ import annotations

import numpy as np

from .vocabulary import FEATURES, POSITION_DIMS

PAPER_BASE = 10000.0
"""The paper's base: its slowest clock takes 10000 · 2π positions to go round, for texts thousands of words long."""

BASE = 4.0
"""The lesson's base, for sentences of at most 12 words: its two clocks turn 1 and 1/2 radian a word, so the slow
one goes round once in 12.6 words and no two positions of a sentence read the same."""


def clock_speeds(d_model: int, base: float = PAPER_BASE) -> np.ndarray:
    """How far each clock (pair of dimensions) turns per position, in radians: base^(−2i/d), i = 0 .. d/2 − 1."""
    return base ** (-np.arange(0, d_model, 2) / d_model)


CLOCK_SPEEDS = tuple(float(speed) for speed in clock_speeds(len(POSITION_DIMS), BASE))
"""The lesson's clocks: (1.0, 0.5) radian a word."""


def positional_encoding(n_tokens: int, d_model: int, base: float = PAPER_BASE) -> np.ndarray:
    """The position signal added to each word's embedding.

    .. math::  PE_{pos, 2i} = \\sin(pos / b^{2i/d}),\\quad PE_{pos, 2i+1} = \\cos(pos / b^{2i/d})

    with b = 10000 in the paper. Each pair of dimensions is a clock turning at its own speed: the first pair fast,
    the last slowly, so that every position gets a different pattern of values between -1 and 1. Turning a clock
    by a fixed number of positions is the same 2 × 2 rotation wherever it starts, which is why the paper chose
    these waves: a query can ask for "the word k places after me" with one matrix. Shape (n_tokens, d_model).
    """
    if n_tokens < 1 or d_model < 2 or d_model % 2:
        raise ValueError(f"positional_encoding needs n_tokens >= 1 and an even d_model >= 2, "
                         f"got n_tokens={n_tokens}, d_model={d_model}")
    position = np.arange(n_tokens)[:, None]  # (n, 1)
    speed = clock_speeds(d_model, base)  # (d/2,)
    angle = position * speed  # (n, d/2)
    encoding = np.empty((n_tokens, d_model))
    encoding[:, 0::2] = np.sin(angle)
    encoding[:, 1::2] = np.cos(angle)
    return encoding


def word_positions(n_tokens: int) -> np.ndarray:
    """PE for the lesson's embeddings: the sinusoidal encoding with the lesson's base (BASE) in the position
    dimensions (POSITION_DIMS), 0 on the named features. Shape (n_tokens, D_MODEL)."""
    encoding = np.zeros((n_tokens, len(FEATURES) + len(POSITION_DIMS)))
    encoding[:, len(FEATURES):] = positional_encoding(n_tokens, len(POSITION_DIMS), BASE)
    return encoding


def model_input(embeddings: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """X, the input to attention: embeddings plus positions.

    .. math::  X = E + PE

    In a trained model the two share every dimension and the model learns to keep them apart (the paper also
    multiplies E by √d_model first). Here E and PE use separate dimensions, so the sum keeps both readable.
    Pass zeros as `positions` to leave word order out. (n_tokens, d_model) + (n_tokens, d_model) -> same.
    """
    if embeddings.ndim != 2 or positions.shape != embeddings.shape:
        raise ValueError(f"model_input needs embeddings and positions of one shape (n_tokens, d_model), "
                         f"got {embeddings.shape} and {positions.shape}")
    return embeddings + positions
