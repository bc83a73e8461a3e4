"""Assignments and attempts through the API: windows, feedback policies, retakes, resume, progress, to-do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, func, select

from itembank.assessments import Attempt, AttemptAnswer
from itembank.tables import Mastery, Response
from tests.assignments.helpers import API, assign, items_of, keys, make_form


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _start(client, headers, assignment_id) -> dict:
    r = client.post(f"{API}/assignments/{assignment_id}/attempts", headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _answer_all(client, world, headers, attempt, right=True):
    ids = [q["item"]["id"] for q in attempt["questions"]]
    key = keys(world, ids)
    for item_id in ids:
        answer = key[item_id] if right else next(c for c in "ABCD" if c != key[item_id])
        r = client.put(f"{API}/attempts/{attempt['id']}/answers/{item_id}", json={"answer": answer}, headers=headers)
        assert r.status_code == 200, r.text


def _count(engine, table) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(table)).one()


@pytest.mark.parametrize(
    "body,field,message",
    [
        ({"kind": "check", "standard": "7.RP.A.2", "feedback": "on_submit"}, "feedback", "its feedback is 'instant'"),
        ({"kind": "form", "feedback": "on_submit"}, "form_id", "needs form_id"),
        ({"kind": "morning_work", "feedback": "instant"}, "standard", "needs a standard"),
        (
            {
                "kind": "check",
                "standard": "7.RP.A.2",
                "feedback": "instant",
                "due_at": "2026-01-01T00:00:00Z",
                "opens_at": "2026-02-01T00:00:00Z",
            },
            "due_at",
            "due_at must not be before opens_at",
        ),
    ],
)
def test_bad_assignments_are_422_naming_the_field_and_nothing_is_written(client, world, as_user, body, field, message):
    full = {"retakes": {"max": 0, "wait_days": 0}, "class_ids": [world.class1], **body}
    r = client.post(f"{API}/assignments", json=full, headers=as_user("teacher"))
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"][-1] == field and message in detail["msg"]
    assert client.get(f"{API}/assignments", headers=as_user("teacher")).json()["total"] == 0


def test_a_teacher_gives_only_to_their_classes_and_their_teams(client, world, as_user, team):
    form = make_form(client, world, as_user("teacher"), team_id=team.id)
    # teacher 1 is in a team with teacher 2: class 2 is a team class
    both = assign(client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1, world.class2])
    assert both["n_students"] == 8 and both["class_ids"] == [world.class1, world.class2]


def test_a_teacher_outside_the_team_cannot_give_to_its_classes(client, world, as_user):
    form = make_form(client, world, as_user("teacher"))
    r = client.post(
        f"{API}/assignments",
        json={
            "kind": "form",
            "form_id": form["id"],
            "class_ids": [world.class2],
            "feedback": "on_submit",
            "retakes": {"max": 0},
        },
        headers=as_user("teacher"),
    )
    assert r.status_code == 403 and "not one of your classes" in r.json()["detail"]


def test_form_attempt_resumes_hides_keys_until_submit_then_reaches_mastery(client, world, as_user, db_engine):
    form = make_form(client, world, as_user("teacher"))
    a = assign(client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1])
    h = as_user("student")
    attempt = _start(client, h, a["id"])
    assert attempt["n_questions"] == 3 and attempt["version"] == "A" and attempt["status"] == "in_progress"
    assert all(q["key"] is None and q["rationale"] is None for q in attempt["questions"])
    # a second start resumes the same attempt: never a second copy
    again = client.post(f"{API}/assignments/{a['id']}/attempts", headers=h)
    assert again.status_code == 200 and again.json()["id"] == attempt["id"]
    _answer_all(client, world, h, attempt)
    # an answer can change before submit
    first = attempt["questions"][0]["item"]["id"]
    wrong = next(c for c in "ABCD" if c != keys(world, [first])[first])
    client.put(f"{API}/attempts/{attempt['id']}/answers/{first}", json={"answer": wrong}, headers=h)
    seen = client.get(f"{API}/attempts/{attempt['id']}", headers=h).json()
    assert seen["n_answered"] == 3 and seen["questions"][0]["answer"] == wrong
    assert not seen["feedback_released"] and all(q["key"] is None for q in seen["questions"])
    assert _count(db_engine, Response) == 0  # nothing scored before submit
    r = client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h)
    assert r.status_code == 200
    done = r.json()
    assert done["status"] == "submitted" and done["feedback_released"]
    assert [q["correct"] for q in done["questions"]] == [False, True, True]
    assert done["questions"][0]["key"] == keys(world, [first])[first] and done["questions"][0]["rationale"]
    # the answers reached the student's mastery on the objective
    with Session(db_engine) as s:
        row = s.get(Mastery, (world.students1[0], world.standards["7.RP.A.2"]))
        assert row is not None and row.n_evidence == 3
    progress = client.get(f"{API}/assignments/{a['id']}/progress", headers=as_user("teacher")).json()
    mine = next(r for r in progress["rows"] if r["student_id"] == world.students1[0])
    assert mine["status"] == "submitted" and mine["points"] == 2 and mine["max_points"] == 3
    assert mine["band"] in ("red", "yellow", "green") and 0 <= mine["p_mastery"] <= 1
    assert progress["counts"] == {"not_started": 4, "in_progress": 0, "submitted": 1, "waiting_for_scoring": 0}
    # submitting again changes nothing
    assert (
        client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h).json()["submitted_at"] == done["submitted_at"]
    )
    assert _count(db_engine, Response) == 3


def test_on_close_feedback_is_withheld_until_the_assignment_closes_for_everyone(client, world, as_user):
    form = make_form(client, world, as_user("teacher"))
    a = assign(client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1], feedback="on_close")
    h = as_user("student")
    attempt = _start(client, h, a["id"])
    _answer_all(client, world, h, attempt)
    done = client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h).json()
    assert not done["feedback_released"] and all(q["key"] is None and q["correct"] is None for q in done["questions"])
    todo = client.get(f"{API}/students/{world.students1[0]}/assignments", headers=h).json()
    assert todo[0]["status"] == "submitted" and not todo[0]["review_ready"]
    # a student's own later closing time keeps the key held for everyone
    later = _iso(datetime.now(UTC) + timedelta(days=2))
    client.post(f"{API}/assignments/{a['id']}/close", headers=as_user("teacher"))
    client.post(
        f"{API}/assignments/{a['id']}/students/{world.students1[1]}/reopen",
        json={"closes_at": later},
        headers=as_user("teacher"),
    )
    assert not client.get(f"{API}/attempts/{attempt['id']}", headers=h).json()["feedback_released"]
    client.post(f"{API}/assignments/{a['id']}/close", headers=as_user("teacher"))
    released = client.get(f"{API}/attempts/{attempt['id']}", headers=h).json()
    assert released["feedback_released"] and all(q["key"] is not None for q in released["questions"])


def test_an_answer_after_close_is_a_409_and_nothing_is_written(client, world, as_user, db_engine):
    form = make_form(client, world, as_user("teacher"))
    a = assign(client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1])
    h = as_user("student")
    attempt = _start(client, h, a["id"])
    item = attempt["questions"][0]["item"]["id"]
    client.put(f"{API}/attempts/{attempt['id']}/answers/{item}", json={"answer": "B"}, headers=h)
    client.post(f"{API}/assignments/{a['id']}/close", headers=as_user("teacher"))
    r = client.put(f"{API}/attempts/{attempt['id']}/answers/{item}", json={"answer": "C"}, headers=h)
    assert r.status_code == 409 and "closed on" in r.json()["detail"]
    r = client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h)
    assert r.status_code == 409
    with Session(db_engine) as s:
        assert s.get(AttemptAnswer, (attempt["id"], item)).answer == "B"
    assert _count(db_engine, Response) == 0
    # reopened for this student, they can finish
    until = _iso(datetime.now(UTC) + timedelta(hours=2))
    client.post(
        f"{API}/assignments/{a['id']}/students/{world.students1[0]}/reopen",
        json={"closes_at": until},
        headers=as_user("teacher"),
    )
    assert client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h).status_code == 200


def test_late_work_is_refused_when_not_allowed_and_marked_when_allowed(client, world, as_user):
    form = make_form(client, world, as_user("teacher"))
    past = datetime.now(UTC) - timedelta(hours=1)
    opens = _iso(past - timedelta(days=1))
    strict = assign(
        client,
        as_user("teacher"),
        form_id=form["id"],
        class_ids=[world.class1],
        opens_at=opens,
        due_at=_iso(past),
        late_allowed=False,
    )
    r = client.post(f"{API}/assignments/{strict['id']}/attempts", headers=as_user("student"))
    assert r.status_code == 409 and "late work is not accepted" in r.json()["detail"]
    lenient = assign(
        client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1], opens_at=opens, due_at=_iso(past)
    )
    attempt = _start(client, as_user("student"), lenient["id"])
    done = client.post(f"{API}/attempts/{attempt['id']}/submit", headers=as_user("student")).json()
    assert done["late"]


def test_an_assignment_not_yet_open_cannot_be_started(client, world, as_user):
    form = make_form(client, world, as_user("teacher"))
    a = assign(
        client,
        as_user("teacher"),
        form_id=form["id"],
        class_ids=[world.class1],
        opens_at=_iso(datetime.now(UTC) + timedelta(days=1)),
    )
    r = client.post(f"{API}/assignments/{a['id']}/attempts", headers=as_user("student"))
    assert r.status_code == 409 and "opens on" in r.json()["detail"]


def test_a_retake_before_its_wait_is_refused_then_given_on_the_parallel_version(client, world, as_user, db_engine):
    form = make_form(client, world, as_user("teacher"))
    a = assign(
        client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1], retakes={"max": 1, "wait_days": 2}
    )
    h = as_user("student")
    first = _start(client, h, a["id"])
    _answer_all(client, world, h, first, right=False)
    client.post(f"{API}/attempts/{first['id']}/submit", headers=h)
    r = client.post(f"{API}/assignments/{a['id']}/attempts", headers=h)
    assert r.status_code == 409 and "opens on" in r.json()["detail"] and "2 day(s)" in r.json()["detail"]
    with Session(db_engine) as s:
        assert s.exec(select(func.count()).select_from(Attempt)).one() == 1
        s.exec(
            update(Attempt).where(Attempt.id == first["id"]).values(submitted_at=datetime.now(UTC) - timedelta(days=3))
        )
        s.commit()
    second = _start(client, h, a["id"])
    assert second["number"] == 2 and second["version"] == "B"
    _answer_all(client, world, h, second)
    client.post(f"{API}/attempts/{second['id']}/submit", headers=h)
    with Session(db_engine) as s:
        s.exec(
            update(Attempt).where(Attempt.id == second["id"]).values(submitted_at=datetime.now(UTC) - timedelta(days=3))
        )
        s.commit()
    r = client.post(f"{API}/assignments/{a['id']}/attempts", headers=h)
    assert r.status_code == 409 and "allows 1 retake(s)" in r.json()["detail"]


def test_a_teacher_offers_not_yet_students_a_retake_in_one_click(client, world, as_user):
    form = make_form(client, world, as_user("teacher"))
    a = assign(client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1])
    h = as_user("student")
    first = _start(client, h, a["id"])
    _answer_all(client, world, h, first, right=False)
    client.post(f"{API}/attempts/{first['id']}/submit", headers=h)
    assert client.post(f"{API}/assignments/{a['id']}/attempts", headers=h).status_code == 409  # no retakes
    row = next(
        r
        for r in client.get(f"{API}/assignments/{a['id']}/progress", headers=as_user("teacher")).json()["rows"]
        if r["student_id"] == world.students1[0]
    )
    assert row["band"] == "red" and row["not_yet"]
    r = client.post(f"{API}/assignments/{a['id']}/retakes", json={"not_yet": True}, headers=as_user("teacher"))
    assert r.status_code == 200 and r.json()["student_ids"] == [world.students1[0]]
    retake = _start(client, h, a["id"])
    assert retake["number"] == 2 and retake["version"] == "B"


def test_another_teachers_student_cannot_be_offered_or_reopened(client, world, as_user, team):
    form = make_form(client, world, as_user("teacher"), team_id=team.id)
    a = assign(client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1, world.class2])
    r = client.post(
        f"{API}/assignments/{a['id']}/retakes", json={"student_ids": [world.students2[0]]}, headers=as_user("teacher")
    )
    assert r.status_code == 403
    # teacher 2 sees only their own students' rows, and cannot close teacher 1's assignment
    rows = client.get(f"{API}/assignments/{a['id']}/progress", headers=as_user("teacher2")).json()["rows"]
    assert {r["student_id"] for r in rows} == set(world.students2)
    assert client.post(f"{API}/assignments/{a['id']}/close", headers=as_user("teacher2")).status_code == 403


def test_instant_feedback_scores_each_answer_which_then_cannot_change(client, world, as_user):
    form = make_form(client, world, as_user("teacher"))
    a = assign(client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1], feedback="instant")
    h = as_user("student")
    attempt = _start(client, h, a["id"])
    item = attempt["questions"][0]["item"]["id"]
    key = keys(world, [item])[item]
    r = client.put(f"{API}/attempts/{attempt['id']}/answers/{item}", json={"answer": key}, headers=h)
    assert r.status_code == 200 and r.json()["feedback"]["correct"] and r.json()["feedback"]["key"] == key
    again = client.put(f"{API}/attempts/{attempt['id']}/answers/{item}", json={"answer": key}, headers=h)
    assert again.status_code == 200
    other = next(c for c in "ABCD" if c != key)
    r = client.put(f"{API}/attempts/{attempt['id']}/answers/{item}", json={"answer": other}, headers=h)
    assert r.status_code == 409 and "key shown" in r.json()["detail"]


def test_an_answer_to_an_item_off_the_version_or_malformed_is_422(client, world, as_user):
    form = make_form(client, world, as_user("teacher"))
    a = assign(client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1])
    h = as_user("student")
    attempt = _start(client, h, a["id"])
    off = items_of(world, "7.RP.A.2", "sc", 6)[5]  # on version B
    r = client.put(f"{API}/attempts/{attempt['id']}/answers/{off}", json={"answer": "A"}, headers=h)
    assert r.status_code == 422 and "not a question of this attempt" in r.text
    item = attempt["questions"][0]["item"]["id"]
    r = client.put(f"{API}/attempts/{attempt['id']}/answers/{item}", json={"answer": "Z"}, headers=h)
    assert r.status_code == 422 and "no choice 'Z'" in r.text


def test_an_adaptive_check_assignment_is_answered_through_its_check_and_closes(client, world, as_user):
    a = assign(
        client, as_user("teacher"), kind="check", standard="7.RP.A.2", feedback="instant", class_ids=[world.class1]
    )
    h = as_user("student")
    attempt = _start(client, h, a["id"])
    assert attempt["check_id"] is not None and attempt["questions"] == []
    check = client.get(f"{API}/checks/{attempt['check_id']}", headers=h).json()
    item = check["current_item"]["id"]
    r = client.post(
        f"{API}/checks/{attempt['check_id']}/responses",
        json={"item_id": item, "answer": keys(world, [item])[item]},
        headers=h,
    )
    assert r.status_code == 200
    row = next(
        r
        for r in client.get(f"{API}/assignments/{a['id']}/progress", headers=as_user("teacher")).json()["rows"]
        if r["student_id"] == world.students1[0]
    )
    assert row["status"] == "in_progress"
    client.post(f"{API}/assignments/{a['id']}/close", headers=as_user("teacher"))
    nxt = r.json()["next_item"]["id"]
    r = client.post(
        f"{API}/checks/{attempt['check_id']}/responses",
        json={"item_id": nxt, "answer": keys(world, [nxt])[nxt]},
        headers=h,
    )
    assert r.status_code == 409 and "closed on" in r.json()["detail"]


def test_morning_work_gives_each_student_their_tiers_items(client, world, as_user):
    a = assign(
        client,
        as_user("teacher"),
        kind="morning_work",
        standard="7.RP.A.2",
        feedback="instant",
        class_ids=[world.class1],
        items_per_tier=2,
    )
    form = client.get(f"{API}/forms/{a['form_id']}", headers=as_user("teacher")).json()
    labels = {v["label"] for v in form["versions"]}
    assert labels <= {"red", "yellow", "green"} and labels
    attempt = _start(client, as_user("student"), a["id"])
    assert attempt["version"] in labels and attempt["n_questions"] == 2


def test_the_to_do_list_puts_work_to_do_first_and_resumes(client, world, as_user):
    form = make_form(client, world, as_user("teacher"))
    h = as_user("student")
    done = assign(client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1], title="Done one")
    attempt = _start(client, h, done["id"])
    client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h)
    soon = assign(
        client,
        as_user("teacher"),
        form_id=form["id"],
        class_ids=[world.class1],
        title="Due soon",
        due_at=_iso(datetime.now(UTC) + timedelta(days=1)),
    )
    later = assign(
        client,
        as_user("teacher"),
        form_id=form["id"],
        class_ids=[world.class1],
        title="Due later",
        due_at=_iso(datetime.now(UTC) + timedelta(days=5)),
    )
    started = _start(client, h, later["id"])
    todo = client.get(f"{API}/students/{world.students1[0]}/assignments", headers=h).json()
    assert [t["title"] for t in todo] == ["Due soon", "Due later", "Done one"]
    assert [t["to_do"] for t in todo] == [True, True, False]
    assert todo[1]["status"] == "in_progress" and todo[1]["attempt_id"] == started["id"]
    assert todo[2]["review_ready"] and todo[2]["status"] == "submitted"
    assert soon["id"] == todo[0]["assignment_id"]
    # another student's list is not theirs to read
    assert client.get(f"{API}/students/{world.students1[1]}/assignments", headers=h).status_code == 403


def test_students_see_only_their_own_assignments_and_attempts(client, world, as_user):
    form = make_form(client, world, as_user("teacher"))
    a = assign(client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1])
    attempt = _start(client, as_user("student"), a["id"])
    assert client.get(f"{API}/attempts/{attempt['id']}", headers=as_user("student2")).status_code == 403
    assert client.post(f"{API}/assignments/{a['id']}/attempts", headers=as_user("student2")).status_code == 403
    assert client.get(f"{API}/attempts/{attempt['id']}", headers=as_user("teacher")).status_code == 200
    assert client.get(f"{API}/attempts/{attempt['id']}", headers=as_user("teacher2")).status_code == 403


def test_free_practice_off_stops_a_students_own_checks_but_not_assigned_ones(client, world, as_user):
    h = as_user("student")
    r = client.put(f"{API}/classes/{world.class1}/practice", json={"free_practice": False}, headers=as_user("teacher"))
    assert r.status_code == 200 and r.json() == {"free_practice": False}
    r = client.post(f"{API}/checks", json={"student_id": world.students1[0], "standard": "7.RP.A.2"}, headers=h)
    assert r.status_code == 403 and "practice" in r.json()["detail"]
    a = assign(
        client, as_user("teacher"), kind="check", standard="7.RP.A.2", feedback="instant", class_ids=[world.class1]
    )
    assert _start(client, h, a["id"])["check_id"] is not None
    client.put(f"{API}/classes/{world.class1}/practice", json={"free_practice": True}, headers=as_user("teacher"))
    r = client.post(f"{API}/checks", json={"student_id": world.students1[0], "standard": "7.RP.A.3"}, headers=h)
    assert r.status_code == 201


def test_a_written_answer_waits_for_its_rubric_score_then_shows_its_level_and_note(client, world, as_user):
    cr = "7RPA2-cr0"
    form = make_form(client, world, as_user("teacher"), versions={"A": [items_of(world, "7.RP.A.2", "sc", 1)[0], cr]})
    a = assign(client, as_user("teacher"), form_id=form["id"], class_ids=[world.class1])
    h = as_user("student")
    attempt = _start(client, h, a["id"])
    r = client.put(
        f"{API}/attempts/{attempt['id']}/answers/{cr}", json={"answer": "Divide the cost by the count."}, headers=h
    )
    assert r.status_code == 200
    done = client.post(f"{API}/attempts/{attempt['id']}/submit", headers=h).json()
    written = next(q for q in done["questions"] if q["item"]["id"] == cr)
    assert written["waiting_for_scoring"] and written["rubric_level"] is None
    row = next(
        r
        for r in client.get(f"{API}/assignments/{a['id']}/progress", headers=as_user("teacher")).json()["rows"]
        if r["student_id"] == world.students1[0]
    )
    assert row["status"] == "waiting_for_scoring"
    queue = client.get(f"{API}/responses?awaiting_score=true&item_id={cr}", headers=as_user("teacher")).json()["items"]
    r = client.post(
        f"{API}/responses/{queue[0]['id']}/score", json={"score": 2, "note": "Clear steps."}, headers=as_user("teacher")
    )
    assert r.status_code == 201
    scored = next(
        q for q in client.get(f"{API}/attempts/{attempt['id']}", headers=h).json()["questions"] if q["item"]["id"] == cr
    )
    assert not scored["waiting_for_scoring"] and scored["score"] == 2
    assert scored["rubric_level"] == "Meets" and scored["note"] == "Clear steps."
    row = next(
        r
        for r in client.get(f"{API}/assignments/{a['id']}/progress", headers=as_user("teacher")).json()["rows"]
        if r["student_id"] == world.students1[0]
    )
    assert row["status"] == "submitted" and row["points"] == 2


def test_an_adaptive_retake_of_a_form_is_a_check_on_its_standard(client, world, as_user):
    form = make_form(client, world, as_user("teacher"))
    a = assign(
        client,
        as_user("teacher"),
        form_id=form["id"],
        class_ids=[world.class1],
        retakes={"max": 1, "wait_days": 0, "mode": "adaptive"},
    )
    h = as_user("student")
    first = _start(client, h, a["id"])
    client.post(f"{API}/attempts/{first['id']}/submit", headers=h)
    retake = _start(client, h, a["id"])
    assert retake["number"] == 2 and retake["check_id"] is not None and retake["version"] is None
    check = client.get(f"{API}/checks/{retake['check_id']}", headers=h).json()
    assert check["standard"] == "7.RP.A.2" and check["status"] == "active"
