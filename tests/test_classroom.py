"""The store of classes (lesson/classroom.py): every test runs on both backends, the server's memory and Redis.

The Redis tests start Debian's redis-server on a free port (no files written) and stop it after. Skipped, with the
reason, when redis-server is missing, unless EXPLAINER_REQUIRE_REDIS=1 (as in CI), which turns that skip into a
failure. A clock is injected, so that a class's end is tested without waiting six hours.
"""
from __future__ import annotations

import random
import shutil
import threading

import pytest

from lesson import classroom
from lesson.classroom import (
    BadCodeError,
    BadInputError,
    Classroom,
    LimitError,
    MemoryBackend,
    NoSuchClassError,
    RedisBackend,
    UnavailableError,
    WrongKeyError,
    new_student_token,
)
from lesson.quiz import STAGES
from tests.support.server import REDIS_SERVER, free_port, redis_server

REQUIRED = __import__("os").environ.get("EXPLAINER_REQUIRE_REDIS") == "1"
HOUR = 3600


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def redis_url():
    if not shutil.which(REDIS_SERVER):
        if REQUIRED:
            pytest.fail("Redis tests are required (EXPLAINER_REQUIRE_REDIS=1) but redis-server is missing")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with redis_server() as url:
        yield url


@pytest.fixture(params=["memory", "redis"])
def make(request):
    """make(clock) -> a new Classroom on the backend under test. On Redis, each call is a new client on the same
    server: two calls are what two replicas are."""
    if request.param == "memory":
        backend = MemoryBackend()  # one backend per test: calls share it, as sessions share one server's store
        yield lambda clock: Classroom(backend, clock)
        return
    url = request.getfixturevalue("redis_url")
    import redis

    redis.Redis.from_url(url).flushdb()
    yield lambda clock: Classroom(RedisBackend.from_url(url), clock)


@pytest.fixture
def clock():
    return Clock()


def test_a_class_has_a_short_code_to_read_aloud_and_a_long_random_key(make, clock):
    store = make(clock)
    started = [store.start() for _ in range(20)]
    for s in started:
        assert len(s.code) == 6 and set(s.code) <= set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        assert not set(s.code) & set("0O1IL")
        assert len(s.key) >= 43 and s.code not in s.key
        assert s.expires_at == clock.now + 6 * HOUR
    assert len({s.code for s in started}) == 20 and len({s.key for s in started}) == 20
    info = store.check(started[0].code)
    assert (info.code, info.expires_at) == (started[0].code, clock.now + 6 * HOUR)


def test_a_code_is_read_as_typed_in_lower_case_or_with_spaces(make, clock):
    store = make(clock)
    code = store.start().code
    assert store.check(f"  {code.lower()} ").code == code
    assert store.join(code.lower(), new_student_token()).code == code


MALFORMED = ["", "ABC", "ABCDEFG", "ABCDE0", "ABCDEO", "ABCDE1", "ABCDEI", "ABCDEL", "ABC DE", "<b>AB</b>",
             "ABCDÉF", "ßßß", "A" * 100_000, None, 123456, ["ABCDEF"]]


@pytest.mark.parametrize("code", MALFORMED, ids=range(len(MALFORMED)))
def test_a_malformed_code_is_refused_with_a_message_that_does_not_repeat_it(make, clock, code):
    store = make(clock)
    store.start()
    for action in (lambda: store.check(code), lambda: store.join(code, new_student_token()),
                   lambda: store.latest_view(code), lambda: store.record_answer(code, new_student_token(), 1, "q", 0,
                                                                                True)):
        with pytest.raises(BadCodeError) as refused:
            action()
        assert "class code has 6 letters" in str(refused.value)
        if isinstance(code, str) and code:
            assert code not in str(refused.value)


def test_a_guessed_code_names_no_class(make, clock):
    store = make(clock)
    real = store.start().code
    guesses = {"ABCDEF", "ZZZZZZ", "222222", real[::-1]} - {real}
    for guess in guesses:
        with pytest.raises(NoSuchClassError) as refused:
            store.check(guess)
        assert "No class has this code" in str(refused.value) and guess not in str(refused.value)


def test_a_class_ends_after_its_hours_and_its_data_is_deleted(make, clock):
    store = make(clock)
    started = store.start()
    token = new_student_token()
    assert store.record_answer(started.code, token, 3, "softmax|q", 1, True)
    store.send_view(started.code, started.key, "/Softmax", {"temperature": "0.5"})
    clock.now += 6 * HOUR - 1
    assert store.check(started.code).code == started.code
    clock.now += 1
    for action in (lambda: store.check(started.code), lambda: store.check_teacher(started.code, started.key),
                   lambda: store.results(started.code, started.key), lambda: store.latest_view(started.code),
                   lambda: store.record_answer(started.code, token, 3, "softmax|q", 1, True)):
        with pytest.raises(NoSuchClassError, match="the class has ended"):
            action()


