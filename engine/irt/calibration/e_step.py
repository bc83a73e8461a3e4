"""The E-step: posterior of every student on the grid, and the expected counts it implies.

The log-likelihood of every student at every node is
:func:`engine.irt.likelihood.log_probability_table` gathered over the
student's answers (:meth:`~engine.irt.responses.ResponseMatrix.gather`:
matrix products, dense through BLAS, sparse through scipy.sparse, never
densified); the prior log weights of the student's population are added and
the posterior is a row-wise softmax in log space.  The expected category
counts ``r[q, j, k]`` are one more product (``scatter``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.irt.calibration.populations import Populations
from engine.irt.likelihood import log_probability_table
from engine.irt.parameters import ItemGroup
from engine.irt.responses import ResponseMatrix

__all__ = ["EStep", "e_step"]


@dataclass(frozen=True)
class EStep:
    """What the M-step and the standard errors need of one E-step.

    Attributes
    ----------
    loglik : float
        Marginal log-likelihood of the data.
    counts : ndarray, shape (Q, J, Kmax)
        Expected number of answers in category k of item j at node q.
    node_counts : ndarray, shape (G, Q)
        Expected number of each population's students at each node.
    posterior : ndarray, shape (N, Q)
    """

    loglik: float
    counts: np.ndarray
    node_counts: np.ndarray
    posterior: np.ndarray


def e_step(
    responses: ResponseMatrix,
    groups: Sequence[ItemGroup],
    etas: Sequence[np.ndarray],
    nodes: np.ndarray,
    log_weights: np.ndarray,
    kmax: int,
    populations: Populations,
) -> EStep:
    """One E-step at item parameters ``etas`` and latent distributions ``log_weights``.

    Parameters
    ----------
    responses : ResponseMatrix
        N students x J items.
    groups : sequence of ItemGroup
    etas : sequence of ndarray, shape (n, p) each
        Internal parameters of each group.
    nodes : ndarray, shape (Q,)
    log_weights : ndarray, shape (G, Q)
        Prior log weights of each population on the grid.
    kmax : int
    populations : Populations

    Returns
    -------
    EStep
    """
    current = [g.with_eta(eta) for g, eta in zip(groups, etas)]
    joint = responses.gather(log_probability_table(current, nodes, responses.n_items, kmax))
    populations.add_prior(joint, log_weights)
    top = joint.max(axis=1, keepdims=True)
    joint -= top
    post = np.exp(joint, out=joint)
    total = post.sum(axis=1, keepdims=True)
    post /= total
    loglik = float(np.sum(top[:, 0]) + np.sum(np.log(total[:, 0])))
    counts = responses.scatter(post, kmax)
    return EStep(loglik, counts, populations.node_counts(post), post)
