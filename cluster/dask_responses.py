"""Responses held on a Dask cluster's workers as blocks of students, and the calibration's sums over them.

Each block is a :class:`~engine.irt.responses.ResponseMatrix` of some
students x every item, held (persisted) in a worker's memory for as long as
the :class:`DaskResponses` lives.  A sum over the students
(:meth:`DaskStudents.map_sum`) sends the function's arguments (for the
E-step the item table, Q x J x K) to the workers once, runs the function on
every block where the block is, adds the blocks' results on a worker and
brings one sum back: the traffic of an EM iteration does not grow with the
number of students.

Every student's answers are in one block (the engine's block functions take
whole students).
"""

from __future__ import annotations

from operator import getitem
from typing import Any

import numpy as np
from distributed import Client, Future, wait
from numpy.typing import ArrayLike

from cluster.parquet import file_items, item_columns, join_block, parquet_files, split_file
from engine.irt.calibration.students import BlockFunction, add_sums
from engine.irt.responses import ResponseMatrix

__all__ = ["DaskStudents", "DaskResponses"]

#: Arguments larger than this many bytes are scattered to the cluster once per sum, not sent with every task.
_SCATTER_BYTES = 100_000


def _call(fn: BlockFunction, block: ResponseMatrix, *args: Any) -> tuple[Any, ...]:
    """``fn`` of one block, every student in population 0."""
    return fn(block, np.zeros(block.n_students, dtype=np.int64), *args)


def _block_size(block: ResponseMatrix) -> tuple[int, int]:
    """A block's students and answers."""
    return block.n_students, block.n_responses


def _select_items(block: ResponseMatrix, positions: np.ndarray) -> ResponseMatrix:
    """A block restricted to the items at ``positions``."""
    return block.select_items(positions)


def _with_categories(block: ResponseMatrix, n_categories: np.ndarray) -> ResponseMatrix:
    """A block whose items have ``n_categories`` (J,) score categories."""
    return ResponseMatrix(
        block.student_ids, block.item_ids, n_categories, block.student, block.item, block.score, block.dense
    )


class DaskStudents:
    """Sums over blocks of students held on a cluster (a :class:`~engine.irt.calibration.students.StudentBlocks`).

    Parameters
    ----------
    client : distributed.Client
    blocks : list of Future
        Each the future of a :class:`~engine.irt.responses.ResponseMatrix`
        of some students x every item; every student in one block.
    n_students : int
        N, in all blocks.
    """

    def __init__(self, client: Client, blocks: list[Future], n_students: int) -> None:
        self._client = client
        self._blocks = blocks
        self._n_students = n_students

    @property
    def n_students(self) -> int:
        """N, in all blocks."""
        return self._n_students

    def map_sum(self, fn: BlockFunction, *args: Any) -> tuple[Any, ...]:
        """``sum over blocks of fn(block, codes, *args)``, computed on the workers; the sum is brought back."""
        sent = [
            self._client.scatter(a, hash=False) if isinstance(a, np.ndarray) and a.nbytes > _SCATTER_BYTES else a
            for a in args
        ]
        parts = [self._client.submit(_call, fn, block, *sent, pure=False) for block in self._blocks]
        return self._client.submit(add_sums, parts, pure=False).result()


