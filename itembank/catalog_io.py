"""Import and export of standards and items, as CSV or JSON.

Standards CSV
    ``framework,code,title,level,parent_code,description``; ``level`` one of
    competency, indicator, objective; ``parent_code`` empty for a competency.
Items CSV
    ``id,objective,interaction,stem,key,tolerance,rationale,dok,status``
    plus ``choice_<ID>`` columns (one per choice id, e.g. ``choice_A``; empty
    where an item has fewer choices) and ``rubric_0`` .. ``rubric_3``
    (``Label: criteria``) for rubric-scored items.  A multiple-select key is
    the choice ids joined by ``;``, a numeric key a number.
JSON
    ``{"standards": [...], "items": [...]}`` with the fields above (choices as
    ``[{"id", "text"}]``, rubric as ``[{"score", "label", "criteria"}]``);
    either list may be absent.

An import is all or nothing: every row is parsed and checked, and the first
problem is raised as :class:`CatalogFormatError` naming the line (CSV) or
the entry (JSON) and the column; the caller's transaction is then rolled
back, so nothing is written.  Every field is checked against its column
before the database sees it (:mod:`itembank.text_rules`: text of the right
type and length, no control characters, item ids of letters, digits and
``. _ : -``; DOK and tolerance numbers in range), so SQLite and PostgreSQL
take and refuse the same files.  Existing standards (framework, code) and items
(id) are updated; new ones are created.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

from sqlmodel import Session, select

from itembank.answers import canonical_key
from itembank.csv_cells import restore_cell, safe_row
from itembank.errors import Invalid, NotFound
from itembank.io import iter_csv_records
from itembank.items import check_content, create_item, update_item
from itembank.standards import LEVELS, check_parent, create_standard, find_standard
from itembank.tables import Item, Standard, StandardLevel
from itembank.text_rules import CODE_LENGTH, ITEM_ID_LENGTH, ITEM_ID_PATTERN, text_problem

__all__ = [
    "CatalogFormatError",
    "STANDARD_COLUMNS",
    "ITEM_COLUMNS",
    "read_catalog",
    "import_catalog",
    "import_catalog_file",
    "export_standards_csv",
    "export_items_csv",
    "export_json",
]

STANDARD_COLUMNS = ("framework", "code", "title", "level", "parent_code", "description")
ITEM_COLUMNS = ("id", "objective", "interaction", "stem", "key", "tolerance", "rationale", "dok", "status")
_REQUIRED_STANDARD = ("framework", "code", "title", "level")
_REQUIRED_ITEM = ("id", "objective", "interaction", "stem")


class CatalogFormatError(Invalid):
    """A bad catalog file: ``line`` (1-based, header is line 1) or entry, and column."""

    def __init__(self, where: str, column: str, message: str) -> None:
        super().__init__(f"{where}, column {column}: {message}", "file")
        self.where = where
        self.column = column


# ------------------------------------------------------------------ parsing
def _csv_file(stream: BinaryIO) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """The checked header of a catalog CSV and an iterator over its rows (cells stripped), read as a stream."""
    records = iter_csv_records(stream)
    first = next(records, None)
    if first is None:
        raise CatalogFormatError("line 1", "(header)", "the file is empty")
    header = [restore_cell(h.strip()) for h in first[1]]
    seen = set()
    for col, name in enumerate(header, start=1):
        if not name:
            raise CatalogFormatError("line 1", str(col), "empty column name")
        if name in seen:
            raise CatalogFormatError("line 1", name, "duplicate column")
        seen.add(name)

    def rows() -> Iterator[tuple[int, dict]]:
        for line, row in records:
            if len(row) != len(header):
                raise CatalogFormatError(
                    f"line {line}",
                    str(min(len(row), len(header)) + 1),
                    f"expected {len(header)} cells, got {len(row)}",
                )
            yield line, dict(zip(header, (restore_cell(c.strip()) for c in row)))

    return header, rows()


def _number(where: str, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CatalogFormatError(where, column, f"not a number: {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CatalogFormatError(where, column, f"not a finite number: {text!r}")
    return value


def _standard_from_csv(where: str, row: dict) -> dict:
    for col in _REQUIRED_STANDARD:
        if not row.get(col):
            raise CatalogFormatError(where, col, "missing value")
    if row["level"] not in LEVELS:
        raise CatalogFormatError(where, "level", f"must be one of {', '.join(LEVELS)}, got {row['level']!r}")
    return {
        "framework": row["framework"],
        "code": row["code"],
        "title": row["title"],
        "level": row["level"],
        "parent_code": row.get("parent_code") or None,
        "description": row.get("description", ""),
    }


def _item_from_csv(where: str, row: dict, header: list[str]) -> dict:
    for col in _REQUIRED_ITEM:
        if not row.get(col):
            raise CatalogFormatError(where, col, "missing value")
    choices = [
        {"id": name[len("choice_") :], "text": row[name]}
        for name in header
        if name.startswith("choice_") and row.get(name)
    ]
    interaction = row["interaction"]
    raw_key = row.get("key", "")
    key: Any
    if interaction == "numeric_entry":
        key = _number(where, "key", raw_key) if raw_key else None
    elif interaction == "multiple_select":
        key = [k.strip() for k in raw_key.split(";") if k.strip()]
    elif interaction == "constructed_response":
        key = None
    else:
        key = raw_key or None
    rubric = None
    levels = [name for name in ("rubric_0", "rubric_1", "rubric_2", "rubric_3") if row.get(name)]
    if levels:
        rubric = []
        for name in levels:
            label, _, criteria = row[name].partition(":")
            if not criteria.strip():
                raise CatalogFormatError(where, name, "write a rubric level as 'Label: criteria'")
            rubric.append({"score": int(name[-1]), "label": label.strip(), "criteria": criteria.strip()})
    dok = row.get("dok") or "1"
    if not dok.isdigit():
        raise CatalogFormatError(where, "dok", f"must be 1..4, got {dok!r}")
    return {
        "id": row["id"],
        "objective": row["objective"],
        "framework": row.get("framework") or None,
        "interaction": interaction,
        "stem": row["stem"],
        "choices": choices,
        "key": key,
        "tolerance": _number(where, "tolerance", row["tolerance"]) if row.get("tolerance") else 0.0,
        "rationale": row.get("rationale", ""),
        "rubric": rubric,
        "dok": int(dok),
        "status": row.get("status") or "draft",
    }


#: Text fields of an entry: (column, longest, may span lines); None for no limit
_STANDARD_TEXT = (
    ("framework", CODE_LENGTH, False),
    ("code", CODE_LENGTH, False),
    ("title", 500, False),
    ("level", 16, False),
    ("parent_code", CODE_LENGTH, False),
    ("description", None, True),
)
_ITEM_TEXT = (
    ("id", ITEM_ID_LENGTH, False),
    ("objective", CODE_LENGTH, False),
    ("framework", CODE_LENGTH, False),
    ("interaction", 32, False),
    ("stem", None, True),
    ("rationale", None, True),
    ("status", 16, False),
)
_ITEM_ID = re.compile(ITEM_ID_PATTERN)


def _check_text(where: str, entry: dict, fields) -> None:
    for column, longest, multiline in fields:
        value = entry.get(column)
        if value is None:
            continue
        problem = text_problem(value, max_length=longest, multiline=multiline)
        if problem:
            raise CatalogFormatError(where, column, problem)


def _check_standard(where: str, standard: dict) -> None:
    """Refuse a standard whose fields do not fit their columns."""
    _check_text(where, standard, _STANDARD_TEXT)


def _check_item(where: str, item: dict) -> None:
    """Refuse an item whose fields do not fit their columns (JSON values may be of any type)."""
    _check_text(where, item, _ITEM_TEXT)
    if not _ITEM_ID.match(item["id"]):
        raise CatalogFormatError(where, "id", f"{item['id']!r}: use letters, digits and . _ : - only")
    choices = item.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
        raise CatalogFormatError(where, "choices", 'must be a list of {"id", "text"} objects')
    for n, choice in enumerate(choices):
        for column, longest, multiline in (("id", 16, False), ("text", None, True)):
            problem = text_problem(choice.get(column), max_length=longest, multiline=multiline)
            if problem:
                raise CatalogFormatError(where, f"choices[{n}].{column}", problem)
    rubric = item.get("rubric")
    if rubric is not None:
        if not isinstance(rubric, list) or not all(isinstance(r, dict) for r in rubric):
            raise CatalogFormatError(where, "rubric", 'must be a list of {"score", "label", "criteria"} objects')
        for n, level in enumerate(rubric):
            for column, longest, multiline in (("label", 200, False), ("criteria", None, True)):
                problem = text_problem(level.get(column), max_length=longest, multiline=multiline)
                if problem:
                    raise CatalogFormatError(where, f"rubric[{n}].{column}", problem)
    dok = item.get("dok", 1)
    if isinstance(dok, bool) or not isinstance(dok, int) or not 1 <= dok <= 4:
        raise CatalogFormatError(where, "dok", f"must be a whole number 1..4, got {dok!r:.40}")
    tolerance = item.get("tolerance", 0.0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 0 <= tolerance < float("inf"):
        raise CatalogFormatError(where, "tolerance", f"must be a number 0 or more, got {tolerance!r:.40}")


def read_catalog(text: str, fmt: str) -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """Parse a catalog file into ``(where, standard)`` and ``(where, item)`` lists.

    ``fmt`` is ``json`` or ``csv``; a CSV holds standards or items, told apart
    by its header.
    """
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise CatalogFormatError(f"line {err.lineno}", str(err.colno), f"invalid JSON: {err.msg}") from None
        if not isinstance(data, dict) or not ({"standards", "items"} & set(data)):
            raise CatalogFormatError("line 1", "(top level)", 'expected an object with "standards" and/or "items"')
        standards, items = [], []
        for name, out in (("standards", standards), ("items", items)):
            entries = data.get(name, [])
            if not isinstance(entries, list):
                raise CatalogFormatError(name, "(list)", f'"{name}" must be a list')
            for n, entry in enumerate(entries):
                where = f"{name}[{n}]"
                if not isinstance(entry, dict):
                    raise CatalogFormatError(where, "(entry)", "must be an object")
                required = _REQUIRED_STANDARD if name == "standards" else _REQUIRED_ITEM
                for col in required:
                    if entry.get(col) in (None, ""):
                        raise CatalogFormatError(where, col, "missing value")
                (_check_standard if name == "standards" else _check_item)(where, entry)
                if name == "standards" and entry["level"] not in LEVELS:
                    raise CatalogFormatError(where, "level", f"must be one of {', '.join(LEVELS)}")
                out.append((where, dict(entry)))
        return standards, items
    if fmt != "csv":
        raise CatalogFormatError("file", "(format)", f"format must be csv or json, got {fmt!r}")
    kind, entries = _csv_entries(io.BytesIO(text.encode("utf-8")))
    listed = list(entries)
    return (listed, []) if kind == "standards" else ([], listed)


def _csv_entries(stream: BinaryIO) -> tuple[str, Iterator[tuple[str, dict]]]:
    """``standards`` or ``items`` (by the header) and an iterator over the file's checked entries."""
    header, rows = _csv_file(stream)
    if set(_REQUIRED_STANDARD) <= set(header) and "interaction" not in header:

        def standards() -> Iterator[tuple[str, dict]]:
            for line, row in rows:
                standard = _standard_from_csv(f"line {line}", row)
                _check_standard(f"line {line}", standard)
                yield f"line {line}", standard

        return "standards", standards()
    if set(_REQUIRED_ITEM) <= set(header):

        def items() -> Iterator[tuple[str, dict]]:
            for line, row in rows:
                item = _item_from_csv(f"line {line}", row, header)
                _check_item(f"line {line}", item)
                yield f"line {line}", item

        return "items", items()
    raise CatalogFormatError(
        "line 1",
        "(header)",
        f"not a standards file ({', '.join(_REQUIRED_STANDARD)}) or an items file ({', '.join(_REQUIRED_ITEM)})",
    )


