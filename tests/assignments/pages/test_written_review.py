"""A student sees the level and the teacher's note of every written answer in their review, full marks too."""

from __future__ import annotations

from tests.assignments.helpers import API, assign, items_of, make_form
from tests.service.conftest import auth


def test_the_review_shows_the_level_and_note_of_a_written_answer_with_full_marks(client, login, world):
    teacher = auth(world, "teacher")
    cr = "7RPA2-cr0"
    form = make_form(client, world, teacher, versions={"A": [items_of(world, "7.RP.A.2", "sc", 1)[0], cr]})
    a = assign(client, teacher, form_id=form["id"], class_ids=[world.class1])
    student = auth(world, "student")
    attempt = client.post(f"{API}/assignments/{a['id']}/attempts", headers=student).json()
    client.put(f"{API}/attempts/{attempt['id']}/answers/{cr}", json={"answer": "Cost over count."}, headers=student)
    client.post(f"{API}/attempts/{attempt['id']}/submit", headers=student)
    waiting = client.get(f"{API}/responses?awaiting_score=true&item_id={cr}", headers=teacher).json()["items"]
    c = login("teacher")
    assert (
        c.post(f"/teacher/scoring/{waiting[0]['id']}", data={"score": "3", "note": "Lovely reasoning"}).status_code
        == 200
    )
    review = login("student").get(f"/student/attempts/{attempt['id']}")
    assert review.status_code == 200
    assert "Exceeds" in review.text and "Lovely reasoning" in review.text
