"""DIF: Mantel-Haenszel by hand and by simulation, IRT likelihood-ratio with anchors."""

from __future__ import annotations

import numpy as np
import pytest

from engine.analysis.dif import ets_class, irt_lr_dif, mantel_haenszel
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix

# two strata: (A ref right, B ref wrong, C focal right, D focal wrong)
TABLES = [(10, 5, 6, 9), (20, 4, 15, 8)]


def _tiny():
    x, grp, strata = [], [], []
    for s, (a, b, c, d) in enumerate(TABLES):
        for n, score, g in ((a, 1, "R"), (b, 0, "R"), (c, 1, "F"), (d, 0, "F")):
            x += [score] * n
            grp += [g] * n
            strata += [s] * n
    return np.array(x, dtype=float)[:, None], np.array(grp), np.array(strata)


def test_mh_odds_ratio_chi_square_and_se_by_hand():
    x, grp, strata = _tiny()
    res = mantel_haenszel(x, grp, "R", "F", matching=strata)
    num = sum(a * d / (a + b + c + d) for a, b, c, d in TABLES)
    den = sum(b * c / (a + b + c + d) for a, b, c, d in TABLES)
    alpha = num / den
    assert res.odds_ratio[0] == pytest.approx(alpha, rel=1e-12)
    assert res.delta[0] == pytest.approx(-2.35 * np.log(alpha), rel=1e-12)
    ea = sum((a + b) * (a + c) / (a + b + c + d) for a, b, c, d in TABLES)
    va = sum(
        (a + b) * (c + d) * (a + c) * (b + d) / ((a + b + c + d) ** 2 * (a + b + c + d - 1)) for a, b, c, d in TABLES
    )
    chi = (abs(30 - ea) - 0.5) ** 2 / va
    assert res.chi2[0] == pytest.approx(chi, rel=1e-12)
    # Robins-Breslow-Greenland variance of ln(alpha)
    t1 = t2 = t3 = 0.0
    for a, b, c, d in TABLES:
        n = a + b + c + d
        p, q, r, s = (a + d) / n, (b + c) / n, a * d / n, b * c / n
        t1 += p * r
        t2 += p * s + q * r
        t3 += q * s
    var = t1 / (2 * num**2) + t2 / (2 * num * den) + t3 / (2 * den**2)
    assert res.se_delta[0] == pytest.approx(2.35 * np.sqrt(var), rel=1e-12)
    assert res.n_reference[0] == 39 and res.n_focal[0] == 38


def test_ets_classes():
    cls = ets_class(
        [0.5, -1.2, 1.7, 1.6, -2.5, 3.0], [0.1, 0.2, 0.2, 0.5, 0.3, 0.3], [0.001, 0.01, 0.001, 0.01, 0.001, 0.2]
    )
    # |d| < 1 -> A; 1.2 sig -> B; 1.7 sig above 1 -> C; 1.6 with se .5 not sig above 1 -> B; 2.5 -> C; not sig -> A
    assert cls.tolist() == ["A", "B", "C", "B", "C", "A"]


def _rasch_groups(rng, n, b, shift_item=None, shift=0.0, impact=-0.5):
    groups = np.repeat(["R", "F"], n)
    theta = np.concatenate([rng.normal(0, 1, n), rng.normal(impact, 1, n)])
    bb = np.tile(b, (2 * n, 1))
    if shift_item is not None:
        bb[n:, shift_item] += shift
    p = 1 / (1 + np.exp(-(theta[:, None] - bb)))
    return (rng.random(p.shape) < p).astype(float), groups


def test_mh_flags_planted_dif_and_keeps_nominal_rate():
    rng = np.random.default_rng(7)
    j = 20
    b = np.linspace(-1.5, 1.5, j)
    pvals, planted = [], []
    for _rep in range(20):
        x, groups = _rasch_groups(rng, 600, b, shift_item=4, shift=0.9)
        res = mantel_haenszel(x, groups, "R", "F")
        planted.append((res.ets_class[4], res.delta[4]))
        pvals.append(np.delete(res.p, 4))
    pvals = np.concatenate(pvals)
    # Rasch items: the total score is sufficient, so MH holds its level despite impact
    assert np.mean(pvals < 0.05) == pytest.approx(0.05, abs=0.025)
    assert all(c in ("B", "C") for c, _ in planted)
    # a b-shift of 0.9 logits is an odds ratio of e^0.9: delta = -2.35 * 0.9
    assert np.mean([d for _, d in planted]) == pytest.approx(-2.35 * 0.9, abs=0.25)


