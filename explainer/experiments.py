"""Numbers the lesson draws that are not part of one run of attention: measured on random vectors, or vectors
laid out in a plane."""
from __future__ import annotations

import math

import numpy as np

from .attention import cosine_scores, dot_scores, softmax


def scaling(d_ks: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512), n_keys: int = 10,
            samples: int = 400, seed: int = 0) -> dict[str, np.ndarray]:
    """Why divide by √d_k: for random q and k with unit-variance entries, the spread of q·k grows like √d_k.

    For each d_k, draws `samples` queries and n_keys keys per query, and returns, per d_k, the measured standard
    deviation of q·k beside √d_k, and the average largest softmax weight in a row with and without the division
    (1 means the softmax has saturated into a one-hot row; 1/n_keys would be uniform).
    """
    rng = np.random.default_rng(seed)
    spread, unscaled, scaled = [], [], []
    for d_k in d_ks:
        q = rng.standard_normal((samples, 1, d_k))
        k = rng.standard_normal((samples, n_keys, d_k))
        dots = dot_scores(q, k)[:, 0, :]  # (samples, n_keys)
        spread.append(dots.std())
        unscaled.append(softmax(dots).max(axis=-1).mean())
        scaled.append(softmax(dots / math.sqrt(d_k)).max(axis=-1).mean())
    return {"d_k": np.asarray(d_ks), "std of q·k": np.asarray(spread), "√d_k": np.sqrt(d_ks),
            "largest weight, unscaled": np.asarray(unscaled), "largest weight, ÷√d_k": np.asarray(scaled)}


def fan(q: np.ndarray, K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One query and its keys as 2-D arrows that keep what attention uses: q along the x axis with its true length,
    and each key at its true angle to q (above the axis) with its true length. So q·k and cos(q, k) in the plane
    equal the real ones, whatever the number of dimensions; angles between two keys are not kept.

    (d,) and (n, d) -> q's point (2,) and the keys' points (n, 2).
    """
    q, K = np.asarray(q, dtype=float), np.asarray(K, dtype=float)
    cosine = np.clip(cosine_scores(q[None, :], K)[0], -1.0, 1.0)
    angle = np.arccos(cosine)
    length = np.linalg.norm(K, axis=1)
    return np.array([np.linalg.norm(q), 0.0]), np.stack([length * np.cos(angle), length * np.sin(angle)], axis=1)
