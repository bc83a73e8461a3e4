"""A folder of Parquet files of answers (long: student, item, score), read in pieces that can run anywhere.

Reading is two passes over the files, each file on its own: first every
file's items and top scores (:func:`file_items`), from which the reader
keeps the item ids (J) and their score categories; then every file's rows
split into blocks by a hash of the student id (CRC-32, :func:`split_file`),
so that every student's answers land in one block wherever they are in the
files.  The pieces of a block are joined into a
:class:`~engine.irt.responses.ResponseMatrix` (:func:`join_block`).  On a
cluster each step runs on the workers and the client never holds the
answers (:meth:`cluster.dask_responses.DaskResponses.from_parquet`);
:func:`read_parquet` runs them in this process.

Bad files are refused whole, naming the file: a missing column, an empty
id, a score that is not a whole number from 0, the same student answering
an item twice.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from engine.irt.responses import ResponseMatrix

__all__ = [
    "ParquetInputError",
    "COLUMNS",
    "parquet_files",
    "file_items",
    "item_columns",
    "split_file",
    "join_block",
    "read_parquet",
]

#: The columns every file must have.
COLUMNS = ("student", "item", "score")

#: The largest score category read (scores are small whole numbers).
_MAX_SCORE = 100


class ParquetInputError(ValueError):
    """A folder or file of answers that cannot be read, with a message naming it."""


def parquet_files(folder: str) -> list[str]:
    """The ``*.parquet`` files of ``folder``, sorted; refused when there are none."""
    path = Path(folder)
    if not path.is_dir():
        raise ParquetInputError(f"{folder}: not a folder of Parquet files")
    files = sorted(str(p) for p in path.glob("*.parquet"))
    if not files:
        raise ParquetInputError(f"{folder}: no .parquet files in the folder")
    return files


def _read_file(path: str) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """A file's student and item ids (strings) and scores (int64), checked."""
    try:
        table = pq.read_table(path, columns=list(COLUMNS))
    except (pa.ArrowInvalid, OSError, KeyError) as err:
        raise ParquetInputError(f"{path}: cannot read student, item and score: {' '.join(str(err).split())}") from None
    ids = []
    for name in ("student", "item"):
        column = table.column(name).combine_chunks()
        try:
            column = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
        except pa.ArrowInvalid:
            raise ParquetInputError(f"{path}: column {name} should hold ids (text or whole numbers)") from None
        if column.null_count or pc.any(pc.equal(column, "")).as_py():
            raise ParquetInputError(f"{path}: column {name} has an empty id")
        ids.append(column)
    score = table.column("score").combine_chunks()
    if score.null_count:
        raise ParquetInputError(f"{path}: column score has an empty score")
    if pa.types.is_floating(score.type):
        values = score.to_numpy(zero_copy_only=False)
        if not np.all(np.isfinite(values) & (values == np.round(values))):
            raise ParquetInputError(f"{path}: scores should be whole numbers")
        scores = values.astype(np.int64)
    elif pa.types.is_integer(score.type):
        scores = score.to_numpy(zero_copy_only=False).astype(np.int64)
    else:
        raise ParquetInputError(f"{path}: column score should hold whole numbers, not {score.type}")
    if len(scores) and (scores.min() < 0 or scores.max() > _MAX_SCORE):
        raise ParquetInputError(f"{path}: scores should be category numbers 0 to {_MAX_SCORE}")
    return ids[0], ids[1], scores


def file_items(path: str) -> tuple[np.ndarray, np.ndarray]:
    """A file's item ids (unique) and the top score of each."""
    _, items, scores = _read_file(path)
    top = pa.table({"item": items, "score": scores}).group_by("item").aggregate([("score", "max")])
    return np.asarray(top.column("item").to_pylist(), dtype=object), top.column("score_max").to_numpy()


