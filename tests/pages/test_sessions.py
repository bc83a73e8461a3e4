"""Page sessions end with their login: logging out ends the token, not only the cookie; demo logins need demo mode."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlmodel import Session

from itembank.people import create_user
from service.app import create_app
from service.pages.common import COOKIE
from tests.pages.conftest import PageClient
from tests.service.conftest import make_settings


def test_logging_out_ends_the_session_everywhere(login):
    c = login("teacher")
    stolen = c.cookies.get(COOKIE)  # a copy of the cookie, e.g. left on a shared computer
    assert c.post("/logout", follow_redirects=False).headers["location"] == "/login"
    thief = PageClient(c.app, cookies={COOKIE: stolen})
    r = thief.get("/teacher", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert thief.get("/api/v1/me", headers={"Authorization": f"Bearer {stolen}"}).status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE \"user\" SET active = false WHERE username = 'student'",
        "UPDATE student SET retired = true WHERE id = (SELECT student_id FROM \"user\" WHERE username = 'student')",
        "UPDATE \"user\" SET username = 'renamed' WHERE username = 'student'",
    ],
    ids=["deactivated", "student retired", "renamed"],
)
def test_a_changed_login_is_sent_back_to_the_login_page(login, world, change):
    c = login("student")
    assert c.get("/student", follow_redirects=False).status_code == 200
    with world.engine.begin() as conn:
        conn.execute(text(change))
    r = c.get("/student", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/student"


@pytest.mark.parametrize("demo_mode", [False, True], ids=["without --demo", "with --demo"])
def test_the_login_form_accepts_demo_logins_only_in_demo_mode(world, demo_mode):
    with Session(world.engine) as s:
        create_user(s, username="demo-teacher", password="demo", role="teacher", teacher_id=world.teacher1, demo=True)
        s.commit()
    app = create_app(make_settings(demo=demo_mode), engine=world.engine)
    with PageClient(app) as c:
        r = c.post("/login", data={"username": "demo-teacher", "password": "demo"}, follow_redirects=False)
        if demo_mode:
            assert r.status_code == 303 and r.headers["location"] == "/teacher"
        else:
            assert r.status_code == 401 and "do not match" in r.text
            assert "password <code>demo</code>" not in r.text  # no demo hint either


def test_the_demo_login_page_names_every_demo_login(world):
    from demo.district import DEMO_USERS

    with PageClient(create_app(make_settings(demo=True), engine=world.engine)) as c:
        hint = c.get("/login").text.split('class="hint"')[1].split("</p>")[0]
    assert {u for u in DEMO_USERS if u != "teacher2"} <= set(re.findall(r"<code>(\w+)</code>", hint))
