"""Bands, percent cuts, roll-up, empirical-Bayes per-standard estimates, growth."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import logit

from benchmarks.scenarios import simulate_correlated_standards
from engine.adaptive import posterior as post_ops
from engine.adaptive.bank import AdaptiveBank
from engine.irt.parameters import ItemParameters
from engine.irt.simulation import simulate_learning
from engine.mastery.bands import BandScheme, band_codes, cuts_from_percent, rollup
from engine.mastery.estimates import standard_estimates
from engine.mastery.growth import _predict, drift_filter, estimate_drift, sittings


def test_percent_cuts_rasch_closed_form():
    params = ItemParameters.from_arrays(["x"], "rasch", b=[0.4])
    cuts = cuts_from_percent(params, (50, 80))
    np.testing.assert_allclose(cuts, [0.4, 0.4 + logit(0.8)], atol=1e-8)
    with pytest.raises(ValueError, match="outside"):
        cuts_from_percent(ItemParameters.from_arrays(["x"], "3pl", b=[0], c=[0.3]), (20,))


def test_percent_cuts_hit_the_tcc(mixed_bank):
    cuts = cuts_from_percent(mixed_bank.params, (50, 80, 90))
    exp = mixed_bank.params.expected_score(np.array(cuts)).sum(axis=1) / np.sum(mixed_bank.n_categories - 1)
    np.testing.assert_allclose(exp, [0.5, 0.8, 0.9], atol=1e-8)
    scheme = BandScheme.tiers(cuts)
    assert scheme.labels == ("red", "yellow", "green", "blue") and scheme.mastery_cut == cuts[1]
    assert scheme.names([cuts[0] - 1e-6, cuts[0], cuts[2] + 1]).tolist() == ["red", "yellow", "blue"]


def test_rollup_rules_against_loops():
    rng = np.random.default_rng(0)
    codes = rng.integers(-1, 3, (40, 7))
    parent = np.array([0, 0, 1, 1, 1, 2, 2])
    low = rollup(codes, parent)
    med = rollup(codes, parent, rule="median")
    for n in range(40):
        for p in range(3):
            kids = codes[n, parent == p]
            kids = np.sort(kids[kids >= 0])
            assert low[n, p] == (kids.min() if kids.size else -1)
            assert med[n, p] == (kids[(kids.size - 1) // 2] if kids.size else -1)


@pytest.fixture(scope="module")
def standards_data():
    """The benchmark's correlated standards, smaller: 1,500 students, 8 standards of 20 items, rho 0.8."""
    data = simulate_correlated_standards(
        np.random.default_rng(0), n_students=1500, n_standards=8, items_per_standard=20, rho=0.8
    )
    return data.bank, data.theta, data.n_answers, data.student, data.item, data.score


def test_empirical_bayes_beats_standard_alone(standards_data):
    bank, theta, n_ans, stu, item, score = standards_data
    eb = standard_estimates(bank, stu, item, score, theta.shape[0])
    alone = standard_estimates(bank, stu, item, score, theta.shape[0], rho=0.0)
    assert eb.rho == pytest.approx(0.8, abs=0.08)
    cuts = (-0.5, 0.5)
    truth = band_codes(theta, cuts)
    acc_eb = np.mean(band_codes(eb.theta, cuts) == truth)
    acc_alone = np.mean(band_codes(alone.theta, cuts) == truth)
    assert acc_eb > acc_alone + 0.05
    assert np.sqrt(np.mean((eb.theta - theta) ** 2)) < np.sqrt(np.mean((alone.theta - theta) ** 2)) - 0.08
    np.testing.assert_array_equal(eb.n_answers, n_ans)


