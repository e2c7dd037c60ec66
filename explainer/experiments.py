"""Numbers the lesson draws that are not part of one run of attention: measured on random vectors, or a view of
vectors in a plane."""
from __future__ import annotations

import math

import numpy as np

from .attention import dot_scores, softmax


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


def main_plane(vectors: np.ndarray) -> tuple[np.ndarray, float]:
    """Vectors (n, d) as points (n, 2) in the plane of the two directions along which they spread most (through 0),
    and the share of their spread (sum of squares) that plane keeps. Dot products of the points approximate those of
    the vectors, exactly when the share is 1."""
    vectors = np.asarray(vectors, dtype=float)
    _, singular, axes = np.linalg.svd(vectors, full_matrices=False)
    kept = float((singular[:2] ** 2).sum() / max((singular**2).sum(), 1e-300))
    return vectors @ axes[:2].T, kept
