"""A check's minimum length, by simulation: the stopping rules never end a check on less evidence than it.

The check policy's ``ci`` rule classifies a student far below the mastery cut
after very few answers (a struggling student's check stopped after 4 while
another's ran to 15); ``itembank.checks.check_policy(min_items)`` (the
``check_min_items`` setting) holds every check to at least ``min_items``
answers, and :func:`engine.adaptive.stopping.progress` reaches 1 exactly
when a check stops by its rules.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.adaptive.simulation import simulate_cat
from engine.adaptive.stopping import REASONS, StoppingRule, progress
from itembank.checks import MIN_ITEMS, check_policy

from .conftest import make_2pl

CUT = 0.5


@pytest.fixture(scope="module")
def bank():
    return make_2pl(300, seed=5)


def _run(bank, min_items: int, theta: np.ndarray):
    policy = check_policy(min_items)
    policy = replace(policy, stopping=replace(policy.stopping, cut=CUT))
    return policy, simulate_cat(bank, theta, policy, np.random.default_rng(2))


def test_struggling_students_stopped_at_four_and_now_get_the_minimum(bank):
    struggling = np.random.default_rng(1).normal(-2.0, 0.4, size=1500)
    _, short = _run(bank, 4, struggling)
    assert short.length.min() == 4 and np.mean(short.length == 4) > 0.5  # what the tour saw
    policy, sim = _run(bank, MIN_ITEMS, struggling)
    assert MIN_ITEMS >= 6 and policy.stopping.min_items == MIN_ITEMS
    assert sim.length.min() >= MIN_ITEMS
    assert sim.se.mean() < short.se.mean()  # the extra answers are evidence
    assert np.mean(sim.mastery) < 0.01  # and the decision stays right


@pytest.mark.parametrize("min_items", [1, 6, 9, 15])
def test_no_check_stops_before_the_minimum_and_progress_is_one_exactly_at_the_stop(bank, min_items):
    theta = np.random.default_rng(3).normal(0.0, 1.5, size=800)
    policy, sim = _run(bank, min_items, theta)
    rule = policy.stopping
    assert sim.length.min() >= min_items and sim.length.max() <= rule.max_items
    final = progress(rule, sim.length, sim.theta, sim.se)
    by_rule = np.isin(sim.reason, [REASONS.index(r) for r in ("max_items", "ci", "se")])
    assert by_rule.all() and np.all(final[by_rule] == 1.0)
    # one answer earlier the same estimates were not enough before the minimum
    assert np.all(progress(rule, np.maximum(sim.length - 1, 0), sim.theta, sim.se)[sim.length <= min_items] < 1.0)


def test_progress_before_the_minimum_grows_with_the_answers():
    rule = StoppingRule(min_items=6, max_items=15, se_target=0.35, classify="ci", cut=CUT, confidence=0.9)
    far = progress(rule, np.arange(7), np.full(7, -3.0), np.full(7, 0.5))
    np.testing.assert_allclose(far, np.arange(7) / 6)
    near = progress(rule, np.array([8]), np.array([CUT + 0.1]), np.array([0.7]))
    assert 0.5 < near[0] < 0.6  # se_target / se = 0.5; the 15 items' floor 8/15 = 0.53
    assert check_policy(40).stopping.min_items == 15
