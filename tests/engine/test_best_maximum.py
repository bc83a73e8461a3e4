"""The best maximum on hard models: several starts for banks with guessing, and items the data cannot pin down flagged."""

from __future__ import annotations

import numpy as np
import pytest

from engine.irt.calibration import calibrate
from engine.irt.calibration.identification import poorly_identified
from engine.irt.calibration.starting_values import starting_table
from engine.irt.parameters import ItemParameters
from engine.irt.simulation import simulate_bank, simulate_responses


def rmse(x, y):
    return float(np.sqrt(np.mean((np.asarray(x) - np.asarray(y)) ** 2)))


def mixed_bank(seed: int, last_b: float | None = None) -> tuple[ItemParameters, np.ndarray, object]:
    """30 3PL and 20 graded (4 categories) items, 8,000 students, 30% of answers missing.

    ``last_b`` moves the last 3PL item there (b = 7: beyond every student, nothing can pin it down).
    """
    rng = np.random.default_rng(seed)
    mc = simulate_bank(30, "3pl", rng)
    rubric = simulate_bank(20, "grm", rng, n_categories=4, prefix="R")
    b = mc.b.copy()
    if last_b is not None:
        b[-1] = last_b
    models = np.array(["3pl"] * 30 + ["grm"] * 20)
    truth = ItemParameters.from_arrays(
        np.concatenate([mc.item_ids, rubric.item_ids]),
        models,
        a=np.concatenate([mc.a, rubric.a]),
        b=np.concatenate([b, np.full(20, np.nan)]),
        c=np.concatenate([mc.c, np.zeros(20)]),
        thresholds=np.vstack([np.full((30, 3), np.nan), rubric.thresholds]),
        n_categories=np.array([2] * 30 + [4] * 20),
    )
    return truth, models, simulate_responses(truth, rng.normal(size=8000), rng, missing_rate=0.3)


@pytest.mark.parametrize("seed", [3, 8])
def test_mixed_bank_reaches_the_maximum_of_the_true_parameters(seed):
    truth, models, data = mixed_bank(seed)
    fit = calibrate(data, models)
    from_truth = calibrate(data, models, start=truth, se=False)
    assert fit.converged
    assert fit.loglik >= from_truth.loglik - 1e-3
    assert rmse(fit.params.b[:30], truth.b[:30]) < 0.26
    assert rmse(fit.params.c[:30], truth.c[:30]) < 0.085
    assert rmse(fit.params.thresholds[30:], truth.thresholds[30:]) < 0.1


def test_an_item_beyond_every_student_is_flagged_never_silent():
    truth, models, data = mixed_bank(3, last_b=7.0)
    fit = calibrate(data, models)
    assert "I30" in fit.poorly_identified
    assert fit.summary()["poorly_identified"] == list(fit.poorly_identified)
    unflagged = ~np.isin(fit.params.item_ids, fit.poorly_identified)
    assert np.all(np.abs(fit.params.b[:30][unflagged[:30]]) <= 5)
    assert unflagged[:29].sum() >= 27  # the identifiable items are not flagged wholesale


def test_lsat7_3pl_reaches_mirts_maximum_from_any_start(lsat7):
    """From the correlation starts alone EM stopped at -2662.300; several starts and the polish reach mirt's."""
    _, responses = lsat7
    names = np.array(["3pl"] * 5)
    for fit in (
        calibrate(responses, "3pl", se=False),
        calibrate(responses, "3pl", start=starting_table(responses, names), se=False),
    ):
        assert fit.loglik == pytest.approx(-2658.054, abs=2e-3)


def test_poorly_identified_rule():
    params = ItemParameters.from_arrays(["x", "y", "z", "w"], "2pl", a=[1.0, 1.0, 1.0, 1.0], b=[0.0, 6.0, 1.0, -1.0])
    params = params.__class__(
        **{**params.__dict__, "se": {"a": np.array([0.1, 0.1, np.inf, 0.1]), "b": np.array([0.2, 0.3, 0.2, 1.5])}}
    )
    np.testing.assert_array_equal(poorly_identified(params), [False, True, True, True])
