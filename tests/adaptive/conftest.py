"""Shared banks for the adaptive-engine tests (seeded, small, fast)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.adaptive.bank import AdaptiveBank
from engine.irt.parameters import ItemParameters


def make_2pl(n_items: int, seed: int, n_objectives: int = 1) -> AdaptiveBank:
    rng = np.random.default_rng(seed)
    params = ItemParameters.from_arrays(
        [f"i{j}" for j in range(n_items)], "2pl", a=rng.lognormal(0.1, 0.3, n_items), b=rng.normal(0, 1, n_items)
    )
    objectives = [f"o{j % n_objectives}" for j in range(n_items)]
    dok = [str(1 + (j // n_objectives) % 3) for j in range(n_items)]
    return AdaptiveBank.from_parameters(params, objectives=objectives, dok=dok)


@pytest.fixture(scope="session")
def bank2pl() -> AdaptiveBank:
    return make_2pl(200, seed=11, n_objectives=4)


@pytest.fixture(scope="session")
def mixed_bank() -> AdaptiveBank:
    thr = np.full((6, 3), np.nan)
    thr[3] = [-1.0, 0.2, 1.1]
    thr[4, :2] = [-0.5, 0.6]
    thr[5] = [-1.5, -0.2, 0.9]
    params = ItemParameters.from_arrays(
        ["d1", "d2", "d3", "g1", "p1", "g2"],
        ["2pl", "3pl", "4pl", "grm", "gpcm", "grm"],
        a=[1.2, 1.5, 0.9, 1.1, 0.8, 1.7],
        b=[-0.5, 0.3, 1.0, np.nan, np.nan, np.nan],
        c=[0.0, 0.2, 0.1, np.nan, np.nan, np.nan],
        d=[1.0, 1.0, 0.95, np.nan, np.nan, np.nan],
        thresholds=thr,
        n_categories=[2, 2, 2, 4, 3, 4],
    )
    return AdaptiveBank.from_parameters(params, objectives=["a", "a", "b", "b", "a", "b"])
