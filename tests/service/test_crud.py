"""Create, read, list with paging, update, retire; 422s with field messages."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

P = "/api/v1"


def test_standard_lifecycle(client, world, as_user):
    h = as_user("psychometrician")
    r = client.post(
        f"{P}/standards",
        json={
            "framework": "G7",
            "code": "7.RP.A.1",
            "title": "Unit rates",
            "level": "objective",
            "parent_code": "7.RP.A",
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["parent_id"] == world.standards["7.RP.A"] and made["parent_code"] == "7.RP.A"
    got = client.get(f"{P}/standards/{made['id']}", headers=h).json()
    assert got == made
    upd = client.patch(f"{P}/standards/{made['id']}", json={"title": "Compute unit rates"}, headers=h).json()
    assert upd["title"] == "Compute unit rates" and upd["code"] == "7.RP.A.1"
    assert client.post(f"{P}/standards/{made['id']}/retire", headers=h).json()["retired"] is True
    codes = {s["code"] for s in client.get(f"{P}/standards?limit=200", headers=h).json()["items"]}
    assert "7.RP.A.1" not in codes
    codes = {s["code"] for s in client.get(f"{P}/standards?limit=200&include_retired=true", headers=h).json()["items"]}
    assert "7.RP.A.1" in codes


def test_standards_paging_and_filters(client, world, as_user):
    h = as_user("teacher")
    first = client.get(f"{P}/standards?limit=3&offset=0", headers=h).json()
    second = client.get(f"{P}/standards?limit=3&offset=3", headers=h).json()
    assert first["total"] == second["total"] == 7
    assert len(first["items"]) == 3 and len(second["items"]) == 3
    assert not {s["id"] for s in first["items"]} & {s["id"] for s in second["items"]}
    objectives = client.get(f"{P}/standards?level=objective", headers=h).json()
    assert objectives["total"] == 3 and all(s["level"] == "objective" for s in objectives["items"])
    kids = client.get(f"{P}/standards?parent_id={world.standards['7.RP.A']}", headers=h).json()
    assert {s["code"] for s in kids["items"]} == {"7.RP.A.2", "7.RP.A.3"}


@pytest.mark.parametrize(
    "body,field",
    [
        ({"framework": "G7", "code": "7.Q", "title": "x", "level": "chapter"}, "level"),
        ({"framework": "G7", "code": "", "title": "x", "level": "competency"}, "code"),
        ({"framework": "G7", "code": "7.Q", "level": "competency"}, "title"),
        ({"framework": "G7", "code": "7.Q", "title": "x", "level": "competency", "colour": "red"}, "colour"),
        (
            {"framework": "G7", "code": "7.Q.1", "title": "x", "level": "objective", "parent_code": "7.RP"},
            "parent_code",
        ),
        ({"framework": "G7", "code": "7.Q.1", "title": "x", "level": "indicator"}, "parent_code"),
        ({"framework": "G7", "code": "7.RP", "title": "dup", "level": "competency"}, "code"),
    ],
)
def test_standard_422_names_the_field(client, world, as_user, body, field):
    r = client.post(f"{P}/standards", json=body, headers=as_user("admin"))
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert any(d["loc"][-1] == field for d in detail), detail
    assert all(d["msg"] for d in detail)


def test_item_lifecycle_and_versions(client, world, as_user):
    h = as_user("psychometrician")
    body = {
        "id": "NEW-1",
        "stem": "Which fraction equals 0.5?",
        "interaction": "single_choice",
        "choices": [{"id": "A", "text": "1/2"}, {"id": "B", "text": "1/3"}],
        "key": "A",
        "rationale": "1 divided by 2 is 0.5.",
        "objective": "7.RP.A.2",
        "dok": 1,
    }
    r = client.post(f"{P}/items", json=body, headers=h)
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["version"] == 1 and item["status"] == "draft" and item["objective"] == "7.RP.A.2"
    same = client.patch(f"{P}/items/NEW-1", json={"dok": 2}, headers=h).json()
    assert same["version"] == 1 and same["dok"] == 2
    edited = client.patch(f"{P}/items/NEW-1", json={"stem": "Which fraction equals one half?"}, headers=h).json()
    assert edited["version"] == 2
    assert client.post(f"{P}/items/NEW-1/retire", headers=h).json()["status"] == "retired"
    listed = client.get(f"{P}/items?status=retired", headers=h).json()
    assert [i["id"] for i in listed["items"]] == ["NEW-1"]


def test_items_list_by_standard_and_paging(client, world, as_user):
    h = as_user("teacher")
    under = client.get(f"{P}/items?standard=7.RP.A&limit=200", headers=h).json()
    assert under["total"] == len(world.items["7.RP.A.2"]) + len(world.items["7.RP.A.3"])
    page = client.get(f"{P}/items?standard=7.RP.A&limit=5&offset=5", headers=h).json()
    assert [i["id"] for i in page["items"]] == [i["id"] for i in under["items"][5:10]]
    assert client.get(f"{P}/items?limit=0", headers=h).status_code == 422
    assert client.get(f"{P}/items?limit=100000", headers=h).status_code == 422
    assert client.get(f"{P}/items?offset=-1", headers=h).status_code == 422


@pytest.mark.parametrize(
    "patch,field",
    [
        (
            {
                "interaction": "single_choice",
                "choices": [{"id": "A", "text": "1"}, {"id": "B", "text": "2"}],
                "key": "C",
            },
            "key",
        ),
        ({"interaction": "single_choice", "choices": [{"id": "A", "text": "1"}], "key": "A"}, "choices"),
        (
            {
                "interaction": "multiple_select",
                "choices": [{"id": "A", "text": "1"}, {"id": "B", "text": "2"}],
                "key": "A",
            },
            "key",
        ),
        ({"interaction": "numeric_entry", "key": "seven"}, "key"),
        ({"interaction": "constructed_response", "rubric": [{"score": 0, "label": "x", "criteria": "y"}]}, "rubric"),
        ({"interaction": "drag_drop", "key": 1}, "interaction"),
        ({"interaction": "numeric_entry", "key": 1, "dok": 5}, "dok"),
        ({"interaction": "numeric_entry", "key": 1, "objective": "7.RP.A"}, "objective"),
        ({"interaction": "numeric_entry", "key": 1, "status": "live"}, "status"),
        ({"interaction": "numeric_entry", "key": 1, "id": "has space"}, "id"),
    ],
)
def test_item_422_names_the_field(client, world, as_user, patch, field):
    body = {"stem": "Question?", "objective": "7.RP.A.2", **patch}
    r = client.post(f"{P}/items", json=body, headers=as_user("admin"))
    assert r.status_code == 422, r.text
    assert any(d["loc"][-1] == field for d in r.json()["detail"]), r.json()


def test_people_and_classes(client, world, as_user):
    h = as_user("admin")
    t = client.post(f"{P}/teachers", json={"name": "Cy Teacher"}, headers=h).json()
    c = client.post(f"{P}/classes", json={"name": "7C", "teacher_id": t["id"], "grade": 7}, headers=h)
    assert c.status_code == 201
    c = c.json()
    s = client.post(
        f"{P}/students", json={"external_id": "NEW9", "first_name": "Nia", "last_name": "Okafor"}, headers=h
    ).json()
    roster = client.post(f"{P}/classes/{c['id']}/students", json={"student_id": s["id"]}, headers=h).json()
    assert [x["id"] for x in roster] == [s["id"]]
    assert client.get(f"{P}/classes/{c['id']}", headers=h).json()["n_students"] == 1
    u = client.post(
        f"{P}/users",
        json={"username": "cy", "password": "a good long pw", "role": "teacher", "teacher_id": t["id"]},
        headers=h,
    )
    assert u.status_code == 201
    login = client.post(f"{P}/auth/token", data={"username": "cy", "password": "a good long pw"}).json()["access_token"]
    mine = client.get(f"{P}/classes", headers={"Authorization": f"Bearer {login}"}).json()
    assert [x["id"] for x in mine["items"]] == [c["id"]]
    assert client.delete(f"{P}/classes/{c['id']}/students/{s['id']}", headers=h).status_code == 204
    assert client.delete(f"{P}/classes/{c['id']}/students/{s['id']}", headers=h).status_code == 404
    assert client.patch(f"{P}/students/{s['id']}", json={"grade": 8}, headers=h).json()["grade"] == 8
    assert client.post(f"{P}/students/{s['id']}/retire", headers=h).json()["retired"] is True


@pytest.mark.parametrize(
    "body,field",
    [
        ({"username": "x", "password": "short", "role": "admin"}, "password"),
        ({"username": "x y", "password": "long enough pw", "role": "admin"}, "username"),
        ({"username": "x", "password": "long enough pw", "role": "king"}, "role"),
        ({"username": "x", "password": "long enough pw", "role": "student"}, "student_id"),
        ({"username": "x", "password": "long enough pw", "role": "teacher"}, "teacher_id"),
        ({"username": "admin", "password": "long enough pw", "role": "admin"}, "username"),
    ],
)
def test_user_422(client, world, as_user, body, field):
    r = client.post(f"{P}/users", json=body, headers=as_user("admin"))
    assert r.status_code == 422
    assert any(d["loc"][-1] == field for d in r.json()["detail"]), r.json()


def test_duplicate_student_and_unknown_teacher(client, world, as_user):
    h = as_user("admin")
    r = client.post(f"{P}/students", json={"external_id": "S000"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "external_id"
    assert client.post(f"{P}/classes", json={"name": "7Q", "teacher_id": 99999}, headers=h).status_code == 404


def test_openapi_docs(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/checks",
        "/api/v1/checks/{check_id}/responses",
        "/api/v1/students/{student_id}/mastery",
        "/api/v1/classes/{class_id}/mastery",
        "/api/v1/classes/{class_id}/morning-work",
        "/api/v1/calibrations",
        "/api/v1/calibrations/{calibration_id}",
    ):
        assert path in paths


def _timestamps(doc, found):
    """Every value of a ``*_at`` or ``last_assessed`` key anywhere in a JSON document."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if (key.endswith("_at") or key == "last_assessed") and value is not None:
                found.append((key, value))
            _timestamps(value, found)
    elif isinstance(doc, list):
        for value in doc:
            _timestamps(value, found)
    return found


