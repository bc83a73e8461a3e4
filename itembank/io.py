"""Reading and writing the CSV formats of docs/architecture.md (Data formats).

* Responses, wide: ``student_id,<item_id>,…``; a cell is a category score
  0..K-1 or empty for not administered.
* Responses, long: ``student_id,item_id,score`` (optionally
  ``administered_at``).  :func:`read_responses` tells the two apart by the
  header.
* Item parameters: ``item_id,model,a,b,c,d,b1,b2,…`` (+ ``se_a, se_b, …``).
* Scores: ``student_id,theta,se`` (+ ``standard``).

A bad file is refused as a whole with a :class:`FileFormatError` naming the
line and the column; nothing is returned half-read, and writers write to a
temporary file renamed into place, so a failed write leaves no partial file.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from engine.irt.models import MODEL_NAMES
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from itembank.csv_cells import restore_cell, safe_row

__all__ = [
    "FileFormatError",
    "read_responses",
    "read_parameters",
    "write_parameters",
    "write_scores",
    "read_model_map",
    "write_responses",
    "read_csv_rows",
    "iter_csv_records",
    "read_csv_header",
    "write_csv_atomically",
]


class FileFormatError(ValueError):
    """A CSV file that cannot be used; the message names the file, the line and the column.

    Parameters
    ----------
    message : str
        The whole message, starting with the file's name.
    problem : str, optional
        The message without the file's name (what a service shows about an
        upload whose server-side name means nothing to the client); default
        ``message``.
    """

    def __init__(self, message: str, *, problem: str | None = None) -> None:
        super().__init__(message)
        self.problem = message if problem is None else problem


#: A CSV source: a file's path, or a binary file object positioned at its start.
CsvSource = str | os.PathLike | BinaryIO


def _bad(source: object, problem: str) -> FileFormatError:
    """The error for ``problem`` in the file ``source`` (its path, or ``upload`` for a file object)."""
    label = source if isinstance(source, (str, os.PathLike)) else "upload"
    return FileFormatError(f"{label}: {problem}", problem=problem)


def _first_undecodable_line(stream: BinaryIO) -> tuple[int, int]:
    """The line (1-based) and the byte within it (1-based) of the first bytes that are not UTF-8."""
    stream.seek(0)
    line = 0
    for line, raw in enumerate(stream, start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as err:
            return line, err.start + 1
    return line, 0


def iter_csv_records(stream: BinaryIO, source: object = None) -> Iterator[tuple[int, list[str]]]:
    """Yield the line number and the cells of each non-blank row of a UTF-8 CSV byte stream.

    The rows are decoded as they are read, so a file of any size is read in
    bounded memory; a byte-order mark is allowed, and LF, CRLF and CR line
    ends may be mixed.

    Parameters
    ----------
    stream : binary file object
        Seekable, positioned at the start of the file; left open.
    source : path or None
        Names the file in error messages (None: an upload).

    Yields
    ------
    line : int
        The file line on which the row ends.
    cells : list of str
        The row's cells as written (not stripped).

    Raises
    ------
    FileFormatError
        Bytes that are not UTF-8 (naming their line) or malformed CSV.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    undecodable = False
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row
    except UnicodeDecodeError:
        undecodable = True
    except csv.Error as err:
        raise _bad(source, f"line {reader.line_num}: not a valid CSV file ({err})") from None
    finally:
        if not stream.closed:
            text.detach()  # leaves ``stream`` open for the caller
    if undecodable:
        line, byte = _first_undecodable_line(stream)
        raise _bad(source, f"line {line}: not UTF-8 text (byte {byte} of the line); save the file as UTF-8")


def read_csv_header(source: object, records: Iterator[tuple[int, list[str]]]) -> list[str]:
    """The first row of ``records``, checked as a header: column names stripped, none empty, none repeated.

    Raises
    ------
    FileFormatError
        An empty file, an empty or a repeated column name.
    """
    first = next(records, None)
    if first is None:
        raise _bad(source, "the file is empty")
    header = [h.strip() for h in first[1]]
    seen = set()
    for col, name in enumerate(header, start=1):
        if not name:
            raise _bad(source, f"line 1, column {col}: empty column name")
        if name in seen:
            raise _bad(source, f"line 1, column {col}: duplicate column {name!r}")
        seen.add(name)
    return header


