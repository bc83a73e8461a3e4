"""Growth: newer evidence counts more, by a random-walk drift of ability.

Mastery-based learning gives "multiple opportunities": a student who relearns
a standard must turn green, not be held down by an average with old failures.
The model: between sittings at times ``t_{k-1} < t_k`` (days) ability drifts,
``theta_k = theta_{k-1} + e``, ``e ~ N(0, sigma^2 (t_k - t_{k-1}))``.
The estimate now is the forward filter on the bank's grid (an HMM with a
continuous state): start from the prior; at each sitting *predict* (convolve
the posterior with the drift kernel, which widens it, so old answers decay)
and *update* (multiply by the sitting's likelihood).  The convolution is done
in Fourier space, so students with different gaps are one vectorized
operation; the Python loop runs over sitting positions, not students.

``sigma = 0`` is the naive all-evidence estimate (every answer counts the
same forever).  ``sigma`` can be estimated by maximizing the filter's marginal
likelihood (:func:`estimate_drift`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar

from engine.adaptive.bank import AdaptiveBank
from engine.irt.quadrature import log_normalizer, normal_log_weights

__all__ = ["GrowthEstimate", "sittings", "drift_filter", "estimate_drift", "drift_kernel"]


def sittings(student: np.ndarray, time: np.ndarray, n_students: int) -> tuple[np.ndarray, np.ndarray]:
    """Sitting index of each answer and the time of each sitting.

    Answers of one student at the same time form one sitting.

    Parameters
    ----------
    student : ndarray of int, shape (R,)
    time : ndarray of float, shape (R,)
        Days (any origin).
    n_students : int

    Returns
    -------
    sitting : ndarray of int, shape (R,)
        0, 1, ... in time order within each student.
    times : ndarray, shape (N, K)
        Time of each student's sittings, NaN padded.
    """
    student = np.asarray(student, dtype=np.int64)
    time = np.asarray(time, dtype=float)
    if student.shape != time.shape:
        raise ValueError(f"student and time should have one shape, got {student.shape} and {time.shape}")
    if np.any(~np.isfinite(time)):
        raise ValueError("answer times should be finite")
    if student.size == 0:
        return np.zeros(0, dtype=np.int64), np.full((n_students, 0), np.nan)
    order = np.lexsort((time, student))
    s, t = student[order], time[order]
    new = np.ones(s.size, dtype=bool)
    new[1:] = (s[1:] != s[:-1]) | (t[1:] != t[:-1])
    run = np.cumsum(new) - 1  # global sitting number
    firsts = np.flatnonzero(new)
    # first global sitting of each student
    stu_of_run = s[firsts]
    first_idx = np.searchsorted(stu_of_run, np.arange(n_students))
    first_run = np.where(first_idx < stu_of_run.size, first_idx, 0)
    k_of_run = np.arange(firsts.size) - first_run[stu_of_run]
    sitting = np.empty(student.size, dtype=np.int64)
    sitting[order] = k_of_run[run]
    width = int(k_of_run.max()) + 1
    times = np.full((n_students, width), np.nan)
    times[stu_of_run, k_of_run] = t[firsts]
    return sitting, times


def drift_kernel(bank: AdaptiveBank, variance: np.ndarray) -> np.ndarray:
    """Fourier multipliers of N(0, variance) convolution on the grid.

    Parameters
    ----------
    variance : ndarray, shape (N,)

    Returns
    -------
    ndarray, shape (N, Q + 1)
        For ``rfft`` of length ``2 Q`` (zero padding: no wrap-around).
    """
    q = bank.n_nodes
    freq = np.fft.rfftfreq(2 * q, d=bank.step)
    w = 2 * np.pi * freq
    return np.exp(-0.5 * np.asarray(variance, dtype=float)[:, None] * w[None, :] ** 2)


def _predict(bank: AdaptiveBank, post: np.ndarray, variance: np.ndarray) -> np.ndarray:
    q = bank.n_nodes
    moved = np.fft.irfft(np.fft.rfft(post, n=2 * q, axis=1) * drift_kernel(bank, variance), n=2 * q, axis=1)[:, :q]
    moved = np.maximum(moved, 0.0)
    return moved / moved.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class GrowthEstimate:
    """Current ability of each student after filtering.

    Attributes
    ----------
    theta, se : ndarray, shape (N,)
    posterior : ndarray, shape (N, Q)
    log_marginal : float
        Sum over students of the log marginal likelihood of their answers.
    """

    theta: np.ndarray
    se: np.ndarray
    posterior: np.ndarray
    log_marginal: float


def drift_filter(
    bank: AdaptiveBank,
    student: np.ndarray,
    item: np.ndarray,
    score: np.ndarray,
    time: np.ndarray,
    n_students: int,
    *,
    sigma: float,
    now: np.ndarray | float | None = None,
    prior_mean: float | np.ndarray = 0.0,
    prior_sd: float | np.ndarray = 1.0,
) -> GrowthEstimate:
    """Ability now under random-walk drift, from time-stamped answers.

    Parameters
    ----------
    bank : AdaptiveBank
    student, item, score : ndarray of int, shape (R,)
        Long-form answers (student index, item position, score).
    time : ndarray, shape (R,)
        Day of each answer.
    n_students : int
    sigma : float
        Drift SD per sqrt(day) (0: all evidence counts equally).
    now : float or ndarray, shape (N,), optional
        Time of the estimate (default: each student's last sitting).
    prior_mean, prior_sd : float or ndarray, shape (N,)

    Returns
    -------
    GrowthEstimate
    """
    if not (np.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"sigma should be >= 0, got {sigma}")
    student = np.asarray(student, dtype=np.int64)
    item = np.asarray(item, dtype=np.int64)
    score = np.asarray(score, dtype=np.int64)
    if not (student.shape == item.shape == score.shape == np.shape(time)):
        raise ValueError("student, item, score and time should be 1-d arrays of one length")
    if item.size and (item.min() < 0 or item.max() >= bank.n_items):
        raise ValueError(f"item positions should lie in 0..{bank.n_items - 1}")
    if np.any((score < 0) | (score >= bank.n_categories[item])):
        raise ValueError("a score is out of range for its item")
    sitting, times = sittings(student, time, n_students)
    k = times.shape[1]
    kmax = bank.prob.shape[1]
    rows = student * max(k, 1) + sitting
    cols = item * kmax + score
    design = sparse.csr_matrix(
        (np.ones(rows.size), (rows, cols)), shape=(n_students * max(k, 1), (bank.n_items + 1) * kmax)
    )
    table = np.log(np.maximum(bank.prob, 1e-300)).reshape(-1, bank.n_nodes)
    loglik = np.asarray(design @ table).reshape(n_students, max(k, 1), bank.n_nodes)
    nodes = bank.nodes
    mean = np.broadcast_to(np.asarray(prior_mean, dtype=float), (n_students,))
    sd = np.broadcast_to(np.asarray(prior_sd, dtype=float), (n_students,))
    post = np.exp(normal_log_weights(nodes, mean, sd))
    log_marginal = 0.0
    last = np.full(n_students, np.nan)
    for j in range(k):  # a loop over sitting positions
        has = np.isfinite(times[:, j])
        if sigma > 0 and j > 0:
            gap = np.where(has, times[:, j] - np.where(np.isfinite(last), last, times[:, j]), 0.0)
            post[has] = _predict(bank, post[has], sigma * sigma * gap[has])
        with np.errstate(divide="ignore"):  # a node the drift has not reached has weight 0
            log_joint = np.log(post[has]) + loglik[has, j]
        log_total = log_normalizer(log_joint)
        log_marginal += float(np.sum(log_total))
        post[has] = np.exp(log_joint - log_total)
        last = np.where(has, times[:, j], last)
    if now is not None and sigma > 0:
        gap = np.maximum(np.broadcast_to(np.asarray(now, dtype=float), (n_students,)) - np.nan_to_num(last, nan=0.0), 0)
        gap = np.where(np.isfinite(last), gap, 0.0)
        post = _predict(bank, post, sigma * sigma * gap)
    theta = post @ nodes
    se = np.sqrt(np.maximum(post @ (nodes * nodes) - theta * theta, 0.0))
    return GrowthEstimate(theta=theta, se=se, posterior=post, log_marginal=log_marginal)


def estimate_drift(
    bank: AdaptiveBank,
    student: np.ndarray,
    item: np.ndarray,
    score: np.ndarray,
    time: np.ndarray,
    n_students: int,
    bounds: tuple[float, float] = (1e-4, 1.0),
) -> float:
    """Drift SD per sqrt(day) maximizing the filter's marginal likelihood.

    Parameters
    ----------
    bank : AdaptiveBank
    student, item, score : ndarray of int, shape (R,)
        Long-form answers (student index, item position, score).
    time : ndarray, shape (R,)
        Day of each answer.
    n_students : int
    bounds : (float, float)
        Search interval of the drift SD.

    Returns
    -------
    float
    """
    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    res = minimize_scalar(
        lambda ls: -drift_filter(bank, student, item, score, time, n_students, sigma=float(np.exp(ls))).log_marginal,
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 0.02},
    )
    return float(np.exp(res.x))
