"""Class-sized load over Streamlit's own websocket protocol, with a few real Chromium tabs alongside.

    python bench/load.py --students 100 --page /Softmax --profile class --seconds 120
    python bench/load.py --students 100 --page /Softmax --profile stampede --seconds 30
    python bench/load.py --app bench/floor_app.py ...            # the floor, for comparison

Profiles:
  class     every student opens the page within --spread seconds of the others, then moves the temperature
            slider every 5-15 s (random think time) to a value not used before;
  stampede  the same students, already on the page, move the slider again as soon as the last move is drawn.
Each move must come back with the page redrawn and, for the lesson, the link updated to the new temperature;
a move the server answers without applying it counts as an error ("not applied"), as do exception elements,
disconnects and timeouts. Memory is the server's RSS, sampled every 0.2 s.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import APP, CHROMIUM, CHROMIUM_ARGS, ROOT, SCRIPT_DONE, percentile
from tests.support.protocol import ProtocolError, Session
from tests.support.server import nginx, streamlit

SLIDER = "Temperature"


@dataclass
class Results:
    first_page: list[float] = field(default_factory=list)
    moves: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    browser_first_page: list[float] = field(default_factory=list)
    browser_moves: list[float] = field(default_factory=list)


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {"n": len(values), "p50_ms": round(1000 * statistics.median(ordered)),
            "p95_ms": round(1000 * percentile(ordered, 0.95)),
            "max_ms": round(1000 * ordered[-1])}


class Temperatures:
    """Slider values in a shuffled order, so that no cache can answer for them until all 490 have been sent;
    then they come round again in a new order. Never the value a student already has: that changes nothing."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._values: list[float] = []

    def next(self, current: float) -> float:
        if not self._values:
            # not 1.0: the default, which a lesson's link leaves out, so the move could not be checked
            self._values = [v for v in (round(0.05 + 0.01 * i, 2) for i in range(491)) if v != 1.0]
            self._random.shuffle(self._values)
        value = self._values.pop()
        return self.next(current) if value == current else value


def applied(run, before: str, value: float, lesson: bool) -> bool:
    """Did the server apply the move? It drew something else, and (lesson) its link has the new temperature."""
    if run.digest == before:
        return False
    return not lesson or (run.query or {}).get("temperature") == f"{value:g}"


async def student(url: str, page: str, query: str, results: Results, temperatures: Temperatures, *,
                  start_at: float, until: float, think: tuple[float, float] | None, lesson: bool,
                  opened: asyncio.Event | None = None, go: asyncio.Event | None = None,
                  stop: asyncio.Event | None = None, load_page: bool = False) -> None:
    await asyncio.sleep(start_at)
    session = Session(url, page, query, load_page=load_page)
    try:
        try:
            run = await session.open()
        finally:
            if opened is not None:  # opened or failed: the stampede waits for every student to be one or other
                opened.set()
        results.first_page.append(run.seconds)
        if run.exceptions:
            results.errors["exception element"] += 1
        drawn, current = run.digest, 1.0  # the slider's default, on the floor as in the lesson
        if go is not None:
            await go.wait()
        while time.perf_counter() < until and not (stop is not None and stop.is_set()):
            if think:
                await asyncio.sleep(random.uniform(*think))
                if time.perf_counter() >= until:
                    break
            value = current = temperatures.next(current)
            try:
                run = await session.set(SLIDER, value)
            except ProtocolError as error:
                results.errors[error.kind] += 1
                if error.kind == "disconnect":
                    return
                continue
            results.moves.append(run.seconds)
            if run.exceptions:
                results.errors["exception element"] += 1
            if not applied(run, drawn, value, lesson):
                results.errors["not applied"] += 1
            drawn = run.digest
    except ProtocolError as error:
        results.errors[error.kind] += 1
    finally:
        await session.close()


async def browser_student(url: str, page: str, results: Results, *, start_at: float, until: float,
                          think: tuple[float, float]) -> None:
    """A real Chromium tab doing what the protocol students do, to check that they tell the truth."""
    from playwright.async_api import async_playwright

    await asyncio.sleep(start_at)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = await browser.new_page(viewport={"width": 1280, "height": 900})
        start = time.perf_counter()
        await tab.goto(url + page)
        await tab.wait_for_selector(SCRIPT_DONE, timeout=60_000)
        await tab.wait_for_selector("[data-testid=stVegaLiteChart] svg", timeout=60_000)
        results.browser_first_page.append(time.perf_counter() - start)
        thumb = tab.locator(f'input[type=range][aria-label="{SLIDER}"]').first
        while time.perf_counter() + think[1] < until:
            await asyncio.sleep(random.uniform(*think))
            before = await tab.locator("[data-testid=stVegaLiteChart]").last.inner_html()
            await thumb.focus()
            start = time.perf_counter()
            await tab.keyboard.press("ArrowRight")
            await tab.wait_for_function(
                "([sel, before]) => { const c = [...document.querySelectorAll(sel)].pop();"
                " return c && c.innerHTML !== before && document.querySelector(\"" + SCRIPT_DONE.replace('"', '\\"')
                + "\"); }", arg=["[data-testid=stVegaLiteChart]", before], timeout=60_000, polling=10)
            results.browser_moves.append(time.perf_counter() - start)
        await browser.close()


class Cluster:
    """One server, or several behind a proxy at `url`: their memory and CPU time added up."""

    def __init__(self, servers: list, url: str | None = None) -> None:
        self.servers = servers
        self.url = url or servers[0].url

    def rss_mb(self) -> float:
        return sum(server.rss_mb() for server in self.servers)

    def cpu_seconds(self) -> float:
        return sum(server.cpu_seconds() for server in self.servers)


