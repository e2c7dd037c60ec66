"""Readable word embeddings: every dimension is a feature with a name a student understands.

A trained model learns hundreds of unnamed dimensions. Here each of the twelve dimensions means one thing (is the
word a person? an action? a word that points to a noun?), so that every number in the lesson can be read and checked
by hand. Values lie between 0 (not at all) and 1 (entirely).

The toy knows the most common English words and their inflected forms (visits, visited and visiting read as visit),
about 21,000 forms in all: vocabulary.tsv, made by vocabulary/build.py from wordfreq's word list, WordNet and a
hand-written list of the small words. A word it does not know (a name, a typo, another language) gets no features
at all: a vector of zeros, which asks nothing and answers nothing (nearest() offers known words that look like it).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

FEATURES = ("person", "animal", "place", "thing", "time", "action", "helps", "describes", "points", "links",
            "stands for", "grammar")
"""The named dimensions of a word's meaning, in the order of E's columns."""

MEANINGS = {
    "person": "a person or people: jane, teacher, family, team",
    "animal": "an animal: dog, bird, spider",
    "place": "a place to be in or go to: park, school, kitchen, paris",
    "thing": "a thing, a food or an idea: ball, pizza, music, test",
    "time": "a time: morning, today, summer, week",
    "action": "something done or happening, a verb: visits, eat, play, rain",
    "helps": "helps a verb: is, can, didn't, and words saying how or when (never, quickly, away)",
    "describes": "describes a noun: red, old, happy, two, first",
    "points": "points to a noun after it: the, a, my, his, this, every",
    "links": "links a noun to the rest of the sentence: in, on, at, to, with",
    "stands for": "stands for a noun: it, she, they, me",
    "grammar": "a small word that holds a sentence together: and, but, not, very, to",
}
"""What each feature means, in a student's words, with examples."""

NOUN_KINDS = ("person", "animal", "place", "thing")
"""The features that name something a word can be about: what a describing word, a pronoun or a verb looks for."""

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

POSSESSIVE = "'s"
"""A known word with 's (tom's, the dog's) reads as that word, pointing to the noun after it as my or his does."""


class Vocabulary(Mapping):
    """The known word forms -> their embeddings (D_MODEL,), read from vocabulary.tsv on first use.

    The file lists one form a line, the most common first: the form, the word it reads as, and its features. A
    line's numbers are read only when the word is looked up, so that `import explainer` stays fast.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lines: dict[str, tuple[str, str]] | None = None  # form -> (the word it reads as, its feature values)
        self._alike: dict[tuple[str, int], list[str]] = {}  # nearest()'s answers: the same words come back each run
        self._by_letter: dict[str, list[tuple[int, str]]] | None = None  # nearest()'s forms, by first letter

    @property
    def _rows(self) -> dict[str, tuple[str, str]]:
        if self._lines is None:
            lines = [line for line in self._path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
            header = tuple(lines[0].split("\t")[2:])
            if header != FEATURES:
                raise ValueError(f"{self._path.name} has the features {header}, the engine {FEATURES}: rebuild it "
                                 "with vocabulary/build.py")
            self._lines = {}
            for line in lines[1:]:
                form, base, values = line.split("\t", 2)
                self._lines[form] = (base, values)
        return self._lines

    def __getitem__(self, word: str) -> np.ndarray:
        values = self._rows[word][1]
        return np.concatenate([np.array(values.split("\t"), dtype=float), np.zeros(len(POSITION_DIMS))])

    def __contains__(self, word: object) -> bool:
        return word in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def reads_as(self, word: str) -> str:
        """The word a known form reads as: "visited" -> "visit"."""
        return self._rows[word][0]

    def features(self, word: str) -> dict[str, float]:
        """A known form's non-zero features by name: {"stands for": 1.0, "thing": 0.5, "animal": 0.3} for "it"."""
        return {name: value for name, value in zip(FEATURES, self[word], strict=False) if value}

    def nearest(self, word: str, n: int = 3) -> list[str]:
        """Up to n known forms that look most like `word` (for a typo: "teh" -> ["the", ...], "frend" -> ["friend",
        ...]): the forms fewest edits away (see typos and edits), the most common first among equals; none when
        nothing is close. Only forms that start as the word does, or with its first two letters swapped, are
        compared. (Up to about 15 ms a word, so kept: a page asks it again on every rerun.)"""
        if (word, n) not in self._alike:
            if len(self._alike) >= 4096:
                self._alike.clear()
            if self._by_letter is None:  # the forms by their first letter, with their rank in the file (most common
                self._by_letter = {}     # first)
                for rank, form in enumerate(self._rows):
                    self._by_letter.setdefault(form[:1], []).append((rank, form))
            limit = typos(word)
            found = []
            for letter in {word[:1], word[1:2]} - {""}:
                for rank, form in self._by_letter.get(letter, ()):
                    if abs(len(form) - len(word)) <= limit and form != word and (
                            letter == word[:1] or form[1:2] == word[:1]):
                        distance = edits(word, form, limit)
                        if distance <= limit:
                            found.append((distance, rank, form))
            self._alike[(word, n)] = [form for _distance, _rank, form in sorted(found)[:n]]
        return list(self._alike[(word, n)])


