"""The populations of a calibration: which latent distribution each student is drawn from.

One population (the usual case) has one normal latent distribution.  With
several (R mirt's ``multipleGroup``), each has its own N(mean, sd^2); the
first, the reference, sets the scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

__all__ = ["Populations"]


@dataclass(frozen=True)
class Populations:
    """Students grouped by latent distribution.

    Attributes
    ----------
    labels : tuple of str, shape (G,)
        The populations, the reference first.
    code : ndarray of int, shape (N,)
        Each student's population (an index into ``labels``).
    """

    labels: tuple[str, ...]
    code: np.ndarray
    _indicator: sp.csr_array | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n, g = len(self.code), len(self.labels)
        indicator = None
        if g > 1:
            indicator = sp.csr_array((np.ones(n), (self.code, np.arange(n))), shape=(g, n))
        object.__setattr__(self, "_indicator", indicator)

    @classmethod
    def single(cls, n_students: int) -> Populations:
        """Every student from one latent distribution."""
        return cls(("all",), np.zeros(n_students, dtype=np.int64))

    @classmethod
    def from_labels(cls, groups: ArrayLike, reference: str | None, n_students: int) -> Populations:
        """Populations from a label per student.

        Parameters
        ----------
        groups : array_like, shape (N,)
            Each student's group label.
        reference : str, optional
            The reference group; default the largest (on a tie, the first in
            sorted order).
        n_students : int
        """
        raw = np.asarray(groups, dtype=object).reshape(-1)
        if raw.shape != (n_students,):
            raise ValueError(f"groups should have one label per student ({n_students}), got {raw.shape[0]}")
        labels = raw.astype(str)
        present, code, counts = np.unique(labels, return_inverse=True, return_counts=True)
        if reference is None:
            ref = int(np.argmax(counts))
        else:
            where = np.flatnonzero(present == str(reference))
            if where.size == 0:
                raise ValueError(f"no student is in the reference group {reference!r}")
            ref = int(where[0])
        order = np.concatenate([[ref], np.delete(np.arange(len(present)), ref)])
        rank = np.empty(len(present), dtype=np.int64)
        rank[order] = np.arange(len(present))
        return cls(tuple(str(p) for p in present[order]), rank[code])

    @property
    def n_populations(self) -> int:
        """G."""
        return len(self.labels)

    def members(self, population: int) -> slice | np.ndarray:
        """Rows of the students of ``population`` (every row, as a slice, when there is one)."""
        if self.n_populations == 1:
            return slice(None)
        return np.flatnonzero(self.code == population)

    def sizes(self) -> np.ndarray:
        """Students in each population, shape (G,)."""
        return np.bincount(self.code, minlength=self.n_populations)

    def add_prior(self, joint: np.ndarray, log_weights: np.ndarray) -> None:
        """Add each student's prior log weights (G, Q) to ``joint`` (N, Q), in place."""
        if self.n_populations == 1:
            joint += log_weights[0][None, :]
        else:
            joint += log_weights[self.code]

    def node_counts(self, posterior: np.ndarray) -> np.ndarray:
        """Expected number of each population's students at each node, (G, Q), from the posterior (N, Q)."""
        if self._indicator is None:
            return posterior.sum(axis=0)[None, :]
        return np.asarray(self._indicator @ posterior)
