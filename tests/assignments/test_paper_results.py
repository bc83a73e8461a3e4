"""Paper results: the grid as JSON or a CSV upload, all or nothing, reaching mastery like online answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from itembank.assessments import Attempt
from itembank.tables import Mastery, Response
from tests.assignments.helpers import API, assign, keys, make_form


def _paper_form(client, world, headers):
    rp = world.items["7.RP.A.2"]
    sc = [i for i in rp if "-sc" in i]
    versions = {"A": [sc[0], sc[1], "7RPA2-ms0", "7RPA2-ne0", "7RPA2-cr0"], "B": [sc[2], sc[3], "7RPA2-ms1"]}
    form = make_form(client, world, headers, versions=versions, title="CFA on paper", purpose="common_assessment")
    return form, versions


def _responses(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Response)).one()


@pytest.fixture
def paper(client, world, as_user):
    h = as_user("teacher")
    form, versions = _paper_form(client, world, h)
    a = assign(client, h, form_id=form["id"], class_ids=[world.class1])
    return a, versions, keys(world, versions["A"] + versions["B"])


def _csv(versions, key, day_rows):
    header = "student_id,version," + ",".join(versions["A"] + versions["B"])
    return header + "\n" + "\n".join(day_rows) + "\n"


def test_json_results_are_scored_with_the_keys_dated_and_reach_mastery(client, world, as_user, paper, db_engine):
    a, versions, key = paper
    sc0, sc1, ms0, ne0, cr0 = versions["A"]
    wrong = next(c for c in "ABCD" if c != key[sc1])
    day = (datetime.now(UTC) - timedelta(days=14)).date()
    body = {
        "answered_on": day.isoformat(),
        "rows": [
            {
                "student_id": world.students1[0],
                "answers": {sc0: key[sc0], sc1: wrong.lower(), ms0: "a;c", ne0: str(key[ne0]), cr0: 2},
            },
            {"student_id": world.students1[1], "version": "B", "answers": {versions["B"][0]: key[versions["B"][0]]}},
        ],
    }
    r = client.post(f"{API}/assignments/{a['id']}/results", json=body, headers=as_user("teacher"))
    assert r.status_code == 201, r.text
    assert r.json() == {"students": 2, "attempts_created": 2, "answers_written": 6, "corrections": 0}
    with Session(db_engine) as s:
        rows = {x.item_id: x for x in s.exec(select(Response).where(Response.student_id == world.students1[0])).all()}
        assert rows[sc0].correct and not rows[sc1].correct and rows[ms0].answer == ["A", "C"] and rows[ms0].correct
        assert rows[cr0].score == 2 and rows[cr0].source == "paper"
        assert {x.answered_at.date() for x in rows.values()} == {day}
        mastery = s.get(Mastery, (world.students1[0], world.standards["7.RP.A.2"]))
        assert mastery is not None and mastery.last_assessed.date() == day and mastery.n_evidence == 5
    progress = client.get(f"{API}/assignments/{a['id']}/progress", headers=as_user("teacher")).json()
    first = next(r for r in progress["rows"] if r["student_id"] == world.students1[0])
    assert (
        first["status"] == "submitted" and first["mode"] == "paper" and first["points"] == 3 + 2
    )  # three right, level 2
    # the same entry again writes nothing; a changed cell is a correction that supersedes its row
    again = client.post(f"{API}/assignments/{a['id']}/results", json=body, headers=as_user("teacher")).json()
    assert again == {"students": 2, "attempts_created": 0, "answers_written": 0, "corrections": 0}
    body["rows"][0]["answers"][sc1] = key[sc1]
    fixed = client.post(f"{API}/assignments/{a['id']}/results", json=body, headers=as_user("teacher")).json()
    assert fixed["corrections"] == 1 and fixed["answers_written"] == 0
    progress = client.get(f"{API}/assignments/{a['id']}/progress", headers=as_user("teacher")).json()
    assert next(r for r in progress["rows"] if r["student_id"] == world.students1[0])["points"] == 4 + 2


def test_paper_and_online_answers_reach_the_same_mastery(client, world, as_user, paper, db_engine):
    """The same answers on paper (student 1) and online (student 0) give the same estimate."""
    a, versions, key = paper
    answers = {versions["A"][0]: key[versions["A"][0]], versions["A"][1]: "D" if key[versions["A"][1]] != "D" else "C"}
    h = as_user("student")
    attempt = client.post(f"{API}/assignments/{a['id']}/attempts", headers=h).json()
    for item_id, value in answers.items():
        client.put(f"{API}/attempts/{attempt['id']}/answers/{item_id}", json={"answer": value}, headers=h)
    client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h)
    body = {"answered_on": date.today().isoformat(), "rows": [{"student_id": world.students1[1], "answers": answers}]}
    assert client.post(f"{API}/assignments/{a['id']}/results", json=body, headers=as_user("teacher")).status_code == 201
    with Session(db_engine) as s:
        online = s.get(Mastery, (world.students1[0], world.standards["7.RP.A.2"]))
        paper_row = s.get(Mastery, (world.students1[1], world.standards["7.RP.A.2"]))
        assert (paper_row.theta, paper_row.se, paper_row.band) == pytest.approx((online.theta, online.se, online.band))


def test_a_csv_upload_is_read_like_the_grid(client, world, as_user, paper, db_engine):
    a, versions, key = paper
    sc0 = versions["A"][0]
    cells = [key[sc0]] + [""] * 7
    csv = _csv(versions, key, ["S000,A," + ",".join(cells), "S001,,," + ",".join([""] * 6)])
    r = client.post(
        f"{API}/assignments/{a['id']}/results",
        files={"file": ("results.csv", csv, "text/csv")},
        data={"answered_on": date.today().isoformat()},
        headers=as_user("teacher"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["students"] == 2 and r.json()["answers_written"] == 1


@pytest.mark.parametrize(
    "row,message",
    [
        ("S999,A,B", "line 3, column 1: no student S999"),
        ("S001,A,E", "line 3, column 3 ({sc0}): item {sc0} has no choice 'E'"),
        ("S001,A,,,,,7", "line 3, column 7 ({cr0}): a rubric level of item {cr0} is a whole number 0..3, got '7'"),
        ("S001,A,,,,,,B", "line 3, column 8 ({b0}): item {b0} is not on version A"),
        ("S001,C,B", "line 3, column 1: version 'C' is not a version of the form"),
        ("S001,A,,,,twelve", "line 3, column 6 ({ne0}): could not read 'twelve' as a number"),
        ("S000,A,B", "line 3, column 1: student S000 is entered twice"),
    ],
)
def test_a_bad_cell_is_named_by_line_and_column_and_nothing_is_written(
    client, world, as_user, paper, db_engine, row, message
):
    a, versions, key = paper
    sc0, _, _, ne0, cr0 = versions["A"]
    good = "S000,A," + key[sc0]
    csv = _csv(versions, key, [good, row])
    r = client.post(
        f"{API}/assignments/{a['id']}/results",
        files={"file": ("results.csv", csv, "text/csv")},
        data={"answered_on": date.today().isoformat()},
        headers=as_user("teacher"),
    )
    assert r.status_code == 422, r.text
    expected = message.format(sc0=sc0, cr0=cr0, ne0=ne0, b0=versions["B"][0])
    assert expected in r.json()["detail"][0]["msg"]
    assert _responses(db_engine) == 0
    with Session(db_engine) as s:
        assert s.exec(select(func.count()).select_from(Attempt)).one() == 0


def test_a_csv_naming_an_unknown_item_column_is_refused(client, world, as_user, paper, db_engine):
    a, _, _ = paper
    r = client.post(
        f"{API}/assignments/{a['id']}/results",
        files={"file": ("r.csv", "student_id,version,NOPE\nS000,A,B\n", "text/csv")},
        data={"answered_on": date.today().isoformat()},
        headers=as_user("teacher"),
    )
    assert r.status_code == 422 and "line 2, column 3 (NOPE): NOPE is not an item of this form" in r.text
    assert _responses(db_engine) == 0


@pytest.mark.parametrize(
    "body,message",
    [
        ({"answered_on": "2999-01-01", "rows": [{"student_id": 1, "answers": {}}]}, "in the future"),
        ({"answered_on": "not a day", "rows": [{"student_id": 1, "answers": {}}]}, "date"),
        ({"answered_on": "2026-01-01", "rows": []}, "at least 1"),
    ],
)
def test_bad_json_results_are_422(client, world, as_user, paper, body, message):
    a, _, _ = paper
    r = client.post(f"{API}/assignments/{a['id']}/results", json=body, headers=as_user("teacher"))
    assert r.status_code == 422 and message in r.text


def test_results_for_another_teachers_student_or_in_progress_online_are_refused(client, world, as_user, team):
    h = as_user("teacher")
    form, versions = _paper_form(client, world, h)
    a = assign(client, h, form_id=form["id"], class_ids=[world.class1, world.class2])
    day = date.today().isoformat()
    other = {"answered_on": day, "rows": [{"student_id": world.students2[0], "answers": {}}]}
    r = client.post(f"{API}/assignments/{a['id']}/results", json=other, headers=h)
    assert r.status_code == 422 and "is not one of your students" in r.text
    client.post(f"{API}/assignments/{a['id']}/attempts", headers=as_user("student"))
    busy = {"answered_on": day, "rows": [{"student_id": world.students1[0], "answers": {}}]}
    r = client.post(f"{API}/assignments/{a['id']}/results", json=busy, headers=h)
    assert r.status_code == 409 and "online attempt in progress" in r.text


def test_results_need_json_or_a_multipart_upload(client, world, as_user, paper):
    a, _, _ = paper
    r = client.post(
        f"{API}/assignments/{a['id']}/results",
        content=b"x",
        headers={**as_user("teacher"), "content-type": "text/plain"},
    )
    assert r.status_code == 422 and "send the results as JSON" in r.text
