"""What the tests and the benchmarks share: where things are, the browser they drive, and ways to read the app.

server.py starts the app (and nginx) as a real server; protocol.py speaks to it as a browser's websocket does.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import frame
from lesson.figures import PANEL

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # Debian's package; never a browser Playwright downloads
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = tuple(page.path for page in frame.PAGES)  # every page's script, home first
SCRIPT_DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"  # the page's run has finished


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of the values, by the nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def open_page(path: str, query: dict | None = None, timeout: float = 60):
    """Run the app from its entry script in AppTest, as a server would, and open `path` with an optional link
    query."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=timeout)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    if path != "app.py":
        at.switch_page(path)
    return at.run()


def formulas(at) -> list[str]:
    """Every displayed formula on an AppTest page, without its $$: st.latex's, then those among a page's text blocks
    (frame.text)."""
    found = [element.value.strip("$\n") for element in at.latex]
    for block in at.markdown:
        found += [part.strip("\n") for part in block.value.split("$$")[1::2]]
    return found


def charts(at) -> list[tuple[dict, object]]:
    """Every Vega-Lite chart on an AppTest page: its spec and its data (a pandas DataFrame). A grid of panels
    (lesson.figures.grid: one element) counts as its panels, each with its own rows of the data."""
    import pandas as pd
    import pyarrow as pa

    found = []
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        frames = [pd.DataFrame(values) for values in spec.get("datasets", {}).values()]  # inline in the spec
        frames += [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in element.proto.datasets]
        if element.proto.data.data:  # the data given beside the spec
            frames.append(pa.ipc.open_stream(element.proto.data.data).read_all().to_pandas())
        data = pd.concat(frames) if frames else pd.DataFrame()
        panels = spec.get("concat") or (spec.get("vconcat") if PANEL in data else None)  # a grid's, or none
        if panels:
            found += [(panel, data[data[PANEL] == index].drop(columns=PANEL).reset_index(drop=True))
                      for index, panel in enumerate(panels)]
        else:
            found.append((spec, data))
    return found


def titles(at) -> list[str]:
    """The titles of the charts on an AppTest page."""
    return [spec.get("title", {}).get("text", "") if isinstance(spec.get("title"), dict) else spec.get("title", "")
            for spec, _ in charts(at)]
