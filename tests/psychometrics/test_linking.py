"""Linking: exact recovery, brute-force minima, separate and fixed-parameter calibration by simulation."""

from __future__ import annotations

import numpy as np
import pytest

from engine.analysis.linking import (
    LINKING_METHODS,
    calibrate_new_items,
    common_items,
    haebara,
    link,
    stocking_lord,
    transform_parameters,
)
from engine.irt.calibration import calibrate
from engine.irt.parameters import ItemParameters
from engine.irt.simulation import simulate_bank, simulate_responses


def _mixed_bank(rng) -> ItemParameters:
    ids = [f"D{i}" for i in range(8)] + ["G1", "G2", "P1", "P2"]
    models = ["3pl"] * 8 + ["grm", "grm", "gpcm", "gpcm"]
    thr = np.full((12, 3), np.nan)
    thr[8:] = np.sort(rng.normal(size=(4, 3)), axis=1) + np.array([-0.6, 0.0, 0.6])
    b = np.concatenate([rng.normal(size=8), np.full(4, np.nan)])
    c = np.concatenate([rng.uniform(0.1, 0.25, 8), np.full(4, np.nan)])
    return ItemParameters.from_arrays(
        ids, models, a=rng.uniform(0.7, 2.0, 12), b=b, c=c, thresholds=thr, n_categories=[2] * 8 + [4] * 4
    )


@pytest.mark.parametrize("method", LINKING_METHODS)
def test_exact_transform_is_recovered(method):
    src = _mixed_bank(np.random.default_rng(1))
    tgt = transform_parameters(src, 1.3, -0.4)
    const = link(src, tgt, method)
    assert const.A == pytest.approx(1.3, abs=1e-6)
    assert const.B == pytest.approx(-0.4, abs=1e-6)
    assert len(const.common) == 12


def test_transform_parameters_maps_curves():
    # P(theta_from; from) == P(A theta_from + B; to) for every model family
    src = _mixed_bank(np.random.default_rng(2))
    src = ItemParameters(
        **{**src.__dict__, "se": {"a": np.full(12, 0.1), "b": np.full(12, 0.2), "c": np.full(12, 0.03)}}
    )
    tgt = transform_parameters(src, 0.8, 0.7)
    theta = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(
        src.category_probabilities(theta), tgt.category_probabilities(0.8 * theta + 0.7), atol=1e-12
    )
    assert tgt.c[:8] == pytest.approx(src.c[:8])
    assert tgt.se["a"] == pytest.approx(0.1 / 0.8)
    assert tgt.se["b"] == pytest.approx(0.2 * 0.8)
    assert tgt.se["c"] == pytest.approx(0.03)


def _criteria(src, tgt, A, B, theta, w):
    p_to = tgt.category_probabilities(theta)
    p_from = transform_parameters(src, A, B).category_probabilities(theta)
    cats = np.arange(p_to.shape[-1])
    hb = w @ np.sum((p_to - p_from) ** 2, axis=(1, 2))
    sl = w @ (((p_to - p_from) @ cats).sum(axis=1)) ** 2
    return hb, sl


def test_characteristic_curve_methods_find_the_brute_force_minimum():
    rng = np.random.default_rng(3)
    src = _mixed_bank(rng)
    noisy = transform_parameters(src, 1.2, 0.3)
    noisy = ItemParameters.from_arrays(
        noisy.item_ids,
        noisy.model,
        a=noisy.a * np.exp(rng.normal(0, 0.15, 12)),
        b=noisy.b + rng.normal(0, 0.2, 12),
        c=noisy.c,
        thresholds=noisy.thresholds + rng.normal(0, 0.2, (12, 1)),
        n_categories=noisy.n_categories,
    )
    theta = np.linspace(-4, 4, 41)
    w = np.exp(-(theta**2) / 2)
    w /= w.sum()
    hb = haebara(src, noisy, theta=theta, weights=w)
    sl = stocking_lord(src, noisy, theta=theta, weights=w)
    grid_a = np.linspace(0.9, 1.5, 61)
    grid_b = np.linspace(0.0, 0.6, 61)
    vals = np.array([[_criteria(src, noisy, a, b, theta, w) for b in grid_b] for a in grid_a])
    ia, ib = np.unravel_index(np.argmin(vals[..., 0]), vals.shape[:2])
    assert hb.A == pytest.approx(grid_a[ia], abs=0.011) and hb.B == pytest.approx(grid_b[ib], abs=0.011)
    assert hb.criterion <= vals[..., 0].min() + 1e-12
    ia, ib = np.unravel_index(np.argmin(vals[..., 1]), vals.shape[:2])
    assert sl.criterion <= vals[..., 1].min() + 1e-12
    assert sl.criterion == pytest.approx(_criteria(src, noisy, sl.A, sl.B, theta, w)[1], rel=1e-9)