def read_csv_rows(path: CsvSource) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read a CSV file checked for shape, for the readers of every CSV format.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        A UTF-8 CSV file (a byte-order mark is allowed), or an open binary
        file positioned at its start (an upload).

    Returns
    -------
    header : list of str
        The column names, stripped; none empty, none repeated.
    body : list of (int, list of str)
        The file line number and the cells of each data row, every row as
        wide as the header; blank lines are skipped.

    Raises
    ------
    FileFormatError
        A missing, empty, non-UTF-8 or malformed file, or a row of the wrong
        width, named by line and column.
    """
    if not isinstance(path, (str, os.PathLike)):
        return _checked_rows(path, path)
    if not Path(path).is_file():
        raise _bad(path, "no such file")
    with open(path, "rb") as stream:
        return _checked_rows(stream, path)


def _checked_rows(stream: BinaryIO, source: object) -> tuple[list[str], list[tuple[int, list[str]]]]:
    records = iter_csv_records(stream, source)
    try:
        header = [restore_cell(name) for name in read_csv_header(source, records)]
        body = [(line, [restore_cell(cell) for cell in row]) for line, row in records]
    finally:
        records.close()
    for line, row in body:
        if len(row) != len(header):
            raise _bad(source, f"line {line}: {len(row)} cells, expected {len(header)} as in the header")
    return header, body


def _score(path, line, column, text) -> int:
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        raise _bad(path, f"line {line}, column {column}: {text!r} is not a score") from None
    if not math.isfinite(value) or value != int(value) or value < 0:
        raise _bad(path, f"line {line}, column {column}: {text!r} is not a category score (0, 1, 2, …)")
    return int(value)


def read_responses(path: CsvSource, *, n_categories: dict[str, int] | None = None) -> ResponseMatrix:
    """Read a wide or long responses CSV.

    Parameters
    ----------
    path : path-like
    n_categories : dict of item id to K, optional
        Known numbers of categories (scores at or above K are refused).

    Returns
    -------
    ResponseMatrix
        Sparse when fewer than half the cells are answered (always for long
        files with that density), dense otherwise.

    Raises
    ------
    FileFormatError

    Notes
    -----
    A file on disk is read by pyarrow's columnar CSV reader (several times
    faster than row by row: 2 million answers in well under a second); a
    file it cannot take as it is, or whose values break a rule, is read
    again line by line, which names the line and the column of the problem.
    """
    if isinstance(path, (str, os.PathLike)) and Path(path).is_file():
        columnar = _read_responses_columnar(path, n_categories)
        if columnar is not None:
            return columnar
    header, body = read_csv_rows(path)
    if header[0] != "student_id":
        raise _bad(path, f"line 1, column 1: the first column should be 'student_id', got {header[0]!r}")
    if not body:
        raise _bad(path, "no responses after the header")
    if header[1:3] == ["item_id", "score"]:
        return _read_long(path, header, body, n_categories)
    if len(header) < 2:
        raise _bad(path, "line 1: no item columns")
    return _read_wide(path, header, body, n_categories)


#: Columns of a long responses file.
_LONG_COLUMNS = ("student_id", "item_id", "score", "administered_at")


def _read_responses_columnar(path: str | os.PathLike, n_categories: dict[str, int] | None) -> ResponseMatrix | None:
    """The responses of a well-formed file by pyarrow's columnar reader; None when the file breaks a rule.

    Every rule of the line-by-line reader is checked on the columns; any
    file that breaks one (or that pyarrow cannot parse: a short row, bytes
    that are not UTF-8, a cell that is not a number) returns None, so that
    :func:`read_responses` reads it line by line and names the problem.
    """
    with open(path, "rb") as stream:
        records = iter_csv_records(stream, path)
        try:
            raw_header = read_csv_header(path, records)
        except FileFormatError:
            return None
        finally:
            records.close()
    header = [restore_cell(name) for name in raw_header]
    is_long = header[1:3] == ["item_id", "score"]
    if header[0] != "student_id" or len(header) < 2 or (is_long and not set(header) <= set(_LONG_COLUMNS)):
        return None
    types = {name: pa.string() for name in header if name in ("student_id", "item_id", "administered_at")}
    types.update({name: pa.float64() for name in header if name not in types})
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            convert_options=pacsv.ConvertOptions(
                column_types=types, null_values=[""], strings_can_be_null=False, quoted_strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        return None
    if table.num_rows == 0:
        return None
    students = _id_column(table["student_id"])
    if students is None:
        return None
    if is_long:
        return _long_columns(table, students, n_categories)
    return _wide_columns(table, header[1:], students, n_categories)


def _id_column(column: pa.ChunkedArray) -> pa.Array | None:
    """An id column as the line reader reads it (stripped, neutralized cells restored); None if an id is empty."""
    raw = column.combine_chunks()
    if pc.any(pc.starts_with(raw, "'")).as_py():
        raw = pa.array([restore_cell(text) for text in raw.to_pylist()], type=pa.string())
    ids = pc.utf8_trim_whitespace(raw)
    return None if pc.any(pc.equal(pc.utf8_length(ids), 0)).as_py() else ids


def _category_scores(column: pa.ChunkedArray | pa.Array) -> np.ndarray | None:
    """Scores as float (NaN for empty cells); None unless every score is a category number 0, 1, 2, …."""
    values = np.asarray(column.to_numpy(zero_copy_only=False), dtype=float)
    given = values[~np.isnan(values)]
    if not (np.all(np.isfinite(given)) and np.all(given >= 0) and np.all(given == np.round(given))):
        return None
    return values


def _wide_columns(
    table: pa.Table, item_ids: list[str], students: pa.Array, n_categories: dict[str, int] | None
) -> ResponseMatrix | None:
    """A wide file's responses from its columns, or None (see :func:`_read_responses_columnar`)."""
    if len(pc.unique(students)) != len(students):
        return None
    scores = [_category_scores(table[name]) for name in item_ids]
    if any(column is None for column in scores):
        return None
    try:
        return ResponseMatrix.from_table(
            np.column_stack(scores),
            students.to_numpy(zero_copy_only=False),
            item_ids,
            n_categories=None if n_categories is None else [n_categories.get(i, 0) for i in item_ids],
        )
    except ValueError:  # an unknown item or a score out of range: the line-by-line reader names it
        return None


