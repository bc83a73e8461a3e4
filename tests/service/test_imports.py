"""Imports and exports through HTTP: round trips, and bad files that change nothing."""

from __future__ import annotations

import json
import tempfile

import pytest
from sqlmodel import Session, func, select

from itembank.tables import Calibration, Item, ItemParameter, Response, Standard, Student

P = "/api/v1"


def counts(world):
    with Session(world.engine) as s:
        return {
            t.__name__: s.exec(select(func.count()).select_from(t)).one()
            for t in (Standard, Item, Response, Student, Calibration, ItemParameter)
        }


def upload(client, url, name, text, headers):
    return client.post(url, files={"file": (name, text.encode("utf-8"))}, headers=headers)


def test_items_csv_round_trip(client, world, as_user):
    h = as_user("psychometrician")
    exported = client.get(f"{P}/items/export?format=csv", headers=h)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    before = counts(world)
    r = upload(client, f"{P}/items/import", "items.csv", exported.text, h)
    assert r.status_code == 200, r.text
    assert r.json()["items_updated"] == before["Item"] and r.json()["items_created"] == 0
    assert counts(world) == before
    again = client.get(f"{P}/items/export?format=csv", headers=h).text
    assert again == exported.text


def test_catalog_json_round_trip_into_new_items(client, world, as_user):
    h = as_user("admin")
    doc = client.get(f"{P}/items/export?format=json", headers=h).json()
    for it in doc["items"]:
        it["id"] = "copy-" + it["id"]
    r = upload(client, f"{P}/items/import", "items.json", json.dumps(doc), h)
    assert r.status_code == 200, r.text
    assert r.json()["items_created"] == len(doc["items"])
    copy = client.get(f"{P}/items/copy-7RPA2-ms0", headers=h).json()
    orig = client.get(f"{P}/items/7RPA2-ms0", headers=h).json()
    assert {k: v for k, v in copy.items() if k != "id"} == {k: v for k, v in orig.items() if k != "id"}


def test_standards_csv_import_any_order(client, world, as_user):
    h = as_user("admin")
    text = (
        "framework,code,title,level,parent_code,description\n"
        "G8,8.EE.A.1,Integer exponents,objective,8.EE.A,\n"
        "G8,8.EE,Expressions and equations,competency,,Grade 8\n"
        "G8,8.EE.A,Work with radicals and exponents,indicator,8.EE,\n"
    )
    r = upload(client, f"{P}/standards/import", "standards.csv", text, h)
    assert r.status_code == 200, r.text
    assert r.json()["standards_created"] == 3
    exported = client.get(f"{P}/standards/export?format=csv&framework=G8", headers=h).text
    assert exported.splitlines()[1:] == [
        "G8,8.EE,Expressions and equations,competency,,Grade 8",
        "G8,8.EE.A,Work with radicals and exponents,indicator,8.EE,",
        "G8,8.EE.A.1,Integer exponents,objective,8.EE.A,",
    ]


BAD_ITEM_FILES = [
    ("", "line 1"),
    ("id,objective,interaction,stem,key\nX1,7.RP.A.2,single_choice,Q?,A\n", "line 2, column choices"),
    (
        "id,objective,interaction,stem,key,choice_A,choice_B\nX1,7.RP.A.2,single_choice,Q?,A,1,2\nX2,9.ZZ,single_choice,Q?,A,1,2\n",
        "line 3, column objective",
    ),
    ("id,objective,interaction,stem,key,dok\nX1,7.RP.A.2,numeric_entry,Q?,abc,1\n", "line 2, column key"),
    ("id,objective,interaction,stem,key,dok\nX1,7.RP.A.2,numeric_entry,Q?,3,9\n", "line 2, column dok"),
    ("id,objective,interaction,stem,key,key\nX1,7.RP.A.2,numeric_entry,Q?,3,3\n", "line 1, column key"),
    (
        "id,objective,interaction,stem,key\nX1,7.RP.A.2,numeric_entry,Q?,3\nX1,7.RP.A.2,numeric_entry,Q?,4\n",
        "line 3, column id",
    ),
    ("id,objective,interaction,stem,key\nX1,7.RP.A.2,numeric_entry,Q?\n", "line 2"),
    ("id,objective,interaction,stem,key\n7RPA2-sc0,7.RP.A.2,numeric_entry,Q?,3\n", "line 2, column interaction"),
    (
        '{"items": [{"id": "X1", "objective": "7.RP.A.2", "interaction": "numeric_entry", "stem": "Q?", "key": 2}, {"id": "X2"}]}',
        "items[1], column objective",
    ),
    ('{"items": [', "invalid JSON"),
]


@pytest.mark.parametrize("text,where", BAD_ITEM_FILES)
def test_bad_item_file_changes_nothing(client, world, as_user, text, where):
    h = as_user("admin")
    before = counts(world)
    name = "items.json" if text.startswith("{") else "items.csv"
    r = upload(client, f"{P}/items/import", name, text, h)
    assert r.status_code == 422, r.text
    msg = r.json()["detail"][0]["msg"]
    assert where in msg, msg
    assert counts(world) == before
    assert client.get(f"{P}/items/X1", headers=h).status_code == 404


