"""The whole chain: tokens, vocabulary, positions, weights and run_attention."""
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import explainer
from explainer import (
    DEFAULT_SENTENCE,
    EXAMPLES,
    FEATURES,
    MAX_WORDS,
    POSITION_DIMS,
    VOCABULARY,
    InputError,
    Settings,
    experiments,
    positional_encoding,
    random_weights,
    run_attention,
    tokenize,
)
from explainer.positions import BASE

ROOT = Path(__file__).resolve().parents[1]


# --- tokens ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ("jane visits africa", ["jane", "visits", "africa"]),
    ("  Jane,visits\tAFRICA!!  ", ["jane", "visits", "africa"]),
    ("The animal didn't cross", ["the", "animal", "didn't", "cross"]),
    ("it’s 2 o'clock", ["it's", "2", "o'clock"]),
    ("naïve Zoë — 東京 🙂 привет", ["naïve", "zoë", "東京", "привет"]),
    ("snake_case-words", ["snake", "case", "words"]),
])
def test_tokenize_lowercases_and_splits_on_everything_but_letters_and_digits(text, words):
    assert tokenize(text) == words


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "?!., 🙂 ---"])
def test_a_sentence_without_words_gets_a_readable_error(text):
    with pytest.raises(InputError, match="no words"):
        tokenize(text)


def test_a_sentence_over_the_word_limit_says_how_many_words_it_has():
    words = " ".join(["word"] * (MAX_WORDS + 1))
    with pytest.raises(InputError, match=f"{MAX_WORDS + 1} words; the lesson takes at most {MAX_WORDS}"):
        tokenize(words)
    assert len(tokenize(" ".join(["word"] * MAX_WORDS))) == MAX_WORDS


def test_a_sentence_of_twelve_words_runs_through_the_whole_chain():
    trace = run_attention("the quick brown fox jumps over the lazy dog near the river")
    assert len(trace.tokens) == 12 and trace.attention.shape == (12, 12)


def test_input_error_is_a_value_error_and_not_text_is_refused():
    assert issubclass(InputError, ValueError)
    with pytest.raises(InputError, match="must be text"):
        tokenize(None)


# --- vocabulary -----------------------------------------------------------------------------------------------

def test_the_vocabulary_is_large_readable_and_covers_every_example():
    assert len(VOCABULARY) >= 15_000
    assert set(explainer.MEANINGS) == set(FEATURES)
    assert {"jane", "visit", "visits", "africa"} <= VOCABULARY.keys()
    assert EXAMPLES[0] == DEFAULT_SENTENCE == "jane visits africa"
    assert len(EXAMPLES) >= 6
    for sentence in EXAMPLES:
        assert set(tokenize(sentence)) <= VOCABULARY.keys(), sentence
    for word, vector in VOCABULARY.items():
        assert vector.shape == (len(FEATURES) + len(POSITION_DIMS),), word
        meaning, position = vector[: len(FEATURES)], vector[len(FEATURES):]
        assert np.all((meaning >= 0) & (meaning <= 1)) and meaning.any(), word
        assert not position.any(), word  # position dimensions are PE's alone


def test_the_lesson_words_mean_what_they_say():
    def strongest(word):
        return FEATURES[int(VOCABULARY[word].argmax())]

    assert [strongest(w) for w in ("jane", "visits", "africa")] == ["person", "action", "place"]
    assert [strongest(w) for w in ("the", "red", "in", "she", "and")] == \
        ["points", "describes", "links", "stands for", "grammar"]


@pytest.mark.parametrize("form, word", [("visits", "visit"), ("visited", "visit"), ("visiting", "visit"),
                                        ("dogs", "dog"), ("children", "child"), ("went", "go"), ("happier", "happy")])
def test_inflected_forms_read_as_their_word(form, word):
    assert VOCABULARY.reads_as(form) == word
    assert VOCABULARY.features(form) == VOCABULARY.features(word)


def test_a_possessive_reads_as_its_word_pointing_to_the_next_noun():
    trace = run_attention("we ate at sara's house")
    assert not any(trace.unknown)
    expected = VOCABULARY["sara"].copy()
    expected[FEATURES.index("points")] = 1.0
    np.testing.assert_array_equal(trace.embeddings[3], expected)


def test_unknown_words_are_flagged_and_quiet():
    trace = run_attention("jane visits zanzibar")
    assert trace.unknown == (False, False, True)
    assert not trace.embeddings[2].any()  # no features: it asks nothing and answers nothing
    known_longest = max(np.linalg.norm(VOCABULARY[word]) for word in ("jane", "visits", "africa"))
    assert np.linalg.norm(trace.embeddings[2]) <= known_longest
    assert [trace.tokens[j] for j in trace.attention[:2].argmax(axis=1)] == ["visits", "jane"]  # nobody looks at it