async def sample_rss(server, peaks: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peaks.append(server.rss_mb())
        await asyncio.sleep(0.2)


async def class_profile(server, page: str, query: str, students: int, seconds: float, spread: float,
                        browsers: int, lesson: bool) -> dict:
    results = Results()
    temperatures = Temperatures(seed=students)
    rss: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(server, rss, stop))
    before = server.rss_mb()
    cpu_before = server.cpu_seconds()
    start = time.perf_counter()
    until = start + seconds
    behind_proxy = len(getattr(server, "servers", [server])) > 1  # then open pages as browsers do, for the cookie
    tasks = [student(server.url, page, query, results, temperatures, start_at=random.uniform(0, spread),
                     until=until, think=(5, 15), lesson=lesson, load_page=behind_proxy) for _ in range(students)]
    tasks += [browser_student(server.url, page + (f"?{query}" if query else ""), results,
                              start_at=random.uniform(0, spread), until=until, think=(5, 15))
              for _ in range(browsers)]
    gathered = asyncio.gather(*tasks)
    # memory with every student on the page, once the first pages are drawn
    while len(results.first_page) + sum(results.errors.values()) < students and time.perf_counter() < until:
        await asyncio.sleep(0.1)
    all_open = server.rss_mb()
    await gathered
    elapsed = time.perf_counter() - start
    cpu = server.cpu_seconds() - cpu_before
    stop.set()
    await sampler
    await asyncio.sleep(5)  # sessions are cleaned up once their sockets close
    return {
        "profile": "class", "students": students, "browsers": browsers, "seconds": round(elapsed, 1),
        "first_page": summary(results.first_page), "moves": summary(results.moves),
        "browser_first_page": summary(results.browser_first_page), "browser_moves": summary(results.browser_moves),
        "errors": dict(results.errors),
        "rss_mb": {"before": round(before, 1), "all_open": round(all_open, 1), "peak": round(max(rss), 1),
                   "after": round(server.rss_mb(), 1)},
        "mb_per_session": round((all_open - before) / students, 3),
        "server_cpu_share": round(cpu / elapsed, 2),
    }


async def stampede_profile(server, page: str, query: str, students: int, seconds: float, lesson: bool) -> dict:
    results = Results()
    temperatures = Temperatures(seed=students + 1)
    opened = [asyncio.Event() for _ in range(students)]
    go, stop = asyncio.Event(), asyncio.Event()
    far = time.perf_counter() + 3600
    tasks = [asyncio.create_task(student(server.url, page, query, results, temperatures, start_at=0, until=far,
                                         think=None, lesson=lesson, opened=opened[i], go=go, stop=stop))
             for i in range(students)]
    await asyncio.wait_for(asyncio.gather(*(event.wait() for event in opened)), 120)
    cpu_before = server.cpu_seconds()
    start = time.perf_counter()
    results.first_page.clear()
    go.set()
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - start
    cpu = server.cpu_seconds() - cpu_before
    moved = list(results.moves)  # the moves drawn within the window
    # everyone stops after the move in flight; one still waiting a minute later counts as a timeout
    stop.set()
    _, stuck = await asyncio.wait(tasks, timeout=60)
    for task in stuck:
        task.cancel()
        results.errors["timeout"] += 1
    if stuck:
        await asyncio.wait(stuck, timeout=15)
    moves = len(moved)
    return {
        "profile": "stampede", "students": students, "seconds": round(elapsed, 1), "moves": summary(moved),
        "errors": dict(results.errors), "moves_per_second": round(moves / elapsed, 1),
        "server_cpu_share": round(cpu / elapsed, 2), "moves_per_cpu_second": round(moves / cpu, 1) if cpu else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app", default=str(APP.relative_to(ROOT)), help="entry script (default app.py)")
    parser.add_argument("--page", default="/", help="URL path of the page the class opens")
    parser.add_argument("--query", default="", help="query string of the link, e.g. focus=visits")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--profile", choices=["class", "stampede"], default="class")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--spread", type=float, default=2.0, help="the class opens the link within this many s")
    parser.add_argument("--browsers", type=int, default=0, help="real Chromium tabs alongside (class profile)")
    parser.add_argument("--option", action="append", default=[], help="a streamlit option, e.g. "
                                                                      "--option=--runner.postScriptGC=true")
    parser.add_argument("--replicas", type=int, default=1, help="servers behind nginx (deploy/nginx.conf)")
    args = parser.parse_args()
    app = ROOT / args.app
    lesson = app.name == "app.py"
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(streamlit(app, *args.option)) for _ in range(args.replicas)]
        for server in servers:
            asyncio.run(_warm_up(server.url, args.page, args.query))
        target = servers[0] if args.replicas == 1 else Cluster(servers, stack.enter_context(
            nginx([server.url.removeprefix("http://") for server in servers])))
        if args.profile == "class":
            result = asyncio.run(class_profile(target, args.page, args.query, args.students, args.seconds,
                                               args.spread, args.browsers, lesson))
        else:
            result = asyncio.run(stampede_profile(target, args.page, args.query, args.students, args.seconds,
                                                  lesson))
    result |= {"app": args.app, "page": args.page, "options": args.option, "replicas": args.replicas}
    print(json.dumps(result))


async def _warm_up(url: str, page: str, query: str) -> None:
    """One visit before the class: the server imports and compiles everything on its first run."""
    session = Session(url, page, query)
    await session.open()
    await session.close()
    await asyncio.sleep(1)


if __name__ == "__main__":
    main()
