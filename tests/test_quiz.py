"""Check yourself: for questions made from many views, the right answer is marked right and every other wrong,
and the numbers in a question are the view's own."""
import pytest

from explainer import run_attention
from frame.quiz import PASSED
from lesson import quiz
from tests.support import open_page

VIEWS = [("jane visits africa", {}), ("hello", {}), ("the the the the", {}),
         ("the cat sat on the mat", {"similarity": "cosine", "temperature": 4.0}),
         ("the animal didn't cross the street because it was too tired", {"weight_set": "random", "causal": True}),
         ("students visit paris in spring", {"heads": 2})]


@pytest.mark.parametrize("sentence, settings", VIEWS)
@pytest.mark.parametrize("stage", [1, 2, 3, 4])
def test_exactly_one_option_is_right_and_each_has_its_why(sentence, settings, stage):
    trace = run_attention(sentence, **settings).head(0)
    for query in range(len(trace.tokens)):
        questions = quiz.questions(stage, trace, query)
        assert 1 <= len(questions) <= 3
        for question in questions:
            marks = [question.is_right(i) for i in range(len(question.options))]
            assert marks.count(True) == 1 and len(question.why) == len(question.options)
            assert len(set(question.options)) == len(question.options)  # no two options read the same
            assert question.why[question.answer].startswith("Right")
            assert all(not why.startswith("Right") for i, why in enumerate(question.why) if i != question.answer)


@pytest.mark.parametrize("sentence, settings", VIEWS)
def test_the_right_answers_are_the_views_own_numbers(sentence, settings):
    trace = run_attention(sentence, **settings).head(0)
    for query in range(len(trace.tokens)):
        row = trace.weights[query]
        for question in quiz.questions(1, trace, query):
            if question.prompt.startswith("Which word"):
                assert question.options[question.answer] == trace.labels[int(row.argmax())]
        score = quiz.questions(2, trace, query)[0]
        key = int(row.argmax())
        assert score.options[score.answer] == f"{trace.scores[query, key]:.2f}".replace("-", "−")


def test_a_stage_answered_right_shows_as_done_on_home():
    at = open_page("pages/1_Intuition.py")
    assert not [r for r in at.radio if r.key and r.key.startswith("quiz_")], "built only when opened"
    at.session_state["quiz_open_1"] = True  # the student opens "Check yourself"
    at.run()
    radios = [r.key for r in at.radio if r.key and r.key.startswith("quiz_")]
    questions = quiz.questions(1, run_attention("jane visits africa"), 0)
    assert len(radios) == len(questions) == 3
    for key, question in zip(radios, questions, strict=True):
        at.radio(key=key).set_value((question.answer + 1) % len(question.options))  # every answer wrong
    at.run()
    assert len(at.error) == 3 and not at.success
    assert PASSED not in at.session_state or 1 not in at.session_state[PASSED]
    for key, question in zip(radios, questions, strict=True):
        at.radio(key=key).set_value(question.answer)
    at.run()
    assert not at.error and [s.value for s in at.success] == [q.why[q.answer] for q in questions]
    at.switch_page("app.py").run()
    assert any("stage 1 ✓" in caption.value for caption in at.caption)