def _long_columns(table: pa.Table, students: pa.Array, n_categories: dict[str, int] | None) -> ResponseMatrix | None:
    """A long file's responses from its columns, or None (see :func:`_read_responses_columnar`)."""
    items = _id_column(table["item_id"])
    scores = _category_scores(table["score"])
    if items is None or scores is None or np.isnan(scores).any():
        return None
    student_codes, item_codes = students.dictionary_encode(), items.dictionary_encode()
    item_ids = item_codes.dictionary.to_pylist()
    score = scores.astype(np.int64)
    n, j = len(student_codes.dictionary), len(item_ids)
    try:
        return ResponseMatrix.from_long(
            student_codes.indices.to_numpy(),
            item_codes.indices.to_numpy(),
            score,
            n_students=n,
            n_items=j,
            student_ids=student_codes.dictionary.to_numpy(zero_copy_only=False),
            item_ids=item_ids,
            n_categories=None if n_categories is None else [n_categories.get(i, 0) for i in item_ids],
            dense=len(score) >= 0.5 * n * j,
        )
    except ValueError:  # a repeated answer, an unknown item, a score out of range: the line-by-line reader names it
        return None


def _check_students(path, body, column=0):
    seen: dict[str, int] = {}
    for line, row in body:
        sid = row[column].strip()
        if not sid:
            raise _bad(path, f"line {line}, column {column + 1}: empty student_id")
        if sid in seen:
            raise _bad(path, f"line {line}: student {sid!r} appears again (first on line {seen[sid]})")
        seen[sid] = line


