"""Quadrature over the latent trait.

mirt's default: 61 equally spaced nodes on [-6, 6] with weights proportional
to the normal density at the nodes (normalized to sum to one).  The same grid
serves calibration (E-step) and EAP scoring.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["normal_grid", "normal_log_weights", "normal_log_weights_gradient", "log_normalizer"]


def log_normalizer(log_values: np.ndarray) -> np.ndarray:
    """``log(sum(exp(log_values)))`` over the last axis (the grid), kept as an axis of length 1.

    The engine's one logsumexp over a grid.  It is numpy's form rather than
    ``scipy.special.logsumexp``: scipy's array-API dispatch costs about 50 us
    a call, 13 times this on the (Q,) and (1, Q) arrays of an adaptive
    check's posterior and the latent M-step (called some fifty times per EM
    cycle), 1.7 times on (N, Q).

    Parameters
    ----------
    log_values : ndarray, shape (..., Q)

    Returns
    -------
    ndarray, shape (..., 1)
    """
    top = np.max(log_values, axis=-1, keepdims=True)
    return np.asarray(top + np.log(np.sum(np.exp(log_values - top), axis=-1, keepdims=True)))


def normal_log_weights(nodes: np.ndarray, mean: ArrayLike = 0.0, sd: ArrayLike = 1.0) -> np.ndarray:
    """Log weights of a N(mean, sd^2) prior on fixed ``nodes``.

    The weights are the normal density at the nodes, normalized to sum to one.

    Parameters
    ----------
    nodes : ndarray, shape (Q,)
    mean, sd : float or ndarray, shape (N,)
        One distribution, or one per row.

    Returns
    -------
    ndarray, shape (Q,) for scalar ``mean`` and ``sd``, else (N, Q)
    """
    mean_arr, sd_arr = np.asarray(mean, dtype=float), np.asarray(sd, dtype=float)
    if not np.all(sd_arr > 0):
        raise ValueError(f"sd should be positive, got {sd_arr}")
    z = (np.asarray(nodes, dtype=float) - mean_arr[..., None]) / sd_arr[..., None]
    log_density = -0.5 * z * z
    return np.asarray(log_density - log_normalizer(log_density))


def normal_log_weights_gradient(nodes: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """Derivatives of the log weights of N(mean, sd^2) with respect to ``(mean, log sd)``.

    Parameters
    ----------
    nodes : ndarray, shape (Q,)
    mean, sd : float

    Returns
    -------
    ndarray, shape (Q, 2)
        ``d log w_q / d mean`` and ``d log w_q / d log sd``.
    """
    w = np.exp(normal_log_weights(nodes, mean, sd))
    z = (nodes - mean) / sd
    d_mean = z / sd
    d_log_sd = z * z
    return np.column_stack([d_mean - w @ d_mean, d_log_sd - w @ d_log_sd])


def normal_grid(
    n_nodes: int = 61,
    limits: tuple[float, float] = (-6.0, 6.0),
    mean: float = 0.0,
    sd: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Equally spaced nodes on ``limits`` with normal prior weights.

    Parameters
    ----------
    n_nodes : int
        Q, the number of nodes (at least 5).
    limits : (float, float)
        Lowest and highest node.
    mean, sd : float
        The latent distribution N(mean, sd^2).

    Returns
    -------
    nodes : ndarray, shape (Q,)
    log_weights : ndarray, shape (Q,)
        Log of weights summing to one.
    """
    if int(n_nodes) != n_nodes or n_nodes < 5:
        raise ValueError(f"n_nodes should be a whole number >= 5, got {n_nodes}")
    lo, hi = limits
    if not hi > lo:
        raise ValueError(f"limits should be increasing, got {limits}")
    nodes = np.linspace(lo, hi, int(n_nodes))
    return nodes, normal_log_weights(nodes, mean, sd)
