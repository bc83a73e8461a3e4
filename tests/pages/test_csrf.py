"""Cross-site request forgery: every page form, login and logout included, refuses a forged post.

Each form is sent once as the browser sends it (it works) and once per way
of forging it (refused with a 403 page saying why, and nothing written).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func
from sqlmodel import Session, select

import service.pages
from itembank.bank import load_parameters
from itembank.calibrations import import_parameters
from itembank.responses import record_response
from itembank.tables import Calibration, Check, Response
from service.pages.common import COOKIE, PageRoute
from service.pages.csrf import CSRF_COOKIE, CSRF_FIELD
from tests.pages.conftest import PageClient, form_token_of
from tests.service.conftest import PASSWORD

TEMPLATES = Path(__file__).resolve().parents[2] / "service" / "templates"


def _written(world) -> tuple:
    """What a form could have written: responses, checks, calibrations, the live one."""
    with Session(world.engine) as s:
        return (
            s.exec(select(func.count()).select_from(Response)).one(),
            s.exec(select(func.count()).select_from(Check)).one(),
            s.exec(select(func.count()).select_from(Calibration)).one(),
            s.exec(select(Calibration.id).where(Calibration.live)).all(),
        )


def _login_form(app, login, world):
    return PageClient(app), "/login", {"username": "teacher", "password": PASSWORD}


def _logout(app, login, world):
    return login("teacher"), "/logout", {}


def _start_check(app, login, world):
    return login("student"), "/student/checks", {"standard": "7.RP.A.2"}


def _answer(app, login, world):
    c = login("student")
    url = c.post("/student/checks", data={"standard": "7.RP.A.2"}, follow_redirects=False).headers["location"]
    page = c.get(url).text
    item_id = re.search(r'name="item_id" value="([^"]+)"', page).group(1)
    interaction = re.search(r'name="interaction" value="([^"]+)"', page).group(1)
    answer = {"single_choice": "A", "multiple_select": ["A"], "numeric_entry": "1"}[interaction]
    return c, f"{url}/answer", {"item_id": item_id, "interaction": interaction, "answer": answer}


def _score(app, login, world):
    with Session(world.engine) as s:
        row = record_response(
            s,
            dedupe_key="csrf/written",
            student_id=world.students1[0],
            item_id=world.items["7.RP.A.2"][-1],
            item_version=1,
            answer="I found the unit rate.",
            score=None,
            correct=None,
            source="entry",
        )
        s.commit()
        rid = row.id
    return login("teacher"), f"/teacher/scoring/{rid}", {"score": "2", "note": "clear"}


def _start_calibration(app, login, world):
    return login("psychometrician"), "/bank/calibrations", {"model": "rasch", "statuses": ["operational"]}


def _go_live(app, login, world):
    with Session(world.engine) as s:
        other = import_parameters(s, load_parameters(s, world.calibration_id))
        s.commit()
        cid = other.id
    return login("psychometrician"), f"/bank/calibrations/{cid}/live", {}


FORMS = {
    "/login": _login_form,
    "/logout": _logout,
    "/student/checks": _start_check,
    "/student/checks/{check_id}/answer": _answer,
    "/teacher/scoring/{response_id}": _score,
    "/bank/calibrations": _start_calibration,
    "/bank/calibrations/{calibration_id}/live": _go_live,
}


def _forge(way: str, app, c: PageClient, data: dict) -> tuple[dict, dict]:
    """The form data and headers of a forged post (``way``) from the browser of ``c``."""
    token = c.form_token()
    if way == "genuine":
        return {**data, CSRF_FIELD: token}, {"Origin": "http://testserver"}
    if way == "no token":
        return data, {}
    if way == "wrong token":
        return {**data, CSRF_FIELD: "0" * 64}, {}
    if way == "another browser's token":
        return {**data, CSRF_FIELD: PageClient(app).form_token()}, {}
    if way == "token without its cookie":
        c.cookies.delete(CSRF_COOKIE)
        return {**data, CSRF_FIELD: token}, {}
    if way == "Origin: null":
        return {**data, CSRF_FIELD: token}, {"Origin": "null"}
    if way == "foreign Origin":
        return {**data, CSRF_FIELD: token}, {"Origin": "https://evil.example"}
    if way == "foreign Referer":
        return {**data, CSRF_FIELD: token}, {"Referer": "https://evil.example/form.html"}
    raise AssertionError(way)


WAYS = [
    "no token",
    "wrong token",
    "another browser's token",
    "token without its cookie",
    "Origin: null",
    "foreign Origin",
    "foreign Referer",
]


@pytest.mark.parametrize("way", ["genuine", *WAYS])
@pytest.mark.parametrize("form", FORMS, ids=list(FORMS))
def test_a_forged_form_is_refused_and_writes_nothing(app, client, login, world, form, way):
    c, url, data = FORMS[form](app, login, world)
    session_before = c.cookies.get(COOKIE)
    data, headers = _forge(way, app, c, data)
    before = _written(world)
    r = c.post(url, data=data, headers=headers, csrf=False, follow_redirects=False)
    if way == "genuine":
        assert r.status_code in (200, 303), r.text
        assert form in ("/login", "/logout") or _written(world) != before
        return
    assert r.status_code == 403, (way, r.status_code)
    assert "text/html" in r.headers["content-type"]
    assert re.search(r"expired or did not come from this site|another site|without an origin", r.text)
    assert _written(world) == before
    assert COOKIE not in r.headers.get("set-cookie", "")  # no login, no logout
    if session_before:
        assert c.get("/", follow_redirects=False).headers["location"] != "/login"  # still logged in


def test_every_page_form_route_is_covered():
    """Every route of the page modules that is not a GET is one of the forms above."""
    posted = set()
    for info in pkgutil.iter_modules(service.pages.__path__):
        router = getattr(importlib.import_module(f"service.pages.{info.name}"), "router", None)
        for route in getattr(router, "routes", []):
            if isinstance(route, APIRoute) and set(route.methods) - {"GET", "HEAD"}:
                assert isinstance(route, PageRoute), route.path
                posted.add(route.path)
    assert posted == set(FORMS)


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_every_post_form_carries_the_token(template):
    text = (TEMPLATES / template).read_text()
    for form in re.findall(r"<form\b.*?</form>", text, re.DOTALL):
        if re.match(r'<form\b[^>]*method="post"', form):
            assert f'<input type="hidden" name="{CSRF_FIELD}" value="{{{{ csrf_token }}}}">' in form, form[:80]


def test_the_token_is_bound_to_the_login(app, client):
    """The login form's token is no good once logged in: a token stolen before cannot be used after."""
    c = PageClient(app)
    before_login = form_token_of(c.get("/login").text)
    c.post("/login", data={"username": "student", "password": PASSWORD}, follow_redirects=False)
    after_login = c.form_token()
    assert after_login != before_login
    r = c.post("/student/checks", data={"standard": "7.RP.A.2", CSRF_FIELD: before_login}, csrf=False)
    assert r.status_code == 403


def test_the_token_cookie_is_httponly_and_lax(client):
    cookie = client.get("/login").headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()


def test_the_json_api_needs_no_form_token(client, world):
    r = client.post("/api/v1/auth/token", data={"username": "teacher", "password": PASSWORD})
    assert r.status_code == 200
    headers = {"Authorization": f"Bearer {r.json()['access_token']}", "Origin": "https://lms.example.org"}
    started = client.post(
        "/api/v1/checks", json={"student_id": world.students1[0], "standard": "7.RP.A.2"}, headers=headers
    )
    assert started.status_code == 201
