"""Conformance suite run over every model (scikit-learn's parametrize_with_checks idea).

Each family must give probabilities in range that sum to one, a Jacobian and
theta derivatives equal to numerical ones, information equal to its
definition, and the same numbers whether evaluated vectorized, per item, or
paired (one theta per item).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.irt.models import MODEL_NAMES, model_spec
from engine.irt.parameters import ItemParameters
from engine.irt.simulation import simulate_bank

THETA = np.linspace(-4, 4, 17)
CASES = [(m, 2) for m in ("rasch", "1pl", "2pl", "3pl", "4pl")] + [
    ("grm", 3),
    ("grm", 5),
    ("gpcm", 3),
    ("gpcm", 5),
    ("rasch", 4),
    ("grm", 2),
    ("gpcm", 2),
]


def bank(model: str, k: int, seed: int = 0) -> ItemParameters:
    """Six items of one model; K = 2 graded / partial-credit items are 2PL-like."""
    if k == 2 and model in ("grm", "gpcm"):
        table = simulate_bank(6, "2pl", seed)
        return ItemParameters.from_arrays(table.item_ids, model, a=table.a, b=table.b)
    return simulate_bank(6, model, seed, n_categories=k)


@pytest.mark.parametrize("model,k", CASES)
def test_probabilities_are_a_distribution(model, k):
    p = bank(model, k).category_probabilities(THETA)
    assert p.shape == (len(THETA), 6, k)
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-12)


@pytest.mark.parametrize("model,k", CASES)
def test_expected_score_increases_with_theta(model, k):
    score = bank(model, k).expected_score(THETA)
    assert np.all(np.diff(score, axis=0) > 0)


@pytest.mark.parametrize("model,k", CASES)
def test_param_jacobian_matches_numerical(model, k):
    for g in bank(model, k).groups:
        jac = g.family.param_jacobian(THETA, g.eta, g.n_categories)
        h = 1e-6
        for m in range(g.eta.shape[1]):
            up, down = g.eta.copy(), g.eta.copy()
            up[:, m] += h
            down[:, m] -= h
            numeric = (
                g.family.probabilities(THETA, up, g.n_categories) - g.family.probabilities(THETA, down, g.n_categories)
            ) / (2 * h)
            np.testing.assert_allclose(jac[..., m], numeric, atol=1e-7)


@pytest.mark.parametrize("model,k", CASES)
def test_theta_derivatives_match_numerical(model, k):
    h = 1e-5
    for g in bank(model, k).groups:
        p, d1, d2 = g.family.theta_derivatives(THETA, g.eta, g.n_categories)
        np.testing.assert_allclose(p, g.family.probabilities(THETA, g.eta, g.n_categories), atol=1e-14)
        up = g.family.theta_derivatives(THETA + h, g.eta, g.n_categories)
        down = g.family.theta_derivatives(THETA - h, g.eta, g.n_categories)
        np.testing.assert_allclose(d1, (up[0] - down[0]) / (2 * h), atol=1e-8)
        np.testing.assert_allclose(d2, (up[1] - down[1]) / (2 * h), atol=1e-7)


@pytest.mark.parametrize("model,k", CASES)
def test_information_is_expected_negative_curvature(model, k):
    params = bank(model, k)
    info = params.information(THETA)
    h = 1e-4

    def logp(t):
        return np.log(params.category_probabilities(t))

    curvature = (logp(THETA + h) - 2 * logp(THETA) + logp(THETA - h)) / h**2
    expected = -(params.category_probabilities(THETA) * curvature).sum(axis=-1)
    np.testing.assert_allclose(info, expected, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("model,k", CASES)
def test_vectorized_equals_per_item_and_paired(model, k):
    params = bank(model, k)
    full = params.category_probabilities(THETA)
    for j in range(params.n_items):
        np.testing.assert_allclose(params.subset([j]).category_probabilities(THETA)[:, 0, :k], full[:, j, :k])
    for g in params.groups:
        thetas = np.linspace(-2, 2, len(g.index))
        paired = g.family.probabilities(thetas[None, :], g.eta, g.n_categories)[0]
        outer = g.family.probabilities(thetas, g.eta, g.n_categories)
        np.testing.assert_allclose(paired, outer[np.arange(len(thetas)), np.arange(len(thetas))])


def test_scalar_theta_gives_one_row():
    params = bank("2pl", 2)
    assert params.category_probabilities(0.3).shape == (1, 6, 2)
    assert params.information(0.3).shape == (1, 6)


def test_closed_form_2pl_and_3pl_information():
    params = ItemParameters.from_arrays(["x", "y"], ["2pl", "3pl"], a=[1.3, 1.1], b=[0.2, -0.4], c=[0.0, 0.2])
    t = np.array([-1.0, 0.5])
    p2 = 1 / (1 + np.exp(-1.3 * (t - 0.2)))
    ps = 1 / (1 + np.exp(-1.1 * (t + 0.4)))
    p3 = 0.2 + 0.8 * ps
    info = params.information(t)
    np.testing.assert_allclose(info[:, 0], 1.3**2 * p2 * (1 - p2))
    np.testing.assert_allclose(info[:, 1], 1.1**2 * ((p3 - 0.2) / 0.8) ** 2 * (1 - p3) / p3)


def test_graded_and_partial_credit_closed_forms():
    params = ItemParameters.from_arrays(
        ["g", "p"], ["grm", "gpcm"], a=[1.2, 0.9], thresholds=[[-1.0, 0.5], [-0.5, 0.7]], n_categories=3
    )
    t = 0.3
    p = params.category_probabilities(t)[0]
    s1, s2 = 1 / (1 + np.exp(-1.2 * (t + 1.0))), 1 / (1 + np.exp(-1.2 * (t - 0.5)))
    np.testing.assert_allclose(p[0], [1 - s1, s1 - s2, s2])
    z = np.array([0.0, 0.9 * (t + 0.5), 0.9 * (t + 0.5) + 0.9 * (t - 0.7)])
    np.testing.assert_allclose(p[1], np.exp(z) / np.exp(z).sum())


@given(
    a=st.floats(0.3, 3.0),
    b=st.floats(-3, 3),
    c=st.floats(0.0, 0.35),
    theta=st.floats(-5, 5),
)
def test_4pl_family_matches_formula(a, b, c, theta):
    params = ItemParameters.from_arrays(["i"], "4pl", a=a, b=b, c=c, d=0.95)
    expected = c + (0.95 - c) / (1 + np.exp(-a * (theta - b)))
    np.testing.assert_allclose(params.category_probabilities(theta)[0, 0, 1], expected, rtol=1e-12)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_spec_known(name):
    assert model_spec(name, 2).name == name


def test_model_spec_refuses_bad_input():
    with pytest.raises(ValueError, match="unknown model"):
        model_spec("3plx", 2)
    with pytest.raises(ValueError, match="dichotomous"):
        model_spec("2pl", 4)
    with pytest.raises(ValueError, match="at least 2"):
        model_spec("grm", 1)


@pytest.mark.parametrize("model,k", CASES)
def test_score_and_information_match_the_jacobian_formula(model, k):
    """Each family's M-step kernel equals the generic Jacobian formula and a numerical gradient."""
    from engine.irt.models import jacobian_score_and_information

    rng = np.random.default_rng(2)
    for g in bank(model, k).groups:
        counts = rng.random((len(THETA), len(g.index), g.n_categories)) * 10
        columns = np.arange(g.eta.shape[1])
        grad, info = g.family.score_and_information(THETA, g.eta, g.n_categories, counts, columns)
        ref_grad, ref_info = jacobian_score_and_information(g.family, THETA, g.eta, g.n_categories, counts, columns)
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(info, ref_info, rtol=1e-9, atol=1e-9)
        h = 1e-6
        for m in columns:
            up, down = g.eta.copy(), g.eta.copy()
            up[:, m] += h
            down[:, m] -= h

            def value(e, g=g, counts=counts):
                return np.einsum("qnk,qnk->n", counts, np.log(g.family.probabilities(THETA, e, g.n_categories)))

            np.testing.assert_allclose(grad[:, m], (value(up) - value(down)) / (2 * h), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("model,k", CASES)
def test_pair_probabilities_are_the_diagonal_of_the_grid(model, k):
    params = bank(model, k)
    theta = np.linspace(-2, 2, 9)
    items = np.arange(9) % params.n_items
    paired = params.pair_probabilities(theta, items)
    grid = params.category_probabilities(theta)
    np.testing.assert_allclose(paired, grid[np.arange(9), items])


@pytest.mark.parametrize("model,k", CASES)
def test_log_probabilities_are_the_log_of_the_probabilities(model, k):
    for group in bank(model, k, seed=12).groups:
        expected = np.log(np.maximum(group.probabilities(THETA), 1e-300))
        np.testing.assert_allclose(group.log_probabilities(THETA), expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("columns", [(0, 1), (1,), (0,)])
def test_slope_intercept_kernel_matches_the_jacobian_formula(columns):
    """2PL-like items (no asymptotes) take the matrix-product path of the M-step's kernel."""
    from engine.irt.models import LOGISTIC, jacobian_score_and_information

    (g,) = bank("2pl", 2).groups
    counts = np.random.default_rng(3).random((len(THETA), len(g.index), 2)) * 10
    cols = np.array(columns)
    grad, info = LOGISTIC.score_and_information(THETA, g.eta, 2, counts, cols)
    ref_grad, ref_info = jacobian_score_and_information(LOGISTIC, THETA, g.eta, 2, counts, cols)
    assert grad.shape == (6, len(cols)) and info.shape == (6, len(cols), len(cols))
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(info, ref_info, rtol=1e-9, atol=1e-9)
