"""Proficiency calculation methods: a standard's reported score from dated scores.

Districts moving from Mastery Connect know its calculation methods for the
score a standard reports from a student's assessments on it, each a percent
of the points (0-100), in the order they were taken:

``most_recent``
    the latest score.
``highest``
    the best score.
``mode``
    the most frequent score (scores rounded to whole percents); a tie goes
    to the tied score taken last.
``mean``
    the average of all the scores.
``decaying_average``
    ``d_1 = x_1``, ``d_k = w x_k + (1 - w) d_{k-1}``: the latest score weighs
    ``w`` (Mastery Connect's default 65%), older ones less and less.
``power_law``
    Marzano's power law: ``x_k ~ a k^b`` fitted by least squares on the log
    scale (``log x_k = log a + b log k``, a score below 1% taken as 1%) and
    read at the latest assessment ``k = n``, clipped to 0-100.  One score is
    reported as it is.

The reported level is the band of that score under percent cuts
(:func:`proficiency_levels`).  masterycat's own estimate (``irt``, the
default) is not one of these: it is the IRT posterior of ability on the
standard (:mod:`engine.mastery.estimates`, :mod:`engine.mastery.growth`),
which weighs every answer by what its item tells about the student.

Every function is vectorized over students: scores come as an ``(N, K)``
array in time order, NaN where a student has fewer than ``K`` scores.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from engine.mastery.bands import band_codes

__all__ = [
    "METHODS",
    "DEFAULT_DECAY_WEIGHT",
    "proficiency_scores",
    "proficiency_levels",
]

#: The calculation methods, in the order districts see them.
METHODS = ("most_recent", "highest", "mode", "mean", "decaying_average", "power_law")

#: Mastery Connect's default weight of the latest score in the decaying average.
DEFAULT_DECAY_WEIGHT = 0.65

#: Scores below this percent are taken as it in the power law's logarithm.
_POWER_LAW_FLOOR = 1.0


def _checked(scores: ArrayLike) -> np.ndarray:
    """Scores as a float (N, K) array, checked to lie in 0-100 or be NaN."""
    x = np.asarray(scores, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"scores should be an (N, K) array, got shape {x.shape}")
    seen = x[~np.isnan(x)]
    if np.any((seen < 0) | (seen > 100)):
        raise ValueError("scores should be percents between 0 and 100 (NaN for none)")
    return x


def _most_recent(x: np.ndarray, has: np.ndarray) -> np.ndarray:
    k = x.shape[1]
    last = k - 1 - np.argmax(has[:, ::-1], axis=1)
    return x[np.arange(x.shape[0]), last]


def _mode(x: np.ndarray, has: np.ndarray) -> np.ndarray:
    r = np.where(has, np.round(x), np.nan)
    # counts[n, k]: how many of row n's scores equal its k-th (NaN equals nothing)
    counts = np.sum(r[:, :, None] == r[:, None, :], axis=2)
    counts = np.where(has, counts, -1)
    top = counts.max(axis=1, keepdims=True)
    k = x.shape[1]
    last_top = k - 1 - np.argmax((counts == top)[:, ::-1], axis=1)
    return r[np.arange(x.shape[0]), last_top]


def _decaying_average(x: np.ndarray, has: np.ndarray, weight: float) -> np.ndarray:
    est = np.full(x.shape[0], np.nan)
    for k in range(x.shape[1]):  # a loop over score positions, vectorized over students
        first = has[:, k] & np.isnan(est)
        later = has[:, k] & ~np.isnan(est)
        est = np.where(first, x[:, k], est)
        est = np.where(later, weight * x[:, k] + (1 - weight) * est, est)
    return est


def _power_law(x: np.ndarray, has: np.ndarray) -> np.ndarray:
    n = has.sum(axis=1)
    order = np.cumsum(has, axis=1)  # 1, 2, ... at each student's scores
    lt = np.where(has, np.log(np.maximum(order, 1)), 0.0)
    ly = np.where(has, np.log(np.maximum(np.nan_to_num(x), _POWER_LAW_FLOOR)), 0.0)
    safe_n = np.maximum(n, 1)
    mt = lt.sum(axis=1) / safe_n
    my = ly.sum(axis=1) / safe_n
    dt = np.where(has, lt - mt[:, None], 0.0)
    sxx = np.sum(dt * dt, axis=1)
    sxy = np.sum(dt * np.where(has, ly - my[:, None], 0.0), axis=1)
    slope = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
    fitted = np.exp(my + slope * (np.log(safe_n) - mt))
    one = _most_recent(x, has)
    out = np.where(n == 1, one, np.clip(fitted, 0.0, 100.0))
    return np.where(n == 0, np.nan, out)


def proficiency_scores(scores: ArrayLike, method: str, *, decay_weight: float = DEFAULT_DECAY_WEIGHT) -> np.ndarray:
    """The score each student's standard reports under ``method``.

    Parameters
    ----------
    scores : array_like, shape (N, K)
        Percent scores (0-100) in the order taken, NaN for none.
    method : str
        One of :data:`METHODS`.
    decay_weight : float
        Weight of the latest score in ``decaying_average`` (0 < w <= 1).

    Returns
    -------
    ndarray, shape (N,)
        Reported percent; NaN for a student with no score.
    """
    if method not in METHODS:
        raise ValueError(f"unknown proficiency method {method!r}; expected one of {', '.join(METHODS)}")
    if not (0.0 < decay_weight <= 1.0):
        raise ValueError(f"the decaying average's weight should be in (0, 1], got {decay_weight}")
    x = _checked(scores)
    has = ~np.isnan(x)
    none = ~has.any(axis=1)
    if x.shape[1] == 0:
        return np.full(x.shape[0], np.nan)
    if method == "most_recent":
        out = _most_recent(x, has)
    elif method == "highest":
        out = np.max(np.where(has, x, -np.inf), axis=1)
    elif method == "mode":
        out = _mode(x, has)
    elif method == "mean":
        out = np.sum(np.where(has, x, 0.0), axis=1) / np.maximum(has.sum(axis=1), 1)
    elif method == "decaying_average":
        out = _decaying_average(x, has, decay_weight)
    else:
        out = _power_law(x, has)
    return np.where(none, np.nan, out)


def proficiency_levels(
    scores: ArrayLike,
    method: str,
    percent_cuts: ArrayLike,
    *,
    decay_weight: float = DEFAULT_DECAY_WEIGHT,
) -> np.ndarray:
    """The band code each student's standard reports under ``method``.

    Parameters
    ----------
    scores : array_like, shape (N, K)
        Percent scores (0-100) in the order taken, NaN for none.
    method : str
        One of :data:`METHODS`.
    percent_cuts : array_like, shape (C,)
        Ascending percent cuts (a score at a cut is in the band above).
    decay_weight : float
        Weight of the latest score in ``decaying_average``.

    Returns
    -------
    ndarray of int, shape (N,)
        Band code (0 = lowest), -1 for a student with no score.
    """
    reported = proficiency_scores(scores, method, decay_weight=decay_weight)
    codes = band_codes(np.nan_to_num(reported, nan=0.0), percent_cuts)
    return np.where(np.isnan(reported), -1, codes)
