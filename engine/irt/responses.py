"""The students x items response matrix, dense or sparse.

A :class:`ResponseMatrix` holds category scores ``0 .. K_j - 1`` with missing
cells (not administered) left out, never scored as wrong.  It is stored either
dense (an ``(N, J)`` integer array with ``-1`` for missing: small, complete
forms) or sparse (long arrays of ``student, item, score``: adaptive data),
and the sparse path is never densified.

The E-step, scoring and fit statistics use it through two products
with per-category tables, both vectorized over students and items:

``gather(table)``  (Q, J, Kmax) -> (N, Q)
    ``sum_j table[:, j, x_ij]`` over each student's answered items (the
    log-likelihood on a theta grid when ``table`` is ``log P``).
``scatter(weights)``  (N, Q) -> (Q, J, Kmax)
    ``sum_i weights[i, :] * 1(x_ij = k)`` (expected category counts when
    ``weights`` is the posterior).

Dense matrices compute them with BLAS through an indicator of the
categories k >= 1 (``Z``, one column per item and category) plus the
observed mask (or a broadcast when complete), in single precision above
1 million indicator cells; sparse matrices through one
CSR one-hot indicator with a column per item and category, never densified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, DTypeLike

from engine.irt.parallel import THREADS, thread_map

__all__ = ["ResponseMatrix", "Design"]

MISSING = -1
#: Dense indicators above this many cells use float32 products (about twice
#: as fast; relative error ~1e-7 in each student's log-likelihood).
_SINGLE_PRECISION_CELLS = 1_000_000
#: Sparse indicators with at least this many answers use a thread per core.
_PARALLEL_NNZ = 200_000


@dataclass(frozen=True)
class Design:
    """Indicator matrices behind :meth:`ResponseMatrix.gather` and ``scatter``.

    Attributes
    ----------
    indicator : ndarray (N, C) or scipy.sparse.csr_array (N, C)
        Dense: one column per item and category k >= 1 (C = sum_j (K_j - 1)).
        Sparse: one column per item and category (C = sum_j K_j).
    observed : ndarray (N, J) or None
        Dense only: the observed mask, None when every cell is answered.
    column_item, column_category : ndarray of int, shape (C,)
        The item and category of each indicator column.
    """

    indicator: np.ndarray | sp.csr_array
    observed: np.ndarray | None
    column_item: np.ndarray
    column_category: np.ndarray

    @property
    def dtype(self) -> np.dtype:
        """The precision of the products (float32 or float64)."""
        return np.dtype(self.indicator.dtype)

    def sparse_product(self, transposed: bool, dense: np.ndarray) -> np.ndarray:
        """``indicator @ dense`` (N, Q) for ``dense`` (C, Q), or ``indicator.T @ dense`` (C, Q) for ``dense`` (N, Q).

        scipy's sparse products run on one core but release the GIL, so the
        students are split into blocks computed on a thread per core (the
        transposed product sums the blocks' parts).  The transposed product
        runs on the CSC view of each block: it reads the rows of ``dense`` in
        order, several times faster than a CSR copy of the transpose.
        """
        blocks = self._blocks()
        if not transposed:
            return np.vstack(thread_map(lambda block: np.asarray(block[1] @ dense), blocks))
        parts = thread_map(lambda block: np.asarray(block[1].T @ dense[block[0]]), blocks)
        return np.asarray(sum(parts[1:], parts[0]))

    def _blocks(self) -> list[tuple[slice, sp.csr_array]]:
        """Row blocks of the CSR indicator (their rows and the block), one per thread, built once."""
        cache = self.__dict__.setdefault("_block_cache", [])
        if not cache:
            matrix: sp.csr_array = self.indicator
            n = matrix.shape[0]
            parts = THREADS if matrix.nnz >= _PARALLEL_NNZ else 1
            edges = np.linspace(0, n, parts + 1).astype(int)
            rows = [slice(int(edges[i]), int(edges[i + 1])) for i in range(parts)]
            cache.extend((r, matrix[r]) for r in rows)
        return cache


@dataclass(frozen=True, eq=False)
class ResponseMatrix:
    """Category scores of N students on J items; missing stays missing.

    Build with :meth:`from_dense`, :meth:`from_long` or :meth:`from_table`;
    reading CSV files lives in :mod:`itembank.io`.

    Attributes
    ----------
    student_ids : ndarray of str, shape (N,)
    item_ids : ndarray of str, shape (J,)
    n_categories : ndarray of int, shape (J,)
        K_j: the number of score categories of item j (at least 2).
    student, item, score : ndarray of int, shape (n_responses,)
        The answered cells in long form, sorted by student then item.
    dense : ndarray of int16, shape (N, J) or None
        The same cells with -1 for missing, when stored dense.
    """

    student_ids: np.ndarray
    item_ids: np.ndarray
    n_categories: np.ndarray
    student: np.ndarray
    item: np.ndarray
    score: np.ndarray
    dense: np.ndarray | None = None
    _cache: dict[str, Design] = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------- builders
    @classmethod
    def from_dense(
        cls,
        scores: ArrayLike,
        student_ids: ArrayLike | None = None,
        item_ids: ArrayLike | None = None,
        n_categories: ArrayLike | None = None,
    ) -> ResponseMatrix:
        """From an ``(N, J)`` array of scores; NaN or negative means missing.

        Parameters
        ----------
        scores : array_like, shape (N, J)
            Integer category scores 0..K-1, NaN (float input) or -1 for missing.
        student_ids, item_ids : sequence of str, optional
            Default ``"S1".."SN"`` and ``"I1".."IJ"``.
        n_categories : array_like of int, shape (J,), optional
            Default: one more than the largest observed score, at least 2.
        """
        x = np.asarray(scores)
        if x.ndim != 2:
            raise ValueError(f"scores should have the shape (n_students, n_items), got {x.shape}")
        if x.dtype.kind == "f":
            missing = np.isnan(x)
            if np.any(~missing & (x != np.round(x))):
                raise ValueError("scores must be whole numbers (category 0..K-1) or NaN for missing")
            x = np.where(missing, MISSING, x)
        x = x.astype(np.int64)
        x[x < 0] = MISSING
        dense = x.astype(np.int16)
        s, j = np.nonzero(dense >= 0)
        return cls._build(dense.shape, s, j, dense[s, j], student_ids, item_ids, n_categories, dense=dense)

    @classmethod
    def from_long(
        cls,
        student: ArrayLike,
        item: ArrayLike,
        score: ArrayLike,
        *,
        n_students: int | None = None,
        n_items: int | None = None,
        student_ids: ArrayLike | None = None,
        item_ids: ArrayLike | None = None,
        n_categories: ArrayLike | None = None,
        dense: bool = False,
    ) -> ResponseMatrix:
        """From long arrays of ``(student index, item index, score)``.

        Duplicate ``(student, item)`` pairs are refused.  The result is sparse
        unless ``dense=True``.
        """
        s = np.asarray(student, dtype=np.int64).reshape(-1)
        j = np.asarray(item, dtype=np.int64).reshape(-1)
        y = np.asarray(score, dtype=np.int64).reshape(-1)
        if not (len(s) == len(j) == len(y)):
            raise ValueError("student, item and score should have the same length")
        n = int(n_students if n_students is not None else (s.max() + 1 if len(s) else 0))
        m = int(n_items if n_items is not None else (j.max() + 1 if len(j) else 0))
        if len(s) and (s.min() < 0 or s.max() >= n or j.min() < 0 or j.max() >= m):
            raise ValueError("student or item index out of range")
        if np.any(y < 0):
            raise ValueError("scores must be category numbers 0..K-1 (negative score found)")
        key = s * max(m, 1) + j  # the order student then item, as one number
        if not np.all(key[1:] > key[:-1]):  # already sorted without repeats: nothing to do (files usually are)
            order = np.argsort(key, kind="stable")
            s, j, y, key = s[order], j[order], y[order], key[order]
            dup = np.diff(key) == 0
            if np.any(dup):
                k = int(np.argmax(dup))
                raise ValueError(f"student {s[k]} has two responses to item {j[k]}")
        grid = None
        if dense:
            grid = np.full((n, m), MISSING, dtype=np.int16)
            grid[s, j] = y
        return cls._build((n, m), s, j, y, student_ids, item_ids, n_categories, dense=grid)

    @classmethod
    def from_table(
        cls,
        table: ArrayLike,
        student_ids: ArrayLike,
        item_ids: ArrayLike,
        *,
        n_categories: ArrayLike | None = None,
        sparse: bool | None = None,
    ) -> ResponseMatrix:
        """From a wide float table (NaN = missing), dense or sparse.

        ``sparse=None`` picks sparse storage when fewer than half the cells
        are answered.
        """
        x = np.asarray(table, dtype=float)
        answered = ~np.isnan(x)
        if sparse is None:
            sparse = answered.mean() < 0.5 if x.size else False
        if not sparse:
            return cls.from_dense(x, student_ids, item_ids, n_categories)
        s, j = np.nonzero(answered)
        y = x[s, j]
        if np.any(y != np.round(y)):
            raise ValueError("scores must be whole numbers (category 0..K-1) or empty for missing")
        return cls.from_long(
            s,
            j,
            y.astype(np.int64),
            n_students=x.shape[0],
            n_items=x.shape[1],
            student_ids=student_ids,
            item_ids=item_ids,
            n_categories=n_categories,
        )

    @classmethod
    def _build(
        cls,
        shape: tuple[int, int],
        s: np.ndarray,
        j: np.ndarray,
        y: np.ndarray,
        student_ids: ArrayLike | None,
        item_ids: ArrayLike | None,
        n_categories: ArrayLike | None,
        dense: np.ndarray | None,
    ) -> ResponseMatrix:
        """The matrix of long arrays (sorted by student then item), ids and categories checked."""
        n, m = shape
        student_ids = np.asarray(
            [f"S{i + 1}" for i in range(n)] if student_ids is None else student_ids, dtype=object
        ).astype(str)
        item_ids = np.asarray([f"I{i + 1}" for i in range(m)] if item_ids is None else item_ids, dtype=object).astype(
            str
        )
        if len(student_ids) != n:
            raise ValueError(f"student_ids should have length {n}, got {len(student_ids)}")
        if len(item_ids) != m:
            raise ValueError(f"item_ids should have length {m}, got {len(item_ids)}")
        if len(set(item_ids.tolist())) != m:
            raise ValueError("item ids must be unique")
        if len(set(student_ids.tolist())) != n:
            raise ValueError("student ids must be unique")
        top = np.full(m, 0, dtype=np.int64)
        for category in range(1, int(y.max(initial=0)) + 1):  # a pass per category beats np.maximum.at
            top[j[y >= category]] = category
        if n_categories is None:
            k = np.maximum(top + 1, 2)
        else:
            k = np.broadcast_to(np.asarray(n_categories, dtype=np.int64), (m,)).copy()
            over = top >= k
            if np.any(over):
                bad = int(np.argmax(over))
                raise ValueError(f"item {item_ids[bad]}: score {top[bad]} is out of range 0..{k[bad] - 1}")
        return cls(student_ids, item_ids, k, s.astype(np.int64), j.astype(np.int64), y.astype(np.int64), dense)

    # ----------------------------------------------------------- properties
    @property
    def n_students(self) -> int:
        return len(self.student_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def n_responses(self) -> int:
        return len(self.score)

    @property
    def is_sparse(self) -> bool:
        return self.dense is None

    @property
    def is_complete(self) -> bool:
        return self.n_responses == self.n_students * self.n_items

    @cached_property
    def responses_per_student(self) -> np.ndarray:
        """Number of answered items per student, shape ``(N,)``."""
        return np.bincount(self.student, minlength=self.n_students)

    @cached_property
    def responses_per_item(self) -> np.ndarray:
        """Number of answers per item, shape ``(J,)``."""
        return np.bincount(self.item, minlength=self.n_items)

    def to_table(self) -> np.ndarray:
        """Dense float table with NaN for missing, ``(N, J)``: small data only."""
        out = np.full((self.n_students, self.n_items), np.nan)
        out[self.student, self.item] = self.score
        return out

    def select_items(self, positions: ArrayLike) -> ResponseMatrix:
        """The matrix restricted to the items at ``positions`` (array of int)."""
        pos = np.asarray(positions, dtype=np.int64)
        remap = np.full(self.n_items, -1)
        remap[pos] = np.arange(len(pos))
        keep = remap[self.item] >= 0
        dense = None if self.dense is None else self.dense[:, pos]
        return ResponseMatrix(
            self.student_ids,
            self.item_ids[pos],
            self.n_categories[pos],
            self.student[keep],
            remap[self.item[keep]],
            self.score[keep],
            dense,
        )

    def select_students(self, positions: ArrayLike) -> ResponseMatrix:
        """The matrix restricted to the students at ``positions`` (array of int, in that order)."""
        pos = np.asarray(positions, dtype=np.int64)
        remap = np.full(self.n_students, -1)
        remap[pos] = np.arange(len(pos))
        keep = remap[self.student] >= 0
        student, item, score = remap[self.student[keep]], self.item[keep], self.score[keep]
        order = np.lexsort((item, student))
        dense = None if self.dense is None else self.dense[pos]
        return ResponseMatrix(
            self.student_ids[pos], self.item_ids, self.n_categories, student[order], item[order], score[order], dense
        )

    def student_range(self, start: int, stop: int) -> ResponseMatrix:
        """The students ``start`` to ``stop - 1`` (a block of consecutive rows), without re-sorting."""
        lo, hi = np.searchsorted(self.student, [start, stop])
        dense = None if self.dense is None else self.dense[start:stop]
        return ResponseMatrix(
            self.student_ids[start:stop],
            self.item_ids,
            self.n_categories,
            self.student[lo:hi] - start,
            self.item[lo:hi],
            self.score[lo:hi],
            dense,
        )

    def align(self, item_ids: Sequence[str] | np.ndarray) -> ResponseMatrix:
        """Columns reordered to ``item_ids`` (every one must be present)."""
        index = {iid: i for i, iid in enumerate(self.item_ids.tolist())}
        missing = [iid for iid in item_ids if iid not in index]
        if missing:
            raise ValueError(f"no responses column for item {missing[0]}")
        return self.select_items([index[i] for i in item_ids])

    # ---------------------------------------------------- gather / scatter
    def default_precision(self) -> np.dtype:
        """float32 for dense matrices above 1 million indicator cells, else float64."""
        cells = self.n_students * int(np.sum(self.n_categories - 1))
        return np.dtype(np.float32 if self.dense is not None and cells > _SINGLE_PRECISION_CELLS else np.float64)

    def design(self, dtype: DTypeLike | None = None) -> Design:
        """The indicator matrices in precision ``dtype`` (default :meth:`default_precision`), built once."""
        key = np.dtype(dtype) if dtype is not None else self.default_precision()
        if key.name not in self._cache:
            self._cache[key.name] = self._make_design(key)
        return self._cache[key.name]

    def gather(self, table: np.ndarray) -> np.ndarray:
        """``out[i, q] = sum over answered j of table[q, j, x_ij]``.

        Parameters
        ----------
        table : ndarray, shape (Q, J, Kmax)
            A value per grid point, item and category (e.g. ``log P``).

        Returns
        -------
        ndarray, shape (N, Q)
        """
        d = self.design()
        columns = table[:, d.column_item, d.column_category].T  # (C, Q)
        if self.dense is None:
            return d.sparse_product(False, columns)
        base = table[:, :, 0]
        dtype = d.indicator.dtype
        out = (d.indicator @ (columns - base[:, d.column_item].T).astype(dtype)).astype(np.float64)
        if d.observed is None:
            out += base.sum(axis=1)[None, :]
        else:
            out += d.observed @ base.T.astype(dtype)
        return out

    def scatter(self, weights: np.ndarray, n_categories: int | None = None) -> np.ndarray:
        """``out[q, j, k] = sum over students answering k to item j of weights[i, q]``.

        Parameters
        ----------
        weights : ndarray, shape (N, Q)
        n_categories : int, optional
            Kmax of the output (default: the largest K of the matrix).

        Returns
        -------
        ndarray, shape (Q, J, Kmax)
        """
        d = self.design()
        kmax = int(n_categories or self.n_categories.max())
        q = weights.shape[1]
        out = np.zeros((q, self.n_items, kmax))
        if self.dense is None:
            out[:, d.column_item, d.column_category] = d.sparse_product(True, weights).T
            return out
        w = weights.astype(d.indicator.dtype, copy=False)
        upper = (d.indicator.T @ w).T.astype(np.float64)  # (Q, C); faster in BLAS than w.T @ indicator
        out[:, d.column_item, d.column_category] = upper
        answered = (
            np.broadcast_to(weights.sum(axis=0)[:, None], (q, self.n_items))
            if d.observed is None
            else (d.observed.T @ w).T.astype(np.float64)
        )
        out[:, :, 0] = answered - self.sum_by_item(upper)
        return out

    def sum_by_item(self, upper: np.ndarray) -> np.ndarray:
        """Sums over each item's columns of a dense indicator's columns, (..., C) -> (..., J)."""
        starts = np.concatenate([[0], np.cumsum(self.n_categories - 1)[:-1]])
        return np.add.reduceat(upper, starts, axis=-1)  # columns are grouped by item

    def _make_design(self, dtype: np.dtype) -> Design:
        k = self.n_categories
        if self.dense is None:
            offsets = np.concatenate([[0], np.cumsum(k)])
            column_item = np.repeat(np.arange(self.n_items), k)
            column_category = np.arange(int(offsets[-1])) - offsets[column_item]
            indicator = sp.csr_array(
                (np.ones(self.n_responses, dtype=dtype), (self.student, offsets[self.item] + self.score)),
                shape=(self.n_students, int(offsets[-1])),
            )
            return Design(indicator, None, column_item, column_category)
        offsets = np.concatenate([[0], np.cumsum(k - 1)])
        n_cols = int(offsets[-1])
        column_item = np.repeat(np.arange(self.n_items), k - 1)
        column_category = np.arange(n_cols) - offsets[column_item] + 1
        pos = self.score > 0
        indicator = np.zeros((self.n_students, n_cols), dtype=dtype)
        indicator[self.student[pos], offsets[self.item[pos]] + self.score[pos] - 1] = 1.0
        observed = None if self.is_complete else (self.dense >= 0).astype(dtype)
        return Design(indicator, observed, column_item, column_category)
