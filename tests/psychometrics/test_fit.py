"""Item, person and model fit against mirt, closed forms and simulation."""

from __future__ import annotations

import numpy as np
import pytest

from engine.analysis.fit import (
    _collapse_cells,
    free_parameter_counts,
    infit_outfit,
    m2,
    person_fit,
    rmsea,
    summed_score_likelihood,
    sx2,
)
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix

# mirt: itemfit(mirt(LSAT7, 1)) and M2(...)
MIRT_SX2 = np.array([4.749, 14.453, 1.270, 5.238, 0.941])


@pytest.fixture(scope="module")
def lsat7_responses(lsat7):
    students, items, table = lsat7
    return ResponseMatrix.from_dense(table, students, items)


def test_sx2_matches_mirt_on_lsat7(lsat7_responses, lsat7_params):
    res = sx2(lsat7_responses, lsat7_params)
    # the parameters are mirt's rounded to 3 decimals: agreement to 0.01
    np.testing.assert_allclose(res.sx2, MIRT_SX2, atol=0.01)
    assert res.df.tolist() == [2] * 5
    assert res.p[1] < 0.001 and res.p[2] > 0.5


def test_m2_matches_mirt_on_lsat7(lsat7_responses, lsat7_params):
    fit = m2(lsat7_responses, lsat7_params)
    assert fit.df == 5
    assert fit.m2 == pytest.approx(11.938, abs=0.01)
    assert fit.rmsea == pytest.approx(0.037, abs=0.0005)
    assert fit.n == 1000


def test_rmsea_formula():
    assert rmsea(11.938, 5, 1000) == pytest.approx(np.sqrt((11.938 / 5 - 1) / 999))
    assert rmsea(3.0, 5, 1000) == 0.0
    assert np.isnan(rmsea(3.0, 0, 1000))


def test_lord_wingersky_matches_enumeration():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), size=(2, 4))  # (Q=2, J=4, K=3)
    probs[:, 0, 2] = 0.0
    probs[:, 0] /= probs[:, 0].sum(axis=-1, keepdims=True)
    k = np.array([2, 3, 3, 3])
    dist = summed_score_likelihood(probs, k)
    brute = np.zeros((int((k - 1).sum()) + 1, 2))
    for pattern in np.ndindex(*k):
        brute[sum(pattern)] += np.prod([probs[:, j, c] for j, c in enumerate(pattern)], axis=0)
    np.testing.assert_allclose(dist, brute, atol=1e-14)
    np.testing.assert_allclose(dist.sum(axis=0), 1.0)


def test_collapse_merges_small_rows_like_mirt():
    o = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 10.0], [1.0, 30.0]])
    e = np.array([[0.6, 0.4], [2.5, 2.5], [6.0, 9.0], [2.0, 29.0]])
    oc, ec = _collapse_cells(o, e, 1.0)
    # the single-person first row folds into the second; nothing else is small
    np.testing.assert_allclose(oc, [[4, 2], [5, 10], [1, 30]])
    np.testing.assert_allclose(ec, [[3.1, 2.9], [6, 9], [2, 29]])


def test_sx2_refuses_missing_data(lsat7_params):
    x = np.zeros((10, 5))
    x[0, 0] = np.nan
    r = ResponseMatrix.from_dense(x, item_ids=lsat7_params.item_ids, n_categories=2)
    with pytest.raises(ValueError, match="complete data"):
        sx2(r, lsat7_params)
    with pytest.raises(ValueError, match="complete data"):
        m2(r, lsat7_params)


def test_misaligned_items_are_refused(lsat7_responses, lsat7_params):
    with pytest.raises(ValueError, match="same items in the same order"):
        sx2(lsat7_responses.select_items([1, 0, 2, 3, 4]), lsat7_params)


def test_free_parameter_counts():
    p = ItemParameters.from_arrays(
        ["r", "o", "t", "g"],
        ["rasch", "1pl", "3pl", "grm"],
        a=[1, 1, 1.2, 1.0],
        b=[0, 0, 0, np.nan],
        c=[0, 0, 0.2, np.nan],
        thresholds=[[np.nan] * 3, [np.nan] * 3, [np.nan] * 3, [-1, 0, 1]],
        n_categories=[2, 2, 2, 4],
    )
    assert free_parameter_counts(p).tolist() == [1, 2, 3, 4]


