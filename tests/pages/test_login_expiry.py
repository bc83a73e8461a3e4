"""A form sent after its login ended is kept through the login page and sent once the same user is back.

A login lasts an hour: the tests make a token that ended a minute ago, for the
same user, and send a form as the page (rendered while the login stood)
would have, with the form token bound to that cookie.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from itembank.tables import Item, Response
from service.pages.common import COOKIE, safe_next
from service.pages.csrf import CSRF_COOKIE, CSRF_FIELD, form_token
from service.security import create_token, decode_token
from tests.pages.conftest import PageClient
from tests.service.conftest import PASSWORD, auth


def _end_login(c: PageClient) -> str:
    """Replace the client's session token by the same login's token, ended a minute ago; its form token."""
    secret = c.app.state.settings.secret_key
    claims = decode_token(c.cookies[COOKIE], secret)
    ended = create_token(claims, secret, 60, now=datetime.now(UTC) - timedelta(minutes=61))
    domain = next(x.domain for x in c.cookies.jar if x.name == COOKIE)
    c.cookies.set(COOKIE, ended, domain=domain)
    return form_token(secret, c.cookies[CSRF_COOKIE], ended)


def _hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def _log_in_again(c: PageClient, kept_page: str, username: str):
    """Log in through the login page the ended form led to; the page that sends the kept form again."""
    data = {
        "username": username,
        "password": PASSWORD,
        "next": _hidden(kept_page, "next"),
        "pending": _hidden(kept_page, "pending"),
        CSRF_FIELD: _hidden(kept_page, CSRF_FIELD),
    }
    return c.post("/login", data=data, csrf=False, follow_redirects=False)


def _send_again(c: PageClient, resume_page: str):
    """Send the resume page's form, as its script (or its button) does."""
    action = re.search(r'<form method="post" action="([^"]+)" data-auto-submit', resume_page).group(1)
    form = resume_page.split("data-auto-submit", 1)[1].split("</form>", 1)[0]
    fields = [(k, html.unescape(v)) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', form)]
    data: dict[str, list[str]] = {}
    for k, v in fields:
        data.setdefault(k, []).append(v)
    return c.post(action, data=data, csrf=False)


def test_an_answer_sent_after_the_login_ended_is_recorded_after_logging_in_again(login, world):
    c = login("student")
    r = c.post("/student/checks", data={"standard": "7.RP.A.2"})
    url = str(r.url)
    item_id = re.search(r'name="item_id" value="([^"]+)"', r.text).group(1)
    interaction = re.search(r'name="interaction" value="([^"]+)"', r.text).group(1)
    with Session(world.engine) as s:
        item = s.get(Item, item_id)
    answer = item.key if interaction != "numeric_entry" else f"{item.key:g}"
    token = _end_login(c)
    sent = c.post(
        f"{url}/answer",
        data={"item_id": item_id, "interaction": interaction, "answer": answer, CSRF_FIELD: token},
        csrf=False,
        headers={"referer": url},
    )
    assert sent.status_code == 401 and "log in again and it will be sent" in sent.text
    assert _hidden(sent.text, "next") == url.removeprefix("http://testserver")
    with Session(world.engine) as s:
        assert s.exec(select(Response)).all() == []
    resume = _log_in_again(c, sent.text, "student")
    assert resume.status_code == 200 and "You are logged in again" in resume.text
    assert '<script src="/static/resume.js"' in resume.text
    feedback = _send_again(c, resume.text)
    assert feedback.status_code == 200 and "Right!" in feedback.text
    with Session(world.engine) as s:
        rows = s.exec(select(Response)).all()
    assert [(r.item_id, r.correct) for r in rows] == [(item_id, True)]


def test_a_rubric_score_sent_after_the_login_ended_is_saved_after_logging_in_again(login, world, client):
    sid = world.users["student"].student_id
    item = next(i for i in world.items["7.RP.A.2"] if i.endswith("cr0"))
    r = client.post(
        "/api/v1/responses",
        json={"student_id": sid, "item_id": item, "answer": "4 per hour"},
        headers=auth(world, "teacher"),
    )
    rid = r.json()["id"]
    c = login("teacher")
    assert "4 per hour" in c.get("/teacher/scoring").text
    token = _end_login(c)
    sent = c.post(
        f"/teacher/scoring/{rid}", data={"score": "2", "note": "well said\nkeep going", CSRF_FIELD: token}, csrf=False
    )
    assert sent.status_code == 401 and 'name="pending"' in sent.text
    saved = _send_again(c, _log_in_again(c, sent.text, "teacher").text)
    assert saved.status_code == 200 and "Meets (2)" in saved.text
    with Session(world.engine) as s:
        new = s.exec(select(Response).where(Response.supersedes_id == rid)).one()
    assert (new.score, new.note) == (2, "well said\nkeep going")


def _ended_answer(login):
    """A student's answer sent after the login ended: (client, the login page it led to)."""
    c = login("student")
    r = c.post("/student/checks", data={"standard": "7.RP.A.2"})
    item_id = re.search(r'name="item_id" value="([^"]+)"', r.text).group(1)
    token = _end_login(c)
    sent = c.post(
        f"{r.url.path}/answer",
        data={"item_id": item_id, "interaction": "single_choice", "answer": "A", CSRF_FIELD: token},
        csrf=False,
    )
    assert sent.status_code == 401
    return c, sent.text


def test_a_kept_form_is_sent_only_for_the_same_user_and_untampered(login, world):
    c, page = _ended_answer(login)
    other = _log_in_again(c, page, "student2")
    assert other.status_code == 303 and other.headers["location"] == "/student"
    c, page = _ended_answer(login)
    forged = page.replace('name="pending" value="', 'name="pending" value="x')
    assert _log_in_again(c, forged, "student").status_code == 303
    with Session(world.engine) as s:
        assert s.exec(select(Response)).all() == []


def test_a_form_without_a_valid_form_token_is_not_kept(login):
    c = login("student")
    _end_login(c)
    r = c.post("/student/checks", data={"standard": "7.RP.A.2", CSRF_FIELD: "forged"}, csrf=False)
    assert r.status_code == 403 and 'name="pending"' not in r.text


def test_the_session_cookie_outlives_its_token(client):
    r = client.post("/login", data={"username": "teacher", "password": PASSWORD}, follow_redirects=False)
    max_age = int(re.search(r"Max-Age=(\d+)", r.headers["set-cookie"]).group(1))
    assert max_age > 3600


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example/", "/\t/evil.example", "/\\evil.example", "evil", "/a\nb", ""],
)
def test_next_is_only_a_path_on_this_site(target):
    assert safe_next(target) is None


def test_next_keeps_a_path_and_its_query():
    assert safe_next("/teacher/classes/1?level=all") == "/teacher/classes/1?level=all"
