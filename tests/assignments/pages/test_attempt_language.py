"""A student who chose Spanish takes an assignment in Spanish: the question, hand-in and review pages (issue 16)."""

from __future__ import annotations

from tests.assignments.pages.test_pages import _assign, _new_form, team_id  # noqa: F401 - the fixture
from tests.reports.untranslated import english_left


def test_a_student_takes_an_assignment_in_spanish(world, login, team_id):  # noqa: F811 - the imported fixture
    teacher = login("teacher")
    assignment_id = _assign(teacher, _new_form(teacher, team_id), [world.class1])
    student = login("student")
    assert student.post("/account/language", data={"lang": "es", "next": "/student"}).status_code == 200
    attempt_url = student.post(f"/student/assignments/{assignment_id}/start", follow_redirects=False).headers[
        "location"
    ]
    first = student.get(attempt_url).text
    assert "pregunta 1 de 4" in first and "Guardar y seguir" in first and "question 1 of 4" not in first
    assert english_left(first) == []
    handin = student.get(f"{attempt_url}?q=5").text
    assert "¿Lo entregas?" in handin and "Todavía no respondiste las preguntas" in handin
    assert f'<a href="{attempt_url}?q=1">1</a>' in handin  # the links to the unanswered questions stay links
    assert english_left(handin) == []
    student.post(f"{attempt_url}/submit", follow_redirects=False)
    review = student.get(attempt_url).text
    assert "Entregado el" in review and "Volver a mis puntos" in review and "Handed in" not in review
    assert english_left(review) == []
    todo = student.get("/student").text
    assert english_left(todo) == []
