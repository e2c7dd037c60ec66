"""What the engine costs per interaction, outside Streamlit: one run_attention call, and drawing a page's charts.

For each page, the charts it draws are collected by running the page once under AppTest, then timed two ways:
making the figures' data, and asking Altair for their specs (what a chart costs the first time its look is
seen; afterwards the app reuses the spec). The floor's one chart is timed as Streamlit converts it, every run.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # the app's packages, and floor_app

import floor_app  # noqa: E402

import explainer  # noqa: E402
import frame  # noqa: E402
from lesson import figures  # noqa: E402
from tests.support import open_page  # noqa: E402


def timed(function, repeat: int = 30) -> list[float]:
    function()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def page_figures(path: str) -> list[figures.Figure]:
    """The figures a page draws for the default lesson state (every figure shown asks for its spec)."""
    drawn = []
    original = figures.Figure.spec
    figures.Figure.spec = lambda figure: (drawn.append(figure), original(figure))[1]
    try:
        open_page(path)
    finally:
        figures.Figure.spec = original
    return drawn


def import_ms(module: str, repeat: int = 7) -> float:
    """The median time to import `module` in a fresh interpreter (python -X importtime's total for it), in ms."""
    times = []
    for _ in range(repeat):
        result = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], cwd=ROOT,
                                capture_output=True, text=True, check=True)
        line = next(line for line in reversed(result.stderr.splitlines()) if line.rstrip().endswith(f"| {module}"))
        times.append(int(line.split("|")[1]) / 1000)
    return statistics.median(times)


VOCABULARY_COST = """\
import os, time, explainer
def rss():  # resident memory now, in MB
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
before = rss()
start = time.perf_counter()
explainer.run_attention("jane visits africa")  # the first look-up reads the vocabulary's 22,000 lines
first = time.perf_counter() - start
print(first * 1000, rss() - before, len(explainer.VOCABULARY))
"""


def vocabulary_cost(repeat: int = 5) -> tuple[float, float, int]:
    """In a fresh interpreter: the first run_attention (which reads the vocabulary) in ms, the resident memory it
    adds in MB, and the number of word forms; medians."""
    runs = [subprocess.run([sys.executable, "-c", VOCABULARY_COST], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split() for _ in range(repeat)]
    return (statistics.median(float(r[0]) for r in runs), statistics.median(float(r[1]) for r in runs),
            int(runs[0][2]))


def measure(repeat: int = 30) -> list[dict]:
    rows = [{"what": "import numpy, fresh interpreter (what any numpy code pays)", "median_ms": import_ms("numpy")},
            {"what": "import explainer, fresh interpreter (numpy included)", "median_ms": import_ms("explainer")}]
    first, memory, forms = vocabulary_cost()
    rows += [{"what": f"first run_attention: reads the vocabulary ({forms:,} word forms; +{memory:.1f} MB "
                      "of memory)", "median_ms": first}]
    for sentence in (explainer.DEFAULT_SENTENCE, explainer.EXAMPLES[-1]):
        times = timed(lambda s=sentence: explainer.run_attention(s), repeat)
        rows.append({"what": f"run_attention, {len(explainer.tokenize(sentence))} words",
                     "median_ms": 1000 * statistics.median(times)})
    floor = timed(lambda: floor_app.chart(0.5).to_dict(), repeat)
    rows.append({"what": "floor: its heatmap, as Streamlit converts it each run", "median_ms":
                 1000 * statistics.median(floor), "charts": 1})
    for page in frame.PAGES:
        drawn = page_figures(page.path)
        specs = timed(lambda f=drawn: [figure.chart().to_dict(validate=False) for figure in f], max(5, repeat // 5))
        rows.append({"what": f"{page.title}: Altair specs of its {len(drawn)} charts (new look)",
                     "median_ms": 1000 * statistics.median(specs), "charts": len(drawn)})
    return rows


if __name__ == "__main__":
    for row in measure():
        print(f"{row['what']:70s} {row['median_ms']:8.2f} ms")