#: One block's rows of one file: its students' ids (unique), each row's student (index into them), item, score.
Piece = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def split_file(path: str, item_ids: np.ndarray, n_blocks: int) -> list[Piece]:
    """A file's answers in ``n_blocks`` pieces by a hash of the student id; items as positions in ``item_ids``."""
    students, items, scores = _read_file(path)
    encoded_items = items.dictionary_encode()
    position = np.searchsorted(item_ids, np.asarray(encoded_items.dictionary.to_pylist(), dtype=object))
    item = position[encoded_items.indices.to_numpy(zero_copy_only=False)]
    encoded = students.dictionary_encode()
    names = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    code = encoded.indices.to_numpy(zero_copy_only=False)
    block_of_name = np.fromiter((zlib.crc32(s.encode()) % n_blocks for s in names), dtype=np.int64, count=len(names))
    block = block_of_name[code]
    pieces = []
    for b in range(n_blocks):
        mine = np.flatnonzero(block_of_name == b)
        renumber = np.full(len(names), -1, dtype=np.int64)
        renumber[mine] = np.arange(len(mine))
        rows = block == b
        pieces.append((names[mine], renumber[code[rows]], item[rows], scores[rows]))
    return pieces


def join_block(parts: list[Piece], item_ids: np.ndarray, n_categories: np.ndarray) -> ResponseMatrix:
    """One block's pieces from every file as a sparse matrix of its students (sorted by id) x every item."""
    student_ids, inverse = np.unique(np.concatenate([p[0] for p in parts]).astype(str), return_inverse=True)
    offsets = np.cumsum([0] + [len(p[0]) for p in parts[:-1]])
    student = np.concatenate([inverse[offset + p[1]] for offset, p in zip(offsets, parts)])
    key = student.astype(np.int64) * len(item_ids) + np.concatenate([p[2] for p in parts])
    order = np.argsort(key, kind="stable")
    key, score = key[order], np.concatenate([p[3] for p in parts])[order]
    repeated = np.flatnonzero(key[1:] == key[:-1])
    if repeated.size:
        s, j = divmod(int(key[repeated[0]]), len(item_ids))
        raise ParquetInputError(f"Parquet answers: student {student_ids[s]} answers item {item_ids[j]} twice")
    return ResponseMatrix.from_long(
        key // len(item_ids),
        key % len(item_ids),
        score,
        n_students=len(student_ids),
        n_items=len(item_ids),
        student_ids=student_ids,
        item_ids=item_ids,
        n_categories=n_categories,
    )


def item_columns(
    found: list[tuple[np.ndarray, np.ndarray]], source: str, n_categories: dict[str, int] | None
) -> tuple[np.ndarray, np.ndarray]:
    """The item ids (J,), sorted, and their score categories (J,) from every file's :func:`file_items`.

    The categories are the top score + 1 (at least 2), or those of
    ``n_categories`` (known items), refused when an answer is beyond them.
    """
    item_ids, inverse = np.unique(np.concatenate([f[0] for f in found]).astype(str), return_inverse=True)
    top = np.zeros(len(item_ids), dtype=np.int64)
    np.maximum.at(top, inverse, np.concatenate([f[1] for f in found]))
    if n_categories is None:
        return item_ids, np.maximum(top + 1, 2)
    unknown = [i for i in item_ids.tolist() if i not in n_categories]
    if unknown:
        raise ParquetInputError(f"{source}: item {unknown[0]} has no parameters")
    known = np.array([n_categories[i] for i in item_ids.tolist()], dtype=np.int64)
    over = top >= known
    if np.any(over):
        bad = int(np.argmax(over))
        raise ParquetInputError(f"{source}: item {item_ids[bad]}: score {top[bad]} is beyond its parameters")
    return item_ids, known


def read_parquet(folder: str, n_categories: dict[str, int] | None = None) -> ResponseMatrix:
    """The answers of a folder of Parquet files in this process: N students (sorted by id) x J items (sorted).

    Parameters
    ----------
    folder : str
        A folder of ``*.parquet`` files with columns ``student``, ``item``
        (ids) and ``score`` (0..K-1).
    n_categories : dict of item id to K, optional
        Score categories of known items; default the top score + 1.

    Raises
    ------
    ParquetInputError
        Naming the folder or file at fault.
    """
    files = parquet_files(folder)
    item_ids, k = item_columns([file_items(f) for f in files], folder, n_categories)
    return join_block([split_file(f, item_ids.astype(object), 1)[0] for f in files], item_ids, k)
