"""What a calibration returns: :class:`CalibrationResult`, a :class:`GroupEstimate` per group, a warning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.irt.parameters import ItemParameters

__all__ = ["CalibrationResult", "GroupEstimate", "ConvergenceWarning"]


class ConvergenceWarning(UserWarning):
    """EM stopped at ``max_iter`` before the parameters settled."""


@dataclass(frozen=True)
class GroupEstimate:
    """One population of a (multiple-group) calibration.

    Attributes
    ----------
    label : str
        The group label (``all`` when the calibration had no groups).
    n_students : int
    mean, sd : float
        The population's latent distribution N(mean, sd^2) on the reported scale.
    mean_se, sd_se : float
        Their standard errors; NaN where fixed (the reference group's N(0, 1))
        or not computed.
    params : ItemParameters
        The population's item parameters: the common ones, and its own for
        the items freed across groups.
    """

    label: str
    n_students: int
    mean: float
    sd: float
    mean_se: float
    sd_se: float
    params: ItemParameters

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (NaN standard errors as None)."""
        return {
            "group": self.label,
            "n_students": self.n_students,
            "mean": self.mean,
            "sd": self.sd,
            "se_mean": self.mean_se if np.isfinite(self.mean_se) else None,
            "se_sd": self.sd_se if np.isfinite(self.sd_se) else None,
        }


@dataclass(frozen=True)
class CalibrationResult:
    """Outcome of :func:`~engine.irt.calibration.calibrate`.

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
        The latent distribution N(mean, sd^2) on the reported scale (the
        reference group's, with groups).
    latent_se : dict of str to float
        Standard errors of its free parameters (``mean``, ``sd``).
    nodes, log_weights : ndarray, shape (Q,)
        Quadrature grid and the final prior log weights (reference group).
    posterior_counts : ndarray, shape (Q,)
        Expected number of students at each node (every group).
    seconds : float
        Wall time of the whole calibration.
    timings : dict of str to float
        Seconds per stage: ``e_step``, ``m_step``, ``se``, plus ``e_steps``
        (how many E-steps ran).
    se_method : str
        ``louis``, ``block`` or ``none``.
    dropped_items : tuple of str
        Items left out as inestimable (``drop_inestimable=True``).
    groups : tuple of GroupEstimate
        Each population, the reference first (one, ``all``, without groups).
    poorly_identified : tuple of str
        Items the data cannot pin down (:mod:`.identification`): reported,
        flagged, never silently.
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
    latent_se: dict[str, float]
    nodes: np.ndarray
    log_weights: np.ndarray
    posterior_counts: np.ndarray
    seconds: float
    timings: dict[str, float]
    se_method: str
    dropped_items: tuple[str, ...] = ()
    groups: tuple[GroupEstimate, ...] = ()
    poorly_identified: tuple[str, ...] = ()

    @property
    def aic(self) -> float:
        """Akaike's information criterion, ``-2 loglik + 2 n_free``."""
        return -2.0 * self.loglik + 2.0 * self.n_free

    @property
    def bic(self) -> float:
        """Schwarz's criterion, ``-2 loglik + n_free log N``."""
        return float(-2.0 * self.loglik + self.n_free * np.log(self.n_students))

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (the CLI's ``--json`` output); ``groups`` when there were several."""
        out = {
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
            "poorly_identified": list(self.poorly_identified),
            "seconds": float(self.seconds),
            "timings": {k: float(v) for k, v in self.timings.items()},
        }
        if len(self.groups) > 1:
            out["groups"] = [g.summary() for g in self.groups]
        return out
