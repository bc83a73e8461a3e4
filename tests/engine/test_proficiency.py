"""Proficiency calculation methods against answers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from engine.mastery.proficiency import METHODS, proficiency_levels, proficiency_scores

NAN = np.nan
SCORES = np.array(
    [
        [40.0, 90.0, 70.0, NAN],
        [80.0, 60.0, 80.0, 60.0],
        [NAN, NAN, NAN, NAN],
        [NAN, 55.0, NAN, NAN],
    ]
)


@pytest.mark.parametrize(
    "method, expected",
    [
        ("most_recent", [70.0, 60.0, NAN, 55.0]),
        ("highest", [90.0, 80.0, NAN, 55.0]),
        # all different: the latest; a 2-2 tie: the tied score taken last
        ("mode", [70.0, 60.0, NAN, 55.0]),
        ("mean", [200.0 / 3.0, 70.0, NAN, 55.0]),
        # 40 -> .65*90+.35*40 = 72.5 -> .65*70+.35*72.5 = 70.875
        ("decaying_average", [70.875, 0.65 * 60 + 0.35 * (0.65 * 80 + 0.35 * (0.65 * 60 + 0.35 * 80)), NAN, 55.0]),
    ],
)
def test_methods_closed_form(method, expected):
    np.testing.assert_allclose(proficiency_scores(SCORES, method), expected, rtol=1e-12)


def test_decaying_average_weight():
    got = proficiency_scores([[0.0, 100.0]], "decaying_average", decay_weight=0.8)
    np.testing.assert_allclose(got, [80.0])
    np.testing.assert_allclose(proficiency_scores([[10.0, 30.0]], "decaying_average", decay_weight=1.0), [30.0])


def test_power_law_recovers_an_exact_power_law():
    k = np.arange(1, 6, dtype=float)
    exact = 20.0 * k**0.5
    np.testing.assert_allclose(proficiency_scores(exact[None, :], "power_law"), [20.0 * 5**0.5], rtol=1e-12)
    # gaps do not count as assessments: the third score is the second taken
    gapped = np.array([[exact[0], NAN, exact[1], NAN]])
    np.testing.assert_allclose(proficiency_scores(gapped, "power_law"), [exact[1]], rtol=1e-12)


def test_power_law_single_zero_and_clipping():
    got = proficiency_scores([[35.0, NAN], [0.0, 0.0], [50.0, 100.0]], "power_law")
    # one score as it is; zeros floored at 1%; 50 -> 100 doubles at k=2 and the fit passes through both
    np.testing.assert_allclose(got, [35.0, 1.0, 100.0], rtol=1e-12)


def test_levels_from_percent_cuts():
    levels = proficiency_levels(SCORES, "most_recent", [50.0, 80.0])
    np.testing.assert_array_equal(levels, [1, 1, -1, 1])
    np.testing.assert_array_equal(proficiency_levels([[80.0], [49.9], [50.0]], "highest", [50.0, 80.0]), [2, 0, 1])


@pytest.mark.parametrize("method", METHODS)
def test_every_method_equals_a_constant_student(method):
    np.testing.assert_allclose(proficiency_scores([[64.0, 64.0, 64.0]], method), [64.0], rtol=1e-12)


def test_bad_input_refused():
    with pytest.raises(ValueError, match="unknown proficiency method"):
        proficiency_scores([[50.0]], "median")
    with pytest.raises(ValueError, match="between 0 and 100"):
        proficiency_scores([[120.0]], "mean")
    with pytest.raises(ValueError, match=r"\(N, K\)"):
        proficiency_scores([50.0], "mean")
    with pytest.raises(ValueError, match="weight"):
        proficiency_scores([[50.0]], "decaying_average", decay_weight=0.0)
