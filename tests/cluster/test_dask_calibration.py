"""Calibration on a Dask cluster equals calibration in this process; Parquet folders read by the workers."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cluster.dask_responses import DaskResponses
from cluster.parquet import ParquetInputError, read_parquet
from cluster.scoring import score_held
from engine.irt.calibration import calibrate
from engine.irt.calibration.e_step import expected_counts
from engine.irt.likelihood import log_probability_table
from engine.irt.parameters import ItemParameters
from engine.irt.quadrature import normal_grid, normal_log_weights
from engine.irt.responses import ResponseMatrix
from engine.irt.scoring import score
from engine.irt.simulation import simulate_bank, simulate_responses


@pytest.fixture(scope="module")
def sparse_bank():
    """600 students, 12 of 16 items each: 10 2PL and 6 graded (3 categories)."""
    rng = np.random.default_rng(12)
    binary, rubric = simulate_bank(10, "2pl", rng), simulate_bank(6, "grm", rng, n_categories=3, prefix="G")
    models = np.array(["2pl"] * 10 + ["grm"] * 6)
    bank = ItemParameters.from_arrays(
        np.concatenate([binary.item_ids, rubric.item_ids]),
        models,
        a=np.concatenate([binary.a, rubric.a]),
        b=np.concatenate([binary.b, np.full(6, np.nan)]),
        thresholds=np.vstack([np.full((10, 2), np.nan), rubric.thresholds]),
        n_categories=np.array([2] * 10 + [3] * 6),
    )
    return simulate_responses(bank, rng.normal(size=600), rng, items_per_student=12), models


def write_parquet_folder(folder, responses, n_files, rng):
    """The answers in ``n_files`` files of shuffled rows: a student's answers spread over the files."""
    folder.mkdir()
    order = rng.permutation(responses.n_responses)
    for f, rows in enumerate(np.array_split(order, n_files)):
        table = pa.table(
            {
                "student": responses.student_ids[responses.student[rows]],
                "item": responses.item_ids[responses.item[rows]],
                "score": responses.score[rows].astype(np.int16),
            }
        )
        pq.write_table(table, folder / f"part-{f}.parquet")
    return folder


def assert_same_calibration(held, local):
    assert held.loglik == pytest.approx(local.loglik, abs=1e-8)
    assert held.iterations == local.iterations
    rows = [held.params.index_of[i] for i in local.params.item_ids]
    for name in ("a", "b", "c", "d", "thresholds"):
        np.testing.assert_allclose(getattr(held.params, name)[rows], getattr(local.params, name), atol=1e-6)
    for name, se in local.params.se.items():
        np.testing.assert_allclose(held.params.se[name][rows], se, atol=1e-6)


def test_the_e_step_sums_on_the_cluster_are_those_in_process(dask_client, sparse_bank):
    responses, models = sparse_bank
    held = DaskResponses.scatter(dask_client, responses, 3)
    assert len(held.blocks) == 3 and held.n_students == 600 and held.n_responses == responses.n_responses
    nodes, _ = normal_grid(21, (-5.0, 5.0))
    table = log_probability_table(calibrate(responses, models, se=False).params.groups, nodes, 16, 3)
    weights = normal_log_weights(nodes, 0.0, 1.0)[None, :]
    codes = np.zeros(responses.n_students, dtype=np.int64)
    here = expected_counts(responses, codes, table, weights, np.dtype(np.float64))
    there = held.students.map_sum(expected_counts, table, weights, np.dtype(np.float64))
    assert there[0] == pytest.approx(here[0], abs=1e-9)
    np.testing.assert_allclose(there[1], here[1], atol=1e-9)
    np.testing.assert_allclose(there[2], here[2], atol=1e-9)
    # the students stay where they are: each block on one worker, never copied to another or to the client
    holders = dask_client.who_has(held.blocks)
    assert all(len(workers) == 1 for workers in holders.values())
    assert len({w for workers in holders.values() for w in workers}) == 2


def test_calibration_on_the_cluster_equals_in_process(dask_client, sparse_bank):
    responses, models = sparse_bank
    local = calibrate(responses, models)
    held = calibrate(DaskResponses.scatter(dask_client, responses, 3), models)
    assert held.n_students == local.n_students == 600
    assert held.se_method == local.se_method
    assert_same_calibration(held, local)


