"""LTI 1.3 end to end against a real platform (``lti1p3platform``): login, launches, deep linking, grades, rosters."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import jwt
import pytest
from sqlmodel import Session, func, select

from itembank.assessments import Attempt, FeedbackPolicy
from itembank.assignments import AssignmentSpec, create_assignment
from itembank.bank import BankCache
from itembank.district import ClassTeacher
from itembank.forms import create_form
from itembank.lti import (
    LtiContextLink,
    LtiLaunchState,
    LtiScoreOutbox,
    LtiUserLink,
    OutboxStatus,
    send_again,
)
from itembank.tables import Enrollment, Item, SchoolClass, Student, User, utcnow
from service.lti import validation
from service.lti.outbox import deliver_due
from service.security import TokenClaims, create_token
from tests.lti.conftest import BACKENDS, TOOL, tool_platform
from tests.lti.platform import INSTRUCTOR, LEARNER, Person, PlannedLaunch, _pem_pair, form_fields
from tests.service.conftest import SECRET

TEACHER = Person("teacher-sub-1", [INSTRUCTOR], "Ms Rivera")
STUDENT = Person("student-sub-1", [LEARNER], "Ada Park")


def _counts(world) -> tuple[int, ...]:
    with Session(world.engine) as s:
        return tuple(
            s.exec(select(func.count()).select_from(table)).one()
            for table in (User, Student, SchoolClass, Enrollment, LtiUserLink, LtiContextLink, Attempt)
        )


def _form_assignment(world, *, rubric: bool = False) -> int:
    """A form of three single-choice items (and a rubric item) given to class 1, the class of the LMS's course-1; its id."""
    with Session(world.engine) as s:
        s.add(LtiContextLink(platform_id=1, context_id="course-1", class_id=world.class1))
        items = s.exec(select(Item.id).where(Item.interaction == "single_choice").order_by(Item.id).limit(3)).all()
        if rubric:
            items.append(s.exec(select(Item.id).where(Item.interaction == "constructed_response")).first())
        form = create_form(s, title="Ratios quiz", versions={"A": list(items)}, owner_teacher_id=world.teacher1)
        bank = BankCache()
        bank.load(world.engine)
        assignment = create_assignment(
            s,
            bank.live,
            AssignmentSpec(
                kind="form",
                title="Ratios quiz",
                form=form,
                class_ids=(world.class1,),
                feedback=FeedbackPolicy.on_submit.value,
            ),
            teacher_id=world.teacher1,
            created_by=None,
        )
        s.commit()
        return assignment.id


def _answer_and_submit(browser, attempt_path: str) -> None:
    """The student answers every question of their attempt with 'A' (or words) and hands it in."""
    tool = browser.tool
    attempt_id = int(attempt_path.rsplit("/", 1)[1])
    with Session(tool.app.state.engine) as s:
        from itembank.assignments import get_assignment
        from itembank.attempts import attempt_items, get_attempt

        attempt = get_attempt(s, attempt_id)
        items = attempt_items(s, get_assignment(s, attempt.assignment_id), attempt)
        kinds = {i: s.get(Item, i).interaction for i in items}
    for q, item_id in enumerate(items, start=1):
        answer = "A" if kinds[item_id] == "single_choice" else "Two to three, since 6/3 = 2."
        r = tool.post(
            f"{attempt_path}/answer",
            data={
                "csrf_token": browser.form_token(f"{attempt_path}?q={q}"),
                "q": q,
                "item_id": item_id,
                "interaction": kinds[item_id],
                "go": q + 1,
                "answer": answer,
            },
            follow_redirects=False,
        )
        assert r.status_code in (200, 303), r.text
    r = tool.post(
        f"{attempt_path}/submit", data={"csrf_token": browser.form_token(attempt_path)}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


def test_jwks_publishes_the_tool_key_with_its_kid(tool):
    keys = tool.get("/lti/jwks").json()["keys"]
    assert len(keys) == 1 and keys[0]["kid"] and keys[0]["alg"] == "RS256" and keys[0]["kty"] == "RSA"
    assert "d" not in keys[0]  # public only
    assert tool.get("/lti/jwks").json()["keys"] == keys  # created once, on first use


def test_student_launch_opens_the_linked_assignment_and_resumes_it(browser, world):
    assignment_id = _form_assignment(world)
    browser.platform.planned["s1"] = PlannedLaunch(STUDENT, custom={"target": f"assignment:{assignment_id}"})
    r = browser.launch("s1")
    assert r.status_code == 303, r.text
    landing = r.headers["location"]
    assert landing.startswith("/student/attempts/")
    cookies = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("masterycat_session="))
    assert "SameSite=none" in session_cookie and "Secure" in session_cookie and "Partitioned" in session_cookie
    assert "HttpOnly" in session_cookie
    page = browser.tool.get(landing)
    assert page.status_code == 200 and "Ratios quiz" in page.text
    with Session(world.engine) as s:
        link = s.exec(select(LtiUserLink).where(LtiUserLink.sub == STUDENT.sub)).one()
        user = s.get(User, link.user_id)
        assert user.role == "student"
        student = s.get(Student, user.student_id)
        assert student.first_name == "Ada Park"
        context = s.exec(select(LtiContextLink)).one()
        assert s.get(Enrollment, (context.class_id, user.student_id)) is not None
    # a second launch resumes the attempt in progress
    browser.platform.planned["s1-again"] = PlannedLaunch(STUDENT, custom={"target": f"assignment:{assignment_id}"})
    assert browser.launch("s1-again").headers["location"] == landing


