"""The whole ``masterycat calibrate`` command on a responses CSV, beside the read and the fit.

For the calibration benchmark (:mod:`benchmarks.calibration`): a scenario's
data written once as the CSV a district would hand in (long
``student_id,item_id,score`` for sparse sets, wide ``student_id,<item>,...``
for dense ones), cached under ``benchmarks/.data/``; then, each in a fresh
interpreter:

* the read alone: ``itembank.io.read_responses(path)`` timed after the
  imports (the fastest of a few reads);
* the command: ``masterycat calibrate CSV --out ... --json`` timed from the
  launch of the process to its exit (imports, read, fit, writing the
  parameters), with the fit's own seconds from its ``--json`` summary.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.datasets import Dataset, data_dir, load

__all__ = ["write_csv", "responses_csv", "time_read", "time_command", "READ_TARGETS", "CSV_SCENARIOS"]

ROOT = Path(__file__).resolve().parent.parent

#: Scenarios whose CSV the command reads, and the issue's target for reading it (seconds).
READ_TARGETS: dict[str, float] = {"sparse-50k": 1.0, "dense-20k": 0.3}
#: The CSV layout written for each of those scenarios.
CSV_SCENARIOS: dict[str, str] = {"sparse-50k": "long", "dense-20k": "wide"}


def _ids(prefix: str, n: int) -> np.ndarray:
    width = len(str(n))
    return np.array([f"{prefix}{k:0{width}d}" for k in range(n)])


def _write_long(data: Dataset, path: Path) -> None:
    students, items = _ids("s", data.n_students), _ids("i", data.n_items)
    lines = np.char.add(
        np.char.add(np.char.add(students[data.student], ","), np.char.add(items[data.item], ",")),
        data.score.astype(str),
    )
    path.write_text("student_id,item_id,score\n" + "\n".join(lines.tolist()) + "\n")


def _write_wide(data: Dataset, path: Path) -> None:
    students, items = _ids("s", data.n_students), _ids("i", data.n_items)
    dense = data.to_dense()
    body = "\n".join(f"{s}," + ",".join(map(str, row)) for s, row in zip(students.tolist(), dense.tolist()))
    path.write_text("student_id," + ",".join(items.tolist()) + "\n" + body + "\n")


def write_csv(data: Dataset, path: Path, layout: str) -> None:
    """Write ``data`` as a responses CSV, ``long`` or ``wide`` (students ``s..``, items ``i..``)."""
    (_write_long if layout == "long" else _write_wide)(data, path)


def responses_csv(scenario: str) -> Path:
    """The scenario's responses as a CSV (written once, then cached).

    Parameters
    ----------
    scenario : str
        A key of :data:`CSV_SCENARIOS`.

    Returns
    -------
    pathlib.Path
    """
    layout = CSV_SCENARIOS[scenario]
    path = data_dir() / f"{scenario}-{layout}.csv"
    if not path.exists():
        data = load(scenario)
        part = path.with_suffix(".part")
        write_csv(data, part, layout)
        part.rename(path)
    return path


_READ_SCRIPT = """
import json, sys, time
from itembank.io import read_responses
times = []
for _ in range({repeats}):
    t0 = time.perf_counter()
    rm = read_responses(sys.argv[1])
    times.append(time.perf_counter() - t0)
print(json.dumps({{"seconds": min(times), "times": times, "n_responses": int(rm.n_responses),
                  "sparse": bool(rm.is_sparse)}}))
"""


def time_read(path: Path, repeats: int = 3) -> dict:
    """The fastest of ``repeats`` reads of ``path`` by ``read_responses``, in a fresh interpreter.

    Returns
    -------
    dict
        ``seconds`` (the fastest), ``times`` (all), ``n_responses``, ``sparse``.
    """
    out = subprocess.run(
        [sys.executable, "-c", _READ_SCRIPT.format(repeats=repeats), str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def time_command(path: Path, masterycat: Path) -> dict:
    """``masterycat calibrate path --out <tmp> --json``, timed from launch to exit.

    Parameters
    ----------
    path : pathlib.Path
        The responses CSV.
    masterycat : pathlib.Path
        The console script.

    Returns
    -------
    dict
        ``command_seconds`` (wall), ``fit_seconds`` (the summary's
        ``seconds``), ``iterations``, ``timings`` and the exit status.
    """
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        done = subprocess.run(
            [str(masterycat), "calibrate", str(path), "--out", str(Path(tmp) / "params.csv"), "--json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t0
    if done.returncode != 0:
        return {"status": "error", "note": done.stderr.strip().splitlines()[-1:] or ["no message"]}
    summary = json.loads(done.stdout)
    return {
        "status": "ok",
        "command_seconds": wall,
        "fit_seconds": summary["seconds"],
        "iterations": summary["iterations"],
        "timings": summary["timings"],
    }
