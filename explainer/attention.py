"""The steps of scaled dot-product attention, one function each, and the one pass that chains them.

.. math::  \\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}\\!\\left(\\frac{Q K^T}{\\sqrt{d_k}}\\right) V

Queries ask, keys answer, values are what gets passed on. Every function takes 2-D matrices or stacks of them
with leading batch/head axes (the last two axes are the matrix), and checks its inputs at this public edge.
`scaled_dot_product_attention` runs the steps and keeps every one (AttentionPass), and `attention_backward` carries a
gradient back through them: run_attention, training and the real model all run this one pass.
"""
# ruff: noqa: N815
# (dQ, dK, dV are the lesson's names for the gradients of Q, K, V, as pyproject.toml keeps Q, K, V themselves)
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import checks


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
    Q, K = checks.matrices("Q", Q), checks.matrices("K", K)
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


def attend(attention: np.ndarray, V: np.ndarray) -> np.ndarray:
    """The second MatMul: each output row is a weighted sum of the value rows.

    .. math::  O = A V,\\quad o_i = \\sum_j a_{ij}\\, v_j

    (..., n_q, n_k) x (..., n_k, d_v) -> (..., n_q, d_v)
    """
    attention, V = checks.matrices("attention", attention), checks.matrices("V", V)
    if attention.shape[-1] != V.shape[-2]:
        raise ValueError(f"attention {attention.shape} needs one column per row of V {V.shape}")
    return attention @ V


@dataclass(frozen=True)
class AttentionPass:
    """One pass of attention with every step kept, named as the lesson (and the Trace) names them: what the pages
    draw and what `attention_backward` reads, as numpy-ml's layers cache their forward pass for their backward one.

    Q (..., n_q, d_k), K (..., n_k, d_k), V (..., n_k, d_v); scores, untempered, logits, attention (..., n_q, n_k);
    output (..., n_q, d_v). Leading axes, if any, are heads or a stack of equally long sentences.
    """

    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    scores: np.ndarray  # S = Q·Kᵀ (or cos(Q, K)): one per (query, key) pair
    untempered: np.ndarray  # scores × 1/√d_k where divided, -inf where masked: the logits at temperature 1
    logits: np.ndarray  # untempered / T: what softmax reads
    attention: np.ndarray  # A = softmax(logits), row by row: each row sums to 1
    output: np.ndarray  # O = A·V
    scale: float  # what the scores were multiplied by in all: 1/√d_k where divided, over the temperature
    cosine: bool  # the scores are cosine similarities, not dot products


def scaled_dot_product_attention(
    Q: np.ndarray, K: np.ndarray, V: np.ndarray, *, mask: np.ndarray | None = None, scaled: bool = True,
    temperature: float = 1.0, cosine: bool = False,
) -> AttentionPass:
    """softmax(Q·Kᵀ / √d_k / T) · V, every step kept (see AttentionPass).

    .. math::  O = \\mathrm{softmax}\\!\\left(\\frac{Q K^T}{\\sqrt{d_k}\\, T}\\right) V

    `scaled` divides the scores by √d_k (False: not at all); the temperature T divides them further (T < 1
    sharpens each row, T > 1 flattens it); `mask` is boolean, True where attention is allowed, broadcasting to
    (..., n_q, n_k); `cosine` compares the directions of q and k (cosine_scores) instead of their dot product.
    """
    Q, K, V = checks.matrices("Q", Q), checks.matrices("K", K), checks.matrices("V", V)
    temperature = checks.positive("temperature", temperature)
    scores = (cosine_scores if cosine else dot_scores)(Q, K)  # (..., n_q, d_k) x (..., d_k, n_k) -> (..., n_q, n_k)
    if V.shape[-2] != K.shape[-2]:
        raise ValueError(f"K and V need one row per key each, got K {K.shape} and V {V.shape}")
    root = 1.0 / math.sqrt(Q.shape[-1]) if scaled else 1.0
    untempered = apply_mask(scores * root, mask)  # (..., n_q, n_k), -inf where masked
    logits = untempered / temperature
    attention = softmax(logits, axis=-1)  # (..., n_q, n_k), rows sum to 1
    output = attend(attention, V)  # (..., n_q, n_k) x (..., n_k, d_v) -> (..., n_q, d_v)
    return AttentionPass(Q, K, V, scores, untempered, logits, attention, output, root / temperature, cosine)


