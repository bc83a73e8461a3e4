"""The standard errors' sums over students: products of each student's complete-data scores.

Louis' observed information is the complete-data information (from the
expected counts) minus the posterior covariance of each student's
complete-data score ``g_i(theta) = sum over answered j of d log P_j(x_ij |
theta) / d phi`` (plus the latent distribution's scores).  The second term is
a sum over students, computed here one block of students at a time
(:meth:`~engine.irt.calibration.students.StudentBlocks.map_sum`):

* :func:`louis_products`: the full matrices ``sum_i sum_q post_iq g_iq g_iq^T``
  and ``sum_i s_i s_i^T`` with ``s_i = sum_q post_iq g_iq`` (every free
  parameter; N * Q * P^2 work);
* :func:`item_block_products`: each item's diagonal block of ``sum_i s_i
  s_i^T`` and the latent block (for banks too large for the full matrix).

Each recomputes the block's posterior (the full matrices in double
precision, the item blocks in the E-step's precision, summed in double).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.irt.calibration.e_step import student_posterior
from engine.irt.responses import ResponseMatrix

__all__ = ["louis_products", "item_block_products"]

#: Student-by-parameter cells of one chunk of a dense block's score products.
_CHUNK_CELLS = 4_000_000
#: Answers of one chunk of a sparse block's score products.
_CHUNK_ANSWERS = 100_000


def _latent_scores_of(codes: np.ndarray, post: np.ndarray, latent_scores: np.ndarray) -> np.ndarray:
    """Each student's marginal score of the latent parameters, (N, L), from the posterior (N, Q)."""
    out = np.zeros((len(codes), latent_scores.shape[2]))
    if latent_scores.shape[2] == 0:
        return out
    if latent_scores.shape[0] == 1:
        return np.asarray(post @ latent_scores[0])
    for pop in range(latent_scores.shape[0]):
        members = codes == pop
        if members.any():
            out[members] = post[members] @ latent_scores[pop]
    return out


def louis_products(
    block: ResponseMatrix,
    codes: np.ndarray,
    table: np.ndarray,
    log_weights: np.ndarray,
    scores: Sequence[np.ndarray],
    columns: Sequence[np.ndarray],
    group_of: np.ndarray,
    row_of: np.ndarray,
    latent_scores: np.ndarray,
    n_free: int,
) -> tuple[Any, ...]:
    """One block's ``(sum_i sum_q post_iq g_iq g_iq^T, sum_i s_i s_i^T)``, each (P, P).

    Parameters
    ----------
    block : ResponseMatrix
        N students x J items.
    codes : ndarray of int, shape (N,)
        Each student's population.
    table : ndarray, shape (Q, J, Kmax)
        ``log P`` at the estimates.
    log_weights : ndarray, shape (G, Q)
    scores : sequence of ndarray, shape (Q, n, K, p) each
        Per item group, ``d log P_k / d phi`` on the grid.
    columns : sequence of ndarray of int, shape (n, p) each
        Per item group, the packed position of each parameter (-1 fixed).
    group_of, row_of : ndarray of int, shape (J,)
        Each item's group and row in it.
    latent_scores : ndarray, shape (G, Q, L)
        Each population's scores of the latent parameters, in the latent
        block's columns (the last L of the P).
    n_free : int
        P.
    """
    post, _ = student_posterior(block, codes, table, log_weights, np.dtype(np.float64))
    n, q = block.n_students, table.shape[0]
    lat_start = n_free - latent_scores.shape[2]
    stud, item, score = block.student, block.item, block.score
    obs_group = group_of[item]
    outer = np.zeros((n_free, n_free))
    s_total = np.zeros((n, n_free))
    for qi in range(q):
        gq = np.zeros((n, n_free))
        for gi, cols in enumerate(columns):
            sel = obs_group == gi
            rows, st, sc = row_of[item[sel]], stud[sel], score[sel]
            for m in range(cols.shape[1]):
                col = cols[rows, m]
                ok = col >= 0
                gq[st[ok], col[ok]] = scores[gi][qi, rows[ok], sc[ok], m]
        gq[:, lat_start:] = latent_scores[:, qi][codes]
        weighted = gq * post[:, qi : qi + 1]
        outer += gq.T @ weighted
        s_total += weighted
    return outer, s_total.T @ s_total


