"""The whole chain in one call: sentence -> tokens -> X -> Q, K, V -> scores -> attention -> output.

Pages call run_attention once and draw from the Trace it returns; nothing is recomputed anywhere else.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from . import checks, learning
from .attention import causal_mask, merge_heads, scaled_dot_product_attention, split_heads
from .positions import model_input, word_positions
from .tokens import tokenize
from .vocabulary import DIMENSIONS, embed
from .weights import Projections, designed_weights, project, random_weights

WEIGHT_SETS = ("designed", "random", "trained")
SIMILARITIES = ("dot", "cosine")
HEAD_COUNTS = (1, 2, 4)


@dataclass(frozen=True)
class Settings:
    """Every knob of the chain. The defaults are the lesson's case."""

    weight_set: str = "designed"  # "designed" (hand-set, explainable), "random" (untrained, from `seed`) or
    # "trained" (W_Q, W_K learned from the random start of `seed`: explainer.learning.trained)
    seed: int = 0  # random and trained weights only
    positional: bool = True  # add sinusoidal positions to the embeddings
    scaled: bool = True  # divide dot-product scores by √d_k (per head); cosine scores lie in [-1, 1] and never are
    temperature: float = 1.0  # divide the scores by T: T < 1 sharpens the softmax, T > 1 flattens it
    causal: bool = False  # let each word look only at itself and the words before it
    similarity: str = "dot"  # "dot" (the transformer's) or "cosine"
    heads: int = 1  # d_k split over this many heads; 1 is the lesson's case
    train_steps: int = learning.DEFAULT_STEPS  # trained weights only: gradient steps
    train_rate: float = learning.DEFAULT_RATE  # trained weights only: the learning rate η

    def __post_init__(self) -> None:
        checks.one_of("weight_set", self.weight_set, WEIGHT_SETS)
        checks.one_of("similarity", self.similarity, SIMILARITIES)
        checks.one_of("heads", self.heads, HEAD_COUNTS)
        checks.whole("seed", self.seed)
        checks.positive("temperature", self.temperature)
        checks.whole("train_steps", self.train_steps, 1)
        checks.positive("train_rate", self.train_rate)
        for name in ("positional", "scaled", "causal"):
            checks.flag(name, getattr(self, name))

    @property
    def divides_by_root_dk(self) -> bool:
        """Whether scores are divided by √d_k: dot products, when scaling is on. √d_k tames dot products, whose spread
        grows with d_k; cosines already lie in [-1, 1] (models that use them multiply by a learned factor instead,
        which the temperature plays here)."""
        return self.scaled and self.similarity == "dot"


@dataclass(frozen=True)
class Matrix:
    """One matrix of the trace, ready to draw: values with row and column labels and a display name."""

    symbol: str  # "Q"
    caption: str  # "queries"
    values: np.ndarray  # 2-D
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    head: str = ""  # which head it belongs to, with several heads: "head 1 of 2"

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    @property
    def title(self) -> str:
        """The matrix's name and shape, as every chart shows it: "Q  (3 × 4)", "Q  (3 × 2) · head 1 of 2"."""
        return f"{self.symbol}  ({self.shape[0]} × {self.shape[1]})" + (f" · {self.head}" if self.head else "")


