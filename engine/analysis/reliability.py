"""Information and reliability of a form, a standard's pool or a whole bank.

* :func:`information_curves` — item and test information and the
  conditional standard error of measurement ``CSEM(theta) = 1 / sqrt(I(theta))``
  on a theta grid.
* :func:`marginal_reliability` — ``sigma^2 / (sigma^2 + E[1 / I(theta)])``
  over the latent distribution (mirt's ``marginal_rxx``).
* :func:`empirical_reliability` — ``var(theta_hat) / (var(theta_hat) +
  mean(se^2))`` of EAP scores (mirt's ``empirical_rxx``).

A form or a pool is the parameter table restricted to its items
(``params.subset(positions)``) or the ``items`` argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from engine.irt.parameters import ItemParameters
from engine.irt.quadrature import normal_log_weights

__all__ = [
    "InformationCurves",
    "information_curves",
    "form_information",
    "marginal_reliability",
    "empirical_reliability",
]


def _positions(params: ItemParameters, items: Sequence[str | int] | np.ndarray | None) -> np.ndarray:
    """Positions (n,) of ``items`` given as ids or positions; every item when None."""
    if items is None:
        return np.arange(params.n_items)
    chosen = np.atleast_1d(np.asarray(items))
    if chosen.dtype.kind in "iu":
        if np.any((chosen < 0) | (chosen >= params.n_items)):
            raise ValueError(f"item positions should be in 0..{params.n_items - 1}")
        return chosen.astype(int)
    missing = [i for i in chosen.astype(str) if i not in params.index_of]
    if missing:
        raise ValueError(f"unknown item {missing[0]}")
    return np.array([params.index_of[i] for i in chosen.astype(str)], dtype=int)


def _theta(theta: ArrayLike) -> np.ndarray:
    """``theta`` as a 1-d array of finite numbers."""
    t = np.atleast_1d(np.asarray(theta, dtype=float))
    if t.ndim != 1 or not np.all(np.isfinite(t)):
        raise ValueError("theta should be a 1-d array of finite numbers")
    return t


@dataclass(frozen=True)
class InformationCurves:
    """Information on a theta grid.

    Attributes
    ----------
    theta : ndarray, shape (Q,)
    item_ids : ndarray of str, shape (J,)
    item_information : ndarray, shape (Q, J)
    test_information : ndarray, shape (Q,)
    csem : ndarray, shape (Q,)
        ``1 / sqrt(test_information)`` (inf where there is no information).
    """

    theta: np.ndarray
    item_ids: np.ndarray
    item_information: np.ndarray
    test_information: np.ndarray
    csem: np.ndarray


def information_curves(
    params: ItemParameters, theta: ArrayLike | None = None, items: Sequence[str | int] | np.ndarray | None = None
) -> InformationCurves:
    """Item information, test information and CSEM on a grid.

    Parameters
    ----------
    params : ItemParameters
    theta : array_like, shape (Q,), optional
        Default 81 points on [-4, 4].
    items : sequence of str or int, optional
        The form or pool (ids or positions); default every item.

    Returns
    -------
    InformationCurves
    """
    t = np.linspace(-4.0, 4.0, 81) if theta is None else _theta(theta)
    pos = _positions(params, items)
    sub = params.subset(pos)
    info = sub.information(t)
    total = info.sum(axis=1)
    with np.errstate(divide="ignore"):
        csem = 1.0 / np.sqrt(total)
    return InformationCurves(t, sub.item_ids.copy(), info, total, csem)


def form_information(
    params: ItemParameters, theta: ArrayLike, items: Sequence[str | int] | np.ndarray | None = None
) -> np.ndarray:
    """Test information ``sum_j I_j(theta)`` of a form.

    Parameters
    ----------
    params : ItemParameters
    theta : array_like, shape (Q,)
    items : sequence of str or int, optional
        The form (ids or positions); default every item.

    Returns
    -------
    ndarray, shape (Q,)
    """
    return information_curves(params, theta, items).test_information


def marginal_reliability(
    params: ItemParameters,
    items: Sequence[str | int] | np.ndarray | None = None,
    *,
    mean: float = 0.0,
    sd: float = 1.0,
    n_nodes: int = 201,
    limits: tuple[float, float] = (-8.0, 8.0),
) -> float:
    """Marginal reliability ``sd^2 / (sd^2 + E[1 / I(theta)])``.

    The expectation is over ``theta ~ N(mean, sd^2)``, by quadrature on
    ``n_nodes`` equally spaced nodes (normal weights); a point without
    information contributes ``1 / 1e-10``, as in mirt.

    Parameters
    ----------
    params : ItemParameters
    items : sequence of str or int, optional
        The form or pool; default every item.
    mean, sd : float
        Latent distribution.
    n_nodes : int
    limits : (float, float)
        Range of the grid in standard deviations around ``mean``.

    Returns
    -------
    float
    """
    if not sd > 0:
        raise ValueError(f"sd should be positive, got {sd}")
    z = np.linspace(limits[0], limits[1], int(n_nodes))
    w = np.exp(normal_log_weights(z))
    info = form_information(params, mean + sd * z, items)
    err = w @ (1.0 / np.maximum(info, 1e-10))
    return float(sd * sd / (sd * sd + err))


def empirical_reliability(theta_hat: ArrayLike, se: ArrayLike) -> float:
    """Empirical reliability of ability estimates.

    ``var(theta_hat) / (var(theta_hat) + mean(se^2))`` (sample variance,
    ddof = 1), mirt's ``empirical_rxx`` for EAP scores.

    Parameters
    ----------
    theta_hat, se : array_like, shape (N,)

    Returns
    -------
    float
    """
    t = np.asarray(theta_hat, dtype=float).reshape(-1)
    s = np.asarray(se, dtype=float).reshape(-1)
    if t.shape != s.shape or len(t) < 2:
        raise ValueError(f"theta_hat and se should have the same length >= 2, got {t.shape} and {s.shape}")
    ok = np.isfinite(t) & np.isfinite(s)
    if ok.sum() < 2:
        raise ValueError("need at least 2 finite estimates")
    v = np.var(t[ok], ddof=1)
    return float(v / (v + np.mean(s[ok] ** 2)))
