"""The lesson state and its links: any query string gives a valid state, and every state survives its own link."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from explainer import EXAMPLES, MAX_CHARS, MAX_WORDS, fit_sentence, run_attention, tokenize
from lesson import state
from lesson.state import DEFAULT, LessonState, clean, from_query, to_query

MARKER = "<b>zq"  # typed into values; must never come back in a notice

# "teacher": a class's teacher key (frame.store.TEACHER), in the link but not a lesson setting
parameter_names = st.sampled_from([*(s.parameter for s in state.SETTINGS.values()), "teacher", "unknown", "x" * 40,
                                   ""])
values = st.text(max_size=40) | st.sampled_from(["on", "off", "2", "4", "-1", "1e309", "nan", "inf", "0.001", "visits",
                                                 "the (2)", "random", "cosine", "99999", " 3 ", MARKER,
                                                 "ABC234", " abc234 ", "ßßßßßß", "x" * 43])
queries = st.dictionaries(parameter_names | st.text(max_size=10), values | st.lists(values, max_size=3), max_size=12)


def assert_valid(lesson: LessonState) -> None:
    n = len(tokenize(lesson.sentence))
    assert 1 <= n <= MAX_WORDS
    assert 0 <= lesson.focus < n and (lesson.key is None or 0 <= lesson.key < n)
    assert 0 <= lesson.head < lesson.heads
    for name in ("seed", "temperature", "train_steps", "train_rate"):
        low, high = state.SETTINGS[name].range
        assert low <= getattr(lesson, name) <= high
    assert lesson.real_layer >= 1 and lesson.real_head >= 1
    trace = run_attention(lesson.sentence, lesson.settings)
    assert trace.head(lesson.head).attention.shape == (n, n)


@given(queries)
def test_any_query_string_gives_a_valid_state(params):
    lesson, notices = from_query(params)
    assert_valid(lesson)
    assert all(isinstance(n, str) and MARKER not in n for n in notices)


sentences = st.sampled_from(EXAMPLES) | st.lists(st.sampled_from(["jane", "cat", "zebra", "the", "naïve", "東京"]),
                                                 min_size=1, max_size=MAX_WORDS).map(" ".join)


@st.composite
def lesson_states(draw):
    sentence = draw(sentences)
    n = len(tokenize(sentence))
    heads = draw(st.sampled_from([1, 2, 4]))
    return LessonState(
        sentence=sentence, weight_set=draw(st.sampled_from(["designed", "random", "trained"])),
        seed=draw(st.integers(0, 9999)), train_steps=draw(st.integers(*state.SETTINGS["train_steps"].range)),
        train_rate=draw(st.integers(10, 10000)) / 100,
        positional=draw(st.booleans()), scaled=draw(st.booleans()),
        temperature=draw(st.integers(1, 500)) / 100, causal=draw(st.booleans()),
        similarity=draw(st.sampled_from(["dot", "cosine"])), heads=heads, head=draw(st.integers(0, heads - 1)),
        focus=draw(st.integers(0, n - 1)), key=draw(st.none() | st.integers(0, n - 1)), numbers=draw(st.booleans()),
        projector=draw(st.booleans()), real_layer=draw(st.integers(1, 6)), real_head=draw(st.integers(1, 12)))


@given(lesson_states())
def test_every_state_comes_back_from_its_link(lesson):
    again, notices = from_query(to_query(lesson))
    assert again == lesson
    assert notices == []


def test_the_default_view_has_an_empty_link_and_defaults_are_left_out():
    assert to_query(DEFAULT) == {}
    assert to_query(LessonState(temperature=0.5, focus=2)) == {"temperature": "0.5", "focus": "africa"}
    assert to_query(LessonState(positional=False, heads=2, head=1)) == {"positions": "off", "heads": "2", "head": "2"}


@pytest.mark.parametrize("params, field, expected, notice", [
    ({"temperature": "99"}, "temperature", 5.0, "'temperature' must be between 0.01 and 5: using 5."),
    ({"temperature": "-3"}, "temperature", 0.01, "using 0.01"),
    ({"temperature": "1e309"}, "temperature", 5.0, "using 5"),
    ({"temperature": "warm"}, "temperature", 1.0, "'temperature' must be a number from 0.01 to 5: using 1."),
    ({"seed": "12.5"}, "seed", 0, "'seed' must be a whole number"),
    ({"seed": "123456"}, "seed", 9999, "using 9999"),
    ({"positions": "maybe"}, "positional", True, "'positions' must be on or off: using on."),
    ({"weights": "learned"}, "weight_set", "designed", "'weights' must be one of designed, random, trained"),
    ({"steps": "5000"}, "train_steps", 1000, "'steps' must be between 10 and 1000: using 1000."),
    ({"steps": "12.5"}, "train_steps", 200, "'steps' must be a whole number from 10 to 1000: using 200."),
    ({"rate": "fast"}, "train_rate", 5.0, "'rate' must be a number from 0.1 to 100: using 5."),
    ({"rate": "0"}, "train_rate", 0.1, "'rate' must be between 0.1 and 100: using 0.1."),
    ({"rate": "nan"}, "train_rate", 5.0, "'rate' must be a number"),
    ({"projector": "big"}, "projector", False, "'projector' must be on or off: using off."),
    ({"heads": "3"}, "heads", 1, "'heads' must be one of 1, 2, 4"),
    ({"heads": "2", "head": "5"}, "head", 0, "'head' must be a head from 1 to 2"),
    ({"focus": "paris"}, "focus", 0, "'focus' must be a word of the sentence"),
    ({"sentence": "?!?"}, "sentence", EXAMPLES[0], "no words in it"),
])
def test_unusable_link_values_are_replaced_and_said_so(params, field, expected, notice):
    lesson, notices = from_query(params)
    assert getattr(lesson, field) == expected
    assert any(notice in n for n in notices), notices


def test_projector_mode_is_carried_by_its_link():
    assert to_query(LessonState(projector=True)) == {"projector": "on"}
    assert from_query({"projector": "on"}) == (LessonState(projector=True), [])
    assert from_query({"projector": "off"}) == (DEFAULT, [])


def test_a_trained_view_keeps_its_training_in_the_link_and_only_what_differs():
    lesson = LessonState(weight_set="trained", seed=3)
    assert to_query(lesson) == {"weights": "trained", "seed": "3"}
    lesson = LessonState(weight_set="trained", seed=3, train_steps=400, train_rate=2.5)
    assert to_query(lesson) == {"weights": "trained", "seed": "3", "steps": "400", "rate": "2.5"}
    assert from_query(to_query(lesson)) == (lesson, [])
    assert from_query({"weights": "trained", "rate": "2.504"})[0].train_rate == 2.5  # the page's input's step


def test_the_real_models_layer_and_head_read_links_like_the_lessons():
    limits = {"real_layer": 6, "real_head": 12}
    assert from_query({}, limits) == (DEFAULT, [])
    lesson, notices = from_query({"layer": "6", "rhead": "12"}, limits)
    assert (lesson.real_layer, lesson.real_head, notices) == (6, 12, [])
    assert from_query({"layer": ["9", "2"]}, limits)[0].real_layer == 2  # repeated: the last one wins
    for bad in ("0", "7", "-1", "2.0", "", "१", "99999"):
        lesson, notices = from_query({"layer": bad}, limits)
        assert lesson.real_layer == 1 and len(notices) == 1
    assert to_query(LessonState(real_layer=1, real_head=1)) == {}
    assert to_query(LessonState(real_layer=3)) == {"layer": "3"}
    lesson, notices = from_query({"layer": "9", "rhead": "40"})  # a page without the model keeps them for page 6
    assert (lesson.real_layer, lesson.real_head, notices) == (9, 40, [])
    assert from_query({"rhead": "x"})[1] == ["'rhead' must be a head of the model on page 6, counted from 1: using "
                                             "head 1."]


def test_a_link_may_count_words_by_label_and_repeat_a_parameter():
    lesson, notices = from_query({"sentence": "the cat sat on the mat", "focus": ["cat", "the (2)"], "key": "MAT"})
    assert (lesson.focus, lesson.key, notices) == (4, 5, [])


def test_unknown_parameters_are_ignored_with_a_count():
    lesson, notices = from_query({"colour": "red", "x": "1"})
    assert lesson == DEFAULT
    assert notices == ["The link had 2 settings this lesson does not know; they were ignored."]


def test_too_many_words_are_cut_to_the_limit_keeping_the_text_as_typed():
    words = [f"Word{i}" for i in range(MAX_WORDS + 5)]
    sentence, notices = fit_sentence(" ".join(words) + "!", EXAMPLES[0])
    assert sentence == " ".join(words[:MAX_WORDS])
    assert notices == [f"The sentence had {MAX_WORDS + 5} words; the lesson takes at most {MAX_WORDS}, "
                       f"so only the first {MAX_WORDS} are used."]


def test_very_long_text_and_control_characters_are_tamed():
    sentence, notices = fit_sentence("jane\x00visits\x1b[31mafrica" + " " * MAX_CHARS + "zebra", EXAMPLES[0])
    assert tokenize(sentence) == ["jane", "visits", "31mafrica"]
    assert "\x00" not in sentence and "\x1b" not in sentence
    assert any(str(MAX_CHARS) in n for n in notices)


def test_widget_values_go_through_the_same_cleaning():
    lesson, notices = clean({"temperature": 0.004, "focus": 7.0}, base=LessonState())
    assert lesson.temperature == 0.01 and lesson.focus == 0
    assert len(notices) == 2
    lesson, notices = clean({"focus": 2.0}, base=LessonState())  # a chart click may send a float
    assert lesson.focus == 2 and notices == []


def test_emoji_are_left_out_with_a_notice_once():
    sentence, notices = fit_sentence("jane 🙂 visits africa 👍🏽", EXAMPLES[0])
    assert tokenize(sentence) == ["jane", "visits", "africa"] and "🙂" not in sentence
    assert notices == ["Emoji and symbols are not words here, so they were left out of the sentence."]
    assert fit_sentence(sentence, EXAMPLES[0]) == (sentence, [])  # said once: the kept text has none left


def test_a_class_code_is_upper_cased_kept_in_the_link_and_a_malformed_one_dropped_with_a_notice():
    from lesson.classroom import CODE_ALPHABET, CODE_LENGTH

    code = (CODE_ALPHABET[::-1] * CODE_LENGTH)[:CODE_LENGTH]
    lesson, notices = from_query({"class": f" {code.lower()} "})
    assert (lesson.class_code, notices) == (code, [])
    assert to_query(lesson) == {"class": code} and from_query(to_query(lesson)) == (lesson, [])
    for bad in (code[:-1], code + "A", "O" + code[1:], "ß" * CODE_LENGTH, MARKER):
        lesson, notices = from_query({"class": bad})
        assert lesson.class_code == "" and len(notices) == 1 and "'class' must be a class code" in notices[0]
        assert bad.strip() not in notices[0]
    assert from_query({"teacher": "x" * 43})[0] == DEFAULT, "the teacher's key is no lesson setting"
