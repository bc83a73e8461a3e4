"""Responses held outside this process (a cluster's workers): what a calibration needs of them here.

A calibration touches the students only through sums over them
(:class:`~.students.StudentBlocks`).  Responses held elsewhere are
therefore described in this process by their columns (item ids and score
categories), their counts, and the :class:`~.students.StudentBlocks` that
computes those sums where the students are.  The blocks are sparse
(answers in long form), as responses read from long files are.

:func:`~engine.irt.calibration.calibrate` accepts a :class:`HeldResponses`
in place of a :class:`~engine.irt.responses.ResponseMatrix` (one population:
no ``groups``).  The engine implements no backend: ``cluster.dask_responses``
is one.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

from engine.irt.calibration.students import StudentBlocks
from engine.irt.responses import ResponseMatrix

__all__ = ["HeldResponses", "category_counts"]


@runtime_checkable
class HeldResponses(Protocol):
    """N students x J items held as blocks of students elsewhere.

    Attributes
    ----------
    item_ids : ndarray of str, shape (J,)
    n_categories : ndarray of int, shape (J,)
        K_j, the score categories of item j.
    n_items : int
        J.
    n_students : int
        N, in all blocks.
    n_responses : int
        Answers in all blocks.
    students : StudentBlocks
        The blocks (every block's students in population 0) and sums over them.
    """

    @property
    def item_ids(self) -> np.ndarray:
        """The J item ids."""

    @property
    def n_categories(self) -> np.ndarray:
        """K_j of each item, (J,)."""

    @property
    def n_items(self) -> int:
        """J."""

    @property
    def n_students(self) -> int:
        """N, in all blocks."""

    @property
    def n_responses(self) -> int:
        """Answers in all blocks."""

    @property
    def students(self) -> StudentBlocks:
        """The blocks and the sums over them."""

    def select_items(self, positions: ArrayLike) -> HeldResponses:
        """The responses restricted to the items at ``positions`` (array of int), in every block."""

    def with_categories(self, n_categories: ArrayLike) -> HeldResponses:
        """The same answers with items of more score categories ``n_categories`` (J,) than answered."""


def category_counts(block: ResponseMatrix, codes: np.ndarray, kmax: int) -> tuple[np.ndarray]:
    """A block's answers per item and score category, (J, kmax) (a :meth:`~.students.StudentBlocks.map_sum` function)."""
    cells = block.item * kmax + block.score
    return (np.bincount(cells, minlength=block.n_items * kmax).reshape(block.n_items, kmax),)
