"""Calibration of millions of answers in-process and on a Dask LocalCluster: wall time and peak memory per process.

The answers (2PL, N(0, 1) students, each answering ``--per-student``
distinct items drawn at random; :mod:`engine.irt.simulation`, seeded) are
written once as a folder of Parquet files (long: student, item, score).
Each run then starts in a fresh process of its own and calibrates the folder
with standard errors, as ``masterycat calibrate FOLDER`` does:

* ``in-process``: the folder read here (:func:`cluster.parquet.read_parquet`)
  and calibrated by the engine;
* ``dask``: a LocalCluster of ``--workers`` worker processes (one thread
  each) reads the folder on the workers
  (:meth:`cluster.dask_responses.DaskResponses.from_parquet`) and the same EM
  runs with its sums over students on the workers.

Peak memory is each process's high-water mark of resident memory (``VmHWM``
of ``/proc``): the run's own process (for ``dask`` the client, which also
hosts the LocalCluster's scheduler) and each worker.  The table records the
machine (``nproc``) and the load average before and after each run; the
machine is shared, so the times are those of a loaded machine when the load
is above the core count.

    .venv/bin/python -m benchmarks.dask_calibration --students 500000 --items 20000 --per-student 20 \\
        --out benchmarks/results/dask.md
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from engine.irt.simulation import simulate_bank, simulate_responses

#: Answers per Parquet file written.
_ROWS_PER_FILE = 1_250_000


def peak_mb() -> float:
    """This process's high-water mark of resident memory, MB (``VmHWM``)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def load_average() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def write_answers(folder: Path, students: int, items: int, per_student: int, seed: int) -> dict:
    """Simulate the answers and write them as Parquet files of consecutive students; what was written."""
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    bank = simulate_bank(items, "2pl", rng)
    data = simulate_responses(bank, rng.normal(size=students), rng, items_per_student=per_student)
    folder.mkdir(parents=True, exist_ok=True)
    student_ids = pa.array(data.student_ids.tolist(), pa.string())
    item_ids = pa.array(data.item_ids.tolist(), pa.string())
    for f, lo in enumerate(range(0, data.n_responses, _ROWS_PER_FILE)):
        rows = slice(lo, lo + _ROWS_PER_FILE)
        table = pa.table(
            {
                "student": pa.DictionaryArray.from_arrays(pa.array(data.student[rows].astype(np.int32)), student_ids),
                "item": pa.DictionaryArray.from_arrays(pa.array(data.item[rows].astype(np.int32)), item_ids),
                "score": pa.array(data.score[rows].astype(np.int8)),
            }
        )
        pq.write_table(table, folder / f"answers-{f:03d}.parquet")
    return {
        "students": data.n_students,
        "items": data.n_items,
        "answers": data.n_responses,
        "files": len(list(folder.glob("*.parquet"))),
        "megabytes": sum(p.stat().st_size for p in folder.glob("*.parquet")) / 1e6,
        "seconds": time.perf_counter() - start,
    }


def _summary(result, read_seconds: float, started: float) -> dict:
    params = result.params
    return {
        "read_seconds": read_seconds,
        "fit_seconds": result.seconds,
        "wall_seconds": time.perf_counter() - started,
        "e_steps": result.timings["e_steps"],
        "e_step_seconds": result.timings["e_step"],
        "se_seconds": result.timings["se"],
        "iterations": result.iterations,
        "converged": result.converged,
        "loglik": result.loglik,
        "item_ids": params.item_ids.tolist(),
        "a": params.a.tolist(),
        "b": params.b.tolist(),
        "se_b": params.se["b"].tolist(),
    }


def run_in_process(folder: Path) -> dict:
    """Read the folder here and calibrate it."""
    from cluster.parquet import read_parquet
    from engine.irt.calibration import calibrate

    started = time.perf_counter()
    data = read_parquet(str(folder))
    read_seconds = time.perf_counter() - started
    result = calibrate(data, "2pl")
    return {**_summary(result, read_seconds, started), "client_peak_mb": peak_mb(), "worker_peak_mb": []}


def run_on_dask(folder: Path, workers: int) -> dict:
    """Start a LocalCluster, read the folder on its workers and calibrate it there."""
    from distributed import Client, LocalCluster

    from cluster.dask_responses import DaskResponses
    from engine.irt.calibration import calibrate

    started = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
            memory_limit=0,
        ) as local,
        Client(local) as client,
    ):
        cluster_seconds = time.perf_counter() - started
        data = DaskResponses.from_parquet(client, str(folder), workers)
        read_seconds = time.perf_counter() - started - cluster_seconds
        result = calibrate(data, "2pl")
        worker_peaks = sorted(client.run(peak_mb).values())
        summary = _summary(result, read_seconds, started)
    return {**summary, "cluster_seconds": cluster_seconds, "client_peak_mb": peak_mb(), "worker_peak_mb": worker_peaks}


