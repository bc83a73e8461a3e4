"""Item priors of MAP-EM: a normal prior on logit(c), a lognormal prior on the slope."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.irt.calibration.estimation_scale import to_phi
from engine.irt.models import LOGISTIC
from engine.irt.parameters import ItemGroup

__all__ = ["ItemPriors"]


@dataclass(frozen=True)
class ItemPriors:
    """Item priors of MAP-EM (None entries are off, as in mirt's defaults).

    Attributes
    ----------
    guess : (mean, sd), optional
        A normal prior on logit(c), logistic items.
    slope : (mean, sd), optional
        A normal prior on log(a) (a lognormal prior on a), every family; it
        keeps slopes finite on sparse adaptive data.
    """

    guess: tuple[float, float] | None = None
    slope: tuple[float, float] | None = None

    def log_density(self, group: ItemGroup, eta: np.ndarray) -> np.ndarray:
        """Log prior density of each item's free parameters (n, p), shape (n,)."""
        value = np.zeros(len(eta))
        if self.guess is not None and group.family is LOGISTIC:
            mean, sd = self.guess
            phi_c = to_phi(group, eta)[:, 2]
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
        """Gradient of the log prior on the estimation scale and a positive curvature, each (n, p)."""
        grad = np.zeros(eta.shape)
        curve = np.zeros(eta.shape)
        if self.guess is not None and group.family is LOGISTIC:
            mean, sd = self.guess
            on = group.free[:, 2]
            grad[:, 2] = np.where(on, -(to_phi(group, eta)[:, 2] - mean) / sd**2, 0.0)
            curve[:, 2] = np.where(on, 1.0 / sd**2, 0.0)
        if self.slope is not None:
            mean, sd = self.slope
            a = np.maximum(eta[:, 0], 1e-12)
            on = group.free[:, 0]
            grad[:, 0] = np.where(on, -1.0 / a - (np.log(a) - mean) / (sd**2 * a), 0.0)
            curve[:, 0] = np.where(on, 1.0 / (sd * a) ** 2, 0.0)
        return grad, curve
