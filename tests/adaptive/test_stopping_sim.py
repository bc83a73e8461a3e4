"""Stopping rules and the simulator, checked by seeded simulation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from engine.adaptive.policy import CatPolicy
from engine.adaptive.selection import SelectionRule
from engine.adaptive.simulation import simulate_cat
from engine.adaptive.stopping import StoppingRule, classify, evaluate, sprt_bounds, sprt_table

from .conftest import make_2pl


@pytest.fixture(scope="module")
def bank():
    return make_2pl(300, seed=21)


def test_sprt_bounds_and_table(bank, mixed_bank):
    lo, hi = sprt_bounds(0.05, 0.05)
    assert lo == pytest.approx(np.log(0.05 / 0.95)) and hi == pytest.approx(np.log(0.95 / 0.05))
    table = sprt_table(mixed_bank, 0.4, 0.3)
    p = mixed_bank.params.category_probabilities(np.array([0.1, 0.7]))
    k = mixed_bank.n_categories
    for j in range(6):
        np.testing.assert_allclose(table[j, : k[j]], np.log(p[1, j, : k[j]]) - np.log(p[0, j, : k[j]]))
    assert np.all(table[-1] == 0)


def test_evaluate_precedence():
    rule = StoppingRule(min_items=3, max_items=10, se_target=0.3, classify="ci", cut=0.0)
    done, why = evaluate(
        rule,
        np.array([2, 3, 3, 10, 5]),
        np.array([2.0, 0.1, 2.0, 0.0, 0.0]),
        np.array([0.2, 0.5, 0.5, 0.9, 0.29]),
        exhausted=np.array([False, False, False, False, False]),
    )
    assert done.tolist() == [False, False, True, True, True]
    assert why.tolist() == [0, 0, 3, 2, 5]


@pytest.mark.parametrize("rule", ["max-info", "kl", "target-p"])
def test_recovery_bias_and_rmse_match_se(bank, rule):
    theta = np.random.default_rng(0).normal(size=1500)
    sim = simulate_cat(
        bank,
        theta,
        CatPolicy(rule=SelectionRule(rule), stopping=StoppingRule(max_items=25, se_target=None)),
        np.random.default_rng(1),
    )
    s = sim.summary()
    assert abs(s["bias"]) < 0.05
    # EAP's reported SE is honest: RMSE within 12% of the mean posterior SD
    assert s["rmse"] == pytest.approx(np.sqrt(np.mean(sim.se**2)), rel=0.12)
    if rule == "max-info":
        assert s["rmse"] < 0.3
    assert np.all(sim.length == 25)
    # never re-administered
    rows = np.sort(sim.items, axis=1)
    assert not np.any((rows[:, 1:] == rows[:, :-1]) & (rows[:, 1:] >= 0))


def test_se_rule_stops_at_target(bank):
    sim = simulate_cat(
        bank,
        np.random.default_rng(0).normal(size=1000),
        CatPolicy(stopping=StoppingRule(max_items=40, se_target=0.3)),
        np.random.default_rng(1),
    )
    by_se = sim.reason == 5
    assert by_se.mean() > 0.9
    assert np.all(sim.se[by_se] <= 0.3)
    assert sim.summary()["rmse"] == pytest.approx(0.3, abs=0.04)


@pytest.mark.parametrize("method", ["ci", "sprt"])
def test_classification_rules_are_accurate_and_short(bank, method):
    theta = np.random.default_rng(4).normal(size=2000)
    cut = 0.5
    sim = simulate_cat(
        bank,
        theta,
        CatPolicy(stopping=StoppingRule(max_items=30, se_target=None, classify=method, cut=cut, indifference=0.3)),
        np.random.default_rng(5),
    )
    s = sim.summary()
    assert s["mean_length"] < 20
    far = np.abs(theta - cut) > 0.3
    # outside the indifference region the error rates are near alpha = beta = 0.05
    assert np.mean(sim.mastery[far] == (theta[far] >= cut)) > 0.93
    assert s["classification_accuracy"] > 0.88
    assert np.mean(sim.reason == {"ci": 3, "sprt": 4}[method]) > 0.6


def test_pair_probabilities_exact(mixed_bank):
    theta = np.array([-1.0, 0.3, 2.0, 0.1, -0.4, 1.2])
    items = np.array([0, 1, 2, 3, 4, 5])
    got = mixed_bank.params.pair_probabilities(theta, items)
    full = np.stack([mixed_bank.params.category_probabilities(theta[i : i + 1])[0, items[i]] for i in range(6)])
    np.testing.assert_allclose(got, full, atol=1e-12)


def test_simulated_answers_follow_the_model(bank):
    """Proportion correct on the first item equals the model's marginal."""
    theta = np.random.default_rng(6).normal(size=20000)
    sim = simulate_cat(
        bank, theta, CatPolicy(stopping=StoppingRule(max_items=1, se_target=None)), np.random.default_rng(7)
    )
    p = bank.params.pair_probabilities(theta, sim.items[:, 0])[:, 1]
    assert abs(sim.scores[:, 0].mean() - p.mean()) < 4 * np.sqrt(0.25 / theta.size)


def test_classify_sprt_bounds():
    rule = StoppingRule(classify="sprt", cut=0.0)
    got = classify(rule, np.array([1.0, -1.0, 0.2]), np.array([-5.0, 5.0, 0.0]))
    assert got.tolist() == [False, True, True]
    assert norm.ppf(0.975) == pytest.approx(StoppingRule().z)


def test_simulator_input_errors(bank):
    with pytest.raises(ValueError, match="theta_true"):
        simulate_cat(bank, np.array([np.nan]), CatPolicy(), np.random.default_rng(0))
    with pytest.raises(ValueError, match="max_items"):
        StoppingRule(min_items=5, max_items=3)


def test_inverse_cdf_draw_frequencies():
    from engine.adaptive.simulation import _draw

    rng = np.random.default_rng(0)
    p = np.tile([0.1, 0.2, 0.3, 0.4], (200000, 1))
    x = _draw(p, rng.random(200000))
    np.testing.assert_allclose(np.bincount(x, minlength=4) / 200000, [0.1, 0.2, 0.3, 0.4], atol=0.004)
    assert _draw(np.array([[0.3, 0.7]]), np.array([0.3]))[0] == 0  # u <= P(0) gives category 0


def test_rubric_bank_simulation_recovers(mixed_bank):
    theta = np.random.default_rng(8).normal(size=3000)
    sim = simulate_cat(
        mixed_bank, theta, CatPolicy(stopping=StoppingRule(max_items=6, se_target=None)), np.random.default_rng(9)
    )
    # every item given once; the scores respect each item's categories
    assert np.all(sim.length == 6)
    assert np.all(sim.scores < mixed_bank.n_categories[sim.items])
    # grm item g2 (K = 4): observed category shares equal the model's marginal over the students
    col = np.argmax(sim.items == 5, axis=1)
    got = np.bincount(sim.scores[np.arange(3000), col], minlength=4) / 3000
    want = mixed_bank.params.pair_probabilities(theta, np.full(3000, 5)).mean(axis=0)
    np.testing.assert_allclose(got, want, atol=0.03)
    assert abs(sim.summary()["bias"]) < 0.06
