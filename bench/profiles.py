"""Where one move's time goes, on the server and in the browser, for one page (or the floor).

    python bench/profiles.py browser "3 Softmax"     # Chromium's JS CPU profile of 5 moves (CDP Profiler)
    python bench/profiles.py server "3 Softmax"      # py-spy on the server under a 30-student stampede

The browser profile groups the time by what ran: React rendering Streamlit's elements, Vega drawing charts,
Streamlit's markdown, the browser's own work outside JavaScript (style, layout, paint: "(program)"), and idle.
The server profile (needs `pip install py-spy`; not a dependency of the app) groups the script thread's samples by
the Streamlit call a page line made (vega_lite_chart, radio, ...) or "own" for the lesson's Python.
"""
from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser

from tests.support.server import streamlit

MOVES = 5
PY_SPY = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")  # on PATH, or beside this Python


def has_py_spy() -> bool:
    return Path(PY_SPY).exists()
BUCKETS = (("react-dom", "React: rendering elements"), ("emotion", "styles (emotion)"),
           ("embed", "Vega: charts"), ("vega", "Vega: charts"), ("StreamlitMarkdown", "markdown"),
           ("(program)", "browser outside JS: style, layout, paint"), ("(idle)", "idle"),
           ("(garbage collector)", "JS garbage collection"))


def _move_and_wait(tab, name: str) -> None:
    browser.interact(tab, name)
    tab.wait_for_function(browser.SETTLED, timeout=60_000, polling=50)


def browser_profile(name: str) -> dict[str, float]:
    """Milliseconds per move by bucket (self time of the JS profile's samples)."""
    from playwright.sync_api import sync_playwright

    app, path = browser.PAGES[name]
    with sync_playwright() as playwright, streamlit(app) as server:
        chromium = playwright.chromium.launch(executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS)
        tab = chromium.new_page(viewport=browser.DESKTOP)
        cdp = tab.context.new_cdp_session(tab)
        tab.goto(server.url + path)
        tab.wait_for_function(browser.DRAWN, timeout=60_000, polling=10)
        for _ in range(2):
            _move_and_wait(tab, name)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        cdp.send("Profiler.start")
        for _ in range(MOVES):
            _move_and_wait(tab, name)
        profile = cdp.send("Profiler.stop")["profile"]
        chromium.close()
    nodes = {node["id"]: node for node in profile["nodes"]}
    totals: collections.Counter = collections.Counter()
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        frame = nodes[sample]["callFrame"]
        where = frame["url"].rsplit("/", 1)[-1] or frame["functionName"]
        bucket = next((label for key, label in BUCKETS if key in where), "other JS")
        totals[bucket] += delta / 1000 / MOVES
    totals.pop("idle", None)  # includes the pauses between moves
    return dict(totals.most_common())


def server_profile(name: str, seconds: float = 15) -> dict[str, float]:
    """Share (%) of the server's busy samples by the Streamlit call a page line made."""
    app, path = browser.PAGES[name]
    load = subprocess.Popen([sys.executable, str(Path(__file__).parent / "load.py"), "--app", str(app), "--page",
                             path, "--students", "30", "--seconds", str(seconds + 15), "--profile", "stampede"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pid = None
        for _ in range(600):
            found = subprocess.run(["pgrep", "-f", f"streamlit run {app}"], capture_output=True, text=True).stdout
            if found.split():
                pid = found.split()[0]
                break
            time.sleep(0.1)
        time.sleep(8)  # the class opens the page before the stampede starts
        with tempfile.NamedTemporaryFile(suffix=".txt") as raw:
            subprocess.run([PY_SPY, "record", "--pid", pid, "--duration", str(int(seconds)), "--rate", "100",
                            "--format", "raw", "-o", raw.name, "--nonblocking"], check=True, capture_output=True)
            lines = Path(raw.name).read_text().splitlines()
    finally:
        load.wait()
    busy, kinds = 0, collections.Counter()
    for line in lines:
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if "(idle)" in stack or frames[-1].startswith(("select ", "wait ", "_wait")):
            continue
        busy += int(count)
        page = [f for f in frames if f.startswith("<module> (") and "streamlit/" not in f]
        if not page:
            kinds["server: websocket, messages (tornado)" if "tornado" in stack else "server: other"] += int(count)
            continue
        call = next((re.sub(r"^.*Mixin\.", "", f.split(" (")[0]) for f in frames[frames.index(page[-1]) + 1:]
                     if "Mixin." in f), "own Python (the lesson, pandas, Altair)")
        kinds[f"st.{call}" if not call.startswith("own") else call] += int(count)
    return {kind: round(100 * count / busy, 1) for kind, count in kinds.most_common(12)}


if __name__ == "__main__":
    where, page = sys.argv[1], sys.argv[2]
    figures = browser_profile(page) if where == "browser" else server_profile(page)
    unit = "ms per move" if where == "browser" else "% of busy samples"
    for kind, value in figures.items():
        print(f"{value:8.1f} {unit}  {kind}")