def softmax_backward(attention: np.ndarray, d_attention: np.ndarray) -> np.ndarray:
    """Carry the gradient back through softmax, one row at a time.

    .. math::  dz_i = (\\mathrm{diag}(a_i) - a_i a_i^T)\\, dA_i = a_i \\odot (dA_i - dA_i \\cdot a_i)

    In words: the weights of a row always sum to 1, so raising one logit takes weight from all the others. The
    Jacobian of a row a = softmax(z) is diag(a) − a aᵀ; applied to the row's gradient g it gives a ⊙ g − a (a·g):
    each logit's gradient is its weight times how much better its own entry of g is than the row's weighted
    average g·a. A logit whose weight is near 0 (or alone near 1) gets almost no gradient.
    """
    return attention * (d_attention - np.sum(d_attention * attention, axis=-1, keepdims=True))


@dataclass(frozen=True)
class Gradients:
    """One pass's gradients, back from a gradient on its output: d<name> = ∂L/∂<name>, each shaped like <name> in
    AttentionPass."""

    d_output: np.ndarray
    d_attention: np.ndarray
    dV: np.ndarray
    d_logits: np.ndarray
    d_scores: np.ndarray
    dQ: np.ndarray
    dK: np.ndarray


def _T(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def attention_backward(record: AttentionPass, d_output: np.ndarray) -> Gradients:
    """The gradient `d_output` = ∂L/∂O carried back through the pass `record`, step by step (dot-product scores:
    the transformer's)."""
    r = record
    if r.cosine:
        raise ValueError("attention_backward is written for dot-product scores, not cosine similarities")
    d_output = np.asarray(d_output, dtype=float)
    if d_output.shape != r.output.shape:
        raise ValueError(f"d_output must have the output's shape {r.output.shape}, got {d_output.shape}")
    d_attention = d_output @ _T(r.V)  # through O = A·V: (..., n_q, d_v) x (..., d_v, n_k) -> (..., n_q, n_k)
    dV = _T(r.attention) @ d_output  # (..., n_k, n_q) x (..., n_q, d_v) -> (..., n_k, d_v)
    d_logits = softmax_backward(r.attention, d_attention)  # through A = softmax(logits), row by row: 0 where masked
    d_scores = d_logits * r.scale  # through logits = S × scale
    dQ = d_scores @ r.K  # through S = Q·Kᵀ: (..., n_q, n_k) x (..., n_k, d_k) -> (..., n_q, d_k)
    dK = _T(d_scores) @ r.Q  # (..., n_k, n_q) x (..., n_q, d_k) -> (..., n_k, d_k)
    return Gradients(d_output, d_attention, dV, d_logits, d_scores, dQ, dK)


def split_heads(M: np.ndarray, heads: int) -> np.ndarray:
    """Cut the columns of M into `heads` equal slices, one per head: (n, d) -> (heads, n, d / heads)."""
    M = checks.matrices("M", M)
    if M.ndim != 2 or heads < 1 or M.shape[1] % heads:
        raise ValueError(f"split_heads needs a 2-D matrix whose width divides into {heads} heads, got {M.shape}")
    n, d = M.shape
    return M.reshape(n, heads, d // heads).transpose(1, 0, 2)


def merge_heads(M: np.ndarray) -> np.ndarray:
    """Put the heads' slices side by side again: (heads, n, d_head) -> (n, heads * d_head)."""
    M = checks.matrices("M", M)
    if M.ndim != 3:
        raise ValueError(f"merge_heads needs a stack of shape (heads, n, d_head), got {M.shape}")
    heads, n, d_head = M.shape
    return M.transpose(1, 0, 2).reshape(n, heads * d_head)
