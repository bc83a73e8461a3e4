"""The M-step: new item parameters and latent distributions from the expected counts.

Items are independent given the expected counts ``r[q, j, k]``, so each
group's items take Fisher-scoring steps together, as batched small linear
systems, with step halving so that each item's expected complete-data
log-posterior never decreases (:func:`m_step_items`).  At most three steps
an M-step (a generalized EM: the maximum of the expected complete-data
log-posterior is approached, not reached, in early cycles; the fixed points
are the same): ten steps spent twice the time for the same EM cycles on a
10,000-item sparse bank.  Each population's
latent mean and log sd, where free, maximize the expected log prior weights
of its students (:func:`m_step_latent`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.irt.calibration.estimation_scale import from_phi, to_phi, valid_parameters
from engine.irt.calibration.priors import ItemPriors
from engine.irt.models import LOGISTIC
from engine.irt.parallel import THREADS, thread_map
from engine.irt.parameters import ItemGroup
from engine.irt.quadrature import normal_log_weights, normal_log_weights_gradient

__all__ = ["item_objective", "restrict", "m_step_items", "m_step_latent"]

#: Fisher-scoring steps of a latent M-step at most, and the step size that ends them.
_LATENT_STEPS = 50
_LATENT_TOL = 1e-10


def item_objective(
    group: ItemGroup, eta: np.ndarray, counts: np.ndarray, nodes: np.ndarray, priors: ItemPriors
) -> np.ndarray:
    """Expected complete-data log-posterior of each item, shape (n,); -inf where ``eta`` (n, p) is invalid.

    ``counts`` (Q, n, K) are the expected category counts of the group's items.
    """
    value = _expected_log_likelihood(group, eta, counts, nodes) + priors.log_density(group, eta)
    return np.where(valid_parameters(group, eta), value, -np.inf)


def _expected_log_likelihood(group: ItemGroup, eta: np.ndarray, counts: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """``sum_q sum_k r_qjk log P_jk(theta_q)`` of each item, (n,).

    Logistic items without asymptotes in closed form, ``sum_q r_q1 z_q -
    (r_q0 + r_q1) log(1 + exp(z_q))`` with ``z = a theta + delta``: one
    softplus on the grid instead of both categories' log probabilities
    (the log probabilities floor at log(1e-300), reached only where |z| >
    690).
    """
    if group.family is LOGISTIC and group.n_categories == 2 and not _has_asymptotes(eta):
        z = eta[:, 0][None, :] * nodes[:, None] + eta[:, 1][None, :]  # (Q, n)
        right = counts[..., 1]
        softplus = np.abs(z)
        np.negative(softplus, out=softplus)
        np.exp(softplus, out=softplus)
        np.log1p(softplus, out=softplus)
        softplus += np.maximum(z, 0.0)
        total = counts[..., 0] + right
        return np.asarray(np.einsum("qn,qn->n", right, z) - np.einsum("qn,qn->n", total, softplus))
    log_p = group.family.log_probabilities(nodes, eta, group.n_categories)
    return np.asarray(np.einsum("qnk,qnk->n", counts, log_p))


def _has_asymptotes(eta: np.ndarray) -> bool:
    """Whether any logistic item (n, 4) has a lower asymptote above 0 or an upper one below 1."""
    return bool(np.any(eta[:, 2] != 0.0) or np.any(eta[:, 3] != 1.0))


def _columns(counts: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``counts[:, rows]`` (Q, len(rows), K), without a copy when ``rows`` are all the items in order."""
    if len(rows) == counts.shape[1] and (len(rows) == 0 or rows[-1] == len(rows) - 1):
        return counts  # rows are increasing positions: all of them is 0..n-1
    return counts[:, rows]


def restrict(group: ItemGroup, rows: np.ndarray) -> ItemGroup:
    """The group restricted to some of its items (``rows``, positions in the group)."""
    return replace(group, index=group.index[rows], eta=group.eta[rows], free=group.free[rows])


def _scoring_step(
    group: ItemGroup, eta: np.ndarray, counts: np.ndarray, nodes: np.ndarray, priors: ItemPriors
) -> np.ndarray:
    """One Fisher-scoring step on the estimation scale for each item, (n, p).

    Only the parameters free for some item of the group enter the linear
    systems (a 2PL item solves 2 x 2, not 4 x 4).
    """
    n, npar = eta.shape
    active = np.flatnonzero(group.free.any(axis=0))
    free = group.free[:, active]
    m = len(active)
    grad, info = group.family.score_and_information(nodes, eta, group.n_categories, counts, active)
    # chain rule to the estimation scale (asymptotes on the logit scale)
    chain = np.ones((n, m))
    for x, col in enumerate(active):
        if col in group.logit:
            chain[:, x] = np.where(group.free[:, col], eta[:, col] * (1.0 - eta[:, col]), 1.0)
    grad *= chain
    info *= chain[:, :, None] * chain[:, None, :]
    prior_grad, prior_curve = priors.gradient_and_curvature(group, eta)
    grad += prior_grad[:, active]
    info[:, np.arange(m), np.arange(m)] += prior_curve[:, active]
    eye = np.eye(m)
    info = np.where(free[:, :, None] & free[:, None, :], info, eye[None])
    grad = np.where(free, grad, 0.0)
    # a ridge relative to the item's information keeps the system well
    # conditioned when an asymptote sits at its boundary (logit -> -inf)
    scale_info = np.trace(info, axis1=1, axis2=2) / m
    info += (1e-6 * scale_info + 1e-9)[:, None, None] * eye[None]
    step = np.zeros((n, npar))
    step[:, active] = np.clip(np.linalg.solve(info, grad[..., None])[..., 0], -2.0, 2.0)
    return step


