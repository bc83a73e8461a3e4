"""``POST /api/v1/imports/{format}``, the history and applying a dry run, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from itembank.tables import Student
from service.app import create_app
from tests.interop.rosters import district, zipped
from tests.service.conftest import make_settings

P = "/api/v1"


def _students(world) -> int:
    with Session(world.engine) as s:
        return len(s.exec(select(Student).where(Student.sourced_id.is_not(None))).all())


def _post(client, headers, data: bytes, *, dry_run: bool = False, name: str = "roster.zip", fmt: str = "oneroster"):
    return client.post(
        f"{P}/imports/{fmt}",
        files={"file": (name, data, "application/zip")},
        data={"dry_run": "true" if dry_run else "false"},
        headers=headers,
    )


def test_a_dry_run_then_apply_through_the_api(client, as_user, world):
    admin = as_user("admin")
    dry = _post(client, admin, zipped(district()), dry_run=True)
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert (body["dry_run"], body["changed"], body["counts"]["student"]["created"]) == (True, True, 6)
    assert _students(world) == 0
    run = client.get(f"{P}/imports/runs/{body['run_id']}", headers=admin).json()
    assert (run["status"], run["can_apply"], run["source_name"]) == ("dry_run", True, "roster.zip")
    applied = client.post(f"{P}/imports/runs/{body['run_id']}/apply", headers=admin)
    assert applied.status_code == 200, applied.text
    assert applied.json()["counts"] == body["counts"]
    assert _students(world) == 6
    run = client.get(f"{P}/imports/runs/{body['run_id']}", headers=admin).json()
    assert (run["status"], run["can_apply"], run["applied_by"]) == ("applied", False, world.users["admin"].user_id)
    again = client.post(f"{P}/imports/runs/{body['run_id']}/apply", headers=admin)
    assert again.status_code == 409
    assert again.json()["detail"] == f"import {body['run_id']} is applied; only a dry run kept by the service applies"
    # an applied import at once, of the same roster: nothing changes
    twice = _post(client, admin, zipped(district()))
    assert twice.status_code == 200 and twice.json()["changed"] is False


def test_a_refused_roster_is_a_422_naming_the_place_and_writes_nothing(client, as_user, world):
    files = district()
    files["users.csv"] = files["users.csv"].replace("givenName", "givenNmae", 1)
    response = _post(client, as_user("admin"), zipped(files))
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "file"],
            "msg": "users.csv, line 1, column givenNmae: unknown column 'givenNmae' (did you mean givenName?)",
            "type": "value_error",
        }
    ]
    assert _students(world) == 0
    (run,) = client.get(f"{P}/imports/runs", headers=as_user("admin")).json()["items"]
    assert (run["status"], run["error"][:9], run["report"]) == ("refused", "users.csv", None)


@pytest.mark.parametrize(
    "data,message",
    [
        (b"sourcedId,name\n", "roster.zip: is not a zip archive (or a damaged one)"),
        (zipped({"../manifest.csv": "x"}), "roster.zip: the member '../manifest.csv' names a path outside the package"),
        (zipped({"users.csv": "0" * 40_000_000}), None),
    ],
    ids=["not-a-zip", "path-leaves-the-package", "zip-bomb"],
)
def test_hostile_uploads_are_refused(client, as_user, world, data, message):
    response = _post(client, as_user("admin"), data)
    assert response.status_code == 422
    msg = response.json()["detail"][0]["msg"]
    if message is None:
        assert msg.startswith("roster.zip: expands to more than") and msg.endswith("refused as a zip bomb")
    else:
        assert msg == message
    assert _students(world) == 0


@pytest.mark.parametrize(
    "name,shown",
    [
        ("../../etc/passwd.zip", "passwd.zip"),
        ("C:\\x\\r.zip", "r.zip"),
        ("a" * 300 + ".zip", "a" * 200),
        ("/", "upload"),
    ],
    ids=["climbing", "windows", "long", "empty"],
)
def test_the_client_file_name_is_only_shown(client, as_user, world, name, shown):
    response = _post(client, as_user("admin"), zipped(district()), name=name, dry_run=True)
    assert response.status_code == 200
    run = client.get(f"{P}/imports/runs/{response.json()['run_id']}", headers=as_user("admin")).json()
    assert run["source_name"] == shown


def test_an_upload_over_the_configured_size_is_a_413(world, as_user):
    app = create_app(make_settings(import_max_mb=0.001), engine=world.engine)
    with TestClient(app) as client:
        response = _post(client, as_user("admin"), zipped(district()))
    assert response.status_code == 413
    assert response.json()["detail"] == "the file is larger than 1 KB, the most an import takes"


@pytest.mark.parametrize("role,status", [("psychometrician", 403), ("teacher", 403), ("student", 403)])
def test_rosters_are_for_admins(client, as_user, world, role, status):
    response = _post(client, as_user(role), zipped(district()))
    assert response.status_code == status
    assert _students(world) == 0


def test_the_history_is_not_for_teachers(client, as_user):
    assert client.get(f"{P}/imports/runs", headers=as_user("teacher")).status_code == 403
    assert client.get(f"{P}/imports/runs/1", headers=as_user("admin")).status_code == 404


def test_an_unknown_format_is_a_422(client, as_user):
    response = _post(client, as_user("admin"), zipped(district()), fmt="csv")
    assert response.status_code == 422


def test_case_through_the_api_by_a_psychometrician(client, as_user, world):
    from tests.interop.case_files import as_bytes, framework

    psychometrician = as_user("psychometrician")
    response = client.post(
        f"{P}/imports/case",
        files={"file": ("state.json", as_bytes(framework()), "application/json")},
        data={"framework": "TSM", "levels": "Domain, Cluster, Standard"},
        headers=psychometrician,
    )
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["standard"]["created"] == 8
    download = client.get(f"{P}/exports/case", params={"framework": "TSM"}, headers=as_user("teacher"))
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="TSM-case.json"'
    assert len(download.json()["CFItems"]) == 11
    missing = client.get(f"{P}/exports/case", params={"framework": "none"}, headers=psychometrician)
    assert (missing.status_code, missing.json()["detail"]) == (404, "no standards in framework none")


@pytest.mark.parametrize(
    "fmt,data,message",
    [
        ("oneroster", {"framework": "X"}, "a oneroster import takes no framework"),
        ("case", {"levels": "A,B"}, "levels should name three CFItemTypes separated by commas, got 'A,B'"),
        ("case", {"levels": "A,B,C", "objective_depth": "4"}, "give levels or objective depth, not both"),
    ],
    ids=["option-of-another-format", "two-levels", "both"],
)
def test_bad_options_are_a_422(client, as_user, fmt, data, message):
    response = client.post(
        f"{P}/imports/{fmt}", files={"file": ("f", b"{}", "application/json")}, data=data, headers=as_user("admin")
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == message


def test_qti_through_the_api(client, as_user, world):
    from tests.interop import qti_files as q

    psychometrician = as_user("psychometrician")
    response = client.post(
        f"{P}/imports/qti",
        files={
            "file": ("items.zip", q.zipped({"a.xml": q.choice(), "b.xml": q.match()}), "application/zip"),
            "standard_map": ("map.csv", b"item_identifier,standard_code\nmatch1,7.EE.B.4\n", "text/csv"),
        },
        data={"standard": "7.RP.A.2"},
        headers=psychometrician,
    )
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["item"]["created"] == 2
    item = client.get(f"{P}/items/match1", headers=psychometrician).json()
    assert (item["interaction"], item["objective"], item["targets"][0]) == (
        "match",
        "7.EE.B.4",
        {"id": "one_two", "text": "1:2"},
    )
    download = client.get(f"{P}/exports/qti", params={"standard": "7.EE.B.4"}, headers=psychometrician)
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert "items/match1/match1.xml" in names and "imsmanifest.xml" in names
    assert client.get(f"{P}/exports/qti", headers=as_user("teacher")).status_code == 403
    missing = client.get(f"{P}/exports/qti", params={"standard": "NOPE"}, headers=psychometrician)
    assert missing.status_code == 404
