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
