"""The optional py-irt cross-check (runs where ``masterycat[bayes]`` is installed)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.irt.simulation import simulate_bank, simulate_responses

pytest.importorskip("py_irt", reason="py-irt (the bayes extra) is not installed")

from engine.irt.variational import calibrate_vi  # noqa: E402


def test_variational_fit_agrees_roughly_with_truth():
    rng = np.random.default_rng(3)
    bank = simulate_bank(10, "2pl", rng)
    data = simulate_responses(bank, rng.normal(size=1000), rng)
    fit = calibrate_vi(data, epochs=300)
    assert fit.n_items == 10
    assert np.corrcoef(fit.b, bank.b)[0, 1] > 0.9


def test_variational_refuses_polytomous():
    bank = simulate_bank(3, "grm", 1)
    data = simulate_responses(bank, np.zeros(20), 2)
    with pytest.raises(ValueError, match="dichotomous"):
        calibrate_vi(data)