def test_parquet_folder_read_by_the_workers(dask_client, sparse_bank, tmp_path):
    responses, models = sparse_bank
    folder = write_parquet_folder(tmp_path / "answers", responses, 3, np.random.default_rng(2))
    held = DaskResponses.from_parquet(dask_client, str(folder), 4)
    assert held.n_students == 600 and held.n_responses == responses.n_responses
    assert sorted(held.item_ids) == sorted(responses.item_ids)
    by_id = dict(zip(responses.item_ids, models))
    local = calibrate(responses, models)
    assert_same_calibration(calibrate(held, [by_id[i] for i in held.item_ids]), local)
    here = read_parquet(str(folder))  # the same files read in this process
    assert here.n_students == 600 and here.n_responses == responses.n_responses
    assert_same_calibration(calibrate(here, [by_id[i] for i in here.item_ids]), local)


def test_inestimable_items_are_dropped_on_the_cluster_as_in_process(dask_client):
    rng = np.random.default_rng(8)
    table = simulate_responses(simulate_bank(6, "2pl", rng), rng.normal(size=300), rng).to_table()
    table[:, 2] = 0  # everybody wrong: nothing to estimate
    responses = ResponseMatrix.from_dense(table)
    local = calibrate(responses, "2pl", drop_inestimable=True)
    held = calibrate(DaskResponses.scatter(dask_client, responses, 2), "2pl", drop_inestimable=True)
    assert held.dropped_items == local.dropped_items == ("I3",)
    assert_same_calibration(held, local)
    with pytest.raises(ValueError, match="every answer is 0"):
        calibrate(DaskResponses.scatter(dask_client, responses, 2), "2pl")


def test_groups_need_the_responses_here(dask_client, sparse_bank):
    responses, _ = sparse_bank
    held = DaskResponses.scatter(dask_client, responses, 2)
    with pytest.raises(ValueError, match="groups need the responses in this process"):
        calibrate(held, "2pl", groups=np.repeat(["a", "b"], 300))


def test_scoring_on_the_cluster_equals_in_process(dask_client, sparse_bank, tmp_path):
    responses, models = sparse_bank
    params = calibrate(responses, models, se=False).params
    folder = write_parquet_folder(tmp_path / "answers", responses, 2, np.random.default_rng(3))
    held = DaskResponses.from_parquet(dask_client, str(folder), 3, dict(zip(params.item_ids, params.n_categories)))
    there = score_held(held, params.subset([params.index_of[i] for i in held.item_ids]), "eap")
    here = score(responses, params, "eap")
    order = np.argsort(there.student_ids)
    np.testing.assert_array_equal(there.student_ids[order], np.sort(here.student_ids))
    rows = np.argsort(here.student_ids)
    np.testing.assert_allclose(there.theta[order], here.theta[rows], atol=1e-10)
    np.testing.assert_allclose(there.se[order], here.se[rows], atol=1e-10)


@pytest.mark.parametrize(
    "columns, message",
    [
        ({"student": ["s1"], "item": ["i1"]}, "cannot read student, item and score"),
        ({"student": ["s1", ""], "item": ["i1", "i1"], "score": [0, 1]}, "column student has an empty id"),
        ({"student": ["s1", "s2"], "item": ["i1", "i1"], "score": [0, -1]}, "category numbers"),
        ({"student": ["s1", "s2"], "item": ["i1", "i1"], "score": [0.0, 0.5]}, "whole numbers"),
        ({"student": ["s1", "s1"], "item": ["i1", "i1"], "score": [0, 1]}, "student s1 answers item i1 twice"),
    ],
)
def test_bad_parquet_files_are_refused_naming_the_problem(dask_client, tmp_path, columns, message):
    folder = tmp_path / "answers"
    folder.mkdir()
    pq.write_table(pa.table(columns), folder / "bad.parquet")
    with pytest.raises(ParquetInputError, match=message):
        DaskResponses.from_parquet(dask_client, str(folder), 2)
    with pytest.raises(ParquetInputError, match=message):
        read_parquet(str(folder))


def test_a_folder_without_parquet_files_is_refused(dask_client, tmp_path):
    with pytest.raises(ParquetInputError, match="no .parquet files"):
        DaskResponses.from_parquet(dask_client, str(tmp_path), 2)
    with pytest.raises(ParquetInputError, match="not a folder"):
        read_parquet(str(tmp_path / "missing"))


def test_anchored_items_on_the_cluster_as_in_process(dask_client, sparse_bank):
    responses, models = sparse_bank
    first = calibrate(responses, models, se=False).params
    anchors = first.subset([0, 1, 12])  # two 2PL items and a graded one, held at these values
    local = calibrate(responses, models, anchors=anchors)
    held = calibrate(DaskResponses.scatter(dask_client, responses, 2), models, anchors=anchors)
    assert_same_calibration(held, local)
    np.testing.assert_allclose(held.params.a[[0, 1, 12]], anchors.a)
