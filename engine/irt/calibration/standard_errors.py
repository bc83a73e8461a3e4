"""Standard errors: the observed information of the marginal likelihood by Louis' identity.

``I = E[-d2 log f] - sum_i Cov_post(d log f_i)``: the complete-data
information minus the posterior covariance of each student's complete-data
score.  ``louis`` builds the full matrix over every free parameter (items and
latent distributions) and inverts it; ``block`` keeps each item's diagonal
block (and the latent block), for banks too large for the full matrix.  The
covariance on the estimation scale is carried to the reported parameters by
the delta method (:func:`se_table`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from engine.irt.calibration.e_step import EStep
from engine.irt.calibration.estimation_scale import from_phi, phi_jacobian, to_phi
from engine.irt.calibration.layout import ParameterLayout
from engine.irt.calibration.priors import ItemPriors
from engine.irt.calibration.score_products import item_block_products, louis_products
from engine.irt.calibration.students import StudentBlocks
from engine.irt.models import GRADED, LOGISTIC
from engine.irt.parameters import ItemGroup, ItemParameters, group_positions
from engine.irt.quadrature import normal_log_weights_gradient

__all__ = ["Covariance", "covariance", "se_table", "SE_METHODS"]

SE_METHODS = ("auto", "louis", "block", "none")
_TINY = 1e-300
#: ``auto`` picks ``louis`` while N * Q * P^2 stays below this.
_LOUIS_LIMIT = 2e9


@dataclass(frozen=True)
class Covariance:
    """Covariance of the estimates on the estimation scale.

    Attributes
    ----------
    item : list of ndarray, shape (n, p, p)
        Per item group; zero rows and columns for fixed parameters.
    cross : list of ndarray, shape (n, p, G, 2)
        Per item group, the covariances of item and latent parameters
        (zero for ``block``).
    latent : ndarray, shape (G, 2, 2)
        Per population, over ``(mean, log sd)``; zero where fixed.
    method : str
        ``louis`` or ``block``.
    """

    item: list[np.ndarray]
    cross: list[np.ndarray]
    latent: np.ndarray
    method: str


def _item_gradient(
    group: ItemGroup, eta: np.ndarray, counts: np.ndarray, nodes: np.ndarray, priors: ItemPriors
) -> np.ndarray:
    """Gradient of the expected complete-data log-posterior in phi, (n, p)."""
    p = group.family.probabilities(nodes, eta, group.n_categories)
    jac = phi_jacobian(group, nodes, eta)
    grad = np.einsum("qnk,qnkp->np", counts / np.maximum(p, _TINY), jac)
    return np.asarray(grad + priors.gradient_and_curvature(group, eta)[0])


def _complete_hessian(
    group: ItemGroup, eta: np.ndarray, counts: np.ndarray, nodes: np.ndarray, priors: ItemPriors, h: float = 1e-5
) -> np.ndarray:
    """Hessian of the expected complete-data log-posterior in phi, (n, p, p).

    Central differences of the analytic gradient, one parameter index at a
    time for all items of the group (items are independent); logistic items
    with only a slope and an intercept free in closed form
    (:func:`_slope_intercept_hessian`).
    """
    if _slope_intercept_only(group, eta):
        return _slope_intercept_hessian(group, eta, counts, nodes, priors, h)
    n, npar = eta.shape
    phi = to_phi(group, eta)
    hess = np.zeros((n, npar, npar))
    for m in range(npar):
        if not group.free[:, m].any():
            continue
        up, down = phi.copy(), phi.copy()
        up[:, m] += h
        down[:, m] -= h
        g_up = _item_gradient(group, from_phi(group, up), counts, nodes, priors)
        g_down = _item_gradient(group, from_phi(group, down), counts, nodes, priors)
        hess[:, :, m] = (g_up - g_down) / (2 * h)
    return 0.5 * (hess + np.transpose(hess, (0, 2, 1)))


def _slope_intercept_only(group: ItemGroup, eta: np.ndarray) -> bool:
    """Whether a group is logistic items with free slopes and intercepts at most and no asymptotes."""
    return (
        group.family is LOGISTIC
        and not group.free[:, 2:].any()
        and bool(np.all(eta[:, 2] == 0.0) and np.all(eta[:, 3] == 1.0))
    )


def _slope_intercept_hessian(
    group: ItemGroup, eta: np.ndarray, counts: np.ndarray, nodes: np.ndarray, priors: ItemPriors, h: float
) -> np.ndarray:
    """:func:`_complete_hessian` of logistic items without asymptotes, (n, 4, 4), zero for ``c`` and ``d``.

    The logit is the canonical link: the Hessian of the expected
    complete-data log-likelihood in ``(a, delta)`` is ``-sum_q (r_q0 + r_q1)
    P_q (1 - P_q) (theta_q, 1)(theta_q, 1)^T``, sums over the grid by
    matrix-vector products; the prior's by central differences of its
    gradient.
    """
    p1 = expit(eta[:, 0][None, :] * nodes[:, None] + eta[:, 1][None, :])  # (Q, n)
    weight = (counts[..., 0] + counts[..., 1]) * p1 * (1.0 - p1)
    hess = np.zeros((len(eta), 4, 4))
    hess[:, 0, 0] = -((nodes * nodes) @ weight)
    hess[:, 0, 1] = hess[:, 1, 0] = -(nodes @ weight)
    hess[:, 1, 1] = -weight.sum(axis=0)
    for m in (0, 1):
        if not group.free[:, m].any():
            continue
        up, down = eta.copy(), eta.copy()
        up[:, m] += h
        down[:, m] -= h
        column = priors.gradient_and_curvature(group, up)[0] - priors.gradient_and_curvature(group, down)[0]
        hess[:, :, m] += column / (2 * h)
    return 0.5 * (hess + np.transpose(hess, (0, 2, 1)))


def _latent_hessian(
    latent: np.ndarray, nodes: np.ndarray, node_counts: np.ndarray, free: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Hessian (2, 2) of one population's expected log prior weights in ``(mean, log sd)``."""
    out = np.zeros((2, 2))

    def scores(at: np.ndarray) -> np.ndarray:
        return normal_log_weights_gradient(nodes, at[0], np.exp(at[1]))

    for m in range(2):
        if not free[m]:
            continue
        up, down = latent.copy(), latent.copy()
        up[m] += h
        down[m] -= h
        out[:, m] = (node_counts @ scores(up) - node_counts @ scores(down)) / (2 * h)
    return 0.5 * (out + out.T)


