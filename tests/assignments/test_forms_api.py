"""Forms through the API: assembled to a blueprint with parallel versions, picked by hand, locked once given."""

from __future__ import annotations

from sqlmodel import Session, select

from itembank.assessments import FormItem
from tests.assignments.helpers import API, assign, items_of, make_form


def test_a_form_assembled_to_a_blueprint_has_parallel_versions_that_meet_it(client, world, as_user):
    body = {
        "title": "CFA 1: proportional relationships",
        "purpose": "common_assessment",
        "standard": "7.RP.A",
        "blueprint": {
            "length": 4,
            "versions": 2,
            "standards": {"7.RP.A.2": [2, 2], "7.RP.A.3": [2, 2]},
            "dok": {"2": [1, 4]},
        },
    }
    r = client.post(f"{API}/forms", json=body, headers=as_user("teacher"))
    assert r.status_code == 201, r.text
    form = r.json()
    assert [v["label"] for v in form["versions"]] == ["A", "B"]
    a, b = ({i["item_id"] for i in v["items"]} for v in form["versions"])
    assert len(a) == len(b) == 4 and not a & b
    for version in form["versions"]:
        objectives = [i["objective"] for i in version["items"]]
        assert objectives.count("7.RP.A.2") == 2 and objectives.count("7.RP.A.3") == 2
        assert any(i["dok"] == 2 for i in version["items"])
        assert version["information_at_cut"] > 0
    assert form["blueprint_met"] == {"A": True, "B": True}
    assert {row["what"] for row in form["blueprint_rows"]} == {
        "length",
        "standard 7.RP.A.2",
        "standard 7.RP.A.3",
        "DOK 2",
    }
    assert form["owner_teacher_id"] == world.teacher1 and not form["locked"]
    # the same form read back
    again = client.get(f"{API}/forms/{form['id']}", headers=as_user("teacher")).json()
    assert again["versions"] == form["versions"]


def test_a_blueprint_the_bank_cannot_meet_is_a_422_naming_it(client, as_user):
    body = {
        "title": "Too long",
        "standard": "7.RP.A.2",
        "blueprint": {"length": 12, "versions": 2},
    }
    r = client.post(f"{API}/forms", json=body, headers=as_user("teacher"))
    assert r.status_code == 422
    assert "no form on 7.RP.A.2 meets the blueprint" in r.text and "the pool has 14" in r.text


def test_a_blueprint_standard_outside_the_form_standard_is_refused(client, as_user):
    body = {"title": "x", "standard": "7.RP.A", "blueprint": {"length": 2, "standards": {"7.EE.B.4": [1, 1]}}}
    r = client.post(f"{API}/forms", json=body, headers=as_user("teacher"))
    assert r.status_code == 422 and "7.EE.B.4 is not under 7.RP.A" in r.text


def test_a_form_picked_by_hand_reports_no_blueprint(client, world, as_user):
    form = make_form(client, world, as_user("teacher"))
    assert form["blueprint"] is None and form["blueprint_met"] is None
    assert [i["item_id"] for i in form["versions"][0]["items"]] == items_of(world, "7.RP.A.2", "sc", 3)


def test_a_form_naming_an_unknown_or_repeated_item_is_refused_and_nothing_saved(client, world, as_user, db_engine):
    sc = items_of(world, "7.RP.A.2", "sc", 2)
    for versions, message in (
        ({"A": [sc[0], "NOPE-1"]}, "no item with id NOPE-1"),
        ({"A": [sc[0], sc[0]]}, f"lists item {sc[0]} twice"),
    ):
        r = client.post(f"{API}/forms", json={"title": "x", "versions": versions}, headers=as_user("teacher"))
        assert r.status_code == 422 and message in r.text
    with Session(db_engine) as s:
        assert s.exec(select(FormItem)).all() == []


def test_a_form_is_editable_until_given_then_locked_and_revised_as_a_new_version(client, world, as_user, db_engine):
    h = as_user("teacher")
    form = make_form(client, world, h)
    sc = items_of(world, "7.RP.A.2", "sc", 8)
    r = client.patch(f"{API}/forms/{form['id']}", json={"versions": {"A": sc[:4]}}, headers=h)
    assert r.status_code == 200 and [i["item_id"] for i in r.json()["versions"][0]["items"]] == sc[:4]
    assign(client, h, form_id=form["id"], class_ids=[world.class1])
    assert client.get(f"{API}/forms/{form['id']}", headers=h).json()["locked"]
    r = client.patch(f"{API}/forms/{form['id']}", json={"versions": {"A": sc[4:]}, "title": "New"}, headers=h)
    assert r.status_code == 409
    assert "can no longer change" in r.json()["detail"] and "revisions" in r.json()["detail"]
    after = client.get(f"{API}/forms/{form['id']}", headers=h).json()
    assert [i["item_id"] for i in after["versions"][0]["items"]] == sc[:4] and after["title"] == "Quiz"
    r = client.post(f"{API}/forms/{form['id']}/revisions", json={"versions": {"A": sc[4:]}}, headers=h)
    assert r.status_code == 201
    new = r.json()
    assert new["id"] != form["id"] and new["previous_id"] == form["id"] and new["version"] == 2
    assert not new["locked"] and [i["item_id"] for i in new["versions"][0]["items"]] == sc[4:]


def test_a_team_form_is_shared_with_the_team_and_no_one_else(client, world, as_user, team):
    form = make_form(client, world, as_user("teacher"), team_id=team.id)
    assert form["team_id"] == team.id and form["owner_teacher_id"] is None
    assert client.get(f"{API}/forms/{form['id']}", headers=as_user("teacher2")).status_code == 200
    listed = client.get(f"{API}/forms", headers=as_user("teacher2")).json()["items"]
    assert [f["id"] for f in listed] == [form["id"]]
    own = make_form(client, world, as_user("teacher"))
    assert client.get(f"{API}/forms/{own['id']}", headers=as_user("teacher2")).status_code == 403
    assert client.get(f"{API}/forms/{own['id']}", headers=as_user("psychometrician")).status_code == 403
    assert client.get(f"{API}/forms/999999", headers=as_user("teacher")).status_code == 404


def test_a_teacher_cannot_make_a_form_for_a_team_they_are_not_in(client, world, as_user, team):
    sc = items_of(world, "7.RP.A.2", "sc", 2)
    body = {"title": "x", "versions": {"A": sc}, "team_id": team.id}
    assert client.post(f"{API}/forms", json=body, headers=as_user("admin")).status_code == 201
    assert client.post(f"{API}/forms", json={**body, "team_id": 999}, headers=as_user("teacher")).status_code == 403