def test_an_ended_class_frees_its_place(make, clock, monkeypatch):
    monkeypatch.setattr(classroom, "MAX_CLASSES", 2)
    store = make(clock)
    store.start(), store.start()
    with pytest.raises(LimitError, match="2 classes running"):
        store.start()
    clock.now += 6 * HOUR
    store.start(), store.start()


def test_the_redis_keys_of_a_class_expire_with_it_and_are_deleted_when_it_ends(redis_url, clock):
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    store = Classroom(RedisBackend.from_url(redis_url), clock)
    started = store.start()
    store.record_answer(started.code, new_student_token(), 2, "q", 0, False)
    store.send_view(started.code, started.key, "/Scores", {})
    keys = client.keys("explainer:*")
    assert len(keys) > 5
    for key in keys:
        assert 0 < client.ttl(key) <= 6 * HOUR, key
    clock.now += 6 * HOUR
    with pytest.raises(NoSuchClassError):
        store.check(started.code)
    assert [key for key in client.keys("explainer:*") if started.code in key] == []


WRONG_KEYS = ["", "x", None, 42, "A" * 43, "é" * 43]


def test_without_the_key_nobody_reads_the_answers_or_sends_a_view(make, clock):
    store = make(clock)
    started, other = store.start(), store.start()
    flipped = started.key[:-1] + ("A" if started.key[-1] != "A" else "B")
    for key in [*WRONG_KEYS, flipped, started.key.swapcase(), started.key[:-1], other.key, started.code]:
        for action in (store.results, store.check_teacher, store.end,
                       lambda code, key: store.send_view(code, key, "/Softmax", {"x": "y"})):
            with pytest.raises(WrongKeyError) as refused:
                action(started.code, key)
            assert "teacher key does not open this class" in str(refused.value)
            if isinstance(key, str) and key:
                assert key not in str(refused.value)
    assert store.latest_view(started.code) is None
    assert store.check_teacher(started.code, started.key).code == started.code
    store.results(started.code, started.key)


def test_a_second_answer_to_the_same_question_does_not_count_twice(make, clock):
    store = make(clock)
    started = store.start()
    student = new_student_token()
    assert store.record_answer(started.code, student, 3, "sum|view", 2, False) is True
    assert store.record_answer(started.code, student, 3, "sum|view", 0, True) is False
    assert store.record_answer(started.code, student, 3, "sum|view", 0, True) is False
    results = store.results(started.code, started.key)
    assert results.questions["sum|view"].answers == 1
    assert results.questions["sum|view"].right == 0, "the first try was wrong"
    assert results.questions["sum|view"].chosen == {2: 1}
    assert (results.stages[3].students, results.stages[3].answers, results.stages[3].right) == (1, 1, 0)


def test_counts_per_stage_and_per_question(make, clock):
    store = make(clock)
    started = store.start()
    rng = random.Random(23)
    students = [new_student_token() for _ in range(12)]
    questions = {f"q{i}|view": (rng.choice(STAGES), rng.randrange(4)) for i in range(6)}  # key -> stage, answer
    answers = [(rng.choice(students), rng.choice(list(questions)), rng.randrange(4)) for _ in range(150)]
    first: dict[tuple[str, str], int] = {}
    for student, question, chosen in answers:
        counted = store.record_answer(started.code, student, questions[question][0], question, chosen,
                                      chosen == questions[question][1])
        assert counted == ((student, question) not in first)
        first.setdefault((student, question), chosen)
    results = store.results(started.code, started.key)
    assert results.students == len({student for student, _ in first})
    assert set(results.stages) == set(STAGES)
    for stage in STAGES:
        mine = {(s, q): c for (s, q), c in first.items() if questions[q][0] == stage}
        count = results.stages[stage]
        assert count.students == len({s for s, _ in mine})
        assert count.answers == len(mine)
        assert count.right == sum(c == questions[q][1] for (_, q), c in mine.items())
    assert set(results.questions) == {q for _, q in first}
    for question, count in results.questions.items():
        mine = [c for (_, q), c in first.items() if q == question]
        assert count.stage == questions[question][0]
        assert (count.answers, count.right) == (len(mine), mine.count(questions[question][1]))
        assert count.chosen == {option: mine.count(option) for option in set(mine)}


