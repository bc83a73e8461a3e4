"""Multiple-group calibration (R mirt's multipleGroup): recovery, known answers, freed items."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp

from engine.irt.calibration import calibrate
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from engine.irt.simulation import simulate_bank, simulate_responses


def rmse(x, y):
    return float(np.sqrt(np.mean((np.asarray(x) - np.asarray(y)) ** 2)))


def simulate_groups(bank, means, sds, n, rng, focal_bank=None):
    """Responses of ``n`` students per group, group g drawn from N(means[g], sds[g]^2)."""
    tables = []
    for g, (mean, sd) in enumerate(zip(means, sds)):
        items = focal_bank if focal_bank is not None and g > 0 else bank
        tables.append(simulate_responses(items, rng.normal(mean, sd, n), rng).to_table())
    labels = np.repeat([f"G{g}" for g in range(len(means))], n)
    return ResponseMatrix.from_dense(np.vstack(tables), item_ids=bank.item_ids), labels


def naive_group_loglik(table, labels, params_by_group, latent_by_group, nodes):
    """sum over groups of sum over its students of log sum_q w_gq prod_j P_j(x_ij | theta_q), item by item."""
    total = 0.0
    for label, params in params_by_group.items():
        mean, sd = latent_by_group[label]
        log_w = -0.5 * ((nodes - mean) / sd) ** 2
        log_w -= logsumexp(log_w)
        rows = table[labels == label]
        probs = params.category_probabilities(nodes)
        ll = np.tile(log_w, (len(rows), 1))
        for j in range(rows.shape[1]):
            seen = ~np.isnan(rows[:, j])
            ll[seen] += np.log(probs[:, j, rows[seen, j].astype(int)]).T
        total += float(logsumexp(ll, axis=1).sum())
    return total


@pytest.fixture(scope="module")
def three_groups():
    rng = np.random.default_rng(20260301)
    bank = simulate_bank(30, "2pl", rng)
    means, sds = (0.0, 0.5, -0.4), (1.0, 1.3, 0.8)
    responses, labels = simulate_groups(bank, means, sds, 3000, rng)
    return bank, responses, labels, means, sds


def test_group_means_sds_and_items_are_recovered(three_groups):
    bank, responses, labels, means, sds = three_groups
    fit = calibrate(responses, "2pl", groups=labels, reference="G0", se=False)
    assert fit.converged
    assert [g.label for g in fit.groups] == ["G0", "G1", "G2"]
    assert [g.n_students for g in fit.groups] == [3000, 3000, 3000]
    assert fit.groups[0].mean == 0.0 and fit.groups[0].sd == 1.0
    np.testing.assert_allclose([g.mean for g in fit.groups], means, atol=0.1)
    np.testing.assert_allclose([g.sd for g in fit.groups], sds, atol=0.1)
    # the single-group recovery bounds (tests/engine/test_calibrate_sim.py) hold
    assert rmse(fit.params.a, bank.a) < 0.07
    assert rmse(fit.params.b, bank.b) < 0.07
    assert fit.n_free == 2 * 30 + 2 * 2
    # one group for everyone misfits: the groups' model is the better one
    single = calibrate(responses, "2pl", se=False)
    assert fit.loglik > single.loglik + 100


def test_one_group_reproduces_the_single_group_fit_exactly(lsat7):
    _, responses = lsat7
    plain = calibrate(responses, "2pl")
    grouped = calibrate(responses, "2pl", groups=np.full(responses.n_students, "everyone"))
    assert grouped.loglik == plain.loglik and grouped.iterations == plain.iterations
    for name in ("a", "b"):
        np.testing.assert_array_equal(grouped.params.se[name], plain.params.se[name])
        np.testing.assert_array_equal(getattr(grouped.params, name), getattr(plain.params, name))
    assert grouped.groups[0].label == "everyone" and grouped.groups[0].params is grouped.params


def test_loglik_is_the_naive_sum_over_groups_of_the_marginal_likelihood():
    rng = np.random.default_rng(41)
    bank = simulate_bank(6, "2pl", rng)
    responses, labels = simulate_groups(bank, (0.0, -0.6), (1.0, 1.4), 700, rng)
    fit = calibrate(responses, "2pl", groups=labels, reference="G0", se=False)
    latent = {g.label: (g.mean, g.sd) for g in fit.groups}
    assert latent["G1"][0] == pytest.approx(-0.6, abs=0.2) and latent["G1"][1] == pytest.approx(1.4, abs=0.2)
    naive = naive_group_loglik(responses.to_table(), labels, {"G0": fit.params, "G1": fit.params}, latent, fit.nodes)
    assert fit.loglik == pytest.approx(naive, abs=1e-8)
    # items anchored at their generating values: every group's mean and sd are free
    anchored = calibrate(responses, "2pl", groups=labels, reference="G0", anchors=bank, se=False)
    latent = {g.label: (g.mean, g.sd) for g in anchored.groups}
    assert latent["G0"][0] == pytest.approx(0.0, abs=0.15) and latent["G1"][0] == pytest.approx(-0.6, abs=0.15)
    naive = naive_group_loglik(responses.to_table(), labels, {"G0": bank, "G1": bank}, latent, anchored.nodes)
    assert anchored.loglik == pytest.approx(naive, abs=1e-8)


def test_louis_standard_errors_of_the_group_model_are_the_inverse_observed_information():
    """Numerical Hessian of the naive two-group marginal likelihood over (a, b, focal mean, focal sd)."""
    rng = np.random.default_rng(43)
    bank = simulate_bank(4, "2pl", rng)
    responses, labels = simulate_groups(bank, (0.0, 0.5), (1.0, 0.8), 600, rng)
    fit = calibrate(responses, "2pl", groups=labels, reference="G0", se_method="louis")
    table, nodes = responses.to_table(), fit.nodes
    v0 = np.concatenate([fit.params.a, fit.params.b, [fit.groups[1].mean, fit.groups[1].sd]])

    def ll(v):
        params = ItemParameters.from_arrays(bank.item_ids, "2pl", a=v[:4], b=v[4:8])
        return naive_group_loglik(
            table, labels, {"G0": params, "G1": params}, {"G0": (0.0, 1.0), "G1": (v[8], v[9])}, nodes
        )

    h, size = 1e-4, len(v0)
    hess = np.zeros((size, size))
    for i in range(size):
        for j in range(i, size):
            e_i, e_j = np.eye(size)[i] * h, np.eye(size)[j] * h
            hess[i, j] = hess[j, i] = (
                ll(v0 + e_i + e_j) - ll(v0 + e_i - e_j) - ll(v0 - e_i + e_j) + ll(v0 - e_i - e_j)
            ) / (4 * h * h)
    se = np.sqrt(np.diag(np.linalg.inv(-hess)))
    np.testing.assert_allclose(fit.params.se["a"], se[:4], rtol=2e-3)
    np.testing.assert_allclose(fit.params.se["b"], se[4:8], rtol=2e-3)
    assert fit.groups[1].mean_se == pytest.approx(se[8], rel=2e-3)
    assert fit.groups[1].sd_se == pytest.approx(se[9], rel=2e-3)
    assert np.isnan(fit.groups[0].mean_se) and np.isnan(fit.groups[0].sd_se)
    # blocks leave out the latent parameters' covariance with the items: SEs given the items, smaller
    block = calibrate(responses, "2pl", groups=labels, reference="G0", se_method="block")
    assert 0 < block.groups[1].mean_se < fit.groups[1].mean_se
    assert 0 < block.groups[1].sd_se < fit.groups[1].sd_se


def test_a_freed_item_gets_its_own_parameters_in_each_group():
    rng = np.random.default_rng(47)
    bank = simulate_bank(15, "2pl", rng)
    harder = ItemParameters.from_arrays(bank.item_ids, "2pl", a=bank.a, b=bank.b + np.where(np.arange(15) == 0, 1.0, 0))
    responses, labels = simulate_groups(bank, (0.0, -0.5), (1.0, 1.0), 2500, rng, focal_bank=harder)
    fit = calibrate(responses, "2pl", groups=labels, reference="G0", free_items=["I1"], se=False)
    ref, foc = fit.groups[0].params, fit.groups[1].params
    assert ref.item_ids.tolist() == foc.item_ids.tolist() == bank.item_ids.tolist()
    assert foc.b[0] - ref.b[0] == pytest.approx(1.0, abs=0.25)
    np.testing.assert_array_equal(foc.b[1:], ref.b[1:])
    assert fit.params is ref and fit.n_free == 2 * 15 + 2 + 2
    assert fit.groups[1].mean == pytest.approx(-0.5, abs=0.1)
    # without freeing it, the planted item pulls the fit down
    common = calibrate(responses, "2pl", groups=labels, reference="G0", se=False)
    assert fit.loglik - common.loglik > 20


def test_group_errors_are_refused_with_a_message(lsat7):
    _, responses = lsat7
    labels = np.repeat(["R", "F"], 500)
    with pytest.raises(ValueError, match="reference group 'X'"):
        calibrate(responses, "2pl", groups=labels, reference="X")
    with pytest.raises(ValueError, match="one label per student"):
        calibrate(responses, "2pl", groups=labels[:10])
    with pytest.raises(ValueError, match="need groups"):
        calibrate(responses, "2pl", free_items=["Item_1"])
    with pytest.raises(ValueError, match="free_items names item X"):
        calibrate(responses, "2pl", groups=labels, free_items=["X"])
    anchors = calibrate(responses, "2pl", se=False).params.subset([0])
    with pytest.raises(ValueError, match="is an anchor"):
        calibrate(responses, "2pl", groups=labels, anchors=anchors, free_items=["Item_1"])
    with pytest.raises(ValueError, match="1pl with groups"):
        calibrate(responses, "1pl", groups=labels)


def test_a_freed_item_nobody_in_a_group_answered_is_dropped_or_refused():
    rng = np.random.default_rng(53)
    bank = simulate_bank(6, "2pl", rng)
    responses, labels = simulate_groups(bank, (0.0, 0.3), (1.0, 1.0), 300, rng)
    table = responses.to_table()
    table[labels == "G1", 2] = np.nan
    data = ResponseMatrix.from_table(table, responses.student_ids, responses.item_ids, sparse=True)
    with pytest.raises(ValueError, match="item I3@G1 has no responses"):
        calibrate(data, "2pl", groups=labels, reference="G0", free_items=["I3"])
    fit = calibrate(data, "2pl", groups=labels, reference="G0", free_items=["I3"], drop_inestimable=True, se=False)
    assert fit.dropped_items == ("I3",) and "I3" not in fit.params.item_ids.tolist()
    assert fit.groups[1].params.item_ids.tolist() == fit.params.item_ids.tolist()


@pytest.mark.parametrize("free", [(True, True), (False, True)])
def test_latent_m_step_reaches_the_maximum_of_the_expected_log_weights(free):
    from scipy.optimize import minimize

    from engine.irt.calibration.m_step import m_step_latent
    from engine.irt.quadrature import normal_log_weights

    nodes = np.linspace(-6, 6, 61)
    counts = 800 * np.exp(normal_log_weights(nodes, 0.7, 1.3)) + np.random.default_rng(5).uniform(0, 3, 61)
    mask = np.array(free)
    found = m_step_latent(np.array([0.0, 0.0]), mask, nodes, counts)

    def negative(v):
        x = np.zeros(2)
        x[mask] = v
        return -counts @ normal_log_weights(nodes, x[0], np.exp(x[1]))

    best = minimize(negative, np.zeros(mask.sum()), method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12})
    np.testing.assert_allclose(found[mask], best.x, atol=1e-6)
    if not free[0]:
        assert found[0] == 0.0
