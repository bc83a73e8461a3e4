"""Item calibration by marginal maximum likelihood (Bock-Aitkin EM).

One EM driver for every model and any mix of models:

* **E-step** (:func:`_e_step`): the log-likelihood of every student on the
  quadrature grid is two matrix products (:mod:`engine.irt.likelihood`), the
  posterior a row-wise softmax in log space, and the expected category counts
  ``r[q, j, k]`` one more product, ``Z.T @ posterior``.  Dense data goes
  through BLAS, sparse data through scipy.sparse; nothing is densified.
* **M-step** (:func:`_m_step_group`): items are independent given the
  expected counts, so each family's items take Fisher-scoring steps together,
  as batched small linear systems, with step halving so that the expected
  complete-data log-likelihood never decreases; asymptotes are estimated on
  the logit scale, optionally with a normal prior.  The latent mean and
  standard deviation are estimated when the scale is fixed otherwise (Rasch
  items: free variance; anchored items: free mean and variance).
* **Acceleration**: SQUAREM (Varadhan & Roland, 2008) over the whole parameter
  vector with a monotonicity safeguard, so few EM cycles are needed.
* **Standard errors** (:func:`_standard_errors`): the observed information of
  the marginal likelihood by Louis' identity,
  ``I = E[-d2 log f] - sum_i Cov_post(d log f_i)``, exactly (``louis``), or its
  item-diagonal blocks (``block``) when the full matrix is too large.

The result is a frozen :class:`CalibrationResult`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.special import expit, logit

from engine.irt.models import GRADED, LOGISTIC, model_spec
from engine.irt.parallel import THREADS, thread_map
from engine.irt.parameters import ItemGroup, ItemParameters, group_positions
from engine.irt.quadrature import normal_grid, normal_log_weights
from engine.irt.responses import ResponseMatrix

__all__ = ["calibrate", "CalibrationResult", "ConvergenceWarning"]

_TINY = 1e-300
_LOGIT_BOUND = 15.0
_SE_METHODS = ("auto", "louis", "block", "none")


class ConvergenceWarning(UserWarning):
    """EM stopped at ``max_iter`` before the parameters settled."""


@dataclass(frozen=True)
class CalibrationResult:
    """Outcome of :func:`calibrate`.

    Attributes
    ----------
    params : ItemParameters
        Estimates in the reported IRT metric; standard errors in ``params.se``.
    loglik : float
        Marginal log-likelihood at the estimates (quadrature approximation).
    n_free : int
        Number of estimated parameters (items and latent distribution).
    n_students : int
    iterations : int
        EM steps taken (E-step + M-step pairs, extrapolations not counted).
    converged : bool
    history : ndarray, shape (n_cycles + 1,)
        Log-likelihood after each accelerated cycle (non-decreasing).
    latent_mean, latent_sd : float
        The latent distribution N(mean, sd^2) on the reported scale.
    latent_se : dict of str to float
        Standard errors of the free latent parameters (``mean``, ``sd``).
    nodes, log_weights : ndarray, shape (Q,)
        Quadrature grid and the final prior log weights.
    posterior_counts : ndarray, shape (Q,)
        Expected number of students at each node.
    seconds : float
        Wall time of the whole calibration.
    timings : dict of str to float
        Seconds per stage: ``e_step``, ``m_step``, ``se``, plus ``e_steps``
        (how many E-steps ran).
    se_method : str
        ``louis``, ``block`` or ``none``.
    dropped_items : tuple of str
        Items left out as inestimable (``drop_inestimable=True``).
    """

    params: ItemParameters
    loglik: float
    n_free: int
    n_students: int
    iterations: int
    converged: bool
    history: np.ndarray
    latent_mean: float
    latent_sd: float
    latent_se: dict
    nodes: np.ndarray
    log_weights: np.ndarray
    posterior_counts: np.ndarray
    seconds: float
    timings: dict
    se_method: str
    dropped_items: tuple = ()

    @property
    def aic(self) -> float:
        """Akaike's information criterion, ``-2 loglik + 2 n_free``."""
        return -2.0 * self.loglik + 2.0 * self.n_free

    @property
    def bic(self) -> float:
        """Schwarz's criterion, ``-2 loglik + n_free log N``."""
        return -2.0 * self.loglik + self.n_free * np.log(self.n_students)

    def summary(self) -> dict:
        """JSON-ready summary (the CLI's ``--json`` output)."""
        return {
            "loglik": float(self.loglik),
            "aic": float(self.aic),
            "bic": float(self.bic),
            "n_free": int(self.n_free),
            "n_students": int(self.n_students),
            "n_items": int(self.params.n_items),
            "iterations": int(self.iterations),
            "converged": bool(self.converged),
            "latent_mean": float(self.latent_mean),
            "latent_sd": float(self.latent_sd),
            "se_method": self.se_method,
            "dropped_items": list(self.dropped_items),
            "seconds": float(self.seconds),
            "timings": {k: float(v) for k, v in self.timings.items()},
        }


# --------------------------------------------------------------------------
# State: item groups plus the latent distribution, packed into one vector.
# --------------------------------------------------------------------------


