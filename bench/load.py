"""Class-sized load over Streamlit's own websocket protocol, with a few real Chromium tabs alongside.

    python bench/load.py --students 100 --page /Softmax --profile class --seconds 120
    python bench/load.py --students 100 --page /Softmax --profile stampede --seconds 30
    python bench/load.py --app bench/floor_app.py ...            # the floor, for comparison
    python bench/load.py --students 100 --page /Softmax --profile answers --seconds 60 --rounds 2

Profiles:
  class     every student opens the page within --spread seconds of the others, then moves the temperature
            slider every 5-15 s (random think time) to a value not used before;
  stampede  the same students, already on the page, move the slider again as soon as the last move is drawn;
  answers   a class taught with the app (issue 23), in rounds of three cohorts of --students each, one after the
            other, in alternating order: *a class* (a teacher session opens /Teach_a_class, presses Start a class,
            picks --page for the class and reads the students' and the teacher's links off the page; a real
            Chromium tab opens the teacher's link: the dashboard, which only a browser reruns on its timer; the
            students open the students' link, open Check yourself and each answers one question at a random moment
            of a --window s window; the dashboard's table must then show every answer, once), *no class* (the same
            page and quiz without the class in the link) and *the floor* (bench/floor_app.py, its own server,
            started beside the lesson's). Then each cohort moves the slider as in `class` for --seconds; in a class,
            each student's page reruns its class line on its timer (every 3 s) and the teacher's dashboard stays
            open: the teacher's protocol session reruns it on its timer, the Chromium tab closed, so that no
            browser on this machine runs during one cohort's moves only.
Every session reruns the fragments its page runs on a timer, as a browser would (only a class's pages have any).
Each move must come back with the page redrawn and, for the lesson, the link updated to the new temperature;
a move the server answers without applying it counts as an error ("not applied"), as do exception elements,
disconnects and timeouts. Memory is the server's RSS, sampled every 0.2 s.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from frame import PAGES
from frame.classroom import DASHBOARD_SECONDS
from lesson.quiz import STAGES
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
    timer_runs: list[float] = field(default_factory=list)  # fragments rerun on their timer (a class's line)


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


async def pause(session: Session, results: Results, seconds: float = math.inf, event: asyncio.Event | None = None
                ) -> None:
    """Wait `seconds`, or until `event` is set; meanwhile rerun the fragments the page runs on a timer
    (st.fragment(run_every=...): a class's line on a student's page, the teacher's dashboard), as the browser does,
    each its interval after the last run. The socket carries one run at a time: a move waits for a timer's run."""
    end = time.perf_counter() + seconds
    while not (event is not None and event.is_set()) and time.perf_counter() < end:
        due = time.perf_counter() + min(session.fragments.values(), default=math.inf)
        step = min(end, due) - time.perf_counter()
        if event is None:
            await asyncio.sleep(step)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), None if step == math.inf else step)
        if time.perf_counter() >= due and not (event is not None and event.is_set()):
            for fragment in list(session.fragments):
                run = await session.rerun_fragment(fragment)
                results.timer_runs.append(run.seconds)
                if run.exceptions:
                    results.errors["exception element"] += 1


@dataclass
class Quiz:
    """Check yourself, for a cohort: each student opens it; once every student has (`start`), each answers one of
    its questions, an option at random, at a random moment of the next `window` seconds."""

    window: float
    start: asyncio.Event = field(default_factory=asyncio.Event)
    # times are the wall clock's (time.time), which the teacher's Chromium tab shares (Date.now)
    begun: float = 0.0  # when the window opened
    ready: int = 0  # students who have opened it, or failed to
    done: int = 0  # students who have answered, or failed to
    sent: list[float] = field(default_factory=list)  # when each answer left
    recorded: list[float] = field(default_factory=list)  # when each answer's run came back finished
    answers: list[float] = field(default_factory=list)  # seconds from an answer sent to its run finished

    async def answer(self, session: Session, results: Results) -> str:
        """Open the quiz, wait for the window, answer once; the digest of what the answer drew."""
        opened = False
        try:
            opener = next((w for w in session.widgets.values() if w.kind == "expander" and "quiz_open_" in w.id),
                          None)
            if opener is None:
                raise ProtocolError("no Check yourself")
            shown = await session.set(opener.label, True)
            questions = [w for w in session.widgets.values() if w.kind == "radio" and "-quiz_" in w.id]
            if shown.exceptions or not questions:
                raise ProtocolError("no questions")
            self.ready, opened = self.ready + 1, True
            await pause(session, results, event=self.start)
            await pause(session, results, self.begun + random.uniform(0, self.window) - time.time())
            question = random.choice(questions)
            self.sent.append(time.time())
            run = await session.set(question.label, random.choice(question.options))
            self.recorded.append(time.time())
            self.answers.append(run.seconds)
            if run.exceptions:
                results.errors["exception element"] += 1
            if run.digest == shown.digest:  # an answer draws its why
                results.errors["not applied"] += 1
            return run.digest
        finally:
            self.ready += not opened
            self.done += 1