def _simulate_2pl(rng, a, b, n):
    theta = rng.normal(size=n)
    p = 1 / (1 + np.exp(-a[None, :] * (theta[:, None] - b[None, :])))
    return theta, (rng.random(p.shape) < p).astype(float)


def test_infit_outfit_near_one_under_the_model_and_flag_misfit():
    rng = np.random.default_rng(11)
    j = 20
    b = np.linspace(-1.5, 1.5, j)
    a_true = np.ones(j)
    a_true[3] = 3.0  # far steeper than Rasch: overfit, mean squares < 1
    a_true[9] = 0.25  # far flatter: underfit, mean squares > 1
    theta, x = _simulate_2pl(rng, a_true, b, 3000)
    params = ItemParameters.from_arrays([f"I{i}" for i in range(j)], "rasch", b=b)
    res = infit_outfit(ResponseMatrix.from_dense(x, item_ids=params.item_ids), params, theta)
    clean = np.setdiff1d(np.arange(j), [3, 9])
    np.testing.assert_allclose(res.infit[clean], 1.0, atol=0.06)
    np.testing.assert_allclose(res.outfit[clean], 1.0, atol=0.12)
    assert np.mean(np.abs(res.z_infit[clean]) > 1.96) <= 0.12
    assert res.infit[3] < 0.8 and res.z_infit[3] < -3
    assert res.infit[9] > 1.2 and res.z_infit[9] > 3


def test_infit_outfit_closed_form_and_missing_cells():
    # one Rasch item b = 0 at theta = 0 (P = .5, W = .25, C = 1/16) and ln 3 (P = .75)
    params = ItemParameters.from_arrays(["I1", "I2"], "rasch", b=[0.0, 0.0])
    x = np.array([[1.0, np.nan], [0.0, 1.0]])
    theta = np.array([0.0, np.log(3.0)])
    res = infit_outfit(ResponseMatrix.from_dense(x, item_ids=["I1", "I2"]), params, theta)
    # item 1: residuals .5 and -.75; variances .25 and .1875
    assert res.outfit[0] == pytest.approx((0.25 / 0.25 + 0.5625 / 0.1875) / 2)
    assert res.infit[0] == pytest.approx((0.25 + 0.5625) / (0.25 + 0.1875))
    assert res.n.tolist() == [2, 1]
    assert res.outfit[1] == pytest.approx(0.0625 / 0.1875)


def test_person_fit_lz_is_standardized_and_flags_aberrant_patterns():
    rng = np.random.default_rng(5)
    j = 60
    a = rng.uniform(0.8, 2.0, j)
    b = rng.normal(size=j)
    theta, x = _simulate_2pl(rng, a, b, 2000)
    x[:50] = 1.0 - x[:50]  # 50 students answer backwards
    params = ItemParameters.from_arrays([f"I{i}" for i in range(j)], "2pl", a=a, b=b)
    res = person_fit(ResponseMatrix.from_dense(x, item_ids=params.item_ids), params, theta)
    normal = res.lz[50:]
    assert abs(normal.mean()) < 0.1
    assert normal.std() == pytest.approx(1.0, abs=0.1)
    assert np.all(res.lz[:50] < -4)
    assert np.mean(normal < -1.645) == pytest.approx(0.05, abs=0.025)


def test_person_fit_matches_a_naive_loop():
    rng = np.random.default_rng(2)
    params = ItemParameters.from_arrays(
        ["a", "b", "c"],
        ["2pl", "3pl", "gpcm"],
        a=[1.2, 0.8, 1.5],
        b=[0.3, -0.5, np.nan],
        c=[0, 0.2, np.nan],
        thresholds=[[np.nan, np.nan], [np.nan, np.nan], [-0.5, 0.7]],
        n_categories=[2, 2, 3],
    )
    x = np.array([[1, 0, 2], [0, 1, np.nan], [1, np.nan, 0], [0, 0, 1]], dtype=float)
    theta = rng.normal(size=4)
    res = person_fit(ResponseMatrix.from_dense(x, item_ids=params.item_ids, n_categories=[2, 2, 3]), params, theta)
    probs = params.category_probabilities(theta)
    for i in range(4):
        l0 = mu = var = 0.0
        for j in range(3):
            if np.isnan(x[i, j]):
                continue
            p = probs[i, j, : params.n_categories[j]]
            l0 += np.log(p[int(x[i, j])])
            mu += np.sum(p * np.log(p))
            var += np.sum(p * np.log(p) ** 2) - np.sum(p * np.log(p)) ** 2
        assert res.lz[i] == pytest.approx((l0 - mu) / np.sqrt(var), abs=1e-10)