@dataclass
class _Layout:
    """Where each free parameter sits in the packed vector."""

    groups: tuple[ItemGroup, ...]
    latent_free: tuple[bool, bool]  # (mean, log sd)
    slices: list[slice] = field(default_factory=list)

    def __post_init__(self) -> None:
        start = 0
        self.columns = []  # per group (n, p): packed column of each free parameter, -1 if fixed
        for g in self.groups:
            n = int(g.free.sum())
            self.slices.append(slice(start, start + n))
            cols = np.full(g.free.shape, -1)
            cols[g.free] = np.arange(start, start + n)
            self.columns.append(cols)
            start += n
        self.n_item_free = start
        self.size = start + sum(self.latent_free)

    def pack(self, etas: Sequence[np.ndarray], latent: np.ndarray) -> np.ndarray:
        parts = [_to_phi(g, eta)[g.free] for g, eta in zip(self.groups, etas)]
        parts.append(latent[np.asarray(self.latent_free)])
        return np.concatenate(parts)

    def unpack(self, x: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        etas = []
        for g, s in zip(self.groups, self.slices):
            phi = _to_phi(g, g.eta)
            phi[g.free] = x[s]
            etas.append(_from_phi(g, phi))
        latent = np.array([0.0, 0.0])
        latent[np.asarray(self.latent_free)] = x[self.n_item_free :]
        return etas, latent

    def latent_of(self, x: np.ndarray, base: np.ndarray) -> np.ndarray:
        latent = base.copy()
        latent[np.asarray(self.latent_free)] = x[self.n_item_free :]
        return latent


def _to_phi(group: ItemGroup, eta: np.ndarray) -> np.ndarray:
    """Estimation scale: free asymptotes on the logit scale, the rest as is."""
    phi = eta.copy()
    for m in group.logit:
        free = group.free[:, m]
        value = logit(np.clip(eta[free, m], 1e-12, 1 - 1e-12))
        phi[free, m] = np.clip(value, -_LOGIT_BOUND, _LOGIT_BOUND)
    return phi


def _from_phi(group: ItemGroup, phi: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_to_phi`."""
    eta = phi.copy()
    for m in group.logit:
        free = group.free[:, m]
        eta[free, m] = expit(np.clip(phi[free, m], -_LOGIT_BOUND, _LOGIT_BOUND))
    return eta


def _phi_jacobian(group: ItemGroup, theta: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """dP/dphi, shape (Q, n, K, p): the family Jacobian with the logit chain rule."""
    jac = group.family.param_jacobian(theta, eta, group.n_categories)
    for m in group.logit:
        chain = np.where(group.free[:, m], eta[:, m] * (1.0 - eta[:, m]), 1.0)
        jac[..., m] *= chain[None, :, None]
    return jac


def _valid(group: ItemGroup, eta: np.ndarray) -> np.ndarray:
    """Per-item validity of internal parameters, shape (n,)."""
    ok = np.all(np.isfinite(eta), axis=1) & (np.abs(eta[:, 0]) > 1e-8)
    if group.family is GRADED and group.n_categories > 2:
        ok &= np.all(np.diff(eta[:, 1:], axis=1) < 0, axis=1)
    if group.family is LOGISTIC:
        ok &= eta[:, 2] < eta[:, 3]
    return ok


# --------------------------------------------------------------------------
# E-step
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _EStep:
    loglik: float
    counts: np.ndarray  # (Q, J, Kmax) expected category counts
    node_counts: np.ndarray  # (Q,)
    posterior: np.ndarray  # (N, Q)


def _e_step(
    responses: ResponseMatrix,
    groups: Sequence[ItemGroup],
    etas: Sequence[np.ndarray],
    nodes: np.ndarray,
    log_weights: np.ndarray,
    kmax: int,
) -> _EStep:
    q, j = len(nodes), responses.n_items
    log_probs = np.zeros((q, j, kmax))
    for g, eta in zip(groups, etas):
        p = g.family.probabilities(nodes, eta, g.n_categories)
        log_probs[:, g.index, : g.n_categories] = np.log(np.maximum(p, _TINY))
    joint = responses.gather(log_probs)
    joint += log_weights[None, :]
    top = joint.max(axis=1, keepdims=True)
    joint -= top
    post = np.exp(joint, out=joint)
    total = post.sum(axis=1, keepdims=True)
    post /= total
    loglik = float(np.sum(top[:, 0]) + np.sum(np.log(total[:, 0])))
    counts = responses.scatter(post, kmax)
    node_counts = post.sum(axis=0)
    return _EStep(loglik, counts, node_counts, post)


# --------------------------------------------------------------------------
# M-step
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Priors:
    """Item priors of MAP-EM (None entries are off, as in mirt's defaults).

    guess : (mean, sd) of a normal prior on logit(c), logistic items.
    slope : (mean, sd) of a normal prior on log(a) (a lognormal prior on a),
        every family; it keeps slopes finite on sparse adaptive data.
    """

    guess: tuple[float, float] | None = None
    slope: tuple[float, float] | None = None

    def log_density(self, group: ItemGroup, eta: np.ndarray) -> np.ndarray:
        value = np.zeros(len(eta))
        if self.guess is not None and group.family is LOGISTIC:
            mean, sd = self.guess
            phi_c = _to_phi(group, eta)[:, 2]
            value -= np.where(group.free[:, 2], 0.5 * ((phi_c - mean) / sd) ** 2, 0.0)
        if self.slope is not None:
            mean, sd = self.slope
            a = eta[:, 0]
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.log(a)
                term = np.where(a > 0, -log_a - 0.5 * ((log_a - mean) / sd) ** 2, -np.inf)
            value += np.where(group.free[:, 0], term, 0.0)
        return value

    def gradient_and_curvature(self, group: ItemGroup, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient on the estimation scale and a positive curvature, each (n, p)."""
        grad = np.zeros(eta.shape)
        curve = np.zeros(eta.shape)
        if self.guess is not None and group.family is LOGISTIC:
            mean, sd = self.guess
            on = group.free[:, 2]
            grad[:, 2] = np.where(on, -(_to_phi(group, eta)[:, 2] - mean) / sd**2, 0.0)
            curve[:, 2] = np.where(on, 1.0 / sd**2, 0.0)
        if self.slope is not None:
            mean, sd = self.slope
            a = np.maximum(eta[:, 0], 1e-12)
            on = group.free[:, 0]
            grad[:, 0] = np.where(on, -1.0 / a - (np.log(a) - mean) / (sd**2 * a), 0.0)
            curve[:, 0] = np.where(on, 1.0 / (sd * a) ** 2, 0.0)
        return grad, curve


def _item_objective(group, eta, counts, nodes, priors):
    p = group.family.probabilities(nodes, eta, group.n_categories)
    value = np.einsum("qnk,qnk->n", counts, np.log(np.maximum(p, _TINY))) + priors.log_density(group, eta)
    return np.where(_valid(group, eta), value, -np.inf)


def _item_gradient(group, eta, counts, nodes, priors):
    """Gradient of the expected complete-data log-posterior in phi, (n, p)."""
    p = group.family.probabilities(nodes, eta, group.n_categories)
    jac = _phi_jacobian(group, nodes, eta)
    grad = np.einsum("qnk,qnkp->np", counts / np.maximum(p, _TINY), jac)
    return grad + priors.gradient_and_curvature(group, eta)[0], p, jac


def _rows(group: ItemGroup, rows: np.ndarray) -> ItemGroup:
    """The group restricted to some of its items."""
    return replace(group, index=group.index[rows], eta=group.eta[rows], free=group.free[rows])


def _scoring_step(group, eta, counts, nodes, priors):
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


def _m_step_group(group, eta, counts, nodes, priors, n_newton=10, tol=1e-7):
    """Fisher-scoring steps for every item of a group at once.

    A step-halving line search keeps each item's expected complete-data
    log-likelihood from decreasing.  Items leave the working set once their
    step is below ``tol``, and the line search re-evaluates only the items
    whose step is not yet accepted, so late EM cycles touch few items.
    """
    eta = eta.copy()
    work = np.flatnonzero(group.free.any(axis=1))
    if len(work) == 0:
        return eta
    current = np.full(len(eta), -np.inf)
    current[work] = _item_objective(_rows(group, work), eta[work], counts[:, work], nodes, priors)
    for _ in range(n_newton):
        sub, sub_eta, sub_counts = _rows(group, work), eta[work], counts[:, work]
        step = _scoring_step(sub, sub_eta, sub_counts, nodes, priors)
        phi = _to_phi(sub, sub_eta)
        scale = np.ones(len(work))
        size = np.max(np.abs(step), axis=1)
        settled = size < tol
        work, step, phi, scale, size = work[~settled], step[~settled], phi[~settled], scale[~settled], size[~settled]
        sub, sub_counts = _rows(sub, np.flatnonzero(~settled)), sub_counts[:, ~settled]
        pending = np.arange(len(work))
        for _ in range(12):
            part = _rows(sub, pending)
            trial = _from_phi(part, phi[pending] + scale[pending, None] * step[pending])
            value = _item_objective(part, trial, sub_counts[:, pending], nodes, priors)
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


def _m_step_parallel(group, eta, counts, nodes, priors, chunk_items=4000):
    """:func:`_m_step_group` over blocks of items on a thread per core (large groups)."""
    n = len(eta)
    if n < 2 * chunk_items or THREADS == 1:
        return _m_step_group(group, eta, counts, nodes, priors)
    edges = np.linspace(0, n, THREADS + 1).astype(int)
    parts = thread_map(
        lambda k: _m_step_group(
            _rows(group, np.arange(edges[k], edges[k + 1])),
            eta[edges[k] : edges[k + 1]],
            counts[:, edges[k] : edges[k + 1]],
            nodes,
            priors,
        ),
        range(THREADS),
    )
    return np.concatenate(parts)


def _latent_objective(latent, nodes, node_counts):
    lw = normal_log_weights(nodes, latent[0], np.exp(latent[1]))
    return float(node_counts @ lw)


def _m_step_latent(latent, layout, nodes, node_counts):
    if not any(layout.latent_free):
        return latent
    total = node_counts.sum()
    mean = float(node_counts @ nodes / total) if layout.latent_free[0] else latent[0]
    var = float(node_counts @ (nodes - mean) ** 2 / total)
    start = np.array([mean, 0.5 * np.log(max(var, 1e-4))])
    if not layout.latent_free[0]:
        start[0] = latent[0]
    # the moment estimates are exact for a continuous normal; refine on the grid
    free = np.asarray(layout.latent_free)
    from scipy.optimize import minimize

    def negative(v):
        x = start.copy()
        x[free] = v
        return -_latent_objective(x, nodes, node_counts)

    res = minimize(negative, start[free], method="BFGS", options={"gtol": 1e-9})
    out = start.copy()
    out[free] = res.x
    return out


# --------------------------------------------------------------------------
# Set-up: models, starting values, fixed parameters
# --------------------------------------------------------------------------


def _resolve_models(model, item_ids, n_categories) -> np.ndarray:
    if isinstance(model, str):
        names = np.array([model.lower()] * len(item_ids), dtype=object)
    elif isinstance(model, Mapping):
        raise ValueError("model should be one name or one name per item; map ids to names before calling")
    else:
        names = np.asarray([str(m).lower() for m in model], dtype=object)
        if len(names) != len(item_ids):
            raise ValueError(f"model should name one model per item ({len(item_ids)}), got {len(names)}")
    for name, k, iid in zip(names, n_categories, item_ids):
        try:
            model_spec(name, int(k))
        except ValueError as err:
            raise ValueError(f"item {iid}: {err}") from None
    return names.astype(str)


def _starting_table(responses: ResponseMatrix, names: np.ndarray) -> ItemParameters:
    """Starting values from observed proportions (slope 1, guessing 0.2)."""
    j = responses.n_items
    k = responses.n_categories
    kmax = int(k.max())
    freq = np.zeros((j, kmax))
    np.add.at(freq, (responses.item, responses.score), 1.0)
    freq += 0.5 * (np.arange(kmax)[None, :] < k[:, None])
    total = freq.sum(axis=1, keepdims=True)
    at_least = np.clip(np.cumsum(freq[:, ::-1], axis=1)[:, ::-1][:, 1:] / total, 0.01, 0.99)
    b = -logit(at_least[:, 0])
    graded_thr = -logit(at_least)
    steps = -np.log(np.maximum(freq[:, 1:], 1e-9) / np.maximum(freq[:, :-1], 1e-9))
    partial_thr = np.clip(steps, -4, 4)
    thr = np.where(np.isin(names, ["grm"])[:, None], graded_thr, partial_thr)
    thr[np.arange(kmax - 1)[None, :] >= (k - 1)[:, None]] = np.nan
    c = np.where(np.isin(names, ["3pl", "4pl"]), 0.2, 0.0)
    d = np.where(names == "4pl", 0.98, 1.0)
    b = np.where(c > 0, b - 0.5, b)
    return ItemParameters.from_arrays(
        responses.item_ids, names, a=1.0, b=b, c=c, d=d, thresholds=thr if kmax > 2 else None, n_categories=k
    )


def _fixed_mask(group: ItemGroup, item_ids: np.ndarray, fixed: Mapping[str, set[str]]) -> np.ndarray:
    """Free mask of a group after applying the user's fixed parameters."""
    free = group.free.copy()
    for row, j in enumerate(group.index):
        names = fixed.get(str(item_ids[j]))
        if not names:
            continue
        names = {n.lower() for n in names}
        if group.family is LOGISTIC:
            cols = {"a": [0], "b": [1], "c": [2], "d": [3]}
        else:
            cols = {"a": [0], **{f"b{m}": [m] for m in range(1, group.n_categories)}}
        unknown = names - set(cols) - {"all"}
        if unknown:
            raise ValueError(f"item {item_ids[j]}: cannot fix unknown parameter(s) {sorted(unknown)}")
        if "all" in names:
            names = set(cols)
        location = names - {"a", "c", "d"}
        if location and "a" not in names and free[row, 0]:
            raise ValueError(
                f"item {item_ids[j]}: a location parameter ({', '.join(sorted(location))}) can be fixed "
                "only together with the slope a"
            )
        for n in names:
            free[row, cols[n]] = False
    return free


# --------------------------------------------------------------------------
# Standard errors
# --------------------------------------------------------------------------


def _complete_hessian(group, eta, counts, nodes, priors, h=1e-5):
    """Hessian of the expected complete-data log-likelihood in phi, (n, p, p).

    Central differences of the analytic gradient, one parameter index at a
    time for all items of the group (items are independent).
    """
    n, npar = eta.shape
    phi = _to_phi(group, eta)
    hess = np.zeros((n, npar, npar))
    for m in range(npar):
        if not group.free[:, m].any():
            continue
        up, down = phi.copy(), phi.copy()
        up[:, m] += h
        down[:, m] -= h
        g_up = _item_gradient(group, _from_phi(group, up), counts, nodes, priors)[0]
        g_down = _item_gradient(group, _from_phi(group, down), counts, nodes, priors)[0]
        hess[:, :, m] = (g_up - g_down) / (2 * h)
    return 0.5 * (hess + np.transpose(hess, (0, 2, 1)))


def _latent_scores(latent, nodes):
    """d log w_q / d(mean, log sd) on the grid, shape (Q, 2)."""
    sd = np.exp(latent[1])
    w = np.exp(normal_log_weights(nodes, latent[0], sd))
    z = (nodes - latent[0]) / sd
    d_mean = z / sd
    d_logsd = z * z
    return np.column_stack([d_mean - w @ d_mean, d_logsd - w @ d_logsd])


def _latent_hessian(latent, nodes, node_counts, free, h=1e-5):
    out = np.zeros((2, 2))
    for m in range(2):
        if not free[m]:
            continue
        up, down = latent.copy(), latent.copy()
        up[m] += h
        down[m] -= h
        out[:, m] = (node_counts @ _latent_scores(up, nodes) - node_counts @ _latent_scores(down, nodes)) / (2 * h)
    return 0.5 * (out + out.T)


def _category_scores(group, eta, nodes):
    """d log P_k / d phi on the grid, shape (Q, n, K, p)."""
    p = group.family.probabilities(nodes, eta, group.n_categories)
    return _phi_jacobian(group, nodes, eta) / np.maximum(p, _TINY)[..., None]


@dataclass(frozen=True)
class _Covariance:
    """Covariance of the estimates on the phi scale.

    item : per group (n, p, p), zero rows/columns for fixed parameters
    cross : per group (n, p, 2), item-latent covariances (zero for ``block``)
    latent : (2, 2) over (mean, log sd), zero where fixed
    """

    item: list
    cross: list
    latent: np.ndarray


def _standard_errors(responses, layout, etas, latent, nodes, estep, priors, method) -> tuple[_Covariance, str]:
    """Observed-information covariance of the free parameters (Louis' identity)."""
    n_free, q = layout.size, len(nodes)
    if method == "auto":
        method = "louis" if responses.n_students * q * n_free**2 <= 2e9 else "block"
    post, counts = estep.posterior, estep.counts
    lat_free = np.asarray(layout.latent_free)
    lat_scores = _latent_scores(latent, nodes)[:, lat_free]  # (Q, L)
    lat_slice = slice(layout.n_item_free, layout.size)
    complete = [
        -_complete_hessian(g, eta, counts[:, g.index, : g.n_categories], nodes, priors)
        for g, eta in zip(layout.groups, etas)
    ]
    lat_complete = -_latent_hessian(latent, nodes, estep.node_counts, layout.latent_free)[np.ix_(lat_free, lat_free)]
    scores = [_category_scores(g, eta, nodes) for g, eta in zip(layout.groups, etas)]
    group_of, row_of = group_positions(layout.groups, responses.n_items)
    stud, item, score = responses.student, responses.item, responses.score
    obs_group = group_of[item]

    if method == "louis":
        info = np.zeros((n_free, n_free))
        s_total = np.zeros((responses.n_students, n_free))
        for qi in range(q):
            gq = np.zeros((responses.n_students, n_free))
            for gi, g in enumerate(layout.groups):
                sel = obs_group == gi
                rows, st, sc = row_of[item[sel]], stud[sel], score[sel]
                for m in range(g.free.shape[1]):
                    col = layout.columns[gi][rows, m]
                    ok = col >= 0
                    gq[st[ok], col[ok]] = scores[gi][qi, rows[ok], sc[ok], m]
            gq[:, lat_slice] = lat_scores[qi][None, :]
            weighted = gq * post[:, qi : qi + 1]
            info -= gq.T @ weighted
            s_total += weighted
        info += s_total.T @ s_total
        for _g, cols, block in zip(layout.groups, layout.columns, complete):
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
            x = np.zeros(g.free.shape + (2,))
            x[..., lat_free] = full[safe][:, :, lat_slice]
            x *= (cols >= 0)[:, :, None]
            cross.append(x)
        latent_cov = np.zeros((2, 2))
        latent_cov[np.ix_(lat_free, lat_free)] = full[lat_slice, lat_slice]
        return _Covariance(item_cov, cross, latent_cov), method

    # block: each item's diagonal block of the exact information, chunked over answers
    item_cov, cross = [], []
    for gi, g in enumerate(layout.groups):
        sc = scores[gi]
        cnt = counts[:, g.index, : g.n_categories]
        block = complete[gi] - np.einsum("qnk,qnkp,qnkr->npr", cnt, sc, sc)
        block += _score_outer_products(responses, post, sc, g, gi, obs_group, row_of)
        both = g.free[:, :, None] & g.free[:, None, :]
        eye = np.eye(block.shape[1])[None]
        inv = _safe_inverse(np.where(both, block, eye))
        item_cov.append(np.where(both, inv, 0.0))
        cross.append(np.zeros(g.free.shape + (2,)))
    latent_cov = np.zeros((2, 2))
    if lat_free.any():
        s_lat = post @ lat_scores
        lat_info = lat_complete - lat_scores.T @ (estep.node_counts[:, None] * lat_scores) + s_lat.T @ s_lat
        latent_cov[np.ix_(lat_free, lat_free)] = _safe_inverse(lat_info)
    return _Covariance(item_cov, cross, latent_cov), method


def _score_outer_products(responses, post, scores, group, gi, obs_group, row_of, chunk=100_000):
    """Sum over students of s_ij s_ij^T for the items of one group, (n, p, p).

    ``s_ij = sum_q post_iq d log P_j(x_ij | theta_q) / d phi`` is student i's
    marginal score for item j.  Dense data: one matrix product per group;
    sparse data: chunks of answers, never an (N, J) array.
    """
    n, npar = len(group.index), scores.shape[-1]
    active = np.flatnonzero(group.free.any(axis=0))
    out = np.zeros((n, npar, npar))
    if responses.dense is not None:
        q = scores.shape[0]
        x = responses.dense[:, group.index]
        picked = np.zeros((post.shape[0], n, len(active)))
        for k in range(scores.shape[2]):
            per_cat = (post @ np.ascontiguousarray(scores[:, :, k][..., active]).reshape(q, -1)).reshape(picked.shape)
            picked += (x == k)[:, :, None] * per_cat
        out[:, active[:, None], active[None, :]] = np.einsum("inp,inr->npr", picked, picked, optimize=True)
        return out
    # (n, K, m, Q): one contiguous row of grid values per item, category and parameter
    table = np.ascontiguousarray(scores[..., active].transpose(1, 2, 3, 0))
    members = np.flatnonzero(obs_group == gi)

    def chunk_sums(start):
        sel = members[start : start + chunk]
        rows = row_of[responses.item[sel]]
        weights = post[responses.student[sel]][:, :, None]  # (o, Q, 1)
        per_obs = np.matmul(table[rows, responses.score[sel]], weights)[:, :, 0]  # (o, m)
        sums = np.zeros((n, len(active), len(active)))
        for x in range(len(active)):
            for y in range(x, len(active)):
                sums[:, x, y] = sums[:, y, x] = np.bincount(rows, per_obs[:, x] * per_obs[:, y], minlength=n)
        return sums

    total = sum(thread_map(chunk_sums, range(0, len(members), chunk)))
    out[:, active[:, None], active[None, :]] = total
    return out


def _safe_inverse(info: np.ndarray) -> np.ndarray:
    """Inverse of a (batch of) information matrix; pseudo-inverse if singular."""
    try:
        return np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(info)


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
    """Delta-method standard errors of the reported parameters, (n, R)."""
    phi = _to_phi(group, eta)
    base = _reported(group, eta)
    jac = np.zeros(base.shape + (phi.shape[1],))
    for m in range(phi.shape[1]):
        if not group.free[:, m].any():
            continue
        up, down = phi.copy(), phi.copy()
        up[:, m] += h
        down[:, m] -= h
        jac[:, :, m] = (_reported(group, _from_phi(group, up)) - _reported(group, _from_phi(group, down))) / (2 * h)
    var = np.einsum("nrp,npq,nrq->nr", jac, cov, jac)
    return np.sqrt(np.maximum(var, 0.0))


def _se_table(params: ItemParameters, layout: _Layout, etas, cov: _Covariance) -> dict[str, np.ndarray]:
    """Standard errors by reported column name; NaN where not estimated."""
    j = params.n_items
    out = {name: np.full(j, np.nan) for name in ("a", "b", "c", "d")}
    for m in range(1, params.thresholds.shape[1] + 1):
        out[f"b{m}"] = np.full(j, np.nan)
    for g, eta, c in zip(layout.groups, etas, cov.item):
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


# --------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------


def calibrate(
    responses: ResponseMatrix,
    model: str | Sequence[str] = "2pl",
    *,
    anchors: ItemParameters | None = None,
    start: ItemParameters | None = None,
    fixed: Mapping[str, set[str]] | None = None,
    n_nodes: int = 61,
    theta_limits: tuple[float, float] = (-6.0, 6.0),
    tol: float = 1e-4,
    max_iter: int = 2000,
    se: bool = True,
    se_method: str = "auto",
    guess_prior: tuple[float, float] | None = None,
    slope_prior: tuple[float, float] | None = None,
    latent: str = "auto",
    accelerate: bool = True,
    drop_inestimable: bool = False,
    progress: Callable[[int, float], None] | None = None,
) -> CalibrationResult:
    """Calibrate items by marginal maximum likelihood (Bock-Aitkin EM).

    Parameters
    ----------
    responses : ResponseMatrix
        N students x J items, dense or sparse; missing cells are ignored.
    model : str or sequence of str
        One model name for all items, or one per item (J,): ``rasch``,
        ``1pl``, ``2pl``, ``3pl``, ``4pl``, ``grm``, ``gpcm``.  ``1pl`` (one
        common slope) must be the model of every item.
    anchors : ItemParameters, optional
        Items whose parameters are all held at these values (linking new
        items onto the bank's scale).  Anchored items keep their own model.
    start : ItemParameters, optional
        Starting values for any items it lists.
    fixed : mapping of item id to set of str, optional
        Parameters held at their starting values: ``a``, ``c``, ``d``, and a
        location (``b`` or ``b1``..) together with ``a``; ``{"all"}``.
    n_nodes, theta_limits : int, (float, float)
        Quadrature grid (mirt's default: 61 nodes on [-6, 6]).
    tol : float
        Convergence when the largest parameter change of one EM step is
        below ``tol``.
    max_iter : int
        Most EM steps.
    se : bool
        Compute standard errors.
    se_method : {"auto", "louis", "block"}
        ``louis``: the full observed information; ``block``: its item
        diagonal blocks (for banks too large for a full matrix); ``auto``
        picks ``louis`` when N * Q * P^2 <= 2e9.
    guess_prior : (mean, sd), optional
        Normal prior on logit(c) of 3PL/4PL items.  None, as in mirt's
        defaults.
    slope_prior : (mean, sd), optional
        Normal prior on log(a) (lognormal on a), BILOG-style: keeps slopes of
        items with few answers (sparse adaptive data) finite.  None, as in
        mirt's defaults.
    latent : {"auto", "fixed", "free"}
        ``fixed``: N(0, 1).  ``free``: mean and sd estimated (needs anchors
        or fixed items to set the scale).  ``auto``: free sd when no item
        has a free slope (Rasch), free mean and sd when anchors are given,
        else fixed.
    accelerate : bool
        SQUAREM acceleration (on by default).
    drop_inestimable : bool
        Leave out items the data cannot identify (no answers, every answer in
        one category, an unused middle category) and list them in
        ``result.dropped_items``, instead of refusing the calibration.
    progress : callable (iteration, loglik), optional
        Called after each cycle.

    Returns
    -------
    CalibrationResult
    """
    t_start = time.perf_counter()
    if not isinstance(responses, ResponseMatrix):
        raise ValueError("responses should be a ResponseMatrix")
    if se_method not in _SE_METHODS:
        raise ValueError(f"se_method should be one of {_SE_METHODS}, got {se_method!r}")
    if latent not in ("auto", "fixed", "free"):
        raise ValueError(f"latent should be 'auto', 'fixed' or 'free', got {latent!r}")
    for name, prior in (("guess_prior", guess_prior), ("slope_prior", slope_prior)):
        if prior is not None and not (len(prior) == 2 and prior[1] > 0):
            raise ValueError(f"{name} should be (mean, sd) with sd > 0")
    if responses.n_items == 0 or responses.n_students == 0:
        raise ValueError("no responses to calibrate")
    item_ids = responses.item_ids
    k = responses.n_categories.copy()
    position = {iid: j for j, iid in enumerate(item_ids.tolist())}
    fixed = {str(key): set(v) for key, v in (fixed or {}).items()}
    unknown = [i for i in fixed if i not in position]
    if unknown:
        raise ValueError(f"fixed names item {unknown[0]}, which has no responses")

    names = _resolve_models(model, item_ids, k)
    known = {}
    for table, fix_all in ((start, False), (anchors, True)):
        if table is None:
            continue
        for iid in table.item_ids.tolist():
            if iid not in position:
                if fix_all:
                    raise ValueError(f"anchor item {iid} has no responses")
                continue
            known[iid] = (table, fix_all)
    for iid, (table, fix_all) in known.items():
        j = position[iid]
        kt = int(table.n_categories[table.index_of[iid]])
        if kt < k[j]:
            raise ValueError(f"item {iid}: responses use {k[j]} categories but its parameters have {kt}")
        k[j] = kt
        names[j] = str(table.model[table.index_of[iid]])
        if fix_all:
            fixed[iid] = {"all"}
    one_pl = names == "1pl"
    if one_pl.any() and not one_pl.all():
        raise ValueError("1pl (one common slope) must be the model of every item; use rasch or 2pl to mix")
    bad, reasons = _inestimable(responses, fixed)
    dropped: tuple[str, ...] = ()
    if bad.any():
        if not drop_inestimable:
            raise ValueError(f"{reasons[0]} (drop it, fix its parameters, or pass drop_inestimable=True)")
        dropped = tuple(responses.item_ids[bad].tolist())
        keep = np.flatnonzero(~bad)
        if len(keep) == 0:
            raise ValueError("no item has responses that can be calibrated")
        responses = responses.select_items(keep)
        item_ids, k, names = responses.item_ids, k[keep], names[keep]

    rm = (
        ResponseMatrix(
            responses.student_ids, item_ids, k, responses.student, responses.item, responses.score, responses.dense
        )
        if not np.array_equal(k, responses.n_categories)
        else responses
    )
    table = _starting_table(rm, names)
    if known:
        table = _merge_known(table, known)
    groups = []
    for g in table.groups:
        free = _fixed_mask(g, item_ids, fixed)
        groups.append(replace(g, free=free))
    groups = tuple(groups)

    any_slope_free = any(g.free[:, 0].any() for g in groups)
    if latent == "fixed":
        latent_free = (False, False)
    elif latent == "free" or anchors is not None:
        latent_free = (True, True)
    else:
        latent_free = (False, not any_slope_free)
    layout = _Layout(groups, latent_free)
    latent_now = np.array([0.0, 0.0])
    nodes, _ = normal_grid(n_nodes, theta_limits)
    kmax = int(k.max())
    priors = _Priors(
        guess=tuple(guess_prior) if guess_prior is not None else None,
        slope=tuple(slope_prior) if slope_prior is not None else None,
    )

    timings = {"e_step": 0.0, "m_step": 0.0, "se": 0.0, "e_steps": 0}

    def e_step(x):
        etas, lat = layout.unpack(x)
        lat = layout.latent_of(x, latent_now)
        t = time.perf_counter()
        lw = normal_log_weights(nodes, lat[0], np.exp(lat[1]))
        out = _e_step(rm, groups, etas, nodes, lw, kmax)
        timings["e_step"] += time.perf_counter() - t
        timings["e_steps"] += 1
        return out

    def m_step(x, est):
        etas, _ = layout.unpack(x)
        lat = layout.latent_of(x, latent_now)
        t = time.perf_counter()
        new = [
            _m_step_parallel(g, eta, est.counts[:, g.index, : g.n_categories], nodes, priors)
            for g, eta in zip(groups, etas)
        ]
        lat = _m_step_latent(lat, layout, nodes, est.node_counts)
        timings["m_step"] += time.perf_counter() - t
        return layout.pack(new, lat)

    def natural(x):
        etas, lat = layout.unpack(x)
        parts = [eta[g.free] for g, eta in zip(groups, etas)]
        return np.concatenate(parts + [lat[np.asarray(latent_free)]])

    x = layout.pack([g.eta for g in groups], latent_now)
    est = e_step(x)
    history = [est.loglik]
    iterations = 0
    converged = False
    while iterations < max_iter:
        x1 = m_step(x, est)
        est1 = e_step(x1)
        x2 = m_step(x1, est1)
        iterations += 2
        change = float(np.max(np.abs(natural(x2) - natural(x1)), initial=0.0))
        candidate, est_c = x2, None
        r, v = x1 - x, x2 - 2 * x1 + x
        norm_v = float(np.linalg.norm(v))
        if accelerate and norm_v > 0:
            alpha = min(-float(np.linalg.norm(r)) / norm_v, -1.0)
            extrapolated = x - 2 * alpha * r + alpha * alpha * v
            if _state_valid(layout, extrapolated):
                est_e = e_step(extrapolated)
                if np.isfinite(est_e.loglik) and est_e.loglik >= est1.loglik:
                    candidate, est_c = extrapolated, est_e
        if est_c is None:
            est_c = e_step(candidate)
        x, est = candidate, est_c
        history.append(est.loglik)
        if progress is not None:
            progress(iterations, est.loglik)
        if change < tol:
            converged = True
            break
    if not converged:
        warnings.warn(
            f"EM did not converge in {max_iter} iterations (last change {change:.2e} > tol {tol:g})",
            ConvergenceWarning,
            stacklevel=2,
        )

    etas, lat = layout.unpack(x)
    lat = layout.latent_of(x, latent_now)
    cov, used = None, "none"
    if se and se_method != "none":
        t = time.perf_counter()
        cov, used = _standard_errors(rm, layout, etas, lat, nodes, est, priors, se_method)
        timings["se"] = time.perf_counter() - t
    final_groups = tuple(g.with_eta(eta) for g, eta in zip(groups, etas))
    params = table.with_groups(final_groups)
    se_table = _se_table(params, layout, etas, cov) if cov is not None else {}
    latent_mean, latent_sd = float(lat[0]), float(np.exp(lat[1]))
    latent_se = {}
    if cov is not None:
        if latent_free[0]:
            latent_se["mean"] = float(np.sqrt(max(cov.latent[0, 0], 0.0)))
        if latent_free[1]:
            latent_se["sd"] = float(latent_sd * np.sqrt(max(cov.latent[1, 1], 0.0)))
    if one_pl.all():
        params, se_table, latent_se = _rasch_to_one_pl(params, se_table, latent_sd, layout, etas, cov)
        latent_sd = 1.0
    params = replace(params, se=se_table)
    n_free = layout.size
    return CalibrationResult(
        params=params,
        loglik=float(est.loglik),
        n_free=n_free,
        n_students=rm.n_students,
        iterations=iterations,
        converged=converged,
        history=np.asarray(history),
        latent_mean=latent_mean,
        latent_sd=latent_sd,
        latent_se=latent_se,
        nodes=nodes,
        log_weights=normal_log_weights(nodes, lat[0], np.exp(lat[1])),
        posterior_counts=est.node_counts,
        seconds=time.perf_counter() - t_start,
        timings=timings,
        se_method=used,
        dropped_items=dropped,
    )


def _state_valid(layout: _Layout, x: np.ndarray) -> bool:
    if not np.all(np.isfinite(x)):
        return False
    etas, lat = layout.unpack(x)
    if abs(lat[1]) > 5:
        return False
    return all(_valid(g, eta).all() for g, eta in zip(layout.groups, etas))


def _inestimable(responses: ResponseMatrix, fixed: Mapping[str, set[str]]) -> tuple[np.ndarray, list[str]]:
    """Items whose free parameters the data cannot identify, and why.

    Returns a boolean mask (J,) and a message per flagged item (in order).
    """
    j, kmax = responses.n_items, int(responses.n_categories.max())
    freq = np.zeros((j, kmax), dtype=np.int64)
    np.add.at(freq, (responses.item, responses.score), 1)
    inside = np.arange(kmax)[None, :] < responses.n_categories[:, None]
    used = np.where(inside, freq, 0)
    anchored = np.array([bool(fixed.get(str(i))) and "all" in fixed[str(i)] for i in responses.item_ids.tolist()])
    empty = used.sum(axis=1) == 0
    constant = ~empty & (np.count_nonzero(used, axis=1) == 1)
    gap = ~empty & ~constant & np.any(inside & (used == 0), axis=1)
    bad = ~anchored & (empty | constant | gap)
    messages = []
    for pos in np.flatnonzero(bad):
        iid = responses.item_ids[pos]
        if empty[pos]:
            messages.append(f"item {iid} has no responses")
        elif constant[pos]:
            messages.append(
                f"item {iid}: every answer is {int(np.argmax(used[pos]))}; its parameters cannot be estimated"
            )
        else:
            missing = int(np.argmax(inside[pos] & (used[pos] == 0)))
            messages.append(f"item {iid}: score category {missing} is never used; collapse categories")
    return bad, messages


def _merge_known(table: ItemParameters, known) -> ItemParameters:
    """Starting table with the rows of start/anchor tables copied in."""
    a, b, c, d = table.a.copy(), table.b.copy(), table.c.copy(), table.d.copy()
    thr = table.thresholds.copy()
    models = table.model.copy()
    for iid, (src, _) in known.items():
        j, s = table.index_of[iid], src.index_of[iid]
        models[j] = src.model[s]
        a[j], b[j], c[j], d[j] = src.a[s], src.b[s], src.c[s], src.d[s]
        width = min(thr.shape[1], src.thresholds.shape[1])
        thr[j] = np.nan
        thr[j, :width] = src.thresholds[s, :width]
    return replace(table, model=models, a=a, b=b, c=c, d=d, thresholds=thr)


def _rasch_to_one_pl(params, se_table, sd, layout, etas, cov):
    """Rasch with free variance -> one common slope a = sd on N(0, 1)."""
    b = params.b / sd
    a = np.full(params.n_items, sd)
    new_se = dict(se_table)
    latent_se = {}
    if cov is not None:
        var_tau = cov.latent[1, 1]
        se_b = np.full(params.n_items, np.nan)
        for g, eta, c, x in zip(layout.groups, etas, cov.item, cov.cross):
            delta = eta[:, 1]
            # b = -delta / sd: d/d delta = -1/sd, d/d log sd = -b
            bb = -delta / sd
            var = c[:, 1, 1] / sd**2 + bb**2 * var_tau + 2 * (-1 / sd) * (-bb) * x[:, 1, 1]
            se_b[g.index] = np.sqrt(np.maximum(var, 0.0))
        new_se["b"] = se_b
        new_se["a"] = np.full(params.n_items, sd * np.sqrt(max(var_tau, 0.0)))
    return replace(params, a=a, b=b), new_se, latent_se
