"""What each kind of element costs a move in Chromium: the floor plus several elements of one kind that do not
change (bench/lever_app.py), the temperature slider moved as in bench/browser.py. The levers are measured in
alternating rounds so that the machine's drift falls on all of them alike.

    python bench/levers.py
"""
from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser
from lever_app import LEVERS

APP = Path(__file__).resolve().parent / "lever_app.py"


def measure(repeat: int = 10, rounds: int = 2) -> list[dict]:
    from playwright.sync_api import sync_playwright

    moves: dict[str, list[float]] = {lever: [] for lever in LEVERS}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS)
        for _ in range(rounds):
            for lever in LEVERS:
                os.environ["LEVER"] = lever  # the server started next inherits it
                moves[lever] += browser.interactions(chromium, APP, "/", "floor", repeat)
        chromium.close()
    os.environ.pop("LEVER", None)
    floor = statistics.median(moves["floor"])
    return [{"lever": lever, "what": what, "move_median_s": statistics.median(moves[lever]),
             "added_ms": 1000 * (statistics.median(moves[lever]) - floor)} for lever, what in LEVERS.items()]


if __name__ == "__main__":
    for row in measure():
        print(f"{row['what']:70s} {1000 * row['move_median_s']:5.0f} ms  ({row['added_ms']:+.0f})")