def test_theta_length_is_checked(lsat7_responses, lsat7_params):
    with pytest.raises(ValueError, match="one value per student"):
        infit_outfit(lsat7_responses, lsat7_params, np.zeros(3))


def test_sx2_nominal_rate_under_the_true_model():
    # 2PL with the true parameters: S-X2 is ~ chi2(df + n_free), nothing was estimated
    rng = np.random.default_rng(21)
    j = 15
    a = rng.uniform(0.7, 2.0, j)
    b = rng.normal(size=j)
    params = ItemParameters.from_arrays([f"I{i}" for i in range(j)], "2pl", a=a, b=b)
    from scipy.stats import chi2

    pvals = []
    for _rep in range(8):
        _, x = _simulate_2pl(rng, a, b, 1500)
        res = sx2(ResponseMatrix.from_dense(x, item_ids=params.item_ids), params)
        pvals.append(chi2.sf(res.sx2, res.df + 2))
    pvals = np.concatenate(pvals)
    assert np.mean(pvals < 0.05) == pytest.approx(0.05, abs=0.04)
    assert np.mean(pvals) == pytest.approx(0.5, abs=0.07)


def test_sx2_detects_a_misfitting_item():
    rng = np.random.default_rng(4)
    j = 15
    a = np.full(j, 1.2)
    b = np.linspace(-1.5, 1.5, j)
    theta = rng.normal(size=2000)
    p = 1 / (1 + np.exp(-a * (theta[:, None] - b)))
    p[:, 7] = 0.2 + 0.6 * (np.abs(theta) < 0.8)  # a non-monotone item
    x = (rng.random(p.shape) < p).astype(float)
    params = ItemParameters.from_arrays([f"I{i}" for i in range(j)], "2pl", a=a, b=b)
    res = sx2(ResponseMatrix.from_dense(x, item_ids=params.item_ids), params)
    assert res.p[7] < 1e-6
    assert np.median(res.p[np.arange(j) != 7]) > 0.05


def test_sx2_polytomous_runs_with_collapsing():
    rng = np.random.default_rng(8)
    j = 6
    thr = np.sort(rng.normal(size=(j, 3)), axis=1) + np.array([-0.5, 0, 0.5])
    params = ItemParameters.from_arrays([f"I{i}" for i in range(j)], "grm", a=rng.uniform(1, 2, j), thresholds=thr)
    theta = rng.normal(size=1000)
    probs = params.category_probabilities(theta)
    cum = probs.cumsum(axis=-1)
    x = (rng.random((1000, j, 1)) > cum).sum(axis=-1).astype(float)
    res = sx2(ResponseMatrix.from_dense(x, item_ids=params.item_ids, n_categories=4), params)
    assert np.all(res.df > 0)
    assert np.all(np.isfinite(res.sx2))
    for o, e in zip(res.observed, res.expected):
        assert o.sum() == 1000 - np.sum((x.sum(axis=1) == 0) | (x.sum(axis=1) == 3 * j))
        assert np.nanmin(e) >= 1.0 - 1e-9
    # mean S-X2 close to its df + free parameters under the true model
    assert np.mean(res.sx2 - res.df - 4) == pytest.approx(0.0, abs=0.5 * np.mean(res.df))


def test_m2_under_the_true_model_is_chi_square():
    rng = np.random.default_rng(13)
    j = 8
    a = rng.uniform(0.8, 1.8, j)
    b = rng.normal(size=j)
    params = ItemParameters.from_arrays([f"I{i}" for i in range(j)], "2pl", a=a, b=b)
    stats = []
    for _rep in range(10):
        _, x = _simulate_2pl(rng, a, b, 2000)
        fit = m2(ResponseMatrix.from_dense(x, item_ids=params.item_ids), params)
        stats.append(fit.m2)
    # the parameter directions are projected out, so M2 ~ chi2(36 - 16 = 20);
    # the mean of 10 draws has sd 2
    assert fit.df == 20
    assert np.mean(stats) == pytest.approx(20, abs=6)


def test_m2_without_degrees_of_freedom_is_refused():
    params = ItemParameters.from_arrays(["a", "b"], "grm", thresholds=[[-1, 1], [-1, 1]])
    r = ResponseMatrix.from_dense(np.array([[0, 1], [2, 1], [1, 0]]), item_ids=["a", "b"])
    with pytest.raises(ValueError, match="no degrees of freedom"):
        m2(r, params)