def _categories_for(path, item_ids, top, n_categories):
    if n_categories is None:
        return None
    out = []
    for iid, t in zip(item_ids, top):
        k = n_categories.get(iid)
        if k is None:
            raise _bad(path, f"unknown item {iid!r}")
        if t >= k:
            raise _bad(path, f"item {iid}: score {t} is out of range 0..{k - 1}")
        out.append(k)
    return out


def _read_wide(path, header, body, n_categories) -> ResponseMatrix:
    _check_students(path, body)
    item_ids = header[1:]
    n, j = len(body), len(item_ids)
    table = np.full((n, j), np.nan)
    for i, (line, row) in enumerate(body):
        for col in range(1, j + 1):
            text = row[col]
            if text.strip():
                table[i, col - 1] = _score(path, line, header[col], text)
    if n_categories is not None:
        unknown = [iid for iid in item_ids if iid not in n_categories]
        if unknown:
            col = item_ids.index(unknown[0]) + 2
            raise _bad(path, f"line 1, column {col}: unknown item {unknown[0]!r}")
        limits = np.array([n_categories[iid] for iid in item_ids])
        over = ~np.isnan(table) & (table >= limits[None, :])
        if over.any():
            i, j = np.argwhere(over)[0]
            raise _bad(
                path,
                f"line {body[i][0]}, column {item_ids[j]}: score {int(table[i, j])} is out of range 0..{limits[j] - 1}",
            )
    top = np.nanmax(np.where(np.isnan(table), -1, table), axis=0).astype(int)
    k = _categories_for(path, item_ids, top, n_categories)
    students = [row[0].strip() for _, row in body]
    return ResponseMatrix.from_table(table, students, item_ids, n_categories=k)


def _read_long(path, header, body, n_categories) -> ResponseMatrix:
    allowed = {"student_id", "item_id", "score", "administered_at"}
    extra = [h for h in header if h not in allowed]
    if extra:
        raise _bad(path, f"line 1: unexpected column {extra[0]!r} in a long responses file")
    students: dict[str, int] = {}
    items: dict[str, int] = {}
    s_idx, i_idx, scores = [], [], []
    first: dict[tuple[int, int], int] = {}
    for line, row in body:
        sid, iid = row[0].strip(), row[1].strip()
        if not sid:
            raise _bad(path, f"line {line}, column student_id: empty student_id")
        if not iid:
            raise _bad(path, f"line {line}, column item_id: empty item_id")
        value = _score(path, line, "score", row[2])
        if n_categories is not None:
            k = n_categories.get(iid)
            if k is None:
                raise _bad(path, f"line {line}, column item_id: unknown item {iid!r}")
            if value >= k:
                raise _bad(path, f"line {line}, column score: score {value} is out of range 0..{k - 1} for item {iid}")
        si = students.setdefault(sid, len(students))
        ii = items.setdefault(iid, len(items))
        key = (si, ii)
        if key in first:
            raise _bad(path, f"line {line}: student {sid!r} answered item {iid!r} again (first on line {first[key]})")
        first[key] = line
        s_idx.append(si)
        i_idx.append(ii)
        scores.append(value)
    item_ids = list(items)
    top = np.zeros(len(item_ids), dtype=int)
    np.maximum.at(top, np.asarray(i_idx), np.asarray(scores))
    k = _categories_for(path, item_ids, top, n_categories)
    n, j = len(students), len(items)
    dense = len(scores) >= 0.5 * n * j
    return ResponseMatrix.from_long(
        s_idx,
        i_idx,
        scores,
        n_students=n,
        n_items=j,
        student_ids=list(students),
        item_ids=item_ids,
        n_categories=k,
        dense=dense,
    )