def test_every_timestamp_carries_its_utc_offset(client, world, as_user):
    """SQLite hands back naive datetimes: the API must still say they are UTC (RFC 3339 date-time)."""
    h = as_user("admin")
    started = client.post(f"{P}/checks", json={"student_id": world.students1[0], "standard": "7.RP.A.2"}, headers=h)
    assert started.status_code == 201, started.text
    check_id = started.json()["check_id"]
    item = started.json()["item"]
    answer = item["choices"][0]["id"] if item["choices"] else 1
    answered = client.post(
        f"{P}/checks/{check_id}/responses", json={"item_id": item["id"], "answer": answer}, headers=h
    )
    assert answered.status_code == 200, answered.text
    docs = [
        client.get(f"{P}/calibrations/{world.calibration_id}", headers=h).json(),
        client.get(f"{P}/calibrations", headers=h).json(),
        client.get(f"{P}/checks/{check_id}", headers=h).json(),
        client.get(f"{P}/responses?student_id={world.students1[0]}", headers=h).json(),
        client.get(f"{P}/students/{world.students1[0]}/mastery", headers=h).json(),
        client.get(f"{P}/classes/{world.class1}/mastery", headers=h).json(),
    ]
    found = _timestamps(docs, [])
    assert {key for key, _ in found} >= {"created_at", "started_at", "answered_at", "recorded_at", "last_assessed"}
    for key, value in found:
        assert datetime.fromisoformat(value).utcoffset() == timedelta(0), (key, value)


def test_openapi_documents_error_codes_and_csv(client):
    """Clients rely on the OpenAPI: every error a route answers is listed with its body, CSV routes declare CSV."""
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    answer = paths["/api/v1/checks/{check_id}/responses"]["post"]["responses"]
    assert set(answer) >= {"200", "400", "401", "403", "404", "409", "422"}
    assert answer["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorMessage")
    assert answer["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ValidationErrors")
    csv_only = paths["/api/v1/calibrations/{calibration_id}/parameters.csv"]["get"]["responses"]
    assert set(csv_only["200"]["content"]) == {"text/csv"}
    assert set(csv_only["404"]["content"]) == {"application/json"}
    for export in ("/api/v1/items/export", "/api/v1/standards/export"):
        assert "text/csv" in paths[export]["get"]["responses"]["200"]["content"]
    report = paths["/api/v1/calibrations/{calibration_id}/report"]["get"]["responses"]
    assert set(report["200"]["content"]) == {"text/html"} and set(report["409"]["content"]) == {"application/json"}
