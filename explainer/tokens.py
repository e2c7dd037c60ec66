"""Sentence -> tokens: the first step of the chain.

A token here is a word: lower-cased, with every character that is neither a letter nor a digit treated as
a space. An apostrophe between letters stays inside its word ("didn't" is one token). Any script works:
"naïve", "東京" and "привет" are words; emoji and punctuation only separate words.
"""
from __future__ import annotations

import re

MAX_WORDS = 12
"""The longest sentence the lesson takes: a 12 × 12 attention matrix still reads on a phone."""

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


class InputError(ValueError):
    """Input a student typed that the lesson cannot use; the message is written for the student."""


def tokenize(sentence: str) -> list[str]:
    """Split a sentence into lower-case words.

    Raises InputError when the sentence has no words or more than MAX_WORDS of them.

    >>> tokenize("Jane  visits AFRICA!")
    ['jane', 'visits', 'africa']
    """
    if not isinstance(sentence, str):
        raise InputError(f"The sentence must be text, not {type(sentence).__name__}.")
    words = find_words(sentence)
    if not words:
        raise InputError("Type a sentence: there are no words in it yet.")
    if len(words) > MAX_WORDS:
        raise InputError(
            f"That sentence has {len(words)} words; the lesson takes at most {MAX_WORDS}. "
            "Shorten it so every word fits in the charts."
        )
    return words


def find_words(text: str) -> list[str]:
    """Every word in the text, lower-cased, with no limit on their number."""
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]
