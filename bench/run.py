"""Run every benchmark, the floor app beside each page in the same run, and write BENCHMARKS.md.

    python bench/run.py                 # everything (about 40 minutes on 2 cores)

Page 6 needs the real model: set EXPLAINER_MODEL_DIR (see README), else it is measured showing its message.
    python bench/run.py --quick         # fewer repetitions and shorter classes, for a first look

Figures, not pass/fail: the targets of the project are listed with each figure and marked met or missed.
Needs Debian's Chromium (/usr/bin/chromium) and nginx, as the tests do.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser
import elements
import engine
import levers
import profiles
import reruns
import training
from browser import PAGES, ROOT


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))) / 1024 ** 2
    chromium = subprocess.run([browser.CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
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


def load_run(name: str, students: int, seconds: float, profile: str = "class", browsers: int = 0,
             replicas: int = 1, options: tuple[str, ...] = ()) -> dict:
    """One load profile, in its own process (bench/load.py), against fresh servers. A run that fails or
    hangs is reported as failed, with its reason, and the benchmark goes on."""
    app, path = PAGES[name]
    command = [sys.executable, str(ROOT / "bench" / "load.py"), "--app", str(app.relative_to(ROOT)), "--page", path,
               "--students", str(students), "--seconds", str(seconds), "--profile", profile,
               "--browsers", str(browsers), "--replicas", str(replicas), *(f"--option={o}" for o in options)]
    limit = seconds * 3 + 600
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"students": students, "failed": f"no result within {limit:.0f} s"}
    if done.returncode:
        print(done.stderr[-2000:], file=sys.stderr)
        return {"students": students, "failed": done.stderr.strip().splitlines()[-1][:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(quick: bool) -> dict:
    """Every figure, as plain data."""
    class_seconds, stampede_seconds = (15, 5) if quick else (60, 20)

    def log(line: str) -> None:
        print(line, flush=True)

    data = {"machine": machine(), "class_seconds": class_seconds, "stampede_seconds": stampede_seconds}
    log("engine ...")
    data["engine"] = engine.measure(10 if quick else 30)
    log("reruns ...")
    data["reruns"] = reruns.measure(5 if quick else 30)
    log("elements ...")
    data["elements"] = elements.measure()
    log("levers ...")
    data["levers"] = levers.measure(repeat=4 if quick else 10, rounds=1 if quick else 2)
    log("training ...")
    data["training"] = training.measure()
    log("profiles ...")
    data["profiles"] = {
        "browser": {name: profiles.browser_profile(name) for name in ("floor", "2 Q and K", "3 Softmax")},
        "server": {name: profiles.server_profile(name) for name in ("floor", "3 Softmax")}
        if profiles.has_py_spy() else {}}
    log("browser ...")
    data["browser"] = browser.measure(repeat=3 if quick else 15, cold_repeat=1 if quick else 3)
    log("load ...")
    data["classes"], data["stampedes"], data["replicas"] = [], [], []
    for name in PAGES:  # a class of 100: the size the targets are set for (30 left out to keep under 45 minutes)
        for students in (100,):
            log(f"  class {name} {students}")
            data["classes"].append({"name": name, **load_run(
                name, students, class_seconds, browsers=2 if students == 100 and name == "3 Softmax" else 0)})
    for name in PAGES:
        for students in (100,):
            log(f"  stampede {name} {students}")
            data["stampedes"].append({"name": name, **load_run(name, students, stampede_seconds,
                                                                profile="stampede")})
    for name in ("floor", "Home", "3 Softmax"):
        log(f"  two replicas {name}")
        data["replicas"].append({"name": name, **load_run(name, 100, class_seconds, replicas=2)})
    log("  GC on")
    data["gc_on"] = {"name": "3 Softmax", **load_run("3 Softmax", 100, class_seconds,
                                                      options=("--runner.postScriptGC=true",))}
    return data


def report(data: dict) -> list[str]:
    """BENCHMARKS.md from the figures."""
    out: list[str] = ["# Benchmarks", "",
                      "Written by `python bench/run.py`: every figure measured in one run, with the *floor* "
                      "(bench/floor_app.py: one slider, one 3 × 3 Altair heatmap) measured beside the lesson's "
                      "pages on the same machine and server config.", "", *data["machine"], ""]
    out += ["## 1. Engine cost per interaction (no Streamlit)", "", "| what | median ms |", "|---|---:|"]
    out += [f"| {row['what']} | {row['median_ms']:.2f} |" for row in data["engine"]]
    out += ["", "A page draws a chart with Altair only the first time its *look* is seen (its title, labels and "
            "options: lesson/charts.py); a new temperature, word in focus or sentence of the same length "
            "reuses that spec with new data. The floor builds and converts its one chart on every run.", ""]
    out += ["## 2. Server-side rerun per page and interaction (AppTest)", "",
            "AppTest runs the scripts in-process, without the server's websocket, its message serialisation "
            "or a browser; the figures of section 5 are the real server's.", "", reruns.table(data["reruns"]), ""]
    out += ["## What a view sends", "",
            "Over Streamlit's own protocol (bench/elements.py): the elements of a page's first run and of one move "
            "(charts, texts, widgets, each one thing the browser draws; containers not counted), and their bytes. "
            "Sections a student opens on demand (*More settings*, *Share*, *Check yourself*, E and PE, one score "
            "term by term, the gradient step, the numbers tables) are closed, as they are for a student who has not "
            "opened them.", "",
            "| page | elements, first run | kB | elements, one move | kB | × floor (elements) |",
            "|---|---:|---:|---:|---:|---:|"]
    floor_elements = data["elements"][0]["move_elements"]
    out += [f"| {r['page']} | {r['first_elements']} | {r['first_kb']} | {r['move_elements']} | {r['move_kb']} | "
            f"{r['move_elements'] / floor_elements:.0f} |" for r in data["elements"]]
    out += [""]
    if "levers" in data:
        out += ["What each kind of element costs a move in Chromium (bench/levers.py): the floor plus elements of one "
                "kind that do not change, the same slider moved; medians of alternating rounds. These prices decided "
                "how the pages are built (one text block per section, grids of charts, a radio for the menu).", "",
                "| the floor plus | move median ms | added ms |", "|---|---:|---:|"]
        out += [f"| {row['what']} | {ms(row['move_median_s'])} | {row['added_ms']:+.0f} |" for row in data["levers"]]
        out += [""]
    out += ["## Where a move's time goes", "",
            "Profiles of one move (bench/profiles.py). In Chromium, the JS CPU profile of 5 moves, per move, by what "
            "ran (idle left out):", "", "| page | " + " | ".join(["what", "ms per move"]) + " |", "|---|---|---:|"]
    for name, buckets in data["profiles"]["browser"].items():
        out += [f"| {name} | {kind} | {value:.0f} |" for kind, value in buckets.items()]
    if data["profiles"]["server"]:
        out += ["", "On the server, under a stampede of 30 students (py-spy, 100 samples a second), the share of "
                "its busy samples by what a page line called:", "", "| page | what | % of busy samples |",
                "|---|---|---:|"]
        for name, kinds in data["profiles"]["server"].items():
            out += [f"| {name} | {kind} | {value} |" for kind, value in kinds.items()]
    else:
        out += ["", "(Server profile not taken: py-spy is not installed; `pip install py-spy`.)"]
    out += [""]
    train = data["training"]
    alone, during = train["class_alone"], train["class_with_training"]
    out += ["", "## Training W_Q and W_K (page 5)", "",
            f"One training run in the engine, on one core: {train['engine']['train_200_s']} s for the default "
            f"{200} steps, {train['engine']['train_1000_s']} s for the largest ({training.MOST_STEPS} steps). "
            f"On the server (bench/training.py), a class of {training.STUDENTS} on *3 Softmax*, each moving the "
            f"temperature every {training.THINK[0]:g}-{training.THINK[1]:g} s, for {training.WINDOW:g} s: alone, moves "
            f"p50 / p95 {alone['p50_ms']} / {alone['p95_ms']} ms ({alone['moves']} moves); while one student on page "
            f"5 presses Train again and again ({during.get('trainings', 0)} trainings of {training.MOST_STEPS} steps, "
            f"each {during.get('training_s', '-')} s from click to drawn), {during['p50_ms']} / {during['p95_ms']} ms "
            f"({during['moves']} moves). A training holds the server's one Python process for its length, so moves "
            "that arrive meanwhile wait up to that long; trainings are kept per server, so a second student asking "
            "for the same one (the default, or a shared link) waits for nothing.", ""]
    brows = data["browser"]
    floor = brows[0]
    out += ["## 3 and 4. In Chromium: cold start and an interaction", "",
            "Cold start: server process start → `/_stcore/health` answers → first page fully drawn (script "
            "finished, every chart drawn), Chromium already open. Interaction: a key press on the temperature "
            "slider (on *2 Q and K*, where temperature changes nothing, a click on another word in the page's "
            "Query word list, opened before the clock starts) → the page's charts redrawn.", "",
            "| page | health s | first page s | × floor | move median ms | move p95 ms | × floor (median) | "
            "phone 4× CPU: move median / max ms | × floor |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in brows:
        out.append(f"| {row['page']} | {row['health_s']:.2f} | {row['first_page_s']:.2f} | "
                   f"{row['first_page_s'] / floor['first_page_s']:.2f} | {ms(row['move_median_s'])} | "
                   f"{ms(row['move_p95_s'])} | {row['move_median_s'] / floor['move_median_s']:.2f} | "
                   f"{ms(row['phone_move_median_s'])} / {ms(row['phone_move_max_s'])} | "
                   f"{row['phone_move_median_s'] / floor['phone_move_median_s']:.2f} |")
    out += ["", f"*Phone*: the same move at 390 × 844 px with Chromium's CPU throttled {browser.PHONE_THROTTLE}× "
            "(CDP Emulation.setCPUThrottlingRate), the sidebar folded away as on a phone."]

    def figures(summary: dict) -> str:
        return " / ".join(str(summary.get(k, "-")) for k in ("p50_ms", "p95_ms", "max_ms"))

    def errors_of(result: dict) -> str:
        return ", ".join(f"{k}: {v}" for k, v in result["errors"].items()) or "none"

    def failed_row(label: str, result: dict, columns: int) -> str:
        return f"| {label} | {result['students']} | failed: {result['failed']} |" + " |" * (columns - 3)

    def class_row(label: str, result: dict) -> str:
        if "failed" in result:
            return failed_row(label, result, 8)
        rss = result["rss_mb"]
        return (f"| {label} | {result['students']} | {figures(result['first_page'])} | {figures(result['moves'])} | "
                f"{errors_of(result)} | {rss['before']} / {rss['all_open']} / {rss['peak']} / {rss['after']} | "
                f"{result['mb_per_session']} | {result['server_cpu_share']:.0%} |")

    out += ["", "## 5. A class over Streamlit's websocket protocol", "",
            f"*A class*: each student opens the page within 2 s of the others, then moves the temperature slider "
            f"every 5-15 s to a value nobody sent before, for {data['class_seconds']} s. Each move must come back "
            "redrawn and (lesson pages) with the link holding the new temperature, else it counts as *not applied*. "
            "Memory is the server's RSS (both replicas' together behind nginx): before the class, once every "
            "student's page is drawn, at its peak and 5 s after the class left.", "",
            "| page | students | first page p50 / p95 / max ms | move p50 / p95 / max ms | errors | "
            "RSS before / all open / peak / after MB | MB per student | server CPU |",
            "|---|---:|---|---|---|---|---:|---:|"]
    out += [class_row(result["name"], result) for result in data["classes"]]
    out.append(class_row("3 Softmax, with Streamlit's default postScriptGC=true", data["gc_on"]))
    out += [class_row(f"{result['name']}, two replicas behind nginx", result) for result in data["replicas"]]
    crowd = next(r for r in data["classes"] if r["name"] == "3 Softmax" and r["students"] == 100)
    out += ["", f"Real Chromium tabs alongside the 100 students on *3 Softmax* (a cross-check): first page "
            f"{figures(crowd.get('browser_first_page', {}))} ms, "
            f"moves {figures(crowd.get('browser_moves', {}))} ms (p50 / p95 / max; "
            "from the key press to the last chart redrawn, so the browser's drawing is included).", "",
            "*A stampede*: the same students, already on the page, move the slider again as soon as the last move "
            f"is drawn, for {data['stampede_seconds']} s. One server process runs every session's script.", "",
            "| page | students | moves/s | server CPU | moves per CPU-second | move p50 / p95 ms | errors |",
            "|---|---:|---:|---:|---:|---|---|"]
    for result in data["stampedes"]:
        if "failed" in result:
            out.append(failed_row(result["name"], result, 7))
            continue
        out.append(f"| {result['name']} | {result['students']} | {result['moves_per_second']} | "
                   f"{result['server_cpu_share']:.0%} | {result['moves_per_cpu_second']} | "
                   f"{result['moves'].get('p50_ms', '-')} / {result['moves'].get('p95_ms', '-')} | "
                   f"{errors_of(result)} |")

    out += ["", "## Targets", "", "| target | figure | verdict |", "|---|---|---|"]
    worst_move = max(brows[1:], key=lambda r: r["move_median_s"])
    worst_cold = max(brows[1:], key=lambda r: r["first_page_s"])
    out.append(f"| browser interaction within 1.5× the floor | worst page {worst_move['page']}: "
               f"{worst_move['move_median_s'] / floor['move_median_s']:.2f}× | "
               f"{verdict(worst_move['move_median_s'] <= 1.5 * floor['move_median_s'])} |")
    worst_phone = max(brows[1:], key=lambda r: r["phone_move_max_s"])
    out.append(f"| phone (390 px, CPU 4× throttled): every move redrawn in under 1 s | "
               f"worst page {worst_phone['page']}: "
               f"{ms(worst_phone['phone_move_max_s'])} ms at most (floor {ms(floor['phone_move_max_s'])}) | "
               f"{verdict(worst_phone['phone_move_max_s'] < 1)} |")
    out.append(f"| cold start to first page within 1.2× the floor | worst page {worst_cold['page']}: "
               f"{worst_cold['first_page_s'] / floor['first_page_s']:.2f}× | "
               f"{verdict(worst_cold['first_page_s'] <= 1.2 * floor['first_page_s'])} |")
    per_session = max(r.get("mb_per_session", math.inf) for r in data["classes"] if r["name"] != "floor")
    out.append(f"| under 1 MB of server memory per extra session | at most {per_session} MB | "
               f"{verdict(per_session < 1)} |")
    for label, results in (("one server", [r for r in data["classes"] if r["name"] != "floor"
                                           and r["students"] == 100]),
                           ("two replicas", [r for r in data["replicas"] if r["name"] != "floor"])):
        errors = sum(sum(r.get("errors", {"failed run": 1}).values()) for r in results)
        worst_p95 = max(r.get("moves", {}).get("p95_ms", math.inf) for r in results)
        worst_first = max(r.get("first_page", {}).get("p95_ms", math.inf) for r in results)
        out.append(f"| class of 100 on 2 cores ({label}): zero errors, every change applied | {errors} errors | "
                   f"{verdict(errors == 0)} |")
        out.append(f"| … interaction p95 under 250 ms ({label}) | worst page {worst_p95} ms | "
                   f"{verdict(worst_p95 < 250)} |")
        if label == "one server":  # the target: against the floor's own class, in the same run
            floor_first = next((r.get("first_page", {}).get("p95_ms", math.nan) for r in data["classes"]
                                if r["name"] == "floor"), math.nan)
            out.append(f"| … first page p95 within 1.2× the floor's ({label}) | worst page {worst_first} ms, "
                       f"floor {floor_first} ms ({worst_first / floor_first:.2f}×) | "
                       f"{verdict(worst_first <= 1.2 * floor_first)} |")
        else:
            out.append(f"| … first page p95 under 1.5 s ({label}) | worst page {worst_first} ms | "
                       f"{verdict(worst_first < 1500)} |")
    floor_rate = next(r for r in data["stampedes"] if r["name"] == "floor" and r["students"] == 100)
    slowest = min((r for r in data["stampedes"] if r["name"] != "floor" and r["students"] == 100),
                  key=lambda r: r.get("moves_per_cpu_second") or 0)
    page_rate, floor_rate = slowest.get("moves_per_cpu_second") or 0, floor_rate.get("moves_per_cpu_second") or 0
    out.append(f"| stampede: at least 0.8× the floor's moves per CPU-second | slowest page "
               f"{slowest['name']}: {page_rate} vs the floor's {floor_rate} | "
               f"{verdict(page_rate >= 0.8 * floor_rate)} |")
    return [*out, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--raw", default="/tmp/explainer-benchmarks.json",
                        help="where the figures are kept as JSON (and read from, with --report-only)")
    parser.add_argument("--report-only", action="store_true", help="write the report from --raw, measure nothing")
    args = parser.parse_args()
    if args.report_only:
        data = json.loads(Path(args.raw).read_text())
    else:
        data = measure(args.quick)
        Path(args.raw).write_text(json.dumps(data))
    Path(args.out).write_text("\n".join(report(data)))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
