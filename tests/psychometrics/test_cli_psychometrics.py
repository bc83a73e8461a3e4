"""CLI contract of fit, dif, items, link and report (in process, plus one real subprocess)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from engine.analysis.linking import transform_parameters
from itembank.io import read_parameters, write_parameters

runner = CliRunner()

LSAT7_PARAMS = """item_id,model,a,b,c,d
Item_1,2pl,0.988,-1.879,0,1
Item_2,2pl,1.081,-0.747,0,1
Item_3,2pl,1.706,-1.058,0,1
Item_4,2pl,0.765,-0.635,0,1
Item_5,2pl,0.736,-2.520,0,1
"""


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture()
def lsat7_params_csv(tmp_path):
    path = tmp_path / "lsat7_params.csv"
    path.write_text(LSAT7_PARAMS)
    return path


def test_fit_writes_sx2_and_json_m2(tmp_path, data_dir, lsat7_params_csv):
    out = tmp_path / "fit.csv"
    persons = tmp_path / "persons.csv"
    res = invoke(
        "fit", data_dir / "lsat7.csv", "--params", lsat7_params_csv, "--out", out, "--json", "--persons", persons
    )
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["m2"] == pytest.approx(11.938, abs=0.01)
    assert summary["df"] == 5 and summary["rmsea"] == pytest.approx(0.037, abs=0.0005)
    table = rows(out)
    assert list(table[0])[:6] == ["item_id", "model", "n", "sx2", "df", "p"]
    assert {"infit", "outfit"} <= set(table[0])
    np.testing.assert_allclose([float(r["sx2"]) for r in table], [4.749, 14.453, 1.270, 5.238, 0.941], atol=0.01)
    assert summary["sx2_flagged"] == ["Item_2"]
    assert len(rows(persons)) == 1000


def test_fit_on_incomplete_data_gives_infit_only(tmp_path, data_dir):
    params = tmp_path / "p.csv"
    assert invoke("calibrate", data_dir / "sat12_binary_missing.csv", "--out", params, "--no-se").exit_code == 0
    out = tmp_path / "fit.csv"
    res = invoke("fit", data_dir / "sat12_binary_missing.csv", "--params", params, "--out", out, "--json")
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["m2"] is None and summary["notes"]
    table = rows(out)
    assert table[0]["sx2"] == "" and float(table[0]["infit"]) > 0


def test_fit_bad_input_exits_2_with_one_line(tmp_path, data_dir, lsat7_params_csv):
    res = invoke("fit", data_dir / "sat12_binary.csv", "--params", lsat7_params_csv, "--out", tmp_path / "x.csv")
    assert res.exit_code == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "Item_" in res.stderr
    assert not (tmp_path / "x.csv").exists()
    res = invoke("fit", data_dir / "lsat7.csv", "--params", tmp_path / "nope.csv", "--out", tmp_path / "x.csv")
    assert res.exit_code == 2 and "no such file" in res.stderr


@pytest.fixture()
def dif_files(tmp_path):
    rng = np.random.default_rng(3)
    j, n = 12, 800
    a = rng.uniform(0.8, 2.0, j)
    b = rng.normal(size=j)
    theta = np.concatenate([rng.normal(0, 1, n), rng.normal(-0.5, 1, n)])
    bb = np.tile(b, (2 * n, 1))
    bb[n:, 3] += 1.0
    x = (rng.random((2 * n, j)) < 1 / (1 + np.exp(-a * (theta[:, None] - bb)))).astype(int)
    resp = tmp_path / "resp.csv"
    with open(resp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student_id"] + [f"Q{k + 1}" for k in range(j)])
        w.writerows([[f"S{i}"] + x[i].tolist() for i in range(2 * n)])
    groups = tmp_path / "groups.csv"
    with open(groups, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student_id", "group"])
        w.writerows([[f"S{i}", "boys" if i < n else "girls"] for i in range(2 * n)] + [["S_unknown", "girls"]])
    params = tmp_path / "params.csv"
    assert invoke("calibrate", resp, "--out", params, "--no-se").exit_code == 0
    return resp, groups, params


def test_dif_flags_the_planted_item(tmp_path, dif_files):
    resp, groups, params = dif_files
    out = tmp_path / "dif.csv"
    res = invoke("dif", resp, "--params", params, "--groups", groups, "--out", out, "--studied", "Q4,Q5", "--json")
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["reference"] == "boys" and summary["focal"] == "girls"
    assert summary["ets_c"] == ["Q4"]
    assert summary["lr"]["Q4"]["p"] < 1e-6 and summary["lr"]["Q5"]["p"] > 0.01
    table = {r["item_id"]: r for r in rows(out)}
    assert list(rows(out)[0])[:4] == ["item_id", "mh_odds_ratio", "mh_delta", "mh_delta_se"]
    assert table["Q4"]["ets_class"] == "C" and float(table["Q4"]["mh_delta"]) < -1.5
    assert table["Q1"]["lr_g2"] == ""


def test_dif_to_stdout_and_group_errors(dif_files):
    resp, groups, params = dif_files
    res = invoke("dif", resp, "--params", params, "--groups", groups)
    assert res.exit_code == 0
    assert res.stdout.splitlines()[0].startswith("item_id,mh_odds_ratio,mh_delta")
    res = invoke("dif", resp, "--params", params, "--groups", groups, "--reference", "boys", "--focal", "aliens")
    assert res.exit_code == 2 and "aliens" in res.stderr


def test_items_with_distractors_flags_item_32(tmp_path, data_dir):
    out = tmp_path / "items.csv"
    dis = tmp_path / "options.csv"
    res = invoke(
        "items",
        data_dir / "sat12_binary.csv",
        "--choices",
        data_dir / "sat12_choices.csv",
        "--key",
        data_dir / "sat12_key.csv",
        "--out",
        out,
        "--distractors",
        dis,
        "--json",
    )
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["miskey"] == ["Item_32"]
    assert 0.7 < summary["alpha"] < 0.9
    table = {r["item_id"]: r for r in rows(out)}
    assert table["Item_32"]["miskey"] == "1" and table["Item_32"]["suspect_option"] == "3"
    assert table["Item_1"]["miskey"] == "0"
    options = [r for r in rows(dis) if r["item_id"] == "Item_32"]
    assert len(options) == 5 and sum(r["is_key"] == "1" for r in options) == 1


def test_items_option_errors(data_dir):
    res = invoke("items", data_dir / "sat12_binary.csv", "--choices", data_dir / "sat12_choices.csv")
    assert res.exit_code == 2 and "--key" in res.stderr


def test_link_writes_the_transformed_table(tmp_path, lsat7_params_csv):
    bank = read_parameters(lsat7_params_csv)
    new_scale = transform_parameters(bank, 1 / 1.25, -0.3 / 1.25)  # theta_bank = 1.25 theta_new + 0.3
    src = tmp_path / "new.csv"
    write_parameters(src, new_scale)
    out = tmp_path / "linked.csv"
    res = invoke("link", "--from", src, "--to", lsat7_params_csv, "--out", out, "--json")
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    for method in ("mean-sigma", "mean-mean", "haebara", "stocking-lord"):
        assert summary["constants"][method]["A"] == pytest.approx(1.25, abs=1e-4)
        assert summary["constants"][method]["B"] == pytest.approx(0.3, abs=1e-4)
    linked = read_parameters(out)
    np.testing.assert_allclose(linked.b, bank.b, atol=1e-4)
    res = invoke("link", "--from", src, "--to", lsat7_params_csv, "--out", out, "--method", "magic")
    assert res.exit_code == 2


def test_report_is_self_contained_html(tmp_path, data_dir, lsat7_params_csv):
    groups = tmp_path / "g.csv"
    with open(groups, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student_id", "group"])
        w.writerows([[f"L{i:05d}", "A" if i % 2 else "B"] for i in range(1, 1001)])
    out = tmp_path / "report.html"
    res = invoke("report", data_dir / "lsat7.csv", "--params", lsat7_params_csv, "--out", out, "--groups", groups)
    assert res.exit_code == 0, res.stderr
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert text.count("<svg") == 7  # information, students, one curve per item
    assert "<script" not in text and "<link" not in text and "src=" not in text
    assert "11.94" in text  # M2
    assert "Differential item functioning" in text


def test_fit_runs_as_a_real_command(tmp_path, data_dir, lsat7_params_csv):
    out = tmp_path / "fit.csv"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "fit",
            str(data_dir / "lsat7.csv"),
            "--params",
            str(lsat7_params_csv),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(rows(out)) == 5


def test_report_library_call_with_distractors_and_plot_cap(data_dir, sat12_choices):
    from itembank.io import read_responses
    from reporting.psychometric_report import analyze, render_html

    items, table, key = sat12_choices
    resp = read_responses(data_dir / "sat12_binary.csv")
    from engine.irt.calibration import calibrate

    params = calibrate(resp, "2pl", se=True).params
    data = analyze(resp, params, choices=(np.array(items), table, key), title="SAT12")
    text = render_html(data, generated="test", max_item_plots=3)
    # information, students, 3 items x (curve + distractor plot); Item_32 has the most flags, so drawn
    assert text.count("<svg") == 2 + 2 * 3
    assert "Curves drawn for 3 of 32 items" in text
    assert f"Item_32 ({params.model[31]})" in text and "POSSIBLE MISKEY" in text
    assert "se a" in text  # parameter table with standard errors


def test_information_curve_of_a_form(tmp_path, lsat7_params_csv):
    from engine.analysis.reliability import marginal_reliability

    out = tmp_path / "info.csv"
    res = invoke("information", lsat7_params_csv, "--items", "Item_1,Item_3", "--out", out, "--json", "--points", "9")
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    bank = read_parameters(lsat7_params_csv)
    assert summary["n_items"] == 2
    assert summary["marginal_reliability"] == pytest.approx(marginal_reliability(bank, ["Item_1", "Item_3"]))
    table = rows(out)
    assert len(table) == 9 and float(table[4]["theta"]) == 0.0
    info0 = bank.information(np.array([0.0]))[0, [0, 2]].sum()
    assert float(table[4]["information"]) == pytest.approx(info0, rel=1e-5)
    assert float(table[4]["csem"]) == pytest.approx(1 / np.sqrt(info0), rel=1e-5)
    res = invoke("information", lsat7_params_csv, "--items", "Item_9")
    assert res.exit_code == 2 and "Item_9" in res.stderr


def test_fit_estimates_the_latent_sd_of_a_rasch_bank(tmp_path, data_dir):
    from engine.analysis.fit import sx2
    from engine.irt.calibration import calibrate
    from itembank.io import read_responses

    params = tmp_path / "rasch.csv"
    assert invoke("calibrate", data_dir / "lsat7.csv", "--model", "rasch", "--out", params, "--no-se").exit_code == 0
    res = invoke("fit", data_dir / "lsat7.csv", "--params", params, "--out", tmp_path / "f.csv", "--json")
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    resp = read_responses(data_dir / "lsat7.csv")
    fit = calibrate(resp, "rasch", se=False)
    assert summary["latent"] == "estimated (Rasch)"
    assert summary["latent_sd"] == pytest.approx(fit.latent_sd, abs=1e-3)
    expected = sx2(resp, fit.params, latent_sd=fit.latent_sd)
    np.testing.assert_allclose([float(r["sx2"]) for r in rows(tmp_path / "f.csv")], expected.sx2, rtol=1e-3)
    assert summary["df"] == 15 - 6  # 5 b + latent variance
    res = invoke("fit", data_dir / "lsat7.csv", "--params", params, "--out", tmp_path / "f.csv", "--latent-sd", "0")
    assert res.exit_code == 2 and "latent-sd" in res.stderr


def test_report_draws_group_curves_for_dif_items(tmp_path, dif_files):
    resp, groups, params = dif_files
    out = tmp_path / "dif.html"
    res = invoke("report", resp, "--params", params, "--groups", groups, "--out", out, "--max-plots", "1")
    assert res.exit_code == 0, res.stderr
    text = out.read_text()
    # information, students, then Q4 (the flagged item): its curve and its by-group curve
    assert text.count("<svg") == 4 and "Q4: by group" in text
    assert "girls (focal) vs boys (reference)" in text


def test_dif_lr_for_every_item(tmp_path, dif_files):
    resp, groups, params = dif_files
    out = tmp_path / "dif.csv"
    res = invoke("dif", resp, "--params", params, "--groups", groups, "--out", out, "--studied", "all", "--json")
    assert res.exit_code == 0, res.stderr
    lr = json.loads(res.stdout)["lr"]
    assert len(lr) == 12 and lr["Q4"]["p"] < 1e-6
    assert all(r["lr_g2"] != "" for r in rows(out))
    # Q4 (1 logit of DIF) sits among the others' anchors and drags the focal scale:
    # some clean items look significant until it leaves the anchors
    contaminated = sum(v["p"] < 0.01 for k, v in lr.items() if k != "Q4")
    res = invoke(
        "dif", resp, "--params", params, "--groups", groups, "--out", out, "--studied", "all", "--purify", "--json"
    )
    pure = json.loads(res.stdout)["lr"]
    assert pure["Q4"]["p"] < 1e-6
    cleaned = sum(v["p"] < 0.01 for k, v in pure.items() if k != "Q4")
    assert cleaned <= 1 and cleaned < max(contaminated, 1) + 1
    assert pure["Q2"]["g2"] < lr["Q2"]["g2"]


def test_fit_residual_scores_option(tmp_path, data_dir, lsat7_params_csv):
    from engine.analysis.fit import infit_outfit
    from engine.irt.scoring import score
    from itembank.io import read_responses

    out = tmp_path / "fit.csv"
    res = invoke("fit", data_dir / "lsat7.csv", "--params", lsat7_params_csv, "--out", out, "--residual-scores", "eap")
    assert res.exit_code == 0, res.stderr
    resp = read_responses(data_dir / "lsat7.csv")
    bank = read_parameters(lsat7_params_csv)
    expected = infit_outfit(resp, bank, score(resp, bank, "eap").theta)
    np.testing.assert_allclose([float(r["zh"]) for r in rows(out)], expected.zh, rtol=1e-5)
    res = invoke("fit", data_dir / "lsat7.csv", "--params", lsat7_params_csv, "--out", out, "--residual-scores", "map")
    assert res.exit_code == 2 and "residual-scores" in res.stderr
