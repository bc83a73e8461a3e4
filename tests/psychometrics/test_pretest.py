"""Pretest seeding: plans are valid and balanced, and the data they collect calibrates new items onto the scale."""

from __future__ import annotations

import numpy as np
import pytest

from engine.adaptive.pretest import choose_pretest_items, plan_pretest, seed_positions
from engine.analysis.fit import response_probabilities
from engine.analysis.linking import calibrate_new_items
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from engine.irt.simulation import simulate_bank


def test_positions_are_distinct_increasing_and_never_first():
    rng = np.random.default_rng(0)
    for _ in range(200):
        pos = seed_positions(12, 3, rng)
        assert len(set(pos.tolist())) == 3 and np.all(np.diff(pos) > 0)
        assert pos.min() >= 1 and pos.max() <= 11
    with pytest.raises(ValueError, match="do not fit"):
        seed_positions(3, 3, rng)


def test_least_answered_first_and_exclusions():
    rng = np.random.default_rng(1)
    ids = ["p1", "p2", "p3", "p4"]
    assert choose_pretest_items(ids, [5, 0, 3, 0], 2, rng).tolist() in (["p2", "p4"], ["p4", "p2"])
    assert choose_pretest_items(ids, [5, 0, 3, 0], 2, rng, exclude={"p2"}).tolist() == ["p4", "p3"]
    assert choose_pretest_items(ids, [0, 0, 0, 0], 9, rng, exclude={"p1", "p2", "p3", "p4"}).size == 0
    with pytest.raises(ValueError, match="one count per pretest item"):
        choose_pretest_items(ids, [1, 2], 1, rng)


def test_plan_serves_its_items_at_its_positions():
    rng = np.random.default_rng(2)
    plan = plan_pretest(["a", "b", "c"], [1, 1, 1], 10, 2, rng)
    served = [plan.item_at(k) for k in range(10)]
    assert sorted(x for x in served if x) == sorted(plan.item_ids.tolist())
    assert served[0] is None


def test_seeded_pretest_data_calibrates_new_items_onto_the_bank_scale():
    rng = np.random.default_rng(3)
    bank = simulate_bank(60, "2pl", rng)
    new = simulate_bank(10, "2pl", rng, prefix="P")
    n, per_check, n_pre = 2500, 20, 2
    theta = rng.normal(0.3, 1.1, n)  # this cohort is not the calibration population
    answered = np.zeros(10)
    student, item = [], []
    for i in range(n):  # one check per student, planned as the service would
        plan = plan_pretest(new.item_ids, answered, per_check + n_pre, n_pre, rng)
        answered[[int(p[1:]) - 1 for p in plan.item_ids]] += 1
        ops = rng.choice(60, per_check, replace=False)
        student += [i] * (per_check + n_pre)
        item += ops.tolist() + [60 + int(p[1:]) - 1 for p in plan.item_ids]
    assert answered.max() - answered.min() <= 1  # balanced samples
    student, item = np.array(student), np.array(item)
    everything = ItemParameters.from_arrays(
        np.concatenate([bank.item_ids, new.item_ids]),
        "2pl",
        a=np.concatenate([bank.a, new.a]),
        b=np.concatenate([bank.b, new.b]),
    )
    prob = response_probabilities(everything, item, theta[student])[:, 1]
    score = (rng.random(len(item)) < prob).astype(int)
    resp = ResponseMatrix.from_long(
        student, item, score, n_students=n, n_items=70, item_ids=everything.item_ids, n_categories=2
    )
    fit = calibrate_new_items(resp, bank, "2pl", se=False)
    est = fit.params.subset(np.arange(60, 70))
    assert abs(np.mean(est.b - new.b)) < 0.1
    assert np.sqrt(np.mean((est.b - new.b) ** 2)) < 0.2
    assert np.sqrt(np.mean((est.a - new.a) ** 2)) < 0.25
    assert fit.latent_mean == pytest.approx(0.3, abs=0.1)
    assert fit.latent_sd == pytest.approx(1.1, abs=0.1)