def test_teacher_launch_opens_progress_or_the_class_tracker(browser, world):
    assignment_id = _form_assignment(world)
    browser.platform.planned["t1"] = PlannedLaunch(TEACHER, custom={"target": f"assignment:{assignment_id}"})
    r = browser.launch("t1")
    assert r.status_code == 303 and r.headers["location"] == f"/teacher/assignments/{assignment_id}"
    assert browser.tool.get(r.headers["location"]).status_code == 200
    browser.platform.planned["t2"] = PlannedLaunch(TEACHER)
    r = browser.launch("t2")
    with Session(world.engine) as s:
        context = s.exec(select(LtiContextLink)).one()
        teacher_user = s.get(User, s.exec(select(LtiUserLink).where(LtiUserLink.sub == TEACHER.sub)).one().user_id)
        assert teacher_user.role == "teacher"
        assert s.get(ClassTeacher, (context.class_id, teacher_user.teacher_id)) is not None  # one of its teachers
    assert r.headers["location"] == f"/teacher/classes/{context.class_id}"
    assert browser.tool.get(r.headers["location"]).status_code == 200


def _deep_link_check(browser, world):
    """The teacher adds an adaptive check on 7.RP.A.2 from the LMS; the tool's answer page."""
    browser.platform.members["course-1"] = [STUDENT]  # the launch syncs them into the course's class
    browser.platform.planned["dl"] = PlannedLaunch(TEACHER, deep_linking=True)
    r = browser.launch("dl")
    assert r.status_code == 303 and r.headers["location"].startswith("/lti/deep-link?dl=")
    picker = browser.tool.get(r.headers["location"])
    assert picker.status_code == 200 and "adaptive check" in picker.text
    _, fields = form_fields(picker.text, "/lti/deep-link")
    return browser.tool.post(
        "/lti/deep-link",
        data={**fields, "choice": "check", "standard_id": world.standards["7.RP.A.2"]},
        follow_redirects=False,
    )


def test_deep_linking_adds_a_graded_check_to_the_course(browser, world):
    r = _deep_link_check(browser, world)
    assert r.status_code == 200, r.text
    assert f"form-action 'self' {browser.platform.base}" in r.headers["content-security-policy"]
    action, answer = form_fields(r.text)
    assert action == f"{browser.platform.base}/deep_link_return"
    claims = jwt.decode(answer["JWT"], options={"verify_signature": False})
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == {"opaque": "kept"}
    # the platform verifies the signature against the tool's /lti/jwks and keeps the item
    assert httpx.post(action, data=answer).status_code == 200
    (item,) = browser.platform.content_items
    assert item["type"] == "ltiResourceLink" and item["url"] == f"{TOOL}/lti/launch"
    assert item["lineItem"]["scoreMaximum"] == 100 and item["lineItem"]["label"].startswith("Check: 7.RP.A.2")
    assert item["custom"]["target"].startswith("assignment:")