def test_a_student_who_joins_counts_once_and_answers_nothing_yet(make, clock):
    store = make(clock)
    started = store.start()
    student = new_student_token()
    store.join(started.code, student), store.join(started.code, student)
    results = store.results(started.code, started.key)
    assert results.students == 1 and results.questions == {}
    assert all(count.students == count.answers == 0 for count in results.stages.values())


BAD_ANSWERS = [dict(stage=0), dict(stage=6), dict(stage="1"), dict(stage=True), dict(stage=1.0),
               dict(question=""), dict(question="q" * 1001), dict(question=7), dict(chosen=-1), dict(chosen=16),
               dict(chosen=True), dict(chosen="0"), dict(right="yes"), dict(right=1), dict(student=""),
               dict(student="short"), dict(student="a b" * 10), dict(student=None)]


@pytest.mark.parametrize("bad", BAD_ANSWERS, ids=[str(b) for b in BAD_ANSWERS])
def test_an_answer_that_the_pages_never_send_is_refused(make, clock, bad):
    store = make(clock)
    started = store.start()
    answer = dict(student=new_student_token(), stage=1, question="q|view", chosen=0, right=True) | bad
    with pytest.raises(BadInputError):
        store.record_answer(started.code, **answer)
    assert store.results(started.code, started.key).questions == {}


def test_the_students_follow_the_latest_view_the_teacher_sent(make, clock):
    store = make(clock)
    started = store.start()
    assert store.latest_view(started.code) is None
    sent = store.send_view(started.code, started.key, "/Softmax", {"sentence": "the cat sat", "temperature": "0.5"})
    seen = store.latest_view(started.code)
    assert seen == sent and seen.version == 1
    assert (seen.path, seen.params) == ("/Softmax", {"sentence": "the cat sat", "temperature": "0.5"})
    again = store.send_view(started.code, started.key, "/Scores", {})
    assert store.latest_view(started.code) == again and again.version == 2
    same = store.send_view(started.code, started.key, "/Scores", {})
    assert same.version == 3, "sent again, offered again"


@pytest.mark.parametrize("path, params", [("Softmax", {}), (None, {}), ("/Softmax", {"a": 1}),
                                          ("/Softmax", {1: "a"}), ("/Softmax", ["a", "b"]), ("/Softmax", None)])
def test_a_view_that_is_not_a_page_and_its_settings_is_refused(make, clock, path, params):
    store = make(clock)
    started = store.start()
    with pytest.raises(BadInputError):
        store.send_view(started.code, started.key, path, params)
    assert store.latest_view(started.code) is None


def test_the_limits_refuse_with_a_reason(make, clock, monkeypatch):
    monkeypatch.setattr(classroom, "MAX_STUDENTS", 3)
    monkeypatch.setattr(classroom, "MAX_ANSWERS", 2)
    monkeypatch.setattr(classroom, "MAX_QUESTIONS", 4)
    store = make(clock)
    started = store.start()
    students = [new_student_token() for _ in range(4)]
    for student in students[:3]:
        store.join(started.code, student)
    with pytest.raises(LimitError, match="3 students, its most"):
        store.record_answer(started.code, students[3], 1, "a", 0, True)
    with pytest.raises(LimitError, match="3 students"):
        store.join(started.code, students[3])
    assert store.record_answer(started.code, students[0], 1, "a", 0, True)
    assert store.record_answer(started.code, students[0], 1, "b", 0, True)
    with pytest.raises(LimitError, match="answered 2 questions"):
        store.record_answer(started.code, students[0], 1, "c", 0, True)
    assert store.record_answer(started.code, students[0], 1, "a", 1, False) is False, "a repeat is no new answer"
    assert store.record_answer(started.code, students[1], 1, "c", 0, True)
    assert store.record_answer(started.code, students[1], 1, "d", 0, True)
    with pytest.raises(LimitError, match="4 different questions"):
        store.record_answer(started.code, students[2], 1, "e", 0, True)
    results = store.results(started.code, started.key)
    assert results.students == 3
    assert (results.stages[1].students, results.stages[1].answers) == (2, 4), "refused answers are not counted"
    assert {q: c.answers for q, c in results.questions.items()} == {"a": 1, "b": 1, "c": 1, "d": 1}
    with pytest.raises(LimitError, match="too long"):
        store.send_view(started.code, started.key, "/Softmax", {"sentence": "word " * 400})
    assert store.latest_view(started.code) is None