class DaskResponses:
    """N students x J items held on a cluster's workers (a :class:`~engine.irt.calibration.held_responses.HeldResponses`).

    Build with :meth:`scatter` (responses in this process) or
    :meth:`from_parquet` (a folder of files the workers read).

    Parameters
    ----------
    client : distributed.Client
    blocks : list of Future
        Each the future of a :class:`~engine.irt.responses.ResponseMatrix` of
        some students x the J items ``item_ids``, held on the workers.
    item_ids : ndarray of str, shape (J,)
    n_categories : ndarray of int, shape (J,)
    """

    def __init__(self, client: Client, blocks: list[Future], item_ids: np.ndarray, n_categories: np.ndarray) -> None:
        wait(blocks)
        sizes = np.array(client.gather(client.map(_block_size, blocks, pure=False)), dtype=np.int64).reshape(-1, 2)
        blocks = [block for block, n in zip(blocks, sizes[:, 0]) if n > 0]  # a block of no students adds nothing
        self.client = client
        self.blocks = blocks
        self._item_ids = np.asarray(item_ids).astype(str)
        self._n_categories = np.asarray(n_categories, dtype=np.int64)
        self._n_students = int(sizes[:, 0].sum())
        self._n_responses = int(sizes[:, 1].sum())
        self._students = DaskStudents(client, blocks, self._n_students)

    @classmethod
    def scatter(cls, client: Client, responses: ResponseMatrix, n_blocks: int) -> DaskResponses:
        """Responses of this process sent to the workers in ``n_blocks`` blocks of consecutive students."""
        if n_blocks < 1:
            raise ValueError(f"n_blocks should be at least 1, got {n_blocks}")
        edges = np.linspace(0, responses.n_students, min(n_blocks, max(responses.n_students, 1)) + 1).astype(int)
        blocks = [responses.student_range(lo, hi) for lo, hi in zip(edges[:-1], edges[1:])]
        return cls(client, client.scatter(blocks, hash=False), responses.item_ids, responses.n_categories)

    @classmethod
    def from_parquet(
        cls, client: Client, folder: str, n_blocks: int, n_categories: dict[str, int] | None = None
    ) -> DaskResponses:
        """The answers of a folder of Parquet files, read by the workers and held there in ``n_blocks`` blocks.

        The client holds only the file names and the item ids and
        categories (:mod:`cluster.parquet`); each block is joined on a
        worker from its students' rows of every file.

        Parameters
        ----------
        client : distributed.Client
        folder : str
            A folder the workers can read, of ``*.parquet`` files with
            columns ``student``, ``item`` (ids) and ``score`` (0..K-1).
        n_blocks : int
            Blocks of students (by a hash of their ids).
        n_categories : dict of item id to K, optional
            Score categories of known items; default the top score + 1.

        Raises
        ------
        cluster.parquet.ParquetInputError
            Naming the folder or file at fault.
        """
        files = client.submit(parquet_files, folder, pure=False).result()
        found = client.gather(client.map(file_items, files, pure=False))
        item_ids, k = item_columns(found, folder, n_categories)
        ids = client.scatter(item_ids.astype(object), hash=False, broadcast=True)
        splits = client.map(split_file, files, item_ids=ids, n_blocks=n_blocks, pure=False)
        pieces = [[client.submit(getitem, split, b, pure=False) for split in splits] for b in range(n_blocks)]
        blocks = [client.submit(join_block, parts, item_ids, k, pure=False) for parts in pieces]
        return cls(client, blocks, item_ids, k)  # the files' pieces are released once the blocks are joined

    @property
    def item_ids(self) -> np.ndarray:
        """The J item ids."""
        return self._item_ids

    @property
    def n_categories(self) -> np.ndarray:
        """K_j of each item, (J,)."""
        return self._n_categories

    @property
    def n_items(self) -> int:
        """J."""
        return len(self._item_ids)

    @property
    def n_students(self) -> int:
        """N, in all blocks."""
        return self._n_students

    @property
    def n_responses(self) -> int:
        """Answers in all blocks."""
        return self._n_responses

    @property
    def students(self) -> DaskStudents:
        """Sums over the blocks, computed on the workers."""
        return self._students

    def select_items(self, positions: ArrayLike) -> DaskResponses:
        """The responses restricted to the items at ``positions`` (array of int), in every block."""
        pos = np.asarray(positions, dtype=np.int64)
        blocks = self.client.map(_select_items, self.blocks, positions=pos, pure=False)
        return DaskResponses(self.client, blocks, self._item_ids[pos], self._n_categories[pos])

    def with_categories(self, n_categories: ArrayLike) -> DaskResponses:
        """The same answers with items of more score categories ``n_categories`` (J,) than answered."""
        k = np.asarray(n_categories, dtype=np.int64)
        if np.any(k < self._n_categories):
            raise ValueError("n_categories can only grow")
        blocks = self.client.map(_with_categories, self.blocks, n_categories=k, pure=False)
        return DaskResponses(self.client, blocks, self._item_ids, k)

    def map_blocks(self, fn: Any, *args: Any) -> list[Any]:
        """``fn(block, *args)`` of every block, computed on the workers, brought back in block order."""
        return self.client.gather([self.client.submit(fn, block, *args, pure=False) for block in self.blocks])