def test_separate_calibrations_linked_through_common_items():
    rng = np.random.default_rng(4)
    bank = simulate_bank(50, "2pl", rng)
    r1 = simulate_responses(bank.subset(np.arange(30)), rng.normal(0, 1, 2500), rng)
    r2 = simulate_responses(bank.subset(np.arange(20, 50)), rng.normal(0.5, 1.2, 2500), rng)
    c1 = calibrate(r1, "2pl", se=False).params
    c2 = calibrate(r2, "2pl", se=False).params
    # group 2's N(0, 1) scale is theta_1 = 1.2 theta_2 + 0.5
    for method in LINKING_METHODS:
        const = link(c2, c1, method)
        assert const.A == pytest.approx(1.2, abs=0.12), method
        assert const.B == pytest.approx(0.5, abs=0.1), method
    const = link(c2, c1, "stocking-lord")
    linked = transform_parameters(c2, const.A, const.B)
    new = np.arange(10, 30)  # items 30..49 appear only in calibration 2
    truth = bank.subset(np.arange(30, 50))
    assert np.sqrt(np.mean((linked.b[new] - truth.b) ** 2)) < 0.2
    assert abs(np.mean(linked.b[new] - truth.b)) < 0.1


def test_fixed_parameter_calibration_puts_new_items_on_the_bank_scale():
    rng = np.random.default_rng(5)
    bank = simulate_bank(40, "2pl", rng)
    pretest = simulate_bank(10, "2pl", rng, prefix="N")
    everything = ItemParameters.from_arrays(
        np.concatenate([bank.item_ids[:30], pretest.item_ids]),
        "2pl",
        a=np.concatenate([bank.a[:30], pretest.a]),
        b=np.concatenate([bank.b[:30], pretest.b]),
    )
    resp = simulate_responses(everything, rng.normal(0.5, 1.2, 3000), rng)
    fit = calibrate_new_items(resp, bank, "2pl", se=False)
    new = fit.params.subset(np.arange(30, 40))
    bias_b = np.mean(new.b - pretest.b)
    rmse_b = np.sqrt(np.mean((new.b - pretest.b) ** 2))
    rmse_a = np.sqrt(np.mean((new.a - pretest.a) ** 2))
    assert abs(bias_b) < 0.08 and rmse_b < 0.15 and rmse_a < 0.15
    assert fit.latent_mean == pytest.approx(0.5, abs=0.08)
    assert fit.latent_sd == pytest.approx(1.2, abs=0.08)
    np.testing.assert_allclose(fit.params.b[:30], bank.b[:30])
    # without the anchors the new items land on the sample's own scale, off by the impact
    free = calibrate(resp, "2pl", se=False).params.subset(np.arange(30, 40))
    assert np.mean(free.b - pretest.b) < -0.25


def test_linking_input_errors():
    a = ItemParameters.from_arrays(["x", "y"], "2pl", b=[0, 1])
    b = ItemParameters.from_arrays(["x", "z"], "2pl", b=[0, 1])
    with pytest.raises(ValueError, match="at least 2 common items"):
        common_items(a, b)
    with pytest.raises(ValueError, match="not in both"):
        common_items(a, b, ["x", "y"])
    with pytest.raises(ValueError, match="unknown linking method"):
        link(a, a, "magic")
    with pytest.raises(ValueError, match="positive"):
        transform_parameters(a, -1.0, 0.0)
    resp = simulate_responses(a, np.zeros(5), 0)
    with pytest.raises(ValueError, match="nothing new"):
        calibrate_new_items(resp, a)
