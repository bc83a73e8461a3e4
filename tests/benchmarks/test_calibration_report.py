"""The calibration benchmark's own pieces: its CSV files, the floor of the E-step, earlier runs' records."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.calibration import _tiny, e_step_floor, kept_records, render_markdown
from benchmarks.calibration_command import time_command, time_read, write_csv
from engine.irt.responses import ResponseMatrix
from itembank.io import read_responses


@pytest.mark.parametrize("layout", ["long", "wide"])
def test_written_csv_reads_back_as_the_data(tmp_path, layout):
    data = _tiny()
    path = tmp_path / f"r-{layout}.csv"
    write_csv(data, path, layout)
    rm = read_responses(path)
    assert rm.n_students == data.n_students and rm.n_items == data.n_items
    assert rm.item_ids[0] == "i00" and rm.student_ids[0] == "s000"
    table = rm.to_table()
    np.testing.assert_array_equal(table, data.to_dense().astype(float))


@pytest.mark.parametrize("sparse", [False, True])
def test_floor_times_the_two_products_in_the_e_steps_precision(sparse):
    data = _tiny()
    if sparse:
        keep = (data.student + data.item) % 3 > 0
        rm = ResponseMatrix.from_long(
            data.student[keep], data.item[keep], data.score[keep], n_students=data.n_students, n_items=data.n_items
        )
    else:
        rm = ResponseMatrix.from_dense(data.to_dense())
    floor = e_step_floor(rm, repeats=2)
    assert floor["seconds"] > 0
    assert floor["indicator"] == ("sparse" if sparse else "dense")
    assert floor["dtype"] == "float64"  # a tiny set stays in double precision


def test_earlier_runs_fill_only_the_pairs_not_measured(tmp_path):
    machine = {"date_utc": "2026-11-25 10:56 UTC", "git_commit": "abc1234", "load_average_at_start": [1.5, 1, 1]}
    earlier = [
        {"tool": "girth", "scenario": "dense-5k", "status": "ok", "seconds": 3.0},
        {"tool": "masterycat", "scenario": "dense-5k", "status": "ok", "seconds": 9.0},
        {"tool": "girth", "scenario": "sparse-50k", "status": "timeout", "time_limit": 180},
    ]
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"machine": machine, "results": earlier}))
    kept = kept_records([path], {("dense-5k", "masterycat")}, ["dense-5k"])
    assert [(r["tool"], r["scenario"]) for r in kept] == [("girth", "dense-5k")]
    assert kept[0]["from_run"].startswith("2026-11-25 10:56 UTC, commit abc1234")


def test_report_gives_the_ratio_only_for_figures_of_the_same_run():
    info = {
        "date_utc": "2026-12-02 14:00 UTC",
        "git_commit": "abc1234",
        "cpu": "cpu",
        "cores": 2,
        "ram_gb": 1.0,
        "os": "linux",
        "load_average_at_start": (1.0, 1.0, 1.0),
        "python": "3",
        "numpy": "2",
        "scipy": "1",
        "blas": [],
        "OPENBLAS_CORETYPE": "",
        "OMP_NUM_THREADS": "",
        "peers": {},
    }
    fit = {"status": "ok", "fit_rss_mb": 1.0, "peak_rss_mb": 2.0, "cpu_seconds": 1.0}
    fit.update(rmse_a=0.1, rmse_b=0.1, median_abs_err_a=0.1, median_abs_err_b=0.1)
    mc = {
        **fit,
        "scenario": "dense-5k",
        "tool": "masterycat",
        "seconds": 0.1,
        "timings": {"e_steps": 5, "e_step": 0.05},
    }
    mc["floor"] = {"seconds": 0.002, "dtype": "float64", "indicator": "dense"}
    base = {**fit, "scenario": "dense-5k", "tool": "baseline-em", "seconds": 0.4, "cpu_seconds": 2.0}
    text = render_markdown(info, [mc, base], ["dense-5k"], ["masterycat", "baseline-em"], 60)
    assert "| 0.25 | 0.50 | 5 | 0.050 s | 2.0 ms (float64, dense) | 0.010 s |" in text
    assert "| fit / yardstick <= 0.5 | 0.25 | yes |" in text
    old = render_markdown(info, [mc, {**base, "from_run": "earlier"}], ["dense-5k"], ["masterycat", "baseline-em"], 60)
    assert "fit / yardstick" not in old and "(run of earlier)" in old


def test_command_and_read_are_timed_on_the_file(tmp_path):
    data = _tiny()
    path = tmp_path / "r.csv"
    write_csv(data, path, "long")
    read = time_read(path, repeats=1)
    assert read["n_responses"] == data.n_responses and read["seconds"] > 0
    done = time_command(path, Path(sys.executable).parent / "masterycat")
    assert done["status"] == "ok", done
    assert done["command_seconds"] > done["fit_seconds"] > 0
    assert done["timings"]["e_steps"] >= 1
