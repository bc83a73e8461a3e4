"""The bank pages' analysis of a stored calibration is the fit pipeline of ``masterycat fit``."""

from __future__ import annotations

import numpy as np
import pytest
from sqlmodel import Session

from reporting.bank_analysis import bank_analysis, item_figures
from reporting.fit_analysis import analyze_fit
from tests.reporting.simulated_bank import ABILITY_SD, store_rasch_calibration


def test_the_bank_analysis_is_the_fit_pipeline_of_the_cli(world):
    """Same statistics as :func:`reporting.fit_analysis.analyze_fit` on the stored answers, latent sd estimated."""
    calibration_id, params, responses = store_rasch_calibration(world)
    with Session(world.engine) as s:
        analysis = bank_analysis(s, calibration_id)
    assert analysis is not None and len(analysis.stats) == params.n_items
    fit = analysis.data.fit
    assert fit.latent.source == "estimated (Rasch)" and fit.latent.sd == pytest.approx(ABILITY_SD, abs=0.15)
    ids = analysis.data.params.item_ids.tolist()
    expected = analyze_fit(responses.align(ids), analysis.data.params)
    # the same EM on the answers in another student order: equal to its convergence tolerance
    assert (fit.latent.mean, fit.latent.sd) == pytest.approx((expected.latent.mean, expected.latent.sd), abs=1e-4)
    np.testing.assert_allclose([analysis.stats[i].sx2_p for i in ids], expected.sx2.p, atol=1e-4)
    np.testing.assert_allclose([analysis.stats[i].infit for i in ids], expected.infit.infit, rtol=1e-9)
    assert fit.marginal_reliability == pytest.approx(expected.marginal_reliability, abs=1e-4)


def test_item_figures_of_an_analysed_item(world):
    calibration_id, params, _ = store_rasch_calibration(world, n_students=200)
    with Session(world.engine) as s:
        analysis = bank_analysis(s, calibration_id)
    figures = item_figures(analysis, str(params.item_ids[0]))
    assert set(figures) == {"icc", "information"} and all(f.startswith("<svg") for f in figures.values())
    assert item_figures(analysis, "no-such-item") == {}
