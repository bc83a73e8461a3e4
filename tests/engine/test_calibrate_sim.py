"""Calibration on seeded simulations: recovery, monotone EM, anchoring, sparse data."""

from __future__ import annotations

import numpy as np
import pytest

from engine.irt.calibration import ConvergenceWarning, calibrate
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from engine.irt.simulation import simulate_bank, simulate_responses


def rmse(x, y):
    return float(np.sqrt(np.mean((np.asarray(x) - np.asarray(y)) ** 2)))


@pytest.mark.parametrize(
    "model,k,n,tol_a,tol_b",
    [
        ("2pl", 2, 4000, 0.07, 0.07),
        ("rasch", 2, 3000, None, 0.06),
        ("grm", 4, 3000, 0.08, 0.09),
        ("gpcm", 4, 3000, 0.08, 0.12),
        ("rasch", 4, 3000, None, 0.10),
    ],
)
def test_parameter_recovery(model, k, n, tol_a, tol_b):
    rng = np.random.default_rng(20261125)
    truth = simulate_bank(20, model, rng, n_categories=k)
    responses = simulate_responses(truth, rng.normal(size=n), rng)
    fit = calibrate(responses, model, se=False)
    assert fit.converged
    if tol_a is not None:
        assert rmse(fit.params.a, truth.a) < tol_a
    if k == 2:
        assert rmse(fit.params.b, truth.b) < tol_b
    else:
        assert rmse(fit.params.thresholds[:, : k - 1], truth.thresholds[:, : k - 1]) < tol_b


def test_three_and_four_pl_recovery_with_prior():
    rng = np.random.default_rng(7)
    truth = simulate_bank(15, "3pl", rng)
    responses = simulate_responses(truth, rng.normal(size=8000), rng)
    fit = calibrate(responses, "3pl", guess_prior=(np.log(0.18 / 0.82), 0.5), se=False)
    assert rmse(fit.params.a, truth.a) < 0.2
    assert rmse(fit.params.b, truth.b) < 0.15
    assert rmse(fit.params.c, truth.c) < 0.05
    truth4 = simulate_bank(10, "4pl", rng)
    fit4 = calibrate(simulate_responses(truth4, rng.normal(size=20000), rng), "4pl", guess_prior=(-1.5, 0.5), se=False)
    assert rmse(fit4.params.b, truth4.b) < 0.2
    assert rmse(fit4.params.d, truth4.d) < 0.06


def test_rasch_recovers_latent_variance():
    rng = np.random.default_rng(3)
    truth = simulate_bank(25, "rasch", rng)
    fit = calibrate(simulate_responses(truth, rng.normal(0, 1.4, 5000), rng), "rasch")
    assert fit.latent_sd == pytest.approx(1.4, abs=0.06)
    assert 0 < fit.latent_se["sd"] < 0.05


@pytest.mark.parametrize("model,k", [("2pl", 2), ("3pl", 2), ("grm", 3), ("gpcm", 4)])
def test_em_loglik_never_decreases(model, k):
    rng = np.random.default_rng(11)
    truth = simulate_bank(8, model, rng, n_categories=k)
    fit = calibrate(simulate_responses(truth, rng.normal(size=800), rng), model, se=False)
    assert np.all(np.diff(fit.history) >= -1e-8)
    plain = calibrate(simulate_responses(truth, rng.normal(size=800), rng), model, se=False, accelerate=False)
    assert np.all(np.diff(plain.history) >= -1e-8)


def test_acceleration_needs_fewer_iterations_and_reaches_the_same_maximum():
    rng = np.random.default_rng(5)
    truth = simulate_bank(20, "2pl", rng)
    data = simulate_responses(truth, rng.normal(size=2000), rng)
    fast = calibrate(data, "2pl", se=False)
    slow = calibrate(data, "2pl", se=False, accelerate=False, tol=1e-7, max_iter=5000)
    assert fast.iterations < slow.iterations
    assert fast.loglik == pytest.approx(slow.loglik, abs=1e-4)
    np.testing.assert_allclose(fast.params.a, slow.params.a, atol=2e-3)


