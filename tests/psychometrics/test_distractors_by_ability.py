"""Distractor analysis on ability estimates (adaptive data: students answer different items)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.analysis.classical import distractor_analysis


def test_groups_and_correlations_follow_the_ability_given():
    rng = np.random.default_rng(5)
    theta = rng.normal(size=2000)
    # the key (0) is chosen by able students, option 2 by the least able, 1 and 3 at random
    p_key = 1 / (1 + np.exp(-1.7 * theta))
    choice = np.where(rng.random(2000) < p_key, 0, np.where(theta < -0.5, 2, rng.choice([1, 3], 2000)))
    result = distractor_analysis(choice[:, None], [0], ["X1"], ability=theta)
    assert result.group_size.tolist() == [400] * 5
    lows, highs = result.group_bounds[:, 0], result.group_bounds[:, 1]
    assert np.all(np.diff(lows) > 0) and np.isclose(lows[0], theta.min()) and np.isclose(highs[-1], theta.max())
    key_pbis, low_pbis = result.point_biserial[0, 0], result.point_biserial[0, 2]
    assert key_pbis > 0.4 and low_pbis < -0.3
    assert np.isclose(key_pbis, np.corrcoef(choice == 0, theta)[0, 1])
    assert result.group_proportion[0, 0, -1] > 0.8 > 0.3 > result.group_proportion[0, 0, 0]
    assert not result.miskey[0]
    # keyed to the low students' favourite, the item is flagged as miskeyed
    assert distractor_analysis(choice[:, None], [2], ["X1"], ability=theta).miskey[0]


def test_ability_must_be_one_finite_estimate_per_student():
    with pytest.raises(ValueError, match="one per student"):
        distractor_analysis(np.zeros((10, 1)), [0], ability=np.zeros(9))
    with pytest.raises(ValueError, match="one per student"):
        distractor_analysis(np.zeros((10, 1)), [0], ability=np.r_[np.zeros(9), np.nan])
