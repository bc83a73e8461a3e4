"""Rubric scores on the pages: scored answers listed with the note, reviewed and re-scored; a stale score links the newest."""

from __future__ import annotations

from sqlmodel import Session, select

from itembank.tables import Response
from tests.service.conftest import auth


def _written_answer(world, client) -> int:
    sid = world.users["student"].student_id
    item = next(i for i in world.items["7.RP.A.2"] if i.endswith("cr0"))
    r = client.post(
        "/api/v1/responses",
        json={"student_id": sid, "item_id": item, "answer": "12 miles in 3 hours is 4 an hour"},
        headers=auth(world, "teacher"),
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_a_scored_answer_is_listed_with_its_note_and_can_be_reviewed_and_rescored(login, world, client):
    rid = _written_answer(world, client)
    c = login("teacher")
    queue = c.post(f"/teacher/scoring/{rid}", data={"score": "1", "note": "show the unit rate"})
    assert "Scored lately" in queue.text and "show the unit rate" in queue.text
    with Session(world.engine) as s:
        first = s.exec(select(Response).where(Response.supersedes_id == rid)).one().id
    assert f'href="/teacher/scoring/{first}"' in queue.text
    review = c.get(f"/teacher/scoring/{first}")
    assert review.status_code == 200 and "12 miles in 3 hours" in review.text
    assert 'value="show the unit rate"' in review.text and 'value="1" required checked' in review.text
    # the original row's address leads to its newest score
    assert c.get(f"/teacher/scoring/{rid}", follow_redirects=False).headers["location"] == f"/teacher/scoring/{first}"
    again = c.post(f"/teacher/scoring/{first}", data={"score": "2", "note": "now it is clear"})
    assert again.status_code == 200 and "Meets (2)" in again.text
    with Session(world.engine) as s:
        newest = s.exec(select(Response).where(Response.supersedes_id == first)).one()
    assert (newest.score, newest.note) == (2, "now it is clear")
    assert login("teacher2").get(f"/teacher/scoring/{first}").status_code == 403


def test_scoring_a_superseded_score_links_the_newest_one(login, world, client):
    rid = _written_answer(world, client)
    c = login("teacher")
    c.post(f"/teacher/scoring/{rid}", data={"score": "1"})
    with Session(world.engine) as s:
        first = s.exec(select(Response).where(Response.supersedes_id == rid)).one().id
    stale = c.post(f"/teacher/scoring/{rid}", data={"score": "3"})  # e.g. from a second tab
    assert stale.status_code == 409 and "re-score that one" in stale.text
    assert f'href="/teacher/scoring/{first}"' in stale.text