def run_child(mode: str, folder: Path, workers: int) -> dict:
    """One run in a fresh process, with the load average before and after."""
    before = load_average()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.dask_calibration", "--child", mode, "--folder", str(folder)]
        + ["--workers", str(workers)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {mode} run failed:\n{done.stderr}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "load_before": before, "load_after": load_average()}


def render(written: dict, runs: dict, workers: int) -> str:
    """The results table in markdown."""
    here, there = runs["in-process"], runs["dask"]
    rows = [here["item_ids"].index(i) for i in there["item_ids"]]
    d_loglik = abs(there["loglik"] - here["loglik"])
    d_a = float(np.max(np.abs(np.array(there["a"]) - np.array(here["a"])[rows])))
    d_b = float(np.max(np.abs(np.array(there["b"]) - np.array(here["b"])[rows])))
    d_se = float(np.max(np.abs(np.array(there["se_b"]) - np.array(here["se_b"])[rows])))
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# Calibration on Dask: in-process and on a LocalCluster",
        "",
        f"{written['answers']:,} answers: {written['students']:,} students x {written['items']:,} items, "
        f"{written['answers'] // written['students']} answers each, 2PL, simulated with seed "
        f"{written['seed']} (`engine.irt.simulation`), written as {written['files']} Parquet files "
        f"({written['megabytes']:.0f} MB) in {written['seconds']:.0f} s. Each run in a fresh process: read the "
        "folder, calibrate with standard errors. "
        f"Machine: `nproc` {nproc}, shared with other work; `uptime` at the end: `{uptime}`.",
        "",
        "| run | read | fit (E-steps, their time; SEs) | wall | peak memory |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, r in (("in-process", here), (f"Dask LocalCluster, {workers} workers x 1 thread", there)):
        peaks = f"{r['client_peak_mb']:.0f} MB"
        if r["worker_peak_mb"]:
            peaks = f"client {peaks}; workers " + ", ".join(f"{p:.0f} MB" for p in r["worker_peak_mb"])
        start = f" (+{r['cluster_seconds']:.1f} s cluster start)" if "cluster_seconds" in r else ""
        lines.append(
            f"| {name} | {r['read_seconds']:.1f} s{start} | {r['fit_seconds']:.1f} s ({r['e_steps']} E-steps, "
            f"{r['e_step_seconds']:.1f} s; SEs {r['se_seconds']:.1f} s) | {r['wall_seconds']:.1f} s | {peaks} |"
        )
    lines += [
        "",
        f"Load average (1 min) before and after: in-process {here['load_before']:.1f} / {here['load_after']:.1f}, "
        f"Dask {there['load_before']:.1f} / {there['load_after']:.1f}.",
        "",
        f"Agreement: log-likelihood {here['loglik']:.4f} in-process, difference {d_loglik:.2e}; largest difference "
        f"of a {d_a:.2e}, of b {d_b:.2e}, of SE(b) {d_se:.2e}; {here['iterations']} and {there['iterations']} EM "
        "steps. Above a million answers the E-step's products run in float32 (engine.irt.calibration.e_step), "
        "and the blocks of students differ between the runs, so the sums agree to float32 rounding, not to the "
        "1e-8 of the float64 runs of the tests (tests/cluster).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--per-student", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, help="Where to write the markdown table (default: print it).")
    parser.add_argument("--child", choices=("in-process", "dask"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run = run_in_process(args.folder) if args.child == "in-process" else run_on_dask(args.folder, args.workers)
        print(json.dumps(run))
        return 0
    with tempfile.TemporaryDirectory(prefix="dask-bench-") as tmp:
        folder = Path(tmp) / "answers"
        written = {**write_answers(folder, args.students, args.items, args.per_student, args.seed), "seed": args.seed}
        print(f"wrote {written['answers']:,} answers in {written['seconds']:.0f} s", file=sys.stderr)
        runs = {}
        for mode in ("in-process", "dask"):
            runs[mode] = run_child(mode, folder, args.workers)
            print(f"{mode}: {runs[mode]['wall_seconds']:.1f} s", file=sys.stderr)
    text = render(written, runs, args.workers)
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
