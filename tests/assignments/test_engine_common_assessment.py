"""engine.analysis.common_assessment: band counts, means, Fisher tests and item analysis per class."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import false_discovery_control, fisher_exact

from engine.analysis.common_assessment import (
    class_item_analysis,
    fisher_exact_two_sided,
    group_band_counts,
    group_means,
)


def test_band_counts_count_each_students_band_per_group_and_standard():
    group = [0, 0, 1, 1, 1]
    band = [[0, 2], [2, -1], [1, 1], [1, 2], [-1, 0]]
    counts = group_band_counts(group, band, n_groups=2, n_bands=3)
    assert counts.shape == (2, 2, 3)
    assert counts[0, 0].tolist() == [1, 0, 1]
    assert counts[0, 1].tolist() == [0, 0, 1]  # the missing estimate is not counted
    assert counts[1, 0].tolist() == [0, 2, 0]
    assert counts[1, 1].tolist() == [1, 1, 1]


def test_group_means_skip_missing_values():
    mean, n = group_means([0, 0, 1, 2], [[0.2, np.nan], [0.6, 0.9], [0.5, np.nan], [np.nan, np.nan]], 3)
    assert mean[0].tolist() == pytest.approx([0.4, 0.9])
    assert n.tolist() == [[2, 1], [1, 0], [0, 0]]
    assert mean[1, 0] == 0.5 and np.isnan(mean[1, 1]) and np.isnan(mean[2]).all()


@pytest.mark.parametrize(
    "a,n1,c,n2",
    [(3, 25, 18, 75), (20, 25, 40, 75), (0, 5, 5, 5), (5, 5, 5, 5), (12, 24, 30, 60), (1, 1, 0, 1), (7, 30, 50, 70)],
)
def test_fisher_exact_matches_scipy(a, n1, c, n2):
    expected = fisher_exact([[a, n1 - a], [c, n2 - c]], alternative="two-sided").pvalue
    assert fisher_exact_two_sided(a, n1, c, n2) == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_fisher_exact_is_vectorized_and_nan_for_an_empty_group():
    a = np.array([[3, 20], [0, 0]])
    n1 = np.array([[25, 25], [0, 10]])
    c = np.array([[18, 40], [5, 0]])
    n2 = np.array([[75, 75], [10, 0]])
    p = fisher_exact_two_sided(a, n1, c, n2)
    assert p.shape == (2, 2)
    assert p[0, 0] == pytest.approx(fisher_exact([[3, 22], [18, 57]]).pvalue, rel=1e-9)
    assert np.isnan(p[1, 0]) and np.isnan(p[1, 1])


def test_fisher_exact_refuses_impossible_tables():
    with pytest.raises(ValueError, match="0 <= a <= n1"):
        fisher_exact_two_sided(6, 5, 1, 5)


def _cfa(rng, n_per_class=25, n_items=8):
    """Four classes; class 2 finds item 3 much harder than the others."""
    group = np.repeat(np.arange(4), n_per_class)
    p = np.full((group.size, n_items), 0.7)
    p[group == 2, 3] = 0.1
    scores = (rng.random(p.shape) < p).astype(float)
    scores[0, 0] = np.nan  # one item not answered
    return group, scores


def test_item_analysis_flags_the_class_that_differs_and_no_other():
    rng = np.random.default_rng(3)
    group, scores = _cfa(rng)
    result = class_item_analysis(group, scores, np.ones(8), 4)
    assert result.flagged[2, 3]
    assert result.flagged.sum() == 1
    assert result.difference[2, 3] < -0.3
    # the q-values are Benjamini-Hochberg over every test of the assessment
    assert result.q_value.ravel() == pytest.approx(false_discovery_control(result.p_value.ravel(), method="bh"))


def test_item_analysis_percent_and_counts():
    rng = np.random.default_rng(4)
    group, scores = _cfa(rng)
    result = class_item_analysis(group, scores, np.ones(8), 4)
    assert result.n[0, 0] == 24 and result.n[1, 0] == 25
    in_class = scores[group == 1, 5]
    assert result.percent[1, 5] == pytest.approx(100 * in_class.mean())
    # the Fisher p-value of one cell from scipy on the same table
    a, n1 = int(scores[group == 2, 3].sum()), 25
    rest = scores[group != 2, 3]
    expected = fisher_exact([[a, n1 - a], [int(rest.sum()), rest.size - int(rest.sum())]]).pvalue
    assert result.p_value[2, 3] == pytest.approx(expected, rel=1e-9)


def test_item_analysis_rubric_items_are_reported_not_tested_and_choices_counted():
    group = np.array([0, 0, 1, 1])
    scores = np.array([[1, 3], [0, 2], [1, 1], [1, np.nan]])
    choices = np.zeros((4, 2, 4), dtype=bool)
    choices[[0, 2, 3], 0, 0] = True  # A, the key
    choices[1, 0, 2] = True  # C
    result = class_item_analysis(group, scores, [1, 3], 2, choices=choices, n_choices=4)
    assert result.choice_counts[0, 0].tolist() == [1, 0, 1, 0]
    assert result.choice_counts[1, 0].tolist() == [2, 0, 0, 0]
    assert result.percent[0, 1] == pytest.approx(100 * 5 / 6)
    assert np.isnan(result.p_value[:, 1]).all() and not result.flagged[:, 1].any()


def test_item_analysis_refuses_bad_shapes():
    with pytest.raises(ValueError, match="group codes"):
        class_item_analysis([0, 3], np.ones((2, 1)), [1], 2)
    with pytest.raises(ValueError, match="choices should have shape"):
        class_item_analysis([0, 1], np.ones((2, 1)), [1], 2, choices=np.zeros((2, 1, 3)), n_choices=4)