def test_mh_purification_moves_clean_items_toward_zero():
    rng = np.random.default_rng(8)
    b = np.linspace(-1.5, 1.5, 12)
    x, groups = _rasch_groups(rng, 1500, b, shift_item=2, shift=1.5)
    plain = mantel_haenszel(x, groups, "R", "F")
    pure = mantel_haenszel(x, groups, "R", "F", purify=True)
    assert pure.purified and pure.ets_class[2] == "C"
    clean = np.arange(12) != 2
    assert np.mean(np.abs(pure.delta[clean])) < np.mean(np.abs(plain.delta[clean]))


def test_mh_input_errors():
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match="one label per student"):
        mantel_haenszel(x, ["R", "F"], "R", "F")
    with pytest.raises(ValueError, match="focal group"):
        mantel_haenszel(x, ["R"] * 4, "R", "F")
    x[0, 0] = np.nan
    with pytest.raises(ValueError, match="matching strata"):
        mantel_haenszel(x, ["R", "F", "R", "F"], "R", "F")


@pytest.fixture(scope="module")
def lr_inputs():
    rng = np.random.default_rng(12)
    j, n = 12, 1000
    a = rng.uniform(0.8, 1.8, j)
    b = rng.normal(size=j)
    groups = np.repeat(["R", "F"], n)
    theta = np.concatenate([rng.normal(0, 1, n), rng.normal(-0.5, 1, n)])
    bb = np.tile(b, (2 * n, 1))
    bb[n:, 0] += 0.8  # item I0 is harder for the focal group
    p = 1 / (1 + np.exp(-a * (theta[:, None] - bb)))
    x = (rng.random(p.shape) < p).astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan  # missing cells are fine here
    params = ItemParameters.from_arrays([f"I{i}" for i in range(j)], "2pl", a=a, b=b)
    return ResponseMatrix.from_dense(x, item_ids=params.item_ids), params, groups


@pytest.fixture(scope="module")
def lr_result(lr_inputs):
    resp, params, groups = lr_inputs
    return irt_lr_dif(resp, params, groups, "R", "F", ["I0", "I1", "I2"])


def test_lr_dif_flags_the_planted_item_only(lr_result):
    assert lr_result.df.tolist() == [2, 2, 2]
    assert lr_result.p[0] < 1e-5
    assert np.all(lr_result.p[1:] > 0.01)
    assert np.all(lr_result.g2 >= 0)
    assert np.all(lr_result.loglik_dif >= lr_result.loglik_null - 1e-6)


def test_lr_dif_recovers_shift_and_impact(lr_result):
    shift = lr_result.focal.b[0] - lr_result.reference.b[0]
    assert shift == pytest.approx(0.8, abs=0.3)
    impact = lr_result.latent_mean[:, 1] - lr_result.latent_mean[:, 0]
    np.testing.assert_allclose(impact, -0.5, atol=0.15)
    np.testing.assert_allclose(lr_result.latent_sd, 1.0, atol=0.15)
    assert lr_result.anchors.tolist() == [f"I{i}" for i in range(3, 12)]


def test_lr_dif_input_errors():
    params = ItemParameters.from_arrays(["I0", "I1"], "2pl", a=[1, 1], b=[0, 0])
    resp = ResponseMatrix.from_dense(np.array([[0, 1], [1, 1], [1, 0], [0, 0]]), item_ids=["I0", "I1"])
    g = ["R", "F", "R", "F"]
    with pytest.raises(ValueError, match="unknown studied item"):
        irt_lr_dif(resp, params, g, "R", "F", ["X"])
    with pytest.raises(ValueError, match="both studied and an anchor"):
        irt_lr_dif(resp, params, g, "R", "F", ["I0"], anchors=["I0"])
    with pytest.raises(ValueError, match="at least one anchor"):
        irt_lr_dif(resp, params, g, "R", "F", ["I0", "I1"])


def test_mh_on_a_response_matrix_equals_the_dense_call():
    rng = np.random.default_rng(9)
    x, groups = _rasch_groups(rng, 300, np.linspace(-1, 1, 8), shift_item=1, shift=1.0)
    dense = mantel_haenszel(x, groups, "R", "F", purify=True)
    resp = ResponseMatrix.from_dense(x, item_ids=[f"I{i + 1}" for i in range(8)])
    long = mantel_haenszel(resp, groups, "R", "F", purify=True)
    for name in ("odds_ratio", "delta", "se_delta", "chi2", "p", "smd"):
        np.testing.assert_allclose(getattr(long, name), getattr(dense, name), rtol=1e-12, err_msg=name)
    assert long.ets_class.tolist() == dense.ets_class.tolist()
    assert long.item_ids.tolist() == resp.item_ids.tolist()


