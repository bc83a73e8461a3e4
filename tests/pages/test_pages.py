"""The pages through HTTP (FastAPI's TestClient): login, roles, every page on real data."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from sqlmodel import Session, select

from engine.irt.simulation import simulate_responses
from itembank.bank import load_parameters
from itembank.responses import import_responses
from itembank.tables import Calibration, Mastery, Response
from service.pages.common import COOKIE
from service.pages.student import parse_number
from tests.service.conftest import PASSWORD, auth


def _run_check(c, world, standard: str = "7.RP.A.2", right: bool = True) -> tuple[int, list[str]]:
    """Take a whole check through the pages; answer every item right (or wrong). Returns (check id, feedback pages)."""
    r = c.post("/student/checks", data={"standard": standard}, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    check_id = int(url.rsplit("/", 1)[1])
    pages = []
    for _ in range(30):
        page = c.get(url)
        assert page.status_code == 200
        if "Check my answer" not in page.text:
            pages.append(page.text)
            return check_id, pages
        item_id = re.search(r'name="item_id" value="([^"]+)"', page.text).group(1)
        interaction = re.search(r'name="interaction" value="([^"]+)"', page.text).group(1)
        with Session(world.engine) as s:
            from itembank.tables import Item

            item = s.get(Item, item_id)
        if interaction == "single_choice":
            answer = item.key if right else next(ch["id"] for ch in item.choices if ch["id"] != item.key)
        elif interaction == "multiple_select":
            answer = item.key if right else [item.choices[1]["id"]]
        else:
            answer = f"{item.key:g}" if right else f"{item.key + 7:g}"
        fb = c.post(f"{url}/answer", data={"item_id": item_id, "interaction": interaction, "answer": answer})
        assert fb.status_code == 200, fb.text
        pages.append(fb.text)
    raise AssertionError("the check did not end in 30 answers")


# ------------------------------------------------------------------ login
def test_login_form_sets_httponly_lax_cookie_and_goes_home(client):
    r = client.post("/login", data={"username": "teacher", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/teacher"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()


def test_wrong_password_shows_the_form_again_with_a_message(client):
    r = client.post("/login", data={"username": "teacher", "password": "nope"})
    assert r.status_code == 401
    assert "do not match" in r.text and 'value="teacher"' in r.text
    assert COOKIE not in r.headers.get("set-cookie", "")


@pytest.mark.parametrize("path", ["/teacher", "/teacher/classes/1", "/student", "/bank", "/bank/calibrations"])
def test_logged_out_user_is_sent_to_login_with_next(client, path):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next={path}"


def test_login_returns_to_next_but_never_to_another_site(client):
    r = client.post(
        "/login", data={"username": "teacher", "password": PASSWORD, "next": "/teacher/scoring"}, follow_redirects=False
    )
    assert r.headers["location"] == "/teacher/scoring"
    r = client.post(
        "/login", data={"username": "teacher", "password": PASSWORD, "next": "//evil.example/x"}, follow_redirects=False
    )
    assert r.headers["location"] == "/teacher"


@pytest.mark.parametrize(
    "username, home",
    [("teacher", "/teacher"), ("student", "/student"), ("psychometrician", "/bank"), ("admin", "/admin")],
)
def test_root_goes_to_each_roles_home(login, username, home):
    c = login(username)
    r = c.get("/", follow_redirects=False)
    assert r.headers["location"] == home
    assert c.get(home).status_code == 200


def test_logout_clears_the_cookie(login):
    c = login("teacher")
    r = c.post("/logout", follow_redirects=False)
    assert r.headers["location"] == "/login"
    assert c.get("/teacher", follow_redirects=False).status_code == 303


def test_a_forged_cookie_is_not_a_login(client):
    client.cookies.set(COOKIE, "not.a.token")
    assert client.get("/teacher", follow_redirects=False).status_code == 303


# ------------------------------------------------------------------ roles
@pytest.mark.parametrize(
    "username, path",
    [
        ("student", "/teacher"),
        ("student", "/teacher/classes/1"),
        ("student", "/teacher/scoring"),
        ("student", "/bank"),
        ("teacher", "/bank"),
        ("teacher", "/bank/calibrations"),
        ("teacher", "/student"),
        ("psychometrician", "/student"),
    ],
)
def test_wrong_role_gets_a_403_page(login, username, path):
    r = login(username).get(path)
    assert r.status_code == 403
    assert "text/html" in r.headers["content-type"] and "Not allowed" in r.text


def test_a_teacher_sees_only_their_classes_and_students(login, world):
    c = login("teacher2")
    assert c.get(f"/teacher/classes/{world.class1}").status_code == 403
    assert c.get(f"/teacher/students/{world.students1[0]}").status_code == 403
    assert c.get(f"/teacher/classes/{world.class1}/morning-work?standard=7.RP.A.2").status_code == 403
    assert c.get("/teacher/classes/9999").status_code == 404


def test_a_student_cannot_open_another_students_check(login, world):
    c = login("student")
    check_id, _ = _run_check(c, world)
    other = login("student2")
    assert other.get(f"/student/checks/{check_id}").status_code == 403


def test_a_post_from_another_site_is_refused(login):
    c = login("student")
    r = c.post("/student/checks", data={"standard": "7.RP.A.2"}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403


# ---------------------------------------------------------------- student
def test_student_check_gives_feedback_after_each_answer_and_a_final_dot(login, world):
    c = login("student")
    home = c.get("/student")
    assert "Take a check" in home.text and "7.RP.A.2" in home.text
    check_id, pages = _run_check(c, world, right=True)
    feedback, final = pages[:-1], pages[-1]
    assert len(feedback) >= 4
    assert all("Right!" in p and "Why" in p for p in feedback)
    assert "See my dot" in feedback[-1]
    assert "Your dot for 7.RP.A.2" in final
    band = re.search(r'class="band band-(\w+) huge"', final).group(1)
    assert band == "green"
    assert "got this!" in final
    with Session(world.engine) as s:
        row = s.get(Mastery, (world.users["student"].student_id, world.standards["7.RP.A.2"]))
    assert row.band == band
    # my dots now show it
    assert "7.RP.A.2" in c.get("/student").text.split("Take a check")[0]


def test_a_wrong_answer_shows_the_correct_answer_and_rationale(login, world):
    c = login("student")
    _, pages = _run_check(c, world, right=False)
    first = pages[0]
    assert "Not quite." in first and "The correct answer" in first
    assert "Not yet" in pages[-1]


def test_an_empty_or_non_numeric_answer_asks_again_without_a_response(login, world):
    c = login("student")
    r = c.post("/student/checks", data={"standard": "7.RP.A.2"})
    item_id = re.search(r'name="item_id" value="([^"]+)"', r.text).group(1)
    interaction = re.search(r'name="interaction" value="([^"]+)"', r.text).group(1)
    url = str(r.url)
    bad = c.post(
        f"{url}/answer",
        data={
            "item_id": item_id,
            "interaction": interaction,
            "answer": "" if interaction != "numeric_entry" else "a lot",
        },
    )
    assert bad.status_code == 422 and "Check my answer" in bad.text and 'role="alert"' in bad.text
    with Session(world.engine) as s:
        assert s.exec(select(Response)).all() == []


@pytest.mark.parametrize(
    "text, value",
    [
        ("12", 12.0),
        ("-3.5", -3.5),
        ("$9.60", 9.6),
        ("1,250", 1250.0),
        ("3,5", 3.5),
        ("3/4", 0.75),
        ("2 1/2", 2.5),
        ("-1 1/4", -1.25),
        ("25%", 25.0),
        (" 7 ", 7.0),
        ("\u22124", -4.0),
        ("", None),
        ("abc", None),
        ("1/0", None),
        ("1..2", None),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == value


# ---------------------------------------------------------------- teacher
def test_tracker_shows_bands_in_words_and_p_mastery(login, world):
    _run_check(login("student"), world, right=True)
    c = login("teacher")
    r = c.get(f"/teacher/classes/{world.class1}")
    assert r.status_code == 200
    assert "First0 Last0" in r.text and "7.RP.A.2" in r.text
    assert 'class="band-word">green</span>' in r.text
    assert "P(mastery)" in r.text and 'role="tooltip"' in r.text
    # all standards when asked, and other levels
    full = c.get(f"/teacher/classes/{world.class1}?assessed=false")
    assert "7.EE.B.4" in full.text
    ind = c.get(f"/teacher/classes/{world.class1}?level=indicator")
    assert "7.RP.A" in ind.text and "7.RP.A.2</a>" not in ind.text


def test_tracker_sorts_by_a_standard(login, world):
    _run_check(login("student"), world, right=True)
    c = login("teacher")
    r = c.get(f"/teacher/classes/{world.class1}?sort=7.RP.A.2&order=desc")
    names = re.findall(r'<th scope="row" class="name-col"><a href="/teacher/students/\d+">([^<]+)</a>', r.text)
    assert names[0] == "First0 Last0"
    assert 'aria-sort="descending"' in r.text


def test_student_page_has_a_history_chart(login, world):
    _run_check(login("student"), world, right=True)
    r = login("teacher").get(f"/teacher/students/{world.students1[0]}")
    assert r.status_code == 200
    assert "<svg" in r.text and 'class="trace"' in r.text and "7.RP.A.2" in r.text


def test_morning_work_has_three_tiers_and_a_print_view(login, world):
    c = login("teacher")
    form = c.get(f"/teacher/classes/{world.class1}/morning-work")
    assert "Make three tiers" in form.text
    r = c.get(f"/teacher/classes/{world.class1}/morning-work?standard=7.RP.A.2&items_per_tier=2")
    assert r.status_code == 200
    assert r.text.count('class="tier card') == 3 and "✓ key" in r.text
    p = c.get(f"/teacher/classes/{world.class1}/morning-work/print?standard=7.RP.A.2&items_per_tier=2")
    sheets = p.text.count('<article class="sheet')
    assert 2 <= sheets <= 4 and "Teacher key" in p.text
    student_sheets = p.text.split("key-sheet")[0]
    assert "✓ key" not in student_sheets


def test_morning_work_on_an_unknown_standard_is_a_404_page(login, world):
    r = login("teacher").get(f"/teacher/classes/{world.class1}/morning-work?standard=9.ZZ.Z.9")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]


def test_exit_tickets_are_disjoint_forms(login):
    c = login("teacher")
    r = c.get("/teacher/exit-tickets?standard=7.RP.A&length=3&forms=2")
    assert r.status_code == 200
    forms = r.text.split("Exit ticket · version")[1:]
    assert len(forms) == 2
    ids = [set(re.findall(r'<span class="item-meta">([^ ]+) ·', f)) for f in forms]
    assert all(len(s) == 3 for s in ids) and not ids[0] & ids[1]
    p = c.get("/teacher/exit-tickets?standard=7.RP.A&length=3&forms=2&print=true")
    assert "Teacher key" in p.text
    # too long: the message counts the pool, which holds the rubric item only when asked
    too_long = c.get("/teacher/exit-tickets?standard=7.RP.A.2&length=12&forms=2")
    assert too_long.status_code == 422 and "has 14 items" in too_long.text and "need 24" in too_long.text
    with_written = c.get("/teacher/exit-tickets?standard=7.RP.A.2&length=12&forms=2&written=true")
    assert with_written.status_code == 422 and "has 15 items" in with_written.text


def test_scoring_queue_scores_through_the_api_function(login, world, client):
    sid = world.users["student"].student_id
    item = next(i for i in world.items["7.RP.A.2"] if i.endswith("cr0"))
    r = client.post(
        "/api/v1/responses",
        json={"student_id": sid, "item_id": item, "answer": "I divided 12 by 3 to get 4 per hour."},
        headers=auth(world, "teacher"),
    )
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    c = login("teacher")
    q = c.get("/teacher/scoring")
    assert "I divided 12 by 3" in q.text and "Partially meets" in q.text and "Exceeds" in q.text
    done = c.post(f"/teacher/scoring/{rid}", data={"score": "2", "note": "clear"})
    assert done.status_code == 200 and "Meets (2)" in done.text
    assert "I divided 12 by 3" not in done.text
    with Session(world.engine) as s:
        new = s.exec(select(Response).where(Response.supersedes_id == rid)).one()
        assert new.score == 2 and new.note == "clear"
        assert s.get(Mastery, (sid, world.standards["7.RP.A.2"])) is not None
    # the other teacher cannot score it
    assert login("teacher2").post(f"/teacher/scoring/{rid}", data={"score": "1"}).status_code == 403


# --------------------------------------------------------- psychometrician
def test_bank_browser_filters_and_item_page(login, world):
    _run_check(login("student"), world, right=False)
    c = login("psychometrician")
    r = c.get("/bank")
    assert r.status_code == 200 and "45 items" in r.text
    r = c.get("/bank?standard=7.EE.B.4&interaction=numeric_entry")
    assert "2 items" in r.text
    assert c.get("/bank?flag=any").status_code == 200
    item = world.items["7.RP.A.2"][0]
    page = c.get(f"/bank/items/{item}")
    assert page.status_code == 200 and "Parameters in every calibration" in page.text and "✓ key" in page.text


def _store_history(world, n_students: int = 400, seed: int = 3) -> None:
    """Simulated students' answers to the district's items, stored (enough data to calibrate)."""
    with Session(world.engine) as s:
        params = load_parameters(s, world.calibration_id)
        rng = np.random.default_rng(seed)
        matrix = simulate_responses(params, rng.normal(0, 1, n_students), rng, items_per_student=12, student_prefix="H")
        import_responses(s, matrix, digest=f"sim{seed}")
        s.commit()


def _start_calibration(c) -> str:
    """Start a Rasch run through the form and wait for it to end; returns its page's URL."""
    r = c.post(
        "/bank/calibrations",
        data={"model": "rasch", "statuses": ["operational"], "min_responses": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    url = r.headers["location"]
    for _ in range(1200):  # a busy CI machine can take a while
        if c.get(f"{url}/status").json()["status"] in ("done", "failed"):
            return url
        time.sleep(0.1)
    raise AssertionError("the calibration did not end in 120 s")


def test_calibration_start_progress_and_make_live(login, world):
    _store_history(world)
    c = login("psychometrician")
    assert "Start a calibration" in c.get("/bank/calibrations").text
    url = _start_calibration(c)
    status = c.get(f"{url}/status").json()
    assert status["status"] == "done", status
    page = c.get(url)
    assert "Make live" in page.text
    live = c.post(f"{url}/live")
    assert live.status_code == 200 and "is the live bank" in live.text
    cid = int(url.rsplit("/", 1)[1])
    with Session(world.engine) as s:
        assert s.exec(select(Calibration.id).where(Calibration.live == True)).one() == cid  # noqa: E712


def test_a_failed_calibration_page_says_why(login, world):
    c = login("psychometrician")
    url = _start_calibration(c)  # the district has no answers yet
    assert c.get(f"{url}/status").json()["status"] == "failed"
    page = c.get(url)
    assert 'role="alert"' in page.text and "no scored responses" in page.text
    assert "Make live" not in page.text