@BACKENDS
def test_a_deep_linked_check_grades_back_when_the_student_finishes_it(browser, world):
    action, answer = form_fields(_deep_link_check(browser, world).text)
    assert httpx.post(action, data=answer).status_code == 200
    (item,) = browser.platform.content_items
    (line_item,) = browser.platform.line_items  # the platform made the link's line item
    browser.tool.cookies.clear()
    browser.platform.planned["s"] = PlannedLaunch(STUDENT, custom=item["custom"], lineitem=line_item)
    landing = browser.launch("s").headers["location"]
    assert landing.startswith("/student/checks/")
    check_id = int(landing.rsplit("/", 1)[1])
    with Session(world.engine) as s:
        user = s.get(User, s.exec(select(LtiUserLink).where(LtiUserLink.sub == STUDENT.sub)).one().user_id)
        claims = TokenClaims(user.id, user.username, user.role, user.student_id, None, user.token_version)
    headers = {"Authorization": "Bearer " + create_token(claims, SECRET, 30)}
    for _ in range(60):
        check = browser.tool.get(f"/api/v1/checks/{check_id}", headers=headers).json()
        if check["status"] != "active":
            break
        item_id = check["current_item"]["id"]
        with Session(world.engine) as s:
            key = s.get(Item, item_id).key
        r = browser.tool.post(
            f"/api/v1/checks/{check_id}/responses", json={"item_id": item_id, "answer": key}, headers=headers
        )
        assert r.status_code in (200, 201), r.text
    assert deliver_due(world.engine) == {"delivered": 1}
    score = browser.platform.scores[line_item][STUDENT.sub]
    assert score["gradingProgress"] == "FullyGraded" and score["scoreGiven"] == 100.0  # every answer right


def test_a_score_reaches_the_platforms_line_item(browser, world):
    assignment_id = _form_assignment(world)
    lms = browser.platform
    line_item = f"{lms.base}/courses/course-1/lineitems/1"
    lms.line_items[line_item] = {"id": line_item, "label": "Ratios quiz", "scoreMaximum": 100}
    lms.planned["s"] = PlannedLaunch(STUDENT, custom={"target": f"assignment:{assignment_id}"}, lineitem=line_item)
    landing = browser.launch("s").headers["location"]
    _answer_and_submit(browser, landing)
    again = browser.tool.post(f"{landing}/submit", data={"csrf_token": browser.form_token(landing)})
    assert again.status_code == 200  # handing in again changes nothing, and sends nothing new
    with Session(world.engine) as s:
        (row,) = s.exec(select(LtiScoreOutbox)).all()
        assert row.status == OutboxStatus.pending and row.score["userId"] == STUDENT.sub
    assert deliver_due(world.engine) == {"delivered": 1}
    score = lms.scores[line_item][STUDENT.sub]
    assert score["gradingProgress"] == "FullyGraded" and score["activityProgress"] == "Completed"
    assert score["scoreMaximum"] == 100 and 0 <= score["scoreGiven"] <= 100
    assert deliver_due(world.engine) == {}  # nothing left


@BACKENDS
def test_a_rubric_item_is_pending_manual_then_the_final_score_follows(browser, world, tool):
    from tests.service.conftest import auth

    assignment_id = _form_assignment(world, rubric=True)
    lms = browser.platform
    line_item = f"{lms.base}/courses/course-1/lineitems/1"
    lms.line_items[line_item] = {"id": line_item, "label": "Ratios quiz", "scoreMaximum": 100}
    lms.planned["s"] = PlannedLaunch(STUDENT, custom={"target": f"assignment:{assignment_id}"}, lineitem=line_item)
    landing = browser.launch("s").headers["location"]
    _answer_and_submit(browser, landing)
    deliver_due(world.engine)
    assert lms.scores[line_item][STUDENT.sub]["gradingProgress"] == "PendingManual"
    tokens = lms.requests.count("POST /token")
    with Session(world.engine) as s:
        waiting = s.exec(select(LtiUserLink).where(LtiUserLink.sub == STUDENT.sub)).one()
        student_id = s.get(User, waiting.user_id).student_id
    listed = tool.get(f"/api/v1/responses?student_id={student_id}", headers=auth(world, "admin")).json()
    rubric_response = next(r for r in listed["items"] if r["score"] is None)
    r = tool.post(f"/api/v1/responses/{rubric_response['id']}/score", json={"score": 2}, headers=auth(world, "admin"))
    assert r.status_code == 201, r.text
    assert deliver_due(world.engine) == {"delivered": 1}
    final = lms.scores[line_item][STUDENT.sub]
    assert final["gradingProgress"] == "FullyGraded" and final["scoreGiven"] > 0
    assert lms.requests.count("POST /token") == tokens  # the score's access token was cached: none asked for again