def test_alone_equals_grid_posterior(standards_data):
    bank, theta, n_ans, stu, item, score = standards_data
    alone = standard_estimates(bank, stu, item, score, theta.shape[0], rho=0.0)
    mine = (stu == 3) & (item // 20 == 2)
    post = post_ops.from_responses(bank, post_ops.normal_prior(bank, 0, 1), item[mine][None], score[mine][None])
    t, s = post_ops.moments(bank, post)
    assert alone.theta[3, 2] == pytest.approx(t[0], abs=1e-10)
    assert alone.se[3, 2] == pytest.approx(s[0], abs=1e-10)


def test_sittings_and_static_filter(standards_data):
    bank, theta, n_ans, stu, item, score = standards_data
    sit, times = sittings(np.array([1, 0, 1, 1, 0]), np.array([5.0, 2.0, 1.0, 5.0, 2.0]), 3)
    assert sit.tolist() == [1, 0, 0, 1, 0]
    assert np.isnan(times[2]).all() and times[1].tolist() == [1.0, 5.0]
    sel = stu < 50
    t = np.random.default_rng(0).integers(0, 30, sel.sum()).astype(float)
    static = drift_filter(bank, stu[sel], item[sel], score[sel], t, 50, sigma=0.0)
    post = post_ops.from_responses(
        bank, post_ops.normal_prior(bank, 0, 1), item[sel & (stu == 7)][None], score[sel & (stu == 7)][None]
    )
    assert static.theta[7] == pytest.approx(post_ops.moments(bank, post)[0][0], abs=1e-10)


def test_fft_drift_equals_direct_convolution(bank2pl):
    post = post_ops.normal_prior(bank2pl, np.array([0.5, -1.0]), np.array([0.4, 0.7]))
    var = np.array([0.09, 0.25])
    got = _predict(bank2pl, post, var)
    nodes = bank2pl.nodes
    for i in range(2):
        k = np.exp(-0.5 * (nodes[:, None] - nodes[None, :]) ** 2 / var[i])
        want = post[i] @ k
        np.testing.assert_allclose(got[i], want / want.sum(), atol=1e-10)
    # variances add: N(0.5, 0.4^2) convolved with N(0, 0.09) is N(0.5, 0.25)
    m, s = post_ops.moments(bank2pl, got)
    assert s[0] == pytest.approx(0.5, abs=1e-3) and m[0] == pytest.approx(0.5, abs=1e-6)


def test_drift_beats_all_evidence_on_learning_trajectories():
    rng = np.random.default_rng(0)
    j, n, k, per = 60, 1500, 6, 6
    params = ItemParameters.from_arrays(
        [f"i{x}" for x in range(j)], "2pl", a=rng.lognormal(0.2, 0.25, j), b=rng.normal(0, 1, j)
    )
    bank = AdaptiveBank.from_parameters(params)
    traj, learners, stu, sit, item, score = simulate_learning(params, n, k, per, rng)
    days = sit * 7.0
    sigma = estimate_drift(bank, stu, item, score, days, n)
    assert 0.05 < sigma < 0.5
    drift = drift_filter(bank, stu, item, score, days, n, sigma=sigma)
    naive = drift_filter(bank, stu, item, score, days, n, sigma=0.0)
    rmse = lambda e: np.sqrt(np.mean((e.theta - traj[:, -1]) ** 2))  # noqa: E731
    assert rmse(drift) < rmse(naive) - 0.08
    # a relearner turns green: the naive estimate lags behind the final ability
    assert (
        np.mean(drift.theta[learners] - traj[learners, -1]) > np.mean(naive.theta[learners] - traj[learners, -1]) + 0.2
    )


def test_bands_and_p_mastery(standards_data):
    bank, theta, n_ans, stu, item, score = standards_data
    eb = standard_estimates(bank, stu, item, score, theta.shape[0], rho=0.8)
    cuts = np.tile([-0.5, 0.5], (8, 1))
    cuts[3] = [-1.0, 0.0]
    codes, p = eb.bands(bank, cuts)
    np.testing.assert_array_equal(codes[:, 3], band_codes(eb.theta[:, 3], cuts[3]))
    # P(mastery) equals the posterior mass above the cut, computed one student at a time
    for n in (0, 7, 99):
        post = eb.posterior[n, 3][None]
        assert p[n, 3] == pytest.approx(post_ops.prob_above(bank, post, 0.0)[0], abs=1e-12)
    # calibration of P(mastery): among students with p ~ 0.8 about 80% truly are above the cut
    sel = (p > 0.7) & (p < 0.9)
    truth = theta >= cuts[None, :, 1]
    assert abs(truth[sel].mean() - p[sel].mean()) < 0.05
    # the prior is the other standards' evidence: shrinks toward rho * general ability
    assert np.all(eb.prior_sd < 1.0) and np.all(eb.prior_sd > np.sqrt(1 - 0.8**2) - 0.02)
    with pytest.raises(ValueError, match="cuts"):
        eb.bands(bank, np.zeros((8, 4)))


def test_prediction_to_now_widens_by_the_drift(bank2pl):
    stu = np.array([0, 0, 0])
    item = np.array([1, 2, 3])
    score = np.array([1, 0, 1])
    t = np.array([0.0, 0.0, 0.0])
    at_last = drift_filter(bank2pl, stu, item, score, t, 1, sigma=0.1)
    later = drift_filter(bank2pl, stu, item, score, t, 1, sigma=0.1, now=25.0)
    # variance grows by sigma^2 * days = 0.01 * 25
    assert later.se[0] ** 2 == pytest.approx(at_last.se[0] ** 2 + 0.25, abs=2e-3)
    assert later.theta[0] == pytest.approx(at_last.theta[0], abs=2e-3)


def test_rho_near_zero_for_unrelated_standards():
    rng = np.random.default_rng(3)
    s, per, n = 5, 15, 1500
    j = s * per
    params = ItemParameters.from_arrays(
        [f"i{k}" for k in range(j)], "2pl", a=rng.lognormal(0.3, 0.2, j), b=rng.normal(0, 1, j)
    )
    bank = AdaptiveBank.from_parameters(params, objectives=[f"s{k // per}" for k in range(j)])
    theta = rng.normal(size=(n, s))  # independent standards
    stu = np.repeat(np.arange(n), j)
    item = np.tile(np.arange(j), n)
    p = params.pair_probabilities(theta[stu, item // per], item)[:, 1]
    score = (rng.random(item.size) < p).astype(int)
    eb = standard_estimates(bank, stu, item, score, n)
    assert eb.rho < 0.12


@pytest.mark.parametrize("rule", ["lowest", "median"])
def test_rollup_parent_without_children(rule):
    codes = np.array([[2, 0, 1], [-1, -1, 2]])
    got = rollup(codes, np.array([0, 0, 2]), n_parents=4, rule=rule)
    assert got[:, 1].tolist() == [-1, -1] and got[:, 3].tolist() == [-1, -1]
    assert got[:, 2].tolist() == [1, 2]
    assert got[:, 0].tolist() == [0, -1]


def test_mastery_report_static_equals_estimates(standards_data):
    from engine.mastery.estimates import mastery_report

    bank, theta, n_ans, stu, item, score = standards_data
    t = np.zeros(item.size)
    cuts = np.tile([-0.5, 0.5], (8, 1))
    alone = standard_estimates(bank, stu, item, score, theta.shape[0], rho=0.0)
    rep = mastery_report(bank, stu, item, score, t, theta.shape[0], cuts, rho=0.0, sigma=0.0)
    np.testing.assert_allclose(rep.theta, alone.theta, atol=1e-6)
    eb = standard_estimates(bank, stu, item, score, theta.shape[0], rho=0.8)
    rep = mastery_report(bank, stu, item, score, t, theta.shape[0], cuts, rho=0.8, sigma=0.0)
    # the normal approximation of the mixture prior moves estimates very little
    assert np.max(np.abs(rep.theta - eb.theta)) < 0.05
    np.testing.assert_array_equal(rep.band, band_codes(rep.theta, (-0.5, 0.5)))
    assert np.all((rep.p_mastery >= 0) & (rep.p_mastery <= 1))


def test_mastery_report_with_drift_tracks_relearning():
    from engine.mastery.estimates import mastery_report

    rng = np.random.default_rng(5)
    s, per, n, k = 3, 20, 1200, 5
    j = s * per
    params = ItemParameters.from_arrays(
        [f"i{x}" for x in range(j)], "2pl", a=rng.lognormal(0.2, 0.25, j), b=rng.normal(0, 1, j)
    )
    bank = AdaptiveBank.from_parameters(params, objectives=[f"s{x // per}" for x in range(j)])
    start = rng.normal(-0.7, 0.8, (n, 1)) + 0.3 * rng.normal(size=(n, s))
    learn = rng.random((n, s)) < 0.5
    # 4 answers per standard per weekly sitting; relearners gain 1.5 from sitting 2 on
    stu, std, sit = (x.ravel() for x in np.meshgrid(np.arange(n), np.arange(s), np.arange(k), indexing="ij"))
    stu, std, sit = np.repeat(stu, 4), np.repeat(std, 4), np.repeat(sit, 4)
    item = std * per + rng.integers(0, per, stu.size)
    true = start[stu, std] + 1.5 * (learn[stu, std] & (sit >= 2))
    score = (rng.random(stu.size) < params.pair_probabilities(true, item)[:, 1]).astype(int)
    final = start + 1.5 * learn
    cuts = np.tile([-0.5, 0.5], (s, 1))
    static = mastery_report(bank, stu, item, score, sit * 7.0, n, cuts, sigma=0.0)
    growing = mastery_report(bank, stu, item, score, sit * 7.0, n, cuts, sigma="estimate")
    truth = band_codes(final, (-0.5, 0.5))
    assert growing.sigma > 0.05
    assert np.mean(growing.band == truth) > np.mean(static.band == truth) + 0.04


@given(data=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6)), min_size=1, max_size=40))
def test_sittings_match_a_loop(data):
    stu = np.array([d[0] for d in data])
    t = np.array([float(d[1]) for d in data])
    sit, times = sittings(stu, t, 5)
    for n in range(5):
        distinct = sorted(set(t[stu == n].tolist()))
        assert times[n, : len(distinct)].tolist() == distinct
        assert np.isnan(times[n, len(distinct) :]).all()
        for i in np.flatnonzero(stu == n):
            assert sit[i] == distinct.index(t[i])
