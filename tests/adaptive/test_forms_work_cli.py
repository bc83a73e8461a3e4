"""Morning work, fixed-form assembly (milp) and the simulate-cat command."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from benchmarks.scenarios import simulate_school
from engine.forms.assembly import assemble_forms
from engine.irt.parameters import ItemParameters
from engine.mastery.morning_work import morning_work


@pytest.fixture(scope="module")
def school():
    """The benchmark's school, small: 60 students in 3 classes, 4 standards x 3 objectives x 15 items."""
    sc = simulate_school(
        np.random.default_rng(0),
        n_standards=4,
        objectives_per_standard=3,
        items_per_objective=15,
        n_students=60,
        n_classes=3,
        recent_per_student=6,
    )
    return (
        sc.bank,
        sc.item_standard,
        sc.item_objective,
        sc.group_standard,
        sc.member_group,
        sc.member_student,
        sc.member_theta,
        sc.member_band,
        sc.recent_student,
        sc.recent_item,
    )


def test_morning_work_tiers(school):
    bank, item_std, obj, group_standard, mg, ms, th, band, rs, ri = school
    rate = np.zeros(bank.n_items)
    rate[:5] = 0.9
    mw = morning_work(
        bank,
        item_std,
        group_standard,
        mg,
        ms,
        th,
        band,
        recent_student=rs,
        recent_item=ri,
        exposure_rate=rate,
        max_exposure=0.5,
        per_student=True,
    )
    assert np.all(mw.tier_items >= 0)
    # tiers partition the memberships by (group, band)
    np.testing.assert_array_equal(mw.tier_group[mw.member_tier], mg)
    np.testing.assert_array_equal(mw.tier_band[mw.member_tier], band)
    for t in range(mw.tier_items.shape[0]):
        items = mw.tier_items[t]
        assert np.all(item_std[items] == group_standard[mw.tier_group[t]])  # the tier's standard
        assert len(set(items.tolist())) == items.size
        assert np.ptp(np.bincount(obj[items] % 3, minlength=3)) <= 1  # spread over the objectives
        members = ms[mw.member_tier == t]
        seen = set(ri[np.isin(rs, members)].tolist())
        assert not seen & set(items.tolist())  # nobody in the tier saw them recently
        assert not set(items.tolist()) & set(range(5))  # over-exposed items avoided
    for m in range(ms.size):
        own = mw.student_items[m]
        assert not set(own.tolist()) & set(ri[rs == ms[m]].tolist())
    # aimed at the target: tier items are easier for high tiers' abilities than a random draw
    p = bank.params.pair_probabilities(np.repeat(mw.tier_theta, 5), mw.tier_items.ravel())[:, 1]
    assert abs(p.mean() - 0.75) < 0.08


def test_morning_work_errors(school):
    bank, item_std, obj, group_standard, mg, ms, th, band, rs, ri = school
    with pytest.raises(ValueError, match="member_band"):
        morning_work(bank, item_std, group_standard, mg, ms, th, band + 5)
    with pytest.raises(ValueError, match="p_target"):
        morning_work(bank, item_std, group_standard, mg, ms, th, band, p_target=1.0)
    with pytest.raises(ValueError, match="exposure_rate"):
        morning_work(bank, item_std, group_standard, mg, ms, th, band, max_exposure=0.3)


@pytest.fixture(scope="module")
def pool():
    rng = np.random.default_rng(1)
    j = 12
    return ItemParameters.from_arrays(
        [f"i{k}" for k in range(j)], "2pl", a=rng.lognormal(0.1, 0.3, j), b=rng.normal(0, 1, j)
    ), rng.integers(0, 3, j)


def test_assembly_is_optimal_against_brute_force(pool):
    params, obj = pool
    limits = {0: (1, 2), 1: (1, 2), 2: (1, 2)}
    res = assemble_forms(
        params, length=4, theta=[0.3], objectives=obj, objective_limits=limits, enemies=[[0, 1]], time_limit=20
    )
    info = params.information(np.array([0.3]))[0]
    best = -np.inf
    for combo in itertools.combinations(range(12), 4):
        counts = np.bincount(obj[list(combo)], minlength=3)
        if np.all((counts >= 1) & (counts <= 2)) and not {0, 1} <= set(combo):
            best = max(best, info[list(combo)].sum())
    assert res.optimal
    assert res.information[0, 0] == pytest.approx(best, rel=1e-6)
    assert np.all((res.objective_counts >= 1) & (res.objective_counts <= 2))


@pytest.mark.parametrize("overlap", [0, 1])
def test_parallel_forms_overlap_and_balance(pool, overlap):
    params, obj = pool
    res = assemble_forms(params, length=3, theta=[-0.5, 0.5], n_forms=3, max_overlap=overlap, time_limit=20)
    off = res.overlap[~np.eye(3, dtype=bool)]
    assert np.all(off <= overlap) and np.all(np.diag(res.overlap) == 3)
    assert res.forms.shape == (3, 3)
    if overlap == 0:
        assert len(set(res.forms.ravel().tolist())) == 9