def test_bad_standards_file_changes_nothing(client, world, as_user):
    h = as_user("admin")
    before = counts(world)
    text = (
        "framework,code,title,level,parent_code,description\n"
        "G9,9.A,Algebra,competency,,\n"
        "G9,9.A.1,Linear functions,objective,9.A,\n"  # an objective directly under a competency
    )
    r = upload(client, f"{P}/standards/import", "s.csv", text, h)
    assert r.status_code == 422 and "line 3, column parent_code" in r.json()["detail"][0]["msg"]
    assert counts(world) == before


def test_responses_long_and_wide_import(client, world, as_user):
    h = as_user("psychometrician")
    before = counts(world)
    long_csv = "student_id,item_id,score\nS000,7RPA2-sc0,1\nS001,7RPA2-sc0,0\nNEWKID,7RPA2-cr0,3\n"
    r = upload(client, f"{P}/responses/import", "long.csv", long_csv, h)
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 3
    after = counts(world)
    assert after["Response"] == before["Response"] + 3 and after["Student"] == before["Student"] + 1
    # the same file again adds nothing
    assert upload(client, f"{P}/responses/import", "long.csv", long_csv, h).json()["added"] == 0
    wide = "student_id,7RPA2-sc1,7RPA2-sc2\nS002,1,\nS003,0,1\n"
    assert upload(client, f"{P}/responses/import", "wide.csv", wide, h).json()["added"] == 3
    assert counts(world)["Response"] == before["Response"] + 6


@pytest.mark.parametrize(
    "text,where",
    [
        ("student_id,item_id,score\nS000,NOPE,1\n", "NOPE"),
        (
            "student_id,item_id,score\nS000,7RPA2-sc0,1\nS001,7RPA2-sc0,2\n",
            "line 3, column score: score 2 is out of range",
        ),
        ("student_id,item_id,score\nS000,7RPA2-sc0,x\n", "line 2"),
        ("student_id,7RPA2-sc0,7RPA2-sc0\nS000,1,0\n", "line 1"),
        ("", ""),
    ],
)
def test_bad_responses_file_changes_nothing(client, world, as_user, text, where):
    h = as_user("admin")
    before = counts(world)
    r = upload(client, f"{P}/responses/import", "r.csv", text, h)
    assert r.status_code == 422, r.text
    assert where in r.json()["detail"][0]["msg"]
    assert counts(world) == before


def test_parameters_export_and_import(client, world, as_user):
    h = as_user("psychometrician")
    csv_text = client.get(f"{P}/calibrations/{world.calibration_id}/parameters.csv", headers=h).text
    assert csv_text.startswith("item_id,model,a,b")
    r = upload(client, f"{P}/calibrations/import", "params.csv", csv_text, h)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["status"] == "done" and new["n_items"] == sum(len(v) for v in world.items.values())
    old = {
        p["item_id"]: p
        for p in client.get(f"{P}/calibrations/{world.calibration_id}/parameters?limit=200", headers=h).json()
    }
    got = {p["item_id"]: p for p in client.get(f"{P}/calibrations/{new['id']}/parameters?limit=200", headers=h).json()}
    for iid, p in old.items():
        assert got[iid]["a"] == pytest.approx(p["a"], rel=1e-5)  # the CSV keeps 6 significant digits
        assert got[iid]["model"] == p["model"]


@pytest.mark.parametrize(
    "text",
    [
        "item_id,model,a,b,c,d\nNOPE,2pl,1,0,,\n",
        "item_id,model,a,b,c,d\n7RPA2-sc0,2pl,0,0,,\n",
        "item_id,model,a,b,c,d,b1,b2,b3\n7RPA2-sc0,grm,1,,,,-1,0,1\n",  # a dichotomous item given 4 categories
        "item_id,model,a,b\n7RPA2-sc0,2pl,one,0\n",
    ],
)
def test_bad_parameters_file_changes_nothing(client, world, as_user, text):
    h = as_user("admin")
    before = counts(world)
    r = upload(client, f"{P}/calibrations/import", "p.csv", text, h)
    assert r.status_code == 422, r.text
    assert counts(world) == before


@pytest.mark.parametrize(
    "text,message",
    [
        ("item_id,model,a,b\n7RPA2-sc0,2pl,one,0\n", "line 2, column a: 'one' is not a number"),
        ("item_id,model,a,b\n7RPA2-sc0,2pl,1,0\n7RPA2-sc1,2pl,\xff,0\n", "line 3: not UTF-8 text"),
    ],
)
def test_parameters_import_error_names_the_line_not_a_server_path(client, world, as_user, text, message):
    r = client.post(
        f"{P}/calibrations/import",
        files={"file": ("p.csv", text.encode("latin-1"))},
        headers=as_user("admin"),
    )
    assert r.status_code == 422, r.text
    msg = r.json()["detail"][0]["msg"]
    assert msg.startswith(message), msg
    assert tempfile.gettempdir() not in msg and "parameters.csv" not in msg