async def student(url: str, page: str, query: str, results: Results, temperatures: Temperatures, *,
                  start_at: float, until: float, think: tuple[float, float] | None, lesson: bool,
                  opened: asyncio.Event | None = None, go: asyncio.Event | None = None,
                  stop: asyncio.Event | None = None, load_page: bool = False, quiz: Quiz | None = None) -> None:
    await asyncio.sleep(start_at)
    session = Session(url, page, query, load_page=load_page)
    asked = False  # whether the quiz has had this student, who answered or failed to
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
        if quiz is not None:
            asked = True
            drawn = await quiz.answer(session, results)
        if go is not None:
            await pause(session, results, event=go)
        while time.perf_counter() < until and not (stop is not None and stop.is_set()):
            if think:
                await pause(session, results, random.uniform(*think), stop)
                if time.perf_counter() >= until or (stop is not None and stop.is_set()):
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
        if quiz is not None and not asked:  # the first page failed: the quiz waits for nobody
            quiz.ready += 1
            quiz.done += 1
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


async def stop_all(tasks: list, results: Results, stop: asyncio.Event) -> None:
    """Everyone stops after the move in flight; one still waiting a minute later counts as a timeout."""
    stop.set()
    _, stuck = await asyncio.wait(tasks, timeout=60)
    for task in stuck:
        task.cancel()
        results.errors["timeout"] += 1
    if stuck:
        await asyncio.wait(stuck, timeout=15)


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
    await stop_all(tasks, results, stop)
    moves = len(moved)
    return {
        "profile": "stampede", "students": students, "seconds": round(elapsed, 1), "moves": summary(moved),
        "errors": dict(results.errors), "moves_per_second": round(moves / elapsed, 1),
        "server_cpu_share": round(cpu / elapsed, 2), "moves_per_cpu_second": round(moves / cpu, 1) if cpu else None,
    }


TEACH = "/Teach_a_class"
# The teacher's dashboard, as the page shows it: a stage's row of the table of answers.
READ_STAGE = """(title) => {
  const cells = row => [...row.querySelectorAll('th, td')].map(cell => cell.innerText.trim());
  for (const table of document.querySelectorAll('[data-testid=stTable] table')) {
    const heads = cells(table.querySelector('thead tr'));
    const row = [...table.querySelectorAll('tbody tr')].map(cells).find(r => r[0] === title);
    if (row && heads.includes('Answers'))
      return {students: +row[heads.indexOf('Students who answered')], answers: +row[heads.indexOf('Answers')]};
  }
  return null;
}"""
# ... and how many students joined, from its caption
READ_JOINED = "() => +(document.body.innerText.match(/(\\d+) students? joined/) || [0, NaN])[1]"
# Every change of the stage's count of answers, with the wall clock's time: [[ms since the epoch, answers], ...]
WATCH_STAGE = f"""(title) => {{
  const read = {READ_STAGE};
  window.answersSeen = [];
  setInterval(() => {{
    const row = read(title), seen = window.answersSeen;
    if (row && (!seen.length || seen[seen.length - 1][1] !== row.answers)) seen.push([Date.now(), row.answers]);
  }}, 20);
}}"""


def shown_after(sent: list[float], seen: list[list[float]]) -> list[float]:
    """For the k-th answer sent (in order), the seconds until the dashboard first counted k answers (one each)."""
    waits = []
    for k, at in enumerate(sorted(sent), start=1):
        shown = next((ms / 1000 for ms, answers in seen if answers >= k), None)
        if shown is not None:
            waits.append(shown - at)
    return waits


async def start_class(url: str, title: str) -> tuple[Session, str, str]:
    """A teacher opens the teacher's page, presses Start a class and picks the page for the class, as on the page;
    the session, and the students' and the teacher's links the page shows."""
    teacher = Session(url, TEACH)
    await teacher.open()
    await teacher.set("Start a class", None)
    run = await teacher.set("Page for the class", title)
    links = [text for text in run.texts if text.startswith("/") and "class=" in text]
    students = [link for link in links if "teacher" not in parse_qs(urlsplit(link).query)]
    teachers = [link for link in links if "teacher" in parse_qs(urlsplit(link).query)]
    if run.exceptions or not students or not teachers:
        raise RuntimeError(f"the teacher's page did not show a class's two links: {run.exceptions or links}")
    return teacher, students[0], teachers[0]


