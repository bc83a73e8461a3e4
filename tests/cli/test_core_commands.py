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


@pytest.fixture
def two_groups(tmp_path):
    """Responses of two groups, the second abler (mean 0.6, sd 1.2), and its groups file."""
    from engine.irt.responses import ResponseMatrix
    from engine.irt.simulation import simulate_bank, simulate_responses
    from itembank.io import write_responses

    rng = np.random.default_rng(61)
    bank = simulate_bank(12, "2pl", rng)
    table = np.vstack(
        [simulate_responses(bank, rng.normal(mean, sd, 1500), rng).to_table() for mean, sd in ((0, 1), (0.6, 1.2))]
    )
    students = [f"S{i}" for i in range(3000)]
    responses = tmp_path / "r.csv"
    write_responses(responses, ResponseMatrix.from_table(table, students, bank.item_ids, sparse=False))
    groups = tmp_path / "g.csv"
    groups.write_text(
        "student_id,group\n" + "".join(f"{s},{'A' if i < 1500 else 'B'}\n" for i, s in enumerate(students))
    )
    return responses, groups


def test_calibrate_with_groups_estimates_each_group_latent_distribution(tmp_path, two_groups):
    responses, groups = two_groups
    out = tmp_path / "p.csv"
    result = run("calibrate", responses, "--groups", groups, "--reference", "A", "--out", out, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    ref, foc = summary["groups"]
    assert (ref["group"], ref["mean"], ref["sd"], ref["se_mean"]) == ("A", 0.0, 1.0, None)
    assert foc["group"] == "B" and foc["n_students"] == 1500 and foc["se_sd"] > 0
    assert foc["mean"] == pytest.approx(0.6, abs=0.12) and foc["sd"] == pytest.approx(1.2, abs=0.12)
    assert summary["n_free"] == 2 * 12 + 2 and read_parameters(out).n_items == 12
    text = run("calibrate", responses, "--groups", groups, "--out", out)
    assert text.returncode == 0 and "group B (1500 students): latent mean" in text.stdout


@pytest.mark.parametrize(
    "content,message",
    [
        ("student_id,cohort\nS0,A\n", "line 1: the header should be 'student_id,group'"),
        ("student_id,group\nS0,A\nS0,B\n", "line 3: student 'S0' appears again"),
        ("student_id,group\nS0,A\n", "no group for student 'S1' of the responses"),
    ],
)
def test_calibrate_refuses_a_bad_groups_file(tmp_path, two_groups, content, message):
    responses, _ = two_groups
    groups, out = tmp_path / "bad.csv", tmp_path / "p.csv"
    groups.write_text(content)
    result = run("calibrate", responses, "--groups", groups, "--out", out)
    assert result.returncode == 2 and not out.exists()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(groups) in lines[0] and message in lines[0]


def test_calibrate_reference_needs_groups_and_a_known_group(tmp_path, two_groups):
    responses, groups = two_groups
    out = tmp_path / "p.csv"
    assert "--reference needs --groups" in run("calibrate", responses, "--reference", "A", "--out", out).stderr
    result = run("calibrate", responses, "--groups", groups, "--reference", "Z", "--out", out)
    assert result.returncode == 2 and "no student is in the reference group 'Z'" in result.stderr
    assert not out.exists()
