"""The role matrix: every endpoint x every role (and no token), allowed or refused.

One district per backend serves the whole module; requests that write use
throw-away objects or are idempotent, so the order of the cases does not
matter.  Calibration jobs are recorded, not run (dependency override).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from itembank.assignments import AssignmentSpec, create_assignment
from itembank.attempts import start_attempt
from itembank.bank import BankCache
from itembank.checks import start_check
from itembank.db import make_engine
from itembank.district import AcademicSession, Guardian, School
from itembank.forms import create_form, get_form
from itembank.guardianship import link_guardian
from itembank.migrate import upgrade
from itembank.people import create_class, create_student, create_user, enroll
from itembank.responses import record_response
from itembank.standards import create_standard, find_standard
from itembank.tables import Item
from itembank.teams import create_team
from service.app import create_app
from service.deps import get_jobs
from service.security import TokenClaims, create_token
from tests.service.conftest import SECRET, TABLES, auth, build_world, make_settings

ROLES = ("admin", "psychometrician", "teacher", "student")
ALL = set(ROLES)
KEEPERS = {"admin", "psychometrician"}
STAFF = {"admin", "psychometrician", "teacher"}
ADMIN = {"admin"}
#: a class's teachers and admins (report cards)
CLASS_STAFF = {"admin", "teacher"}


class RecordingJobs:
    """Stands in for the job runner: records calibration submissions."""

    def __init__(self):
        self.submitted = []

    def submit_calibration(self, calibration_id, make_live_when_done=False):
        self.submitted.append(calibration_id)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def matrix(request, password_hash):
    if request.param == "sqlite":
        engine = make_engine("sqlite://")
        upgrade(engine)
    else:
        engine = request.getfixturevalue("pg_engine")
    world = build_world(engine, password_hash)
    with Session(engine, expire_on_commit=False) as s:
        scratch = {
            "standard": create_standard(s, framework="G7", code="7.X", title="Scratch", level="competency").id,
            "class": create_class(s, name="Scratch", teacher_id=world.teacher1).id,
            "student": create_student(s, external_id="SCRATCH").id,
        }
        enroll(s, scratch["class"], scratch["student"])
        leaver = create_student(s, external_id="LEAVER").id
        enroll(s, scratch["class"], leaver)
        scratch["leaver"] = leaver
        term = AcademicSession(title="Fall", type="term", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
        parent = Guardian(first_name="Pat", last_name="Parent")
        s.add(term)
        s.add(parent)
        s.flush()
        scratch["term"] = term.id
        link_guardian(s, parent.id, world.students1[0])
        login = create_user(
            s,
            username="guardian",
            password="x" * 12,
            role="guardian",
            guardian_id=parent.id,
            password_hash=password_hash,
        )
        world.users["guardian"] = TokenClaims(login.id, "guardian", "guardian", None, None)
        item = s.get(Item, world.items["7.EE.B.4"][-1])  # the rubric item
        scratch["response"] = record_response(
            s,
            dedupe_key="matrix/cr",
            student_id=world.students1[0],
            item_id=item.id,
            item_version=1,
            answer="I wrote an equation.",
            score=None,
            correct=None,
            source="entry",
        ).id
        s.commit()
    app = create_app(make_settings(), engine=engine)
    jobs = RecordingJobs()
    app.dependency_overrides[get_jobs] = lambda: jobs
    with TestClient(app) as client:
        yield world, scratch, client
    if request.param == "postgres":
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    else:
        engine.dispose()


def _check_for(world, student_id):
    """A fresh active check of ``student_id`` and its served item."""
    bank = BankCache()
    live = bank.load(world.engine)
    with Session(world.engine, expire_on_commit=False) as s:
        out = start_check(s, live, student_id=student_id, standard=find_standard(s, "7.RP.A.2"), seed=1)
        s.commit()
        return out.check.id, out.item


def _cases():
    """(name, allowed roles, success status, request builder)."""
    u = lambda: uuid.uuid4().hex[:8]  # noqa: E731
    P = "/api/v1"
    params_csv = "item_id,model,a,b,c,d\n7RPA2-sc0,2pl,1.1,0.2,,\n7RPA2-sc1,2pl,0.9,-0.3,,\n"
    resp_csv = "student_id,item_id,score\nS000,7RPA2-sc0,1\nS001,7RPA2-sc1,0\n"
    std_csv = "framework,code,title,level,parent_code,description\nG7,7.X,Scratch,competency,,\n"
    item_json = '{"items": [{"id": "7RPA2-sc0", "objective": "7.RP.A.2", "interaction": "single_choice", "stem": "What is 2 + 2?", "choices": [{"id": "A", "text": "4"}, {"id": "B", "text": "5"}], "key": "A", "rationale": "2 + 2 = 4.", "dok": 1, "status": "operational"}]}'
    return [
        ("me", ALL, 200, lambda w, s: ("GET", f"{P}/me", {})),
        ("standards list", ALL, 200, lambda w, s: ("GET", f"{P}/standards", {})),
        ("standards read", ALL, 200, lambda w, s: ("GET", f"{P}/standards/{w.standards['7.RP']}", {})),
        ("standards export", ALL, 200, lambda w, s: ("GET", f"{P}/standards/export", {})),
        (
            "standards create",
            KEEPERS,
            201,
            lambda w, s: (
                "POST",
                f"{P}/standards",
                {"json": {"framework": "G7", "code": f"7.Z{u()}", "title": "New", "level": "competency"}},
            ),
        ),
        (
            "standards update",
            KEEPERS,
            200,
            lambda w, s: ("PATCH", f"{P}/standards/{s['standard']}", {"json": {"title": "Scratch"}}),
        ),
        ("standards retire", KEEPERS, 200, lambda w, s: ("POST", f"{P}/standards/{s['standard']}/retire", {})),
        (
            "standards import",
            KEEPERS,
            200,
            lambda w, s: ("POST", f"{P}/standards/import", {"files": {"file": ("s.csv", std_csv)}}),
        ),
        ("items list", STAFF, 200, lambda w, s: ("GET", f"{P}/items", {})),
        ("items read", STAFF, 200, lambda w, s: ("GET", f"{P}/items/7RPA2-sc0", {})),
        (
            "items create",
            KEEPERS,
            201,
            lambda w, s: (
                "POST",
                f"{P}/items",
                {
                    "json": {
                        "id": f"new-{u()}",
                        "stem": "2 + 3?",
                        "interaction": "numeric_entry",
                        "key": 5,
                        "objective": "7.RP.A.2",
                    }
                },
            ),
        ),
        ("items update", KEEPERS, 200, lambda w, s: ("PATCH", f"{P}/items/7RPA3-sc9", {"json": {"dok": 2}})),
        ("items retire", KEEPERS, 200, lambda w, s: ("POST", f"{P}/items/7RPA3-sc8/retire", {})),
        ("items parameters", KEEPERS, 200, lambda w, s: ("GET", f"{P}/items/7RPA2-sc0/parameters", {})),
        ("items export", KEEPERS, 200, lambda w, s: ("GET", f"{P}/items/export?format=json", {})),
        (
            "items import",
            KEEPERS,
            200,
            lambda w, s: ("POST", f"{P}/items/import", {"files": {"file": ("i.json", item_json)}}),
        ),
        ("students list", STAFF, 200, lambda w, s: ("GET", f"{P}/students", {})),
        ("students create", ADMIN, 201, lambda w, s: ("POST", f"{P}/students", {"json": {"external_id": f"N{u()}"}})),
        ("students read own", ALL, 200, lambda w, s: ("GET", f"{P}/students/{w.students1[0]}", {})),
        ("students read other", KEEPERS, 200, lambda w, s: ("GET", f"{P}/students/{w.students2[0]}", {})),
        ("students update", ADMIN, 200, lambda w, s: ("PATCH", f"{P}/students/{s['student']}", {"json": {"grade": 7}})),
        ("students retire", ADMIN, 200, lambda w, s: ("POST", f"{P}/students/{s['student']}/retire", {})),
        ("student mastery own", ALL, 200, lambda w, s: ("GET", f"{P}/students/{w.students1[0]}/mastery", {})),
        ("student mastery other", KEEPERS, 200, lambda w, s: ("GET", f"{P}/students/{w.students2[0]}/mastery", {})),
        ("teachers list", ADMIN, 200, lambda w, s: ("GET", f"{P}/teachers", {})),
        ("teachers create", ADMIN, 201, lambda w, s: ("POST", f"{P}/teachers", {"json": {"name": "New Teacher"}})),
        ("teachers read own", STAFF, 200, lambda w, s: ("GET", f"{P}/teachers/{w.teacher1}", {})),
        ("teachers read other", KEEPERS, 200, lambda w, s: ("GET", f"{P}/teachers/{w.teacher2}", {})),
        ("users list", ADMIN, 200, lambda w, s: ("GET", f"{P}/users", {})),
        (
            "users create",
            ADMIN,
            201,
            lambda w, s: (
                "POST",
                f"{P}/users",
                {"json": {"username": f"u{u()}", "password": "long enough pw", "role": "psychometrician"}},
            ),
        ),
        ("classes list", STAFF, 200, lambda w, s: ("GET", f"{P}/classes", {})),
        (
            "classes create",
            ADMIN,
            201,
            lambda w, s: ("POST", f"{P}/classes", {"json": {"name": "7Z", "teacher_id": w.teacher1}}),
        ),
        ("classes read own", STAFF, 200, lambda w, s: ("GET", f"{P}/classes/{w.class1}", {})),
        ("classes read other", KEEPERS, 200, lambda w, s: ("GET", f"{P}/classes/{w.class2}", {})),
        ("classes update", ADMIN, 200, lambda w, s: ("PATCH", f"{P}/classes/{s['class']}", {"json": {"grade": 7}})),
        ("classes retire", ADMIN, 200, lambda w, s: ("POST", f"{P}/classes/{s['class']}/retire", {})),
        ("class students", STAFF, 200, lambda w, s: ("GET", f"{P}/classes/{w.class1}/students", {})),
        ("class students other", KEEPERS, 200, lambda w, s: ("GET", f"{P}/classes/{w.class2}/students", {})),
        (
            "class enroll",
            ADMIN,
            201,
            lambda w, s: ("POST", f"{P}/classes/{s['class']}/students", {"json": {"student_id": s["student"]}}),
        ),
        ("class unenroll", ADMIN, 204, lambda w, s: ("DELETE", f"{P}/classes/{s['class']}/students/{s['leaver']}", {})),
        ("class mastery", STAFF, 200, lambda w, s: ("GET", f"{P}/classes/{w.class1}/mastery", {})),
        ("class mastery other", KEEPERS, 200, lambda w, s: ("GET", f"{P}/classes/{w.class2}/mastery", {})),
        (
            "morning work",
            STAFF,
            200,
            lambda w, s: (
                "POST",
                f"{P}/classes/{w.class1}/morning-work",
                {"json": {"standard": "7.RP.A.2", "items_per_tier": 2}},
            ),
        ),
        (
            "morning work other",
            KEEPERS,
            200,
            lambda w, s: (
                "POST",
                f"{P}/classes/{w.class2}/morning-work",
                {"json": {"standard": "7.RP.A.2", "items_per_tier": 2}},
            ),
        ),
        (
            "checks start own",
            ALL,
            201,
            lambda w, s: ("POST", f"{P}/checks", {"json": {"student_id": w.students1[0], "standard": "7.RP.A.2"}}),
        ),
        (
            "checks start other",
            KEEPERS,
            201,
            lambda w, s: ("POST", f"{P}/checks", {"json": {"student_id": w.students2[0], "standard": "7.RP.A.2"}}),
        ),
        ("checks read own", ALL, 200, "check-read"),
        ("checks answer own", ALL, 200, "check-answer"),
        (
            "responses create",
            STAFF,
            201,
            lambda w, s: (
                "POST",
                f"{P}/responses",
                {
                    "json": {
                        "student_id": w.students1[0],
                        "item_id": "7RPA2-cr0",
                        "answer": "The unit rate is the price of one.",
                    }
                },
            ),
        ),
        ("responses list", ALL, 200, lambda w, s: ("GET", f"{P}/responses", {})),
        ("responses read own", ALL, 200, lambda w, s: ("GET", f"{P}/responses/{s['response']}", {})),
        ("responses score", STAFF, 201, "rescore"),
        (
            "responses import",
            KEEPERS,
            200,
            lambda w, s: ("POST", f"{P}/responses/import", {"files": {"file": ("r.csv", resp_csv)}}),
        ),
        ("calibrations start", KEEPERS, 202, lambda w, s: ("POST", f"{P}/calibrations", {"json": {"model": "2pl"}})),
        ("calibrations list", KEEPERS, 200, lambda w, s: ("GET", f"{P}/calibrations", {})),
        ("calibrations read", KEEPERS, 200, lambda w, s: ("GET", f"{P}/calibrations/{w.calibration_id}", {})),
        ("calibrations live", KEEPERS, 200, lambda w, s: ("POST", f"{P}/calibrations/{w.calibration_id}/live", {})),
        (
            "calibrations parameters",
            KEEPERS,
            200,
            lambda w, s: ("GET", f"{P}/calibrations/{w.calibration_id}/parameters", {}),
        ),
        (
            "calibrations parameters csv",
            KEEPERS,
            200,
            lambda w, s: ("GET", f"{P}/calibrations/{w.calibration_id}/parameters.csv", {}),
        ),
        (
            "calibrations import",
            KEEPERS,
            201,
            lambda w, s: ("POST", f"{P}/calibrations/import", {"files": {"file": ("p.csv", params_csv)}}),
        ),
        # reports (issue 16): a student's report for the student, their guardians, teachers and admins
        (
            "student report own",
            {"admin", "teacher", "student"},
            200,
            lambda w, s: ("GET", f"{P}/students/{w.students1[0]}/report", {}),
        ),
        ("student report other", ADMIN, 200, lambda w, s: ("GET", f"{P}/students/{w.students2[0]}/report", {})),
        ("tracker csv", STAFF, 200, lambda w, s: ("GET", f"{P}/classes/{w.class1}/tracker.csv", {})),
        ("tracker csv other", KEEPERS, 200, lambda w, s: ("GET", f"{P}/classes/{w.class2}/tracker.csv", {})),
        (
            "report card csv",
            CLASS_STAFF,
            200,
            lambda w, s: ("GET", f"{P}/classes/{w.class1}/report-card.csv?term={s['term']}", {}),
        ),
        (
            "report card csv other",
            ADMIN,
            200,
            lambda w, s: ("GET", f"{P}/classes/{w.class2}/report-card.csv?term={s['term']}", {}),
        ),
        (
            "report card oneroster",
            CLASS_STAFF,
            200,
            lambda w, s: ("GET", f"{P}/classes/{w.class1}/report-card.zip?term={s['term']}&format=oneroster", {}),
        ),
        (
            "report card comment",
            CLASS_STAFF,
            200,
            lambda w, s: (
                "PUT",
                f"{P}/classes/{w.class1}/report-card/comments",
                {"json": {"term": s["term"], "student_id": w.students1[1], "standard": "7.RP", "text": "Good work"}},
            ),
        ),
        ("report settings read", STAFF, 200, lambda w, s: ("GET", f"{P}/report-settings", {})),
        ("report settings write", ADMIN, 200, lambda w, s: ("PUT", f"{P}/report-settings", {"json": {}})),
    ]


CASES = _cases()


def _build(kind, world, scratch, client):
    P = "/api/v1"
    if kind == "check-read":
        check_id, _ = _check_for(world, world.students1[0])
        return "GET", f"{P}/checks/{check_id}", {}
    if kind == "check-answer":
        check_id, item = _check_for(world, world.students1[0])
        with Session(world.engine) as s:
            key = s.get(Item, item.id).key
        return "POST", f"{P}/checks/{check_id}/responses", {"json": {"item_id": item.id, "answer": key}}
    if kind == "rescore":
        # score the newest version of the scratch response
        rows = client.get(
            f"{P}/responses?item_id=7EEB4-cr0&student_id={world.students1[0]}", headers=auth(world, "admin")
        ).json()["items"]
        newest = max(r["id"] for r in rows)
        return "POST", f"{P}/responses/{newest}/score", {"json": {"score": 2, "note": "matrix"}}
    raise AssertionError(kind)


@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "anonymous"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_role_matrix(matrix, case, role):
    world, scratch, client = matrix
    name, allowed, ok_status, builder = case
    method, url, kwargs = builder(world, scratch) if callable(builder) else _build(builder, world, scratch, client)
    headers = auth(world, role) if role else {}
    r = client.request(method, url, headers=headers, **kwargs)
    if role is None:
        assert r.status_code == 401, (name, r.status_code, r.text)
    elif role in allowed:
        assert r.status_code == ok_status, (name, role, r.status_code, r.text)
    else:
        assert r.status_code == 403, (name, role, r.status_code, r.text)
    assert r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY", name


#: what a guardian of student 1 may do besides reading that student's report: reference data every login reads
GUARDIAN_READS = {"student report own", "me", "standards list", "standards read", "standards export"}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_a_guardian_reads_their_childs_report_and_nothing_else(matrix, case):
    world, scratch, client = matrix
    name, _, ok_status, builder = case
    method, url, kwargs = builder(world, scratch) if callable(builder) else _build(builder, world, scratch, client)
    r = client.request(method, url, headers=auth(world, "guardian"), **kwargs)
    if name in GUARDIAN_READS:
        assert r.status_code == ok_status, (name, r.status_code, r.text)
    else:
        assert r.status_code == 403, (name, r.status_code, r.text)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_a_token_of_an_ended_login_is_refused_everywhere(matrix, case, role):
    """A validly signed token whose login has moved on (logged out, new password) is 401 on every endpoint."""
    world, scratch, client = matrix
    name, _, _, builder = case
    method, url, kwargs = builder(world, scratch) if callable(builder) else _build(builder, world, scratch, client)
    ended = replace(world.users[role], token_version=world.users[role].token_version - 1)
    r = client.request(method, url, headers={"Authorization": f"Bearer {create_token(ended, SECRET, 30)}"}, **kwargs)
    assert r.status_code == 401, (name, role, r.status_code, r.text)


@pytest.mark.parametrize("role", ROLES)
def test_students_never_see_keys_or_parameters(matrix, role):
    world, _, client = matrix
    h = auth(world, role)
    r = client.post("/api/v1/checks", json={"student_id": world.students1[0], "standard": "7.EE.B.4"}, headers=h)
    assert r.status_code == 201
    item = r.json()["item"]
    assert set(item) == {"id", "stem", "interaction", "choices", "answer_format", "targets", "stem_html"}
    assert all(set(c) == {"id", "text"} for c in item["choices"])
    assert not _keys(r.json()) & {"key", "rationale", "a", "b", "c", "d", "thresholds", "se", "rubric", "parameters"}


def _keys(doc) -> set:
    """Every object key anywhere in a JSON document."""
    if isinstance(doc, dict):
        return set(doc) | set().union(*(_keys(v) for v in doc.values()))
    if isinstance(doc, list):
        return set().union(*(_keys(v) for v in doc)) if doc else set()
    return set()


def test_teacher_lists_only_their_classes_and_students(matrix):
    world, scratch, client = matrix
    h = auth(world, "teacher")
    classes = client.get("/api/v1/classes", headers=h).json()["items"]
    assert classes and all(c["teacher_id"] == world.teacher1 for c in classes)
    assert world.class2 not in {c["id"] for c in classes}
    students = {s["id"] for s in client.get("/api/v1/students?limit=200", headers=h).json()["items"]}
    assert set(world.students1) <= students and not (set(world.students2) & students)
    # their students' responses only
    rows = client.get("/api/v1/responses?limit=200", headers=h).json()["items"]
    assert all(r["student_id"] not in world.students2 for r in rows)


def test_student_lists_only_their_responses(matrix):
    world, _, client = matrix
    h = auth(world, "student")
    rows = client.get("/api/v1/responses?limit=200", headers=h).json()["items"]
    assert all(r["student_id"] == world.students1[0] for r in rows)
    assert client.get(f"/api/v1/responses?student_id={world.students2[0]}", headers=h).status_code == 403


@pytest.mark.parametrize(
    "method,url",
    [
        ("GET", "/api/v1/standards/999999"),
        ("GET", "/api/v1/items/NOPE"),
        ("GET", "/api/v1/students/999999"),
        ("GET", "/api/v1/classes/999999"),
        ("GET", "/api/v1/calibrations/999999"),
        ("GET", "/api/v1/responses/999999"),
        ("GET", "/api/v1/checks/999999"),
        ("GET", "/api/v1/students/999999/mastery"),
        ("GET", "/api/v1/classes/999999/mastery"),
    ],
)
def test_unknown_ids_are_404(matrix, method, url):
    world, _, client = matrix
    r = client.request(method, url, headers=auth(world, "admin"))
    assert r.status_code == 404 and r.json()["detail"]


# ------------------------------------------- assessments given to classes (issue 11)
TEACHING = {"admin", "teacher"}


@pytest.fixture(scope="module")
def assessments(matrix):
    """A school, a team of the two teachers, a team form and an assignment of it to class 1 (by teacher 1)."""
    world, _, _ = matrix
    with Session(world.engine, expire_on_commit=False) as s:
        school = School(name=f"Matrix School {uuid.uuid4().hex[:6]}")
        s.add(school)
        s.flush()
        team = create_team(s, school_id=school.id, name="Grade 7", teacher_ids=[world.teacher1, world.teacher2])
        sc = [i for i in world.items["7.RP.A.2"] if "-sc" in i]
        form = create_form(
            s, title="Matrix CFA", versions={"A": sc[:3], "B": sc[3:6]}, purpose="common_assessment", team_id=team.id
        )
        spec = AssignmentSpec(kind="form", title="Matrix CFA", form=form, class_ids=(world.class1,))
        assignment = create_assignment(s, None, spec, teacher_id=world.teacher1, created_by=None)
        draft = create_form(s, title="Draft", versions={"A": sc[6:8]}, owner_teacher_id=world.teacher1)
        s.commit()
        return {"team": team.id, "school": school.id, "form": form.id, "assignment": assignment.id, "draft": draft.id}


def _fresh_attempt(world, scratch) -> int:
    """A new assignment of the matrix form to class 1 and student 0's attempt at it."""
    with Session(world.engine, expire_on_commit=False) as s:
        spec = AssignmentSpec(kind="form", title="Fresh", form=get_form(s, scratch["form"]), class_ids=(world.class1,))
        assignment = create_assignment(s, None, spec, teacher_id=world.teacher1, created_by=None)
        attempt, _ = start_attempt(s, None, assignment, world.students1[0])
        s.commit()
        return attempt.id


