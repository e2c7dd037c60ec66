"""The steps of scaled dot-product attention, one function each.

.. math::  \\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}\\!\\left(\\frac{Q K^T}{\\sqrt{d_k}}\\right) V

Queries ask, keys answer, values are what gets passed on. Every function takes 2-D matrices or stacks of them
with leading batch/head axes (the last two axes are the matrix), and checks its inputs at this public edge.
"""
from __future__ import annotations

import numpy as np


def _matrices(name: str, a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim < 2 or 0 in a.shape:
        raise ValueError(f"{name} must be a non-empty matrix (or a stack of them), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must hold finite numbers only, got NaN or infinity in shape {a.shape}")
    return a


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Turn scores into probabilities along `axis`: every entry in (0, 1], each slice summing to 1.

    .. math::  \\mathrm{softmax}(x)_j = \\frac{e^{x_j - m}}{\\sum_l e^{x_l - m}},\\quad m = \\max_l x_l

    -inf marks a masked entry and gets probability 0; a slice with every entry masked has no probabilities to give
    and raises ValueError. See `exponentials` for the numerators.
    """
    e = exponentials(x, axis)
    return e / e.sum(axis=axis, keepdims=True)


def exponentials(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax's numerators: e^(x - max) along `axis`, so the largest entry of each slice becomes e^0 = 1.

    Subtracting the maximum changes nothing in the probabilities (it cancels in the division) but keeps exp()
    from overflowing, so finite inputs as large as ±1e300 give finite results. -inf (masked) gives 0.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 0 or x.size == 0:
        raise ValueError(f"softmax needs a non-empty array, got shape {x.shape}")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"softmax axis {axis} is out of range for an array of shape {x.shape}")
    if np.isnan(x).any() or np.isposinf(x).any():
        raise ValueError("softmax needs finite numbers (or -inf for masked entries), got NaN or +inf")
    peak = x.max(axis=axis, keepdims=True)
    if np.isneginf(peak).any():
        raise ValueError(f"softmax got a slice along axis {axis} with every entry masked (-inf): "
                         "at least one entry must stay unmasked")
    with np.errstate(over="ignore"):  # x - peak may round to -inf for ±1e308; exp(-inf) = 0 is right
        return np.exp(x - peak)


def dot_scores(Q: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Raw scores: one dot product per (query, key) pair.

    .. math::  S = Q K^T,\\quad S_{ij} = q_i \\cdot k_j

    (..., n_q, d_k) x (..., d_k, n_k) -> (..., n_q, n_k)
    """
    Q, K = _same_width(Q, K)
    return Q @ np.swapaxes(K, -1, -2)


def cosine_scores(Q: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Cosine similarity for every (query, key) pair: the dot product of the directions, lengths ignored.

    .. math::  S_{ij} = \\frac{q_i \\cdot k_j}{\\lVert q_i \\rVert\\, \\lVert k_j \\rVert}

    Lies in [-1, 1]. A zero vector has no direction; its similarity to everything is taken as 0.
    (..., n_q, d_k), (..., n_k, d_k) -> (..., n_q, n_k)
    """
    Q, K = _same_width(Q, K)
    return dot_scores(_unit_rows(Q), _unit_rows(K))


def _unit_rows(a: np.ndarray) -> np.ndarray:
    """Each row divided by its length (zero rows stay zero). Rows are first divided by their largest entry, so
    that squaring tiny (1e-160) or huge (1e160) entries for the length cannot underflow or overflow."""
    peak = np.abs(a).max(axis=-1, keepdims=True)
    a = np.divide(a, peak, out=np.zeros_like(a), where=peak > 0)
    length = np.linalg.norm(a, axis=-1, keepdims=True)
    return np.divide(a, length, out=np.zeros_like(a), where=length > 0)


def _same_width(Q: np.ndarray, K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    Q, K = _matrices("Q", Q), _matrices("K", K)
    if Q.shape[-1] != K.shape[-1]:
        raise ValueError(f"queries and keys need the same width d_k, got Q {Q.shape} and K {K.shape}")
    return Q, K


def causal_mask(n_tokens: int) -> np.ndarray:
    """True where attention is allowed: each word may look at itself and the words before it, never ahead.

    Shape (n_tokens, n_tokens), lower triangle True.
    """
    if n_tokens < 1:
        raise ValueError(f"causal_mask needs n_tokens >= 1, got {n_tokens}")
    return np.tril(np.ones((n_tokens, n_tokens), dtype=bool))


def apply_mask(logits: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Set the scores of forbidden (query, key) pairs to -inf, so that softmax gives them probability 0.

    `mask` is boolean, True where attention is allowed (as PyTorch reads a boolean attn_mask), and broadcasts
    to the shape of `logits`. A query row that may attend to no key at all raises ValueError.
    """
    if mask is None:
        return logits
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise ValueError(f"mask must be boolean (True = may attend), got dtype {mask.dtype}")
    try:
        mask = np.broadcast_to(mask, logits.shape)
    except ValueError:
        raise ValueError(f"mask of shape {mask.shape} does not fit scores of shape {logits.shape}") from None
    blind = ~mask.any(axis=-1)
    if blind.any():
        rows = sorted({int(i) for i in np.argwhere(blind)[:, -1]})
        raise ValueError(f"the mask lets query row(s) {rows} attend to no key at all; "
                         "every row needs at least one True")
    return np.where(mask, logits, -np.inf)


def attend(weights: np.ndarray, V: np.ndarray) -> np.ndarray:
    """The second MatMul: each output row is a weighted sum of the value rows.

    .. math::  O = A V,\\quad o_i = \\sum_j a_{ij}\\, v_j

    (..., n_q, n_k) x (..., n_k, d_v) -> (..., n_q, d_v)
    """
    weights, V = _matrices("weights", weights), _matrices("V", V)
    if weights.shape[-1] != V.shape[-2]:
        raise ValueError(f"weights {weights.shape} need one column per row of V {V.shape}")
    return weights @ V


def scaled_dot_product_attention(
    Q: np.ndarray, K: np.ndarray, V: np.ndarray, *, mask: np.ndarray | None = None, scale: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """softmax(Q·Kᵀ · scale) · V, with `scale` = 1/√d_k unless given.

    Q (..., n_q, d_k), K (..., n_k, d_k), V (..., n_k, d_v); `mask` boolean, True where attention is allowed,
    broadcasting to (..., n_q, n_k). Returns (output (..., n_q, d_v), weights (..., n_q, n_k)).
    """
    scores = dot_scores(Q, K)
    V = _matrices("V", V)
    if V.shape[-2] != np.shape(K)[-2]:
        raise ValueError(f"K and V need one row per key each, got K {np.shape(K)} and V {V.shape}")
    if scale is None:
        scale = 1.0 / np.sqrt(np.shape(Q)[-1])
    elif not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    weights = softmax(apply_mask(scores * scale, mask), axis=-1)
    return attend(weights, V), weights


def split_heads(M: np.ndarray, heads: int) -> np.ndarray:
    """Cut the columns of M into `heads` equal slices, one per head: (n, d) -> (heads, n, d / heads)."""
    M = _matrices("M", M)
    if M.ndim != 2 or heads < 1 or M.shape[1] % heads:
        raise ValueError(f"split_heads needs a 2-D matrix whose width divides into {heads} heads, got {M.shape}")
    n, d = M.shape
    return M.reshape(n, heads, d // heads).transpose(1, 0, 2)


def merge_heads(M: np.ndarray) -> np.ndarray:
    """Put the heads' slices side by side again: (heads, n, d_head) -> (n, heads * d_head)."""
    M = _matrices("M", M)
    if M.ndim != 3:
        raise ValueError(f"merge_heads needs a stack of shape (heads, n, d_head), got {M.shape}")
    heads, n, d_head = M.shape
    return M.transpose(1, 0, 2).reshape(n, heads * d_head)
