"""The term a report covers: the current academic session by default, ``?term=`` another, the last 90 days without any."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from itembank.district import AcademicSession
from itembank.errors import NotFound
from itembank.report_cards import report_term
from itembank.tables import utcnow
from tests.reports.test_report_pages import _as
from tests.service.conftest import auth

SQLITE = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)


def _add(engine, title: str, start: date, end: date, *, kind: str = "term", retired: bool = False) -> int:
    with Session(engine) as s:
        row = AcademicSession(title=title, type=kind, start_date=start, end_date=end, retired=retired)
        s.add(row)
        s.commit()
        return row.id


@SQLITE
def test_the_current_term_is_the_shortest_containing_today_else_the_last_ended(db_engine):
    today = date(2027, 2, 10)
    assert report_term(Session(db_engine), None, today) is None  # no term at all
    _add(db_engine, "Fall", date(2026, 9, 1), date(2026, 12, 18))
    _add(db_engine, "Summer school", date(2026, 6, 20), date(2026, 7, 30))
    _add(db_engine, "Spring", date(2027, 3, 1), date(2027, 6, 10))  # not begun
    with Session(db_engine) as s:
        assert report_term(s, None, today).title == "Fall"  # between terms: the one that ended last
    _add(db_engine, "2026-27", date(2026, 8, 20), date(2027, 6, 15), kind="schoolYear")
    _add(db_engine, "Semester 2", date(2027, 1, 5), date(2027, 6, 10), kind="semester")
    _add(db_engine, "Winter (retired)", date(2027, 2, 1), date(2027, 2, 20), retired=True)
    with Session(db_engine) as s:
        assert report_term(s, None, today).title == "Semester 2"  # the school year contains it too
        assert report_term(s, None, date(2026, 12, 18)).title == "Fall"  # its last day
        assert report_term(s, None, date(2026, 8, 25)).title == "2026-27"
        assert report_term(s, None, date(2026, 1, 1)) is None  # before every term
        fall = s.exec(select(AcademicSession).where(AcademicSession.title == "Fall")).one()
        assert report_term(s, fall.id, today).id == fall.id  # a term asked for, whatever today is
        with pytest.raises(NotFound, match="no term"):
            report_term(s, 999999, today)


@SQLITE
def test_the_report_covers_the_current_term_by_default_and_another_on_request(report_world, report_client):
    w = report_world
    today = utcnow().date()
    now_id = _add(w.engine, "Winter term", today - timedelta(days=20), today + timedelta(days=30))
    c = _as(report_client, w, "parent")
    html = c.get(f"/students/{w.students1[0]}/report").text
    head = html.split('class="report-term"')[1].split("</p>")[0]
    assert "<strong>Winter term</strong>" in head
    # the chooser lists both terms, the current one selected; ?term= shows the Fall term and its evidence
    assert f'<option value="{now_id}" selected>Winter term' in html and f'<option value="{w.term}">Fall' in html
    fall = c.get(f"/students/{w.students1[0]}/report?term={w.term}").text
    assert "<strong>Fall</strong>, 1 Sep 2026 to 18 Dec 2026" in fall
    assert f'<option value="{w.term}" selected>Fall' in fall
    spanish = c.get(f"/students/{w.students1[0]}/report?term={w.term}&lang=es").text
    assert '<input type="hidden" name="lang" value="es">' in spanish and "Periodo" in spanish
    api = report_client.get(f"/api/v1/students/{w.students1[0]}/report", headers=auth(w, "parent")).json()
    assert api["term_id"] == now_id and api["term_title"] == "Winter term"
    assert api["start"] == (today - timedelta(days=20)).isoformat()
    # the report card's default is the same term
    teacher = _as(report_client, w, "teacher")
    card = teacher.get(f"/teacher/classes/{w.class1}/report-card").text
    assert f'<option value="{now_id}" selected' in card


@SQLITE
def test_an_unknown_term_is_refused_in_words(report_world, report_client):
    w = report_world
    page = _as(report_client, w, "parent").get(f"/students/{w.students1[0]}/report?term=999999")
    assert page.status_code == 404 and "<html" in page.text and "no term (academic session) with id 999999" in page.text
    for bad in ("0", "abc"):
        r = _as(report_client, w, "parent").get(f"/students/{w.students1[0]}/report?term={bad}")
        assert r.status_code == 422 and "<html" in r.text and "term" in r.text
        api = report_client.get(f"/api/v1/students/{w.students1[0]}/report?term={bad}", headers=auth(w, "parent"))
        assert api.status_code == 422 and "term" in str(api.json()["detail"])


@SQLITE
def test_without_any_term_the_report_covers_the_last_90_days(report_world, report_client):
    w = report_world
    with Session(w.engine) as s:
        for t in s.exec(select(AcademicSession)).all():
            t.retired = True
            s.add(t)
        s.commit()
    c = _as(report_client, w, "parent")
    html = c.get(f"/students/{w.students1[0]}/report").text
    today = utcnow().date()
    assert "The last 90 days" in html and 'class="term-choice' not in html
    api = report_client.get(f"/api/v1/students/{w.students1[0]}/report", headers=auth(w, "parent")).json()
    assert api["term_id"] is None and api["start"] == (today - timedelta(days=90)).isoformat()
    assert "Los últimos 90 días" in c.get(f"/students/{w.students1[0]}/report?lang=es").text
