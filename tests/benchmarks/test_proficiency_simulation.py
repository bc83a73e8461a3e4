"""The proficiency-method simulation runs and tells the methods apart."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # benchmarks/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks.proficiency import KINDS, N_WEEKS, latest_per_item, run, table, trajectories  # noqa: E402
from engine.mastery.proficiency import METHODS  # noqa: E402


def test_trajectories_follow_their_kind():
    theta, kind, days = trajectories(40, np.random.default_rng(1))
    assert theta.shape == (40, N_WEEKS) and days[-1] == 7.0 * (N_WEEKS - 1)
    steady = theta[kind == KINDS.index("steady")]
    np.testing.assert_array_equal(steady, np.repeat(steady[:, :1], N_WEEKS, axis=1))
    grows = theta[kind == KINDS.index("grows")]
    np.testing.assert_allclose(grows[:, -1] - grows[:, 0], 1.5)


def test_latest_per_item_keeps_one_answer_per_student_and_item():
    student = np.array([0, 0, 0, 1])
    item = np.array([3, 3, 1, 3])
    time = np.array([0.0, 7.0, 0.0, 0.0])
    assert sorted(latest_per_item(student, item, time).tolist()) == [1, 2, 3]


def test_adaptive_items_defeat_highest_but_not_the_growth_filter():
    result = run(400, seed=3, selection="adaptive")
    rates = result["rates"]
    assert set(rates) == {*METHODS, "irt (as stored)", "irt growth filter"}
    assert all(0.0 <= r["all"] <= 1.0 for r in rates.values())
    assert rates["irt growth filter"]["all"] < rates["highest"]["all"] - 0.3
    assert "| irt growth filter |" in table(result)
