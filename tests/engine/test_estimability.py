"""The one estimability rule (calibratable items, calibrate's refusal and dropping) and misfit dropping."""

from __future__ import annotations

import numpy as np
import pytest

from engine.irt.calibration import calibratable_items, calibrate, calibrate_dropping_misfits
from engine.irt.calibration.estimability import inestimable_items
from engine.irt.responses import ResponseMatrix
from engine.irt.simulation import simulate_bank, simulate_responses


@pytest.fixture(scope="module")
def awkward():
    """Six items: fine, constant, never answered, a gap in 0..2, fine polytomous, few answers."""
    rng = np.random.default_rng(3)
    n = 120
    table = np.full((n, 6), np.nan)
    table[:, 0] = rng.integers(0, 2, n)
    table[:, 1] = 1
    table[:, 3] = rng.choice([0, 2], n)
    table[:, 4] = rng.integers(0, 3, n)
    table[:5, 5] = [0, 1, 0, 1, 1]
    return ResponseMatrix.from_table(table, [f"S{i}" for i in range(n)], ["ok", "same", "none", "gap", "poly", "few"])


def test_calibratable_items_keep_every_category_used_and_enough_answers(awkward):
    np.testing.assert_array_equal(inestimable_items(awkward), [False, True, True, True, False, False])
    np.testing.assert_array_equal(calibratable_items(awkward), [0, 4, 5])
    np.testing.assert_array_equal(calibratable_items(awkward, min_responses=6), [0, 4])
    held = np.array([False, True, False, False, False, False])
    np.testing.assert_array_equal(inestimable_items(awkward, held), [False, False, True, True, False, False])


def test_calibrate_refuses_and_drops_by_the_same_rule(awkward):
    data = awkward.select_items(np.arange(5))
    models = ["2pl", "2pl", "2pl", "grm", "grm"]
    with pytest.raises(ValueError, match="every answer is 1"):
        calibrate(data, models)
    fit = calibrate(data, models, drop_inestimable=True, se=False)
    assert fit.dropped_items == ("same", "none", "gap")
    assert fit.params.item_ids.tolist() == data.item_ids[calibratable_items(data)].tolist() == ["ok", "poly"]


def test_a_miskeyed_item_is_dropped_and_the_run_repeated():
    rng = np.random.default_rng(8)
    bank = simulate_bank(12, "2pl", rng)
    table = simulate_responses(bank, rng.normal(size=2000), rng).to_table()
    table[:, 4] = 1 - table[:, 4]  # a wrong key: right answers fall with ability
    data = ResponseMatrix.from_dense(table, item_ids=bank.item_ids)
    result, kept, dropped = calibrate_dropping_misfits(data, np.full(12, "2pl"), se=False)
    assert dropped == ["I5"]
    assert kept.item_ids.tolist() == result.params.item_ids.tolist() == [i for i in bank.item_ids if i != "I5"]
    assert np.all(result.params.a > 0)
    capped, _, none_dropped = calibrate_dropping_misfits(data, np.full(12, "2pl"), max_drops=0, se=False)
    assert none_dropped == [] and capped.params.a[4] < 0