def typos(word: str) -> int:
    """How many edits a known form may be from `word` to be offered for it: none for a word of one or two letters
    (nearly every other short word is one edit away), one up to seven letters, two from eight."""
    return 0 if len(word) <= 2 else 1 if len(word) <= 7 else 2


def edits(a: str, b: str, limit: int) -> int:
    """How many edits turn `a` into `b` (their optimal string alignment distance): a letter put in, left out or
    changed, or two neighbouring letters swapped ("teh" -> "the"), each one edit; limit + 1 once it is sure to be
    more than `limit` (only the cells within `limit` of the diagonal are worked out)."""
    while a and b and a[0] == b[0]:  # what they start and end with alike takes no edit
        a, b = a[1:], b[1:]
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    far = limit + 1
    before, row = None, [j if j <= limit else far for j in range(len(b) + 1)]
    for i, x in enumerate(a, 1):
        current = [i if i <= limit else far] + [far] * len(b)
        for j in range(max(1, i - limit), min(len(b), i + limit) + 1):
            y = b[j - 1]
            cost = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (x != y))
            if before is not None and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, before[j - 2] + 1)
            current[j] = min(cost, far)
        if min(current) > limit:
            return far
        before, row = row, current
    return row[-1]


VOCABULARY_FILE = Path(__file__).with_name("vocabulary.tsv")
"""The vocabulary's data file, made by vocabulary/build.py."""

VOCABULARY = Vocabulary(VOCABULARY_FILE)
"""Every word form the toy knows -> its embedding of shape (D_MODEL,), in DIMENSIONS order (0 on the position
dimensions)."""


def known_form(token: str) -> str | None:
    """The vocabulary's form for a token: the token itself, or for a possessive (tom's) the word without 's;
    None for a word the toy does not know."""
    if token in VOCABULARY:
        return token
    if token.endswith(POSSESSIVE) and token[: -len(POSSESSIVE)] in VOCABULARY:
        return token[: -len(POSSESSIVE)]
    return None


def word_vector(token: str) -> np.ndarray:
    """A token's embedding (D_MODEL,): its vocabulary entry, with "points" added for a possessive (tom's points to
    the noun after it, like his); zeros for a word the toy does not know."""
    form = known_form(token)
    if form is None:
        return np.zeros(D_MODEL)
    vector = VOCABULARY[form]
    if form != token:
        vector[FEATURES.index("points")] = 1.0
    return vector


def kind(vector: np.ndarray) -> str:
    """A word's strongest named feature ("person", "action", ...), from its embedding; "" for a word with none."""
    meaning = np.asarray(vector)[: len(FEATURES)]
    return FEATURES[int(meaning.argmax())] if meaning.any() else ""


def embed(tokens: list[str]) -> tuple[np.ndarray, list[bool]]:
    """Look each token up in the vocabulary.

    Returns the embeddings, shape (n_tokens, D_MODEL), and for each token whether it was unknown (and so given no
    features: zeros).
    """
    if not tokens:
        raise ValueError("embed() needs at least one token, got none")
    return np.stack([word_vector(token) for token in tokens]), [known_form(token) is None for token in tokens]