def _fresh_assignment(world, scratch) -> int:
    with Session(world.engine, expire_on_commit=False) as s:
        spec = AssignmentSpec(kind="form", title="Fresh", form=get_form(s, scratch["form"]), class_ids=(world.class1,))
        row = create_assignment(s, None, spec, teacher_id=world.teacher1, created_by=None)
        s.commit()
        return row.id


def _assessment_cases():
    P = "/api/v1"
    u = lambda: uuid.uuid4().hex[:8]  # noqa: E731
    form_body = lambda w: {"title": "By hand", "versions": {"A": [w.items["7.RP.A.3"][0]]}}  # noqa: E731
    assignment_body = lambda w, a: {  # noqa: E731
        "kind": "form",
        "form_id": a["form"],
        "class_ids": [w.class1],
        "feedback": "on_close",
        "retakes": {"max": 1, "wait_days": 2},
    }
    return [
        ("forms create", TEACHING, 201, lambda w, a: ("POST", f"{P}/forms", {"json": form_body(w)})),
        ("forms list", TEACHING, 200, lambda w, a: ("GET", f"{P}/forms", {})),
        ("forms read", TEACHING, 200, lambda w, a: ("GET", f"{P}/forms/{a['form']}", {})),
        ("forms update", TEACHING, 200, lambda w, a: ("PATCH", f"{P}/forms/{a['draft']}", {"json": {"title": "D"}})),
        ("forms revise", TEACHING, 201, lambda w, a: ("POST", f"{P}/forms/{a['form']}/revisions", {"json": {}})),
        (
            "assignments create",
            TEACHING,
            201,
            lambda w, a: ("POST", f"{P}/assignments", {"json": assignment_body(w, a)}),
        ),
        ("assignments list", TEACHING, 200, lambda w, a: ("GET", f"{P}/assignments", {})),
        (
            "assignments read",
            ALL - {"psychometrician"},
            200,
            lambda w, a: ("GET", f"{P}/assignments/{a['assignment']}", {}),
        ),
        (
            "assignments extend",
            TEACHING,
            200,
            lambda w, a: (
                "PATCH",
                f"{P}/assignments/{a['assignment']}",
                {"json": {"closes_at": "2099-01-01T00:00:00Z"}},
            ),
        ),
        ("assignments close", TEACHING, 200, "fresh-assignment-close"),
        (
            "assignments reopen",
            TEACHING,
            200,
            lambda w, a: (
                "POST",
                f"{P}/assignments/{a['assignment']}/students/{w.students1[1]}/reopen",
                {"json": {"closes_at": "2099-01-01T00:00:00Z"}},
            ),
        ),
        (
            "assignments retakes",
            TEACHING,
            200,
            lambda w, a: (
                "POST",
                f"{P}/assignments/{a['assignment']}/retakes",
                {"json": {"student_ids": [w.students1[2]]}},
            ),
        ),
        (
            "assignments progress",
            TEACHING,
            200,
            lambda w, a: ("GET", f"{P}/assignments/{a['assignment']}/progress", {}),
        ),
        (
            "assignments results",
            TEACHING,
            201,
            lambda w, a: (
                "POST",
                f"{P}/assignments/{a['assignment']}/results",
                {"json": {"answered_on": "2026-01-05", "rows": [{"student_id": w.students1[3], "answers": {}}]}},
            ),
        ),
        (
            "student to-do own",
            ALL - {"psychometrician"},
            200,
            lambda w, a: ("GET", f"{P}/students/{w.students1[0]}/assignments", {}),
        ),
        ("attempts start", {"student"}, 201, "fresh-assignment-start"),
        ("attempts read", ALL - {"psychometrician"}, 200, "fresh-attempt-read"),
        ("attempts answer", {"student"}, 200, "fresh-attempt-answer"),
        ("attempts submit", {"student"}, 200, "fresh-attempt-submit"),
        (
            "teams create",
            ADMIN,
            201,
            lambda w, a: (
                "POST",
                f"{P}/teams",
                {"json": {"school_id": a["school"], "name": f"T{u()}", "teacher_ids": [w.teacher1]}},
            ),
        ),
        ("teams list", TEACHING, 200, lambda w, a: ("GET", f"{P}/teams", {})),
        ("teams read", TEACHING, 200, lambda w, a: ("GET", f"{P}/teams/{a['team']}", {})),
        ("team assessment", TEACHING, 200, lambda w, a: ("GET", f"{P}/teams/{a['team']}/assessments/{a['form']}", {})),
        (
            "team assessment csv",
            TEACHING,
            200,
            lambda w, a: ("GET", f"{P}/teams/{a['team']}/assessments/{a['form']}.csv", {}),
        ),
        ("class practice read", TEACHING, 200, lambda w, a: ("GET", f"{P}/classes/{w.class1}/practice", {})),
        (
            "class practice update",
            TEACHING,
            200,
            lambda w, a: ("PUT", f"{P}/classes/{w.class1}/practice", {"json": {"free_practice": True}}),
        ),
    ]