# ------------------------------------------------------------------ writing
_ITEM_FIELDS = ("stem", "interaction", "choices", "key", "tolerance", "rationale", "rubric", "dok", "status")
_COUNTS = ("standards_created", "standards_updated", "items_created", "items_updated")
#: Items written between two flushes of the session
ITEM_BATCH = 1000


class _Objectives:
    """The bank's standards by code (and those a file adds), to resolve items' objectives without a query each.

    Resolves as :func:`itembank.standards.find_standard` does: by code, in a
    framework when one is named, or by numeric id.
    """

    def __init__(self, session: Session) -> None:
        self.by_code: dict[str, list[tuple[str, int | None, str]]] = defaultdict(list)
        self.by_id: dict[int, tuple[str, str]] = {}
        for sid, code, framework, level in session.exec(
            select(Standard.id, Standard.code, Standard.framework, Standard.level)
        ).all():
            self.by_code[code].append((framework, sid, level))
            self.by_id[sid] = (code, level)

    def add(self, framework: str, code: str, level: str) -> None:
        """A standard of the file being imported (stored before the items)."""
        if not any(f == framework for f, _, _ in self.by_code[code]):
            self.by_code[code].append((framework, None, level))

    def objective(self, code: str, framework: str | None) -> int | None:
        """The id of the learning objective ``code`` (None: one the file creates).

        Raises
        ------
        NotFound
            No such standard, or a code of several frameworks and none named.
        Invalid
            The standard is not a learning objective.
        """
        rows = [(sid, code, level) for f, sid, level in self.by_code.get(code, ()) if not framework or f == framework]
        if not rows and framework is None and code.isascii() and code.isdigit() and int(code) in self.by_id:
            rows = [(int(code), *self.by_id[int(code)])]
        if not rows:
            where = f" in framework {framework}" if framework else ""
            raise NotFound(f"no standard with code {code}{where}")
        if len(rows) > 1:
            raise NotFound(f"standard code {code} is used by several frameworks; name the framework")
        sid, found, level = rows[0]
        if level != StandardLevel.objective.value:
            raise Invalid(f"items attach to learning objectives; {found} is a {level}", "objective")
        return sid


