"""The calibration's closed forms and copy-free paths equal the general computations they stand for."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.irt.calibration import standard_errors
from engine.irt.calibration.e_step import expected_counts, student_posterior
from engine.irt.calibration.m_step import item_objective
from engine.irt.calibration.priors import ItemPriors
from engine.irt.likelihood import log_probability_table
from engine.irt.models import LOGISTIC
from engine.irt.quadrature import normal_grid, normal_log_weights
from engine.irt.simulation import simulate_bank, simulate_responses

NODES = normal_grid(31, (-5.0, 5.0))[0]


@pytest.fixture(scope="module")
def two_pl():
    rng = np.random.default_rng(12)
    bank = simulate_bank(12, "2pl", rng)
    return bank, rng


def _scattered_table(groups, n_items, kmax):
    """The table built by scattering each group's columns (the general path)."""
    table = np.zeros((len(NODES), n_items, kmax))
    for g in groups:
        table[:, g.index, : g.n_categories] = g.log_probabilities(NODES)
    return table


def test_one_group_table_is_the_scattered_table(two_pl):
    bank, _ = two_pl
    (group,) = bank.groups
    np.testing.assert_array_equal(
        log_probability_table(bank.groups, NODES, bank.n_items, 2), _scattered_table(bank.groups, bank.n_items, 2)
    )
    halves = [
        replace(group, index=group.index[:5], eta=group.eta[:5]),
        replace(group, index=group.index[5:], eta=group.eta[5:]),
    ]
    np.testing.assert_array_equal(
        log_probability_table(halves, NODES, bank.n_items, 2), _scattered_table(halves, bank.n_items, 2)
    )


@pytest.mark.parametrize("model, kmax", [("2pl", 2), ("grm", 3)])
def test_sparse_counts_are_the_posterior_scattered_over_answers(model, kmax):
    rng = np.random.default_rng(5)
    bank = simulate_bank(10, model, rng, **({"n_categories": 3} if model == "grm" else {}))
    responses = simulate_responses(bank, rng.normal(size=300), rng, items_per_student=4)
    assert responses.is_sparse
    table = log_probability_table(bank.groups, NODES, bank.n_items, kmax)
    weights = normal_log_weights(NODES, 0.0, 1.0)[None, :]
    codes = np.zeros(responses.n_students, dtype=int)
    dtype = np.dtype(np.float64)
    _, counts, _ = expected_counts(responses, codes, table, weights, dtype)
    post, _ = student_posterior(responses, codes, table, weights, dtype)
    expected = np.zeros_like(counts)
    np.add.at(expected, (slice(None), responses.item, responses.score), post[responses.student].T)
    np.testing.assert_allclose(counts, expected, rtol=1e-12, atol=1e-12)


def test_two_pl_objective_is_the_sum_of_counts_times_log_probabilities(two_pl):
    bank, rng = two_pl
    (group,) = bank.groups
    eta = group.eta.copy()
    eta[0, 0] = 30.0  # steep: log P near its floor at some nodes
    counts = rng.random((len(NODES), bank.n_items, 2)) * 5
    priors = ItemPriors()
    general = np.einsum("qnk,qnk->n", counts, LOGISTIC.log_probabilities(NODES, eta, 2))
    np.testing.assert_allclose(item_objective(group, eta, counts, NODES, priors), general, rtol=1e-12)


@pytest.mark.parametrize("slope_prior", [None, (0.0, 0.5)])
def test_two_pl_hessian_and_scores_in_closed_form_equal_the_numerical_ones(two_pl, slope_prior, monkeypatch):
    bank, rng = two_pl
    (group,) = bank.groups
    counts = rng.random((len(NODES), bank.n_items, 2)) * 5
    priors = ItemPriors(slope=slope_prior)
    closed = standard_errors._complete_hessian(group, group.eta, counts, NODES, priors)
    active = np.array([0, 1])
    closed_scores = standard_errors._active_scores(group, group.eta, NODES, active)
    monkeypatch.setattr(standard_errors, "_slope_intercept_only", lambda group, eta: False)
    numerical = standard_errors._complete_hessian(group, group.eta, counts, NODES, priors)
    np.testing.assert_allclose(closed[:, :2, :2], numerical[:, :2, :2], rtol=1e-6)
    general_scores = standard_errors._active_scores(group, group.eta, NODES, active)
    np.testing.assert_allclose(closed_scores, general_scores, rtol=1e-12, atol=1e-14)
    outer = standard_errors._expected_score_outer(counts, general_scores)
    np.testing.assert_allclose(
        outer, np.einsum("qnk,qnkp,qnkr->npr", counts, general_scores, general_scores), rtol=1e-12
    )
