"""The toy's vocabulary is what vocabulary/build.py makes from its documented sources, so that anyone can rebuild or
extend it.

The build reads WordNet 3.0's database (Debian's package wordnet-base, in /usr/share/wordnet) and the packages of
vocabulary/requirements.txt (requirements-dev.txt installs them). Where WordNet is missing the test is skipped, saying
so, unless EXPLAINER_REQUIRE_WORDNET=1 (as .ci/run sets), which makes that a failure.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from explainer import VOCABULARY
from explainer.vocabulary import FEATURES, VOCABULARY_FILE

ROOT = Path(__file__).resolve().parents[1]
WORDNET = Path(os.environ.get("EXPLAINER_WORDNET_DIR", "/usr/share/wordnet"))


def _build_module():
    spec = importlib.util.spec_from_file_location("vocabulary_build", ROOT / "vocabulary" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build():
    if not (WORDNET / "index.noun").is_file():
        message = f"WordNet 3.0 is not in {WORDNET} (apt-get install wordnet-base)"
        if os.environ.get("EXPLAINER_REQUIRE_WORDNET") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return _build_module()


def test_the_shipped_vocabulary_is_what_the_build_makes(build, tmp_path):
    rebuilt = tmp_path / "vocabulary.tsv"
    build.write(build.build(WORDNET), rebuilt)
    assert rebuilt.read_text(encoding="utf-8") == VOCABULARY_FILE.read_text(encoding="utf-8"), \
        "explainer/vocabulary.tsv is not what vocabulary/build.py makes: run it again"


def test_hand_written_words_win_and_dropped_words_are_gone(build):
    hand = build.read_words(ROOT / "vocabulary" / "words.tsv")
    assert hand["the"] == {"points": 1.0} and hand["shit"] is None
    for word, features in hand.items():
        if features is None:
            assert word not in VOCABULARY, word
        else:
            assert VOCABULARY.features(word) == features and VOCABULARY.reads_as(word) == word, word
            assert set(features) <= set(FEATURES)


@pytest.mark.parametrize("base, forms", [("visit", {"visits", "visited", "visiting"}), ("stop", {"stopped"}),
                                         ("story", {"stories"}), ("happy", {"happier", "happiest"}),
                                         ("bake", {"baked", "baking"})])
def test_regular_inflections_follow_english_spelling(build, base, forms):
    pos = "adj" if base == "happy" else "verb"
    assert forms <= build.inflections(base, pos)


@pytest.mark.parametrize("typo, meant", [("teh", "the"), ("gril", "girl"), ("hte", "the"), ("frend", "friend"),
                                         ("footbal", "football"), ("recieve", "receive"), ("wierd", "weird")])
def test_a_typo_is_offered_the_word_it_misspells_first(typo, meant):
    """Two neighbouring letters swapped are one edit, as a letter left out is: "teh" is one edit from "the"."""
    assert VOCABULARY.nearest(typo)[0] == meant


def test_edits_count_a_swap_of_neighbours_as_one_and_stop_past_the_limit():
    from explainer.vocabulary import edits

    assert [edits("teh", "the", 1), edits("gril", "girl", 1), edits("frend", "friend", 1)] == [1, 1, 1]
    assert edits("ca", "abc", 3) == 3  # no edit inside letters already swapped (optimal string alignment)
    assert edits("kitten", "sitting", 3) == 3 and edits("kitten", "sitting", 2) == 3  # over the limit: limit + 1
    assert VOCABULARY.nearest("xq") == [] and VOCABULARY.nearest("zorblat") == []
