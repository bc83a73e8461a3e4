"""The E-step: posterior of every student on the grid, and the expected counts it implies.

The log-likelihood of every student at every node is the table of log
category probabilities (:func:`engine.irt.likelihood.log_probability_table`)
gathered over the student's answers by one product with the response
indicator (:meth:`~engine.irt.responses.ResponseMatrix.design`: BLAS on
dense data, scipy.sparse on sparse data, never densified); the prior log
weights of the student's population are added and the posterior is a softmax
over the nodes in log space.  The expected category counts ``r[q, j, k]`` are
one more product of the posterior with the same indicator.  Those two
products are the E-step's whole arithmetic: everything else is a few passes
over the (N, Q) posterior.

Dense blocks work nodes-first, ``(Q, N)``, so that the softmax reduces over
rows of N contiguous values; sparse blocks students-first, ``(N, Q)``, the
layout of scipy's products.  Above a million answered cells the products run
in single precision (:func:`working_precision`), the sums in double.

The kernels take one block of students (:mod:`.students` splits the
responses into blocks and sums the blocks' results), so the same code runs
in-process and on a cluster's workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.irt.responses import Design, ResponseMatrix

__all__ = ["EStep", "working_precision", "student_posterior", "expected_counts", "SINGLE_PRECISION_CELLS"]

#: Above this many answered cells (dense: students x indicator columns) the products run in float32.
SINGLE_PRECISION_CELLS = 1_000_000
#: Lowest log posterior ratio kept in float32 (below it exp is subnormal).
_FLOAT32_FLOOR = np.float32(-80.0)


@dataclass(frozen=True)
class EStep:
    """What the M-step needs of one E-step.

    Attributes
    ----------
    loglik : float
        Marginal log-likelihood of the data.
    counts : ndarray, shape (Q, J, Kmax)
        Expected number of answers in category k of item j at node q.
    node_counts : ndarray, shape (G, Q)
        Expected number of each population's students at each node.
    """

    loglik: float
    counts: np.ndarray
    node_counts: np.ndarray


def working_precision(responses: ResponseMatrix) -> np.dtype:
    """float32 when the indicator products exceed :data:`SINGLE_PRECISION_CELLS` cells, else float64.

    Dense data count students x indicator columns, sparse data their answers;
    relative error of float32 ~1e-7 in each student's log-likelihood.
    """
    if responses.dense is not None:
        cells = responses.n_students * int(np.sum(responses.n_categories - 1))
    else:
        cells = responses.n_responses
    return np.dtype(np.float32 if cells > SINGLE_PRECISION_CELLS else np.float64)


def _prior_rows(log_weights: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Prior log weights per student, nodes first: (Q, 1) for one population, else (Q, N)."""
    if log_weights.shape[0] == 1:
        return log_weights[0][:, None]
    return np.ascontiguousarray(log_weights.T[:, codes])


def _softmax(joint: np.ndarray, nodes_axis: int) -> np.ndarray:
    """Normalize ``joint`` of log values into posteriors over ``nodes_axis`` in place; log marginals (N,).

    ``joint`` is (Q, N) with ``nodes_axis=0`` or (N, Q) with ``nodes_axis=1``.
    """
    top = joint.max(axis=0) if nodes_axis == 0 else _row_max(joint)
    joint -= np.expand_dims(top, nodes_axis)
    if joint.dtype == np.float32:
        # exp below -87 is subnormal in float32, and every product with subnormals is several times
        # slower; exp(-80) = 1.8e-35 of a student's total (at least 1) changes nothing
        np.maximum(joint, _FLOAT32_FLOOR, out=joint)
    np.exp(joint, out=joint)
    total = joint.sum(axis=nodes_axis)
    joint *= np.expand_dims(1.0 / total, nodes_axis)
    return top.astype(np.float64) + np.log(total.astype(np.float64))


def _row_max(values: np.ndarray) -> np.ndarray:
    """Largest value of each row of ``values`` (N, Q), shape (N,).

    By halving the columns with element-wise maxima: numpy's own reduction
    along rows of a few dozen values is several times slower.
    """
    folded = values
    while folded.shape[1] > 1:
        half = folded.shape[1] // 2
        top = np.maximum(folded[:, :half], folded[:, half : 2 * half])
        if folded.shape[1] % 2:
            top[:, 0] = np.maximum(top[:, 0], folded[:, -1])
        folded = top
    return folded[:, 0]


