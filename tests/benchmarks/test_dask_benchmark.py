"""The Dask benchmark's answers folder reads back as the simulated answers."""

from __future__ import annotations

import numpy as np

import benchmarks.dask_calibration as bench
from cluster.parquet import read_parquet
from engine.irt.simulation import simulate_bank, simulate_responses


def test_written_answers_read_back_as_simulated(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "_ROWS_PER_FILE", 700)  # several files, a student's answers across two of them
    written = bench.write_answers(tmp_path / "answers", 300, 40, 5, seed=9)
    assert written["answers"] == 1500 and written["files"] == 3
    rng = np.random.default_rng(9)
    simulated = simulate_responses(simulate_bank(40, "2pl", rng), rng.normal(size=300), rng, items_per_student=5)
    read = read_parquet(str(tmp_path / "answers"))
    assert read.n_students == 300 and read.n_responses == 1500
    here = {(s, i): y for s, i, y in zip(read.student_ids[read.student], read.item_ids[read.item], read.score)}
    there = {
        (s, i): y
        for s, i, y in zip(
            simulated.student_ids[simulated.student], simulated.item_ids[simulated.item], simulated.score
        )
    }
    assert here == there
