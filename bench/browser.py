"""What a student waits for in a real browser (Debian's Chromium, driven by Playwright), per page and for the floor:

* cold start: from starting the server process to /_stcore/health answering, and to the first page fully
  drawn (the script finished and every chart on it drawn), with Chromium already open;
* an interaction: from a key press on a slider (or choosing a word) to the page's charts redrawn;
* the same interaction on a phone: 390 px wide, with Chromium's CPU throttled 4x (CDP
  Emulation.setCPUThrottlingRate, roughly a mid-range phone). The sidebar is folded away there, as a student's would
  be; the key press reaches its slider all the same.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import APP, CHROMIUM, CHROMIUM_ARGS, SCRIPT_DONE, percentile  # noqa: E402
from tests.support.server import streamlit  # noqa: E402

FLOOR = ROOT / "bench" / "floor_app.py"  # the floor: the least a Streamlit page with one chart costs

DRAWN = f"""() => document.querySelector("{SCRIPT_DONE}") !== null
    && [...document.querySelectorAll('[data-testid=stVegaLiteChart]')].every(c => c.querySelector('svg, canvas'))
    && document.querySelectorAll('[data-testid=stVegaLiteChart]').length > 0"""
# A move's end: the last change inside any chart. A MutationObserver notes its time (in the page's own clock, which
# also notes the move's start), so that waiting costs the page nothing: comparing every chart's HTML every few ms,
# as this benchmark first did, cost pages with many charts several hundred ms of the time it measured.
WATCH = """() => {
    window.__chartChanged = 0;
    window.__watch?.disconnect();
    window.__watch = new MutationObserver(records => {
        if (records.some(r => (r.target.closest ? r.target : r.target.parentElement)
                ?.closest('[data-testid=stVegaLiteChart]'))) window.__chartChanged = performance.now();
    });
    window.__watch.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    return performance.now();
}"""
SETTLED = f"""() => document.querySelector("{SCRIPT_DONE}") !== null && window.__chartChanged > 0
    && performance.now() - window.__chartChanged > 300"""
PAGES = {"floor": (FLOOR, "/"), "Home": (APP, "/"), "1 Intuition": (APP, "/Intuition"),
         "2 Q and K": (APP, "/Q_and_K"), "3 Softmax": (APP, "/Softmax"),
         "4 V and the second MatMul": (APP, "/V_and_the_second_MatMul"),
         "5 How W_Q and W_K are learned": (APP, "/How_W_Q_and_W_K_are_learned"),
         "6 A real transformer": (APP, "/A_real_transformer")}


def cold_start(browser, app: Path, path: str) -> tuple[float, float]:
    """Seconds from process start to health, and to the first page fully drawn."""
    start = time.perf_counter()
    with streamlit(app) as server:
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.goto(server.url + path)
        tab.wait_for_function(DRAWN, timeout=60_000, polling=10)
        drawn = time.perf_counter() - start
        tab.close()
        return server.started, drawn


def interact(tab, name: str) -> float:
    """One move: the temperature slider one step right, or, on the Q and K page (where temperature changes
    nothing), the next query word in the page's own box. Returns the move's start in the page's clock: the key
    press, or the click on the word (the list is opened first: opening it is not the page's work)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if name == "2 Q and K":
        box = tab.locator('input[aria-label="Query word"]')  # on the page itself: the sidebar is folded on a phone
        options = tab.locator("[role=option]")  # by CSS: finding them by ARIA role walks the whole page
        for _ in range(5):  # a click can land while the list of the last move is still closing: try again
            box.click()
            try:
                options.first.wait_for(timeout=3_000)
                break
            except PlaywrightTimeout:
                tab.keyboard.press("Escape")
        current = box.input_value()
        texts = options.all_inner_texts()
        choice = options.nth(next(i for i, text in enumerate(texts) if text != current))
        start = tab.evaluate(WATCH)
        choice.click()
        return start
    slider = tab.locator('input[type=range][aria-label="Temperature"]').first
    slider.focus()
    start = tab.evaluate(WATCH)
    tab.keyboard.press("ArrowRight")
    return start


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PHONE_THROTTLE = 4  # CPU slowdown of a mid-range phone against this machine


def interactions(browser, app: Path, path: str, name: str, repeat: int, phone: bool = False) -> list[float]:
    with streamlit(app) as server:
        tab = browser.new_page(viewport=PHONE if phone else DESKTOP)
        if phone:
            tab.context.new_cdp_session(tab).send("Emulation.setCPUThrottlingRate", {"rate": PHONE_THROTTLE})
        tab.goto(server.url + path)
        tab.wait_for_function(DRAWN, timeout=60_000, polling=10)
        times = []
        for _ in range(repeat + 2):
            start = interact(tab, name)
            tab.wait_for_function(SETTLED, timeout=60_000, polling=50)
            times.append((tab.evaluate("window.__chartChanged") - start) / 1000)
        tab.close()
        return times[2:]  # the first moves warm the server's caches for this page


def measure(repeat: int = 15, cold_repeat: int = 3) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (app, path) in PAGES.items():
            colds = [cold_start(browser, app, path) for _ in range(cold_repeat)]
            moves = interactions(browser, app, path, name, repeat)
            phone = interactions(browser, app, path, name, max(3, repeat // 3), phone=True)
            rows.append({"page": name, "health_s": statistics.median(c[0] for c in colds),
                         "first_page_s": statistics.median(c[1] for c in colds),
                         "move_median_s": statistics.median(moves),
                         "move_p95_s": percentile(moves, 0.95),
                         "phone_move_median_s": statistics.median(phone),
                         "phone_move_max_s": max(phone)})
        browser.close()
    return rows


if __name__ == "__main__":
    for row in measure(repeat=8, cold_repeat=1):
        print(row)