async def wait_until(condition, seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    while not condition() and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)


async def keep_open(teacher: Session, results: Results, stop: asyncio.Event) -> None:
    """The teacher's dashboard stays open, rerun on its timer, until `stop`."""
    try:
        await pause(teacher, results, event=stop)
    except ProtocolError as error:
        results.errors[error.kind] += 1


async def cohort(server, link: str, students: int, seconds: float, spread: float, lesson: bool,
                 quiz: Quiz | None = None, tab=None, title: str = "", teacher: Session | None = None) -> dict:
    """Students open `link` within `spread` s; with `quiz`, each answers once in its window (read back off the
    dashboard in `tab`, if any); then every student moves the slider as in the class profile, for `seconds`."""
    split = urlsplit(link)
    results, dashboard_runs = Results(), Results()
    temperatures = Temperatures(seed=students)
    opened = [asyncio.Event() for _ in range(students)]
    go, stop = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(student(server.url, split.path, split.query, results, temperatures,
                                         start_at=random.uniform(0, spread), until=math.inf, think=(5, 15),
                                         lesson=lesson, opened=opened[i], go=go, stop=stop, quiz=quiz))
             for i in range(students)]
    await asyncio.wait_for(asyncio.gather(*(event.wait() for event in opened)), 120)
    found: dict = {}
    if quiz is not None:
        await wait_until(lambda: quiz.ready == students, 120)
        if tab is not None:  # the teacher's tab notes every change of the count from now on
            await tab.evaluate(WATCH_STAGE, title)
        quiz.begun = time.time()
        quiz.start.set()
        await wait_until(lambda: quiz.done == students, quiz.window + 120)
        found = {"sent": len(quiz.sent), "recorded": len(quiz.recorded), "answer": summary(quiz.answers),
                 "window_s": round(max(quiz.sent, default=quiz.begun) - quiz.begun, 1)}
        if tab is not None:
            await asyncio.sleep(2 * DASHBOARD_SECONDS + 1)  # two more refreshes: nothing counted twice or late
            seen = await tab.evaluate("() => window.answersSeen")
            waits = shown_after(quiz.sent, seen)
            row = await tab.evaluate(READ_STAGE, title) or {}
            found |= {"dashboard": row | {"joined": await tab.evaluate(READ_JOINED)},
                      "counts_shown": [answers for _, answers in seen], "shown_after_sent": summary(waits),
                      "last_shown_after_last_sent_ms": round(1000 * waits[-1]) if len(waits) == len(quiz.sent)
                      else None}
            await tab.close()  # the moves go on with the teacher's protocol session as the dashboard
    cpu_before = server.cpu_seconds()
    start = time.perf_counter()
    go.set()
    if teacher is not None:
        keeping = asyncio.create_task(keep_open(teacher, dashboard_runs, stop))
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - start
    cpu = server.cpu_seconds() - cpu_before
    moved = list(results.moves)  # the moves drawn within the window
    await stop_all(tasks, results, stop)
    if teacher is not None:
        await keeping
    return {"moved": moved, "students": students, "first_page": summary(results.first_page),
            **({"answers": found} if found else {}), "moves": summary(moved), "timer_runs": summary(results.timer_runs),
            "dashboard_runs": summary(dashboard_runs.timer_runs),
            "errors": dict(results.errors + dashboard_runs.errors), "server_cpu_share": round(cpu / elapsed, 2)}


