"""Block standard errors never build a matrix over every free parameter.

The ``block`` method exists for banks too large for the full information
matrix; an (P, P) array over the P free parameters defeats it (the
11,785 x 36,259 benchmark bank asked for 39 GiB).  numpy reports its
allocations to :mod:`tracemalloc`, so the peak is measured, not timed.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

from engine.irt.calibration import calibrate
from engine.irt.parameters import ItemParameters
from engine.irt.simulation import simulate_responses


def test_block_standard_errors_stay_far_below_a_full_matrix():
    rng = np.random.default_rng(11)
    n_items, n_students, per_student = 6000, 6000, 20
    bank = ItemParameters.from_arrays(
        [f"I{j}" for j in range(n_items)], "2pl", a=rng.uniform(0.8, 1.6, n_items), b=rng.normal(size=n_items)
    )
    responses = simulate_responses(bank, rng.normal(size=n_students), rng, items_per_student=per_student)
    full_matrix_bytes = (2 * n_items) ** 2 * 8  # 1.15 GB for 12,000 free parameters
    tracemalloc.start()
    try:
        result = calibrate(
            responses, "2pl", slope_prior=(0.0, 0.5), drop_inestimable=True, max_iter=3, se_method="block"
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.se_method == "block"
    assert peak < full_matrix_bytes / 3, f"peak {peak / 1e6:.0f} MB"
