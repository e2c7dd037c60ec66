"""What the real model (explainer.pretrained, all-MiniLM-L6-v2) costs a server: its size on disk, its load time, the
memory it adds, and a forward pass for a 16-token sentence on one core.

    EXPLAINER_MODEL_DIR=/path/to/model python bench/model.py [--repeat 50]

Runs numpy's BLAS on one thread (a Streamlit server runs every session's script in one process: one core), set
before numpy is imported. The folder is the one EXPLAINER_MODEL_DIR names (tests/test_pretrained.py says how to get
the files); without it, the hub's cache, as the app does.
"""
from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explainer import pretrained  # noqa: E402

SENTENCE = "the animal didn't cross the street because it was too tired today"  # 16 tokens with [CLS] and [SEP]


def rss_mb() -> float:
    """This process's resident memory, MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=50, help="forward passes to time (default 50)")
    args = parser.parse_args()

    import numpy  # noqa: F401 (loaded before the baseline, as the app has it loaded already)
    import safetensors.numpy  # noqa: F401
    import tokenizers  # noqa: F401

    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    model = pretrained.load()
    load_s = time.perf_counter() - start
    gc.collect()
    added = rss_mb() - before

    files = {name: (model.folder / name).stat().st_size for name in pretrained.FILES}
    run = model.run(SENTENCE)
    n = len(run.tokens)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        model.run(SENTENCE)
        times.append((time.perf_counter() - start) * 1000)

    print(f"model folder           {model.folder}")
    for name, size in files.items():
        print(f"  {name:<21}{size:>12,} bytes ({size / 1e6:.1f} MB)")
    print(f"load time              {load_s * 1000:.0f} ms (files in the OS cache)")
    print(f"memory added by load   {added:.0f} MB RSS")
    print(f"forward, {n} tokens    median {statistics.median(times):.1f} ms, "
          f"min {min(times):.1f} ms, max {max(times):.1f} ms over {args.repeat} runs, one BLAS thread")


if __name__ == "__main__":
    main()