ASSESSMENT_CASES = _assessment_cases()


def _build_assessment(kind, world, scratch):
    P = "/api/v1"
    if kind == "fresh-assignment-close":
        return "POST", f"{P}/assignments/{_fresh_assignment(world, scratch)}/close", {}
    if kind == "fresh-assignment-start":
        return "POST", f"{P}/assignments/{_fresh_assignment(world, scratch)}/attempts", {}
    attempt = _fresh_attempt(world, scratch)
    if kind == "fresh-attempt-read":
        return "GET", f"{P}/attempts/{attempt}", {}
    if kind == "fresh-attempt-answer":
        item = [i for i in world.items["7.RP.A.2"] if "-sc" in i][0]
        return "PUT", f"{P}/attempts/{attempt}/answers/{item}", {"json": {"answer": "B"}}
    if kind == "fresh-attempt-submit":
        return "POST", f"{P}/attempts/{attempt}/submit", {}
    raise AssertionError(kind)


@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "anonymous"])
@pytest.mark.parametrize("case", ASSESSMENT_CASES, ids=[c[0] for c in ASSESSMENT_CASES])
def test_assessment_role_matrix(matrix, assessments, case, role):
    world, _, client = matrix
    name, allowed, ok_status, builder = case
    method, url, kwargs = (
        builder(world, assessments) if callable(builder) else _build_assessment(builder, world, assessments)
    )
    headers = auth(world, role) if role else {}
    r = client.request(method, url, headers=headers, **kwargs)
    if role is None:
        assert r.status_code == 401, (name, r.status_code, r.text)
    elif role in allowed:
        assert r.status_code == ok_status, (name, role, r.status_code, r.text)
    else:
        assert r.status_code == 403, (name, role, r.status_code, r.text)
    assert r.headers["cache-control"] == "no-store", name


@pytest.mark.parametrize("case", ASSESSMENT_CASES, ids=[c[0] for c in ASSESSMENT_CASES])
def test_a_guardian_reaches_no_assessment(matrix, assessments, case):
    world, _, client = matrix
    name, _, _, builder = case
    method, url, kwargs = (
        builder(world, assessments) if callable(builder) else _build_assessment(builder, world, assessments)
    )
    r = client.request(method, url, headers=auth(world, "guardian"), **kwargs)
    assert r.status_code == 403, (name, r.status_code, r.text)
