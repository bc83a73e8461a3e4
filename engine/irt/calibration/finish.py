"""Finishing a calibration: standard errors, the reported scale, the result.

From the EM estimates: the covariance (when asked), the item parameters in
the reported metric with their standard errors, each population's latent
distribution with its standard errors, and, for the 1PL, the Rasch fit with
its free latent sd re-expressed as one common slope on N(0, 1).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from engine.irt.calibration.em import EMOutcome, latent_log_weights
from engine.irt.calibration.identification import poorly_identified
from engine.irt.calibration.layout import ParameterLayout
from engine.irt.calibration.problem import CalibrationProblem
from engine.irt.calibration.result import CalibrationResult, GroupEstimate
from engine.irt.calibration.standard_errors import Covariance, covariance, se_table
from engine.irt.likelihood import log_probability_table
from engine.irt.parameters import ItemParameters

__all__ = ["finish"]


def finish(
    problem: CalibrationProblem,
    outcome: EMOutcome,
    *,
    se_method: str,
    timings: dict[str, float],
    started: float,
) -> CalibrationResult:
    """The :class:`CalibrationResult` of the EM estimates.

    Parameters
    ----------
    problem : CalibrationProblem
    outcome : EMOutcome
    se_method : {"auto", "louis", "block", "none"}
    timings : dict of str to float
        Stage timings so far; ``se`` is added.
    started : float
        ``time.perf_counter()`` when the calibration started.
    """
    layout = problem.layout
    etas, latent = layout.unpack(outcome.x)
    final_groups = tuple(g.with_eta(eta) for g, eta in zip(problem.groups, etas))
    cov = None
    if se_method != "none":
        t = time.perf_counter()
        table = log_probability_table(final_groups, problem.nodes, problem.n_columns, problem.kmax)
        log_weights = latent_log_weights(problem.nodes, latent)
        cov = covariance(
            problem.students,
            layout,
            etas,
            latent,
            problem.nodes,
            outcome.estep,
            problem.priors,
            se_method,
            table,
            log_weights,
            problem.precision,
        )
        timings["se"] = time.perf_counter() - t
    columns = problem.table.with_groups(final_groups)
    se = se_table(columns, final_groups, etas, cov) if cov is not None else {}
    means, sds = latent[:, 0].copy(), np.exp(latent[:, 1])
    mean_se, sd_se = _latent_standard_errors(layout, sds, cov)
    if problem.one_pl:
        columns, se = _rasch_to_one_pl(columns, se, float(sds[0]), layout, etas, cov)
        sds[0], sd_se[0] = 1.0, np.nan
    columns = replace(columns, se=se)
    params = columns.subset(np.arange(problem.n_items))
    group_estimates = tuple(
        GroupEstimate(
            label=label,
            n_students=int(size),
            mean=float(means[g]),
            sd=float(sds[g]),
            mean_se=float(mean_se[g]),
            sd_se=float(sd_se[g]),
            params=_population_params(params, columns, problem, g),
        )
        for g, (label, size) in enumerate(zip(problem.populations.labels, problem.populations.sizes()))
    )
    latent_se = {name: float(value[0]) for name, value in (("mean", mean_se), ("sd", sd_se)) if np.isfinite(value[0])}
    return CalibrationResult(
        params=params,
        loglik=float(outcome.estep.loglik),
        n_free=layout.size,
        n_students=problem.responses.n_students,
        iterations=outcome.iterations,
        converged=outcome.converged,
        history=outcome.history,
        latent_mean=float(means[0]),
        latent_sd=float(sds[0]),
        latent_se=latent_se,
        nodes=problem.nodes,
        log_weights=latent_log_weights(problem.nodes, latent)[0],
        posterior_counts=outcome.estep.node_counts.sum(axis=0),
        seconds=time.perf_counter() - started,
        timings=timings,
        se_method=cov.method if cov is not None else "none",
        dropped_items=problem.dropped,
        groups=group_estimates,
        poorly_identified=tuple(params.item_ids[poorly_identified(params)].tolist()),
    )


def _latent_standard_errors(
    layout: ParameterLayout, sds: np.ndarray, cov: Covariance | None
) -> tuple[np.ndarray, np.ndarray]:
    """Standard errors of each population's latent mean and sd, each (G,); NaN where fixed or not computed."""
    mean_se = np.full(layout.n_populations, np.nan)
    sd_se = np.full(layout.n_populations, np.nan)
    if cov is not None:
        free = layout.latent_free
        mean_se[free[:, 0]] = np.sqrt(np.maximum(cov.latent[free[:, 0], 0, 0], 0.0))
        # sd = exp(log sd): the delta method multiplies by sd
        sd_se[free[:, 1]] = sds[free[:, 1]] * np.sqrt(np.maximum(cov.latent[free[:, 1], 1, 1], 0.0))
    return mean_se, sd_se


def _population_params(
    params: ItemParameters, columns: ItemParameters, problem: CalibrationProblem, population: int
) -> ItemParameters:
    """Population ``population``'s item parameters: ``params`` with its own columns for the freed items."""
    mine = np.flatnonzero(problem.copy_population == population)
    if mine.size == 0:
        return params
    rows = np.arange(problem.n_items)
    rows[problem.copy_of[mine]] = problem.n_items + mine
    own = columns.subset(rows)
    return replace(own, item_ids=params.item_ids)


def _rasch_to_one_pl(
    params: ItemParameters,
    se: dict[str, np.ndarray],
    sd: float,
    layout: ParameterLayout,
    etas: list[np.ndarray],
    cov: Covariance | None,
) -> tuple[ItemParameters, dict[str, np.ndarray]]:
    """Rasch with free latent sd -> one common slope ``a = sd`` on N(0, 1), with its standard errors.

    The latent distribution becomes N(0, 1) (nothing left to estimate
    there): the sd's uncertainty moves to the common slope.
    """
    b = params.b / sd
    a = np.full(params.n_items, sd)
    new_se = dict(se)
    if cov is not None:
        var_tau = cov.latent[0, 1, 1]
        se_b = np.full(params.n_items, np.nan)
        for g, eta, c, x in zip(layout.groups, etas, cov.item, cov.cross):
            delta = eta[:, 1]
            # b = -delta / sd: d/d delta = -1/sd, d/d log sd = -b
            bb = -delta / sd
            var = c[:, 1, 1] / sd**2 + bb**2 * var_tau + 2 * (-1 / sd) * (-bb) * x[:, 1, 0, 1]
            se_b[g.index] = np.sqrt(np.maximum(var, 0.0))
        new_se["b"] = se_b
        new_se["a"] = np.full(params.n_items, sd * np.sqrt(max(var_tau, 0.0)))
    return replace(params, a=a, b=b), new_se
