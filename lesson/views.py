"""What the lesson pages show, derived from a Trace: small tables a student can check by hand.

Every function here reads a finished trace (or an experiment of the engine) and returns a small table as its
columns (Columns: name -> numpy array, one entry per row, in order): what a chart draws and st.table or
st.dataframe shows as it is, without a pandas DataFrame in between (building, filtering and reshaping frames was a
quarter of a stage's server time under a class's load; tests read them through pandas when it is handier). The
numbers come from the engine (explainer), which these functions only arrange. The pages draw them and compute
nothing themselves.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from explainer import (
    FEATURES,
    MEANINGS,
    POSITION_QUESTIONS,
    STEPS,
    VOCABULARY,
    Matrix,
    Trace,
    cosine_scores,
    designed_weights,
    dot_scores,
    experiments,
    exponentials,
    softmax,
    word_positions,
)
from explainer.trace import COSINE_STEPS

from .charts import ARROW_TEXT, text_width
from .notes import columns, favourites
from .state import TEMPERATURE_RANGE
from .tables import Columns


def _one_head(trace: Trace) -> None:
    if trace.attention.ndim != 2:
        raise ValueError(f"views read one head at a time; pass trace.head(i), not weights {trace.attention.shape}")


def _check_token(trace: Trace, index: int, what: str = "query") -> int:
    _one_head(trace)
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < len(trace.tokens):
        raise ValueError(f"{what} must be a token position between 0 and {len(trace.tokens) - 1}, got {index!r}")
    return int(index)


NO_POSITIONS = "the embeddings alone (positions off)"
"""X's caption when positions are off: X = E (its position columns are 0)."""


def chain(trace: Trace) -> pd.DataFrame:
    """The chain at a glance: each matrix in order with its name, what it is and its shape (with several heads,
    how the heads share it)."""
    heads = trace.settings.heads
    rows = []
    for name, (symbol, caption) in STEPS.items():
        if name in ("embeddings", "positions", "W_Q", "W_K", "W_V", "logits"):
            continue
        if trace.settings.similarity == "cosine" and name == "scores":
            symbol, caption = COSINE_STEPS["scores"]
        if name == "X" and not trace.settings.positional:
            caption = NO_POSITIONS
        shape = " × ".join(str(s) for s in getattr(trace, name).shape)
        if heads > 1 and name in ("Q", "K", "V"):
            shape += f" ({heads} heads × {columns(getattr(trace, name).shape[1] // heads)} each)"
        elif heads > 1 and name in ("scores", "attention"):
            shape += f" (one {len(trace.tokens)} × {len(trace.tokens)} per head)"
        elif heads > 1 and name == "output":
            shape += " (the heads' outputs side by side)"
        rows.append({"step": symbol, "what": caption, "shape": shape})
    return pd.DataFrame(rows)


def top_keys(trace: Trace) -> Columns:
    """The lesson's table: for each query word, the key it attends to most and with what probability."""
    _one_head(trace)
    attention = trace.attention
    best = attention.argmax(axis=1)
    labels = np.asarray(trace.labels, dtype=object)
    return {"q": labels, "k": labels[best], "probability": attention[np.arange(len(best)), best]}


def attention_row(trace: Trace, query: int) -> Columns:
    """Where one word looks: each word of the sentence with the attention the query gives it."""
    query = _check_token(trace, query)
    positions = np.arange(len(trace.labels))
    return {"word": np.asarray(trace.labels, dtype=object), "position": positions, "weight": trace.attention[query],
            "focus": positions == query}


def lookup(trace: Trace, query: int) -> Columns:
    """Attention as a soft database lookup: every (key, value) row with the weight the query gives it (weight, key,
    then the value's dimensions one column each)."""
    query = _check_token(trace, query)
    return {"weight": trace.attention[query], "key": np.asarray(trace.labels, dtype=object),
            **dict(zip(trace.v_dims, trace.V.T, strict=True))}



PHONE_TABLE = 354  # px a table has inside its border on a 390 px phone
VALUE_COLUMN, WEIGHTS = 48, (64, 96)  # px: a value's column ("action" fits); a weight's bar, at least and at most
TABLE_TYPE = 14  # px: a table's type