def _number(path, line, column, text, *, required: bool) -> float:
    text = text.strip()
    if not text:
        if required:
            raise _bad(path, f"line {line}, column {column}: a number is required")
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise _bad(path, f"line {line}, column {column}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise _bad(path, f"line {line}, column {column}: {text!r} is not a finite number")
    return value


def read_parameters(path: CsvSource) -> ItemParameters:
    """Read an item parameters CSV (``item_id,model,a,b,c,d,b1,…``).

    Dichotomous items need ``b`` (``a`` defaults to 1 for rasch/1pl, ``c``
    to 0 and ``d`` to 1 when empty); polytomous items (grm, gpcm, rasch
    partial credit) need ``a`` and ``b1..b{K-1}``: K is one more than the
    number of filled thresholds.  ``se_*`` columns are read into ``se``.

    Raises
    ------
    FileFormatError
    """
    header, body = read_csv_rows(path)
    if header[:2] != ["item_id", "model"]:
        raise _bad(path, f"line 1: the header should start with 'item_id,model', got {','.join(header[:2])!r}")
    if not body:
        raise _bad(path, "no items after the header")
    known = {"a", "b", "c", "d"}
    thr_cols = sorted((h for h in header if len(h) > 1 and h[0] == "b" and h[1:].isdigit()), key=lambda h: int(h[1:]))
    expected = [f"b{m}" for m in range(1, len(thr_cols) + 1)]
    if thr_cols != expected:
        raise _bad(path, f"line 1: threshold columns should be b1..b{len(thr_cols)} without gaps")
    se_cols = [h for h in header if h.startswith("se_")]
    for col, name in enumerate(header, start=1):
        if name not in known | set(thr_cols) | set(se_cols) | {"item_id", "model"}:
            raise _bad(path, f"line 1, column {col}: unknown column {name!r}")
    pos = {h: i for i, h in enumerate(header)}
    ids, models, ks = [], [], []
    a, b, c, d = [], [], [], []
    thr = np.full((len(body), max(len(thr_cols), 1)), np.nan)
    se = {h[3:]: np.full(len(body), np.nan) for h in se_cols}
    seen: dict[str, int] = {}

    def cell(row, name):
        return row[pos[name]] if name in pos else ""

    for r, (line, row) in enumerate(body):
        iid = row[0].strip()
        if not iid:
            raise _bad(path, f"line {line}, column item_id: empty item_id")
        if iid in seen:
            raise _bad(path, f"line {line}: item {iid!r} appears again (first on line {seen[iid]})")
        seen[iid] = line
        model = row[1].strip().lower()
        if model not in MODEL_NAMES:
            raise _bad(
                path, f"line {line}, column model: unknown model {row[1]!r} (expected one of {', '.join(MODEL_NAMES)})"
            )
        values = [_number(path, line, name, cell(row, name), required=False) for name in thr_cols]
        filled = [v for v in values if not math.isnan(v)]
        if any(math.isnan(v) for v in values[: len(filled)]):
            raise _bad(path, f"line {line}: thresholds b1..b{len(filled)} must be filled without gaps")
        polytomous = len(filled) > 0
        if polytomous and model in ("1pl", "2pl", "3pl", "4pl"):
            raise _bad(path, f"line {line}: model {model} is dichotomous but thresholds b1.. are filled")
        if model in ("grm", "gpcm") and not polytomous and not cell(row, "b").strip():
            raise _bad(path, f"line {line}, column b1: {model} items need thresholds b1, b2, …")
        slope_needed = model not in ("rasch",)
        av = _number(path, line, "a", cell(row, "a"), required=slope_needed and model != "1pl")
        if polytomous:
            ks.append(len(filled) + 1)
            thr[r, : len(filled)] = filled
            bv = cv = dv = math.nan
        else:
            ks.append(2)
            bv = _number(path, line, "b", cell(row, "b"), required=True)
            cv = _number(path, line, "c", cell(row, "c"), required=False)
            dv = _number(path, line, "d", cell(row, "d"), required=False)
            cv = 0.0 if math.isnan(cv) else cv
            dv = 1.0 if math.isnan(dv) else dv
        ids.append(iid)
        models.append(model)
        a.append(1.0 if math.isnan(av) else av)
        b.append(bv)
        c.append(cv)
        d.append(dv)
        for name in se:
            se[name][r] = _number(path, line, f"se_{name}", cell(row, f"se_{name}"), required=False)
    try:
        table = ItemParameters.from_arrays(ids, models, a=a, b=b, c=c, d=d, thresholds=thr, n_categories=np.asarray(ks))
    except ValueError as err:
        item = str(err).split(":")[0].replace("item ", "")
        line = seen.get(item)
        where = f"line {line}: " if line else ""
        raise _bad(path, f"{where}{err}") from None
    if se:
        table = replace(table, se=se)
    return table


def write_csv_atomically(path: str | os.PathLike, header: list[str], rows: Iterable[list]) -> None:
    """Write a CSV file whole or not at all.

    The rows go to a temporary file beside ``path`` that is renamed into
    place, so a failed write leaves no partial file (and an existing file
    untouched); missing parent folders are created.

    Parameters
    ----------
    path : str or os.PathLike
    header : list of str
        The column names.
    rows : iterable of list
        The cells of each row, already formatted as text; cells a
        spreadsheet would run as formulas are neutralized
        (:mod:`itembank.csv_cells`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(safe_row(header))
            writer.writerows(safe_row(row) for row in rows)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{float(value):.6g}"


def write_parameters(path: str | os.PathLike, params: ItemParameters) -> None:
    """Write an item parameters CSV (with ``se_*`` columns when present)."""
    n_thr = int(params.n_categories.max(initial=2)) - 1 if np.any(params.n_categories > 2) else 0
    cols = ["a", "b", "c", "d"] + [f"b{m}" for m in range(1, n_thr + 1)]
    se_cols = [name for name in cols if name in params.se and np.any(np.isfinite(params.se[name]))]
    header = ["item_id", "model"] + cols + [f"se_{name}" for name in se_cols]
    rows = []
    for j in range(params.n_items):
        dich = params.n_categories[j] == 2
        values = [params.a[j]]
        values += [params.b[j], params.c[j], params.d[j]] if dich else [math.nan] * 3
        values += [
            params.thresholds[j, m] if not dich and m < params.n_categories[j] - 1 else math.nan for m in range(n_thr)
        ]
        values += [params.se[name][j] for name in se_cols]
        rows.append([params.item_ids[j], params.model[j]] + [_fmt(float(v)) for v in values])
    write_csv_atomically(path, header, rows)


def write_scores(path: str | os.PathLike, student_ids, theta, se, standard=None) -> None:
    """Write a scores CSV: ``student_id,theta,se`` (+ ``standard``)."""
    header = ["student_id", "theta", "se"] + (["standard"] if standard is not None else [])
    rows = []
    for i, sid in enumerate(student_ids):
        row = [sid, _fmt(float(theta[i])), _fmt(float(se[i]))]
        if standard is not None:
            row.append(standard[i])
        rows.append(row)
    write_csv_atomically(path, header, rows)


def read_model_map(path: str | os.PathLike) -> dict[str, str]:
    """Read ``item_id,model`` rows (a mixed bank's models)."""
    header, body = read_csv_rows(path)
    if header[:2] != ["item_id", "model"] or len(header) != 2:
        raise _bad(path, "line 1: the header should be 'item_id,model'")
    out: dict[str, str] = {}
    for line, row in body:
        iid, model = row[0].strip(), row[1].strip().lower()
        if model not in MODEL_NAMES:
            raise _bad(path, f"line {line}, column model: unknown model {row[1]!r}")
        if iid in out:
            raise _bad(path, f"line {line}: item {iid!r} appears again")
        out[iid] = model
    return out


def write_responses(path: str | os.PathLike, responses: ResponseMatrix, *, layout: str = "auto") -> None:
    """Write responses as a wide or long CSV.

    ``layout="auto"`` writes sparse matrices long and dense ones wide.
    """
    if layout == "auto":
        layout = "long" if responses.is_sparse else "wide"
    if layout == "long":
        rows = (
            [responses.student_ids[s], responses.item_ids[j], int(y)]
            for s, j, y in zip(responses.student, responses.item, responses.score)
        )
        write_csv_atomically(path, ["student_id", "item_id", "score"], rows)
        return
    if layout != "wide":
        raise ValueError(f"layout should be 'wide', 'long' or 'auto', got {layout!r}")
    table = responses.to_table()
    rows = (
        [sid] + ["" if np.isnan(v) else str(int(v)) for v in table[i]] for i, sid in enumerate(responses.student_ids)
    )
    write_csv_atomically(path, ["student_id"] + list(responses.item_ids), rows)