def test_sparse_and_dense_give_the_same_fit():
    rng = np.random.default_rng(9)
    truth = simulate_bank(30, "2pl", rng)
    sparse = simulate_responses(truth, rng.normal(size=3000), rng, items_per_student=12)
    assert sparse.is_sparse
    dense = ResponseMatrix.from_dense(sparse.to_table(), sparse.student_ids, sparse.item_ids)
    assert not dense.is_sparse
    a = calibrate(sparse, "2pl")
    b = calibrate(dense, "2pl")
    assert a.loglik == pytest.approx(b.loglik, abs=1e-6)
    np.testing.assert_allclose(a.params.a, b.params.a, atol=1e-5)
    np.testing.assert_allclose(a.params.se["b"], b.params.se["b"], rtol=1e-4)
    assert rmse(a.params.b, truth.b) < 0.12


def test_mixed_bank_without_loop_over_models():
    rng = np.random.default_rng(21)
    mc = simulate_bank(12, "3pl", rng)
    rubric = simulate_bank(6, "grm", rng, n_categories=4, prefix="R")
    models = np.array(["3pl"] * 12 + ["grm"] * 6)
    truth = ItemParameters.from_arrays(
        np.concatenate([mc.item_ids, rubric.item_ids]),
        models,
        a=np.concatenate([mc.a, rubric.a]),
        b=np.concatenate([mc.b, np.full(6, np.nan)]),
        c=np.concatenate([mc.c, np.zeros(6)]),
        thresholds=np.vstack([np.full((12, 3), np.nan), rubric.thresholds]),
        n_categories=np.array([2] * 12 + [4] * 6),
    )
    data = simulate_responses(truth, rng.normal(size=6000), rng)
    fit = calibrate(data, models, guess_prior=(-1.5, 0.5))
    assert rmse(fit.params.a[12:], truth.a[12:]) < 0.1
    assert rmse(fit.params.thresholds[12:], truth.thresholds[12:]) < 0.1
    assert rmse(fit.params.b[:12], truth.b[:12]) < 0.2
    assert set(fit.params.se) >= {"a", "b", "c", "b1", "b2", "b3"}


def test_anchored_items_hold_and_new_items_land_on_the_bank_scale():
    rng = np.random.default_rng(33)
    bank = simulate_bank(40, "2pl", rng)
    # a new cohort, abler and more spread than the calibration population
    data = simulate_responses(bank, rng.normal(0.5, 1.2, 6000), rng)
    anchors = bank.subset(np.arange(25))
    fit = calibrate(data, "2pl", anchors=anchors)
    np.testing.assert_allclose(fit.params.a[:25], bank.a[:25])
    np.testing.assert_allclose(fit.params.b[:25], bank.b[:25])
    assert np.all(np.isnan(fit.params.se["a"][:25]))
    assert fit.latent_mean == pytest.approx(0.5, abs=0.06)
    assert fit.latent_sd == pytest.approx(1.2, abs=0.06)
    new_b_bias = float(np.mean(fit.params.b[25:] - bank.b[25:]))
    assert abs(new_b_bias) < 0.06
    assert rmse(fit.params.b[25:], bank.b[25:]) < 0.1
    # without anchors the new cohort defines N(0, 1) and the new items are shifted
    free = calibrate(data, "2pl", se=False)
    assert np.mean(free.params.b[25:] - bank.b[25:]) < -0.3


def test_fixed_slopes_only():
    rng = np.random.default_rng(4)
    bank = simulate_bank(10, "2pl", rng)
    data = simulate_responses(bank, rng.normal(size=2000), rng)
    fit = calibrate(data, "2pl", start=bank, fixed={iid: {"a"} for iid in bank.item_ids[:3]})
    np.testing.assert_allclose(fit.params.a[:3], bank.a[:3])
    assert np.all(np.isnan(fit.params.se["a"][:3])) and np.all(np.isfinite(fit.params.se["b"][:3]))
    with pytest.raises(ValueError, match="only together with the slope"):
        calibrate(data, "2pl", start=bank, fixed={bank.item_ids[0]: {"b"}})