@BACKENDS
def test_a_score_is_delivered_after_the_platform_was_down(browser, world, caplog):
    assignment_id = _form_assignment(world)
    lms = browser.platform
    line_item = f"{lms.base}/courses/course-1/lineitems/1"
    lms.line_items[line_item] = {"id": line_item, "label": "Ratios quiz", "scoreMaximum": 100}
    lms.planned["s"] = PlannedLaunch(STUDENT, custom={"target": f"assignment:{assignment_id}"}, lineitem=line_item)
    landing = browser.launch("s").headers["location"]
    lms.stop()
    _answer_and_submit(browser, landing)
    with caplog.at_level(logging.WARNING, logger="masterycat.lti"):
        assert deliver_due(world.engine) == {"pending": 1}
    assert "will retry" in caplog.text
    with Session(world.engine) as s:
        row = s.exec(select(LtiScoreOutbox)).one()
        assert row.tries == 1 and row.next_try_at > utcnow() + timedelta(seconds=20)
        assert "could not be reached" in row.last_error
        row.next_try_at = utcnow()  # the backoff has passed
        s.add(row)
        s.commit()
    lms.start()
    assert deliver_due(world.engine) == {"delivered": 1}
    assert lms.scores[line_item][STUDENT.sub]["gradingProgress"] == "FullyGraded"


@BACKENDS
def test_roster_sync_enrolls_new_learners_and_unenrolls_those_who_left(browser, world):
    lms = browser.platform
    newcomer = Person("student-sub-2", [LEARNER], "Bo Lin")
    lms.members["course-1"] = [TEACHER, STUDENT, newcomer]
    lms.planned["t"] = PlannedLaunch(TEACHER)
    browser.launch("t")  # the launch syncs the roster (in the background, after its answer)
    with Session(world.engine) as s:
        context = s.exec(select(LtiContextLink)).one()
        enrolled = s.exec(select(Enrollment.student_id).where(Enrollment.class_id == context.class_id)).all()
        assert len(enrolled) == 2 and context.synced_at is not None
    # Bo leaves the course; the admin syncs on demand
    lms.members["course-1"] = [TEACHER, STUDENT]
    from tests.service.conftest import PASSWORD

    admin = browser.tool
    admin.cookies.clear()
    admin.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": browser.form_token("/login")})
    r = admin.post(f"/lti/admin/courses/{context.id}/sync", data={"csrf_token": browser.form_token("/lti/admin")})
    assert r.status_code == 200 and "1 unenrolled" in r.text
    with Session(world.engine) as s:
        enrolled = s.exec(select(Enrollment.student_id).where(Enrollment.class_id == context.class_id)).all()
        assert len(enrolled) == 1
        bo = s.get(User, s.exec(select(LtiUserLink).where(LtiUserLink.sub == newcomer.sub)).one().user_id)
        assert s.get(Student, bo.student_id) is not None  # the student and their history are kept


def test_canvas_shaped_claims_map_to_the_rostered_student_and_section(browser, world):
    with Session(world.engine) as s:
        student = s.get(Student, world.students1[0])
        student.sourced_id = "oneroster-student-1"
        section = s.get(SchoolClass, world.class1)
        section.sourced_id = "oneroster-section-1"
        s.add(student)
        s.add(section)
        s.commit()
    canvas = {
        "https://purl.imsglobal.org/spec/lti/claim/lis": {
            "person_sourcedid": "oneroster-student-1",
            "course_offering_sourcedid": "oneroster-course-1",
            "course_section_sourcedid": "oneroster-section-1",
            "validation_context": None,
            "errors": {"errors": {}},
        },
        "https://purl.imsglobal.org/spec/lti/claim/tool_platform": {
            "guid": "QlREPjESa0rKVdzyKmtqF4omWNmTRBLZ9bWP3D2B:canvas-lms",
            "name": "Springfield Public Schools",
            "version": "cloud",
            "product_family_code": "canvas",
        },
        "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {
            "document_target": "iframe",
            "return_url": "https://springfield.instructure.com/courses/101/external_content/success/external_tool_redirect",
            "locale": "en",
            "height": 400,
            "width": 800,
        },
        "https://www.instructure.com/placement": "course_navigation",
        "locale": "en",
        "picture": "https://canvas.instructure.com/images/messages/avatar-50.png",
        "errors": {"errors": {}},
    }
    roles = [
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student",
        LEARNER,
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#User",
    ]
    person = Person("535fa085f22b4655f48cd5a36a9215f64c062838", roles, "Rostered Student")
    browser.platform.planned["canvas"] = PlannedLaunch(
        person, context_id="4dde05e8ca1973bcca9bffc13e1548820eee93a3", extra_claims=canvas
    )
    before = _counts(world)
    r = browser.launch("canvas")
    assert r.status_code == 303 and r.headers["location"] == "/student"
    with Session(world.engine) as s:
        link = s.exec(select(LtiUserLink).where(LtiUserLink.sub == person.sub)).one()
        assert s.get(User, link.user_id).student_id == world.students1[0]  # the rostered student, not a new one
        assert s.exec(select(LtiContextLink)).one().class_id == world.class1  # the rostered section
    after = _counts(world)
    assert after[1] == before[1] and after[2] == before[2]  # no new student, no new class