def lookup_widths(trace: Trace) -> dict[str, int]:
    """Widths (px) of the columns of `lookup` that fit a phone: each value's column VALUE_COLUMN, the key's as wide
    as its longest word needs (charts.text_width in a table's type, with the cell's padding), taken from the
    weight's bar down to its least, and the weight's what is left, up to its most."""
    values = VALUE_COLUMN * len(trace.v_dims)
    longest = max(text_width(label) for label in trace.labels) * TABLE_TYPE / ARROW_TEXT
    key = min(max(64, math.ceil(longest) + 20), PHONE_TABLE - values - WEIGHTS[0])
    return {"weight": min(WEIGHTS[1], PHONE_TABLE - values - key), "key": key,
            **dict.fromkeys(trace.v_dims, VALUE_COLUMN)}

def exact_match(trace: Trace, query: int) -> Columns:
    """The one (key, value) row an exact SELECT would return: the best-matching key's (see lookup)."""
    best = int(trace.attention[_check_token(trace, query)].argmax())
    return {"key": np.asarray(trace.labels[best : best + 1], dtype=object),
            **{dim: trace.V[best : best + 1, d] for d, dim in enumerate(trace.v_dims)}}


def lookup_results(trace: Trace, query: int) -> Columns:
    """What each lookup returns for one query: attention's blend of all values beside the one value of the row
    an exact match would return (the best-matching key's)."""
    query = _check_token(trace, query)
    best = int(trace.attention[query].argmax())
    n = len(trace.v_dims)
    return {
        "dim": np.asarray(list(trace.v_dims) * 2, dtype=object),
        "result": np.asarray(["soft: attention"] * n + ["hard: SELECT"] * n, dtype=object),
        "value": np.concatenate([trace.output[query], trace.V[best]]),
    }


def dot_product_terms(trace: Trace, query: int, key: int) -> Columns:
    """One score term by term: one row per dimension with q_d, k_d and their product; the products add up to the
    score. In cosine mode q and k are first divided by their lengths (q̂ = q/|q|), so the products add up to the
    cosine."""
    query, key = _check_token(trace, query), _check_token(trace, key, "key")
    q, k = trace.Q[query], trace.K[key]
    if trace.settings.similarity == "cosine":
        q, k = _unit(q), _unit(k)
    return {"dim": np.asarray(trace.qk_dims, dtype=object), "q": q, "k": k, "product": q * k}


def _unit(v: np.ndarray) -> np.ndarray:
    """v / |v|, a zero vector staying zero, as the engine's cosine takes it (the tests check the products add up
    to the engine's cosine)."""
    length = np.linalg.norm(v)
    return v / length if length > 0 else v


def similarities(trace: Trace, query: int) -> Columns:
    """For one query, every key's dot product beside its cosine similarity, with both vectors' lengths."""
    query = _check_token(trace, query)
    q = trace.Q[query : query + 1]
    n = len(trace.labels)
    return {"key": np.asarray(trace.labels, dtype=object), "dot": dot_scores(q, trace.K)[0],
            "cosine": cosine_scores(q, trace.K)[0], "|q|": np.full(n, np.linalg.norm(q)),
            "|k|": np.linalg.norm(trace.K, axis=1)}


def fan(trace: Trace, query: int) -> Columns:
    """The query in focus and every key as arrows in a plane that keeps each key's true length and true angle to
    the query (explainer.experiments.fan): word, kind ("query"/"key"), x, y, focus (the query's arrow) and top (the
    keys the query attends to most)."""
    query = _check_token(trace, query)
    q_point, k_points = experiments.fan(trace.Q[query], trace.K)
    points = np.vstack([q_point, k_points])
    kinds = np.asarray(["query"] + ["key"] * len(trace.labels), dtype=object)
    top = np.zeros(len(points), dtype=bool)
    top[1 + np.asarray(favourites(trace.attention[query]))] = True
    return {"word": np.asarray([trace.labels[query], *trace.labels], dtype=object), "kind": kinds,
            "x": points[:, 0], "y": points[:, 1], "focus": kinds == "query", "top": top}


def fan_bounds(trace: Trace) -> tuple[float, float]:
    """The lowest and highest coordinate in the fans of every query of the sentence (see fan)."""
    points = np.vstack([np.vstack(experiments.fan(q, trace.K)) for q in trace.Q])
    return float(points.min()), float(points.max())


def self_similarity(trace: Trace) -> Matrix:
    """X·Xᵀ: every word's input against every word's, with no W_Q or W_K (symmetric; each word's own is a row's
    largest whenever the words' vectors are about equally long)."""
    return Matrix("X·Xᵀ", "the words compared as they are", dot_scores(trace.X, trace.X), trace.labels, trace.labels)