def _category_scores(group: ItemGroup, eta: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """d log P_k / d phi on the grid, shape (Q, n, K, p)."""
    p = group.family.probabilities(nodes, eta, group.n_categories)
    return np.asarray(phi_jacobian(group, nodes, eta) / np.maximum(p, _TINY)[..., None])


def _active_scores(group: ItemGroup, eta: np.ndarray, nodes: np.ndarray, active: np.ndarray) -> np.ndarray:
    """:func:`_category_scores` of the parameters ``active`` (m,) only, shape (Q, n, K, m).

    Logistic items with only a slope and an intercept free in closed form:
    ``d log P_1 / d(a, delta) = (1 - P) (theta, 1)`` and ``d log P_0 = -P
    (theta, 1)``.
    """
    if not _slope_intercept_only(group, eta):
        return np.ascontiguousarray(_category_scores(group, eta, nodes)[..., active])
    p1 = expit(eta[:, 0][None, :] * nodes[:, None] + eta[:, 1][None, :])  # (Q, n)
    covariate = {0: nodes[:, None], 1: np.ones((1, 1))}
    out = np.empty(p1.shape + (2, len(active)))
    for x, m in enumerate(active.tolist()):
        np.multiply(-p1, covariate[m], out=out[..., 0, x])
        np.multiply(1.0 - p1, covariate[m], out=out[..., 1, x])
    return out


def _expected_score_outer(counts: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``sum_q sum_k r_qk s_qk s_qk^T`` of each item, (n, m, m), from counts (Q, n, K) and scores (Q, n, K, m)."""
    m = scores.shape[-1]
    out = np.empty((scores.shape[1], m, m))
    for a in range(m):
        weighted = counts * scores[..., a]
        for b in range(a, m):
            out[:, a, b] = out[:, b, a] = np.einsum("qnk,qnk->n", weighted, scores[..., b])
    return out


def covariance(
    students: StudentBlocks,
    layout: ParameterLayout,
    etas: Sequence[np.ndarray],
    latent: np.ndarray,
    nodes: np.ndarray,
    estep: EStep,
    priors: ItemPriors,
    method: str,
    table: np.ndarray,
    log_weights: np.ndarray,
    precision: np.dtype,
) -> Covariance:
    """Observed-information covariance of the free parameters (Louis' identity).

    Parameters
    ----------
    students : StudentBlocks
        The responses, N students x J items.
    layout : ParameterLayout
    etas : sequence of ndarray, shape (n, p) each
        The estimates, per item group.
    latent : ndarray, shape (G, 2)
        The estimated ``(mean, log sd)`` of each population.
    nodes : ndarray, shape (Q,)
    estep : EStep
        The E-step at the estimates.
    priors : ItemPriors
    method : {"auto", "louis", "block"}
    table : ndarray, shape (Q, J, Kmax)
        ``log P`` at the estimates.
    log_weights : ndarray, shape (G, Q)
        Each population's prior log weights at the estimates.
    precision : numpy dtype
        Precision of the item blocks' products (the full matrix is in double).

    Returns
    -------
    Covariance
    """
    n_free, q = layout.size, len(nodes)
    if method == "auto":
        method = "louis" if students.n_students * q * n_free**2 <= _LOUIS_LIMIT else "block"
    counts = estep.counts
    n_pop = layout.n_populations
    lat_free = layout.latent_free
    lat_slice = slice(layout.n_item_free, layout.size)
    n_lat = layout.size - layout.n_item_free
    # (G, Q, L): each population's latent scores in its own columns of the latent block
    lat_scores = np.zeros((n_pop, q, n_lat))
    lat_complete = np.zeros((n_lat, n_lat))
    for pop in range(n_pop):
        cols = layout.latent_columns[pop][lat_free[pop]] - layout.n_item_free
        gradient = normal_log_weights_gradient(nodes, latent[pop][0], np.exp(latent[pop][1]))
        lat_scores[pop][:, cols] = gradient[:, lat_free[pop]]
        hessian = _latent_hessian(latent[pop], nodes, estep.node_counts[pop], lat_free[pop])
        lat_complete[np.ix_(cols, cols)] = -hessian[np.ix_(lat_free[pop], lat_free[pop])]
    complete = [
        -_complete_hessian(g, eta, counts[:, g.index, : g.n_categories], nodes, priors)
        for g, eta in zip(layout.groups, etas)
    ]
    if method == "louis":
        scores = [_category_scores(g, eta, nodes) for g, eta in zip(layout.groups, etas)]
        group_of, row_of = group_positions(layout.groups, table.shape[1])
        outer, score_outer = students.map_sum(
            louis_products, table, log_weights, scores, layout.columns, group_of, row_of, lat_scores, n_free
        )
        info = score_outer - outer
        for cols, block in zip(layout.columns, complete):
            for a in range(block.shape[1]):
                for b in range(block.shape[2]):
                    ok = (cols[:, a] >= 0) & (cols[:, b] >= 0)
                    info[cols[ok, a], cols[ok, b]] += block[ok, a, b]
        info[lat_slice, lat_slice] += lat_complete
        full = _safe_inverse(info)
        item_cov, cross = [], []
        for g, cols in zip(layout.groups, layout.columns):
            safe = np.where(cols >= 0, cols, 0)
            c = full[safe[:, :, None], safe[:, None, :]]
            c *= (cols >= 0)[:, :, None] & (cols >= 0)[:, None, :]
            item_cov.append(c)
            x = np.zeros(g.free.shape + lat_free.shape)
            x[..., lat_free] = full[safe][:, :, lat_slice]
            x *= (cols >= 0)[:, :, None, None]
            cross.append(x)
        return Covariance(item_cov, cross, _latent_blocks(full, layout), method)

    # block: each item's diagonal block of the exact information
    actives = [np.flatnonzero(g.free.any(axis=0)) for g in layout.groups]
    scores = [_active_scores(g, eta, nodes, active) for g, eta, active in zip(layout.groups, etas, actives)]
    lat_outer, *outer_blocks = students.map_sum(
        item_block_products,
        table,
        log_weights,
        scores,
        [g.index for g in layout.groups],
        lat_scores,
        precision,
    )
    item_cov, cross = [], []
    for g, sc, cnt_block, outer, active in zip(layout.groups, scores, complete, outer_blocks, actives):
        cnt = counts[:, g.index, : g.n_categories]
        block = cnt_block.copy()  # only the free parameters' entries are kept below
        block[:, active[:, None], active[None, :]] += outer - _expected_score_outer(cnt, sc)
        both = g.free[:, :, None] & g.free[:, None, :]
        eye = np.eye(block.shape[1])[None]
        inv = _safe_inverse(np.where(both, block, eye))
        item_cov.append(np.where(both, inv, 0.0))
        cross.append(np.zeros(g.free.shape + lat_free.shape))
    latent_cov = np.zeros((layout.size - layout.n_item_free,) * 2)  # the latent block only, never (P, P)
    if lat_free.any():
        lat_info = lat_complete + lat_outer
        for pop in range(n_pop):
            lat_info -= lat_scores[pop].T @ (estep.node_counts[pop][:, None] * lat_scores[pop])
        latent_cov[:] = _safe_inverse(lat_info)
    return Covariance(item_cov, cross, _latent_blocks(latent_cov, layout, offset=layout.n_item_free), method)


def _latent_blocks(cov: np.ndarray, layout: ParameterLayout, offset: int = 0) -> np.ndarray:
    """Each population's (2, 2) block, (G, 2, 2), zero where fixed.

    ``cov`` is a covariance over the packed vector from position ``offset`` on:
    the whole vector (``offset=0``) or its latent part (``offset=n_item_free``).
    """
    out = np.zeros(layout.latent_free.shape + (2,))
    for g, (free, cols) in enumerate(zip(layout.latent_free, layout.latent_columns)):
        at = cols[free] - offset
        out[g][np.ix_(free, free)] = cov[np.ix_(at, at)]
    return out


def _safe_inverse(info: np.ndarray) -> np.ndarray:
    """Inverse of a (batch of) information matrix; pseudo-inverse if singular."""
    try:
        return np.asarray(np.linalg.inv(info))
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(info))


def _reported(group: ItemGroup, eta: np.ndarray) -> np.ndarray:
    """Reported parameters of a group, (n, R): (a, b, c, d) or (a, b1..b{K-1})."""
    a = eta[:, :1]
    if group.family is LOGISTIC:
        return np.column_stack([a, -eta[:, 1] / eta[:, 0], eta[:, 2], eta[:, 3]])
    if group.family is GRADED:
        return np.column_stack([a, -eta[:, 1:] / a])
    steps = np.diff(np.column_stack([np.zeros(len(eta)), eta[:, 1:]]), axis=1)
    return np.column_stack([a, -steps / a])


def _reported_se(group: ItemGroup, eta: np.ndarray, cov: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Delta-method standard errors of the reported parameters, (n, R), from the covariance (n, p, p)."""
    phi = to_phi(group, eta)
    base = _reported(group, eta)
    jac = np.zeros(base.shape + (phi.shape[1],))
    for m in range(phi.shape[1]):
        if not group.free[:, m].any():
            continue
        up, down = phi.copy(), phi.copy()
        up[:, m] += h
        down[:, m] -= h
        jac[:, :, m] = (_reported(group, from_phi(group, up)) - _reported(group, from_phi(group, down))) / (2 * h)
    var = np.einsum("nrp,npq,nrq->nr", jac, cov, jac)
    return np.sqrt(np.maximum(var, 0.0))


def se_table(
    params: ItemParameters, groups: Sequence[ItemGroup], etas: Sequence[np.ndarray], cov: Covariance
) -> dict[str, np.ndarray]:
    """Standard errors by reported column name, each (J,); NaN where not estimated."""
    j = params.n_items
    out = {name: np.full(j, np.nan) for name in ("a", "b", "c", "d")}
    for m in range(1, params.thresholds.shape[1] + 1):
        out[f"b{m}"] = np.full(j, np.nan)
    for g, eta, c in zip(groups, etas, cov.item):
        se = _reported_se(g, eta, c)
        names = (
            ("a", "b", "c", "d") if g.family is LOGISTIC else ("a",) + tuple(f"b{m}" for m in range(1, g.n_categories))
        )
        estimated = _estimated_columns(g)
        for r, name in enumerate(names):
            out[name][g.index] = np.where(estimated[:, r], se[:, r], np.nan)
    return out


def _estimated_columns(group: ItemGroup) -> np.ndarray:
    """Which reported columns depend on a free parameter, (n, R)."""
    f = group.free
    if group.family is LOGISTIC:
        location = f[:, 0] | f[:, 1]
        return np.column_stack([f[:, 0], location, f[:, 2], f[:, 3]])
    if group.family is GRADED:
        return np.column_stack([f[:, 0], f[:, 1:] | f[:, :1]])
    prev = np.column_stack([np.zeros(len(f), dtype=bool), f[:, 1:-1]])
    return np.column_stack([f[:, 0], f[:, 1:] | prev | f[:, :1]])