def _check_items(session: Session, entries: Iterable[tuple[str, dict]], objectives: _Objectives) -> int:
    """Refuse, before anything is written, every item a write would refuse; returns the entries checked.

    Checks each entry's objective, that an existing item keeps its
    interaction, and the content of new items and of updates that give every
    content field (a CSV row does); an update that leaves fields out is
    checked against the stored item when it is written.
    """
    existing = dict(session.exec(select(Item.id, Item.interaction)).all())
    ids: set[str] = set()
    for where, it in entries:
        if it["id"] in ids:
            raise CatalogFormatError(where, "id", f"item {it['id']} appears twice in the file")
        ids.add(it["id"])
        try:
            objectives.objective(it["objective"], it.get("framework"))
            interaction = existing.get(it["id"], it["interaction"])
            if it["interaction"] != interaction:
                raise Invalid(
                    f"item {it['id']} is {interaction}; an import cannot change its interaction", "interaction"
                )
            if it["id"] not in existing or all(k in it for k in _ITEM_FIELDS):
                check_content(
                    interaction,
                    [dict(c) for c in it.get("choices") or []],
                    it.get("key"),
                    it.get("rubric"),
                    it.get("dok", 1),
                    it.get("status", "draft"),
                )
        except NotFound as err:
            raise CatalogFormatError(where, "objective", str(err)) from None
        except (Invalid, TypeError, ValueError) as err:
            raise CatalogFormatError(where, getattr(err, "field", None) or "(entry)", str(err)) from None
    return len(ids)


