"""Classical item analysis against closed forms, naive loops and real data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.analysis.classical import ability_groups, cronbach_alpha, distractor_analysis, item_statistics

TINY = np.array(
    [
        [1, 0, 1],
        [1, 1, 1],
        [0, 0, 1],
        [1, 1, 0],
        [0, 0, 0],
    ],
    dtype=float,
)


def test_alpha_closed_form_on_tiny_data():
    # item variances 0.3 each, total variance 1.3: alpha = 3/2 (1 - 0.9/1.3) = 6/13
    assert cronbach_alpha(TINY) == pytest.approx(6 / 13, abs=1e-12)
    stats = item_statistics(TINY)
    assert stats.alpha == pytest.approx(6 / 13, abs=1e-12)
    assert stats.n_complete == 5


def test_point_biserial_closed_form():
    # r_pb = (M1 - M0) / s_n * sqrt(p q), s_n the population sd of the total
    total = TINY.sum(axis=1)
    m1, m0 = total[TINY[:, 0] == 1].mean(), total[TINY[:, 0] == 0].mean()
    expected = (m1 - m0) / total.std() * np.sqrt(0.6 * 0.4)
    assert expected == pytest.approx((7 / 3 - 1 / 2) / np.sqrt(1.04) * np.sqrt(0.24))
    stats = item_statistics(TINY)
    assert stats.point_biserial[0] == pytest.approx(expected, abs=1e-12)
    assert stats.p_value == pytest.approx([0.6, 0.4, 0.6])


def test_alpha_if_deleted_is_alpha_of_the_rest():
    rng = np.random.default_rng(3)
    x = (rng.normal(size=(200, 1)) + rng.normal(size=(200, 6)) > 0).astype(float)
    stats = item_statistics(x)
    for j in range(6):
        assert stats.alpha_if_deleted[j] == pytest.approx(cronbach_alpha(np.delete(x, j, axis=1)), abs=1e-12)


@given(
    arrays(np.float64, (12, 4), elements=st.sampled_from([0.0, 1.0, 2.0, np.nan])),
)
def test_correlations_match_a_naive_loop(x):
    stats = item_statistics(x, max_scores=2)
    total = np.nansum(x, axis=1)
    for j in range(x.shape[1]):
        ok = ~np.isnan(x[:, j])
        xi, t = x[ok, j], total[ok]
        if ok.sum() < 2 or xi.std() == 0 or t.std() == 0:
            assert np.isnan(stats.point_biserial[j])
        else:
            assert stats.point_biserial[j] == pytest.approx(np.corrcoef(xi, t)[0, 1], abs=1e-9)
        rest = t - xi
        if ok.sum() >= 2 and xi.std() > 0 and rest.std() > 0:
            assert stats.corrected_item_total[j] == pytest.approx(np.corrcoef(xi, rest)[0, 1], abs=1e-9)
        if ok.any():
            assert stats.p_value[j] == pytest.approx(xi.mean() / 2)


def test_bad_scores_are_refused():
    with pytest.raises(ValueError, match="shape"):
        item_statistics(np.zeros(5))
    with pytest.raises(ValueError, match="non-negative"):
        item_statistics(np.array([[0.0, -1.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="above the maximum"):
        item_statistics(np.array([[0.0, 3.0], [1.0, 1.0]]), max_scores=[1, 2])


def test_ability_groups_are_equal_sized_and_ordered():
    total = np.array([5, 1, 3, 3, 0, 2, 4, 4, 1, 2])
    g = ability_groups(total, 5)
    assert np.bincount(g).tolist() == [2] * 5
    assert all(total[g == a].max() <= total[g == a + 1].min() for a in range(4))


def test_sat12_item32_is_flagged_as_miskeyed(sat12_choices):
    items, table, key = sat12_choices
    res = distractor_analysis(table, key, items)
    flagged = [items[j] for j in np.flatnonzero(res.miskey)]
    assert flagged == ["Item_32"]
    j = items.index("Item_32")
    col = list(res.options).index(res.suspect_option[j])
    # the suspect distractor discriminates (positive point-biserial) and the key does not
    assert res.point_biserial[j, col] > 0.15
    assert res.point_biserial[j, list(res.options).index(key[j])] < 0.1
    # its share rises from the lowest to the highest ability group
    assert res.group_proportion[j, col, -1] > res.group_proportion[j, col, 0] + 0.2
    assert res.proportion.sum(axis=1) + res.omit_rate == pytest.approx(np.ones(len(items)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_wrong_key_is_flagged(seed):
    rng = np.random.default_rng(seed)
    n, j = 800, 20
    theta = rng.normal(size=n)
    b = rng.normal(size=j)
    p = 1 / (1 + np.exp(-1.2 * (theta[:, None] - b[None, :])))
    right = rng.random((n, j)) < p
    key = rng.integers(1, 5, size=j)
    wrong = (key[None, :] - 1 + rng.integers(1, 4, size=(n, j))) % 4 + 1
    choices = np.where(right, key[None, :], wrong).astype(float)
    bad = 7
    planted = key.copy()
    planted[bad] = key[bad] % 4 + 1
    res = distractor_analysis(choices, planted)
    assert res.miskey[bad]
    assert res.suspect_option[bad] == key[bad]
    assert res.miskey.sum() == 1
    clean = distractor_analysis(choices, key)
    assert not clean.miskey.any()
    assert np.all(clean.discrimination > 0)


def test_distractor_input_errors():
    with pytest.raises(ValueError, match="one option per item"):
        distractor_analysis(np.ones((10, 3)), [1, 2])
    with pytest.raises(ValueError, match="whole option codes"):
        distractor_analysis(np.full((10, 2), 1.5), [1, 2])


@pytest.mark.parametrize("sparse", [False, True])
def test_response_matrix_statistics_equal_the_dense_ones(sparse):
    from engine.analysis.classical import response_item_statistics
    from engine.irt.responses import ResponseMatrix

    rng = np.random.default_rng(4)
    x = rng.integers(0, 3, size=(60, 5)).astype(float)
    x[rng.random(x.shape) < (0.6 if sparse else 0.1)] = np.nan
    resp = ResponseMatrix.from_table(x, [f"S{i}" for i in range(60)], list("abcde"), n_categories=3, sparse=sparse)
    assert resp.is_sparse == sparse
    a = response_item_statistics(resp)
    b = item_statistics(x, list("abcde"), max_scores=2)
    for name in ("n", "mean", "p_value", "point_biserial", "corrected_item_total", "alpha_if_deleted"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-10, err_msg=name)
    assert a.alpha == pytest.approx(b.alpha, nan_ok=True) and a.n_complete == b.n_complete


@given(st.integers(0, 10_000))
def test_key_point_biserial_is_the_corrected_item_total_correlation(seed):
    rng = np.random.default_rng(seed)
    choices = rng.integers(1, 5, size=(40, 6)).astype(float)
    choices[rng.random(choices.shape) < 0.1] = np.nan  # omitted: scored 0
    key = rng.integers(1, 5, size=6)
    res = distractor_analysis(choices, key)
    scored = (choices == key[None, :]).astype(float)
    stats = item_statistics(scored, max_scores=1)
    col = np.searchsorted(res.options, key)
    np.testing.assert_allclose(res.point_biserial[np.arange(6), col], stats.corrected_item_total, atol=1e-10)
    np.testing.assert_allclose(res.p_value, stats.p_value)
    # within each ability group the options and the omits share the students
    groups = ability_groups(scored.sum(axis=1), 5)
    omitted = np.stack([np.isnan(choices[groups == g]).mean(axis=0) for g in range(5)], axis=1)  # (J, G)
    np.testing.assert_allclose(res.group_proportion.sum(axis=1) + omitted, 1.0, atol=1e-12)
