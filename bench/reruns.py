"""Server-side rerun time of every page under AppTest, per kind of interaction, beside the floor app.

    python bench/reruns.py [--runs 30]

Each interaction is timed from "widget changed" to "script run finished" with AppTest, which runs the real
scripts in this process without a browser or a network. Two cases per interaction: a value the server has not
seen (every cache misses for what it changes) and values seen before (the caches answer). Prints medians and
95th percentiles in milliseconds, with the ratio to the floor's slider in the same run.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

import explainer  # noqa: E402
import frame  # noqa: E402
from tests.support import open_page, percentile  # noqa: E402

TEMPERATURES = [round(0.3 + 0.037 * i, 2) for i in range(200)]  # all different: each one new to the server
INTERACTIONS = {
    # name: (widget key, values to cycle through)
    "temperature slider": ("sidebar_temperature", TEMPERATURES),
    "focus word": ("sidebar_focus", [1, 2, 0]),
    "positions toggle": ("sidebar_positional", [False, True]),
    "sentence": ("sidebar_sentence", list(explainer.EXAMPLES[1:])),
}


def time_runs(at: AppTest, key: str, values: list, runs: int, *, repeat: bool) -> list[float]:
    """Seconds per rerun; `repeat` cycles through the first few values so that they are seen before."""
    cycle = values[:3] if repeat else values
    if repeat:  # show each value once first, so that every timed run finds it seen
        for value in cycle:
            _set(at, key, value).run()
    times = []
    for i in range(runs):
        _set(at, key, cycle[i % len(cycle)])
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(f"{key}: {at.exception[0].message}")
    return times


def _set(at: AppTest, key: str, value) -> AppTest:
    widget = next(w for w in at.main if getattr(w, "key", None) == key) if key == "temperature" else \
        next(w for w in at.sidebar if getattr(w, "key", None) == key)
    widget.set_value(value)
    return at


def floor_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "bench" / "floor_app.py"), default_timeout=60).run()


def measure(runs: int) -> list[dict]:
    rows = []
    floor = {}
    for repeat in (False, True):
        times = time_runs(floor_app(), "temperature", TEMPERATURES, runs, repeat=repeat)
        floor[repeat] = statistics.median(times)
        rows.append({"page": "floor", "interaction": "slider", "values": "seen" if repeat else "new",
                     "median": floor[repeat], "p95": percentile(times, 0.95)})
    for page in frame.PAGES:
        for name, (key, values) in INTERACTIONS.items():
            for repeat in (False, True):
                if len(values) <= 3 and not repeat:
                    continue  # too few values to be new every time
                times = time_runs(open_page(page.path), key, values, runs, repeat=repeat)
                rows.append({"page": page.title, "interaction": name, "values": "seen" if repeat else "new",
                             "median": statistics.median(times), "p95": percentile(times, 0.95),
                             "ratio": statistics.median(times) / floor[repeat]})
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| page | interaction | values | median ms | p95 ms | × floor |", "|---|---|---|---:|---:|---:|"]
    for r in rows:
        ratio = f"{r['ratio']:.2f}" if "ratio" in r else "1"
        lines.append(f"| {r['page']} | {r['interaction']} | {r['values']} | {r['median'] * 1000:.1f} | "
                     f"{r['p95'] * 1000:.1f} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30, help="timed reruns per page and interaction")
    print(table(measure(parser.parse_args().runs)))


if __name__ == "__main__":
    main()