def _store_standards(session: Session, standards: list[tuple[str, dict]], counts: dict[str, int]) -> None:
    seen: set[tuple[str, str]] = set()
    for where, s in standards:
        if (s["framework"], s["code"]) in seen:
            raise CatalogFormatError(where, "code", f"standard {s['code']} appears twice in the file")
        seen.add((s["framework"], s["code"]))
    # parents first, whatever the order in the file
    for where, s in sorted(standards, key=lambda ws: LEVELS.index(ws[1]["level"])):
        try:
            row = session.exec(
                select(Standard).where(Standard.framework == s["framework"], Standard.code == s["code"])
            ).first()
            if row is None:
                create_standard(
                    session,
                    framework=s["framework"],
                    code=s["code"],
                    title=s["title"],
                    level=s["level"],
                    parent_code=s.get("parent_code"),
                    description=s.get("description") or "",
                )
                counts["standards_created"] += 1
            else:
                parent = find_standard(session, s["parent_code"], s["framework"]) if s.get("parent_code") else None
                check_parent(s["level"], parent, s["framework"])
                row.title, row.level = s["title"], s["level"]
                row.description = s.get("description") or ""
                row.parent_id = None if parent is None else parent.id
                session.add(row)
                counts["standards_updated"] += 1
        except (Invalid, NotFound) as err:
            column = getattr(err, "field", None) or "parent_code"
            raise CatalogFormatError(where, column, str(err)) from None
    session.flush()