async def answers_profile(lesson, floor, page: str, students: int, seconds: float, spread: float, window: float,
                          rounds: int) -> dict:
    from playwright.async_api import async_playwright

    title = next(other.title for other in PAGES if "/" + other.url_path == page)
    cohorts, moves = [], {"class": [], "no class": [], "floor": []}
    for round_ in range(rounds):
        order = ("class", "no class", "floor")
        for condition in order if round_ % 2 == 0 else order[::-1]:
            print(f"round {round_ + 1}: {condition} ...", file=sys.stderr, flush=True)
            if condition == "floor":
                result = await cohort(floor, "/", students, seconds, spread, lesson=False)
            elif condition == "no class":
                result = await cohort(lesson, page, students, seconds, spread, lesson=True, quiz=Quiz(window))
            else:
                teacher, students_link, teachers_link = await start_class(lesson.url, title)
                async with async_playwright() as playwright:
                    browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    tab = await browser.new_page(viewport={"width": 1280, "height": 900})
                    await tab.goto(lesson.url + teachers_link)
                    await tab.wait_for_function(f"() => ({READ_STAGE})({json.dumps(title)}) !== null",
                                                timeout=60_000)
                    result = await cohort(lesson, students_link, students, seconds, spread, lesson=True,
                                          quiz=Quiz(window), tab=tab, title=title, teacher=teacher)
                    await browser.close()
                await teacher.close()
            moves[condition] += result.pop("moved")
            cohorts.append({"round": round_ + 1, "condition": condition, **result})
            await asyncio.sleep(5)  # sessions are cleaned up once their sockets close
    pooled = {condition: summary(values) for condition, values in moves.items()}
    return {"profile": "answers", "students": students, "rounds": rounds, "window": window, "seconds": seconds,
            "moves": pooled, "class_over_no_class": {
                key: round(pooled["class"][key] / pooled["no class"][key], 2) for key in ("p50_ms", "p95_ms")
                if pooled["no class"].get(key) and key in pooled["class"]},
            "cohorts": cohorts}


def answers_summary(result: dict) -> str:
    """The answers profile's figures, for a reader (the JSON has them all)."""
    def ms(figures: dict) -> str:
        return f"{figures['p50_ms']} / {figures['p95_ms']} / {figures['max_ms']} ms (n={figures['n']})" \
            if figures.get("n") else "none"

    lines = [f"{result['students']} students on {result['page']}, {result['rounds']} rounds; p50 / p95 / max"]
    for one in result["cohorts"]:
        lines.append(f"round {one['round']}, {one['condition']}: first page {ms(one['first_page'])}; moves "
                     f"{ms(one['moves'])}; timer runs {ms(one['timer_runs'])}; dashboard runs "
                     f"{ms(one['dashboard_runs'])}; server CPU {one['server_cpu_share']:.0%}; errors "
                     f"{one['errors'] or 'none'}")
        if "answers" in one:
            answers = one["answers"]
            lines.append(f"  answers: {answers['sent']} sent within {answers['window_s']} s, {answers['recorded']} "
                         f"came back, each {ms(answers['answer'])}")
            if "dashboard" in answers:
                lines.append(f"  the dashboard: finally {answers['dashboard']}; counts shown "
                             f"{answers['counts_shown']}; an answer shown after it was sent "
                             f"{ms(answers['shown_after_sent'])}; the last "
                             f"{answers['last_shown_after_last_sent_ms']} ms after it was sent")
    lines += [f"moves, {condition}: {ms(figures)}" for condition, figures in result["moves"].items()]
    lines.append(f"class / no class: {result['class_over_no_class']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app", default=str(APP.relative_to(ROOT)), help="entry script (default app.py)")
    parser.add_argument("--page", default="/", help="URL path of the page the class opens")
    parser.add_argument("--query", default="", help="query string of the link, e.g. focus=visits")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--profile", choices=["class", "stampede", "answers"], default="class")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--spread", type=float, default=2.0, help="the class opens the link within this many s")
    parser.add_argument("--browsers", type=int, default=0, help="real Chromium tabs alongside (class profile)")
    parser.add_argument("--option", action="append", default=[], help="a streamlit option, e.g. "
                                                                      "--option=--runner.postScriptGC=true")
    parser.add_argument("--replicas", type=int, default=1, help="servers behind nginx (deploy/nginx.conf)")
    parser.add_argument("--window", type=float, default=10.0, help="answers: the class answers within this many s")
    parser.add_argument("--rounds", type=int, default=2, help="answers: rounds of the three cohorts, in turn in "
                                                              "one order and the other")
    args = parser.parse_args()
    app = ROOT / args.app
    lesson = app.name == "app.py"
    if args.profile == "answers":
        if not lesson or args.replicas != 1 or all("/" + PAGES[stage].url_path != args.page for stage in STAGES):
            parser.error("answers: the lesson (app.py) on one server, and --page a stage with Check yourself "
                         f"({', '.join('/' + PAGES[stage].url_path for stage in STAGES)})")
        with streamlit(app, *args.option) as server, streamlit(ROOT / "bench" / "floor_app.py", *args.option) as floor:
            asyncio.run(_warm_up(server.url, args.page, ""))
            asyncio.run(_warm_up(floor.url, "/", ""))
            result = asyncio.run(answers_profile(server, floor, args.page, args.students, args.seconds, args.spread,
                                                 args.window, args.rounds))
        result |= {"app": args.app, "page": args.page, "options": args.option}
        print(answers_summary(result), file=sys.stderr)
        print(json.dumps(result))
        return
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