@dataclass(frozen=True)
class Trace:
    """Every intermediate of one run of self-attention, named as in the lesson.

    Shapes, for n tokens, d_model features, d_k query/key width and h heads (d_head = d_k / h):
    embeddings, positions, X (n, d_model); W_Q, W_K (d_k, d_model); W_V (d_v, d_model); Q, K (n, d_k);
    V, output (n, d_v).
    scores (raw Q·Kᵀ), untempered (scaled, masked), logits (untempered ÷ T) and attention (softmax of logits) are
    (n, n) for one head, the lesson's case, and (h, n, n) for several heads; `head(i)` gives any head's as (n, n).
    They are explainer.attention's one pass (AttentionPass), run on every head at once.
    """

    sentence: str
    tokens: tuple[str, ...]
    unknown: tuple[bool, ...]  # per token: not in the vocabulary, so given no features (zeros)
    settings: Settings
    embeddings: np.ndarray
    positions: np.ndarray  # all zeros when positional encoding is off
    X: np.ndarray
    W_Q: np.ndarray
    W_K: np.ndarray
    W_V: np.ndarray
    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    scores: np.ndarray
    untempered: np.ndarray  # the logits before ÷ T (what the temperature divides): for the temperature sweep
    logits: np.ndarray
    attention: np.ndarray  # A, the attention weights
    output: np.ndarray
    scale: float  # what the scores were multiplied by: 1/√d_head if scaled (dot product only), over the temperature
    qk_dims: tuple[str, ...]
    v_dims: tuple[str, ...]
    shown_head: int | None = None  # set by head(i) when there are several heads: this trace is head i's part
    labels: tuple[str, ...] = field(init=False)  # tokens made unique for chart axes: "the (1)", "the (2)"

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", unique_labels(self.tokens))
        checks.read_only(self)

    def head(self, index: int) -> Trace:
        """One head's part of the trace: W, Q, K, V and output narrowed to its dims (each head has its own slice of
        the query/key dimensions and of the value dimensions); scores, untempered, logits, attention (n, n).

        With one head (the lesson's case) that is the whole trace.
        """
        heads = self.settings.heads
        if not 0 <= index < heads:
            raise ValueError(f"head must be between 0 and {heads - 1}, got {index}")
        if self.attention.ndim == 2:
            return self
        d_head, d_value = self.Q.shape[1] // heads, self.V.shape[1] // heads
        cut = slice(index * d_head, (index + 1) * d_head)  # this head's query/key dimensions
        part = slice(index * d_value, (index + 1) * d_value)  # and its value dimensions
        return replace(self, W_Q=self.W_Q[cut], W_K=self.W_K[cut], W_V=self.W_V[part],
                       Q=self.Q[:, cut], K=self.K[:, cut], V=self.V[:, part], output=self.output[:, part],
                       scores=self.scores[index], untempered=self.untempered[index], logits=self.logits[index],
                       attention=self.attention[index],
                       qk_dims=self.qk_dims[cut], v_dims=self.v_dims[part], shown_head=index)

    @property
    def head_label(self) -> str:
        """"head 1 of 2" for one head's part of a several-head trace; "" otherwise."""
        if self.shown_head is None:
            return ""
        return f"head {self.shown_head + 1} of {self.settings.heads}"

    def matrix(self, name: str) -> Matrix:
        """A named 2-D matrix of the trace with its labels, e.g. trace.matrix("Q"). Multi-head: use head(i) first."""
        if name not in STEPS:
            raise ValueError(f"no matrix named {name!r}; the trace has {list(STEPS)}")
        values = getattr(self, name)
        if values.ndim != 2:
            raise ValueError(f"{name} has one matrix per head {values.shape}: pick one with trace.head(i)")
        symbol, caption = COSINE_STEPS.get(name, STEPS[name]) if self.settings.similarity == "cosine" \
            else STEPS[name]
        row_kind, col_kind = _AXES[name]
        head = self.head_label if name in _PER_HEAD else ""
        return Matrix(symbol, caption, values, self._axis(row_kind), self._axis(col_kind), head)

    def _axis(self, kind: str) -> tuple[str, ...]:
        return {"tokens": self.labels, "features": DIMENSIONS, "qk": self.qk_dims, "v": self.v_dims}[kind]


STEPS = {
    "embeddings": ("E", "word embeddings"),
    "positions": ("PE", "positional encoding"),
    "X": ("X", "embeddings + positions"),
    "W_Q": ("W_Q", "query weights"),
    "W_K": ("W_K", "key weights"),
    "W_V": ("W_V", "value weights"),
    "Q": ("Q", "queries"),
    "K": ("K", "keys"),
    "V": ("V", "values"),
    "scores": ("S = Q·Kᵀ", "raw scores"),
    "logits": ("scaled scores", "scores × scale, masked"),
    "attention": ("A", "attention weights"),
    "output": ("O = A·V", "output"),
}
"""Display name and caption of every matrix in the trace, in the order of the chain."""

