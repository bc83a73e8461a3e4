"""The report pages: a student's progress report in words, and a guardian's page of their children."""

from __future__ import annotations

import re

import pytest

from service.app import create_app
from service.pages.common import COOKIE
from service.security import create_token
from tests.service.conftest import PASSWORD, SECRET, make_settings

pytestmark = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)


def _as(client, world, username):
    client.cookies.set(COOKIE, create_token(world.users[username], SECRET, 30))
    return client


def test_progress_page_in_words_with_charts_and_next_steps(report_world, report_client):
    w = report_world
    c = _as(report_client, w, "parent")
    r = c.get(f"/students/{w.students1[0]}/report?term={w.term}")
    assert r.status_code == 200, r.text
    html = r.text
    assert "Progress report: First0 Last0" in html
    assert "Recognize proportional relationships" in html and "Write and solve equations" in html
    assert "Mastered" in html and "Not yet" in html and "sure it is mastered" in html
    # the chart of 7.RP.A.2: three days, the last green
    block = html.split('data-code="7.RP.A.2"')[1].split('class="report-standard')[0]
    assert len(re.findall(r"<circle class=\"pt-", block)) == 3
    assert 'class="pt-green"' in block
    assert "8 Oct 2026: Imported score, 5 of 5 points" in block
    next_steps = html.split('id="next"')[1]
    assert "Write and solve equations" in next_steps
    assert "Practise it now" not in next_steps  # a guardian reads, the student practises


def test_student_sees_practice_buttons_and_teacher_notes(report_world, report_client):
    w = report_world
    teacher = _as(report_client, w, "teacher")
    put = teacher.put(
        f"/api/v1/classes/{w.class1}/report-card/comments",
        json={"term": w.term, "student_id": w.students1[0], "standard": "7.EE.B.4", "text": "Let's <b>redo</b> B.4"},
        headers={"Authorization": "Bearer " + create_token(w.users["teacher"], SECRET, 30)},
    )
    assert put.status_code == 200, put.text
    html = _as(report_client, w, "student").get(f"/students/{w.students1[0]}/report?term={w.term}").text
    assert "Practise it now" in html
    assert "Teacher's note" in html and "Let&#39;s &lt;b&gt;redo&lt;/b&gt; B.4" in html  # escaped


def test_progress_page_refused_in_words(report_world, report_client):
    for who in ("stranger", "student2", "teacher2", "psychometrician"):
        r = _as(report_client, report_world, who).get(f"/students/{report_world.students1[0]}/report")
        assert r.status_code == 403 and "<html" in r.text and "report" in r.text, who


def test_progress_page_needs_a_login(report_world, report_client):
    r = report_client.get(f"/students/{report_world.students1[0]}/report", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/students/")


def test_family_page_lists_only_the_guardians_children(report_world, report_client):
    w = report_world
    html = _as(report_client, w, "parent").get("/family").text
    assert f'href="/students/{w.students1[0]}/report"' in html and "First0 Last0" in html
    assert "1 mastered, 0 nearly there, 1 not yet" in html
    assert "First1" not in html
    assert "No student is linked" in _as(report_client, w, "stranger").get("/family").text
    assert _as(report_client, w, "teacher").get("/family").status_code == 403


def test_a_guardian_logs_in_to_their_children(report_world):
    from tests.pages.conftest import PageClient

    with PageClient(create_app(make_settings(), engine=report_world.engine)) as c:
        r = c.post("/login", data={"username": "parent", "password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/family"
        page = c.get("/family").text
        assert 'href="/family"' in page and "My children" in page


def test_schools_view_for_admins(report_world, report_client):
    w = report_world
    html = _as(report_client, w, "admin").get("/schools").text
    assert "50% green, 0% yellow, 50% red of 2 student-objective results" in html
    most_red = html.split("most students are red on</h2>")[1].split("</table>")[0]
    assert "Write and solve equations" in most_red and "Recognize proportional" not in most_red
    assert f'href="/teacher/classes/{w.class1}"' in html
    assert f'href="/teacher/classes/{w.class2}"' not in html  # no mastery stored in class 2
    for who in ("teacher", "parent", "student"):
        assert _as(report_client, w, who).get("/schools").status_code == 403


def test_report_card_page_comments_and_downloads(report_world):
    from tests.pages.conftest import PageClient

    w = report_world
    with PageClient(create_app(make_settings(), engine=w.engine)) as c:
        c.post("/login", data={"username": "teacher", "password": PASSWORD})
        html = c.get(f"/teacher/classes/{w.class1}/report-card").text  # the latest term by default
        assert "Report card" in html and "Fall" in html and "Does not meet" in html
        r = c.post(
            f"/teacher/classes/{w.class1}/report-card/comments",
            data={"term": w.term, "student_id": w.students1[0], "standard": "7.EE", "text": "Keep practising"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        assert 'value="Keep practising"' in c.get(r.headers["location"]).text
        csv_text = c.get(f"/teacher/classes/{w.class1}/report-card.csv?term={w.term}").text
        assert "Keep practising" in csv_text
        assert c.get(f"/teacher/classes/{w.class1}/report-card.zip?term={w.term}").content[:2] == b"PK"
        assert c.get(f"/teacher/classes/{w.class1}/tracker.csv").text.startswith("student_id,")
        assert c.get(f"/teacher/classes/{w.class2}/report-card").status_code == 403
        assert c.get(f"/teacher/classes/{w.class1}/report-card?term=999999").status_code == 404
