"""Word order: sinusoidal positional encoding, as in "Attention Is All You Need" (Vaswani et al., 2017)."""
from __future__ import annotations

import numpy as np


def positional_encoding(n_tokens: int, d_model: int) -> np.ndarray:
    """The position signal added to each word's embedding.

    .. math::  PE_{pos, 2i} = \\sin(pos / 10000^{2i/d}),\\quad PE_{pos, 2i+1} = \\cos(pos / 10000^{2i/d})

    Each pair of dimensions is a clock turning at its own speed: the first pair fast, the last slowly, so that
    every position gets a different pattern of values between -1 and 1. Shape (n_tokens, d_model).
    """
    if n_tokens < 1 or d_model < 2 or d_model % 2:
        raise ValueError(f"positional_encoding needs n_tokens >= 1 and an even d_model >= 2, "
                         f"got n_tokens={n_tokens}, d_model={d_model}")
    position = np.arange(n_tokens)[:, None]  # (n, 1)
    speed = 10000.0 ** (-np.arange(0, d_model, 2) / d_model)  # (d/2,)
    angle = position * speed  # (n, d/2)
    encoding = np.empty((n_tokens, d_model))
    encoding[:, 0::2] = np.sin(angle)
    encoding[:, 1::2] = np.cos(angle)
    return encoding


def model_input(embeddings: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """X, the input to attention: embeddings scaled by √d_model, plus positions.

    .. math::  X = \\sqrt{d_{model}}\\, E + PE

    The paper scales the embeddings by √d_model so that position, whose values stay within ±1, nudges a word's
    meaning instead of drowning it. Pass zeros as `positions` to leave word order out.
    (n_tokens, d_model) + (n_tokens, d_model) -> (n_tokens, d_model)
    """
    if embeddings.ndim != 2 or positions.shape != embeddings.shape:
        raise ValueError(f"model_input needs embeddings and positions of one shape (n_tokens, d_model), "
                         f"got {embeddings.shape} and {positions.shape}")
    return np.sqrt(embeddings.shape[1]) * embeddings + positions