def test_std_p_dif_by_hand():
    x, grp, strata = _tiny()
    res = mantel_haenszel(x, grp, "R", "F", matching=strata)
    # focal-weighted difference of proportions correct: strata have 15 and 23 focal students
    diff = [(c / (c + d) - a / (a + b)) for a, b, c, d in TABLES]
    assert res.smd[0] == pytest.approx((15 * diff[0] + 23 * diff[1]) / 38, rel=1e-12)


def test_mantel_ordinal_chi_square_by_hand_and_polytomous_flag():
    # one 3-category item, two strata
    y = np.array([0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 2, 1, 0, 0, 1, 0], dtype=float)
    grp = np.array(list("RRRRFFFF" + "RRRRFFFF"))
    strata = np.repeat([0, 1], 8)
    res = mantel_haenszel(y[:, None], grp, "R", "F", matching=strata)
    num = var = 0.0
    for k in (0, 1):
        sel = strata == k
        yk, fk = y[sel], grp[sel] == "F"
        nk, nf, nr = sel.sum(), fk.sum(), (~fk).sum()
        num += yk[fk].sum() - nf * yk.sum() / nk
        var += nr * nf * (nk * (yk**2).sum() - yk.sum() ** 2) / (nk**2 * (nk - 1))
    assert res.chi2[0] == pytest.approx(num**2 / var, rel=1e-12)
    assert np.isnan(res.delta[0]) and res.ets_class[0] in ("AA", "BB", "CC")


def test_polytomous_dif_is_flagged_by_simulation():
    from engine.irt.simulation import simulate_bank, simulate_responses

    rng = np.random.default_rng(14)
    bank = simulate_bank(8, "gpcm", rng)
    harder = ItemParameters.from_arrays(
        bank.item_ids, "gpcm", a=bank.a, thresholds=bank.thresholds + np.where(np.arange(8) == 2, 1.0, 0.0)[:, None]
    )
    ref = simulate_responses(bank, rng.normal(0, 1, 1500), rng).to_table()
    foc = simulate_responses(harder, rng.normal(-0.3, 1, 1500), rng).to_table()
    res = mantel_haenszel(np.vstack([ref, foc]), np.repeat(["R", "F"], 1500), "R", "F")
    assert res.ets_class[2] == "CC" and res.smd[2] < 0
    assert all(c == "AA" for k, c in enumerate(res.ets_class) if k != 2)


def test_a_single_student_stratum_changes_nothing():
    x, grp, strata = _tiny()
    base = mantel_haenszel(x, grp, "R", "F", matching=strata)
    more = mantel_haenszel(np.vstack([x, [[1.0]]]), np.append(grp, "F"), "R", "F", matching=np.append(strata, 7))
    for name in ("odds_ratio", "chi2", "se_delta", "smd"):
        assert getattr(more, name)[0] == pytest.approx(getattr(base, name)[0], rel=1e-12), name


def test_lr_dif_logliks_are_the_naive_two_group_marginal_likelihoods(lr_inputs, lr_result):
    """The compact model's loglik, at its estimates, written out item by item (anchors at their bank values)."""
    from tests.engine.test_calibrate_groups import naive_group_loglik

    resp, params, groups = lr_inputs
    nodes = np.linspace(-6, 6, 61)
    for s, item in enumerate(lr_result.item_ids.tolist()):
        others = [i for i in range(12) if i not in (0, 1, 2)]
        positions = [*others, params.index_of[item]]
        studied = lr_result.common.subset([s])
        table = ItemParameters.from_arrays(
            params.item_ids[positions], "2pl", a=[*params.a[others], studied.a[0]], b=[*params.b[others], studied.b[0]]
        )
        latent = {g: (lr_result.latent_mean[s, k], lr_result.latent_sd[s, k]) for k, g in enumerate(("R", "F"))}
        data = resp.to_table()[:, positions]
        naive = naive_group_loglik(data, groups, {"R": table, "F": table}, latent, nodes)
        assert lr_result.loglik_null[s] == pytest.approx(naive, abs=1e-6)


def test_lr_dif_with_estimated_anchors(lr_inputs):
    resp, params, groups = lr_inputs
    res = irt_lr_dif(resp, params, groups, "R", "F", ["I0", "I1"], estimate_anchors=True)
    assert res.p[0] < 1e-5 and res.p[1] > 0.01
    # the reference group defines the scale; the focal group's impact is recovered
    np.testing.assert_allclose(res.latent_mean[:, 0], 0.0)
    np.testing.assert_allclose(res.latent_sd[:, 0], 1.0)
    np.testing.assert_allclose(res.latent_mean[:, 1], -0.5, atol=0.15)
    assert res.focal.b[0] - res.reference.b[0] == pytest.approx(0.8, abs=0.3)
