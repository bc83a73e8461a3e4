"""Ability estimates with standard errors: EAP, MAP, MLE and WLE.

All students are scored at once, for any mix of models and any pattern of
missing answers, with item parameters known (new students scored on a
calibrated bank: the peers' most requested feature).

* ``eap``: posterior mean and standard deviation on a quadrature grid with a
  N(prior_mean, prior_sd^2) prior (two matrix products, :mod:`engine.irt.likelihood`).
* ``map``: posterior mode; SE ``1 / sqrt(I(theta) + 1 / prior_sd^2)``.
* ``mle``: maximum likelihood; SE ``1 / sqrt(I(theta))``.
* ``wle``: Warm's weighted likelihood, the root of
  ``d log L / d theta + J(theta) / (2 I(theta)) = 0`` with
  ``J = sum_jk P'_jk P''_jk / P_jk``; SE ``1 / sqrt(I(theta))``.

MAP, MLE and WLE solve their estimating equation per student: the equation
is evaluated on a grid (matrix products) to bracket the root that maximizes
the (penalized) likelihood, then bisection refines it to 1e-10 inside the
bracket, every student at once.

Extreme patterns.  The MLE does not exist when every answer is in the lowest
or every answer in the highest category (the likelihood keeps rising toward
-inf or +inf): ``mle`` then returns the nearer end of ``theta_limits``
(default -6 / +6) with ``se = inf``, so such students are easy to find; use
``wle`` (finite for these patterns) or ``eap``.  A student with no answers
gets NaN and ``se = inf`` under ``mle`` and ``wle``, and the prior under
``eap`` and ``map``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from engine.irt.likelihood import check_aligned, grid_log_likelihood
from engine.irt.parameters import ItemParameters
from engine.irt.quadrature import log_normalizer, normal_grid, normal_log_weights
from engine.irt.responses import ResponseMatrix

__all__ = ["score", "ScoreResult", "SCORING_METHODS", "eap"]

SCORING_METHODS = ("eap", "map", "mle", "wle")
_TINY = 1e-300


@dataclass(frozen=True)
class ScoreResult:
    """Ability estimates.

    Attributes
    ----------
    student_ids : ndarray of str, shape (N,)
    theta : ndarray, shape (N,)
    se : ndarray, shape (N,)
    method : str
    n_answers : ndarray of int, shape (N,)
    """

    student_ids: np.ndarray
    theta: np.ndarray
    se: np.ndarray
    method: str
    n_answers: np.ndarray


def eap(
    responses: ResponseMatrix,
    params: ItemParameters,
    *,
    prior_mean: ArrayLike = 0.0,
    prior_sd: ArrayLike = 1.0,
    n_nodes: int = 61,
    theta_limits: tuple[float, float] = (-6.0, 6.0),
) -> tuple[np.ndarray, np.ndarray]:
    """Expected a posteriori estimates and posterior standard deviations.

    ``prior_mean`` and ``prior_sd`` may be scalars or per-student arrays
    ``(N,)`` (e.g. an empirical-Bayes prior per standard).

    Returns
    -------
    theta, se : ndarray, shape (N,)
    """
    nodes, _ = normal_grid(n_nodes, theta_limits)
    mean = np.broadcast_to(np.asarray(prior_mean, dtype=float), (responses.n_students,))
    sd = np.broadcast_to(np.asarray(prior_sd, dtype=float), (responses.n_students,))
    if np.any(~(sd > 0)):
        raise ValueError("prior_sd should be positive")
    log_post = grid_log_likelihood(responses, params, nodes) + normal_log_weights(nodes, mean, sd)
    post = np.exp(log_post - log_normalizer(log_post))
    theta = post @ nodes
    var = post @ (nodes**2) - theta**2
    return theta, np.sqrt(np.maximum(var, 0.0))


def score(
    responses: ResponseMatrix,
    params: ItemParameters,
    method: str = "eap",
    *,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
    n_nodes: int = 61,
    theta_limits: tuple[float, float] = (-6.0, 6.0),
) -> ScoreResult:
    """Score every student with known item parameters.

    Parameters
    ----------
    responses : ResponseMatrix
        N students x J items, columns in the order of ``params`` (use
        ``responses.align(params.item_ids)``).
    params : ItemParameters
        J calibrated items, any mix of models.
    method : {"eap", "map", "mle", "wle"}
    prior_mean, prior_sd : float
        Normal prior of ``eap`` and ``map``.
    n_nodes, theta_limits :
        Grid for EAP and for bracketing the roots of the other methods;
        ``theta_limits`` also bounds every estimate.

    Returns
    -------
    ScoreResult
    """
    method = method.lower()
    if method not in SCORING_METHODS:
        raise ValueError(f"method should be one of {', '.join(SCORING_METHODS)}, got {method!r}")
    if not prior_sd > 0:
        raise ValueError(f"prior_sd should be positive, got {prior_sd}")
    check_aligned(responses, params)
    counts = responses.responses_per_student
    if method == "eap":
        theta, se = eap(
            responses, params, prior_mean=prior_mean, prior_sd=prior_sd, n_nodes=n_nodes, theta_limits=theta_limits
        )
        return ScoreResult(responses.student_ids, theta, se, method, counts)
    theta, se = _root_estimates(responses, params, method, prior_mean, prior_sd, n_nodes, theta_limits)
    return ScoreResult(responses.student_ids, theta, se, method, counts)


# --------------------------------------------------------------------------


def _grid_tables(params: ItemParameters, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per item and category on the grid: d log P / d theta, and per item I and J.

    Returns score (G, J, Kmax), info (G, J), warm (G, J).
    """
    g_count = len(nodes)
    kmax = params.max_categories
    score_tab = np.zeros((g_count, params.n_items, kmax))
    info = np.zeros((g_count, params.n_items))
    warm = np.zeros((g_count, params.n_items))
    for g in params.groups:
        p, d1, d2 = g.family.theta_derivatives(nodes, g.eta, g.n_categories)
        p = np.maximum(p, _TINY)
        score_tab[:, g.index, : g.n_categories] = d1 / p
        info[:, g.index] = np.sum(d1 * d1 / p, axis=-1)
        warm[:, g.index] = np.sum(d1 * d2 / p, axis=-1)
    return score_tab, info, warm


