"""Selection: vectorized equals per-student, never blocked, rules against references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.adaptive import posterior as post_ops
from engine.adaptive.exposure import ExposurePolicy
from engine.adaptive.selection import SelectionRule, candidates, pad_rows, select

RULES = ["max-info", "target-p"]


@st.composite
def cases(draw):
    n = draw(st.integers(1, 12))
    width = draw(st.integers(0, 30))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1.5, n)
    blocked = np.where(rng.random((n, width)) < 0.8, rng.integers(0, 200, (n, width)), -1)
    required = rng.integers(-1, 4, n)
    depth = draw(st.integers(1, 6))
    return theta, blocked, required, depth


@pytest.mark.parametrize("rule", RULES)
@given(case=cases())
def test_ranked_equals_dense_and_vectorized_equals_loop(bank2pl, rule, case):
    theta, blocked, required, depth = case
    r = SelectionRule(rule)
    ranked = candidates(bank2pl, theta, blocked, rule=r, depth=depth, required=required, dense=False)
    dense = candidates(bank2pl, theta, blocked, rule=r, depth=depth, required=required, dense=True)
    np.testing.assert_array_equal(ranked, dense)
    one_by_one = np.vstack(
        [
            candidates(bank2pl, theta[i : i + 1], blocked[i : i + 1], rule=r, depth=depth, required=required[i : i + 1])
            for i in range(theta.size)
        ]
    )
    np.testing.assert_array_equal(ranked, one_by_one)
    # never a blocked item, always of the required category
    for i in range(theta.size):
        got = ranked[i][ranked[i] >= 0]
        assert not set(got.tolist()) & set(blocked[i][blocked[i] >= 0].tolist())
        if required[i] >= 0:
            assert np.all(bank2pl.objective[got] == required[i])


def test_max_info_is_brute_force_argmax(bank2pl):
    rng = np.random.default_rng(3)
    theta = rng.normal(size=50)
    blocked = rng.integers(0, 200, (50, 5))
    got = select(bank2pl, theta, blocked)
    grid_theta = bank2pl.nodes[bank2pl.node_index(theta)]
    info = bank2pl.params.information(grid_theta)  # exact, (N, J)
    info[np.arange(50)[:, None], blocked] = -np.inf
    np.testing.assert_array_equal(got, np.argmax(info, axis=1))


def test_target_p_is_closest_success_probability(bank2pl):
    theta = np.array([-1.0, 0.0, 1.5])
    got = select(bank2pl, theta, np.zeros((3, 0), dtype=int), rule=SelectionRule("target-p", p_target=0.75))
    p = bank2pl.params.category_probabilities(theta)[:, :, 1]
    np.testing.assert_array_equal(got, np.argmin(np.abs(p - 0.75), axis=1))


def test_kl_matches_direct_sum(mixed_bank):
    post = post_ops.from_responses(
        mixed_bank, post_ops.normal_prior(mixed_bank, 0, 1), np.array([[0, 3]]), np.array([[1, 2]])
    )
    theta, _ = post_ops.moments(mixed_bank, post)
    rule = SelectionRule("kl", kl_stride=1)
    cand = candidates(mixed_bank, theta, np.array([[0, 3]]), rule=rule, depth=4, posterior=post)
    # direct: sum_q w_q sum_k P_k(that) log(P_k(that) / P_k(theta_q))
    q = mixed_bank.node_index(theta)[0]
    p = mixed_bank.params.category_probabilities(mixed_bank.nodes)  # (Q, J, K)
    phat = p[q]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(phat[None] > 0, phat[None] * (np.log(phat[None]) - np.log(p)), 0.0)
    kl = post[0] @ terms.sum(axis=2)
    kl[[0, 3]] = -np.inf
    np.testing.assert_array_equal(cand[0], np.argsort(-kl, kind="stable")[:4])
    assert np.all(kl[np.isfinite(kl)] >= 0)


def test_exhausted_rows_get_minus_one(mixed_bank):
    blocked = np.array([[0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, -1]])
    got = select(mixed_bank, np.zeros(2), blocked)
    assert got.tolist() == [-1, 5]


def test_pad_rows_round_trip():
    rows = np.array([2, 0, 2, 2, 1])
    vals = np.array([7, 3, 8, 9, 4])
    out = pad_rows(rows, vals, 4)
    assert out.tolist() == [[3, -1, -1], [4, -1, -1], [7, 8, 9], [-1, -1, -1]]


def test_randomesque_draws_from_top_k(bank2pl):
    rng = np.random.default_rng(0)
    theta = np.zeros(4000)
    blocked = np.zeros((4000, 0), dtype=int)
    got = select(bank2pl, theta, blocked, exposure=ExposurePolicy("randomesque", k=5), rng=rng)
    top = candidates(bank2pl, theta[:1], blocked[:1], depth=5)[0]
    assert set(np.unique(got).tolist()) == set(top.tolist())
    counts = np.bincount(got, minlength=200)[top]
    assert np.all(np.abs(counts / 4000 - 0.2) < 0.03)


def test_bad_inputs(bank2pl):
    with pytest.raises(ValueError, match="blocked"):
        candidates(bank2pl, np.zeros(3), np.zeros((2, 1), dtype=int))
    with pytest.raises(ValueError, match="selection rule"):
        SelectionRule("best")
    with pytest.raises(ValueError, match="p_target"):
        SelectionRule("target-p", p_target=1.2)
    with pytest.raises(ValueError, match="posterior"):
        candidates(bank2pl, np.zeros(1), np.zeros((1, 0), dtype=int), rule=SelectionRule("kl"))


def test_recently_seen_window():
    from engine.adaptive.selection import recently_seen

    got = recently_seen(
        np.array([0, 0, 1, 1, 0, 2]),
        np.array([5, 6, 7, 7, 5, 9]),
        np.array([1.0, 9.0, 9.5, 3.0, 8.0, 0.0]),
        now=10.0,
        window=2.5,
        n_students=4,
    )
    assert got.tolist() == [[5, 6], [7, -1], [-1, -1], [-1, -1]]
    with pytest.raises(ValueError, match="window"):
        recently_seen(np.array([0]), np.array([1]), np.array([0.0]), 1.0, -1, 1)


def test_max_info_mixed_bank_polytomous(mixed_bank):
    theta = np.linspace(-2, 2, 9)
    blocked = np.full((9, 1), -1)
    blocked[::2, 0] = 3  # some rows have already answered the first grm item
    got = select(mixed_bank, theta, blocked)
    info = mixed_bank.params.information(mixed_bank.nodes[mixed_bank.node_index(theta)])
    info[::2, 3] = -np.inf
    np.testing.assert_array_equal(got, np.argmax(info, axis=1))
    assert set(got.tolist()) & {3, 4, 5}  # rubric items are chosen where they are most informative


@given(case=cases())
def test_sympson_hetter_vectorized_equals_per_student(bank2pl, case):
    theta, blocked, required, _ = case
    bank = bank2pl.with_exposure_control(np.linspace(0.4, 1.0, 200))
    keys = np.arange(theta.size, dtype=np.uint64) * np.uint64(1_000_003) + np.uint64(17)
    pol = ExposurePolicy("sympson-hetter", candidates=20)
    together = select(bank, theta, blocked, exposure=pol, required=required, rng=np.random.default_rng(0), keys=keys)
    alone = [
        select(
            bank,
            theta[i : i + 1],
            blocked[i : i + 1],
            exposure=pol,
            required=required[i : i + 1],
            rng=np.random.default_rng(0),
            keys=keys[i : i + 1],
        )[0]
        for i in range(theta.size)
    ]
    np.testing.assert_array_equal(together, alone)
