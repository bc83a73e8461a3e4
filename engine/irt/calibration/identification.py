"""Items the data cannot pin down: the one rule, for the calibration result, the command line and the report.

An item is *poorly identified* when the calibration could not tell where
it is: a location (``b`` or a threshold) outside [-5, 5], past nearly every
student on the grid (the 3PL's "b of 22" that a flat likelihood ridge runs
to), or, with standard errors, an estimated parameter whose standard error
is not finite, or a location known to no better than +-1 logit (SE above
1).  Such an item's estimates are reported as they are, flagged, never
silently.
"""

from __future__ import annotations

import numpy as np

from engine.irt.parameters import ItemParameters

__all__ = ["poorly_identified", "LOCATION_LIMIT", "LOCATION_SE_LIMIT"]

#: Locations beyond this (in logits of ability) are flagged.
LOCATION_LIMIT = 5.0
#: Location standard errors above this are flagged.
LOCATION_SE_LIMIT = 1.0


def poorly_identified(params: ItemParameters) -> np.ndarray:
    """Whether each item is poorly identified (see the module docstring), shape (J,).

    Parameters
    ----------
    params : ItemParameters
        Estimates, with their standard errors in ``params.se`` when computed
        (NaN for parameters that were not estimated).
    """
    locations = np.column_stack([params.b, params.thresholds])
    with np.errstate(invalid="ignore"):
        far = np.any(np.abs(locations) > LOCATION_LIMIT, axis=1)
    flagged = far.copy()
    location_names = ["b"] + [f"b{m}" for m in range(1, params.thresholds.shape[1] + 1)]
    for name, se in params.se.items():
        estimated = ~np.isnan(se)
        flagged |= estimated & ~np.isfinite(se)
        if name in location_names:
            with np.errstate(invalid="ignore"):
                flagged |= estimated & (se > LOCATION_SE_LIMIT)
    return np.asarray(flagged)
