"""The attention engine: numpy only (no pandas, altair or streamlit). One function per step, and one call for all.

>>> trace = run_attention("jane visits africa")
>>> trace.tokens[int(trace.attention[0].argmax())]
'visits'
>>> run_attention("jane visits africa", Settings(heads=2)).attention.shape
(2, 3, 3)
"""
import os

# One BLAS thread, set before numpy loads (OpenBLAS reads it then, once): a Streamlit server runs every session's
# script in one process, and the real model's forward pass (page 6) took 65 ms with OpenBLAS's default threads beside
# other work on 2 cores against 30 ms on one. Here, because the server itself does not load numpy, and every page
# imports explainer (first, in ruff's order) or frame (which imports explainer) before anything that does.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from . import experiments, learning
from .attention import (
    AttentionPass,
    apply_mask,
    attend,
    attention_backward,
    causal_mask,
    cosine_scores,
    dot_scores,
    exponentials,
    merge_heads,
    scaled_dot_product_attention,
    softmax,
    softmax_backward,
    split_heads,
)
from .positions import model_input, positional_encoding, word_positions
from .tokens import MAX_CHARS, MAX_WORDS, InputError, find_words, fit_sentence, tokenize
from .trace import HEAD_COUNTS, SIMILARITIES, STEPS, WEIGHT_SETS, Matrix, Settings, Trace, run_attention
from .vocabulary import (
    D_MODEL,
    DEFAULT_SENTENCE,
    DIMENSIONS,
    EXAMPLES,
    FEATURES,
    MEANINGS,
    NOUN_KINDS,
    POSITION_DIMS,
    VOCABULARY,
    embed,
    kind,
    known_form,
    word_vector,
)
from .weights import (
    CONTENTS,
    D_K,
    MEANING_QUESTIONS,
    POSITION_QUESTIONS,
    QUESTIONS,
    Projections,
    designed_weights,
    project,
    random_weights,
)

__all__ = [
    "MAX_CHARS", "experiments", "fit_sentence", "learning",
    "CONTENTS", "D_K", "D_MODEL", "DEFAULT_SENTENCE", "DIMENSIONS", "EXAMPLES", "FEATURES", "MEANINGS",
    "MEANING_QUESTIONS", "NOUN_KINDS", "POSITION_DIMS", "POSITION_QUESTIONS", "HEAD_COUNTS", "MAX_WORDS",
    "QUESTIONS", "SIMILARITIES", "STEPS", "VOCABULARY", "WEIGHT_SETS",
    "AttentionPass", "InputError", "Matrix", "Projections", "Settings", "Trace",
    "apply_mask", "attend", "attention_backward", "causal_mask", "cosine_scores", "designed_weights", "dot_scores",
    "embed", "exponentials", "find_words", "merge_heads", "model_input", "positional_encoding", "project",
    "random_weights", "run_attention", "scaled_dot_product_attention", "softmax", "softmax_backward", "split_heads",
    "tokenize", "kind", "known_form", "word_positions", "word_vector",
]
