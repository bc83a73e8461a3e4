"""The student's page for the interactions QTI brings, item media, and the forms' answers."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from interop.package import Limits
from interop.qti.importing import import_qti
from itembank.tables import Item, ItemParameter
from service.pages.interactions import answer_from_form, answer_words
from tests.interop import qti_files as q

NEW = ("order1", "match1", "text1", "inline1", "hot1", "gap1", "media1", "assoc1")


@pytest.fixture
def rich_objective(world, app):
    """7.EE.B.4 served only by items imported from QTI (operational, with parameters in the live calibration)."""
    engine = world.engine
    package = q.zipped(
        {
            "order.xml": q.order(),
            "match.xml": q.match(),
            "text.xml": q.text_entry(),
            "inline.xml": q.inline_choice(),
            "hot.xml": q.hot_text(),
            "gap.xml": q.gap_match(),
            "assoc.xml": q.associate(),
            "items/media1.xml": q.with_media(),
            "items/images/graph.png": q.PNG,
        }
    )
    with Session(engine) as s:
        report = import_qti(s, package, "p.zip", Limits(), standard="7.EE.B.4")
        assert {c.key for c in report.changes if c.kind == "item" and c.action == "created"} == set(NEW)
        for row in s.exec(select(Item).where(Item.objective_id == world.standards["7.EE.B.4"])).all():
            row.status = "operational" if row.id in NEW else "retired"
            s.add(row)
            if row.id in NEW:
                categories = row.n_categories
                s.add(
                    ItemParameter(
                        calibration_id=world.calibration_id,
                        item_id=row.id,
                        model="2pl" if categories == 2 else "grm",
                        n_categories=categories,
                        a=1.3,
                        b=0.0 if categories == 2 else None,
                        thresholds=None if categories == 2 else [-0.5, 0.5][: categories - 1],
                    )
                )
        s.commit()
    app.state.bank.refresh_if_stale(engine)
    return engine


def _right_form(item: Item) -> list[str]:
    """The form values a student who knows the answer sends."""
    if item.interaction in ("match", "gap_match", "associate"):
        return [f"{c} {t}" for c, t in item.key]
    if item.interaction in ("order", "hot_text"):
        return list(item.key)
    if item.interaction == "text_entry":
        return [item.key[0]]
    return [item.key]


def test_a_check_of_qti_items_draws_each_control_and_scores_the_answers(login, world, rich_objective):
    c = login("student")
    r = c.post("/student/checks", data={"standard": "7.EE.B.4"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    seen = []
    for _ in range(len(NEW)):
        page = c.get(url)
        if "Check my answer" not in page.text:
            break
        item_id = re.search(r'name="item_id" value="([^"]+)"', page.text).group(1)
        with Session(world.engine) as s:
            item = s.get(Item, item_id)
        seen.append(item.interaction)
        control = {
            "order": 'id="pos-3"',
            "match": 'value="half one_two"',
            "gap_match": 'value="w1 g1"',
            "associate": 'value="half two_fourths"',
            "text_entry": 'class="text-input"',
            "inline_choice": '<option value="per">per</option>',
            "hot_text": 'class="hottext" data-choice="h2"',
            "single_choice": '<img src="/assets/items/media1/images/graph.png"',
        }[item.interaction]
        assert control in page.text
        feedback = c.post(
            f"{url}/answer", data={"item_id": item_id, "interaction": item.interaction, "answer": _right_form(item)}
        )
        assert feedback.status_code == 200, feedback.text
        assert "Right!" in feedback.text
    assert len(seen) >= 2


def test_item_media_are_served_to_a_logged_in_user_only(login, client, rich_objective):
    c = login("student")
    r = c.get("/assets/items/media1/images/graph.png")
    assert (r.status_code, r.headers["content-type"], r.content) == (200, "image/png", q.PNG)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert c.get("/assets/items/media1/images/none.png").status_code == 404
    anonymous = client.get("/assets/items/media1/images/graph.png", follow_redirects=False)
    assert anonymous.status_code == 303


@pytest.mark.parametrize(
    "values,interaction,expected",
    [
        (["ratio "], "text_entry", ("ratio", None)),
        ([""], "text_entry", (None, "Type your answer, then press Check my answer.")),
        (["S", "M", "L"], "order", (["S", "M", "L"], None)),
        (["S", "S", "L"], "order", (None, "Put each choice in one position, then press Check my answer.")),
        (["S", "", "L"], "order", (None, "Put each choice in one position, then press Check my answer.")),
        (["half one_two", ""], "match", ([["half", "one_two"]], None)),
        (["", ""], "gap_match", (None, "Fill at least one blank or match, then press Check my answer.")),
        ([], "hot_text", (None, "Pick at least one part of the text, then press Check my answer.")),
        (["half two_fourths", "third thirty3"], "associate", ([["half", "two_fourths"], ["third", "thirty3"]], None)),
        ([], "associate", (None, "Pick at least one pair that goes together, then press Check my answer.")),
    ],
)
def test_answers_from_the_form(values, interaction, expected):
    assert answer_from_form(values, interaction) == expected


def test_answers_in_words():
    class Gap:
        interaction = "gap_match"
        choices = [{"id": "w1", "text": "numerator"}, {"id": "w2", "text": "denominator"}]
        targets = [{"id": "g1", "text": "Blank 1"}, {"id": "g2", "text": "Blank 2"}]

    assert answer_words(Gap, [["w1", "g1"], ["w2", "g2"]]) == "Blank 1: numerator; Blank 2: denominator"


def test_the_bank_page_shows_a_rich_stem_targets_and_a_match_key(login, rich_objective):
    c = login("psychometrician")
    media = c.get("/bank/items/media1").text
    assert '<img src="/assets/items/media1/images/graph.png"' in media and "<math>" in media
    match = c.get("/bank/items/match1").text
    assert '<span class="cid">one_two</span> 1:2' in match
    assert "half → one_two; third → one_three" in match
