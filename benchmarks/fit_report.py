"""Fit report benchmark: the demo bank's fit report page, cold and warm, and what computing it costs.

What it does
------------
1. Builds the demo district (``seed_demo``, seed 11) in an SQLite file under
   ``benchmarks/.data/`` (kept between runs) and keeps its live calibration's
   fit report as ``masterycat serve --demo`` does
   (:func:`cli.server.store_demo_fit_report`).
2. Page, cold and warm: ``--runs`` fresh Python processes each import the
   app, create it on that database, log in as the psychometrician (through
   the login form, in-process with the test client: no sockets) and GET
   ``/bank/calibrations/{id}/report``: the first GET of the process is
   *cold* (nothing of the page cached: templates compiled, the kept report
   read from the database); the ``--warm`` GETs after it are *warm*.
   Import and app start are timed apart.
3. Computing the report, what the calibration job does once when a run
   finishes (and what the page did on every first view in a process before
   the report was kept): :func:`reporting.fit_report.store_fit_report`, in a
   fresh process, with the information chart's share; matplotlib's import
   and a first and second draw of the chart, in another fresh process.
4. Yardstick: a fixed numpy workload (20 products of two 400 x 400 random
   matrices and a 200,000-element sort), timed at the start and the end of
   the run, so a slow machine can be told from a slow page.

Writes a Markdown table with the machine, ``nproc`` and ``uptime`` at the
start and the end of the run.  Run nothing else heavy meanwhile::

    .venv/bin/python -m benchmarks.fit_report --out benchmarks/results/fit_report.md
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"
DATABASE = DATA / "fit_report_demo.db"
PASSWORD = "demo"


def _sh(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()


def yardstick() -> float:
    """Seconds of a fixed numpy workload (seeded): 20 products of two 400 x 400 matrices, a 200,000-element sort."""
    rng = np.random.default_rng(0)
    a, b = rng.random((400, 400)), rng.random((400, 400))
    x = rng.random(200_000)
    t = time.perf_counter()
    for _ in range(20):
        a @ b
    np.sort(x)
    return time.perf_counter() - t


def demo_database() -> tuple[str, bool]:
    """The demo district's SQLite URL (built, with its kept fit report, when missing) and whether it was built now."""
    from cli.server import store_demo_fit_report
    from demo.district import seed_demo
    from itembank.db import make_engine
    from itembank.migrate import upgrade

    DATA.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{DATABASE}"
    engine = make_engine(url)
    upgrade(engine)
    built = seed_demo(engine, seed=11)
    store_demo_fit_report(engine)
    engine.dispose()
    return url, built


def live_calibration(url: str) -> int:
    from sqlmodel import Session, select

    from itembank.db import make_engine
    from itembank.tables import Calibration

    engine = make_engine(url)
    with Session(engine) as s:
        out = s.exec(select(Calibration.id).where(Calibration.live == True)).one()  # noqa: E712
    engine.dispose()
    return int(out)