def test_ordinal_moment_covariance_matches_brute_force():
    from engine.analysis.fit import _margin_covariance

    rng = np.random.default_rng(19)
    q, j = 5, 4
    mu = rng.uniform(0.3, 2.0, (q, j))
    mu2 = mu**2 + rng.uniform(0.1, 1.0, (q, j))
    w = rng.dirichlet(np.ones(q))
    iu, ju = np.triu_indices(j, 1)
    margins = [[i] for i in range(j)] + [[a, b] for a, b in zip(iu, ju)]

    def moment(items):
        counts = np.bincount(items, minlength=j)
        return np.prod(np.where(counts == 2, mu2, np.where(counts == 1, mu, 1.0)), axis=1)

    brute = np.array([[w @ moment(u + v) for v in margins] for u in margins])
    np.testing.assert_allclose(_margin_covariance(mu, mu2, w, iu, ju, 7), brute, rtol=1e-12)


def test_ordinal_m2_is_chi_square_after_calibration():
    from engine.irt.calibration import calibrate
    from engine.irt.simulation import simulate_bank, simulate_responses

    rng = np.random.default_rng(23)
    bank = simulate_bank(10, "grm", rng, n_categories=3)
    stats = []
    for _rep in range(5):
        resp = simulate_responses(bank, rng.normal(size=1500), rng)
        fit = m2(resp, calibrate(resp, "grm", se=False).params)
        stats.append(fit.m2)
    # 10 + 45 moments, 30 parameters: chi2(25), the mean of 5 draws has sd 3.2
    assert fit.df == 25 and fit.statistic == "M2 (means)"
    assert np.mean(stats) == pytest.approx(25, abs=9)


def test_margin_covariance_matches_brute_force():
    from engine.analysis.fit import _margin_covariance

    rng = np.random.default_rng(9)
    q, j = 7, 5
    p1 = rng.uniform(0.05, 0.95, (q, j))
    w = rng.dirichlet(np.ones(q))
    iu, ju = np.triu_indices(j, 1)
    margins = [{i} for i in range(j)] + [{a, b} for a, b in zip(iu, ju)]
    brute = np.array([[w @ np.prod(p1[:, sorted(u | v)], axis=1) for v in margins] for u in margins])
    np.testing.assert_allclose(_margin_covariance(p1, p1, w, iu, ju, 50), brute, rtol=1e-12)


def test_m2_qr_and_cholesky_forms_agree(lsat7_responses, lsat7_params):
    a = m2(lsat7_responses, lsat7_params, method="qr")
    b = m2(lsat7_responses, lsat7_params, method="cholesky")
    assert a.m2 == pytest.approx(b.m2, rel=1e-9)


def test_m2_counts_rasch_latent_sd_and_common_slope():
    rng = np.random.default_rng(10)
    b = np.linspace(-1, 1, 6)
    _, x = _simulate_2pl(rng, np.ones(6), b, 1500)
    ids = [f"I{i}" for i in range(6)]
    resp = ResponseMatrix.from_dense(x, item_ids=ids)
    rasch = m2(resp, ItemParameters.from_arrays(ids, "rasch", b=b))
    one_pl = m2(resp, ItemParameters.from_arrays(ids, "1pl", a=1.0, b=b))
    # 21 margins: Rasch estimates 6 b + latent sd, 1PL 6 b + one slope
    assert rasch.df == 21 - 7 and one_pl.df == 21 - 7
    assert rasch.m2 == pytest.approx(one_pl.m2, rel=1e-6)  # the same model, parameterized two ways


def test_response_probabilities_match_the_grid():
    from engine.analysis.fit import response_probabilities

    rng = np.random.default_rng(6)
    params = ItemParameters.from_arrays(
        ["a", "b", "c"],
        ["4pl", "grm", "gpcm"],
        a=[1.2, 0.8, 1.5],
        b=[0.3, np.nan, np.nan],
        c=[0.2, np.nan, np.nan],
        d=[0.9, np.nan, np.nan],
        thresholds=[[np.nan] * 2, [-1, 1], [-0.5, 0.5]],
        n_categories=[2, 3, 3],
    )
    items = rng.integers(0, 3, 40)
    theta = rng.normal(size=40)
    expected = params.category_probabilities(theta)[np.arange(40), items]
    np.testing.assert_allclose(response_probabilities(params, items, theta), expected, atol=1e-14)


