"""Two replicas behind nginx (deploy/nginx.conf), as a school would run them on two cores or two machines.

Sessions are opened the way a browser opens them: the page's HTML first (which sets the route cookie), then the
websocket carrying that cookie. Skipped, with the reason, when nginx is missing, unless EXPLAINER_REQUIRE_NGINX=1
(as in CI), which turns that skip into a failure. The class test also needs Debian's redis-server, with the same rule
under EXPLAINER_REQUIRE_REDIS=1.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from explainer import run_attention
from lesson import quiz
from lesson.classroom import REDIS_URL_VARIABLE
from lesson.state import DEFAULT
from tests.support.protocol import ProtocolError, Run, Session
from tests.support.server import REDIS_SERVER, Server, nginx, redis_server, stop, streamlit

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REQUIRED = os.environ.get("EXPLAINER_REQUIRE_NGINX") == "1"
REDIS_REQUIRED = os.environ.get("EXPLAINER_REQUIRE_REDIS") == "1"
LINK = ("/Softmax", "sentence=the+cat+sat+on+the+mat&focus=mat&temperature=0.5")


def need_nginx() -> None:
    if not Path(NGINX).exists():
        if REQUIRED:
            pytest.fail("nginx tests are required (EXPLAINER_REQUIRE_NGINX=1) but nginx is missing")
        pytest.skip("nginx is not installed (apt-get install nginx)")


@contextlib.contextmanager
def replicas(env: dict[str, str] | None = None):
    """Two app servers (in the environment `env`) behind nginx: (nginx's URL, the first, the second)."""
    with streamlit(env=env) as first, streamlit(env=env) as second, \
            nginx([first.url.removeprefix("http://"), second.url.removeprefix("http://")]) as url:
        yield url, first, second


@pytest.fixture
def cluster():
    need_nginx()
    with replicas() as found:
        yield found


@pytest.fixture
def class_cluster():
    """Two replicas behind nginx whose classes live in one Redis, named to both in EXPLAINER_REDIS_URL."""
    need_nginx()
    if not shutil.which(REDIS_SERVER):
        if REDIS_REQUIRED:
            pytest.fail("Redis tests are required (EXPLAINER_REQUIRE_REDIS=1) but redis-server is missing")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with redis_server() as redis_url, replicas(os.environ | {REDIS_URL_VARIABLE: redis_url}) as found:
        yield found


def run(coroutine):
    return asyncio.run(coroutine)


async def student(url: str, path: str = LINK[0], query: str = LINK[1]) -> Session:
    session = Session(url, path, query, load_page=True, timeout=30)
    await session.open()
    return session


def test_the_route_cookie_keeps_a_session_on_its_replica(cluster):
    url, first, second = cluster

    async def scenario() -> list[tuple[bool, list[bool]]]:
        found = []
        for _ in range(8):
            session = await student(url)
            assert session.cookie.startswith("explainer_route=")
            moved = await session.set("Temperature", 0.7)
            assert moved.query["temperature"] == "0.7"
            first_id = session.session_id
            again = await session.reconnect()  # through nginx, with the cookie
            through_nginx = session.session_id == first_id
            assert again.title.startswith("3 · Softmax") and not again.exceptions
            assert (await session.set("Temperature", 0.8)).query["temperature"] == "0.8"
            await session.close()
            # The control: the same reconnect sent straight to each replica. Only the replica holding the
            # session can resume it, so a resumed reconnect through nginx proves it was routed there.
            direct = []
            for replica in (first, second):
                session.base_url, session.session_id = replica.url, first_id
                await session.reconnect()
                direct.append(session.session_id == first_id)
                await session.close()
            found.append((through_nginx, direct))
        return found

    for through_nginx, direct in run(scenario()):
        assert sorted(direct) == [False, True], "exactly one replica holds the session (the control)"
        assert through_nginx, "with its cookie, a reconnect through nginx finds its own session"


def test_a_replica_stopped_mid_class_loses_only_its_own_sessions(cluster):
    url, first, _ = cluster

    async def scenario():
        students = [await student(url) for _ in range(12)]
        for session in students:
            await session.set("Temperature", 0.6)
        stop(first.process)
        kept, lost = [], []
        for session in students:
            try:
                moved = await session.set("Temperature", 0.9)
                assert moved.query["temperature"] == "0.9" and not moved.exceptions
                kept.append(session)
            except ProtocolError as error:
                assert error.kind in ("disconnect", "timeout")
                lost.append(session)
        assert kept and lost, f"12 students over two replicas: kept {len(kept)}, lost {len(lost)}"
        for session in lost:  # the browser reconnects, through nginx, to the replica still running
            view = session.url_query
            back = await session.reconnect()
            assert back.title.startswith("3 · Softmax") and not back.exceptions
            assert session.url_query == view == {"sentence": "the cat sat on the mat", "focus": "mat",
                                                 "temperature": "0.6"}
            assert (await session.set("Temperature", 1.5)).query["temperature"] == "1.5"
        for session in students:
            await session.close()

    run(scenario())


def test_a_shared_link_opens_the_same_view_through_any_replica(cluster):
    url, first, second = cluster

    async def scenario() -> list[tuple]:
        views = []
        for base in [url] * 6 + [first.url, second.url]:  # through nginx (new cookies), and each replica itself
            session = Session(base, *LINK, load_page=True, timeout=30)
            opened = await session.open()
            views.append((opened.title, opened.digest, opened.exceptions))
            await session.close()
        return views

    views = run(scenario())
    assert all(title.startswith("3 · Softmax") and not exceptions for title, _, exceptions in views)
    assert len({digest for _, digest, _ in views}) == 1, "every replica draws exactly the same view"


async def route_to(replica: Server, url: str) -> str:
    """A route cookie that nginx sends to `replica`: a new visitor's, kept if a reconnect straight to `replica`
    resumes the visitor's session (only the replica holding a session can resume it: the first test's control)."""
    for _ in range(20):
        probe = await student(url)
        opened = probe.session_id
        await probe.close()
        probe.base_url = replica.url
        await probe.reconnect()
        await probe.close()
        if probe.session_id == opened:
            return probe.cookie
    raise AssertionError(f"20 new visitors, none routed to {replica.url}")


async def visit(url: str, link: str, cookie: str | None = None) -> tuple[Session, Run]:
    """A browser opens `link` ("/Page?query") through nginx: with the route cookie `cookie`, or as a new visitor."""
    split = urlsplit(link)
    session = Session(url, split.path, split.query, timeout=30, load_page=cookie is None)
    session.cookie = cookie or ""
    return session, await session.open()


def links(run: Run, code: str) -> tuple[str, str]:
    """The students' link and the teacher's link the teacher's page shows (code blocks holding a link)."""
    shown = [text for text in run.texts if text.startswith("/") and parse_qs(urlsplit(text).query).get("class")]
    assert all(parse_qs(urlsplit(link).query)["class"] == [code] for link in shown), shown
    students = [link for link in shown if "teacher" not in parse_qs(urlsplit(link).query)]
    teachers = [link for link in shown if "teacher" in parse_qs(urlsplit(link).query)]
    assert len(students) == len(teachers) == 1, shown
    return students[0], teachers[0]


def counted(run: Run, question: quiz.Question) -> str:
    """What the teacher's dashboard says about one question: its prompt, how many answered, each option's count."""
    said = [text for text in run.texts if text.startswith(question.prompt)]
    assert len(said) == 1, f"the dashboard shows {question.prompt!r} once: {run.texts}"
    return said[0]


def test_a_class_in_redis_spans_the_replicas_and_outlives_the_teachers_replica(class_cluster):
    url, first, second = class_cluster
    view = run_attention(DEFAULT.sentence, DEFAULT.settings)  # the students' link opens the default view

    async def scenario():
        on_first, on_second = await route_to(first, url), await route_to(second, url)
        teacher, _ = await visit(url, "/Teach_a_class", on_first)
        started = await teacher.set("Start a class", None)
        assert not started.exceptions, started.exceptions
        code = started.query["class"]
        assert code in started.texts, "the class code is shown (the metric)"
        assert not any("restart of the app ends" in text for text in started.texts), "the class is not in memory"
        students_link, teachers_link = links(started, code)
        key = parse_qs(urlsplit(teachers_link).query)["teacher"][0]
        assert key not in students_link and "teacher" not in started.query, "the key is in the teacher's link only"
        assert len(teacher.fragments) == 1, "the dashboard is the page's one fragment that reruns by itself"
        dashboard = next(iter(teacher.fragments))  # the browser reruns it every few seconds; here, when asked

        pupil, opened = await visit(url, students_link, on_second)  # a student on the other replica
        assert any(text.startswith(f"You are in class {code}:") for text in opened.texts), opened.texts
        assert not any("No class has this code" in text for text in opened.texts)
        check = next(w.label for w in pupil.widgets.values() if w.kind == "expander" and "Check yourself" in w.label)
        await pupil.set(check, True)
        asked, later, *_ = questions = quiz.questions(1, view, DEFAULT.focus)
        assert all(pupil.widgets[q.prompt].options == tuple(q.options) for q in questions), "the stage's questions"
        wrong = (asked.answer + 1) % len(asked.options)
        answered = await pupil.set(asked.prompt, asked.options[wrong])
        assert asked.why[wrong] in answered.texts and not answered.exceptions

        shown = await teacher.rerun_fragment(dashboard)  # on the first replica
        assert "1 student joined;" in " ".join(shown.texts)
        assert "1 student answered, 0 right at the first try:" in counted(shown, asked)
        assert f"- **1** · {asked.options[wrong]} (wrong)" in counted(shown, asked)
        assert f"- **0** · {asked.options[asked.answer]} (right)" in counted(shown, asked)

        stop(first.process)  # the teacher's replica
        with pytest.raises(ProtocolError) as cut:
            await teacher.rerun_fragment(dashboard)
        assert cut.value.kind in ("disconnect", "timeout"), "the teacher was on the replica stopped"
        answered = await pupil.set(later.prompt, later.options[later.answer])  # the student, on the other, goes on
        assert later.why[later.answer] in answered.texts and not answered.exceptions

        # The teacher's browser reconnects by itself, to the replica left: a new session, with the address bar,
        # which holds no key. It gets no dashboard, and is not counted as a student of the class (checked below).
        back = await teacher.reconnect()
        assert not back.exceptions and not any(text.startswith("1 student") for text in back.texts)
        assert any("does not hold the teacher's key" in text for text in back.texts), back.texts
        teacher, reopened = await visit(url, teachers_link, on_first)  # so the teacher opens the link again
        assert not reopened.exceptions and code in reopened.texts and "teacher" not in reopened.query
        assert "1 student joined;" in " ".join(reopened.texts)
        assert "1 student answered, 0 right at the first try:" in counted(reopened, asked)
        assert "1 student answered, 1 right at the first try:" in counted(reopened, later)

        newcomer, opened = await visit(url, students_link)  # a new student: only the second replica is left
        assert any(text.startswith(f"You are in class {code}:") for text in opened.texts), opened.texts
        await newcomer.set(check, True)
        await newcomer.set(asked.prompt, asked.options[asked.answer])
        shown = await teacher.rerun_fragment(next(iter(teacher.fragments)))
        assert "2 students joined;" in " ".join(shown.texts)
        assert "2 students answered, 1 right at the first try:" in counted(shown, asked)
        assert f"- **1** · {asked.options[wrong]} (wrong)" in counted(shown, asked)
        assert f"- **1** · {asked.options[asked.answer]} (right)" in counted(shown, asked)
        for session in (teacher, pupil, newcomer):
            await session.close()

    run(scenario())
