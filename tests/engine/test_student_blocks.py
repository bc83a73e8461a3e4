"""The sums over students are the same whatever the blocks of students they are computed in."""

from __future__ import annotations

import numpy as np
import pytest

from engine.irt.calibration.e_step import expected_counts
from engine.irt.calibration.students import LocalStudents
from engine.irt.likelihood import log_probability_table
from engine.irt.quadrature import normal_grid, normal_log_weights
from engine.irt.simulation import simulate_bank, simulate_responses


@pytest.mark.parametrize("items_per_student", [None, 7])
def test_expected_counts_do_not_depend_on_the_blocks(items_per_student):
    rng = np.random.default_rng(4)
    bank = simulate_bank(15, "grm", rng, n_categories=3)
    responses = simulate_responses(bank, rng.normal(size=700), rng, items_per_student=items_per_student)
    codes = rng.integers(0, 2, responses.n_students)
    nodes, _ = normal_grid(31, (-5.0, 5.0))
    table = log_probability_table(bank.groups, nodes, bank.n_items, 3)
    weights = np.stack([normal_log_weights(nodes, 0.0, 1.0), normal_log_weights(nodes, 0.5, 1.2)])
    whole = LocalStudents(responses, codes, n_blocks=1).map_sum(expected_counts, table, weights, np.dtype(np.float64))
    split = LocalStudents(responses, codes, n_blocks=3).map_sum(expected_counts, table, weights, np.dtype(np.float64))
    assert split[0] == pytest.approx(whole[0], abs=1e-9)
    np.testing.assert_allclose(split[1], whole[1], atol=1e-9)
    np.testing.assert_allclose(split[2], whole[2], atol=1e-9)
    # the counts are the posterior's: every student once per answered item, each group's students once
    np.testing.assert_allclose(whole[1].sum(axis=(0, 2)), responses.responses_per_item, rtol=1e-12)
    np.testing.assert_allclose(whole[2].sum(axis=1), np.bincount(codes, minlength=2), rtol=1e-12)