def test_sx2_and_m2_with_our_own_calibration_match_mirt(lsat7_responses):
    from engine.irt.calibration import calibrate

    params = calibrate(lsat7_responses, "2pl", se=False).params
    np.testing.assert_allclose(sx2(lsat7_responses, params).sx2, MIRT_SX2, atol=0.005)
    fit = m2(lsat7_responses, params)
    assert fit.m2 == pytest.approx(11.938, abs=0.002)


def test_item_zh_matches_mirt_on_lsat7(lsat7_responses):
    # mirt's tests pin itemfit(mod, 'Zh') for the LSAT7 2PL at EAP scores
    from engine.irt.calibration import calibrate
    from engine.irt.scoring import score

    params = calibrate(lsat7_responses, "2pl", se=False).params
    theta = score(lsat7_responses, params, "eap").theta
    res = infit_outfit(lsat7_responses, params, theta)
    np.testing.assert_allclose(res.zh, [1.431838, 6.354917, 5.310844, 5.804449, 0.696139], atol=0.01)


def test_lsat6_rasch_m2_matches_mirt(lsat6):
    # mirt's tests: M2 of the LSAT6 Rasch model 5.291576 on 9 df (5 b + the latent variance)
    from engine.irt.calibration import calibrate

    np.testing.assert_allclose(lsat6.to_table().mean(axis=0), [0.924, 0.709, 0.553, 0.763, 0.870])
    fit = calibrate(lsat6, "rasch", se=False)
    res = m2(lsat6, fit.params, latent_sd=fit.latent_sd)
    assert res.df == 9
    assert res.m2 == pytest.approx(5.291576, abs=0.01)
    # the same model with one common slope on N(0, 1): mirt reports 5.292566 on 9 df
    one = calibrate(lsat6, "1pl", se=False)
    res1 = m2(lsat6, one.params)
    assert res1.df == 9
    assert res1.m2 == pytest.approx(5.292566, abs=0.01)


def test_sx2_after_a_fit_with_a_missing_cell_matches_mirt(lsat7_responses):
    # mirt's tests: LSAT7 with data[1, 1] missing, itemfit(na.rm = TRUE)$S_X2[1] = 4.8448539
    from engine.irt.calibration import calibrate

    table = lsat7_responses.to_table()
    table[0, 0] = np.nan
    ids, items = lsat7_responses.student_ids, lsat7_responses.item_ids
    params = calibrate(
        ResponseMatrix.from_table(table, ids, items, n_categories=2, sparse=False), "2pl", se=False
    ).params
    keep = ~np.isnan(table).any(axis=1)
    complete = ResponseMatrix.from_dense(table[keep], ids[keep], items, n_categories=2)
    assert sx2(complete, params).sx2[0] == pytest.approx(4.8448539, abs=0.01)


def test_yen_q1_matches_mirt_on_lsat7(lsat7_responses):
    # mirt's tests: itemfit(mod, 'X2') for the LSAT7 2PL at EAP scores, 10 groups, df 8
    from engine.analysis.fit import x2_q1
    from engine.irt.calibration import calibrate
    from engine.irt.scoring import score

    params = calibrate(lsat7_responses, "2pl", se=False).params
    theta = score(lsat7_responses, params, "eap").theta
    res = x2_q1(lsat7_responses, params, theta)
    np.testing.assert_allclose(res.x2, [91.71819, 390.07985, 145.39978, 329.48529, 129.49679], atol=0.05)
    assert res.df.tolist() == [8] * 5


def test_yen_q1_works_on_sparse_data_and_holds_its_level():
    from engine.analysis.fit import x2_q1
    from engine.irt.simulation import simulate_bank, simulate_responses

    rng = np.random.default_rng(41)
    bank = simulate_bank(40, "2pl", rng)
    theta = rng.normal(size=6000)
    resp = simulate_responses(bank, theta, rng, items_per_student=15)
    assert resp.is_sparse
    res = x2_q1(resp, bank, theta)  # true abilities: Q1 ~ chi2 with df + 2
    from scipy.stats import chi2

    p = chi2.sf(res.x2, res.df + 2)
    assert np.mean(p < 0.05) <= 0.15
    assert np.median(p) == pytest.approx(0.5, abs=0.2)


