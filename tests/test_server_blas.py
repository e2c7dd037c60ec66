"""One BLAS thread in a real server, whatever page a class opens first.

A server runs every session's script in one process, and OpenBLAS reads its thread count once, when numpy loads:
explainer sets OPENBLAS_NUM_THREADS=1 before that (unless the deployment sets it). The server process itself does not
load numpy; the first page a student opens does, and page 2 imports explainer before frame. So: a fresh server,
page 2 opened first through the browser's protocol, and the threads of the server's process counted against a
server where the variable forces two (one more thread: OpenBLAS's worker). Linux only (/proc).
"""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tests.support.protocol import Session
from tests.support.server import streamlit

READ_BY_OPENBLAS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def _threads_once_opened(path: str, **variables: str) -> int:
    """The threads of a fresh server's process once `path` is the first page it has run; none of the variables
    OpenBLAS reads are passed on (this process has them from importing explainer) but `variables`."""
    env = {name: value for name, value in os.environ.items() if name not in READ_BY_OPENBLAS} | variables
    with streamlit(env=env) as server:
        run = asyncio.run(Session(server.url, path).open())
        assert run.title.startswith("2 ·") and not run.exceptions, (run.title, run.exceptions)
        return len(list(Path(f"/proc/{server.process.pid}/task").iterdir()))


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc (Linux)")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="on one core OpenBLAS runs one thread anyway")
def test_blas_runs_one_thread_when_a_server_opens_page_2_first():
    one = _threads_once_opened("/Q_and_K")
    two = _threads_once_opened("/Q_and_K", OPENBLAS_NUM_THREADS="2")
    assert one == two - 1, f"{one} threads with the variable unset, {two} with OPENBLAS_NUM_THREADS=2"
