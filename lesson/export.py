"""The current view to take away: every matrix of its trace as JSON, and a standalone numpy script that recomputes
them (a teacher's handout that runs anywhere Python and numpy do)."""
from __future__ import annotations

import json

import numpy as np

from explainer import STEPS, Trace
from explainer.positions import BASE


def _plain(values: np.ndarray) -> list:
    """Nested lists of floats, None where a value is not finite (a masked score: JSON has no −∞)."""
    if values.ndim > 1:
        return [_plain(row) for row in values]
    return [float(v) if np.isfinite(v) else None for v in values]


def trace_json(trace: Trace) -> str:
    """The whole trace: sentence, tokens, settings, and every matrix with its name, shape, labels and numbers.

    With several heads, scores, logits and attention hold one n × n matrix per head (shape h × n × n), labelled like
    a single one.
    """
    matrices = {}
    for name, (symbol, caption) in STEPS.items():
        values = np.asarray(getattr(trace, name))
        labelled = trace.matrix(name) if values.ndim == 2 else trace.head(0).matrix(name)
        matrices[name] = {"symbol": symbol, "caption": caption, "shape": list(values.shape),
                          "rows": list(labelled.rows), "cols": list(labelled.cols), "values": _plain(values)}
    return json.dumps({"sentence": trace.sentence, "tokens": list(trace.tokens), "labels": list(trace.labels),
                       "settings": vars(trace.settings), "scale": trace.scale, "matrices": matrices}, indent=1)


def _literal(values: np.ndarray) -> str:
    """A numpy array literal that reads back to exactly these float64 values (repr of each float)."""
    rows = ",\n    ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in np.atleast_2d(values))
    return f"np.array([\n    {rows},\n])"


def script(trace: Trace) -> str:
    """A standalone Python script (numpy only) that recomputes this view's attention from its inputs, step by step as
    the engine runs it and with the trace's names (the JSON's), and prints the attention weights and the output."""
    s = trace.settings
    divided = ("scores * (1.0 / math.sqrt(Qh.shape[-1]))  # divided by sqrt(d_k)" if s.divides_by_root_dk else
               "scores  # not divided by sqrt(d_k): " + ("cosines lie in [-1, 1]" if s.similarity == "cosine" else
                                                          "scaling is off"))
    return f'''"""Self-attention for "{_safe(trace.sentence)}", every step, as the explainer computed it.

Settings: {_safe(repr(vars(s)))}
Run it with Python 3 and numpy: python attention.py
"""
import math

import numpy as np

np.set_printoptions(precision=4, suppress=True, linewidth=120)

tokens = {list(trace.tokens)!r}

# E: each word's embedding (named features, then 4 position dimensions where E is 0)
E = {_literal(trace.embeddings)}

# PE: sinusoidal positions, in the last 4 dimensions only (all zero when positions are off); the paper's formula
# with base {BASE:g} instead of 10000, for sentences of at most 12 words
PE = np.zeros_like(E)
if {s.positional!r}:
    n, d = len(tokens), 4
    angle = np.arange(n)[:, None] * {BASE!r} ** (-np.arange(0, d, 2) / d)
    PE[:, -4::2], PE[:, -3::2] = np.sin(angle), np.cos(angle)

X = E + PE  # the input to attention

# W_Q, W_K ({trace.W_Q.shape[0]} x {trace.W_Q.shape[1]} each), W_V ({trace.W_V.shape[0]} x {trace.W_V.shape[1]});
# the lesson writes Q = X W_Q^T
W_Q = {_literal(trace.W_Q)}
W_K = {_literal(trace.W_K)}
W_V = {_literal(trace.W_V)}
Q, K, V = X @ W_Q.T, X @ W_K.T, X @ W_V.T

heads = {s.heads}


def split(M):  # (n, d) -> (heads, n, d / heads): each head gets its own slice of the columns
    return M.reshape(len(M), heads, M.shape[1] // heads).transpose(1, 0, 2)


Qh, Kh, Vh = split(Q), split(K), split(V)
if {s.similarity == "cosine"!r}:  # cosine similarity: directions only
    def unit(M):
        peak = np.abs(M).max(axis=-1, keepdims=True)
        M = np.divide(M, peak, out=np.zeros_like(M), where=peak > 0)
        length = np.linalg.norm(M, axis=-1, keepdims=True)
        return np.divide(M, length, out=np.zeros_like(M), where=length > 0)
    Qh, Kh = unit(Qh), unit(Kh)
scores = Qh @ np.swapaxes(Kh, -1, -2)  # S: one score per (query, key) pair, per head

untempered = {divided}
if {s.causal!r}:  # causal mask: each word sees only itself and the words before it
    untempered = np.where(np.tril(np.ones((len(tokens), len(tokens)), dtype=bool)), untempered, -np.inf)
logits = untempered / {s.temperature!r}  # then divided by the temperature T

e = np.exp(logits - logits.max(axis=-1, keepdims=True))  # softmax, after subtracting each row's largest
attention = e / e.sum(axis=-1, keepdims=True)  # A: the attention weights, every row sums to 1

output = (attention @ Vh).transpose(1, 0, 2).reshape(len(tokens), -1)  # O = A V: each word's, the heads side by side

for h in range(heads):
    print(f"attention weights, head {{h + 1}} of {{heads}} (rows: query, columns: key):", tokens)
    print(attention[h])
print("output (rows: words):")
print(output)
'''


def _safe(text: str) -> str:
    """Text for inside the script's docstring: no backslashes or quotes that could end it."""
    return text.replace("\\", "/").replace('"', "'")
