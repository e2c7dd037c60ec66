"""What one view sends: the elements (charts, texts, widgets; not containers) and bytes of a page's first run, and
of one move (the temperature slider one step), for every page and the floor, over Streamlit's own protocol.

    python bench/elements.py
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import PAGES

from tests.support.protocol import Session
from tests.support.server import streamlit

SLIDER = "Temperature"


async def _one(url: str, path: str) -> dict:
    session = Session(url, path)
    try:
        first = await session.open()
        move = await session.set(SLIDER, 1.05)
    finally:
        await session.close()
    return {"first_elements": first.elements, "first_kb": round(first.bytes / 1024, 1),
            "move_elements": move.elements, "move_kb": round(move.bytes / 1024, 1)}


def measure() -> list[dict]:
    rows = []
    for name, (app, path) in PAGES.items():
        with streamlit(app) as server:
            asyncio.run(_one(server.url, path))  # warm: the server's first session pays for imports and caches
            rows.append({"page": name, **asyncio.run(_one(server.url, path))})
    return rows


if __name__ == "__main__":
    for row in measure():
        print(row)
