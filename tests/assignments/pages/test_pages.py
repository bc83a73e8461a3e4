"""The assignment pages through the page client (forms carry their CSRF token, as a browser's do)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from itembank.district import School
from itembank.teams import create_team


@pytest.fixture
def team_id(world):
    with Session(world.engine, expire_on_commit=False) as s:
        school = School(name="Pages Middle School")
        s.add(school)
        s.flush()
        team = create_team(s, school_id=school.id, name="Grade 7 Math", teacher_ids=[world.teacher1, world.teacher2])
        s.commit()
        return team.id


def _new_form(teacher, team_id, purpose="common_assessment") -> int:
    r = teacher.post(
        "/teacher/forms",
        data={
            "title": "CFA 1",
            "purpose": purpose,
            "standard": "7.RP.A",
            "team_id": str(team_id),
            "length": "4",
            "versions": "2",
            "dok2": "1",
            "dok3": "0",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def _assign(teacher, form_id, class_ids, feedback="on_submit", retakes="0", wait="0") -> int:
    r = teacher.post(
        f"/teacher/forms/{form_id}/assign",
        data={
            "class_ids": [str(c) for c in class_ids],
            "feedback": feedback,
            "retakes": retakes,
            "wait_days": wait,
            "late_allowed": "true",
            "retake_mode": "parallel",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def test_a_teacher_builds_a_form_to_a_blueprint_and_prints_it(world, login, team_id):
    teacher = login("teacher")
    form_id = _new_form(teacher, team_id)
    page = teacher.get(f"/teacher/forms/{form_id}").text
    assert "Version A: <strong>meets the blueprint</strong>" in page and "Version B" in page
    printed = teacher.get(f"/teacher/forms/{form_id}/print").text
    assert printed.count('class="sheet answer-sheet"') == 2 and "Teacher key" in printed
    assert "Name: ____" in printed


def test_assigning_shows_progress_and_a_student_takes_it_question_by_question(world, login, team_id):
    teacher = login("teacher")
    form_id = _new_form(teacher, team_id)
    assignment_id = _assign(teacher, form_id, [world.class1])
    page = teacher.get(f"/teacher/assignments/{assignment_id}").text
    assert page.count("not started</td>") == 5 and 'src="/static/assignments.js"' in page
    assert "<script>" not in page  # the strict CSP: no inline script
    data = teacher.get(f"/teacher/assignments/{assignment_id}/progress.json").json()
    assert data["counts"]["not_started"] == 5

    student = login("student")
    home = student.get("/student").text
    assert home.index(">To do<") < home.index("<h2>My dots</h2>") and "CFA 1" in home
    r = student.post(f"/student/assignments/{assignment_id}/start", follow_redirects=False)
    attempt_url = r.headers["location"]
    assert re.fullmatch(r"/student/attempts/\d+", attempt_url)
    first = student.get(attempt_url).text
    assert "question 1 of 4" in first
    item_id = re.search(r'name="item_id" value="([^"]+)"', first).group(1)
    attempt_id = int(attempt_url.rsplit("/", 1)[1])
    r = student.post(
        f"{attempt_url}/answer",
        data={"q": "1", "item_id": item_id, "interaction": "single_choice", "answer": "B", "go": "2"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/student/attempts/{attempt_id}?q=2"
    assert "question 2 of 4" in student.get(r.headers["location"]).text
    back = student.get(f"{attempt_url}?q=1").text
    assert 'value="B" checked' in back
    # starting again resumes: never a second copy
    again = student.post(f"/student/assignments/{assignment_id}/start", follow_redirects=False)
    assert again.headers["location"] == attempt_url
    handin = student.get(f"{attempt_url}?q=5").text
    assert "Hand it in?" in handin and "You have not answered questions" in handin
    student.post(f"{attempt_url}/submit", follow_redirects=False)
    review = student.get(attempt_url).text
    assert "Look again at the ones you missed" in review or "every question right" in review
    assert "The correct answer" in review
    rows = teacher.get(f"/teacher/assignments/{assignment_id}/progress.json").json()["rows"]
    assert sum(r["status"] == "submitted" for r in rows) == 1


def test_on_close_the_review_holds_the_key_until_it_closes(world, login, team_id):
    teacher = login("teacher")
    assignment_id = _assign(teacher, _new_form(teacher, team_id), [world.class1], feedback="on_close")
    student = login("student")
    url = student.post(f"/student/assignments/{assignment_id}/start", follow_redirects=False).headers["location"]
    student.post(f"{url}/submit", follow_redirects=False)
    held = student.get(url).text
    assert "after the assessment closes for everyone" in held and "The correct answer" not in held
    teacher.post(f"/teacher/assignments/{assignment_id}/close", follow_redirects=False)
    assert "Closed for everyone" in teacher.get(f"/teacher/assignments/{assignment_id}?done=closed").text
    assert "The correct answer" in student.get(url).text


def test_a_retake_before_its_wait_is_refused_in_words(world, login, team_id):
    teacher = login("teacher")
    assignment_id = _assign(teacher, _new_form(teacher, team_id), [world.class1], retakes="1", wait="3")
    student = login("student")
    url = student.post(f"/student/assignments/{assignment_id}/start", follow_redirects=False).headers["location"]
    student.post(f"{url}/submit", follow_redirects=False)
    r = student.post(f"/student/assignments/{assignment_id}/start", follow_redirects=False)
    assert r.status_code == 409 and "opens on" in r.text and "3 day(s) after your last attempt" in r.text
    assert "A retake opens" in student.get("/student").text


def test_paper_results_through_the_grid_name_a_bad_cell_and_keep_what_was_typed(world, login, team_id):
    teacher = login("teacher")
    form_id = _new_form(teacher, team_id)
    assignment_id = _assign(teacher, form_id, [world.class1])
    grid = teacher.get(f"/teacher/assignments/{assignment_id}/results").text
    assert grid.count('class="cell-input"') == 5 * 4
    sid = world.students1[1]
    data = {"answered_on": "2026-01-05", f"v-{sid}": "A", f"c-{sid}-1": "B", f"c-{sid}-2": "Q"}
    r = teacher.post(f"/teacher/assignments/{assignment_id}/results", data=data)
    assert r.status_code == 422
    assert "question 2" in r.text and "no choice &#39;Q&#39;" in r.text and "Nothing was saved" in r.text
    assert 'value="Q"' in r.text  # the grid keeps what was typed
    data[f"c-{sid}-2"] = "A"
    r = teacher.post(f"/teacher/assignments/{assignment_id}/results", data=data, follow_redirects=False)
    assert r.status_code == 303 and "saved=1-2-0" in r.headers["location"]
    assert "Saved 1 student" in teacher.get(r.headers["location"]).text
    rows = teacher.get(f"/teacher/assignments/{assignment_id}/progress.json").json()["rows"]
    assert next(x for x in rows if x["student_id"] == sid)["mode"] == "paper"


def test_paper_results_by_csv_upload_and_the_template(world, login, team_id):
    teacher = login("teacher")
    assignment_id = _assign(teacher, _new_form(teacher, team_id), [world.class1])
    template = teacher.get(f"/teacher/assignments/{assignment_id}/results-template.csv").text
    header, *rows = template.strip().split("\n")
    assert header.startswith("student_id,version,") and len(rows) == 5
    bad = header + "\n" + rows[0].split(",")[0] + ",A,Z\n"
    r = teacher.post(
        f"/teacher/assignments/{assignment_id}/results",
        data={"answered_on": "2026-01-05"},
        files={"file": ("r.csv", bad, "text/csv")},
    )
    assert r.status_code == 422 and "line 2, column 3" in r.text


def test_the_team_data_page_shows_both_classes_and_exports_csv(world, login, team_id):
    teacher = login("teacher")
    form_id = _new_form(teacher, team_id)
    assignment_id = _assign(teacher, form_id, [world.class1, world.class2])
    teacher2 = login("teacher2")
    sid = world.students2[0]
    teacher2.post(
        f"/teacher/assignments/{assignment_id}/results",
        data={"answered_on": "2026-01-05", f"v-{sid}": "A", f"c-{sid}-1": "A"},
    )
    teams = teacher.get("/teacher/teams").text
    assert f"/teacher/teams/{team_id}/assessments/{form_id}" in teams
    page = teacher.get(f"/teacher/teams/{team_id}/assessments/{form_id}").text
    assert "7A" in page and "7B" in page and "Bo Teacher" in page and "(1 on paper)" in page
    assert "None of your students took it yet" in page  # teacher 1's students did not take it
    csv = teacher.get(f"/teacher/teams/{team_id}/assessments/{form_id}.csv")
    assert csv.headers["content-type"].startswith("text/csv") and "class bands" in csv.text


def test_free_practice_off_hides_practice_on_the_students_home(world, login):
    teacher = login("teacher")
    r = teacher.post(
        f"/teacher/classes/{world.class1}/practice", data={"free_practice": "false"}, follow_redirects=False
    )
    assert r.status_code == 303
    home = login("student").get("/student").text
    assert "Take a check on your own" not in home
    teacher.post(f"/teacher/classes/{world.class1}/practice", data={"free_practice": "true"})
    assert "Take a check on your own" in login("student").get("/student").text


def test_a_psychometrician_cannot_open_the_assignment_pages(login):
    r = login("psychometrician").get("/teacher/assignments")
    assert r.status_code == 403 and "teachers or admins" in r.text


def test_an_assigned_check_opens_the_check_page_saying_how_far_along_it_is(world, login):
    teacher = login("teacher")
    r = teacher.post(
        "/teacher/assignments",
        data={"kind": "check", "standard": "7.RP.A.2", "class_ids": [str(world.class1)], "feedback": "instant"},
        follow_redirects=False,
    )
    assignment_id = int(r.headers["location"].rsplit("/", 1)[1])
    student = login("student")
    url = student.post(f"/student/assignments/{assignment_id}/start", follow_redirects=False).headers["location"]
    assert re.fullmatch(r"/student/checks/\d+", url)
    page = student.get(url).text
    assert "question 1" in page and "at least 6, at most 15: it stops as soon as your dot is clear" in page


@pytest.mark.parametrize(
    "method,url,data",
    [
        ("GET", "/teacher/assignments/99999999999999999999", None),
        ("GET", "/teacher/forms/99999999999999999999/print", None),
        ("GET", "/teacher/teams/1/assessments/99999999999999999999", None),
        ("POST", "/teacher/assignments", {"kind": "check", "standard": "7.RP.A.2", "class_ids": ["99999999999999"]}),
        ("POST", "/teacher/assignments", {"kind": "nothing", "standard": "7.RP.A.2", "feedback": "instant"}),
        ("POST", "/teacher/forms", {"title": "x", "standard": "7.RP.A.2", "purpose": "poster"}),
    ],
)
def test_bad_page_input_is_a_422_page_not_a_500(login, method, url, data):
    teacher = login("teacher")
    r = teacher.request(method, url) if method == "GET" else teacher.post(url, data=data)
    assert r.status_code == 422, r.text[:300]
    assert "Please check what you sent" in r.text


def test_a_bad_time_on_a_page_is_a_422_naming_it(world, login):
    teacher = login("teacher")
    assignment_id = _assign(teacher, _new_form(teacher, ""), [world.class1])
    r = teacher.post(
        f"/teacher/assignments/{assignment_id}/students/{world.students1[0]}/reopen", data={"closes_at": "next tuesday"}
    )
    assert r.status_code == 422 and "closes_at" in r.text


def test_a_form_picked_by_hand_is_editable_until_given_then_changes_as_a_new_version(world, login):
    teacher = login("teacher")
    sc = [i for i in world.items["7.RP.A.2"] if "-sc" in i]
    r = teacher.post(
        "/teacher/forms",
        data={"title": "By hand", "purpose": "quiz", "items": f"A: {sc[0]}, {sc[1]}\nB: {sc[2]}, {sc[3]}"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    teacher.post(f"{url}/items", data={"items": f"A: {sc[4]}, {sc[5]}"})
    assert sc[4] in teacher.get(url).text and sc[0] not in teacher.get(url).text
    _assign(teacher, int(url.rsplit("/", 1)[1]), [world.class1])
    refused = teacher.post(f"{url}/items", data={"items": f"A: {sc[6]}"})
    assert refused.status_code == 409 and "can no longer change" in refused.text
    assert sc[6] not in teacher.get(url).text
    r = teacher.post(f"{url}/items", data={"items": f"A: {sc[6]}", "as_new_version": "true"}, follow_redirects=False)
    new = teacher.get(r.headers["location"]).text
    assert r.headers["location"] != url and "version 2" in new and sc[6] in new


def test_versions_written_without_a_label_are_refused_naming_the_line(login):
    r = login("teacher").post("/teacher/forms", data={"title": "x", "items": "A: 7RPA2-sc0\n7RPA2-sc1"})
    assert r.status_code == 422 and "items, line 2" in r.text
