"""Quadrature over the latent trait.

mirt's default: 61 equally spaced nodes on [-6, 6] with weights proportional
to the normal density at the nodes (normalized to sum to one).  The same grid
serves calibration (E-step) and EAP scoring.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

__all__ = ["normal_grid", "normal_log_weights"]


def normal_log_weights(nodes: np.ndarray, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
    """Log weights of a N(mean, sd^2) prior on fixed ``nodes``, shape ``(Q,)``.

    The weights are the normal density at the nodes, normalized to sum to one.
    """
    if not sd > 0:
        raise ValueError(f"sd should be positive, got {sd}")
    z = (np.asarray(nodes, dtype=float) - mean) / sd
    log_density = -0.5 * z * z
    return log_density - logsumexp(log_density)


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
