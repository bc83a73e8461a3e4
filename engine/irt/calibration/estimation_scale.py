"""The scale the EM iteration estimates on, and which internal parameters are valid.

Internal (slope-intercept) parameters ``eta`` are estimated as they are,
except free asymptotes (``c``, ``d`` of logistic items), which live in (0, 1)
and are estimated on the logit scale, ``phi = logit(eta)``, clipped to
``[-15, 15]`` so that an asymptote at its boundary stays finite.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logit

from engine.irt.models import GRADED, LOGISTIC
from engine.irt.parameters import ItemGroup

__all__ = ["to_phi", "from_phi", "phi_jacobian", "valid_parameters"]

_LOGIT_BOUND = 15.0


def to_phi(group: ItemGroup, eta: np.ndarray) -> np.ndarray:
    """Estimation scale of internal parameters ``eta`` (n, p): free asymptotes on the logit scale."""
    phi = eta.copy()
    for m in group.logit:
        free = group.free[:, m]
        value = logit(np.clip(eta[free, m], 1e-12, 1 - 1e-12))
        phi[free, m] = np.clip(value, -_LOGIT_BOUND, _LOGIT_BOUND)
    return phi


def from_phi(group: ItemGroup, phi: np.ndarray) -> np.ndarray:
    """Internal parameters (n, p) from the estimation scale: the inverse of :func:`to_phi`."""
    eta = phi.copy()
    for m in group.logit:
        free = group.free[:, m]
        eta[free, m] = expit(np.clip(phi[free, m], -_LOGIT_BOUND, _LOGIT_BOUND))
    return eta


def phi_jacobian(group: ItemGroup, theta: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """dP/dphi on ``theta`` (Q,), shape (Q, n, K, p): the family Jacobian with the logit chain rule."""
    jac = group.family.param_jacobian(theta, eta, group.n_categories)
    for m in group.logit:
        chain = np.where(group.free[:, m], eta[:, m] * (1.0 - eta[:, m]), 1.0)
        jac[..., m] *= chain[None, :, None]
    return jac


def valid_parameters(group: ItemGroup, eta: np.ndarray) -> np.ndarray:
    """Whether each item's internal parameters (n, p) define a model, shape (n,).

    Finite, a nonzero slope, ordered graded thresholds, ``c < d``.
    """
    ok = np.all(np.isfinite(eta), axis=1) & (np.abs(eta[:, 0]) > 1e-8)
    if group.family is GRADED and group.n_categories > 2:
        ok &= np.all(np.diff(eta[:, 1:], axis=1) < 0, axis=1)
    if group.family is LOGISTIC:
        ok &= eta[:, 2] < eta[:, 3]
    return np.asarray(ok)