# ------------------------------------------------------------------ bad input
def _resign(token: str, key: str, kid: str, **changes) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(changes)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


BAD = ["expired", "forged", "replayed", "wrong audience", "unknown deployment", "unfetchable jwks"]


@pytest.mark.parametrize(
    "world,case",
    [("sqlite", case) for case in BAD] + [pytest.param("postgres", "replayed", marks=pytest.mark.postgres)],
    indirect=["world"],
)
def test_a_bad_launch_is_refused_in_words_and_creates_nothing(browser, world, caplog, case):
    lms = browser.platform
    lms.planned["bad"] = PlannedLaunch(STUDENT, expiration=-120 if case == "expired" else 300)
    if case == "unknown deployment":
        lms.registration.set_deployment_id("deployment-never-registered")
    if case == "unfetchable jwks":
        with Session(world.engine) as s:
            row = tool_platform(s, lms)
            row.jwks_url = "http://127.0.0.1:9/jwks"  # nothing listens on the discard port
            s.add(row)
            s.commit()
    fields = browser.launch_form("bad")
    if case == "replayed":
        assert browser.launch("bad", fields).status_code == 303
    kid = jwt.get_unverified_header(fields["id_token"])["kid"]
    if case == "forged":
        fields["id_token"] = _resign(fields["id_token"], _pem_pair()[0], kid, sub="someone-else")
    if case == "wrong audience":
        fields["id_token"] = _resign(
            fields["id_token"], lms.registration.get_platform_private_key(), kid, aud="another-tool", azp="another-tool"
        )
    before = _counts(world)
    with caplog.at_level(logging.WARNING, logger="masterycat.lti"):
        r = browser.launch("bad", fields)
    expected = {
        "expired": "has expired",
        "forged": "may be forged",
        "replayed": "already used",
        "wrong audience": "not a platform registered here",
        "unknown deployment": "deployment id 'deployment-never-registered' is not registered",
        "unfetchable jwks": "could not be fetched",
    }[case]
    assert r.status_code == 400 and "text/html" in r.headers["content-type"]
    assert expected in r.text.replace("&#39;", "'"), r.text
    assert "LTI launch refused" in caplog.text and expected in caplog.text
    assert _counts(world) == before
    assert "masterycat_session" not in r.headers.get("set-cookie", "")
    with Session(world.engine) as s:
        used = s.exec(select(LtiLaunchState).where(LtiLaunchState.used_at.is_not(None))).all()  # type: ignore[union-attr]
        assert len(used) == (1 if case == "replayed" else 0)


def test_an_unknown_issuer_at_login_is_refused_in_words(tool):
    r = tool.get("/lti/login", params={"iss": "https://lms.example.org", "login_hint": "x"})
    assert r.status_code == 400 and "no platform is registered here" in r.text.replace("&#39;", "'")
    r = tool.post("/lti/login", data={"login_hint": "x"})
    assert r.status_code == 400 and "must name the issuer" in r.text


def test_login_by_post_redirects_to_the_platform_with_state_and_nonce(tool, platform):
    r = tool.post(
        "/lti/login",
        data={"iss": platform.base, "login_hint": "u", "client_id": platform.client_id, "lti_message_hint": "h"},
        follow_redirects=False,
    )
    assert r.status_code == 302
    location = httpx.URL(r.headers["location"])
    assert str(location).startswith(f"{platform.base}/authorize")
    assert location.params["redirect_uri"] == f"{TOOL}/lti/launch" and location.params["response_mode"] == "form_post"
    assert location.params["state"] and location.params["nonce"] and location.params["lti_message_hint"] == "h"


