"""Calibration that leaves out items whose slope turns non-positive."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from engine.irt.calibration.driver import calibrate
from engine.irt.calibration.result import CalibrationResult
from engine.irt.responses import ResponseMatrix

__all__ = ["calibrate_dropping_misfits"]


def calibrate_dropping_misfits(
    responses: ResponseMatrix, models: ArrayLike, *, max_drops: int = 20, **options: Any
) -> tuple[CalibrationResult, ResponseMatrix, list[str]]:
    """:func:`~engine.irt.calibration.calibrate`, leaving out items whose slope turns non-positive.

    An item whose estimated discrimination is not positive (its answers do
    not rise with ability: often a wrong key) has no place in an operational
    bank, so such items are dropped (all at once) and the run repeated, at
    most ``max_drops`` items in all.

    Parameters
    ----------
    responses : ResponseMatrix
        N students x J items.
    models : array_like of str, shape (J,)
        The model of each item.
    max_drops : int
        Most items dropped in all; past it the last fit is returned as it is.
    **options
        Passed to :func:`~engine.irt.calibration.calibrate`.

    Returns
    -------
    result : CalibrationResult
    responses : ResponseMatrix
        The responses of the items kept.
    dropped : list of str
        The ids of the items dropped.
    """
    names = np.asarray(models, dtype=object)
    dropped: list[str] = []
    while True:
        model = str(names[0]) if np.all(names == names[0]) else [str(m) for m in names]
        result = calibrate(responses, model, **options)
        bad = result.params.a <= 0
        if not bad.any() or len(dropped) + int(bad.sum()) > max_drops:
            return result, responses, dropped
        dropped.extend(result.params.item_ids[bad].tolist())
        keep = np.flatnonzero(~np.isin(responses.item_ids, result.params.item_ids[bad]))
        responses, names = responses.select_items(keep), names[keep]
