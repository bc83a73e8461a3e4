"""Log-likelihood of every student's answers on a theta grid.

``log P(x_i | theta_q) = sum_j log P_j(x_ij | theta_q)`` over answered items,
computed as two matrix products with the response design matrices
(:meth:`engine.responses.ResponseMatrix.design`)::

    L = Z @ (log P_k - log P_0)  +  O @ log P_0

(for a complete matrix ``O @ log P_0`` is one row broadcast to all students).
This is the E-step's and EAP scoring's hot kernel; it works on dense arrays
(BLAS) and on scipy.sparse matrices alike, in log space throughout.
"""

from __future__ import annotations

import numpy as np

from engine.parameters import ItemParameters
from engine.responses import ResponseMatrix

__all__ = ["category_log_tables", "grid_log_likelihood", "log_likelihood_from_tables"]

_TINY = 1e-300


def category_log_tables(
    responses: ResponseMatrix, log_probs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split log category probabilities into the two tables of the kernel.

    Parameters
    ----------
    responses : ResponseMatrix
        Supplies the design column layout.
    log_probs : ndarray, shape (Q, J, Kmax)
        ``log P_jk(theta_q)``.

    Returns
    -------
    contrast : ndarray, shape (C, Q)
        ``log P_jk - log P_j0`` for the design columns (k >= 1).
    base : ndarray, shape (J, Q)
        ``log P_j0``.
    """
    design = responses.design()
    base = log_probs[:, :, 0]
    contrast = log_probs[:, design.column_item, design.column_category] - base[:, design.column_item]
    return np.ascontiguousarray(contrast.T), np.ascontiguousarray(base.T)


def log_likelihood_from_tables(
    responses: ResponseMatrix, contrast: np.ndarray, base: np.ndarray
) -> np.ndarray:
    """``log P(x_i | theta_q)`` from the tables of :func:`category_log_tables`.

    Returns
    -------
    ndarray, shape (N, Q)
    """
    design = responses.design()
    out = design.Z @ contrast
    if design.O is None:
        out = out + base.sum(axis=0)[None, :]
    else:
        out = out + design.O @ base
    return np.asarray(out)


def grid_log_likelihood(responses: ResponseMatrix, params: ItemParameters, nodes: np.ndarray) -> np.ndarray:
    """Log-likelihood of each student's answers at each node.

    Parameters
    ----------
    responses : ResponseMatrix
        N students x J items; its columns must match ``params`` item for item.
    params : ItemParameters
        J items.
    nodes : ndarray, shape (Q,)

    Returns
    -------
    ndarray, shape (N, Q)
    """
    check_aligned(responses, params)
    log_probs = np.log(np.maximum(params.category_probabilities(nodes), _TINY))
    contrast, base = category_log_tables(responses, log_probs)
    return log_likelihood_from_tables(responses, contrast, base)


def check_aligned(responses: ResponseMatrix, params: ItemParameters) -> None:
    """Raise ValueError unless responses and parameters describe the same items."""
    if responses.n_items != params.n_items or not np.array_equal(responses.item_ids, params.item_ids):
        raise ValueError(
            "responses and item parameters should list the same items in the same order "
            f"(got {responses.n_items} response columns and {params.n_items} parameter rows); "
            "use responses.align(params.item_ids)"
        )
    over = responses.n_categories > params.n_categories
    if np.any(over):
        j = int(np.argmax(over))
        raise ValueError(
            f"item {params.item_ids[j]}: responses use {responses.n_categories[j]} categories "
            f"but the parameters have {params.n_categories[j]}"
        )
