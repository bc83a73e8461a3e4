"""The EM state as one vector: every free item parameter, then the free latent parameters.

SQUAREM extrapolates and the standard errors invert an information matrix
over one vector ``x``; :class:`ParameterLayout` says where each free
parameter sits in it.  Item parameters come first, group by group, on the
estimation scale (:mod:`~engine.irt.calibration.estimation_scale`); then the
free ``(mean, log sd)`` of each population's latent distribution, population
by population.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.irt.calibration.estimation_scale import from_phi, to_phi, valid_parameters
from engine.irt.parameters import ItemGroup

__all__ = ["ParameterLayout"]

#: Largest |log sd| of a latent distribution an extrapolation may reach.
_LOG_SD_BOUND = 5.0


@dataclass(frozen=True)
class ParameterLayout:
    """Where each free parameter sits in the packed vector.

    Attributes
    ----------
    groups : tuple of ItemGroup
        The item groups; their ``eta`` are the values of fixed parameters and
        their ``free`` masks say which are estimated.
    latent_free : ndarray of bool, shape (G, 2)
        Whether the mean and the log sd of each population's latent
        distribution are estimated.
    slices : list of slice
        Per item group, its free parameters in the vector.
    columns : list of ndarray of int, shape (n, p)
        Per item group, the vector position of each parameter, -1 if fixed.
    latent_columns : ndarray of int, shape (G, 2)
        Vector position of each latent parameter, -1 if fixed.
    n_item_free : int
        Free item parameters (the latent ones follow).
    size : int
        Length of the vector.
    """

    groups: tuple[ItemGroup, ...]
    latent_free: np.ndarray
    slices: list[slice] = field(init=False)
    columns: list[np.ndarray] = field(init=False)
    latent_columns: np.ndarray = field(init=False)
    n_item_free: int = field(init=False)
    size: int = field(init=False)

    def __post_init__(self) -> None:
        start = 0
        slices, columns = [], []
        for g in self.groups:
            n = int(g.free.sum())
            slices.append(slice(start, start + n))
            cols = np.full(g.free.shape, -1)
            cols[g.free] = np.arange(start, start + n)
            columns.append(cols)
            start += n
        latent_columns = np.full(self.latent_free.shape, -1)
        latent_columns[self.latent_free] = np.arange(start, start + int(self.latent_free.sum()))
        object.__setattr__(self, "slices", slices)
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "latent_columns", latent_columns)
        object.__setattr__(self, "n_item_free", start)
        object.__setattr__(self, "size", start + int(self.latent_free.sum()))

    @property
    def n_populations(self) -> int:
        """G, the number of latent distributions."""
        return int(self.latent_free.shape[0])

    def pack(self, etas: Sequence[np.ndarray], latent: np.ndarray) -> np.ndarray:
        """The vector of free parameters, shape (size,).

        Parameters
        ----------
        etas : sequence of ndarray, shape (n, p) each
            Internal parameters of each item group.
        latent : ndarray, shape (G, 2)
            ``(mean, log sd)`` of each population.
        """
        parts = [to_phi(g, eta)[g.free] for g, eta in zip(self.groups, etas)]
        parts.append(latent[self.latent_free])
        return np.concatenate(parts)

    def unpack(self, x: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """Internal parameters of each item group (n, p) and the latent ``(mean, log sd)`` (G, 2)."""
        etas = []
        for g, s in zip(self.groups, self.slices):
            phi = to_phi(g, g.eta)
            phi[g.free] = x[s]
            etas.append(from_phi(g, phi))
        latent = np.zeros(self.latent_free.shape)
        latent[self.latent_free] = x[self.n_item_free :]
        return etas, latent

    def natural(self, x: np.ndarray) -> np.ndarray:
        """The free parameters on the internal scale (asymptotes as probabilities), shape (size,).

        The convergence criterion compares these, as mirt does.
        """
        etas, latent = self.unpack(x)
        parts = [eta[g.free] for g, eta in zip(self.groups, etas)]
        return np.concatenate(parts + [latent[self.latent_free]])

    def valid(self, x: np.ndarray) -> bool:
        """Whether ``x`` is a state the E-step can evaluate (finite, valid items, sane latent sd)."""
        if not np.all(np.isfinite(x)):
            return False
        etas, latent = self.unpack(x)
        if np.any(np.abs(latent[:, 1]) > _LOG_SD_BOUND):
            return False
        return all(valid_parameters(g, eta).all() for g, eta in zip(self.groups, etas))