def test_the_teacher_ends_the_class(make, clock):
    store = make(clock)
    started = store.start()
    store.record_answer(started.code, new_student_token(), 1, "q", 0, True)
    store.end(started.code, started.key)
    with pytest.raises(NoSuchClassError):
        store.check(started.code)


def test_students_answering_at_once_are_all_counted(make, clock):
    store = make(clock)
    started = store.start()
    students = [new_student_token() for _ in range(20)]

    def answer(student):
        for question in ("a", "b", "c"):
            store.record_answer(started.code, student, 2, question, 1, True)

    threads = [threading.Thread(target=answer, args=(student,)) for student in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results = store.results(started.code, started.key)
    assert results.students == 20 and results.stages[2].answers == 60 and results.stages[2].right == 60


def test_two_replicas_on_one_redis_see_the_same_class(redis_url, clock):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    first, second = (Classroom(RedisBackend.from_url(redis_url), clock) for _ in range(2))
    started = first.start()
    assert second.check_teacher(started.code, started.key).code == started.code
    student = new_student_token()
    assert second.record_answer(started.code, student, 4, "q", 2, True)
    assert first.record_answer(started.code, student, 4, "q", 0, False) is False
    assert first.results(started.code, started.key).questions["q"].chosen == {2: 1}
    sent = second.send_view(started.code, started.key, "/Values", {"focus": "cat"})
    assert first.latest_view(started.code) == sent
    with pytest.raises(WrongKeyError):
        second.results(started.code, first.start().key)


def test_the_same_answer_sent_to_two_replicas_at_once_counts_once(redis_url, clock):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    replicas = [Classroom(RedisBackend.from_url(redis_url), clock) for _ in range(2)]
    started = replicas[0].start()
    def answer(replica, student, question, counted):
        counted.append(replica.record_answer(started.code, student, 1, question, 0, True))

    for question in range(20):
        student, counted = new_student_token(), []
        threads = [threading.Thread(target=answer, args=(replica, student, f"q{question}", counted))
                   for replica in replicas]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(counted) == [False, True]
    assert replicas[1].results(started.code, started.key).stages[1].answers == 20


def test_a_store_that_does_not_answer_gives_a_message(clock):
    store = Classroom(RedisBackend.from_url(f"redis://127.0.0.1:{free_port()}/0"), clock)
    with pytest.raises(UnavailableError, match="not answering"):
        store.start()
    with pytest.raises(UnavailableError):
        store.check("ABCDEF")


def test_the_environment_picks_the_backend(redis_url):
    assert isinstance(classroom.from_environment({})._backend, MemoryBackend)
    assert isinstance(classroom.from_environment({"EXPLAINER_REDIS_URL": " "})._backend, MemoryBackend)
    store = classroom.from_environment({"EXPLAINER_REDIS_URL": redis_url})
    assert isinstance(store._backend, RedisBackend)
    started = store.start()
    assert classroom.from_environment({"EXPLAINER_REDIS_URL": redis_url}).check(started.code).code == started.code


def test_a_class_nobody_joined_gives_way_when_the_store_is_full(make, clock, monkeypatch):
    monkeypatch.setattr(classroom, "MAX_CLASSES", 2)
    store = make(clock)
    joined, empty = store.start(), store.start()
    store.join(joined.code, new_student_token())
    clock.now += (classroom.EMPTY_MINUTES - 1) * 60
    with pytest.raises(LimitError, match="2 classes running"):
        store.start()  # the empty class is young: its teacher may be about to share it
    clock.now += 2 * 60
    third = store.start()
    with pytest.raises(NoSuchClassError):
        store.check(empty.code)
    assert store.check(joined.code).code == joined.code, "a class with students stays"
    with pytest.raises(LimitError, match="2 classes running"):
        store.start()  # the newcomer is young, the other has a student: nothing gives way
    assert store.check(third.code).code == third.code


def test_one_students_answers_cannot_use_up_the_classs_questions(make, clock, monkeypatch):
    monkeypatch.setattr(classroom, "MAX_ANSWERS", 3)
    monkeypatch.setattr(classroom, "MAX_QUESTIONS", 5)
    store = make(clock)
    started = store.start()
    greedy, other = new_student_token(), new_student_token()
    for question in "abcdefgh":
        try:
            store.record_answer(started.code, greedy, 1, question, 0, True)
        except LimitError as error:
            assert "answered 3 questions" in str(error)
    for question in "xy":
        assert store.record_answer(started.code, other, 1, question, 0, True), "the class still has room"
    assert store.results(started.code, started.key).stages[1].answers == 5
