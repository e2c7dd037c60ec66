"""Two replicas behind nginx (deploy/nginx.conf), as a school would run them on two cores or two machines.

Sessions are opened the way a browser opens them: the page's HTML first (which sets the route cookie), then the
websocket carrying that cookie. Skipped, with the reason, when nginx is missing, unless EXPLAINER_REQUIRE_NGINX=1
(as in CI), which turns that skip into a failure.
"""
from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from tests.support.protocol import ProtocolError, Session
from tests.support.server import nginx, stop, streamlit

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REQUIRED = os.environ.get("EXPLAINER_REQUIRE_NGINX") == "1"
LINK = ("/Softmax", "sentence=the+cat+sat+on+the+mat&focus=mat&temperature=0.5")


@pytest.fixture
def cluster():
    if not Path(NGINX).exists():
        if REQUIRED:
            pytest.fail("nginx tests are required (EXPLAINER_REQUIRE_NGINX=1) but nginx is missing")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    with streamlit() as first, streamlit() as second, \
            nginx([first.url.removeprefix("http://"), second.url.removeprefix("http://")]) as url:
        yield url, first, second


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
