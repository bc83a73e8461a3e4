"""The one fit pipeline: latent distribution rules and what is left out on incomplete data."""

from __future__ import annotations

import numpy as np
import pytest

from engine.irt.calibration import calibrate
from engine.irt.parameters import ItemParameters
from engine.irt.simulation import simulate_responses
from itembank.io import read_responses
from reporting.fit_analysis import analyze_fit, latent_distribution


@pytest.fixture(scope="module")
def lsat7(data_dir):
    responses = read_responses(data_dir / "lsat7.csv")
    return responses, calibrate(responses, "2pl", se=False).params


def test_latent_distribution_given_default_or_estimated_for_rasch():
    rng = np.random.default_rng(4)
    params = ItemParameters.from_arrays([f"I{j}" for j in range(15)], "rasch", b=rng.normal(size=15))
    responses = simulate_responses(params, rng.normal(0.5, 1.5, 2000), rng)
    estimated = latent_distribution(responses, params)
    assert estimated.source == "estimated (Rasch)"
    assert (estimated.mean, estimated.sd) == pytest.approx((0.5, 1.5), abs=0.1)
    given = latent_distribution(responses, params, sd=2.0)
    assert (given.mean, given.sd, given.source) == (0.0, 2.0, "given")
    two_pl = ItemParameters.from_arrays(params.item_ids, "2pl", b=params.b)
    default = latent_distribution(responses, two_pl)
    assert (default.mean, default.sd, default.source) == (0.0, 1.0, "given")
    with pytest.raises(ValueError, match="latent sd must be positive"):
        latent_distribution(responses, two_pl, sd=0.0)


def test_complete_data_get_sx2_and_m2(lsat7):
    responses, params = lsat7
    fit = analyze_fit(responses, params)
    assert fit.sx2 is not None and fit.model_fit is not None and fit.notes == ()
    assert fit.model_fit.m2 == pytest.approx(11.94, abs=0.05)
    assert fit.person_scores.method == "wle" and fit.eap.method == "eap"
    on_eap = analyze_fit(responses, params, residual_scores="eap")
    assert on_eap.person_scores is on_eap.eap


def test_incomplete_data_rest_on_pv_q1_with_a_note(data_dir):
    responses = read_responses(data_dir / "sat12_binary_missing.csv")
    params = calibrate(responses, "2pl", se=False).params
    fit = analyze_fit(responses, params)
    assert fit.sx2 is None and fit.model_fit is None
    assert len(fit.notes) == 1 and "plausible-value Q1" in fit.notes[0]
    assert np.isfinite(fit.pv_q1.p).sum() >= 30  # of 32 items


def test_bad_arguments(lsat7):
    responses, params = lsat7
    with pytest.raises(ValueError, match="same items"):
        analyze_fit(responses, params.subset([0, 1]))
    with pytest.raises(ValueError, match="residual_scores"):
        analyze_fit(responses, params, residual_scores="map")