# ------------------------------------------------------------- child runs
def child_page(url: str, calibration_id: int, warm: int) -> dict:
    """In a fresh process: import and start the app, log in, GET the report once cold and ``warm`` times more."""
    t0 = time.perf_counter()
    from fastapi.testclient import TestClient

    from itembank.db import make_engine
    from service.app import create_app
    from service.pages.csrf import CSRF_FIELD
    from service.settings import Settings

    imported = time.perf_counter() - t0
    engine = make_engine(url)
    t0 = time.perf_counter()
    app = create_app(
        Settings(database_url=url, secret_key="benchmark-secret-key-" + "x" * 32, demo=True), engine=engine
    )
    times, size = [], 0
    with TestClient(app) as client:
        started = time.perf_counter() - t0
        token = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', client.get("/login").text)
        form = {"username": "psychometrician", "password": PASSWORD}
        r = client.post("/login", data=form | ({CSRF_FIELD: token.group(1)} if token else {}), follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        for _ in range(1 + warm):
            t = time.perf_counter()
            r = client.get(f"/bank/calibrations/{calibration_id}/report")
            times.append(time.perf_counter() - t)
            assert r.status_code == 200 and "Every item" in r.text, r.text[:300]
            size = len(r.content)
    engine.dispose()
    return {"import_s": imported, "start_s": started, "cold_s": times[0], "warm_s": times[1:], "bytes": size}


def child_compute(url: str, calibration_id: int) -> dict:
    """In a fresh process: compute the report as the calibration job does (not stored), and its chart's share."""
    from sqlmodel import Session

    import reporting.fit_report as fr
    from itembank.db import make_engine

    drawn = []
    draw = fr.to_svg

    def timed_draw(fig):
        t = time.perf_counter()
        out = draw(fig)
        drawn.append(time.perf_counter() - t)
        return out

    fr.to_svg = timed_draw
    engine = make_engine(url)
    with Session(engine) as s:
        t = time.perf_counter()
        data = fr.calibration_data(s, calibration_id)
        analysed = time.perf_counter() - t
        t = time.perf_counter()
        document = fr.fit_report_document(data)
        laid_out = time.perf_counter() - t
    engine.dispose()
    return {
        "analysis_s": analysed,
        "document_s": laid_out,
        "svg_save_s": drawn[0],
        "json_bytes": len(json.dumps(document)),
    }


def child_chart(url: str, calibration_id: int) -> dict:
    """In a fresh process: matplotlib's import, then the information chart drawn twice."""
    from engine.analysis.reliability import information_curves
    from engine.irt.parameters import ItemParameters  # noqa: F401  (engine imported before the clock)
    from itembank.bank import load_parameters
    from itembank.db import make_engine

    engine = make_engine(url)
    from sqlmodel import Session

    with Session(engine) as s:
        params = load_parameters(s, calibration_id)
    engine.dispose()
    curves = information_curves(params, np.linspace(-4, 4, 121))
    t = time.perf_counter()
    from reporting.figures import information_figure, to_svg

    imported = time.perf_counter() - t
    draws = []
    for _ in range(2):
        t = time.perf_counter()
        to_svg(information_figure(curves, title="Test information and CSEM", item_curves=False))
        draws.append(time.perf_counter() - t)
    return {"import_s": imported, "first_draw_s": draws[0], "second_draw_s": draws[1]}


def _child(kind: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.fit_report", "--child", kind, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# -------------------------------------------------------------------- main
def _fmt(seconds: list[float]) -> str:
    return f"{statistics.median(seconds):.3f} (min {min(seconds):.3f}, max {max(seconds):.3f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes for the cold page")
    parser.add_argument("--warm", type=int, default=10, help="GETs after the cold one in each process")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, url, cal = args.child[0], args.child[1], int(args.child[2])
        if kind == "page":
            print(json.dumps(child_page(url, cal, int(args.child[3]))))
        elif kind == "compute":
            print(json.dumps(child_compute(url, cal)))
        else:
            print(json.dumps(child_chart(url, cal)))
        return 0
    uptime_start, start = _sh("uptime"), datetime.now(UTC)
    stick_start = yardstick()
    t = time.perf_counter()
    url, built_now = demo_database()
    built = time.perf_counter() - t
    cal = live_calibration(url)
    pages = [_child("page", url, str(cal), str(args.warm)) for _ in range(args.runs)]
    computes = [_child("compute", url, str(cal)) for _ in range(3)]
    charts = [_child("chart", url, str(cal)) for _ in range(3)]
    stick_end = yardstick()
    uptime_end = _sh("uptime")
    cold = [p["cold_s"] for p in pages]
    warm = [w for p in pages for w in p["warm_s"]]
    lines = [
        "# Fit report page: the demo bank, cold and warm",
        "",
        f"`python -m benchmarks.fit_report --runs {args.runs} --warm {args.warm}`, {start:%Y-%m-%d %H:%M} UTC. "
        f"Machine: {_sh('lscpu').split('Model name:', 1)[-1].splitlines()[0].strip() or platform.processor()}, "
        f"nproc {_sh('nproc')}, Python {platform.python_version()}, SQLite.",
        "",
        f"- uptime at start: `{uptime_start}`",
        f"- uptime at end: `{uptime_end}`",
        "- yardstick (20 products of two 400 x 400 random matrices and a 200,000-element sort): "
        f"{stick_start:.3f} s at start, {stick_end:.3f} s at end",
        f"- demo bank: calibration {cal}; database ready in {built:.1f} s "
        f"({'built now' if built_now else 'built by an earlier run'}, `{DATABASE.relative_to(ROOT)}`)",
        "",
        "Seconds; median (min, max) over the runs. *Cold*: the first GET of the page in a fresh process "
        "(the kept report read from the database, templates compiled); *warm*: the GETs after it.",
        "",
        "| what | seconds |",
        "| --- | ---: |",
        f"| page, cold ({len(cold)} processes) | {_fmt(cold)} |",
        f"| page, warm ({len(warm)} GETs) | {_fmt(warm)} |",
        f"| page size | {pages[0]['bytes'] / 1000:.0f} kB |",
        f"| import of the app (per process) | {_fmt([p['import_s'] for p in pages])} |",
        f"| app start (per process) | {_fmt([p['start_s'] for p in pages])} |",
        f"| computing the report: analysis ({len(computes)} fresh processes) | {_fmt([c['analysis_s'] for c in computes])} |",
        f"| computing the report: the page's numbers and chart | {_fmt([c['document_s'] for c in computes])} |",
        f"| of which the chart's SVG output | {_fmt([c['svg_save_s'] for c in computes])} |",
        f"| kept report (JSON) | {computes[0]['json_bytes'] / 1000:.0f} kB |",
        f"| matplotlib import (with reporting.figures) | {_fmt([c['import_s'] for c in charts])} |",
        f"| information chart, first draw in a process | {_fmt([c['first_draw_s'] for c in charts])} |",
        f"| information chart, second draw | {_fmt([c['second_draw_s'] for c in charts])} |",
        "",
        "Computing the report is what the calibration job does once when a run finishes (and `serve --demo` "
        "for the demo's calibration); the page reads the kept report, and computes and keeps it only on the "
        "first view of a calibration that has none.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
