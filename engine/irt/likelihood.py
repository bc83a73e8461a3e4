"""Log-likelihood of every student's answers on a theta grid.

``log P(x_i | theta_q) = sum_j log P_j(x_ij | theta_q)`` over answered items
is :meth:`engine.irt.responses.ResponseMatrix.gather` of the table of log
category probabilities (:func:`log_probability_table`): matrix products on
dense (BLAS) and sparse (scipy.sparse) data alike, in log space throughout.
This is the E-step's and EAP scoring's hot kernel.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.irt.parameters import ItemGroup, ItemParameters
from engine.irt.responses import ResponseMatrix

__all__ = ["grid_log_likelihood", "log_probability_table", "check_aligned"]


def log_probability_table(groups: Sequence[ItemGroup], nodes: np.ndarray, n_items: int, kmax: int) -> np.ndarray:
    """``log P_j(x = k | theta_q)`` of every item on the grid.

    Parameters
    ----------
    groups : sequence of ItemGroup
        The items, by family (their ``eta`` are the parameters used).
    nodes : ndarray, shape (Q,)
    n_items : int
        J, the items the groups' indices point into.
    kmax : int
        The largest number of categories.

    Returns
    -------
    ndarray, shape (Q, J, Kmax)
        Zero past an item's number of categories (never gathered).
    """
    if len(groups) == 1 and groups[0].n_categories == kmax and _in_order(groups[0].index, n_items):
        return groups[0].log_probabilities(nodes)  # one group of every item in order: nothing to scatter
    table = np.zeros((len(nodes), n_items, kmax))
    for g in groups:
        table[:, g.index, : g.n_categories] = g.log_probabilities(nodes)
    return table


def _in_order(index: np.ndarray, n_items: int) -> bool:
    """Whether ``index`` is ``0, 1, ..., n_items - 1``."""
    return len(index) == n_items and bool(np.array_equal(index, np.arange(n_items)))


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
    nodes = np.atleast_1d(np.asarray(nodes, dtype=float))
    return responses.gather(log_probability_table(params.groups, nodes, params.n_items, params.max_categories))


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
