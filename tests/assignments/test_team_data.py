"""The team's data view of a common assessment: two classes of two teachers, online and on paper."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session

from itembank.assessments import Assignment
from itembank.tables import Student
from tests.assignments.helpers import API, assign, keys, make_form


def _take_online(client, world, as_user, assignment_id, username, right):
    h = as_user(username)
    attempt = client.post(f"{API}/assignments/{assignment_id}/attempts", headers=h).json()
    ids = [q["item"]["id"] for q in attempt["questions"]]
    key = keys(world, ids)
    for n, item_id in enumerate(ids):
        answer = key[item_id] if n < right else next(c for c in "ABCD" if c != key[item_id])
        client.put(f"{API}/attempts/{attempt['id']}/answers/{item_id}", json={"answer": answer}, headers=h)
    assert client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h).status_code == 200


@pytest.fixture
def cfa(client, world, as_user, team):
    """A team CFA given to class 1 (online) and class 2 (on paper, entered by teacher 2)."""
    sc2 = [i for i in world.items["7.RP.A.2"] if "-sc" in i]
    sc3 = [i for i in world.items["7.RP.A.3"] if "-sc" in i]
    versions = {"A": sc2[:3] + sc3[:3]}
    form = make_form(
        client,
        world,
        as_user("teacher"),
        versions=versions,
        title="CFA 2",
        purpose="common_assessment",
        team_id=team.id,
    )
    a = assign(client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1, world.class2])
    with Session(world.engine) as s:
        s.get(Student, world.students1[0]).first_name = "=HYPERLINK(1)"
        s.commit()
    _take_online(client, world, as_user, a["id"], "student", right=6)
    key = keys(world, versions["A"])
    wrong = {i: next(c for c in "ABCD" if c != key[i]) for i in versions["A"]}
    rows = [
        {"student_id": sid, "answers": {i: (wrong[i] if n == 0 and i == sc2[0] else key[i]) for i in versions["A"]}}
        for n, sid in enumerate(world.students2)
    ]
    day = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    r = client.post(
        f"{API}/assignments/{a['id']}/results", json={"answered_on": day, "rows": rows}, headers=as_user("teacher2")
    )
    assert r.status_code == 201, r.text
    return team, form, a, versions


def test_the_team_sees_both_classes_and_each_teacher_only_their_students(client, world, as_user, cfa):
    team, form, _, _ = cfa
    view = client.get(f"{API}/teams/{team.id}/assessments/{form['id']}", headers=as_user("teacher")).json()
    assert view["standards"] == ["7.RP.A.2", "7.RP.A.3"]
    classes = {c["class_id"]: c for c in view["classes"]}
    assert set(classes) == {world.class1, world.class2}
    assert (classes[world.class1]["reached"], classes[world.class1]["taken"], classes[world.class1]["on_paper"]) == (
        5,
        1,
        0,
    )
    assert (classes[world.class2]["reached"], classes[world.class2]["taken"], classes[world.class2]["on_paper"]) == (
        3,
        3,
        3,
    )
    assert classes[world.class2]["teacher"] == "Bo Teacher"
    for c in view["classes"]:
        for s in c["standards"]:
            assert sum(b["students"] for b in s["bands"]) == s["n"] == c["taken"]
            assert 0 <= s["mean_p_mastery"] <= 1
    assert {t["teacher"] for t in view["teachers"]} == {"Ada Teacher", "Bo Teacher"}
    assert [s["student_id"] for s in view["students"]] == [world.students1[0]]
    other = client.get(f"{API}/teams/{team.id}/assessments/{form['id']}", headers=as_user("teacher2")).json()
    assert {s["student_id"] for s in other["students"]} == set(world.students2)
    assert other["classes"] == view["classes"]
    admin = client.get(f"{API}/teams/{team.id}/assessments/{form['id']}", headers=as_user("admin")).json()
    assert len(admin["students"]) == 4


def test_item_analysis_per_class_counts_choices_and_percent(client, world, as_user, cfa):
    team, form, _, versions = cfa
    view = client.get(f"{API}/teams/{team.id}/assessments/{form['id']}", headers=as_user("teacher")).json()
    first = next(i for i in view["items"] if i["item_id"] == versions["A"][0])
    by_class = {c["class_id"]: c for c in first["classes"]}
    assert by_class[world.class2]["n"] == 3 and by_class[world.class2]["percent"] == pytest.approx(200 / 3)
    assert sum(by_class[world.class2]["choices"].values()) == 3
    assert by_class[world.class2]["choices"][first["key"]] == 2
    assert by_class[world.class1]["percent"] == 100.0
    assert all(c["differs"] is False for i in view["items"] for c in i["classes"])  # too few students to tell


def test_growth_compares_the_same_students_previous_common_assessment(client, world, as_user, team, cfa):
    _, form, a, versions = cfa
    earlier = make_form(
        client,
        world,
        as_user("teacher"),
        versions={"A": versions["A"][:3]},
        title="CFA 1",
        purpose="common_assessment",
        team_id=team.id,
    )
    old = assign(client, as_user("teacher"), form_id=earlier["id"], class_ids=[world.class1])
    with Session(world.engine) as s:
        s.exec(
            update(Assignment).where(Assignment.id == old["id"]).values(opens_at=datetime.now(UTC) - timedelta(days=30))
        )
        s.exec(
            update(Assignment).where(Assignment.id == a["id"]).values(opens_at=datetime.now(UTC) - timedelta(days=2))
        )
        s.commit()
    _take_online(client, world, as_user, old["id"], "student", right=0)
    view = client.get(f"{API}/teams/{team.id}/assessments/{form['id']}", headers=as_user("teacher")).json()
    growth = [g for g in view["growth"] if g["class_id"] == world.class1]
    assert [g["standard"] for g in growth] == ["7.RP.A.2"]
    assert growth[0]["previous_form"] == "CFA 1" and growth[0]["n"] == 1
    assert growth[0]["before"] < growth[0]["now"]
    mine = view["students"][0]
    assert mine["previous_p_mastery"]["7.RP.A.2"] == pytest.approx(growth[0]["before"])
    assert mine["previous_p_mastery"]["7.RP.A.3"] is None


def test_the_csv_export_holds_the_figures_and_no_formula(client, world, as_user, cfa):
    team, form, _, _ = cfa
    r = client.get(f"{API}/teams/{team.id}/assessments/{form['id']}.csv", headers=as_user("teacher"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["section", "class", "teacher", "standard_or_item", "what", "value"]
    sections = {row[0] for row in rows[1:]}
    assert {
        "class bands",
        "class mean P(mastery)",
        "teacher bands",
        "item percent",
        "item choice",
        "student P(mastery)",
    } <= sections
    names = {row[2] for row in rows if row[0] == "student P(mastery)"}
    assert names == {"'=HYPERLINK(1) Last0"}
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_team_data_is_for_the_team(client, world, as_user, cfa):
    team, form, _, _ = cfa
    url = f"{API}/teams/{team.id}/assessments/{form['id']}"
    assert client.get(url, headers=as_user("psychometrician")).status_code == 403
    assert client.get(url, headers=as_user("student")).status_code == 403
    assert client.get(f"{API}/teams/{team.id}/assessments/999999", headers=as_user("teacher")).status_code == 404
    assert client.get(f"{API}/teams/999999/assessments/{form['id']}", headers=as_user("admin")).status_code == 404
    unused = make_form(client, world, as_user("teacher"), team_id=team.id)
    r = client.get(f"{API}/teams/{team.id}/assessments/{unused['id']}", headers=as_user("teacher"))
    assert r.status_code == 404 and "was not given" in r.json()["detail"]


def test_admins_make_teams_of_a_schools_teachers(client, world, as_user, team):
    body = {"school_id": team.school_id, "name": "Grade 7 Science", "teacher_ids": [world.teacher2]}
    assert client.post(f"{API}/teams", json=body, headers=as_user("teacher")).status_code == 403
    r = client.post(f"{API}/teams", json=body, headers=as_user("admin"))
    assert r.status_code == 201 and r.json()["teacher_ids"] == [world.teacher2]
    assert r.json()["class_ids"] == [world.class2]
    again = client.post(f"{API}/teams", json=body, headers=as_user("admin"))
    assert again.status_code == 422 and "already has a team named" in again.text
    mine = client.get(f"{API}/teams", headers=as_user("teacher")).json()
    assert [t["name"] for t in mine] == ["Grade 7 Math"]
