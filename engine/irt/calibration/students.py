"""Where a calibration's sums over students are computed: the pluggable piece of the EM.

Everything a calibration needs of the students is a sum over them: the
E-step's expected counts and log-likelihood, the item statistics of the
starting values, the standard errors' score products.  A
:class:`StudentBlocks` holds the responses as blocks of students (with each
student's population) and computes ``sum over blocks of fn(block, codes,
*args)`` for a function ``fn`` of one block (:meth:`StudentBlocks.map_sum`).

:class:`LocalStudents` keeps the blocks in this process and runs them on a
thread per core (sparse data; dense products are already threaded by BLAS).
A cluster backend (``cluster.dask_responses``) keeps them on workers: the
arguments go out, the sums come back, the responses never move.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from engine.irt.parallel import THREADS, thread_map
from engine.irt.responses import ResponseMatrix

__all__ = ["StudentBlocks", "LocalStudents", "BlockFunction", "add_sums"]

#: A function of one block of students: ``fn(block, codes, *args)`` -> a tuple of floats and arrays.
BlockFunction = Callable[..., tuple[Any, ...]]

#: Sparse blocks of at least this many answers are split over a thread per core.
_PARALLEL_ANSWERS = 200_000


def add_sums(parts: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
    """Element-wise sum of the tuples of floats and arrays that a block function returns."""
    first = parts[0]
    return tuple(sum((p[m] for p in parts[1:]), first[m]) for m in range(len(first)))


@runtime_checkable
class StudentBlocks(Protocol):
    """The students of a calibration as blocks, and sums over them.

    Attributes
    ----------
    n_students : int
        N, in all blocks.
    """

    @property
    def n_students(self) -> int:
        """N, in all blocks."""

    def map_sum(self, fn: BlockFunction, *args: Any) -> tuple[Any, ...]:
        """``sum over blocks of fn(block, codes, *args)``, element-wise over the returned tuples.

        Parameters
        ----------
        fn : callable
            A module-level function (a cluster pickles it) of a block
            (:class:`~engine.irt.responses.ResponseMatrix`, the block's
            students x every item), the block's population codes (ndarray of
            int) and ``args``.
        *args
            The same for every block.
        """


class LocalStudents:
    """The students in this process: sparse data split over a thread per core, dense data one block.

    Parameters
    ----------
    responses : ResponseMatrix
        N students x J items.
    codes : ndarray of int, shape (N,)
        Each student's population.
    n_blocks : int, optional
        Blocks of consecutive students; default one per thread for sparse
        data of at least 200,000 answers, else one.
    """

    def __init__(self, responses: ResponseMatrix, codes: np.ndarray, n_blocks: int | None = None) -> None:
        self._n_students = responses.n_students
        parts = n_blocks or (THREADS if responses.is_sparse and responses.n_responses >= _PARALLEL_ANSWERS else 1)
        if parts == 1:
            self._blocks = [(responses, np.asarray(codes))]
            return
        edges = np.linspace(0, responses.n_students, parts + 1).astype(int)
        self._blocks = [
            (responses.student_range(lo, hi), np.asarray(codes[lo:hi])) for lo, hi in zip(edges[:-1], edges[1:])
        ]

    @property
    def n_students(self) -> int:
        """N, in all blocks."""
        return self._n_students

    def map_sum(self, fn: BlockFunction, *args: Any) -> tuple[Any, ...]:
        """``sum over blocks of fn(block, codes, *args)`` (see :class:`StudentBlocks`)."""
        return add_sums(thread_map(lambda block: fn(block[0], block[1], *args), self._blocks))
