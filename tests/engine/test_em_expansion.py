"""Parameter-expanded EM: the map back to N(0, 1) keeps the likelihood, and removes the slow scale direction."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.irt.calibration.e_step import expected_counts
from engine.irt.calibration.em import run_em
from engine.irt.calibration.expansion import Expansion
from engine.irt.calibration.problem import set_up
from engine.irt.likelihood import log_probability_table
from engine.irt.parameters import ItemParameters
from engine.irt.quadrature import normal_log_weights
from engine.irt.simulation import simulate_bank, simulate_responses


def _problem(responses, models, n_nodes=61, theta_limits=(-6.0, 6.0)):
    return set_up(
        responses,
        models,
        anchors=None,
        start=None,
        fixed=None,
        groups=None,
        reference=None,
        free_items=None,
        n_nodes=n_nodes,
        theta_limits=theta_limits,
        guess_prior=None,
        slope_prior=None,
        latent="auto",
        drop_inestimable=False,
    )


def _loglik(problem, groups, mean, sd):
    table = log_probability_table(groups, problem.nodes, problem.n_columns, problem.kmax)
    weights = normal_log_weights(problem.nodes, mean, sd)[None, :]
    codes = np.zeros(problem.responses.n_students, dtype=int)
    return expected_counts(problem.responses, codes, table, weights, np.dtype(np.float64))[0]


def test_the_map_back_to_the_reference_scale_keeps_the_likelihood():
    rng = np.random.default_rng(8)
    parts = [
        simulate_bank(4, "2pl", rng),
        simulate_bank(3, "grm", rng, n_categories=4, prefix="G"),
        simulate_bank(3, "gpcm", rng, n_categories=3, prefix="P"),
    ]
    thresholds = np.full((10, 3), np.nan)
    thresholds[4:7], thresholds[7:, :2] = parts[1].thresholds, parts[2].thresholds
    bank = ItemParameters.from_arrays(
        np.concatenate([p.item_ids for p in parts]),
        np.concatenate([p.model for p in parts]),
        a=np.concatenate([p.a for p in parts]),
        b=np.concatenate([parts[0].b, np.full(6, np.nan)]),
        thresholds=thresholds,
        n_categories=np.array([2] * 4 + [4] * 3 + [3] * 3),
    )
    responses = simulate_responses(bank, rng.normal(size=400), rng)
    # a grid wide and fine enough that N(0.4, 1.3^2) loses nothing past its ends (on mirt's 61 nodes on
    # [-6, 6] the two sides differ by the grid's truncation, 1.4e-3 here)
    problem = _problem(responses, bank.model, n_nodes=241, theta_limits=(-12.0, 12.0))
    assert problem.expansion == Expansion(mean=True, sd=True)
    groups = [g.with_eta(eta) for g, eta in zip(problem.groups, [p.eta for p in bank.groups])]
    # students who look like N(0.4, 1.3^2) on the grid: the expansion estimates that distribution ...
    counts = 400 * np.exp(normal_log_weights(problem.nodes, 0.4, 1.3))
    etas, latent = problem.expansion.apply(groups, [g.eta for g in groups], np.zeros((1, 2)), problem.nodes, counts)
    sigma = etas[0][0, 0] / groups[0].eta[0, 0]
    mu = (etas[0][0, 1] - groups[0].eta[0, 1]) / groups[0].eta[0, 0]
    assert sigma == pytest.approx(1.3, abs=1e-3) and mu == pytest.approx(0.4, abs=1e-3)
    np.testing.assert_array_equal(latent, np.zeros((1, 2)))
    # ... and the items on N(0, 1) give every student the likelihood the old items gave on N(mu, sigma^2)
    mapped = [g.with_eta(eta) for g, eta in zip(groups, etas)]
    assert _loglik(problem, mapped, 0.0, 1.0) == pytest.approx(_loglik(problem, groups, mu, sigma), abs=1e-9)


@pytest.mark.parametrize("model,k", [("2pl", 2), ("grm", 4)])
def test_expansion_reaches_the_same_maximum_in_fewer_steps(model, k):
    rng = np.random.default_rng(30)
    bank = simulate_bank(40, model, rng, n_categories=k)
    responses = simulate_responses(bank, rng.normal(size=3000), rng)
    expanded = _problem(responses, model)
    plain = replace(expanded, expansion=Expansion(mean=False, sd=False))
    timings = {"e_step": 0.0, "m_step": 0.0, "e_steps": 0}
    fast = run_em(
        expanded, expanded.starts[0], tol=1e-6, max_iter=5000, accelerate=True, progress=None, timings=dict(timings)
    )
    slow = run_em(
        plain, plain.starts[0], tol=1e-6, max_iter=5000, accelerate=True, progress=None, timings=dict(timings)
    )
    assert fast.converged and slow.converged
    assert fast.iterations < slow.iterations
    assert fast.estep.loglik == pytest.approx(slow.estep.loglik, abs=1e-6)
    np.testing.assert_allclose(fast.x, slow.x, atol=1e-4)
    assert np.all(np.diff(fast.history) >= -1e-8)


def test_no_expansion_where_the_items_cannot_absorb_it():
    rng = np.random.default_rng(2)
    bank = simulate_bank(6, "2pl", rng)
    responses = simulate_responses(bank, rng.normal(size=300), rng)
    assert _problem(responses, "rasch").expansion == Expansion(mean=True, sd=False)  # the sd is free already
    assert _problem(responses, "3pl").expansion == Expansion(mean=False, sd=False)
