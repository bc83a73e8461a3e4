"""``masterycat calibrate`` and ``score`` with ``--dask``: a local cluster, a running scheduler, Parquet folders."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from typer.testing import CliRunner

import cluster.connection
from cli.main import app
from engine.irt.simulation import simulate_bank, simulate_responses
from itembank.io import read_parameters, write_responses
from tests.cluster.test_dask_calibration import write_parquet_folder


def run(*args):
    """Run a command in-process (exit code, stdout, stderr kept apart)."""
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    """400 students x 10 2PL items (8 answers each) as a long CSV and as a folder of 3 Parquet files."""
    rng = np.random.default_rng(21)
    responses = simulate_responses(simulate_bank(10, "2pl", rng), rng.normal(size=400), rng, items_per_student=8)
    folder = tmp_path_factory.mktemp("answers")
    write_responses(folder / "answers.csv", responses, layout="long")
    write_parquet_folder(folder / "parquet", responses, 3, rng)
    return folder / "answers.csv", folder / "parquet"


def scheduler(client) -> str:
    return client.scheduler.address


def read_scores(path):
    with open(path, newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["student_id"])
    return [r["student_id"] for r in rows], np.array([[float(r["theta"]), float(r["se"])] for r in rows])


def assert_same_parameters(path, reference):
    got, want = read_parameters(path), read_parameters(reference)
    rows = [got.index_of[i] for i in want.item_ids]
    np.testing.assert_allclose(got.a[rows], want.a, atol=1e-6)
    np.testing.assert_allclose(got.b[rows], want.b, atol=1e-6)
    np.testing.assert_allclose(got.se["b"][rows], want.se["b"], atol=1e-6)


@pytest.fixture(scope="module")
def in_process(answers, tmp_path_factory):
    """The CSV calibrated and scored without --dask."""
    out = tmp_path_factory.mktemp("here")
    assert run("calibrate", answers[0], "--out", out / "params.csv").exit_code == 0
    assert run("score", answers[0], "--params", out / "params.csv", "--out", out / "scores.csv").exit_code == 0
    return out / "params.csv", out / "scores.csv"


def test_calibrate_a_csv_on_a_local_cluster_of_two_workers(answers, in_process, tmp_path):
    result = run("calibrate", answers[0], "--out", tmp_path / "params.csv", "--dask", "local:2")
    assert result.exit_code == 0, result.stderr
    assert "calibrated 10 items on 400 students" in result.stdout
    assert_same_parameters(tmp_path / "params.csv", in_process[0])


def test_calibrate_and_score_a_parquet_folder_on_a_running_scheduler(dask_client, answers, in_process, tmp_path):
    address = scheduler(dask_client)
    result = run("calibrate", answers[1], "--out", tmp_path / "params.csv", "--dask", address)
    assert result.exit_code == 0, result.stderr
    assert_same_parameters(tmp_path / "params.csv", in_process[0])
    result = run("score", answers[1], "--params", in_process[0], "--out", tmp_path / "scores.csv", "--dask", address)
    assert result.exit_code == 0, result.stderr
    ids, values = read_scores(tmp_path / "scores.csv")
    want_ids, want = read_scores(in_process[1])
    assert ids == want_ids
    np.testing.assert_allclose(values, want, atol=1e-6)


def test_a_parquet_folder_without_dask_is_read_here(answers, in_process, tmp_path):
    result = run("calibrate", answers[1], "--out", tmp_path / "params.csv")
    assert result.exit_code == 0, result.stderr
    assert_same_parameters(tmp_path / "params.csv", in_process[0])


@pytest.mark.parametrize(
    "value, message",
    [
        ("local:0", "needs 1 to 64 workers"),
        ("local", "should be local:N"),
        ("http://example.org:8786", "should be local:N"),
        ("tcp://127.0.0.1:1", "cannot reach the Dask scheduler at tcp://127.0.0.1:1"),
    ],
)
def test_a_bad_dask_value_or_no_scheduler_is_one_line_exit_2(answers, tmp_path, monkeypatch, value, message):
    monkeypatch.setattr(cluster.connection, "CONNECT_TIMEOUT", 1.0)
    for command in (
        ["calibrate", answers[0], "--out", tmp_path / "p.csv"],
        ["score", answers[0], "--params", tmp_path / "p.csv", "--out", tmp_path / "s.csv"],
    ):
        if command[0] == "score":
            (tmp_path / "p.csv").write_text("item_id,model,a,b\n" + "".join(f"I{i},2pl,1,0\n" for i in range(1, 11)))
        result = run(*command, "--dask", value)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and message in result.stderr
    assert not (tmp_path / "s.csv").exists()


def test_groups_cannot_run_on_dask(answers, tmp_path):
    groups = tmp_path / "groups.csv"
    groups.write_text("student_id,group\n")
    result = run("calibrate", answers[0], "--out", tmp_path / "p.csv", "--groups", groups, "--dask", "local:1")
    assert result.exit_code == 2 and "cannot be combined with --method vi or --groups" in result.stderr


def test_a_bad_parquet_file_is_one_line_exit_2(dask_client, tmp_path):
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "broken.parquet").write_bytes(b"not parquet")
    result = run("calibrate", folder, "--out", tmp_path / "p.csv", "--dask", scheduler(dask_client))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "broken.parquet: cannot read student, item and score" in result.stderr
    assert not (tmp_path / "p.csv").exists()


def test_a_bad_csv_is_refused_before_any_cluster_starts(tmp_path, monkeypatch):
    def no_cluster(spec):
        raise AssertionError("a cluster was started for a bad file")

    monkeypatch.setattr("cli.dask_option.dask_client", no_cluster)
    bad = tmp_path / "r.csv"
    bad.write_text("student_id,I1\nS1,7x\n")
    result = run("calibrate", bad, "--out", tmp_path / "p.csv", "--dask", "local:2")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "r.csv" in result.stderr