def test_plausible_value_q1_holds_its_level_where_eap_q1_does_not():
    from engine.analysis.fit import pv_q1, x2_q1
    from engine.irt.scoring import score
    from engine.irt.simulation import simulate_bank, simulate_responses

    rng = np.random.default_rng(43)
    bank = simulate_bank(30, "2pl", rng)
    resp = simulate_responses(bank, rng.normal(size=4000), rng, items_per_student=15)
    est = score(resp, bank, "eap")
    eap = x2_q1(resp, bank, est.theta)
    pv = pv_q1(resp, bank, est.theta, est.se, rng, n_draws=10)
    assert np.mean(eap.p < 0.05) > 0.5  # shrunken EAP scores: most good items rejected
    assert np.mean(pv.p < 0.05) <= 0.2
    with pytest.raises(ValueError, match="standard error"):
        pv_q1(resp, bank, est.theta, -est.se, rng)


def test_plausible_value_q1_finds_a_misfitting_item():
    from engine.analysis.fit import pv_q1
    from engine.irt.scoring import score

    rng = np.random.default_rng(44)
    j = 20
    a = np.full(j, 1.3)
    b = np.linspace(-1.5, 1.5, j)
    theta = rng.normal(size=4000)
    p = 1 / (1 + np.exp(-a * (theta[:, None] - b)))
    p[:, 5] = 0.25 + 0.5 * (np.abs(theta) < 0.8)  # non-monotone
    x = (rng.random(p.shape) < p).astype(float)
    x[rng.random(x.shape) < 0.3] = np.nan  # incomplete data: no S-X2 here
    params = ItemParameters.from_arrays([f"I{i}" for i in range(j)], "2pl", a=a, b=b)
    resp = ResponseMatrix.from_dense(x, item_ids=params.item_ids)
    est = score(resp, params, "eap")
    res = pv_q1(resp, params, est.theta, est.se, rng, n_draws=10)
    assert res.p[5] < 1e-6
    assert np.median(np.delete(res.p, 5)) > 0.05


def _q1_one_cell(r: list[float], p: list[float], nn: float, mincell: float) -> tuple[float, int]:
    """Yen's Q1 of one (item, group) table by the merging rule, written out: (statistic, df)."""
    if any(nn * v < mincell for v in p):
        while True:
            wch = [m for m, v in enumerate(p) if nn * v < mincell]
            if not wch or len(r) == 1:
                break
            for m in wch:
                k = 1 if m == 0 else m - 1
                r[k] += r[m]
                p[k] += p[m]
            r = [v for m, v in enumerate(r) if m not in wch]
            p = [v for m, v in enumerate(p) if m not in wch]
        if len(r) == 1:
            return 0.0, 0
    e = nn * np.asarray(p)
    return float(np.sum((np.asarray(r) - e) ** 2 / e)), len(r) - 1


def test_yen_q1_on_small_cells_follows_the_merging_rule_cell_by_cell():
    """Sparse answers leave cells of 2-3 students: Q1 (vectorized for 0/1 items) equals the rule applied per cell."""
    from engine.analysis.fit import free_parameter_counts, response_probabilities, x2_q1
    from engine.irt.simulation import simulate_bank, simulate_responses

    rng = np.random.default_rng(47)
    bank = simulate_bank(60, "2pl", rng)
    theta = rng.normal(0, 1.5, size=700)
    resp = simulate_responses(bank, theta, rng, items_per_student=4)
    res = x2_q1(resp, bank, theta, n_groups=20)
    order = np.argsort(theta, kind="stable")
    group = np.empty(theta.size, dtype=np.int64)
    size, extra = theta.size // 20, theta.size % 20
    group[order] = np.concatenate(
        [np.zeros(extra // 2, int), np.repeat(np.arange(20), size), np.full(extra - extra // 2, 19)]
    )
    free = free_parameter_counts(bank)
    seen_small = False
    for j in range(bank.n_items):
        stat, df = 0.0, 0
        for g in range(20):
            at = (resp.item == j) & (group[resp.student] == g)
            nn = int(at.sum())
            if nn <= 1:
                continue
            seen_small |= nn <= 3
            mean = theta[resp.student[at]].mean()
            probs = response_probabilities(bank, np.array([j]), np.array([mean]))[0, :2]
            counts = np.bincount(resp.score[at], minlength=2).astype(float)
            s, d = _q1_one_cell(counts.tolist(), probs.tolist(), nn, 2.0)
            stat, df = stat + s, df + d
        df -= int(free[j])
        assert res.df[j] == max(df, 0), j
        if stat:
            assert res.x2[j] == pytest.approx(stat, rel=1e-9), j
        else:
            assert np.isnan(res.x2[j])
    assert seen_small
