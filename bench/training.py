"""What training W_Q and W_K (page 5) costs: a training run's time in the engine, and what one student pressing
Train (again and again, the largest training, never one the server has kept) does to the moves of a class of 30 on
another page of the same server, each moving the temperature every 3-9 s.

    python bench/training.py
"""
from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explainer import learning
from tests.support import percentile
from tests.support.protocol import Session
from tests.support.server import streamlit

STUDENTS = 30
THINK = (3.0, 9.0)  # seconds between a student's moves: about 5 moves a second from the class
WINDOW = 15.0  # seconds of moves measured, without and with a training running
MOST_STEPS = 1000  # page 5's largest training


def engine(repeat: int = 3) -> dict:
    """Seconds for one training run in this process (CPU-bound, one core), default and largest."""
    out = {}
    for steps in (learning.DEFAULT_STEPS, MOST_STEPS):
        times = []
        for seed in range(repeat):
            start = time.perf_counter()
            learning.train(seed + 100, steps)
            times.append(time.perf_counter() - start)
        out[f"train_{steps}_s"] = round(statistics.median(times), 2)
    return out


async def _class_moves(url: str, seconds: float, trainer: bool, think: tuple[float, float] = THINK) -> dict:
    sessions = [Session(url, "/Softmax") for _ in range(STUDENTS)]
    for session in sessions:
        await session.open()
    moves, trainings = [], []
    until = time.perf_counter() + seconds

    async def student(session: Session, index: int) -> None:
        value = 1.0 + index / 100
        while True:
            await asyncio.sleep(random.uniform(*think))
            if time.perf_counter() >= until:
                return
            value = round(value + 0.01 * STUDENTS, 2) if value < 4 else 1.0 + index / 100
            moves.append((await session.set("Temperature", value)).seconds)

    async def train() -> None:  # one student presses Train again and again, each time a training nobody ran yet
        seed = 1000
        while time.perf_counter() < until:
            seed += 1
            session = Session(url, "/How_W_Q_and_W_K_are_learned", f"steps={MOST_STEPS}&seed={seed}")
            await session.open()
            trainings.append((await session.set("Train", True)).seconds)
            await session.close()

    await asyncio.gather(*(student(s, i) for i, s in enumerate(sessions)), *([train()] if trainer else []))
    for session in sessions:
        await session.close()
    if not moves:
        raise RuntimeError(f"no move was made in {seconds} s")
    return {"moves": len(moves), "p50_ms": round(1000 * statistics.median(moves)),
            "p95_ms": round(1000 * percentile(moves, 0.95)),
            **({"trainings": len(trainings), "training_s": round(statistics.median(trainings), 2)}
               if trainings else {})}


def measure() -> dict:
    out = {"engine": engine()}
    with streamlit() as server:
        asyncio.run(_class_moves(server.url, 3.0, trainer=False, think=(0.0, 0.5)))  # warm up: sessions, caches
        out["class_alone"] = asyncio.run(_class_moves(server.url, WINDOW, trainer=False))
        out["class_with_training"] = asyncio.run(_class_moves(server.url, WINDOW, trainer=True))
    return out


if __name__ == "__main__":
    print(measure())
