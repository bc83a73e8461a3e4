"""Scoring against naive references, mirt's published scores and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from engine.irt.calibration import calibrate
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from engine.irt.scoring import score
from engine.irt.simulation import simulate_bank, simulate_responses

BANK = ItemParameters.from_arrays(
    ["m1", "m2", "m3", "r1", "p1"],
    ["2pl", "3pl", "4pl", "grm", "gpcm"],
    a=[1.2, 0.9, 1.5, 1.1, 0.8],
    b=[-0.5, 0.3, 0.8, np.nan, np.nan],
    c=[0.0, 0.2, 0.15, 0.0, 0.0],
    d=[1.0, 1.0, 0.95, 1.0, 1.0],
    thresholds=[[np.nan] * 3] * 3 + [[-1.0, 0.0, 1.2], [-0.5, 0.4, 1.0]],
    n_categories=[2, 2, 2, 4, 4],
)


def naive_loglik(pattern, theta):
    probs = BANK.category_probabilities([theta])[0]
    return sum(np.log(probs[j, int(x)]) for j, x in enumerate(pattern) if not np.isnan(x))


patterns = st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=5, max_size=5).map(
    lambda xs: [np.nan if x is None else (min(x, 1) if j < 3 else x) for j, x in enumerate(xs)]
)


def matrix(rows):
    return ResponseMatrix.from_table(
        np.array(rows, dtype=float), [f"s{i}" for i in range(len(rows))], BANK.item_ids, n_categories=BANK.n_categories
    )


@settings(max_examples=40)
@given(patterns)
def test_map_and_mle_match_scalar_optimisation(pattern):
    responses = matrix([pattern])
    answered = [x for x in pattern if not np.isnan(x)]
    map_est = score(responses, BANK, "map").theta[0]
    ref = minimize_scalar(
        lambda t: -naive_loglik(pattern, t) + 0.5 * t * t, bounds=(-6, 6), method="bounded", options={"xatol": 1e-9}
    )
    assert map_est == pytest.approx(ref.x, abs=1e-4)
    mle = score(responses, BANK, "mle")
    if not answered:
        assert np.isnan(mle.theta[0]) and np.isinf(mle.se[0])
        return
    lowest = all(x == 0 for x in answered)
    highest = all(x == BANK.n_categories[j] - 1 for j, x in enumerate(pattern) if not np.isnan(x))
    if lowest or highest:
        assert mle.theta[0] == (-6.0 if lowest else 6.0) and np.isinf(mle.se[0])
    else:
        grid = np.linspace(-6, 6, 2401)
        best = grid[np.argmax([naive_loglik(pattern, t) for t in grid])]
        ref = minimize_scalar(
            lambda t: -naive_loglik(pattern, t),
            bounds=(max(best - 0.01, -6.0), min(best + 0.01, 6.0)),  # the scale ends at +-6
            method="bounded",
            options={"xatol": 1e-9},
        )
        assert mle.theta[0] == pytest.approx(ref.x, abs=1e-4)


@settings(max_examples=30)
@given(patterns)
def test_eap_matches_naive_quadrature(pattern):
    nodes = np.linspace(-6, 6, 61)
    logpost = np.array([naive_loglik(pattern, t) for t in nodes]) - 0.5 * nodes**2
    w = np.exp(logpost - logpost.max())
    w /= w.sum()
    mean = w @ nodes
    sd = np.sqrt(w @ (nodes - mean) ** 2)
    result = score(matrix([pattern]), BANK, "eap")
    assert result.theta[0] == pytest.approx(mean, abs=1e-10)
    assert result.se[0] == pytest.approx(sd, abs=1e-10)


def test_wle_solves_warms_equation_for_rasch():
    """For Rasch items Warm's equation is sum(x - P) + sum P(1-P)(1-2P) / (2 sum P(1-P)) = 0."""
    b = np.array([-1.5, -0.5, 0.0, 0.7, 1.6])
    bank = ItemParameters.from_arrays([f"i{j}" for j in range(5)], "rasch", b=b)
    rows = [[1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [1, 0, 1, 0, 0], [1, 1, 1, 0, 1]]
    result = score(ResponseMatrix.from_dense(np.array(rows), item_ids=bank.item_ids), bank, "wle")
    for x, t in zip(rows, result.theta):
        p = 1 / (1 + np.exp(-(t - b)))
        value = np.sum(np.array(x) - p) + np.sum(p * (1 - p) * (1 - 2 * p)) / (2 * np.sum(p * (1 - p)))
        assert abs(value) < 1e-8
    assert np.all(np.isfinite(result.theta)) and np.all(np.isfinite(result.se))
    assert result.theta[0] > 2 and result.theta[1] < -2


def test_lsat7_scores_match_mirt(lsat7):
    table, responses = lsat7
    fit = calibrate(responses, "2pl")
    eap = score(responses, fit.params, "eap")
    # mirt EAPsum table: sum score 0 -> -1.86979 (SE 0.6927032); all patterns 00000 first
    assert eap.theta[0] == pytest.approx(-1.86979, abs=1e-3)
    assert eap.se[0] == pytest.approx(0.6927032, abs=1e-3)
    # mirt MAP for the first six response patterns of LSAT7
    patterns = np.array(
        [[0, 0, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0], [0, 0, 0, 1, 1], [0, 0, 1, 0, 0], [0, 0, 1, 0, 1]]
    )
    m = score(ResponseMatrix.from_dense(patterns, item_ids=responses.item_ids), fit.params, "map")
    np.testing.assert_allclose(
        m.theta, [-1.8165552, -1.4946906, -1.4822982, -1.1789899, -1.0958928, -0.7951026], atol=0.01
    )


@pytest.mark.parametrize("method", ["eap", "map", "mle", "wle"])
def test_sparse_equals_dense_and_recovers_theta(method):
    rng = np.random.default_rng(8)
    bank = simulate_bank(60, "2pl", rng)
    theta = rng.normal(size=400)
    sparse = simulate_responses(bank, theta, rng, items_per_student=40)
    dense = ResponseMatrix.from_dense(sparse.to_table(), sparse.student_ids, sparse.item_ids)
    a, b = score(sparse, bank, method), score(dense, bank, method)
    np.testing.assert_allclose(a.theta, b.theta, atol=1e-9)
    np.testing.assert_allclose(a.se, b.se, atol=1e-9)
    finite = np.isfinite(a.se)
    assert np.corrcoef(a.theta[finite], theta[finite])[0, 1] > 0.9
    # the reported SE is honest: standardized errors have about unit spread
    z = (a.theta[finite] - theta[finite]) / a.se[finite]
    assert 0.75 < np.std(z) < 1.3


def test_student_without_answers():
    bank = simulate_bank(3, "2pl", 1)
    responses = ResponseMatrix.from_long([0, 0], [0, 1], [1, 0], n_students=2, n_items=3, item_ids=bank.item_ids)
    eap = score(responses, bank, "eap", prior_mean=0.5, prior_sd=0.8)
    assert eap.theta[1] == pytest.approx(0.5, abs=1e-3) and eap.se[1] == pytest.approx(0.8, abs=2e-3)
    assert score(responses, bank, "map", prior_mean=0.5).theta[1] == pytest.approx(0.5, abs=1e-6)
    wle = score(responses, bank, "wle")
    assert np.isnan(wle.theta[1]) and np.isinf(wle.se[1])


def test_scoring_refuses_misaligned_items():
    bank = simulate_bank(3, "2pl", 1)
    responses = ResponseMatrix.from_dense(np.ones((2, 3)), item_ids=["x", "y", "z"])
    with pytest.raises(ValueError, match="same items"):
        score(responses, bank)
    with pytest.raises(ValueError, match="method"):
        score(ResponseMatrix.from_dense(np.ones((2, 3)), item_ids=bank.item_ids), bank, "bayes")