def test_louis_standard_errors_are_the_inverse_observed_information(lsat7):
    """Compare with a numerical Hessian of the naive marginal likelihood in (a, b)."""
    from tests.engine.test_calibrate_real import naive_loglik

    table, responses = lsat7
    fit = calibrate(responses, "2pl")
    theta0 = np.concatenate([fit.params.a, fit.params.b])

    def ll(v):
        a, b = v[:5], v[5:]

        def probs(nodes):
            p = 1 / (1 + np.exp(-a[None, :] * (nodes[:, None] - b[None, :])))
            return np.stack([1 - p, p], axis=-1)

        return naive_loglik(table, probs)

    h = 1e-4
    hess = np.zeros((10, 10))
    for i in range(10):
        for j in range(i, 10):
            e_i, e_j = np.eye(10)[i] * h, np.eye(10)[j] * h
            hess[i, j] = hess[j, i] = (
                ll(theta0 + e_i + e_j) - ll(theta0 + e_i - e_j) - ll(theta0 - e_i + e_j) + ll(theta0 - e_i - e_j)
            ) / (4 * h * h)
    se = np.sqrt(np.diag(np.linalg.inv(-hess)))
    np.testing.assert_allclose(fit.params.se["a"], se[:5], rtol=2e-3)
    np.testing.assert_allclose(fit.params.se["b"], se[5:], rtol=2e-3)


def test_block_standard_errors_slightly_below_full_on_a_long_test():
    """Item-diagonal blocks ignore the information items share through theta.

    Measured here: on 40 items x 3000 students they are 0-15% below the full
    Louis SEs (on average 2% for b, 7% for a): the price of SEs for banks too large for the
    full matrix.
    """
    rng = np.random.default_rng(12)
    bank = simulate_bank(40, "2pl", rng)
    data = simulate_responses(bank, rng.normal(size=3000), rng)
    louis = calibrate(data, "2pl", se_method="louis")
    block = calibrate(data, "2pl", se_method="block")
    assert block.se_method == "block" and louis.se_method == "louis"
    for name in ("a", "b"):
        ratio = block.params.se[name] / louis.params.se[name]
        assert np.all(ratio > 0.8) and np.all(ratio < 1.01)
        assert 0.88 < ratio.mean() < 0.99


def test_bad_input_is_refused_with_a_message():
    rng = np.random.default_rng(1)
    bank = simulate_bank(5, "2pl", rng)
    data = simulate_responses(bank, rng.normal(size=300), rng)
    with pytest.raises(ValueError, match="unknown model"):
        calibrate(data, "5pl")
    with pytest.raises(ValueError, match="one model per item"):
        calibrate(data, ["2pl", "3pl"])
    with pytest.raises(ValueError, match="1pl"):
        calibrate(data, ["1pl", "2pl", "2pl", "2pl", "2pl"])
    constant = ResponseMatrix.from_dense(np.column_stack([np.ones(50), np.arange(50) % 2, np.arange(50) // 25]))
    with pytest.raises(ValueError, match="every answer is 1"):
        calibrate(constant, "2pl")
    kept = calibrate(constant, "2pl", drop_inestimable=True, se=False)
    assert kept.dropped_items == ("I1",) and list(kept.params.item_ids) == ["I2", "I3"]
    gap = ResponseMatrix.from_dense(np.column_stack([np.arange(60) % 2 * 2, np.arange(60) % 2]))
    with pytest.raises(ValueError, match="category 1 is never used"):
        calibrate(gap, "grm")
    with pytest.raises(ValueError, match="se_method"):
        calibrate(data, "2pl", se_method="magic")


def test_not_converged_warns():
    rng = np.random.default_rng(2)
    bank = simulate_bank(6, "2pl", rng)
    data = simulate_responses(bank, rng.normal(size=500), rng)
    with pytest.warns(ConvergenceWarning):
        fit = calibrate(data, "2pl", max_iter=2, se=False)
    assert not fit.converged


def test_slope_prior_keeps_sparse_items_finite():
    """Thirty answers an item: without a prior some slopes run away; with one they stay sane."""
    rng = np.random.default_rng(17)
    bank = simulate_bank(400, "2pl", rng)
    data = simulate_responses(bank, rng.normal(size=1500), rng, items_per_student=8)
    fit = calibrate(data, "2pl", slope_prior=(0.0, 0.5), se=False, drop_inestimable=True)
    assert fit.converged
    kept = [bank.index_of[i] for i in fit.params.item_ids]
    assert np.all(fit.params.a < 5)
    assert np.corrcoef(fit.params.b, bank.b[kept])[0, 1] > 0.8
    with pytest.warns(ConvergenceWarning):
        loose = calibrate(data, "2pl", se=False, drop_inestimable=True, max_iter=60)
    assert np.max(np.abs(loose.params.a)) > 10
    with pytest.raises(ValueError, match="slope_prior"):
        calibrate(data, "2pl", slope_prior=(0.0, -1.0))
