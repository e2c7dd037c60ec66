"""Readable word embeddings: every dimension is a feature with a name a student understands.

A trained model learns hundreds of unnamed dimensions. Here each of the eight dimensions means one thing
(is the word a person? an action? a place?), so that every number in the lesson can be read and checked by hand.
Values lie between 0 (not at all) and 1 (entirely).
"""
from __future__ import annotations

import hashlib

import numpy as np

FEATURES = ("thing", "quality", "place", "time", "animal", "grammar", "person", "action")
"""The named dimensions of a word's meaning. "grammar" marks small words (the, on, because) that hold a sentence
together."""

POSITION_DIMS = ("pos sin1", "pos cos1", "pos sin2", "pos cos2")
"""The dimensions that carry word order (positions.py): two clocks, each a sine and a cosine. A word's embedding is
0 there, and the positional encoding is 0 on the named features, so adding the two keeps every name readable."""

DIMENSIONS = FEATURES + POSITION_DIMS
"""Every dimension of E, PE and X = E + PE, in order."""

D_MODEL = len(DIMENSIONS)

DEFAULT_SENTENCE = "jane visits africa"

EXAMPLES = (
    DEFAULT_SENTENCE,
    "the cat sat on the mat",
    "my friend reads a book in the park",
    "the dog chased the ball across the garden",
    "she drinks coffee every morning",
    "students visit paris in spring",
    "the old teacher writes a long letter",
    "the animal didn't cross the street because it was too tired",
)
"""Built-in sentences: the lesson's own first, then the examples a student can pick."""

# Each word lists only its non-zero features.
_WORDS: dict[str, dict[str, float]] = {
    # people
    "jane": {"person": 1.0},
    "john": {"person": 1.0},
    "mary": {"person": 1.0},
    "friend": {"person": 1.0},
    "teacher": {"person": 1.0},
    "students": {"person": 1.0},
    "student": {"person": 1.0},
    "mother": {"person": 1.0},
    "doctor": {"person": 1.0},
    "child": {"person": 1.0},
    "she": {"person": 0.8, "grammar": 0.5},
    "he": {"person": 0.8, "grammar": 0.5},
    "it": {"animal": 0.3, "thing": 0.3, "grammar": 0.6},
    # animals
    "cat": {"animal": 1.0},
    "dog": {"animal": 1.0},
    "bird": {"animal": 1.0},
    "fish": {"animal": 0.8, "thing": 0.3},
    "animal": {"animal": 1.0},
    # actions
    "visits": {"action": 1.0},
    "visit": {"action": 1.0},
    "sat": {"action": 1.0, "time": 0.2},
    "reads": {"action": 1.0},
    "read": {"action": 1.0},
    "chased": {"action": 1.0, "time": 0.2},
    "drinks": {"action": 1.0},
    "writes": {"action": 1.0},
    "eats": {"action": 1.0},
    "sees": {"action": 1.0},
    "loves": {"action": 0.9, "quality": 0.2},
    "runs": {"action": 1.0},
    "goes": {"action": 1.0},
    "went": {"action": 1.0, "time": 0.2},
    "cross": {"action": 1.0},
    "was": {"action": 0.4, "time": 0.3, "grammar": 0.6},
    "is": {"action": 0.4, "grammar": 0.6},
    "didn't": {"action": 0.3, "time": 0.2, "grammar": 0.7},
    # places
    "africa": {"place": 1.0},
    "paris": {"place": 1.0},
    "london": {"place": 1.0},
    "park": {"place": 1.0},
    "garden": {"place": 1.0},
    "street": {"place": 1.0},
    "school": {"place": 0.9, "thing": 0.2},
    "city": {"place": 1.0},
    "home": {"place": 0.9, "thing": 0.2},
    "river": {"place": 0.8, "thing": 0.3},
    # things
    "mat": {"thing": 1.0},
    "book": {"thing": 1.0},
    "ball": {"thing": 1.0},
    "coffee": {"thing": 1.0},
    "letter": {"thing": 1.0},
    "apple": {"thing": 1.0},
    "bread": {"thing": 1.0},
    "water": {"thing": 1.0},
    "car": {"thing": 1.0},
    "house": {"thing": 0.7, "place": 0.4},
    "tree": {"thing": 0.8, "place": 0.2},
    # time
    "morning": {"time": 1.0},
    "spring": {"time": 1.0},
    "today": {"time": 1.0},
    "yesterday": {"time": 1.0},
    "night": {"time": 1.0},
    "every": {"time": 0.5, "grammar": 0.5},
    # qualities
    "old": {"quality": 1.0},
    "long": {"quality": 1.0},
    "tired": {"quality": 1.0},
    "happy": {"quality": 1.0},
    "big": {"quality": 1.0},
    "small": {"quality": 1.0},
    "red": {"quality": 1.0},
    "too": {"quality": 0.4, "grammar": 0.6},
    # small grammar words
    "the": {"grammar": 1.0},
    "a": {"grammar": 1.0},
    "my": {"person": 0.3, "grammar": 0.8},
    "on": {"place": 0.2, "grammar": 0.8},
    "in": {"place": 0.2, "grammar": 0.8},
    "across": {"place": 0.3, "grammar": 0.7},
    "to": {"place": 0.2, "grammar": 0.8},
    "at": {"place": 0.2, "grammar": 0.8},
    "and": {"grammar": 1.0},
    "of": {"grammar": 1.0},
    "with": {"grammar": 1.0},
    "because": {"grammar": 1.0},
}

VOCABULARY: dict[str, np.ndarray] = {
    word: np.array([features.get(name, 0.0) for name in DIMENSIONS]) for word, features in _WORDS.items()
}
"""word -> embedding of shape (D_MODEL,), in DIMENSIONS order (0 on the position dimensions)."""


def unknown_word_vector(word: str) -> np.ndarray:
    """A vector for a word outside the vocabulary, derived from its letters.

    The same word always gets the same vector, on every run and machine: the seed comes from a SHA-256 of the
    word (Python's own hash() changes from one process to the next). Values lie in 0..1, rounded to two decimals
    like the vocabulary's, but they mean nothing. Like every embedding, it is 0 on the position dimensions.
    """
    seed = int.from_bytes(hashlib.sha256(word.encode("utf-8")).digest()[:8], "big")
    meaning = np.round(np.random.default_rng(seed).uniform(0.0, 1.0, len(FEATURES)), 2)
    return np.concatenate([meaning, np.zeros(len(POSITION_DIMS))])


def embed(tokens: list[str]) -> tuple[np.ndarray, list[bool]]:
    """Look each token up in the vocabulary.

    Returns the embeddings, shape (n_tokens, D_MODEL), and for each token whether it was unknown
    (and so given a vector from its letters).
    """
    if not tokens:
        raise ValueError("embed() needs at least one token, got none")
    unknown = [token not in VOCABULARY for token in tokens]
    rows = [unknown_word_vector(t) if miss else VOCABULARY[t] for t, miss in zip(tokens, unknown, strict=True)]
    return np.stack(rows), unknown
