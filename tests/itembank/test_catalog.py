"""Catalog files: CSV and JSON round trips, all-or-nothing refusal."""

from __future__ import annotations

import io
import json

import pytest
from sqlmodel import Session, func, select

from itembank.catalog_io import (
    CatalogFormatError,
    export_items_csv,
    export_json,
    export_standards_csv,
    import_catalog,
    import_catalog_file,
    read_catalog,
)
from itembank.tables import Item


def test_json_round_trip_into_an_empty_bank(world, db_engine):
    with Session(world.engine) as s:
        doc = export_json(s)
        items_csv = export_items_csv(s)
        standards_csv = export_standards_csv(s)
    # empty the content and import it back
    from itembank.db import make_engine
    from itembank.migrate import upgrade

    fresh = make_engine("sqlite://")
    upgrade(fresh)
    with Session(fresh) as s:
        counts = import_catalog(s, doc, "json")
        s.commit()
        assert counts["standards_created"] == 7 and counts["items_created"] == len(json.loads(doc)["items"])
        assert export_items_csv(s) == items_csv
        assert export_standards_csv(s) == standards_csv


@pytest.mark.parametrize(
    "text,fmt,where,column",
    [
        ("code,title\nA,B\n", "csv", "line 1", "(header)"),
        ("framework,code,title,level\nG,C,T,grade\n", "csv", "line 2", "level"),
        ("framework,code,title,level\nG,C,,competency\n", "csv", "line 2", "title"),
        ('{"standards": {}}', "json", "standards", "(list)"),
        ('{"other": []}', "json", "line 1", "(top level)"),
        ("[1, 2]", "json", "line 1", "(top level)"),
        ("x", "xml", "file", "(format)"),
    ],
)
def test_read_catalog_errors(text, fmt, where, column):
    with pytest.raises(CatalogFormatError) as err:
        read_catalog(text, fmt)
    assert err.value.where == where and err.value.column == column


def test_a_late_bad_row_writes_nothing(world):
    text = (
        "id,objective,interaction,stem,key\n"
        + "".join(f"OK{n},7.RP.A.2,numeric_entry,What is {n} + 1?,{n + 1}\n" for n in range(20))
        + "BAD,7.RP.A.2,numeric_entry,Broken?,not-a-number\n"
    )
    with Session(world.engine) as s:
        before = s.exec(select(func.count()).select_from(Item)).one()
        with pytest.raises(CatalogFormatError) as err:
            import_catalog(s, text, "csv")
        s.rollback()
        assert err.value.where == "line 22" and err.value.column == "key"
        assert s.exec(select(func.count()).select_from(Item)).one() == before


@pytest.mark.parametrize(
    "last,where,column",
    [
        ("BAD,NO.SUCH,numeric_entry,Broken?,1", "line 202", "objective"),
        ("BAD,7.RP.A,numeric_entry,Broken?,1", "line 202", "objective"),
        ("7RPA2-sc0,7.RP.A.2,numeric_entry,Changed?,1", "line 202", "interaction"),
        ("BAD,7.RP.A.2,single_choice,Broken?,A", "line 202", "choices"),
    ],
)
def test_a_bad_last_row_is_refused_before_anything_is_written(world, last, where, column):
    """The whole file is checked first, against the bank too: a bad last row costs no write at all."""
    from sqlalchemy import event

    text = (
        "id,objective,interaction,stem,key\n"
        + "".join(f"OK{n},7.RP.A.2,numeric_entry,What is {n} + 1?,{n + 1}\n" for n in range(200))
        + last
        + "\n"
    )
    writes = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    event.listen(world.engine, "before_cursor_execute", count)
    try:
        with Session(world.engine) as s, pytest.raises(CatalogFormatError) as err:
            import_catalog_file(s, io.BytesIO(text.encode()), "csv")
    finally:
        event.remove(world.engine, "before_cursor_execute", count)
    assert (err.value.where, err.value.column) == (where, column)
    assert writes == []
