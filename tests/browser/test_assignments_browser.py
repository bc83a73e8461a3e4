"""A common assessment given to two classes of two teachers, end to end in Chromium (issue 11).

Ms. Rivera (``teacher``) builds a team form to a blueprint and gives it to
her Period 1 and to Mr. Okafor's Period 4 with the key held until it
closes and one retake after two days; two Period 1 students take it online
(question N of M, moving between questions) while her progress page
follows them without a reload; the key is withheld after they hand it in;
a retake before its wait is refused in words; Mr. Okafor (``teacher2``)
types his class's paper answers into the grid with the keyboard; the
team's data view shows both classes; once Ms. Rivera closes it, the
students see what they missed with the key.  Every page is screenshotted.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
import uuid

import pytest

from tests.browser.test_browser import check_page, login

pytestmark = pytest.mark.browser


def _api(server: str, method: str, path: str, token: str | None = None, body: dict | None = None) -> dict | list:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server + "/api/v1" + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.loads(r.read())


def _token(server: str, username: str) -> str:
    data = urllib.parse.urlencode({"username": username, "password": "demo"}).encode()
    with urllib.request.urlopen(server + "/api/v1/auth/token", data=data, timeout=30) as r:
        return json.loads(r.read())["access_token"]


def _second_student(server: str) -> str:
    """A login for another Period 1 student (the demo has one student login), made by the admin."""
    admin = _token(server, "admin")
    me = _api(server, "GET", "/me", _token(server, "student"))
    period1 = next(c for c in _api(server, "GET", "/classes", admin)["items"] if c["name"].endswith("Period 1"))
    roster = _api(server, "GET", f"/classes/{period1['id']}/students", admin)
    other = next(s for s in roster if s["id"] != me["student_id"])
    username = f"student-{uuid.uuid4().hex[:6]}"
    _api(
        server,
        "POST",
        "/users",
        admin,
        {"username": username, "password": "demo-password", "role": "student", "student_id": other["id"]},
    )
    return username


def _login_as(page, server: str, username: str, password: str) -> None:
    page.goto(server + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _answer_one(page) -> None:
    """Answer the question on the page: 12 for a number, else the first choice."""
    if page.locator("input[name=interaction]").get_attribute("value") == "numeric_entry":
        page.get_by_label("Your answer (a number)").fill("12")
    else:
        page.locator(".choice label").first.click()


def _take_it(page, shots=None) -> None:
    """Answer every question of the open attempt (first choice, or 12), moving on, then hand it in."""
    n = 0
    while page.get_by_role("button", name=re.compile("^Save and")).count():
        n += 1
        assert re.search(rf"question {n} of \d+", page.locator(".progress-text").inner_text())
        _answer_one(page)
        if n == 1 and shots is not None:
            check_page(page, shots, "attempt_question", full=False)
        page.get_by_role("button", name=re.compile("^Save and")).click()
        page.wait_for_load_state()
    assert "Hand it in?" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Hand it in").click()
    page.wait_for_load_state()


def test_a_common_assessment_across_two_teachers_classes(server, browser, shots):
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    teacher = ctx.new_page()
    teacher.set_default_timeout(30_000)
    login(teacher, server, "teacher")

    # a team form assembled to a blueprint, in two versions
    teacher.get_by_role("link", name="Forms").click()
    blueprint = teacher.locator("form").filter(has=teacher.get_by_role("button", name="Assemble"))
    blueprint.get_by_label("Title").fill("CFA: unit rates (browser)")
    blueprint.get_by_label("Kind").select_option("common_assessment")
    blueprint.get_by_label("Standard").select_option("7.RP.A.2")
    blueprint.get_by_label("Owner").select_option(label="Grade 7 Math (team)")
    blueprint.get_by_label("Items per version").fill("3")
    blueprint.get_by_label("Versions").fill("2")
    check_page(teacher, shots, "forms")
    blueprint.get_by_role("button", name="Assemble").click()
    teacher.wait_for_url(re.compile(r"/teacher/forms/\d+$"))
    form_id = int(teacher.url.rsplit("/", 1)[1])
    assert "Version A: meets the blueprint" in teacher.locator("main").inner_text()
    check_page(teacher, shots, "form")
    teacher.get_by_role("link", name="Print view").click()
    teacher.wait_for_load_state()
    assert teacher.locator("article.answer-sheet").count() == 2 and "Teacher key" in teacher.content()
    check_page(teacher, shots, "form_print")
    teacher.go_back()

    # given to her Period 1 and Mr. Okafor's Period 4: key held until it closes, one retake after 2 days
    teacher.get_by_label("Grade 7 Math, Period 1").check()
    teacher.get_by_label("Grade 7 Math, Period 4").check()
    teacher.get_by_label("Feedback").select_option("on_close")
    teacher.get_by_label("Retakes").fill("1")
    teacher.get_by_label("after a wait of (days)").fill("2")
    teacher.get_by_role("button", name="Assign").click()
    teacher.wait_for_url(re.compile(r"/teacher/assignments/\d+$"))
    assignment_url = teacher.url
    assignment_id = int(assignment_url.rsplit("/", 1)[1])
    rows = teacher.locator("table.progress-table tbody tr")
    assert rows.count() == 25  # her students only: Period 1
    check_page(teacher, shots, "assignment_progress")

    # two students take it online; her page follows them without a reload
    me = _api(server, "GET", "/me", _token(server, "student"))
    student_ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    student = student_ctx.new_page()
    student.set_default_timeout(30_000)
    login(student, server, "student")
    todo = student.locator("section.todo")
    assert "CFA: unit rates (browser)" in todo.inner_text()
    check_page(student, shots, "student_todo", full=False)
    todo.get_by_role("button", name="Start CFA: unit rates (browser)").click()
    student.wait_for_load_state()
    assert "question 1 of 3" in student.locator(".progress-text").inner_text()
    # answer the first, go back to it from the question list: the answer is kept
    _answer_one(student)
    student.get_by_role("button", name=re.compile("^Save and")).click()
    student.wait_for_load_state()
    student.get_by_role("link", name=re.compile("^Question 1, answered")).click()
    student.wait_for_load_state()
    assert "question 1 of 3" in student.locator(".progress-text").inner_text()
    _take_it(student, shots)
    withheld = student.locator("main").inner_text()
    assert "after the assessment closes for everyone" in withheld and "The correct answer" not in withheld
    check_page(student, shots, "attempt_review_withheld", full=False)
    row = teacher.locator(f'tr[data-student="{me["student_id"]}"] [data-field="status"]')
    row.filter(has_text="submitted").wait_for(timeout=30_000)  # updated by the page's script, no reload

    # a retake before its wait is refused, in words
    student.goto(server + "/student")
    assert "A retake opens" in student.locator("main").inner_text()
    token = student.locator("input[name=csrf_token]").first.get_attribute("value")
    with student.expect_navigation():
        student.evaluate(
            """([url, token]) => { const f = document.createElement('form'); f.method = 'post'; f.action = url;
            const i = document.createElement('input'); i.type = 'hidden'; i.name = 'csrf_token'; i.value = token;
            f.appendChild(i); document.body.appendChild(f); f.submit(); }""",
            [f"/student/assignments/{assignment_id}/start", token],
        )
    refusal = student.locator("main").inner_text()
    assert "Cannot do that now" in refusal and "opens on" in refusal and "2 day(s) after your last attempt" in refusal

    second = browser.new_context().new_page()
    _login_as(second, server, _second_student(server), "demo-password")
    second.locator("section.todo").get_by_role("button", name="Start CFA: unit rates (browser)").click()
    second.wait_for_load_state()
    _take_it(second)

    # Mr. Okafor types his Period 4's paper answers into the grid, with the keyboard
    okafor = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    okafor.set_default_timeout(30_000)
    login(okafor, server, "teacher2")
    okafor.goto(f"{server}/teacher/assignments/{assignment_id}/results")
    form = _api(server, "GET", f"/forms/{form_id}", _token(server, "teacher2"))
    keys = {}
    for item in form["versions"][0]["items"]:
        key = item["key"]
        keys[item["position"]] = (
            ";".join(key) if isinstance(key, list) else (f"{key:g}" if isinstance(key, (int, float)) else key)
        )
    okafor.locator("table.grid tbody tr").first.locator("input.cell-input").first.focus()
    for n in range(3):  # three students typed row by row: Tab moves across a row, Enter down to the next
        for position in range(1, 4):
            okafor.keyboard.type(keys[position])
            if position < 3:
                okafor.keyboard.press("Tab")
        okafor.locator("table.grid tbody tr").nth(n).locator("input.cell-input").first.focus()
        okafor.keyboard.press("Enter")  # the grid's script moves down a row, as a spreadsheet does
        assert okafor.evaluate("document.activeElement.name") == okafor.locator("table.grid tbody tr").nth(
            n + 1
        ).locator("input.cell-input").first.get_attribute("name")
    check_page(okafor, shots, "paper_grid")
    okafor.get_by_role("button", name="Save the results").click()
    okafor.wait_for_load_state()
    assert "Saved 3 students" in okafor.get_by_role("status").inner_text()

    # the team's data view shows both classes
    teacher.goto(f"{server}/teacher/teams")
    teacher.get_by_role("link", name="CFA: unit rates (browser)").click()
    teacher.wait_for_load_state()
    by_class = teacher.locator("table.team-table").first.inner_text()
    assert "Grade 7 Math, Period 1" in by_class and "Grade 7 Math, Period 4" in by_class
    assert "(3 on paper)" in by_class and "Mr. Daniel Okafor" in by_class
    check_page(teacher, shots, "team_data")

    # closed: now the students see what they missed, with the key
    teacher.goto(assignment_url)
    teacher.get_by_role("button", name="Close now for everyone").click()
    teacher.wait_for_load_state()
    assert "Closed for everyone" in teacher.get_by_role("status").inner_text()
    student.goto(server + "/student")
    student.locator(".done-list li", has_text="CFA: unit rates (browser)").get_by_role("link", name="Review it").click()
    student.wait_for_load_state()
    review = student.locator("main").inner_text()
    assert "after the assessment closes" not in review
    assert "The correct answer" in review or "every question right" in review
    check_page(student, shots, "attempt_review", full=False)
    for c in (ctx, student_ctx, second.context, okafor.context):
        c.close()
