"""The EM iteration: the fixed-point map ``x <- M(E(x))``, accelerated by SQUAREM.

The map is parameter-expanded EM where the items can absorb the reference
population's fixed scale (:mod:`.expansion`).

Each cycle takes two EM steps from ``x`` (``x1 = F(x)``, ``x2 = F(x1)``) and
extrapolates along them (:func:`squarem_extrapolation`, Varadhan & Roland,
2008, scheme S3).  The extrapolated point replaces ``x2`` only when it is a
valid state whose log-likelihood is at least that of ``x1``, so the
log-likelihood never decreases.  The iteration stops when one EM step changes
no free parameter by more than ``tol`` (mirt's criterion).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.irt.calibration.e_step import EStep, expected_counts
from engine.irt.calibration.m_step import m_step_items, m_step_latent
from engine.irt.calibration.problem import CalibrationProblem
from engine.irt.calibration.result import ConvergenceWarning
from engine.irt.likelihood import log_probability_table
from engine.irt.quadrature import normal_log_weights

__all__ = ["EMOutcome", "run_em", "expectation", "latent_log_weights", "squarem_extrapolation"]


@dataclass(frozen=True)
class EMOutcome:
    """Where the iteration stopped.

    Attributes
    ----------
    x : ndarray, shape (P,)
        The packed estimates (:class:`~engine.irt.calibration.layout.ParameterLayout`).
    estep : EStep
        The E-step at ``x``.
    history : ndarray, shape (n_cycles + 1,)
        Log-likelihood after each cycle.
    iterations : int
        EM steps taken (extrapolations not counted).
    converged : bool
    """

    x: np.ndarray
    estep: EStep
    history: np.ndarray
    iterations: int
    converged: bool


def latent_log_weights(nodes: np.ndarray, latent: np.ndarray) -> np.ndarray:
    """Prior log weights of each population on the grid, (G, Q), from ``(mean, log sd)`` rows (G, 2)."""
    return np.stack([normal_log_weights(nodes, mean, np.exp(log_sd)) for mean, log_sd in latent])


def expectation(problem: CalibrationProblem, x: np.ndarray, timings: dict[str, float]) -> EStep:
    """The E-step at the packed state ``x`` (P,), timed into ``timings``."""
    etas, latent = problem.layout.unpack(x)
    t = time.perf_counter()
    table = log_probability_table(
        [g.with_eta(eta) for g, eta in zip(problem.groups, etas)], problem.nodes, problem.n_columns, problem.kmax
    )
    loglik, counts, node_counts = problem.students.map_sum(
        expected_counts, table, latent_log_weights(problem.nodes, latent), problem.precision
    )
    timings["e_step"] += time.perf_counter() - t
    timings["e_steps"] += 1
    return EStep(float(loglik), counts, node_counts)


def maximization(problem: CalibrationProblem, x: np.ndarray, estep: EStep, timings: dict[str, float]) -> np.ndarray:
    """The M-step from the state ``x`` (P,) and its E-step: the next packed state (P,).

    With a parameter expansion (:mod:`.expansion`), the reference
    population's fixed mean and sd are estimated too and absorbed by the items.
    """
    layout = problem.layout
    etas, latent = layout.unpack(x)
    t = time.perf_counter()
    new = [
        m_step_items(g, eta, _group_counts(estep.counts, g.index, g.n_categories), problem.nodes, problem.priors)
        for g, eta in zip(problem.groups, etas)
    ]
    new_latent = np.stack(
        [
            m_step_latent(row, free, problem.nodes, counts)
            for row, free, counts in zip(latent, layout.latent_free, estep.node_counts)
        ]
    )
    if problem.expansion.active:
        new, new_latent = problem.expansion.apply(problem.groups, new, new_latent, problem.nodes, estep.node_counts[0])
    timings["m_step"] += time.perf_counter() - t
    return layout.pack(new, new_latent)


def _group_counts(counts: np.ndarray, index: np.ndarray, n_categories: int) -> np.ndarray:
    """A group's expected counts (Q, n, K) of the E-step's (Q, J, Kmax): a view when its items are a range."""
    if len(index) and index[-1] - index[0] == len(index) - 1 and np.all(np.diff(index) == 1):
        return counts[:, index[0] : index[-1] + 1, :n_categories]
    return counts[:, index, :n_categories]


def squarem_extrapolation(x0: np.ndarray, x1: np.ndarray, x2: np.ndarray) -> np.ndarray | None:
    """SQUAREM's extrapolated point from two EM steps ``x0 -> x1 -> x2``, each (P,).

    With ``r = x1 - x0``, ``v = x2 - 2 x1 + x0`` and the step length
    ``alpha = min(-|r| / |v|, -1)``, the point is
    ``x0 - 2 alpha r + alpha^2 v``.  None when the two steps coincide (v = 0).
    """
    r, v = x1 - x0, x2 - 2 * x1 + x0
    norm_v = float(np.linalg.norm(v))
    if not norm_v > 0:
        return None
    alpha = min(-float(np.linalg.norm(r)) / norm_v, -1.0)
    return np.asarray(x0 - 2 * alpha * r + alpha * alpha * v)


def run_em(
    problem: CalibrationProblem,
    start: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    accelerate: bool,
    progress: Callable[[int, float], None] | None,
    timings: dict[str, float],
) -> EMOutcome:
    """Iterate EM from the packed state ``start`` (P,) until a step changes no parameter by ``tol``.

    Warns :class:`~engine.irt.calibration.result.ConvergenceWarning` when
    ``max_iter`` EM steps were not enough.
    """
    layout = problem.layout
    x = start
    est = expectation(problem, x, timings)
    history = [est.loglik]
    iterations = 0
    converged = False
    change = np.inf
    while iterations < max_iter:
        x1 = maximization(problem, x, est, timings)
        est1 = expectation(problem, x1, timings)
        x2 = maximization(problem, x1, est1, timings)
        iterations += 2
        change = float(np.max(np.abs(layout.natural(x2) - layout.natural(x1)), initial=0.0))
        if change < tol:  # the last EM step settled: stop at its result, nothing to extrapolate
            converged = True
            x, est = x2, expectation(problem, x2, timings)
            history.append(est.loglik)
            break
        candidate, est_c = x2, None
        extrapolated = squarem_extrapolation(x, x1, x2) if accelerate else None
        if extrapolated is not None and layout.valid(extrapolated):
            est_e = expectation(problem, extrapolated, timings)
            if np.isfinite(est_e.loglik) and est_e.loglik >= est1.loglik:
                candidate, est_c = extrapolated, est_e
        if est_c is None:
            est_c = expectation(problem, candidate, timings)
        x, est = candidate, est_c
        history.append(est.loglik)
        if progress is not None:
            progress(iterations, est.loglik)
    if not converged:
        warnings.warn(
            f"EM did not converge in {max_iter} iterations (last change {change:.2e} > tol {tol:g})",
            ConvergenceWarning,
            stacklevel=3,
        )
    return EMOutcome(x, est, np.asarray(history), iterations, converged)