@pytest.mark.parametrize("typed, meant", [("frend", "friend"), ("beutiful", "beautiful"), ("schol", "school")])
def test_an_unknown_word_gets_the_nearest_known_words(typed, meant):
    assert typed not in VOCABULARY
    assert meant in VOCABULARY.nearest(typed)
    assert VOCABULARY.nearest("zxqv") == []


# --- positions ------------------------------------------------------------------------------------------------

def test_positional_encoding_follows_the_paper():
    n, d = 5, 8
    pe = positional_encoding(n, d)
    for pos in range(n):
        for i in range(d // 2):
            angle = pos / 10000 ** (2 * i / d)
            assert pe[pos, 2 * i] == pytest.approx(math.sin(angle))
            assert pe[pos, 2 * i + 1] == pytest.approx(math.cos(angle))


def test_positions_have_their_own_dimensions_and_keep_the_names_readable():
    on, off = run_attention("jane visits africa"), run_attention("jane visits africa", Settings(positional=False))
    named = slice(0, len(FEATURES))
    np.testing.assert_array_equal(off.X, off.embeddings)  # X = E + PE, with PE = 0
    np.testing.assert_array_equal(on.X[:, named], on.embeddings[:, named])  # positions leave every feature as it was
    np.testing.assert_allclose(on.X[:, len(FEATURES):], positional_encoding(3, len(POSITION_DIMS), base=BASE))
    assert on.matrix("X").cols == FEATURES + POSITION_DIMS
    assert not off.positions.any()


def test_the_lessons_clocks_turn_one_and_a_half_radian_a_word():
    pe = positional_encoding(13, 4, base=BASE)
    np.testing.assert_allclose(pe[:, 0], np.sin(np.arange(13)))
    np.testing.assert_allclose(pe[:, 3], np.cos(np.arange(13) / 2))
    assert len({tuple(row) for row in pe.round(3)}) == 13  # no two positions read the same


def test_the_designed_position_questions_find_the_next_word():
    W = explainer.designed_weights()
    named, position = slice(0, len(FEATURES)), slice(len(FEATURES), None)
    meaning = [explainer.QUESTIONS.index(q) for q in explainer.MEANING_QUESTIONS]
    near = [explainer.QUESTIONS.index(q) for q in explainer.POSITION_QUESTIONS]
    for M in (W.W_Q, W.W_K):
        assert not M[meaning][:, position].any() and not M[near][:, named].any()
    assert not W.W_V[:, position].any()  # what a word passes on is its meaning alone
    pe = positional_encoding(12, 4, base=BASE)
    by_position = (pe @ W.W_Q[near][:, position].T) @ (pe @ W.W_K[near][:, position].T).T  # (12, 12)
    offsets = np.subtract.outer(np.arange(12), np.arange(12)).T  # key − query
    for d in range(-11, 12):  # the same for every query: it depends on how far ahead the key is, nothing else
        np.testing.assert_allclose(by_position[offsets == d], by_position[offsets == d][0])
    best = {d: by_position[offsets == d][0] for d in range(-11, 12)}
    assert max(best, key=best.get) == 1  # the next word matches best
    assert best[2] > best[-1] and best[0] < best[1]


def test_word_order_changes_what_the_designed_weights_see():
    order, reversed_order = run_attention("the red ball"), run_attention("ball red the")
    assert not np.allclose(order.attention, reversed_order.attention[::-1, ::-1])
    assert [order.tokens[j] for j in order.attention[:2].argmax(axis=1)] == ["ball", "ball"]
    random = run_attention("jane visits africa", Settings(weight_set="random")), \
        run_attention("jane visits africa", Settings(weight_set="random", positional=False))
    assert not np.allclose(random[0].attention, random[1].attention)


def test_cosine_scores_are_not_divided_by_root_d_k():
    for scaled in (True, False):
        trace = run_attention(DEFAULT_SENTENCE, Settings(similarity="cosine", scaled=scaled, temperature=0.5))
        assert trace.scale == 2.0  # 1 / T only
        np.testing.assert_allclose(trace.logits, trace.scores / 0.5)
        assert np.all(np.abs(trace.scores) <= 1 + 1e-12)


# --- the default example: the lesson's table --------------------------------------------------------------------

@pytest.mark.parametrize("query, key, lesson_value", [("jane", "visits", 0.94), ("visits", "africa", 0.86),
                                                      ("africa", "visits", 0.76)])
def test_designed_weights_reproduce_the_lessons_table(query, key, lesson_value):
    trace = run_attention(DEFAULT_SENTENCE)
    row = trace.attention[trace.tokens.index(query)]
    assert trace.tokens[int(row.argmax())] == key
    assert row[trace.tokens.index(key)] == pytest.approx(lesson_value, abs=0.02)


def test_the_lessons_table_holds_without_positions_too():
    trace = run_attention(DEFAULT_SENTENCE, Settings(positional=False))
    assert [trace.tokens[j] for j in trace.attention.argmax(axis=1)] == ["visits", "africa", "visits"]


def test_attention_is_not_symmetric():
    weights = run_attention(DEFAULT_SENTENCE).attention
    assert not np.allclose(weights, weights.T)


# --- the whole chain ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence", EXAMPLES)
@pytest.mark.parametrize("weights", ["designed", "random"])
def test_every_built_in_example_runs_with_consistent_shapes(sentence, weights):
    trace = run_attention(sentence, Settings(weight_set=weights))
    n, d_model, d_k = len(tokenize(sentence)), len(FEATURES) + len(POSITION_DIMS), explainer.D_K
    assert trace.tokens == tuple(tokenize(sentence))
    assert not any(trace.unknown)
    assert trace.X.shape == (n, d_model)
    d_v = len(explainer.CONTENTS)
    assert trace.W_Q.shape == trace.W_K.shape == (d_k, d_model) and trace.W_V.shape == (d_v, d_model)
    assert trace.Q.shape == trace.K.shape == (n, d_k) and trace.V.shape == trace.output.shape == (n, d_v)
    assert trace.scores.shape == trace.attention.shape == (n, n)
    np.testing.assert_allclose(trace.attention.sum(axis=1), 1.0)
    np.testing.assert_allclose(trace.Q, trace.X @ trace.W_Q.T)
    np.testing.assert_allclose(trace.scores, trace.Q @ trace.K.T)
    np.testing.assert_allclose(trace.output, trace.attention @ trace.V)


def test_scaling_and_temperature_divide_the_scores():
    base = run_attention(DEFAULT_SENTENCE, Settings(scaled=False))
    scaled = run_attention(DEFAULT_SENTENCE, Settings(temperature=0.5))
    assert base.scale == 1.0
    assert scaled.scale == pytest.approx(1 / math.sqrt(explainer.D_K) / 0.5)
    np.testing.assert_allclose(scaled.logits, base.scores / math.sqrt(explainer.D_K) / 0.5)


@given(st.floats(0.2, 5).filter(lambda t: abs(t - 1) > 0.01))
def test_temperature_changes_how_sharp_a_row_is_not_its_order(temperature):
    base = run_attention(DEFAULT_SENTENCE)
    tempered = run_attention(DEFAULT_SENTENCE, Settings(temperature=temperature))
    np.testing.assert_array_equal(np.argsort(tempered.attention, axis=1), np.argsort(base.attention, axis=1))

    def entropy(weights):  # per row: 0 for one-hot, log n for uniform
        return -(weights * np.log(weights)).sum(axis=1)
    if temperature < 1:  # colder: every row sharper
        assert np.all(entropy(tempered.attention) < entropy(base.attention))
    else:  # warmer: every row flatter
        assert np.all(entropy(tempered.attention) > entropy(base.attention))


def test_low_temperature_approaches_a_hard_lookup():
    weights = run_attention(DEFAULT_SENTENCE, Settings(temperature=0.01)).attention
    np.testing.assert_allclose(weights, np.eye(3)[[1, 2, 1]], atol=1e-6)


def test_the_causal_mask_hides_later_words():
    trace = run_attention(DEFAULT_SENTENCE, Settings(causal=True))
    assert np.all(np.triu(trace.attention, k=1) == 0)
    assert trace.attention[0, 0] == 1.0
    assert np.isneginf(trace.logits[0, 1])


def test_cosine_scores_lie_between_minus_one_and_one():
    trace = run_attention(DEFAULT_SENTENCE, Settings(similarity="cosine", scaled=False))
    assert np.all(np.abs(trace.scores) <= 1 + 1e-12)
    assert trace.scores[0, 1] == pytest.approx(
        trace.Q[0] @ trace.K[1] / np.linalg.norm(trace.Q[0]) / np.linalg.norm(trace.K[1]))


def test_multi_head_output_is_the_heads_outputs_side_by_side():
    trace = run_attention("the dog chased the ball", Settings(heads=2))
    assert trace.attention.shape == (2, 5, 5)
    d_head, d_value = explainer.D_K // 2, len(explainer.CONTENTS) // 2
    pieces = []
    for h in range(2):
        part, values = slice(h * d_head, (h + 1) * d_head), slice(h * d_value, (h + 1) * d_value)
        head = explainer.scaled_dot_product_attention(trace.Q[:, part], trace.K[:, part], trace.V[:, values])
        np.testing.assert_allclose(trace.head(h).attention, head.attention)
        pieces.append(head.output)
    np.testing.assert_allclose(trace.output, np.hstack(pieces))
    assert trace.head(1).matrix("Q").title == "Q  (5 × 4) · head 2 of 2"
    assert trace.head(1).matrix("V").title == "V  (5 × 2) · head 2 of 2"
    assert trace.head(0).qk_dims == explainer.MEANING_QUESTIONS  # one head asks about meaning, the other position
    assert trace.head(1).qk_dims == explainer.POSITION_QUESTIONS


def test_random_weights_are_reproducible_from_the_seed():
    a, b, c = random_weights(7), random_weights(7), random_weights(8)
    np.testing.assert_array_equal(a.W_Q, b.W_Q)
    assert not np.allclose(a.W_Q, c.W_Q)
    first = run_attention("the cat sat", Settings(weight_set="random", seed=7))
    again = run_attention("the cat sat", Settings(weight_set="random", seed=7))
    np.testing.assert_array_equal(first.attention, again.attention)
    # the draw itself is numpy's default_rng(seed): W_Q and W_K together, then W_V
    d_model, d_k = explainer.D_MODEL, explainer.D_K
    rng = np.random.default_rng(7)
    expected = rng.normal(0, 1 / math.sqrt(d_model), (2, d_k, d_model))
    np.testing.assert_array_equal(a.W_K, expected[1])
    np.testing.assert_array_equal(a.W_V, rng.normal(0, 1 / math.sqrt(d_model), (len(explainer.CONTENTS), d_model)))


def test_the_trace_cannot_be_changed_by_accident():
    trace = run_attention(DEFAULT_SENTENCE)
    with pytest.raises(ValueError):
        trace.attention[0, 0] = 1.0


def test_repeated_words_get_unique_labels():
    trace = run_attention("the cat sat on the mat")
    assert trace.labels == ("the (1)", "cat", "sat", "on", "the (2)", "mat")
    weights = trace.matrix("attention")
    assert weights.title == "A  (6 × 6)" and weights.rows == weights.cols == trace.labels
    assert trace.matrix("X").cols == FEATURES + POSITION_DIMS


@pytest.mark.parametrize("settings, message", [
    (dict(weight_set="learned"), "weight_set must be one of"),
    (dict(similarity="euclid"), "similarity must be one of"),
    (dict(heads=3), "heads must be one of"),
    (dict(seed=-1), "seed must be a whole number"),
    (dict(temperature=0), "temperature must be a positive number, got 0"),
    (dict(temperature=float("nan")), "temperature"),
    (dict(positional="yes"), "positional must be True or False"),
])
def test_bad_settings_are_named_in_the_error(settings, message):
    with pytest.raises(ValueError, match=message):
        run_attention(DEFAULT_SENTENCE, Settings(**settings))


def test_settings_come_as_one_record():
    with pytest.raises(ValueError, match="as a Settings, got dict"):
        run_attention(DEFAULT_SENTENCE, {"heads": 2})


def test_matrix_names_what_it_has():
    trace = run_attention(DEFAULT_SENTENCE)
    with pytest.raises(ValueError, match="no matrix named 'Z'"):
        trace.matrix("Z")
    with pytest.raises(ValueError, match=r"pick one with trace\.head"):
        run_attention(DEFAULT_SENTENCE, Settings(heads=2)).matrix("attention")


def test_the_engine_needs_numpy_only():
    code = ("import sys, explainer; explainer.run_attention('jane visits africa'); "
            "print(sorted({'streamlit', 'pandas', 'altair', 'pyarrow', 'jsonschema'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


def test_the_scaling_experiment_shows_spread_growing_like_root_d_k():
    table = experiments.scaling(d_ks=(4, 64, 256), samples=600, seed=1)
    np.testing.assert_allclose(table["std of q·k"], np.sqrt([4, 64, 256]), rtol=0.1)
    unscaled, scaled = table["largest weight, unscaled"], table["largest weight, ÷√d_k"]
    assert np.all(np.diff(unscaled) > 0) and unscaled[-1] > 0.8
    assert scaled.max() < 0.5


@given(st.integers(1, 12), st.integers(1, 8), st.integers(0, 10_000))
def test_the_fan_keeps_every_query_key_dot_product_and_length(n, d, seed):
    rng = np.random.default_rng(seed)
    q, K = rng.standard_normal(d), rng.standard_normal((n, d))
    q_point, k_points = experiments.fan(q, K)
    np.testing.assert_allclose(k_points @ q_point, K @ q, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(k_points, axis=1), np.linalg.norm(K, axis=1))
    assert np.all(k_points[:, 1] >= 0)
