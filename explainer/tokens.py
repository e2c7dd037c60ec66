"""Sentence -> tokens: the first step of the chain.

A token here is a word: lower-cased, with every character that is neither a letter nor a digit treated as
a space. An apostrophe between letters stays inside its word ("didn't" is one token). Any script works:
"naïve", "東京" and "привет" are words; emoji and punctuation only separate words.
"""
from __future__ import annotations

import re
import unicodedata

MAX_WORDS = 12
"""The longest sentence the lesson takes: a 12 × 12 attention matrix still reads on a phone."""

MAX_CHARS = 300
"""The most text fit_sentence reads; a sentence of MAX_WORDS long words fits well within it."""

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


def fit_sentence(text: object, fallback: str) -> tuple[str, list[str]]:
    """Make any text usable as the lesson's sentence, saying what was changed.

    Control characters are dropped, text beyond MAX_CHARS is cut, words beyond MAX_WORDS are left out, and text
    with no words at all is replaced by `fallback`. Returns the sentence and notices for the student (which never
    quote the text itself, so they are safe to show as they are).
    """
    if not isinstance(text, str):
        return fallback, ["The sentence was not text, so the lesson's sentence is shown instead."]
    notices = []
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        notices.append(f"The sentence was very long: only its first {MAX_CHARS} characters were read.")
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text).strip()
    kept = "".join(c for c in text if not _is_symbol(c))
    if kept != text:
        text = " ".join(kept.split())
        notices.append("Emoji and symbols are not words here, so they were left out of the sentence.")
    words = list(_WORD.finditer(text))
    if not words:
        return fallback, [*notices, "The sentence had no words in it, so the lesson's sentence is shown instead."]
    if len(words) > MAX_WORDS:
        text = text[:words[MAX_WORDS - 1].end()]
        notices.append(f"The sentence had {len(words)} words; the lesson takes at most {MAX_WORDS}, "
                       f"so only the first {MAX_WORDS} are used.")
    return text, notices


def _is_symbol(c: str) -> bool:
    """An emoji or another pictograph, or a character that only shapes one (joiner, variation selector, skin tone)."""
    return unicodedata.category(c) == "So" or c in "\u200d\ufe0e\ufe0f" or "\U0001f3fb" <= c <= "\U0001f3ff"
