"""Information and reliability against numerical integration and simulation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from engine.analysis.reliability import (
    empirical_reliability,
    form_information,
    information_curves,
    marginal_reliability,
)
from engine.irt.parameters import ItemParameters
from engine.irt.scoring import score
from engine.irt.simulation import simulate_bank, simulate_responses


def test_rasch_information_closed_form():
    params = ItemParameters.from_arrays(["a", "b"], "2pl", a=[1.0, 2.0], b=[0.0, 1.0])
    theta = np.array([-1.0, 0.0, 1.0])
    p1 = 1 / (1 + np.exp(-theta))
    p2 = 1 / (1 + np.exp(-2 * (theta - 1)))
    expected = p1 * (1 - p1) + 4 * p2 * (1 - p2)
    curves = information_curves(params, theta)
    np.testing.assert_allclose(curves.test_information, expected, rtol=1e-12)
    np.testing.assert_allclose(curves.csem, 1 / np.sqrt(expected), rtol=1e-12)
    np.testing.assert_allclose(form_information(params, theta, ["b"]), 4 * p2 * (1 - p2), rtol=1e-12)
    np.testing.assert_allclose(form_information(params, theta, [0]), p1 * (1 - p1), rtol=1e-12)


def test_marginal_reliability_matches_numerical_integration(lsat7_params):
    def integrand(t):
        return 1 / lsat7_params.information(np.array([t]))[0].sum() * np.exp(-t * t / 2) / np.sqrt(2 * np.pi)

    err, _ = quad(integrand, -12, 12, limit=200)
    assert marginal_reliability(lsat7_params) == pytest.approx(1 / (1 + err), abs=1e-4)


def test_reliabilities_agree_with_simulated_truth():
    rng = np.random.default_rng(17)
    bank = simulate_bank(30, "2pl", rng)
    theta = rng.normal(size=4000)
    resp = simulate_responses(bank, theta, rng)
    est = score(resp, bank, "eap")
    truth = np.corrcoef(est.theta, theta)[0, 1] ** 2
    assert empirical_reliability(est.theta, est.se) == pytest.approx(truth, abs=0.03)
    assert marginal_reliability(bank) == pytest.approx(truth, abs=0.04)
    # a half-length form is less reliable
    assert marginal_reliability(bank, items=np.arange(15)) < marginal_reliability(bank) - 0.05


def test_input_errors(lsat7_params):
    with pytest.raises(ValueError, match="unknown item"):
        information_curves(lsat7_params, items=["nope"])
    with pytest.raises(ValueError, match="same length"):
        empirical_reliability([0.0, 1.0], [0.3])
    with pytest.raises(ValueError, match="sd should be positive"):
        marginal_reliability(lsat7_params, sd=0)
