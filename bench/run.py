"""Run every benchmark, the floor app beside each page in the same run, and write BENCHMARKS.md.

    python bench/run.py                 # everything (about 40 minutes on 2 cores)
    python bench/run.py --quick         # fewer repetitions and shorter classes, for a first look

Figures, not pass/fail: the targets of the project are listed with each figure and marked met or missed.
Needs Debian's Chromium (/usr/bin/chromium) and nginx, as the tests do.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser
import engine
import load
import reruns
from server import APP, FLOOR, ROOT, nginx, streamlit

PAGES = {"floor": (FLOOR, "/"), "Home": (APP, "/"), "1 Intuition": (APP, "/Intuition"),
         "2 Q and K": (APP, "/Q_and_K"), "3 Softmax": (APP, "/Softmax"),
         "4 V and the second MatMul": (APP, "/V_and_the_second_MatMul")}


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))) / 1024 ** 2
    chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True).stdout.strip()
    nginx_version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("streamlit", "altair", "pandas", "numpy"))
    return [f"- Date: {datetime.date.today().isoformat()}",
            f"- Machine: {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.platform()}",
            f"- Python {platform.python_version()}; {versions}",
            f"- {chromium}; {nginx_version}",
            "- Server config: the repository's .streamlit/config.toml (postScriptGC off) unless a row says otherwise"]


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.0f}"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def class_run(name: str, students: int, seconds: float, browsers: int = 0, replicas: int = 1,
              options: tuple[str, ...] = ()) -> dict:
    app, path = PAGES[name]
    lesson = app == APP
    if replicas == 1:
        with streamlit(app, *options) as server:
            asyncio.run(load._warm_up(server.url, path, ""))
            return asyncio.run(load.class_profile(server, path, "", students, seconds, 2.0, browsers, lesson))
    servers = []
    with streamlit(app, *options) as first, streamlit(app, *options) as second:
        servers = [first, second]
        with nginx([s.url.removeprefix("http://") for s in servers]) as url:
            cluster = load.Cluster(servers, url)
            for server in servers:
                asyncio.run(load._warm_up(server.url, path, ""))
            return asyncio.run(load.class_profile(cluster, path, "", students, seconds, 2.0, browsers, lesson))


def stampede_run(name: str, students: int, seconds: float) -> dict:
    app, path = PAGES[name]
    with streamlit(app) as server:
        asyncio.run(load._warm_up(server.url, path, ""))
        return asyncio.run(load.stampede_profile(server, path, "", students, seconds, app == APP))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    quick = args.quick
    class_seconds, stampede_seconds = (15, 5) if quick else (90, 20)
    out: list[str] = ["# Benchmarks", "",
                      "Written by `python bench/run.py`: every figure measured in one run, with the *floor* "
                      "(bench/floor_app.py: one slider, one 3 × 3 Altair heatmap) measured beside the lesson's "
                      "pages on the same machine and server config.", "", *machine(), ""]

    def log(line: str) -> None:
        print(line, flush=True)

    log("engine ...")
    out += ["## 1. Engine cost per interaction (no Streamlit)", "",
            "| what | median ms |", "|---|---:|"]
    out += [f"| {row['what']} | {row['median_ms']:.2f} |" for row in engine.measure(10 if quick else 30)]
    out += ["", "A page draws a chart with Altair only the first time its *look* is seen (its title, labels and "
            "options: explainer/charts.py); a new temperature, word in focus or sentence of the same length "
            "reuses that spec with new data. The floor builds and converts its one chart on every run.", ""]

    log("reruns ...")
    rows = reruns.measure(5 if quick else 30)
    out += ["## 2. Server-side rerun per page and interaction (AppTest)", "",
            "AppTest runs the scripts in-process, without the server's websocket, its message serialisation "
            "or a browser; the figures of section 5 are the real server's.", "", reruns.table(rows), ""]

    log("browser ...")
    brows = browser.measure(repeat=3 if quick else 15, cold_repeat=1 if quick else 3)
    floor = brows[0]
    out += ["## 3 and 4. In Chromium: cold start and an interaction", "",
            "Cold start: server process start → `/_stcore/health` answers → first page fully drawn (script "
            "finished, every chart drawn), Chromium already open. Interaction: a key press on the temperature "
            "slider (on *2 Q and K*, where temperature changes nothing, choosing another word in focus) → the "
            "page's charts redrawn.", "",
            "| page | health s | first page s | × floor | move median ms | move p95 ms | × floor (median) |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for row in brows:
        out.append(f"| {row['page']} | {row['health_s']:.2f} | {row['first_page_s']:.2f} | "
                   f"{row['first_page_s'] / floor['first_page_s']:.2f} | {ms(row['move_median_s'])} | "
                   f"{ms(row['move_p95_s'])} | {row['move_median_s'] / floor['move_median_s']:.2f} |")
    out.append("")

    log("load ...")
    classes = {}
    for name in PAGES:
        for students in (30, 100):
            log(f"  class {name} {students}")
            classes[name, students] = class_run(name, students, class_seconds,
                                                browsers=2 if students == 100 and name == "3 Softmax" else 0)
    stampedes = {}
    for name in PAGES:
        for students in (30, 100):
            log(f"  stampede {name} {students}")
            stampedes[name, students] = stampede_run(name, students, stampede_seconds)
    replicas = {}
    for name in ("floor", "Home", "3 Softmax"):
        log(f"  two replicas {name}")
        replicas[name] = class_run(name, 100, class_seconds, replicas=2)
    gc_on = class_run("3 Softmax", 100, class_seconds, options=("--runner.postScriptGC=true",))

    out += ["## 5. A class over Streamlit's websocket protocol", "",
            f"*A class*: each student opens the page within 2 s of the others, then moves the temperature slider "
            f"every 5-15 s to a value nobody sent before, for {class_seconds} s. Each move must come back redrawn and "
            "(lesson pages) with the link holding the new temperature, else it counts as *not applied*. Memory is "
            "the server's RSS: before the class, once every student's page is drawn, at its peak and 5 s after "
            "the class left.", "",
            "| page | students | first page p50 / p95 / max ms | move p50 / p95 / max ms | errors | "
            "RSS before / all open / peak / after MB | MB per student | server CPU |",
            "|---|---:|---|---|---|---|---:|---:|"]

    def class_row(label: str, result: dict) -> str:
        first, moves, rss = result["first_page"], result["moves"], result["rss_mb"]
        errors = ", ".join(f"{k}: {v}" for k, v in result["errors"].items()) or "none"
        return (f"| {label} | {result['students']} | {first['p50_ms']} / {first['p95_ms']} / {first['max_ms']} | "
                f"{moves.get('p50_ms', '-')} / {moves.get('p95_ms', '-')} / {moves.get('max_ms', '-')} | {errors} | "
                f"{rss['before']} / {rss['all_open']} / {rss['peak']} / {rss['after']} | "
                f"{result['mb_per_session']} | {result['server_cpu_share']:.0%} |")

    for (name, _), result in classes.items():
        out.append(class_row(name, result))
    out.append(class_row("3 Softmax, Streamlit's default postScriptGC=true", gc_on))
    for name, result in replicas.items():
        out.append(class_row(f"{name}, two replicas behind nginx", result))
    browsers = classes["3 Softmax", 100]
    out += ["", f"Real Chromium tabs alongside the 100 students on *3 Softmax* (cross-check): first page "
            f"{browsers['browser_first_page']}, moves {browsers['browser_moves']} (from key press to the last "
            "chart redrawn, so they include the browser's drawing).", "",
            "*A stampede*: the same students, already on the page, move the slider again as soon as the last move "
            f"is drawn, for {stampede_seconds} s.", "",
            "| page | students | moves/s | server CPU | moves per CPU-second | move p50 / p95 ms | errors |",
            "|---|---:|---:|---:|---:|---|---|"]
    for (name, students), result in stampedes.items():
        errors = ", ".join(f"{k}: {v}" for k, v in result["errors"].items()) or "none"
        out.append(f"| {name} | {students} | {result['moves_per_second']} | {result['server_cpu_share']:.0%} | "
                   f"{result['moves_per_cpu_second']} | {result['moves']['p50_ms']} / {result['moves']['p95_ms']} | "
                   f"{errors} |")

    out += ["", "## Targets", "", "| target | figure | verdict |", "|---|---|---|"]
    worst_move = max(brows[1:], key=lambda r: r["move_median_s"])
    worst_cold = max(brows[1:], key=lambda r: r["first_page_s"])
    out.append(f"| browser interaction within 1.5× the floor | worst page {worst_move['page']}: "
               f"{worst_move['move_median_s'] / floor['move_median_s']:.2f}× | "
               f"{verdict(worst_move['move_median_s'] <= 1.5 * floor['move_median_s'])} |")
    out.append(f"| cold start to first page within 1.2× the floor | worst page {worst_cold['page']}: "
               f"{worst_cold['first_page_s'] / floor['first_page_s']:.2f}× | "
               f"{verdict(worst_cold['first_page_s'] <= 1.2 * floor['first_page_s'])} |")
    per_session = max(r["mb_per_session"] for (n, s), r in classes.items() if n != "floor")
    out.append(f"| under 1 MB of server memory per extra session | at most {per_session} MB | "
               f"{verdict(per_session < 1)} |")
    for label, result_set in (("one server", {n: classes[n, 100] for n in PAGES if n != "floor"}),
                              ("two replicas", {n: r for n, r in replicas.items() if n != "floor"})):
        errors = sum(sum(r["errors"].values()) for r in result_set.values())
        worst_p95 = max(r["moves"]["p95_ms"] for r in result_set.values())
        worst_first = max(r["first_page"]["p95_ms"] for r in result_set.values())
        out.append(f"| class of 100 on 2 cores ({label}): zero errors, every change applied | {errors} errors | "
                   f"{verdict(errors == 0)} |")
        out.append(f"| … interaction p95 under 250 ms ({label}) | worst page {worst_p95} ms | "
                   f"{verdict(worst_p95 < 250)} |")
        out.append(f"| … first page p95 within 1.5 s ({label}) | worst page {worst_first} ms | "
                   f"{verdict(worst_first <= 1500)} |")
    floor_rate = stampedes["floor", 100]["moves_per_cpu_second"]
    slowest = min((r for (n, s), r in stampedes.items() if n != "floor" and s == 100),
                  key=lambda r: r["moves_per_cpu_second"])
    out.append(f"| stampede: at least the floor's interactions per second per core | slowest page "
               f"{slowest['moves_per_cpu_second']} vs floor {floor_rate} moves per CPU-second | "
               f"{verdict(slowest['moves_per_cpu_second'] >= floor_rate)} |")
    out.append("")
    Path(args.out).write_text("\n".join(out) + "\n")
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