def softmax_steps(trace: Trace, query: int) -> dict[str, Columns]:
    """One query's row through softmax, step by step: raw score, scaled, exp(scaled - max), probability; each step
    (named "1 raw score", ...) a table of key, value, masked.

    Masked keys (causal mask) have no scaled score (NaN here) and probability 0.
    """
    query = _check_token(trace, query)
    scaled = trace.logits[query]
    masked = np.isneginf(scaled)
    steps = {
        "1 raw score": trace.scores[query],
        "2 scaled": np.where(masked, np.nan, scaled),
        "3 exp(scaled − max)": exponentials(scaled),
        "4 probability": trace.attention[query],
    }
    keys = np.asarray(trace.labels, dtype=object)
    return {step: {"key": keys, "value": values, "masked": masked} for step, values in steps.items()}


def softmax_table(steps: dict[str, Columns]) -> pd.DataFrame:
    """The numbers of softmax_steps: one row per key, one column per step."""
    keys = next(iter(steps.values()))["key"]
    return pd.DataFrame({step: rows["value"] for step, rows in steps.items()}, index=pd.Index(keys, name="key"))


def temperature_sweep(trace: Trace, query: int, temperatures: np.ndarray | None = None) -> Columns:
    """How one query's weights change with temperature, everything else as in the trace; by default over the
    temperatures a student can choose."""
    query = _check_token(trace, query)
    if temperatures is None:
        temperatures = np.geomspace(*TEMPERATURE_RANGE, 46)
    temperatures = np.asarray(temperatures, dtype=float)
    weights = softmax(trace.untempered[query][None, :] / temperatures[:, None])  # (n_temperatures, n_keys)
    n = len(trace.labels)
    return {
        "temperature": np.repeat(temperatures, n),
        "key": np.tile(np.asarray(trace.labels, dtype=object), len(temperatures)),
        "weight": weights.ravel(),
    }


def sweep_table(sweep: Columns) -> pd.DataFrame:
    """The numbers of temperature_sweep: one row per temperature, one column per key."""
    return pd.DataFrame(sweep).pivot(index="temperature", columns="key", values="weight")


def scaling_experiment() -> pd.DataFrame:
    """The √d_k experiment (explainer.experiments.scaling) as a table: one row per d_k."""
    return pd.DataFrame(experiments.scaling())


def contributions(trace: Trace, query: int) -> Columns:
    """The second MatMul for one query: each word's share a_qj · v_j of each output dimension.

    Summing `contribution` over the words of one dim gives the output o_q in that dim.
    """
    query = _check_token(trace, query)
    row = trace.attention[query]
    n, d = trace.V.shape
    return {
        "word": np.repeat(np.asarray(trace.labels, dtype=object), d),
        "word_index": np.repeat(np.arange(n), d),
        "dim": np.tile(np.asarray(trace.v_dims, dtype=object), n),
        "weight": np.repeat(row, d),
        "value": trace.V.ravel(),
        "contribution": (row[:, None] * trace.V).ravel(),
    }


def contributions_table(parts: Columns) -> pd.DataFrame:
    """The numbers of contributions as a student checks them: for each word and output dimension, the weight a,
    the value v and their product a·v (the order of the words, which the chart needs, left out)."""
    return pd.DataFrame({"word": parts["word"], "dim": parts["dim"], "a (weight)": parts["weight"],
                         "v (value)": parts["value"], "a·v": parts["contribution"]})


def _tex_number(value: float) -> str:
    return f"{value:.2f}"


def chain_formula(trace: Trace) -> str:
    """The chain as one LaTeX line, each matrix with the current sentence's shape under it."""
    def shaped(symbol: str, matrix: np.ndarray) -> str:  # several heads: S and A have one n × n per head
        shape = r"\times".join(map(str, matrix.shape))
        return rf"\underset{{{shape}}}{{{symbol}}}"

    qkv = r"Q,\ K,\ V"
    scores = r"\cos(Q,K)" if trace.settings.similarity == "cosine" else r"QK^\top"
    # two lines, so that the chain fits a phone's width
    return (rf"\begin{{aligned}} {shaped('X', trace.X)} &\xrightarrow{{W_Q^\top,\,W_K^\top,\,W_V^\top}} "
            rf"{shaped(qkv, trace.Q)} \xrightarrow{{\;{scores}\;}} {shaped('S', trace.scores)} \\ "
            rf"&\xrightarrow{{\text{{softmax}}}} {shaped('A', trace.attention)} \xrightarrow{{\;A\,V\;}} "
            rf"{shaped('O', trace.output)} \end{{aligned}}")


