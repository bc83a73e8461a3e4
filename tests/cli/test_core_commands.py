"""The CLI contract of docs/architecture.md (Command line) for calibrate, score and simulate."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from itembank.io import read_parameters

EXE = [sys.executable, "-m", "cli"]


def run(*args):
    """Run a command in-process (exit code, stdout, stderr kept apart)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    result.returncode = result.exit_code
    return result


def test_entry_point_runs_as_a_program(tmp_path, data_dir):
    out = tmp_path / "p.csv"
    done = subprocess.run(
        EXE + ["calibrate", str(data_dir / "lsat7.csv"), "--out", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0 and "loglik -2658.805" in done.stdout
    bad = subprocess.run(
        EXE + ["calibrate", str(tmp_path / "missing.csv"), "--out", str(out)], capture_output=True, text=True
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_calibrate_lsat7_json(tmp_path, data_dir):
    out = tmp_path / "params.csv"
    result = run("calibrate", data_dir / "lsat7.csv", "--model", "2pl", "--out", out, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["loglik"] == pytest.approx(-2658.805, abs=0.01)
    assert summary["converged"] is True and summary["iterations"] > 0 and summary["seconds"] > 0
    params = read_parameters(out)
    np.testing.assert_allclose(params.a, [0.988, 1.081, 1.706, 0.765, 0.736], atol=0.01)
    assert "a" in params.se


def test_calibrate_mixed_models_and_score(tmp_path, data_dir):
    models = tmp_path / "models.csv"
    models.write_text("item_id,model\nItem_1,rasch\nItem_2,rasch\n")
    params = tmp_path / "p.csv"
    assert run("calibrate", data_dir / "lsat7.csv", "--models", models, "--out", params).returncode == 0
    table = read_parameters(params)
    assert list(table.model[:3]) == ["rasch", "rasch", "2pl"]
    scores = tmp_path / "s.csv"
    result = run("score", data_dir / "lsat7.csv", "--params", params, "--method", "wle", "--out", scores, "--json")
    assert result.returncode == 0, result.stderr
    lines = scores.read_text().splitlines()
    assert lines[0] == "student_id,theta,se" and len(lines) == 1001


def test_simulate_then_calibrate_long_sparse(tmp_path):
    r, p = tmp_path / "r.csv", tmp_path / "p.csv"
    result = run(
        "simulate",
        "--out-responses",
        r,
        "--out-params",
        p,
        "--items",
        30,
        "--students",
        1500,
        "--items-per-student",
        15,
        "--seed",
        4,
        "--model",
        "gpcm",
        "--categories",
        3,
    )
    assert result.returncode == 0, result.stderr
    assert r.read_text().splitlines()[0] == "student_id,item_id,score"
    again = tmp_path / "r2.csv"
    run(
        "simulate",
        "--out-responses",
        again,
        "--out-params",
        tmp_path / "p2.csv",
        "--items",
        30,
        "--students",
        1500,
        "--items-per-student",
        15,
        "--seed",
        4,
        "--model",
        "gpcm",
        "--categories",
        3,
    )
    assert again.read_text() == r.read_text()
    out = tmp_path / "fit.csv"
    assert run("calibrate", r, "--model", "gpcm", "--out", out).returncode == 0
    truth, fit = read_parameters(p), read_parameters(out)
    order = [fit.index_of[i] for i in truth.item_ids]
    assert np.sqrt(np.mean((truth.a - fit.a[order]) ** 2)) < 0.2


BAD_FILES = {
    "empty.csv": "",
    "header_only.csv": "student_id,i1,i2\n",
    "dup_header.csv": "student_id,i1,i1\ns1,0,1\n",
    "not_numeric.csv": "student_id,i1,i2\ns1,0,x\n",
    "negative.csv": "student_id,i1,i2\ns1,0,-1\n",
    "fraction.csv": "student_id,i1,i2\ns1,0,0.5\n",
    "ragged.csv": "student_id,i1,i2\ns1,0\n",
    "dup_student.csv": "student_id,i1,i2\ns1,0,1\ns1,1,0\n",
    "wrong_first.csv": "learner,i1\ns1,0\n",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_responses_exit_2_with_one_line_and_write_nothing(tmp_path, name):
    path = tmp_path / name
    path.write_text(BAD_FILES[name])
    out = tmp_path / "out.csv"
    result = run("calibrate", path, "--out", out)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("masterycat: error:")
    assert not out.exists()


def test_bad_options_and_missing_file(tmp_path, data_dir):
    out = tmp_path / "o.csv"
    for args in (
        ("calibrate", data_dir / "lsat7.csv", "--model", "9pl", "--out", out),
        ("calibrate", tmp_path / "nope.csv", "--out", out),
        ("score", data_dir / "lsat7.csv", "--params", data_dir / "lsat7.csv", "--out", out),
        ("score", data_dir / "lsat7.csv", "--params", tmp_path / "nope.csv", "--method", "bogus", "--out", out),
    ):
        result = run(*args)
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_score_refuses_unknown_item(tmp_path, data_dir):
    params = tmp_path / "p.csv"
    params.write_text("item_id,model,a,b,c,d\nItem_1,2pl,1,0,,\n")
    result = run("score", data_dir / "lsat7.csv", "--params", params, "--out", tmp_path / "s.csv")
    assert result.returncode == 2 and "unknown item 'Item_2'" in result.stderr


def test_file_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"student_id,i1,i2\ns1,0,1\ns\xe9bastien,1,0\n")
    result = run("calibrate", path, "--out", tmp_path / "out.csv")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"masterycat: error: {path}: line 3: not UTF-8 text (byte 2 of the line); save the file as UTF-8"
    )
