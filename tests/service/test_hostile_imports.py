"""Hostile files for the responses import: a 4xx naming the problem, nothing written, no file outside.

The client's file name is never a path: names that climb out of a folder,
absolute names, ``..``, names with a folder and over-long names are
imported like any other, and no file appears where they point.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from itembank.tables import Response, Student

P = "/api/v1"
GOOD = "student_id,item_id,score\nS000,7RPA2-sc0,1\nS001,7RPA2-sc0,0\n"


def stored(world) -> tuple[int, int]:
    with Session(world.engine) as s:
        return (
            s.exec(select(func.count()).select_from(Response)).one(),
            s.exec(select(func.count()).select_from(Student)).one(),
        )


def _climbing_name() -> tuple[str, Path]:
    name = f"masterycat-probe-{uuid.uuid4().hex}.csv"
    return f"../{name}", Path(tempfile.gettempdir()) / name


def _absolute_name(tmp_path: Path) -> tuple[str, Path]:
    target = tmp_path / f"absolute-{uuid.uuid4().hex}.csv"
    return str(target), target


@pytest.mark.parametrize("kind", ["climbing", "absolute", "dotdot", "folder", "long"])
def test_client_file_name_is_never_a_path(client, world, as_user, tmp_path, kind):
    target = None
    if kind == "climbing":
        name, target = _climbing_name()
    elif kind == "absolute":
        name, target = _absolute_name(tmp_path)
    else:
        name = {"dotdot": "..", "folder": "a/b.csv", "long": "r" * 300 + ".csv"}[kind]
    before = stored(world)
    r = client.post(f"{P}/responses/import", files={"file": (name, GOOD.encode())}, headers=as_user("psychometrician"))
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 2
    assert stored(world)[0] == before[0] + 2
    if target is not None:
        assert not target.exists(), f"the import wrote {target}"


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
LONG_HEADER = b"student_id,item_id,score\n"
HOSTILE = {
    "binary": (PNG, "line 1: not UTF-8 text"),
    "latin-1 name": (LONG_HEADER + b"S000,7RPA2-sc0,1\nS\xe9b,7RPA2-sc0,1\n", "line 3: not UTF-8 text"),
    "NUL in a student id": (LONG_HEADER + b"S000,7RPA2-sc0,1\nS\x00X,7RPA2-sc0,1\n", "line 3, column student_id"),
    "NUL in an item id": (LONG_HEADER + b"S000,7RPA2-sc0\x00,1\n", "line 2, column item_id: unknown item"),
    "NUL in the header": (b"student_id,7RPA2-sc0\x00\nS000,1\n", "line 1, column 2: unknown item"),
    "student id of 65 characters": (LONG_HEADER + b"S" * 65 + b",7RPA2-sc0,1\n", "line 2, column student_id"),
    "student id of 1000 characters": (LONG_HEADER + b"S" * 1000 + b",7RPA2-sc0,1\n", "at most 64 characters"),
    "tab in a student id": (LONG_HEADER + b"S0\t1,7RPA2-sc0,1\n", "control character U+0009"),
    "item id of 1000 characters": (LONG_HEADER + b"S000," + b"I" * 1000 + b",1\n", "line 2, column item_id"),
    "score too large for a float": (LONG_HEADER + b"S000,7RPA2-sc0," + b"9" * 400 + b"\n", "line 2, column score"),
    "score nan": (LONG_HEADER + b"S000,7RPA2-sc0,nan\n", "line 2, column score"),
    "score negative": (LONG_HEADER + b"S000,7RPA2-sc0,-1\n", "line 2, column score"),
    "score out of range": (LONG_HEADER + b"S000,7RPA2-sc0,1\nS001,7RPA2-sc0,2\n", "line 3, column score"),
    "answered twice": (LONG_HEADER + b"S000,7RPA2-sc0,1\nS001,7RPA2-sc1,0\nS000,7RPA2-sc0,0\n", "line 4: student"),
    "student twice in a wide file": (b"student_id,7RPA2-sc0\nS000,1\nS001,0\nS000,1\n", "line 4: student 'S000'"),
    "ragged row": (LONG_HEADER + b"S000,7RPA2-sc0,1\nS001,7RPA2-sc0\n", "line 3: 2 cells"),
    "mixed line ends, unknown item": (LONG_HEADER + b"S000,7RPA2-sc0,1\r\nS001,NOPE,1\rS002,7RPA2-sc0,1\n", "line 3"),
    "header only": (LONG_HEADER, "no responses after the header"),
    "empty": (b"", "the file is empty"),
    "wrong first column": (b"learner,7RPA2-sc0\nS000,1\n", "line 1, column 1"),
    "unexpected column": (b"student_id,item_id,score,comment\nS000,7RPA2-sc0,1,hi\n", "line 1, column 4"),
    "bad line at the end": (
        LONG_HEADER + b"".join(b"K%05d,7RPA2-sc0,1\n" % n for n in range(5000)) + b"K9,7RPA2-sc0,7\n",
        "line 5002, column score",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_responses_file_is_refused_whole(client, world, as_user, case):
    data, message = HOSTILE[case]
    before = stored(world)
    r = client.post(f"{P}/responses/import", files={"file": ("r.csv", data)}, headers=as_user("admin"))
    assert r.status_code == 422, r.text
    msg = r.json()["detail"][0]["msg"]
    assert msg.startswith(message) if message.startswith("line") else message in msg, msg
    assert len(msg) < 300
    assert stored(world) == before


def test_mixed_line_ends_and_a_byte_order_mark_are_read(client, world, as_user):
    data = (
        b"\xef\xbb\xbf"
        + LONG_HEADER.replace(b"\n", b"\r\n")
        + b"S000,7RPA2-sc0,1\r\nS001,7RPA2-sc0,0\rS002,7RPA2-sc0,1\n"
    )
    r = client.post(f"{P}/responses/import", files={"file": ("r.csv", data)}, headers=as_user("admin"))
    assert r.status_code == 200, r.text
    assert r.json() == {"added": 3, "students": 3, "items": 1, "students_created": 0}


def test_oversize_upload_is_413_and_writes_nothing(client, world, as_user, monkeypatch):
    from service.routers import files

    monkeypatch.setattr(files, "MAX_UPLOAD", 1000)
    before = stored(world)
    data = LONG_HEADER + b"".join(b"S%03d,7RPA2-sc0,1\n" % n for n in range(200))
    r = client.post(f"{P}/responses/import", files={"file": ("r.csv", data)}, headers=as_user("admin"))
    assert r.status_code == 413, r.text
    assert "at most" in r.json()["detail"]
    assert stored(world) == before
