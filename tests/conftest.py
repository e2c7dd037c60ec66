"""Shared helpers for the page tests: run the real app in AppTest and read what it drew."""
import json
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # frame.py sits at the top level, beside app.py
sys.path.insert(1, str(ROOT / "bench"))  # the benchmarks' server and protocol helpers, which tests use too

import frame  # noqa: E402

PAGES = [page.path for page in frame.PAGES]


def open_page(path: str, query: dict | None = None, timeout: float = 60):
    """Run the app from its entry script, as a server would, and open `path` with an optional link query."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    if path != "app.py":
        at.switch_page(path)
    return at.run()


def charts(at) -> list[tuple[dict, pd.DataFrame]]:
    """Every Vega-Lite chart on the page: its spec and its data."""
    found = []
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        frames = [pd.DataFrame(values) for values in spec.get("datasets", {}).values()]  # inline in the spec
        frames += [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in element.proto.datasets]
        found.append((spec, pd.concat(frames) if frames else pd.DataFrame()))
    return found


def titles(at) -> list[str]:
    """The titles of the charts on the page."""
    return [spec.get("title", {}).get("text", "") if isinstance(spec.get("title"), dict) else spec.get("title", "")
            for spec, _ in charts(at)]


@pytest.fixture
def page_runner():
    return open_page