def test_assembly_target_and_errors(pool):
    params, obj = pool
    res = assemble_forms(params, length=4, theta=[0.0], objective="target", target=[1.0], time_limit=20)
    info = params.information(np.array([0.0]))[0]
    best = min(abs(info[list(c)].sum() - 1.0) for c in itertools.combinations(range(12), 4))
    assert abs(res.information[0, 0] - 1.0) == pytest.approx(best, abs=1e-6)
    with pytest.raises(ValueError, match="no forms"):
        assemble_forms(params, length=4, theta=[0.0], objectives=obj, objective_limits={0: (5, 5)}, time_limit=5)
    with pytest.raises(ValueError, match="target"):
        assemble_forms(params, length=4, theta=[0.0], objective="target")


BANK = """item_id,model,a,b,c,d,b1,b2
i1,2pl,1.2,-1,0,1,,
i2,2pl,0.8,0,0,1,,
i3,3pl,1.5,0.5,0.2,1,,
i4,grm,1.1,,,,-1,0.5
i5,2pl,1.3,1.0,0,1,,
i6,2pl,1.0,-0.3,0,1,,
"""


def test_simulate_cat_cli(tmp_path):
    from cli.main import app

    path = tmp_path / "bank.csv"
    path.write_text(BANK)
    runner = CliRunner()
    res = runner.invoke(
        app, ["simulate-cat", "--bank", str(path), "--students", "300", "--seed", "3", "--max-items", "4", "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    for key in ("bias", "rmse", "mean_length", "classification_accuracy", "max_exposure", "seconds"):
        assert isinstance(out[key], float)
    assert out["mean_length"] == 4.0 and out["students"] == 300
    again = json.loads(
        runner.invoke(
            app, ["simulate-cat", "--bank", str(path), "--students", "300", "--seed", "3", "--max-items", "4", "--json"]
        ).stdout
    )
    assert again["rmse"] == out["rmse"]  # seeded
    res = runner.invoke(
        app,
        [
            "simulate-cat",
            "--bank",
            str(path),
            "--exposure",
            "sympson-hetter",
            "--max-exposure",
            "0.8",
            "--students",
            "200",
            "--max-items",
            "3",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["max_exposure"] <= 0.9


@pytest.mark.parametrize(
    "args,message",
    [
        (["--rule", "best"], "--rule"),
        (["--students", "0"], "--students"),
        (["--exposure", "sympson-hetter", "--max-exposure", "2"], "max-exposure"),
        (["--max-items", "0"], "max_items"),
    ],
)
def test_simulate_cat_cli_bad_input(tmp_path, args, message):
    from cli.main import app

    path = tmp_path / "bank.csv"
    path.write_text(BANK)
    res = CliRunner().invoke(app, ["simulate-cat", "--bank", str(path), *args])
    assert res.exit_code == 2
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_simulate_cat_cli_bad_file(tmp_path):
    from cli.main import app

    path = tmp_path / "bank.csv"
    path.write_text("item_id,model,a,b\ni1,2pl,abc,0\n")
    res = CliRunner().invoke(app, ["simulate-cat", "--bank", str(path)])
    assert res.exit_code == 2 and "error" in res.stderr


def test_morning_work_tiers_as_records(school):
    bank, item_std, obj, group_standard, mg, ms, th, band, rs, ri = school
    mw = morning_work(bank, item_std, group_standard, mg, ms, th, band, items_per_tier=3)
    recs = mw.tiers(bank.item_ids, [f"s{x}" for x in ms])
    assert len(recs) == mw.tier_group.size
    assert sum(len(r["students"]) for r in recs) == ms.size
    first = recs[0]
    members = ms[mw.member_tier == 0]
    assert first["students"] == [f"s{x}" for x in members]
    assert first["band"] == ("red", "yellow", "green")[mw.tier_band[0]] and len(first["items"]) == 3


def test_parallel_penalty_keeps_the_minimum_and_narrows_the_spread(pool):
    params, obj = pool
    kw = dict(length=3, theta=[-0.5, 0.5], n_forms=3, time_limit=20)
    plain = assemble_forms(params, parallel=False, **kw)
    par = assemble_forms(params, parallel=True, **kw)
    assert plain.optimal and par.optimal
    assert par.information.min() == pytest.approx(plain.information.min(), rel=1e-3)
    spread = lambda r: np.ptp(r.information, axis=0).max()  # noqa: E731
    assert spread(par) <= spread(plain) + 1e-9
    with pytest.raises(ValueError, match="parallel_weight"):
        assemble_forms(params, parallel_weight=2.0, **kw)
