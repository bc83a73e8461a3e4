"""The principal: a teacher login leading a school sees that school's view, its classes' trackers and its students' reports.

Two schools: North holds class 1 (taught by ``teacher``), South holds
class 2 (taught by ``teacher2``); ``principal`` teaches nothing and leads
North.  A student of each school has mastery stored, so the view of each
school has counts of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from itembank.bank import BankCache
from itembank.district import School, SchoolLeader
from itembank.mastery_store import refresh_mastery
from itembank.people import create_teacher, create_user
from itembank.responses import record_response
from itembank.tables import SchoolClass
from service.app import create_app
from service.pages.common import COOKIE
from service.security import TokenClaims, create_token
from tests.service.conftest import PASSWORD, SECRET, auth, make_settings

pytestmark = pytest.mark.parametrize(
    "db_engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def schools_world(report_world, password_hash):
    w = report_world
    bank = BankCache().load(w.engine)
    with Session(w.engine, expire_on_commit=False) as s:
        north, south = School(name="North Middle"), School(name="South Middle")
        s.add(north)
        s.add(south)
        s.flush()
        for class_id, school in ((w.class1, north), (w.class2, south)):
            row = s.get(SchoolClass, class_id)
            row.school_id = school.id
            s.add(row)
        # a student of South, red on 7.RP.A.2
        for k in range(5):
            item = w.items["7.RP.A.2"][k]
            record_response(
                s,
                dedupe_key=f"south/{k}",
                student_id=w.students2[0],
                item_id=item,
                item_version=1,
                answer="B",
                score=0,
                correct=False,
                source="import",
                answered_at=datetime(2026, 10, 1, 14, tzinfo=UTC),
            )
            refresh_mastery(s, bank, w.students2[0], item)
        pia = create_teacher(s, name="Pia Principal")
        s.add(SchoolLeader(teacher_id=pia.id, school_id=north.id))
        u = create_user(
            s, username="principal", password=PASSWORD, role="teacher", teacher_id=pia.id, password_hash=password_hash
        )
        w.users["principal"] = TokenClaims(u.id, "principal", "teacher", None, pia.id)
        s.commit()
        w.north, w.south, w.principal = north.id, south.id, pia.id
    return w


@pytest.fixture
def client(schools_world):
    from tests.pages.conftest import PageClient

    with PageClient(create_app(make_settings(), engine=schools_world.engine)) as c:
        yield c


def _as(client, world, username):
    client.cookies.set(COOKIE, create_token(world.users[username], SECRET, 30))
    return client


def test_the_principal_sees_their_school_and_not_the_other(schools_world, client):
    w = schools_world
    admin = _as(client, w, "admin").get("/schools").text
    assert "North Middle" in admin and "South Middle" in admin
    assert "of 3 student-objective results" in admin
    r = _as(client, w, "principal").get("/schools")
    assert r.status_code == 200, r.text
    html = r.text
    assert "North Middle" in html and "South Middle" not in html
    assert f'href="/teacher/classes/{w.class1}"' in html and f'href="/teacher/classes/{w.class2}"' not in html
    # South's student counts nowhere: not in the totals, not among the standards most students are red on
    assert "50% green, 0% yellow, 50% red of 2 student-objective results" in html
    most_red = html.split("most students are red on</h2>")[1].split("</table>")[0]
    assert "Write and solve equations" in most_red and "Recognize proportional" not in most_red
    assert '<a href="/schools"' in html  # the navigation shows the school view
    assert "In this school:" in html and "Across the district" not in html and ">District</th>" not in html
    assert "Across the district:" in admin


def test_the_school_view_of_one_school(schools_world, client):
    w = schools_world
    c = _as(client, w, "principal")
    assert "North Middle" in c.get(f"/schools?school={w.north}").text
    r = c.get(f"/schools?school={w.south}")
    assert r.status_code == 403 and "not a school you lead" in r.text and "South Middle" not in r.text
    assert c.get("/schools?school=999999").status_code == 404
    admin = _as(client, w, "admin").get(f"/schools?school={w.south}").text
    assert "South Middle" in admin and "North Middle" not in admin


def test_the_principal_starts_on_a_page_naming_the_schools_they_lead(schools_world, client):
    w = schools_world
    home = _as(client, w, "principal").get("/teacher").text
    led = home.split('id="led-h"')[1].split("</section>")[0]
    assert f'href="/schools?school={w.north}"' in led and "North Middle" in led and "South Middle" not in led
    assert "You have no classes of your own yet." in home
    assert 'id="led-h"' not in _as(client, w, "teacher").get("/teacher").text


def test_a_teacher_who_leads_no_school_has_no_school_view(schools_world, client):
    w = schools_world
    r = _as(client, w, "teacher").get("/schools")
    assert r.status_code == 403 and "you lead no school" in r.text
    assert '<a href="/schools"' not in _as(client, w, "teacher").get("/teacher").text
    assert _as(client, w, "teacher").get(f"/schools?school={w.north}").status_code == 403


def test_the_principal_reads_the_trackers_of_their_school_only_and_teaches_none(schools_world, client):
    w = schools_world
    c = _as(client, w, "principal")
    r = c.get(f"/teacher/classes/{w.class1}")
    assert r.status_code == 200, r.text
    assert "Mastery tracker" in r.text and "7A" in r.text and "First0 Last0" in r.text
    # read-only: no teacher's tools, the students' names lead to their reports
    assert "Morning work for this class" not in r.text and "/report-card" not in r.text
    assert f'href="/students/{w.students1[0]}/report"' in r.text
    assert c.get(f"/teacher/classes/{w.class1}/tracker.csv").text.startswith("student_id,")
    other = c.get(f"/teacher/classes/{w.class2}")
    assert other.status_code == 403 and "nor a class of a school you lead" in other.text
    assert c.get(f"/teacher/classes/{w.class2}/tracker.csv").status_code == 403
    # the API: the tracker file and the grid
    r = client.get(f"/api/v1/classes/{w.class1}/tracker.csv", headers=auth(w, "principal"))
    assert r.status_code == 200 and r.text.startswith("student_id,")
    r = client.get(f"/api/v1/classes/{w.class2}/tracker.csv", headers=auth(w, "principal"))
    assert r.status_code == 403 and "school you lead" in r.json()["detail"]
    assert client.get(f"/api/v1/classes/{w.class1}/mastery", headers=auth(w, "principal")).status_code == 200
    assert client.get(f"/api/v1/classes/{w.class2}/mastery", headers=auth(w, "principal")).status_code == 403
    # reading is all: the principal does not teach the classes they read
    assert c.get(f"/teacher/classes/{w.class1}/morning-work").status_code == 403
    assert c.get(f"/teacher/classes/{w.class1}/report-card").status_code == 403
    assert c.get(f"/teacher/students/{w.students1[0]}").status_code == 403
    headers = auth(w, "principal")
    assert client.get(f"/api/v1/classes/{w.class1}", headers=headers).status_code == 403
    r = client.put(f"/api/v1/classes/{w.class1}/practice", json={"free_practice": True}, headers=headers)
    assert r.status_code == 403


def test_the_principal_reads_the_reports_of_their_schools_students(schools_world, client):
    w = schools_world
    c = _as(client, w, "principal")
    r = c.get(f"/students/{w.students1[0]}/report?term={w.term}")
    assert r.status_code == 200 and "Progress report: First0 Last0" in r.text
    assert c.get(f"/students/{w.students2[0]}/report").status_code == 403
    headers = auth(w, "principal")
    assert client.get(f"/api/v1/students/{w.students1[0]}/report", headers=headers).status_code == 200
    r = client.get(f"/api/v1/students/{w.students2[0]}/report", headers=headers)
    assert r.status_code == 403


def _leaders(engine) -> set[tuple[int, int]]:
    with Session(engine) as s:
        return {(r.teacher_id, r.school_id) for r in s.exec(select(SchoolLeader)).all()}


def test_admin_appoints_and_removes_a_principal(schools_world, client):
    w = schools_world
    c = client
    r = c.post("/login", data={"username": "admin", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get("/admin/schools").text
    assert "Appoint a principal" in page and "Pia Principal" in page
    # the form without its token is refused
    r = c.post("/admin/schools/leaders", data={"school_id": w.south, "teacher_id": w.teacher2}, csrf=False)
    assert r.status_code == 403 and (w.teacher2, w.south) not in _leaders(w.engine)
    r = c.post("/admin/schools/leaders", data={"school_id": w.south, "teacher_id": w.teacher2}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/schools"
    assert (w.teacher2, w.south) in _leaders(w.engine)
    assert f'action="/admin/schools/{w.south}/leaders/{w.teacher2}/remove"' in c.get("/admin/schools").text
    # teacher2 now sees South's view beside teaching class 2
    assert "South Middle" in _as(client.__class__(client.app), w, "teacher2").get("/schools").text
    r = c.post("/admin/schools/leaders", data={"school_id": 999999, "teacher_id": w.teacher2})
    assert r.status_code == 404 and "no school with id 999999" in r.text
    r = c.post("/admin/schools/leaders", data={"school_id": w.south, "teacher_id": 999999})
    assert r.status_code == 404 and "no teacher with id 999999" in r.text
    r = c.post(f"/admin/schools/{w.south}/leaders/{w.teacher2}/remove", follow_redirects=False)
    assert r.status_code == 303 and (w.teacher2, w.south) not in _leaders(w.engine)
    r = c.post(f"/admin/schools/{w.south}/leaders/{w.teacher2}/remove")
    assert r.status_code == 404 and "does not lead school" in r.text
    # a teacher cannot appoint
    t = _as(client.__class__(client.app), w, "teacher")
    r = t.post("/admin/schools/leaders", data={"school_id": w.north, "teacher_id": w.teacher1})
    assert r.status_code == 403 and (w.teacher1, w.north) not in _leaders(w.engine)


def test_admin_appoints_and_removes_a_principal_through_the_api(schools_world, client):
    w = schools_world
    admin, url = auth(w, "admin"), f"/api/v1/teachers/{w.teacher2}/schools-led"
    assert client.get(url, headers=admin).json() == []
    assert client.put(f"{url}/{w.south}", headers=admin).status_code == 204
    assert client.put(f"{url}/{w.south}", headers=admin).status_code == 204  # already: nothing to do
    assert client.get(url, headers=admin).json() == [w.south]
    assert client.get("/api/v1/teachers/999999/schools-led", headers=admin).status_code == 404
    r = client.put(f"{url}/999999", headers=admin)
    assert r.status_code == 404 and r.json()["detail"] == "no school with id 999999"
    r = client.put(f"/api/v1/teachers/999999/schools-led/{w.south}", headers=admin)
    assert r.status_code == 404 and r.json()["detail"] == "no teacher with id 999999"
    for who in ("teacher", "principal"):
        assert client.put(f"{url}/{w.north}", headers=auth(w, who)).status_code == 403
        assert client.delete(f"{url}/{w.south}", headers=auth(w, who)).status_code == 403
    assert client.delete(f"{url}/{w.south}", headers=admin).status_code == 204
    assert client.delete(f"{url}/{w.south}", headers=admin).status_code == 404
    assert _leaders(w.engine) == {(w.principal, w.north)}