def _m_step_group(
    group: ItemGroup,
    eta: np.ndarray,
    counts: np.ndarray,
    nodes: np.ndarray,
    priors: ItemPriors,
    n_newton: int = 3,
    tol: float = 1e-7,
) -> np.ndarray:
    """Fisher-scoring steps for every item of a group at once, (n, p).

    At most ``n_newton`` steps.  A step-halving line search keeps each
    item's expected complete-data log-likelihood from decreasing.  Items leave the working set once their
    step is below ``tol``, and the line search re-evaluates only the items
    whose step is not yet accepted, so late EM cycles touch few items.
    """
    eta = eta.copy()
    work = np.flatnonzero(group.free.any(axis=1))
    if len(work) == 0:
        return eta
    current = np.full(len(eta), -np.inf)
    current[work] = item_objective(restrict(group, work), eta[work], _columns(counts, work), nodes, priors)
    for _ in range(n_newton):
        sub, sub_eta, sub_counts = restrict(group, work), eta[work], _columns(counts, work)
        step = _scoring_step(sub, sub_eta, sub_counts, nodes, priors)
        phi = to_phi(sub, sub_eta)
        scale = np.ones(len(work))
        size = np.max(np.abs(step), axis=1)
        settled = size < tol
        work, step, phi, scale, size = work[~settled], step[~settled], phi[~settled], scale[~settled], size[~settled]
        kept = np.flatnonzero(~settled)
        sub, sub_counts = restrict(sub, kept), _columns(sub_counts, kept)
        pending = np.arange(len(work))
        for _ in range(12):
            part = restrict(sub, pending)
            trial = from_phi(part, phi[pending] + scale[pending, None] * step[pending])
            value = item_objective(part, trial, _columns(sub_counts, pending), nodes, priors)
            # rounding of a sum over the grid: compare to a relative tolerance
            ok = value >= current[work[pending]] - 1e-11 * (1.0 + np.abs(current[work[pending]]))
            eta[work[pending[ok]]] = trial[ok]
            current[work[pending[ok]]] = value[ok]
            pending = pending[~ok]
            if len(pending) == 0:
                break
            scale[pending] *= 0.5
        work = work[scale * size >= tol]
        if len(work) == 0:
            break
    return eta


def m_step_items(
    group: ItemGroup,
    eta: np.ndarray,
    counts: np.ndarray,
    nodes: np.ndarray,
    priors: ItemPriors,
    chunk_items: int = 4000,
) -> np.ndarray:
    """New internal parameters (n, p) of a group's items from their expected counts (Q, n, K).

    Large groups are split into blocks of items, one thread per core.
    """
    n = len(eta)
    if n < 2 * chunk_items or THREADS == 1:
        return _m_step_group(group, eta, counts, nodes, priors)
    edges = np.linspace(0, n, THREADS + 1).astype(int)
    parts = thread_map(
        lambda k: _m_step_group(
            restrict(group, np.arange(edges[k], edges[k + 1])),
            eta[edges[k] : edges[k + 1]],
            counts[:, edges[k] : edges[k + 1]],
            nodes,
            priors,
        ),
        range(THREADS),
    )
    return np.concatenate(parts)


def _latent_objective(
    latent: np.ndarray, nodes: np.ndarray, node_counts: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Expected log prior weight of a population's students under N(mean, exp(log sd)^2).

    Returns the value, its gradient (2,) in ``(mean, log sd)`` and the
    expected information (2, 2): the students' count times the covariance of
    the weights' scores (Fisher scoring's matrix, equal to minus the Hessian
    at the maximum).
    """
    mean, sd = latent[0], np.exp(latent[1])
    log_w = normal_log_weights(nodes, mean, sd)
    scores = normal_log_weights_gradient(nodes, mean, sd)  # (Q, 2), centred under the weights
    information = node_counts.sum() * (scores.T * np.exp(log_w)) @ scores
    return float(node_counts @ log_w), node_counts @ scores, information


def m_step_latent(latent: np.ndarray, free: np.ndarray, nodes: np.ndarray, node_counts: np.ndarray) -> np.ndarray:
    """New ``(mean, log sd)`` of one population's latent distribution, shape (2,).

    The moment estimates start Fisher scoring on the grid (with step halving,
    so the objective never decreases); a few steps reach the maximum.

    Parameters
    ----------
    latent : ndarray, shape (2,)
        Current ``(mean, log sd)``; fixed entries are kept.
    free : ndarray of bool, shape (2,)
    nodes : ndarray, shape (Q,)
    node_counts : ndarray, shape (Q,)
        Expected number of the population's students at each node.
    """
    if not free.any():
        return latent
    total = node_counts.sum()
    mean = float(node_counts @ nodes / total) if free[0] else latent[0]
    var = float(node_counts @ (nodes - mean) ** 2 / total)
    x = np.array([mean, 0.5 * np.log(max(var, 1e-4))])
    if not free[1]:
        x[1] = latent[1]
    value, gradient, information = _latent_objective(x, nodes, node_counts)
    for _ in range(_LATENT_STEPS):
        step = np.zeros(2)
        step[free] = np.linalg.solve(information[np.ix_(free, free)], gradient[free])
        for _ in range(30):
            trial = x + step
            t_value, t_gradient, t_information = _latent_objective(trial, nodes, node_counts)
            if t_value >= value - 1e-12 * abs(value):
                break
            step *= 0.5
        x, value, gradient, information = trial, t_value, t_gradient, t_information
        if np.max(np.abs(step)) < _LATENT_TOL:
            break
    return x
