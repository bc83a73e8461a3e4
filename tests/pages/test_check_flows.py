"""A check never throws a student out: Back and a different answer, unreadable numbers, resuming, reviewing."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from itembank.tables import Check, Item, Response


def _question(html: str) -> tuple[str, str]:
    """(item id, interaction) of the question a check page shows."""
    item_id = re.search(r'name="item_id" value="([^"]+)"', html).group(1)
    interaction = re.search(r'name="interaction" value="([^"]+)"', html).group(1)
    return item_id, interaction


def _answer_for(world, item_id: str, right: bool):
    with Session(world.engine) as s:
        item = s.get(Item, item_id)
    if item.interaction == "single_choice":
        return item.key if right else next(ch["id"] for ch in item.choices if ch["id"] != item.key)
    if item.interaction == "multiple_select":
        return item.key if right else [item.choices[1]["id"]]
    return f"{item.key:g}" if right else f"{item.key + 7:g}"


def _start(c, standard: str = "7.RP.A.2") -> str:
    r = c.post("/student/checks", data={"standard": standard}, follow_redirects=False)
    assert r.status_code == 303
    return r.headers["location"].split("?")[0]


def test_back_and_a_different_answer_returns_to_the_current_question(login, world):
    c = login("student")
    url = _start(c)
    first, interaction = _question(c.get(url).text)
    assert (
        c.post(
            f"{url}/answer",
            data={"item_id": first, "interaction": interaction, "answer": _answer_for(world, first, True)},
        ).status_code
        == 200
    )
    # Back shows the first question again; the student picks another answer
    again = c.post(
        f"{url}/answer", data={"item_id": first, "interaction": interaction, "answer": _answer_for(world, first, False)}
    )
    assert again.status_code == 200, again.text
    assert "already answered that question" in again.text and "Check my answer" in again.text
    assert _question(again.text)[0] != first
    with Session(world.engine) as s:
        rows = s.exec(select(Response).where(Response.item_id == first)).all()
    assert len(rows) == 1 and rows[0].correct  # the first answer counts


def _serve(world, url: str, item_id: str) -> None:
    """Make the check at ``url`` serve ``item_id`` next (as its selection could have)."""
    with Session(world.engine) as s:
        check = s.get(Check, int(url.rsplit("/", 1)[1]))
        check.current_item_id = item_id
        check.state = {**check.state, "pending": item_id}
        s.add(check)
        s.commit()


def test_an_unreadable_number_is_explained_inside_the_form(login, world):
    c = login("student")
    url = _start(c)
    numeric = next(i for i in world.items["7.RP.A.2"] if "-ne" in i)
    _serve(world, url, numeric)
    assert _question(c.get(url).text) == (numeric, "numeric_entry")
    for typed in ("1e999", "nan", "-inf", "9" * 500, "1e999/2", "abc"):
        r = c.post(f"{url}/answer", data={"item_id": numeric, "interaction": "numeric_entry", "answer": typed})
        assert r.status_code == 422, typed
        assert "Type a number" in r.text and "Check my answer" in r.text and 'role="alert"' in r.text
        assert _question(r.text) == (numeric, "numeric_entry")
    with Session(world.engine) as s:
        assert s.exec(select(Response)).all() == []


def test_starting_a_standard_with_an_unfinished_check_resumes_it(login, world):
    c = login("student")
    url = _start(c)
    item_id, _ = _question(c.get(url).text)
    again = c.post("/student/checks", data={"standard": "7.RP.A.2"})
    assert again.status_code == 200 and str(again.url).startswith(f"http://testserver{url}")
    assert "where you left off" in again.text and _question(again.text)[0] == item_id
    with Session(world.engine) as s:
        assert len(s.exec(select(Check)).all()) == 1


def test_the_result_page_links_a_review_of_the_missed_questions_with_key_and_rationale(login, world):
    c = login("student")
    url = _start(c)
    assert c.get(f"{url}/review", follow_redirects=False).status_code == 303  # not before the check ends
    missed = []
    for _ in range(30):
        page = c.get(url).text
        if "Check my answer" not in page:
            break
        item_id, interaction = _question(page)
        missed.append(item_id)
        c.post(
            f"{url}/answer",
            data={"item_id": item_id, "interaction": interaction, "answer": _answer_for(world, item_id, False)},
        )
    assert f'href="{url}/review"' in page and f"the {len(missed)} you missed" in page
    review = c.get(f"{url}/review")
    assert review.status_code == 200 and f"0 of {len(missed)}" in review.text
    with Session(world.engine) as s:
        items = [s.get(Item, i) for i in missed]
    for n, item in enumerate(items, start=1):
        assert f"Question {n}</h3>" in review.text
        assert item.rationale in review.text
    assert review.text.count('class="correct"') == len(missed)
    assert login("student2").get(f"{url}/review").status_code == 403


def test_the_minimum_length_is_a_setting_and_the_page_shows_how_far_the_check_is(world):
    from service.app import create_app
    from tests.pages.conftest import PageClient
    from tests.service.conftest import PASSWORD, make_settings

    app = create_app(make_settings(demo=True, check_min_items=8), engine=world.engine)
    with PageClient(app) as c:
        c.post("/login", data={"username": "student", "password": PASSWORD})
        url = _start(c)
        page = c.get(url).text
        assert "question 1" in page and "at least 8, at most 15" in page
        assert re.search(r'<progress id="check-progress" max="100" value="0">', page)
        with Session(world.engine) as s:
            check = s.get(Check, int(url.rsplit("/", 1)[1]))
        assert check.state["policy"]["stopping"]["min_items"] == 8
        for n in range(1, 8):  # every answer right: no stop before the eighth
            item_id, interaction = _question(c.get(url).text)
            answer = _answer_for(world, item_id, True)
            fb = c.post(f"{url}/answer", data={"item_id": item_id, "interaction": interaction, "answer": answer})
            assert "Next question" in fb.text, n
        value = int(re.search(r'<progress id="check-progress" max="100" value="(\d+)">', c.get(url).text).group(1))
        assert 0 < value < 100