def _store_items(session: Session, entries: Iterable[tuple[str, dict]], counts: dict[str, int]) -> None:
    """Create new items and update existing ones (content edits raise their version).

    Written :data:`ITEM_BATCH` at a time and then let go of, so the session
    does not hold the whole file's items.
    """
    existing = set(session.exec(select(Item.id)).all())
    for n, (where, it) in enumerate(entries, start=1):
        try:
            if it["id"] not in existing:
                create_item(
                    session, **{k: it.get(k) for k in ("id", "objective", "framework", *_ITEM_FIELDS) if k in it}
                )
                counts["items_created"] += 1
            else:
                changes = {k: it[k] for k in _ITEM_FIELDS if k in it and k != "interaction"}
                changes["objective"] = it["objective"]
                if it.get("framework"):
                    changes["framework"] = it["framework"]
                update_item(session, it["id"], changes)
                counts["items_updated"] += 1
        except NotFound as err:
            raise CatalogFormatError(where, "objective", str(err)) from None
        except (Invalid, TypeError, ValueError) as err:
            raise CatalogFormatError(where, getattr(err, "field", None) or "(entry)", str(err)) from None
        if n % ITEM_BATCH == 0:
            session.flush()
            session.expunge_all()
    session.flush()


def _json_text(stream: BinaryIO) -> str:
    data = stream.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise CatalogFormatError(f"line {line}", "(file)", "not UTF-8 text; save the file as UTF-8") from None