COSINE_STEPS = {"scores": ("S = cos(Q, K)", "cosine similarities")}
"""Where the names differ when the scores are cosine similarities."""

_AXES = {
    "embeddings": ("tokens", "features"), "positions": ("tokens", "features"), "X": ("tokens", "features"),
    "W_Q": ("qk", "features"), "W_K": ("qk", "features"), "W_V": ("v", "features"),
    "Q": ("tokens", "qk"), "K": ("tokens", "qk"), "V": ("tokens", "v"),
    "scores": ("tokens", "tokens"), "logits": ("tokens", "tokens"), "attention": ("tokens", "tokens"),
    "output": ("tokens", "v"),
}


_PER_HEAD = {"W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "logits", "attention", "output"}  # split over heads


def unique_labels(tokens: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Tokens as chart labels; a word that occurs more than once is numbered: ("the (1)", "cat", "the (2)")."""
    seen: dict[str, int] = {}
    labels = []
    for token in tokens:
        seen[token] = seen.get(token, 0) + 1
        labels.append(f"{token} ({seen[token]})" if tokens.count(token) > 1 else token)
    return tuple(labels)


def weights_of(settings: Settings) -> Projections:
    """The projections a view uses: designed, random from its seed, or trained from its seed, steps and rate."""
    if settings.weight_set == "designed":
        return designed_weights()
    if settings.weight_set == "random":
        return random_weights(settings.seed)
    return learning.trained_weights(settings.seed, settings.train_steps, settings.train_rate)


def run_attention(sentence: str, settings: Settings | None = None) -> Trace:
    """Run self-attention on a sentence and keep every step.

    `settings` are the chain's knobs (Settings); left out, the lesson's case. Raises InputError for a sentence the
    lesson cannot use, ValueError for settings that are not a Settings.
    """
    config = Settings() if settings is None else settings
    if not isinstance(config, Settings):
        raise ValueError(f"run_attention needs its settings as a Settings, got {type(config).__name__}")
    tokens = tokenize(sentence)
    embeddings, unknown = embed(tokens)
    n_tokens = len(tokens)

    positions = word_positions(n_tokens) if config.positional else np.zeros_like(embeddings)
    X = model_input(embeddings, positions)  # (n, d_model)
    W = weights_of(config)
    Q, K, V = project(X, W.W_Q), project(X, W.W_K), project(X, W.W_V)  # (n, d_k) each

    Qh, Kh, Vh = (split_heads(M, config.heads) for M in (Q, K, V))  # (h, n, d_head)
    mask = causal_mask(n_tokens) if config.causal else None
    heads = scaled_dot_product_attention(  # every head at once: weights (h, n, n), output (h, n, d_head)
        Qh, Kh, Vh, mask=mask, scaled=config.divides_by_root_dk, temperature=config.temperature,
        cosine=config.similarity == "cosine")

    def lesson_shape(stack: np.ndarray) -> np.ndarray:
        return stack[0] if config.heads == 1 else stack

    return Trace(
        sentence=sentence, tokens=tuple(tokens), unknown=tuple(unknown), settings=config,
        embeddings=embeddings, positions=positions, X=X, W_Q=W.W_Q, W_K=W.W_K, W_V=W.W_V, Q=Q, K=K, V=V,
        scores=lesson_shape(heads.scores), untempered=lesson_shape(heads.untempered),
        logits=lesson_shape(heads.logits), attention=lesson_shape(heads.attention),
        output=merge_heads(heads.output),  # (h, n, d_head) -> (n, d_k): the heads' outputs side by side
        scale=heads.scale, qk_dims=W.qk_dims, v_dims=W.v_dims,
    )