def item_block_products(
    block: ResponseMatrix,
    codes: np.ndarray,
    table: np.ndarray,
    log_weights: np.ndarray,
    scores: Sequence[np.ndarray],
    indices: Sequence[np.ndarray],
    latent_scores: np.ndarray,
    precision: np.dtype,
) -> tuple[Any, ...]:
    """One block's ``(latent block (L, L), item blocks (n, m, m) of each group ...)``.

    Item j's block is ``sum_i s_ij s_ij^T`` over the students who answered
    it, ``s_ij = sum_q post_iq d log P_j(x_ij | theta_q) / d phi`` over the
    group's active parameters (``scores`` hold only those).

    Parameters
    ----------
    block, codes, table, log_weights
        As in :func:`louis_products`.
    scores : sequence of ndarray, shape (Q, n, K, m) each
        Per item group, ``d log P_k / d phi`` of its m active parameters.
    indices : sequence of ndarray of int, shape (n,) each
        Per item group, its items' positions in the block.
    latent_scores : ndarray, shape (G, Q, L)
    precision : numpy dtype
        Precision of the posterior and the products (sums in double).
    """
    post, _ = student_posterior(block, codes, table, log_weights, precision)
    s_lat = _latent_scores_of(codes, post, latent_scores).astype(np.float64)
    dense = block.dense
    blocks = [
        _dense_outer(dense[:, index], post, sc) if dense is not None else _sparse_outer(block, post, sc, index)
        for sc, index in zip(scores, indices)
    ]
    return (s_lat.T @ s_lat, *blocks)


def _dense_outer(x: np.ndarray, post: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``sum_i s_ij s_ij^T`` for a group's items (n, m, m) from their dense answers ``x`` (N, n), in chunks of students.

    Per category, one matrix product gives every student's marginal score of
    every item as if answered in that category: ``s = A_0 + sum_k 1(x = k)
    (A_k - A_0)`` with ``A_k = post @ scores_k`` (times the observed mask
    where cells are missing).
    """
    q, n, k, m = scores.shape
    dtype = post.dtype
    # (Q, m * n) per category: category 0, then each category's difference from it
    by_category = [np.ascontiguousarray(scores[:, :, c, :].transpose(0, 2, 1)).reshape(q, m * n) for c in range(k)]
    steps = [(by_category[c] - by_category[0]).astype(dtype) for c in range(1, k)]
    base = by_category[0].astype(dtype)
    complete = bool(np.all(x >= 0))
    out = np.zeros((n, m, m))
    chunk = max(1, _CHUNK_CELLS // max(1, n * m))
    for lo in range(0, len(x), chunk):
        weights, answers = post[lo : lo + chunk], x[lo : lo + chunk]
        picked = (weights @ base).reshape(len(answers), m, n)
        for c, step in enumerate(steps, start=1):
            picked += (answers == c).astype(dtype)[:, None, :] * (weights @ step).reshape(len(answers), m, n)
        if not complete:
            picked *= (answers >= 0).astype(dtype)[:, None, :]
        for a in range(m):
            for b in range(a, m):
                out[:, a, b] += np.einsum("in,in->n", picked[:, a, :], picked[:, b, :], dtype=np.float64)
    return _symmetric(out)


def _sparse_outer(block: ResponseMatrix, post: np.ndarray, scores: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``sum_i s_ij s_ij^T`` for a group's items (n, m, m) of a sparse block, in chunks of answers.

    Each answer's marginal score is the dot product of its student's
    posterior with the grid values of its item and category.
    """
    q, n, k, m = scores.shape
    # (n, K, m, Q): a contiguous row of grid values per item, category and parameter
    grid = np.ascontiguousarray(scores.transpose(1, 2, 3, 0), dtype=post.dtype)
    row_of = np.full(block.n_items, -1)
    row_of[index] = np.arange(n)
    members = np.flatnonzero(row_of[block.item] >= 0)
    out = np.zeros((n, m, m))
    for lo in range(0, len(members), _CHUNK_ANSWERS):
        sel = members[lo : lo + _CHUNK_ANSWERS]
        rows = row_of[block.item[sel]]
        per_answer = np.einsum("oq,omq->om", post[block.student[sel]], grid[rows, block.score[sel]])
        for a in range(m):
            for b in range(a, m):
                out[:, a, b] += np.bincount(rows, per_answer[:, a] * per_answer[:, b].astype(np.float64), minlength=n)
    return _symmetric(out)


def _symmetric(upper: np.ndarray) -> np.ndarray:
    """The symmetric (n, m, m) matrices of their upper triangles."""
    lower = np.triu(upper, 1).transpose(0, 2, 1)
    return np.asarray(np.triu(upper) + lower)