def import_catalog_file(
    session: Session,
    stream: BinaryIO,
    fmt: str,
    *,
    on_progress: Callable[[float], None] | None = None,
    on_writing: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Check a whole catalog file, then store it in the caller's transaction (not committed).

    A CSV is read as a stream twice: once to check every row (against the
    bank too: objectives, interactions, content), once to write, so a bad
    last row is refused before anything is written and memory does not grow
    with the file.  A JSON document is read whole.

    Parameters
    ----------
    session : Session
    stream : binary file object
        The file, seekable, at its start.
    fmt : {"csv", "json"}
    on_progress : callable, optional
        Called with the fraction of the file checked (CSV).
    on_writing : callable, optional
        Called once the whole file passed, before anything is written.

    Returns
    -------
    dict
        ``standards_created``, ``standards_updated``, ``items_created``,
        ``items_updated``.

    Raises
    ------
    CatalogFormatError
        The first problem, naming the line (CSV) or the entry (JSON) and the column.
    FileFormatError
        A CSV that is not UTF-8 text or not CSV, naming the line.
    """
    counts = dict.fromkeys(_COUNTS, 0)
    if fmt == "json":
        standards, items = read_catalog(_json_text(stream), "json")
        objectives = _Objectives(session)
        for _, s in standards:
            objectives.add(s["framework"], s["code"], s["level"])
        _check_items(session, items, objectives)
        if on_writing is not None:
            on_writing()
        _store_standards(session, standards, counts)
        _store_items(session, items, counts)
        return counts
    if fmt != "csv":
        raise CatalogFormatError("file", "(format)", f"format must be csv or json, got {fmt!r}")
    size = max(stream.seek(0, 2), 1)
    stream.seek(0)
    kind, entries = _csv_entries(stream)
    if kind == "standards":
        standards = list(entries)
        if on_writing is not None:
            on_writing()
        _store_standards(session, standards, counts)
        return counts

    def reporting(rows: Iterable[tuple[str, dict]]) -> Iterator[tuple[str, dict]]:
        for n, row in enumerate(rows, start=1):
            if on_progress is not None and n % 10_000 == 0:
                on_progress(min(stream.tell() / size, 1.0))
            yield row

    _check_items(session, reporting(entries), _Objectives(session))
    if on_writing is not None:
        on_writing()
    stream.seek(0)
    _store_items(session, _csv_entries(stream)[1], counts)
    return counts


def import_catalog(session: Session, text: str, fmt: str) -> dict[str, int]:
    """Check and store a catalog file given as text (see :func:`import_catalog_file`)."""
    return import_catalog_file(session, io.BytesIO(text.encode("utf-8")), fmt)


def _standard_dicts(session: Session, framework: str | None = None) -> list[dict]:
    stmt = select(Standard)
    if framework:
        stmt = stmt.where(Standard.framework == framework)
    rows = session.exec(stmt.order_by(Standard.framework, Standard.code)).all()
    code_of = {r.id: r.code for r in rows}
    if any(r.parent_id is not None and r.parent_id not in code_of for r in rows):
        code_of.update(dict(session.exec(select(Standard.id, Standard.code)).all()))
    return [
        {
            "framework": r.framework,
            "code": r.code,
            "title": r.title,
            "level": r.level,
            "parent_code": code_of.get(r.parent_id) if r.parent_id else None,
            "description": r.description,
        }
        for r in sorted(rows, key=lambda r: (LEVELS.index(r.level), r.framework, r.code))
    ]


def _item_dicts(session: Session, status: str | None = None) -> list[dict]:
    stmt = select(Item, Standard.code).join(Standard, Standard.id == Item.objective_id, isouter=True)
    if status:
        stmt = stmt.where(Item.status == status)
    out = []
    for item, code in session.exec(stmt.order_by(Item.id)).all():
        out.append(
            {
                "id": item.id,
                "objective": code,
                "interaction": item.interaction,
                "stem": item.stem,
                "choices": list(item.choices or []),
                "key": canonical_key(item.interaction, item.key),
                "tolerance": item.tolerance,
                "rationale": item.rationale,
                "rubric": item.rubric,
                "dok": item.dok,
                "status": item.status,
            }
        )
    return out


def export_standards_csv(session: Session, framework: str | None = None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(safe_row(STANDARD_COLUMNS))
    for s in _standard_dicts(session, framework):
        writer.writerow(safe_row(s[k] for k in STANDARD_COLUMNS))
    return buf.getvalue()


def export_items_csv(session: Session, status: str | None = None) -> str:
    items = _item_dicts(session, status)
    choice_ids: list[str] = []
    for it in items:
        for c in it["choices"]:
            if c["id"] not in choice_ids:
                choice_ids.append(c["id"])
    columns = [*ITEM_COLUMNS, *(f"choice_{c}" for c in choice_ids), "rubric_0", "rubric_1", "rubric_2", "rubric_3"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(safe_row(columns))
    for it in items:
        key = it["key"]
        if isinstance(key, list):
            key = ";".join(key)
        row = {
            "id": it["id"],
            "objective": it["objective"] or "",
            "interaction": it["interaction"],
            "stem": it["stem"],
            "key": "" if key is None else key,
            "tolerance": it["tolerance"] or "",
            "rationale": it["rationale"],
            "dok": it["dok"],
            "status": it["status"],
        }
        for c in it["choices"]:
            row[f"choice_{c['id']}"] = c["text"]
        for level in it["rubric"] or []:
            row[f"rubric_{level['score']}"] = f"{level['label']}: {level['criteria']}"
        writer.writerow(safe_row(row.get(name) for name in columns))
    return buf.getvalue()


def export_json(session: Session, *, framework: str | None = None, status: str | None = None) -> str:
    """Standards and items as one JSON document (re-importable)."""
    return json.dumps(
        {"standards": _standard_dicts(session, framework), "items": _item_dicts(session, status)}, indent=1
    )