def test_a_new_platform_key_is_fetched_when_a_token_names_an_unknown_kid(browser, world, monkeypatch):
    monkeypatch.setattr(validation, "JWKS_COOLDOWN", 0.0)  # no wait between the two fetches in a test
    lms = browser.platform
    lms.planned["first"] = PlannedLaunch(TEACHER)
    assert browser.launch("first").status_code == 303  # the platform's key set is now cached
    private, public = _pem_pair()
    lms.registration.set_platform_private_key(private).set_platform_public_key(public)  # the LMS rotates its key
    lms.planned["second"] = PlannedLaunch(TEACHER)
    lms.requests.clear()
    assert browser.launch("second").status_code == 303
    assert lms.requests.count("GET /jwks") == 1  # fetched again for the unknown kid


def test_a_proficiency_setting_sends_the_band_level_out_of_4(browser, world):
    assignment_id = _form_assignment(world)
    lms = browser.platform
    with Session(world.engine) as s:
        row = tool_platform(s, lms)
        row.score_meaning = "proficiency"
        s.add(row)
        s.commit()
    line_item = f"{lms.base}/courses/course-1/lineitems/1"
    lms.line_items[line_item] = {"id": line_item, "label": "Ratios quiz", "scoreMaximum": 4}
    lms.planned["s"] = PlannedLaunch(STUDENT, custom={"target": f"assignment:{assignment_id}"}, lineitem=line_item)
    _answer_and_submit(browser, browser.launch("s").headers["location"])
    assert deliver_due(world.engine) == {"delivered": 1}
    score = lms.scores[line_item][STUDENT.sub]
    assert score["scoreMaximum"] == 4 and score["scoreGiven"] in (1, 2, 3, 4)


@pytest.mark.parametrize("status,outcome", [(400, "failed"), (401, "pending")])
def test_a_refused_score_fails_at_once_but_an_expired_token_is_tried_again(browser, world, status, outcome):
    assignment_id = _form_assignment(world)
    lms = browser.platform
    line_item = f"{lms.base}/courses/course-1/lineitems/1"
    lms.line_items[line_item] = {"id": line_item, "label": "Ratios quiz", "scoreMaximum": 100}
    lms.planned["s"] = PlannedLaunch(STUDENT, custom={"target": f"assignment:{assignment_id}"}, lineitem=line_item)
    _answer_and_submit(browser, browser.launch("s").headers["location"])
    lms.score_refusal = status
    assert deliver_due(world.engine) == {outcome: 1}
    with Session(world.engine) as s:
        row = s.exec(select(LtiScoreOutbox)).one()
        assert f"the platform answered {status}" in row.last_error
        send_again(s, row.id)  # the admin's "Send again" (or the next try of a pending one)
        s.commit()
    lms.score_refusal = None
    assert deliver_due(world.engine) == {"delivered": 1}
    assert lms.scores[line_item][STUDENT.sub]["gradingProgress"] == "FullyGraded"


@pytest.mark.parametrize("choice", ["own form", "another teacher's form", "tracker", "morning"])
def test_deep_linking_other_choices(browser, world, choice):
    browser.platform.members["course-1"] = [STUDENT]
    browser.platform.planned["dl"] = PlannedLaunch(TEACHER, deep_linking=True)
    picker = browser.tool.get(browser.launch("dl").headers["location"])
    _, fields = form_fields(picker.text, "/lti/deep-link")
    with Session(world.engine) as s:
        teacher = s.get(User, s.exec(select(LtiUserLink).where(LtiUserLink.sub == TEACHER.sub)).one().user_id)
        items = s.exec(select(Item.id).where(Item.interaction == "single_choice").limit(2)).all()
        owner = world.teacher1 if choice == "another teacher's form" else teacher.teacher_id
        form_id = create_form(s, title="Exit ticket", versions={"A": list(items)}, owner_teacher_id=owner).id
        s.commit()
    data = {
        "own form": {"choice": "form", "form_id": form_id},
        "another teacher's form": {"choice": "form", "form_id": form_id},
        "tracker": {"choice": "tracker"},
        "morning": {"choice": "morning", "standard_id": world.standards["7.RP.A.3"]},
    }[choice]
    r = browser.tool.post("/lti/deep-link", data={**fields, **data}, follow_redirects=False)
    if choice == "another teacher's form":
        assert r.status_code == 403 and "is not yours or your team's" in r.text.replace("&#39;", "'")
        return
    assert r.status_code == 200, r.text
    action, answer = form_fields(r.text)
    assert httpx.post(action, data=answer).status_code == 200
    (item,) = browser.platform.content_items
    if choice == "tracker":
        assert item["custom"] == {"target": "tracker"} and "lineItem" not in item
    else:
        assert item["custom"]["target"].startswith("assignment:") and item["lineItem"]["scoreMaximum"] == 100
