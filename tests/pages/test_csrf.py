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

import service.lti
import service.pages
from itembank.assessments import (
    AssessmentForm,
    Assignment,
    AssignmentStudent,
    Attempt,
    AttemptAnswer,
    ClassSetting,
    FormItem,
)
from itembank.assignments import AssignmentSpec, create_assignment, get_assignment
from itembank.attempts import start_attempt
from itembank.bank import load_parameters
from itembank.calibrations import import_parameters
from itembank.forms import create_form
from itembank.responses import record_response
from itembank.tables import Calibration, Check, Response
from service.pages.common import COOKIE, PageRoute
from service.pages.csrf import CSRF_COOKIE, CSRF_FIELD
from tests.pages.conftest import PageClient, form_token_of
from tests.service.conftest import PASSWORD

TEMPLATES = Path(__file__).resolve().parents[2] / "service" / "templates"


def _written(world) -> tuple:
    """What a form could have written: responses, checks, calibrations, the live one, assessments given."""
    with Session(world.engine) as s:
        return (
            s.exec(select(func.count()).select_from(Response)).one(),
            s.exec(select(func.count()).select_from(Check)).one(),
            s.exec(select(func.count()).select_from(Calibration)).one(),
            s.exec(select(Calibration.id).where(Calibration.live)).all(),
            *(
                sorted(tuple(map(repr, row)) for row in s.exec(select(table)).all())
                for table in (
                    AssessmentForm,
                    FormItem,
                    Assignment,
                    AssignmentStudent,
                    Attempt,
                    AttemptAnswer,
                    ClassSetting,
                )
            ),
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


def _assignment(world, feedback="on_submit") -> int:
    """A form of three items given to class 1 by teacher 1."""
    with Session(world.engine, expire_on_commit=False) as s:
        sc = [i for i in world.items["7.RP.A.2"] if "-sc" in i]
        form = create_form(s, title="CSRF quiz", versions={"A": sc[:3]}, owner_teacher_id=world.teacher1)
        spec = AssignmentSpec(kind="form", title="CSRF quiz", form=form, class_ids=(world.class1,), feedback=feedback)
        row = create_assignment(s, None, spec, teacher_id=world.teacher1, created_by=None)
        s.commit()
        return row.id


def _attempt(world) -> tuple[int, str]:
    """Student 0's attempt at a new assignment, and its first question."""
    assignment_id = _assignment(world)
    with Session(world.engine, expire_on_commit=False) as s:
        attempt, _ = start_attempt(s, None, get_assignment(s, assignment_id), world.students1[0])
        s.commit()
        return attempt.id, [i for i in world.items["7.RP.A.2"] if "-sc" in i][0]


def _new_form(app, login, world):
    data = {"title": "Ticket", "standard": "7.RP.A.2", "length": "3", "versions": "1", "dok2": "0", "dok3": "0"}
    return login("teacher"), "/teacher/forms", data


def _change_form(app, login, world):
    with Session(world.engine, expire_on_commit=False) as s:
        form = create_form(
            s, title="To change", versions={"A": world.items["7.RP.A.3"][:2]}, owner_teacher_id=world.teacher1
        )
        s.commit()
    return login("teacher"), f"/teacher/forms/{form.id}/items", {"items": f"A: {world.items['7.RP.A.3'][3]}"}


def _assign_form(app, login, world):
    with Session(world.engine, expire_on_commit=False) as s:
        form = create_form(
            s, title="To give", versions={"A": world.items["7.RP.A.3"][:2]}, owner_teacher_id=world.teacher1
        )
        s.commit()
    data = {"class_ids": [str(world.class1)], "feedback": "on_submit", "retakes": "0", "wait_days": "0"}
    return login("teacher"), f"/teacher/forms/{form.id}/assign", data


def _give_check(app, login, world):
    data = {"kind": "check", "standard": "7.RP.A.2", "class_ids": [str(world.class1)], "feedback": "instant"}
    return login("teacher"), "/teacher/assignments", data


def _close(app, login, world):
    return login("teacher"), f"/teacher/assignments/{_assignment(world)}/close", {}


def _extend(app, login, world):
    return login("teacher"), f"/teacher/assignments/{_assignment(world)}/extend", {"due_at": "2099-01-01T08:00"}


def _reopen(app, login, world):
    url = f"/teacher/assignments/{_assignment(world)}/students/{world.students1[1]}/reopen"
    return login("teacher"), url, {"closes_at": "2099-01-01T08:00"}


def _offer_retake(app, login, world):
    return (
        login("teacher"),
        f"/teacher/assignments/{_assignment(world)}/retakes",
        {"student_id": str(world.students1[1])},
    )


def _paper_results(app, login, world):
    sid = world.students1[1]
    data = {"answered_on": "2026-01-05", f"v-{sid}": "A", f"c-{sid}-1": "A"}
    return login("teacher"), f"/teacher/assignments/{_assignment(world)}/results", data


def _practice(app, login, world):
    return login("teacher"), f"/teacher/classes/{world.class1}/practice", {"free_practice": "false"}


def _start_assignment(app, login, world):
    return login("student"), f"/student/assignments/{_assignment(world)}/start", {}


def _save_answer(app, login, world):
    attempt_id, item_id = _attempt(world)
    data = {"q": "1", "item_id": item_id, "interaction": "single_choice", "answer": "B", "go": "2"}
    return login("student"), f"/student/attempts/{attempt_id}/answer", data


def _hand_in(app, login, world):
    attempt_id, _ = _attempt(world)
    return login("student"), f"/student/attempts/{attempt_id}/submit", {}


FORMS = {
    "/login": _login_form,
    "/logout": _logout,
    "/student/checks": _start_check,
    "/student/checks/{check_id}/answer": _answer,
    "/teacher/scoring/{response_id}": _score,
    "/bank/calibrations": _start_calibration,
    "/bank/calibrations/{calibration_id}/live": _go_live,
    "/teacher/forms": _new_form,
    "/teacher/forms/{form_id}/assign": _assign_form,
    "/teacher/forms/{form_id}/items": _change_form,
    "/teacher/assignments": _give_check,
    "/teacher/assignments/{assignment_id}/close": _close,
    "/teacher/assignments/{assignment_id}/extend": _extend,
    "/teacher/assignments/{assignment_id}/students/{student_id}/reopen": _reopen,
    "/teacher/assignments/{assignment_id}/retakes": _offer_retake,
    "/teacher/assignments/{assignment_id}/results": _paper_results,
    "/teacher/classes/{class_id}/practice": _practice,
    "/student/assignments/{assignment_id}/start": _start_assignment,
    "/student/attempts/{attempt_id}/answer": _save_answer,
    "/student/attempts/{attempt_id}/submit": _hand_in,
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


#: the LTI endpoints a platform posts to from its own site by design: the one-use state and the
#: nonce in the signed id_token protect them (tests/lti), not the form token
LTI_CROSS_SITE = {"/lti/login", "/lti/launch"}


def _page_routers():
    """The routers of the page modules and of the LTI tool's pages (service.lti)."""
    for package in (service.pages, service.lti):
        for info in pkgutil.iter_modules(package.__path__):
            yield getattr(importlib.import_module(f"{package.__name__}.{info.name}"), "router", None)


def _page_form_routes() -> list[tuple[str, str]]:
    """(method, path) of every route of the page modules that is not a GET (but the LTI cross-site endpoints)."""
    routes = []
    for router in _page_routers():
        for route in getattr(router, "routes", []):
            if isinstance(route, APIRoute) and route.path not in LTI_CROSS_SITE:
                routes += [(method, route.path) for method in sorted(set(route.methods) - {"GET", "HEAD"})]
    return sorted(routes)


PAGE_FORM_ROUTES = _page_form_routes()


def test_every_page_form_route_is_a_page_route_and_the_forms_above_are_among_them():
    for router in _page_routers():
        for route in getattr(router, "routes", []):
            if (
                isinstance(route, APIRoute)
                and set(route.methods) - {"GET", "HEAD"}
                and route.path not in LTI_CROSS_SITE
            ):
                assert isinstance(route, PageRoute), f"{route.path} does not check form tokens"
    assert set(FORMS) <= {path for _, path in PAGE_FORM_ROUTES}


@pytest.mark.parametrize("method,path", PAGE_FORM_ROUTES, ids=[f"{m} {p}" for m, p in PAGE_FORM_ROUTES])
def test_every_page_form_route_refuses_a_post_without_its_token(login, world, method, path):
    """Each page route that changes something, present and future, refuses a forged post before anything else."""
    c = login("admin")
    before = _written(world)
    r = c.request(method, re.sub(r"\{[^}]+\}", "1", path), data={}, follow_redirects=False)
    assert r.status_code == 403, (method, path, r.status_code)
    assert "expired or did not come from this site" in r.text
    assert _written(world) == before


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_every_post_form_carries_the_token(template):
    if template == "lti/deep_link_return.html":
        return  # posted to the LMS, not to masterycat: it carries the signed deep-linking response instead
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