def _dense_posterior(
    block: ResponseMatrix, table: np.ndarray, log_weights: np.ndarray, codes: np.ndarray, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior nodes first (Q, N) and log marginals (N,) of a dense block."""
    design = block.design(dtype)
    item, category = design.column_item, design.column_category
    base = table[:, :, 0]  # (Q, J): every answered item contributes its category-0 log P ...
    step = table[:, item, category] - base[:, item]  # (Q, C): ... plus the step to the category given
    joint = step.astype(dtype) @ design.indicator.T
    prior = _prior_rows(log_weights, codes)
    if design.observed is None:
        joint += (base.sum(axis=1)[:, None] + prior).astype(dtype)
    else:
        joint += base.astype(dtype) @ design.observed.T
        joint += prior.astype(dtype)
    return joint, _softmax(joint, 0)


def _every_category(design: Design, table: np.ndarray) -> bool:
    """Whether a sparse design's columns are every category of every item of ``table`` (Q, J, Kmax), in order."""
    return len(design.column_item) == table.shape[1] * table.shape[2]


def _sparse_posterior(
    block: ResponseMatrix, table: np.ndarray, log_weights: np.ndarray, codes: np.ndarray, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior students first (N, Q) and log marginals (N,) of a sparse block."""
    design = block.design(dtype)
    if _every_category(design, table):  # the columns are the table's items and categories in order
        columns = np.ascontiguousarray(table.reshape(table.shape[0], -1).T, dtype=dtype)
    else:
        columns = np.ascontiguousarray(table[:, design.column_item, design.column_category].T, dtype=dtype)
    joint = np.asarray(design.indicator @ columns)  # (N, Q)
    joint += _prior_rows(log_weights, codes).T.astype(dtype)
    return joint, _softmax(joint, 1)


def student_posterior(
    block: ResponseMatrix, codes: np.ndarray, table: np.ndarray, log_weights: np.ndarray, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray]:
    """Each student's posterior on the grid and log marginal likelihood.

    Parameters
    ----------
    block : ResponseMatrix
        N students x J items.
    codes : ndarray of int, shape (N,)
        Each student's population.
    table : ndarray, shape (Q, J, Kmax)
        ``log P_j(x = k | theta_q)`` (:func:`~engine.irt.likelihood.log_probability_table`).
    log_weights : ndarray, shape (G, Q)
        Prior log weights of each population.
    dtype : numpy dtype
        Precision of the products (:func:`working_precision`).

    Returns
    -------
    posterior : ndarray, shape (N, Q)
        In ``dtype`` (a transposed view for dense blocks).
    log_marginal : ndarray, shape (N,)
    """
    if block.dense is not None:
        post, log_marginal = _dense_posterior(block, table, log_weights, codes, dtype)
        return post.T, log_marginal
    return _sparse_posterior(block, table, log_weights, codes, dtype)


def _node_counts(posterior_nodes_first: np.ndarray, codes: np.ndarray, n_populations: int) -> np.ndarray:
    """Expected students of each population at each node, (G, Q), from the posterior (Q, N)."""
    if n_populations == 1:
        return posterior_nodes_first.sum(axis=1, dtype=np.float64)[None, :]
    members = np.zeros((len(codes), n_populations), dtype=posterior_nodes_first.dtype)
    members[np.arange(len(codes)), codes] = 1.0
    return (posterior_nodes_first @ members).T.astype(np.float64)


def _posterior_product(post: np.ndarray, indicator: np.ndarray) -> np.ndarray:
    """``post @ indicator`` (Q, C) in double, from the posterior (Q, N) and a dense indicator (N, C).

    Above :data:`SINGLE_PRECISION_CELLS` cells as the transpose of
    ``indicator.T @ post.T``: the same product, which OpenBLAS ran 10 times
    faster on 20,000 x 200 when its threads competed with other work for the
    cores (and 30 times slower on 5,000 x 50, hence the size rule).
    """
    if indicator.size > SINGLE_PRECISION_CELLS:
        return np.asarray((indicator.T @ post.T).T, dtype=np.float64)
    return np.asarray(post @ indicator, dtype=np.float64)


def expected_counts(
    block: ResponseMatrix, codes: np.ndarray, table: np.ndarray, log_weights: np.ndarray, dtype: np.dtype
) -> tuple[float, np.ndarray, np.ndarray]:
    """One block's part of the E-step: log-likelihood, expected counts and node counts.

    Parameters are those of :func:`student_posterior`.

    Returns
    -------
    loglik : float
        The block's marginal log-likelihood.
    counts : ndarray, shape (Q, J, Kmax)
        Expected number of the block's answers in category k of item j at node q.
    node_counts : ndarray, shape (G, Q)
        Expected number of the block's students of each population at each node.
    """
    q, kmax = table.shape[0], table.shape[2]
    n_populations = log_weights.shape[0]
    if block.dense is not None:
        counts = np.zeros((q, block.n_items, kmax))
        post, log_marginal = _dense_posterior(block, table, log_weights, codes, dtype)
        design = block.design(dtype)
        upper = _posterior_product(post, design.indicator)
        counts[:, design.column_item, design.column_category] = upper
        if design.observed is None:
            answered = np.broadcast_to(post.sum(axis=1, dtype=np.float64)[:, None], (q, block.n_items))
        else:
            answered = _posterior_product(post, design.observed)
        counts[:, :, 0] = answered - block.sum_by_item(upper)
        return float(log_marginal.sum()), counts, _node_counts(post, codes, n_populations)
    post, log_marginal = _sparse_posterior(block, table, log_weights, codes, dtype)
    design = block.design(dtype)
    upper = np.asarray(design.indicator.T @ post)  # (C, Q)
    if _every_category(design, table):
        counts = np.ascontiguousarray(upper.T, dtype=np.float64).reshape(q, block.n_items, kmax)
    else:
        counts = np.zeros((q, block.n_items, kmax))
        counts[:, design.column_item, design.column_category] = upper.T
    return float(log_marginal.sum()), counts, _node_counts(post.T, codes, n_populations)