def _per_student(
    responses: ResponseMatrix, params: ItemParameters, theta: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score function, information and Warm's J at each student's own theta, each (N,)."""
    n = responses.n_students
    total_score, total_info, total_warm = np.zeros(n), np.zeros(n), np.zeros(n)
    group_of, row_of = params.group_positions
    obs_group = group_of[responses.item]
    for gi, g in enumerate(params.groups):
        sel = obs_group == gi
        if not sel.any():
            continue
        stud = responses.student[sel]
        rows = row_of[responses.item[sel]]
        p, d1, d2 = g.family.theta_derivatives(theta[stud][None, :], g.eta[rows], g.n_categories)
        p, d1, d2 = np.maximum(p[0], _TINY), d1[0], d2[0]
        picked = np.arange(len(rows)), responses.score[sel]
        total_score += np.bincount(stud, d1[picked] / p[picked], minlength=n)
        total_info += np.bincount(stud, np.sum(d1 * d1 / p, axis=-1), minlength=n)
        total_warm += np.bincount(stud, np.sum(d1 * d2 / p, axis=-1), minlength=n)
    return total_score, total_info, total_warm


def _estimating(
    method: str,
    s: np.ndarray,
    info: np.ndarray,
    warm: np.ndarray,
    theta: np.ndarray,
    prior_mean: float,
    prior_sd: float,
) -> np.ndarray:
    """The function whose root is the estimate: the score (MLE), plus the prior's (MAP) or Warm's term (WLE)."""
    if method == "mle":
        return s
    if method == "map":
        return s - (theta - prior_mean) / prior_sd**2
    return s + warm / (2.0 * np.maximum(info, _TINY))


def _root_estimates(
    responses: ResponseMatrix,
    params: ItemParameters,
    method: str,
    prior_mean: float,
    prior_sd: float,
    n_nodes: int,
    theta_limits: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """MLE, MAP or WLE estimates and standard errors, each (N,): the root of the estimating function.

    The grid brackets each student's root (the sign change with the highest
    objective); bisection on the student's own theta refines it.
    """
    nodes, _ = normal_grid(max(n_nodes, 61), theta_limits)
    score_tab, info_tab, warm_tab = _grid_tables(params, nodes)
    s_grid = responses.gather(score_tab)  # (N, G): sum of d log P / d theta
    info_grid = responses.gather(np.repeat(info_tab[:, :, None], score_tab.shape[2], axis=2))
    warm_grid = responses.gather(np.repeat(warm_tab[:, :, None], score_tab.shape[2], axis=2))
    f_grid = _estimating(method, s_grid, info_grid, warm_grid, nodes[None, :], prior_mean, prior_sd)
    objective = grid_log_likelihood(responses, params, nodes)
    if method == "map":
        objective = objective + normal_log_weights(nodes, prior_mean, prior_sd)
    elif method == "wle":
        objective = objective + 0.5 * np.log(np.maximum(info_grid, _TINY))

    down = (f_grid[:, :-1] > 0) & (f_grid[:, 1:] <= 0)
    has_root = down.any(axis=1)
    best = np.argmax(np.where(down, np.maximum(objective[:, :-1], objective[:, 1:]), -np.inf), axis=1)
    lo = nodes[best]
    hi = nodes[best + 1]
    for _ in range(45):
        mid = 0.5 * (lo + hi)
        s, info, warm = _per_student(responses, params, mid)
        f = _estimating(method, s, info, warm, mid, prior_mean, prior_sd)
        lo = np.where(f > 0, mid, lo)
        hi = np.where(f > 0, hi, mid)
    theta = 0.5 * (lo + hi)
    # no sign change: the estimating function keeps one sign on the whole grid
    rising = f_grid[:, -1] > 0
    theta = np.where(has_root, theta, np.where(rising, theta_limits[1], theta_limits[0]))
    _, info, _ = _per_student(responses, params, theta)
    if method == "map":
        se = 1.0 / np.sqrt(info + 1.0 / prior_sd**2)
    else:
        se = 1.0 / np.sqrt(np.maximum(info, _TINY))
        se = np.where(has_root, se, np.inf)
    none = responses.responses_per_student == 0
    if method != "map":
        theta = np.where(none, np.nan, theta)
        se = np.where(none, np.inf, se)
    return theta, se
