"""What the engine costs per interaction, outside Streamlit: one run_attention call, and drawing a page's charts.

For each page, the charts it draws are collected by running the page once under AppTest, then timed two ways:
making the figures' data, and asking Altair for their specs (what a chart costs the first time its look is
seen; afterwards the app reuses the spec). The floor's one chart is timed as Streamlit converts it, every run.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # the app's packages, and floor_app

import floor_app  # noqa: E402

import explainer  # noqa: E402
import frame  # noqa: E402
from lesson import charts  # noqa: E402
from tests.support import open_page  # noqa: E402


def timed(function, repeat: int = 30) -> list[float]:
    function()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def page_figures(path: str) -> list[charts.Figure]:
    """The figures a page draws for the default lesson state (every figure shown passes through show._drawing)."""
    drawn = []
    original = frame.show._drawing
    frame.show._drawing = lambda figure: (drawn.append(figure), original(figure))[1]
    try:
        open_page(path)
    finally:
        frame.show._drawing = original
    return drawn


def measure(repeat: int = 30) -> list[dict]:
    rows = []
    for sentence in (explainer.DEFAULT_SENTENCE, explainer.EXAMPLES[-1]):
        times = timed(lambda s=sentence: explainer.run_attention(s), repeat)
        rows.append({"what": f"run_attention, {len(explainer.tokenize(sentence))} words",
                     "median_ms": 1000 * statistics.median(times)})
    floor = timed(lambda: floor_app.chart(0.5).to_dict(), repeat)
    rows.append({"what": "floor: its heatmap, as Streamlit converts it each run", "median_ms":
                 1000 * statistics.median(floor), "charts": 1})
    for page in frame.PAGES:
        figures = page_figures(page.path)
        specs = timed(lambda f=figures: [figure.chart().to_dict(validate=False) for figure in f], max(5, repeat // 5))
        rows.append({"what": f"{page.title}: Altair specs of its {len(figures)} charts (new look)",
                     "median_ms": 1000 * statistics.median(specs), "charts": len(figures)})
    return rows


if __name__ == "__main__":
    for row in measure():
        print(f"{row['what']:70s} {row['median_ms']:8.2f} ms")