def dot_product_formula(terms: Columns, cosine: bool = False, per_line: int = 2) -> str:
    """The score written out with the numbers of dot_product_terms, `per_line` terms a line (so that it fits a
    phone): q·k = (q₁)(k₁) + (q₂)(k₂) + … = score; in cosine mode with q̂ and k̂."""
    parts = [rf"({_tex_number(q)})({_tex_number(k)})" for q, k in zip(terms["q"], terms["k"], strict=True)]
    lines = [" + ".join(parts[i : i + per_line]) for i in range(0, len(parts), per_line)]
    left = r"\cos(q, k) = \hat q \cdot \hat k" if cosine else r"q \cdot k"
    body = r" \\ &+ ".join(lines)
    return rf"\begin{{aligned}} {left} &= {body} \\ &= {_tex_number(terms['product'].sum())} \end{{aligned}}"


def weighted_sum_formula(trace: Trace, query: int, shown: int = 3) -> str:
    """o_q = Σ a_qj v_j with the numbers, one term a line: the `shown` largest weights written out, the rest as
    "+ …"."""
    query = _check_token(trace, query)
    row = trace.attention[query]
    order = np.argsort(-row, kind="stable")
    terms = [rf"{_tex_number(row[j])}\,v_{{{_tex_word(trace, j)}}}" for j in order[:shown]]
    rest = r" \\ &+ \dots" if len(order) > shown else ""
    return (rf"\begin{{aligned}} o_{{{_tex_word(trace, query)}}} &= \sum_j a_j\, v_j \\ &= "
            + r" \\ &+ ".join(terms) + rest + r" \end{aligned}")


def _tex_word(trace: Trace, index: int) -> str:
    """A word as a LaTeX subscript, by its label: a repeated word by its number too, "the (1)", as the page's
    headings and charts name it. Labels hold only letters, digits and apostrophes (of any script), and a repeated
    word's " (n)", so they are safe inside \\text{}."""
    return rf"\text{{{trace.labels[index]}}}"


def features_text(word: str) -> str:
    """A known word's features as a student reads them: "stands for 1 · person 0.8"."""
    return " · ".join(f"{name} {value:g}" for name, value in VOCABULARY.features(word).items())


LOOKUP_LIMIT = 25
"""The most words a look-up shows: enough to scan, few enough to read on a phone."""


def vocabulary_lookup(start: str, limit: int = LOOKUP_LIMIT) -> Columns:
    """The known word forms a search finds, most common first: the word itself if known, then the forms starting
    with it (word, reads as, features)."""
    found = [start] if start in VOCABULARY else []
    for form in VOCABULARY:
        if len(found) >= limit:
            break
        if form != start and form.startswith(start):
            found.append(form)
    return {"word": np.asarray(found, dtype=object),
            "reads as": np.asarray([VOCABULARY.reads_as(w) for w in found], dtype=object),
            "features": np.asarray([features_text(w) for w in found], dtype=object)}


def feature_meanings() -> Columns:
    """Every named feature with what it means, in a student's words."""
    return {"feature": np.asarray(FEATURES, dtype=object),
            "what it means": np.asarray([MEANINGS[f] for f in FEATURES], dtype=object)}


def position_scores(reach: int = 5) -> Columns:
    """What the designed position questions alone add to a score, by how many words after the query the key stands
    (negative: before it), for `reach` words either way: q·k over the "near?" dimensions, divided by √d_k as the
    lesson's scores are. The same for every query (it depends on the distance only)."""
    W = designed_weights()
    near = [W.qk_dims.index(q) for q in POSITION_QUESTIONS]
    pe = word_positions(2 * reach + 1)
    q, k = pe[reach] @ W.W_Q[near].T, pe @ W.W_K[near].T  # the query in the middle, every key around it
    distance = np.arange(-reach, reach + 1)
    return {"words after the query": distance, "score from position": k @ q / np.sqrt(W.W_Q.shape[0]),
            "key": np.asarray(["the query itself" if d == 0 else f"{d:+d}" for d in distance], dtype=object)}
