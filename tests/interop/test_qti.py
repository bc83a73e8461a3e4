"""QTI 3.0, 2.1/2.2 and Canvas 1.2 items into the bank; QTI 3.0 packages out; hostile files refused whole."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from interop.errors import ImportRefused
from interop.package import Limits
from interop.qti.exporting import export_qti, select_items
from interop.qti.importing import import_qti
from itembank.answers import score_answer
from itembank.bank import ItemContent
from itembank.item_assets import ItemAsset
from itembank.tables import Item, ItemParameter
from tests.interop import qti_files as q


def run(engine, data, name="item.xml", dry_run=False, **options):
    with Session(engine) as session:
        report = import_qti(session, data, name, Limits(), **options)
        session.rollback() if dry_run else session.commit()
    return report


def item(engine, item_id) -> Item:
    with Session(engine) as session:
        return session.get(Item, item_id)


def score(engine, item_id, answer):
    result = score_answer(ItemContent.from_row(item(engine, item_id)), answer)
    return result.score, result.correct


def count_items(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Item)).one()


@pytest.mark.parametrize(
    "data,item_id,interaction,key,right,wrong",
    [
        (q.choice(), "choice1", "single_choice", "B", "B", "A"),
        (q.choice(version="2.2"), "choice1", "single_choice", "B", "B", "C"),
        (q.choice("m1", multiple=True), "m1", "multiple_select", ["A", "C"], ["C", "A"], ["A"]),
        (q.v3_choice(), "v3choice", "single_choice", "C", "C", "A"),
        (q.text_entry(), "text1", "text_entry", ["ratio"], " ratio ", "Ratio"),
        (q.numeric(), "num1", "numeric_entry", 2.5, "2.51", "2.52"),
        (q.inline_choice(), "inline1", "inline_choice", "per", "per", "plus"),
        (q.order(), "order1", "order", ["S", "M", "L"], ["S", "M", "L"], ["M", "S", "L"]),
        (q.hot_text(), "hot1", "hot_text", ["h2"], ["h2"], ["h1"]),
        (
            q.gap_match(),
            "gap1",
            "gap_match",
            [["w1", "g1"], ["w2", "g2"]],
            [["w2", "g2"], ["w1", "g1"]],
            [["w2", "g1"]],
        ),
    ],
    ids=[
        "choice-2.1",
        "choice-2.2",
        "multiple",
        "choice-3.0",
        "text",
        "numeric",
        "inline",
        "order",
        "hot-text",
        "gap-match",
    ],
)
def test_each_interaction_imports_and_scores_as_its_author_meant(world, data, item_id, interaction, key, right, wrong):
    report = run(world.engine, data, standard="7.RP.A.2")
    assert [(c.kind, c.action, c.key) for c in report.changes] == [("item", "created", item_id)]
    row = item(world.engine, item_id)
    assert (row.interaction, row.key, row.status, row.objective_id) == (
        interaction,
        key,
        "draft",
        world.standards["7.RP.A.2"],
    )
    assert score(world.engine, item_id, right) == (1, True)
    assert score(world.engine, item_id, wrong) == (0, False)


def test_partial_credit_is_a_polytomous_score(world):
    run(world.engine, q.partial_choice(), standard="7.RP.A.2")
    row = item(world.engine, "partial1")
    assert row.n_categories == 3
    assert score(world.engine, "partial1", ["A", "C"]) == (2, True)
    assert score(world.engine, "partial1", ["A"]) == (1, False)
    assert score(world.engine, "partial1", ["A", "B"]) == (0, False)  # 1 - 1
    assert score(world.engine, "partial1", ["B"]) == (0, False)  # -1, kept at the lower bound 0
    run(world.engine, q.match(), standard="7.RP.A.2")
    assert item(world.engine, "match1").targets == [
        {"id": "one_two", "text": "1:2"},
        {"id": "one_three", "text": "1:3"},
    ]
    assert score(world.engine, "match1", [["half", "one_two"], ["third", "one_three"]]) == (2, True)
    assert score(world.engine, "match1", [["half", "one_three"], ["third", "one_two"]]) == (0, False)
    assert score(world.engine, "match1", [["half", "one_two"]]) == (1, False)
    run(world.engine, q.associate(), standard="7.RP.A.2")
    row = item(world.engine, "assoc1")
    assert (row.interaction, row.key, row.n_categories) == (
        "associate",
        [["half", "two_fourths"], ["third", "thirty3"]],
        3,
    )
    assert row.scoring["mapping"] == [["half two_fourths", 1], ["third thirty3", 1]]  # pairs are unordered
    assert score(world.engine, "assoc1", [["two_fourths", "half"], ["thirty3", "third"]]) == (2, True)
    assert score(world.engine, "assoc1", [["half", "two_fourths"]]) == (1, False)
    assert score(world.engine, "assoc1", [["half", "third"]]) == (0, False)


def test_an_extended_text_item_waits_for_the_rubric(world):
    run(world.engine, q.extended(), standard="7.RP.A.2")
    row = item(world.engine, "essay1")
    assert (row.interaction, row.n_categories, row.rubric[2]["criteria"]) == (
        "constructed_response",
        4,
        "Names division by the second quantity.",
    )
    assert "Names division" not in row.stem


@pytest.mark.parametrize(
    "tolerance,expected",
    [
        ('toleranceMode="absolute" tolerance="0.01 0.01"', 0.01),
        ('toleranceMode="relative" tolerance="2"', 0.05),
        ('toleranceMode="exact"', 0.0),
    ],
    ids=["absolute", "relative", "exact"],
)
def test_a_numeric_tolerance_given_with_equal_is_taken(world, tolerance, expected):
    run(world.engine, q.numeric(tolerance), standard="7.RP.A.2")
    assert item(world.engine, "num1").tolerance == pytest.approx(expected)


@pytest.mark.parametrize(
    "data,reason",
    [
        (q.custom_processing(), "its response processing is custom; masterycat could not score it exactly as written"),
        (
            q.numeric('toleranceMode="absolute" tolerance="0.01 0.02"'),
            "its tolerance '0.01 0.02' is not one symmetric tolerance",
        ),
        (
            q.numeric('toleranceMode="absolute" tolerance="0.1" includeLowerBound="false"'),
            "its tolerance excludes a bound; masterycat's tolerances include both",
        ),
    ],
    ids=["custom", "asymmetric", "open-bound"],
)
def test_scoring_that_cannot_be_reproduced_refuses_the_item_with_its_reason(world, data, reason):
    report = run(world.engine, data, standard="7.RP.A.2")
    ((kind, action, label),) = [(c.kind, c.action, c.label) for c in report.changes]
    assert (kind, action, label) == ("item", "refused", f"item.xml: {reason}")
    assert count_items(world.engine) == 45


def test_a_package_keeps_media_mathml_feedback_and_standards(world):
    package = q.zipped(
        {
            "imsmanifest.xml": q.manifest([("r1", "items/media1.xml", "7.RP.A.3"), ("r2", "items/custom1.xml", None)]),
            "items/media1.xml": q.with_media(),
            "items/images/graph.png": q.PNG,
            "items/custom1.xml": q.custom_processing(),
        }
    )
    report = run(world.engine, package, name="package.zip")
    assert {c.key: c.action for c in report.changes if c.kind == "item"} == {"media1": "created", "custom1": "refused"}
    row = item(world.engine, "media1")
    assert row.objective_id == world.standards["7.RP.A.3"]  # from the package's curriculum standards metadata
    assert row.rationale == "It passes through 0."
    assert "<math><mfrac><mi>y</mi><mi>x</mi></mfrac></math>" in row.stem_html
    assert '<img src="/assets/items/media1/images/graph.png" alt="a line through the origin">' in row.stem_html
    assert "evil.example" not in row.stem_html and "script" not in row.stem_html and "onclick" not in row.stem_html
    assert "alert" not in row.stem
    with Session(world.engine) as s:
        asset = s.get(ItemAsset, ("media1", "images/graph.png"))
        assert (asset.media_type, asset.data) == ("image/png", q.PNG)


def test_canvas_classic_quizzes_import(world):
    report = run(world.engine, q.zipped({"quiz1/quiz1.xml": q.canvas_quiz()}), name="canvas.zip", standard="7.RP.A.2")
    assert {c.key: c.action for c in report.changes if c.kind == "item"} == {
        "g1mc": "created",
        "g2ma": "created",
        "g3num": "created",
        "g4sa": "created",
        "g5es": "created",
        "g6fu": "refused",
    }
    rows = {i: item(world.engine, i) for i in ("g1mc", "g2ma", "g3num", "g4sa", "g5es")}
    assert [(r.interaction, r.key) for r in rows.values()] == [
        ("single_choice", "B"),
        ("multiple_select", ["A", "C"]),
        ("numeric_entry", 0.125),
        ("text_entry", ["numerator", "the numerator"]),
        ("constructed_response", None),
    ]
    assert rows["g1mc"].stem == "What is 3 × 4?" and rows["g1mc"].rationale == "3 groups of 4."
    assert rows["g3num"].tolerance == 0.005
    assert score(world.engine, "g4sa", "The Numerator") == (1, True)  # Canvas compares without letter case


def test_the_standard_map_places_each_item(world):
    csv = b"item_identifier,standard_code\nchoice1,7.EE.B.4\n"
    run(
        world.engine,
        q.zipped({"a.xml": q.choice(), "b.xml": q.order()}),
        name="p.zip",
        standard_map=csv,
        standard="7.RP.A.2",
    )
    assert item(world.engine, "choice1").objective_id == world.standards["7.EE.B.4"]
    assert item(world.engine, "order1").objective_id == world.standards["7.RP.A.2"]


def test_an_item_without_a_standard_is_refused(world):
    report = run(world.engine, q.choice())
    assert [c.action for c in report.changes] == ["refused"]
    assert "give --standard, or --standard-map" in report.changes[0].label


@pytest.mark.parametrize(
    "data,message",
    [
        (
            b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><assessmentItem>&e;</assessmentItem>',
            "item.xml: declares entities in its DOCTYPE; entities are not expanded or loaded, so the file is refused",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "x"><!ENTITY b "&a;&a;&a;">]><a>&b;</a>',
            "item.xml: declares entities in its DOCTYPE; entities are not expanded or loaded, so the file is refused",
        ),
        (
            b"<assessmentItem><itemBody>",
            "item.xml, line 1: is not well-formed XML: Premature end of data in tag itemBody line 1, line 1, column 27",
        ),
        (b"<html/>", "item.xml: has no QTI item (assessmentItem) or Canvas quiz (questestinterop)"),
    ],
    ids=["external-entity", "entity-expansion", "malformed", "not-qti"],
)
def test_hostile_and_bad_xml_is_refused_whole(world, data, message):
    with pytest.raises(ImportRefused) as caught:
        run(world.engine, data, standard="7.RP.A.2")
    assert str(caught.value) == message
    assert count_items(world.engine) == 45


def test_a_hostile_member_refuses_the_whole_package(world):
    package = q.zipped({"a.xml": q.choice(), "b.xml": b'<!DOCTYPE x [<!ENTITY e SYSTEM "http://evil/">]><x>&e;</x>'})
    with pytest.raises(ImportRefused, match=r"^b\.xml: declares entities"):
        run(world.engine, package, name="p.zip", standard="7.RP.A.2")
    assert item(world.engine, "choice1") is None


def test_a_dry_run_writes_nothing(world):
    report = run(world.engine, q.choice(), standard="7.RP.A.2", dry_run=True)
    assert report.counts()["item"]["created"] == 1
    assert item(world.engine, "choice1") is None


# --------------------------------------------------------------- round trip
def _export(engine, **selection) -> bytes:
    with Session(engine) as s:
        return export_qti(s, select_items(s, **selection))


def test_the_bank_exported_and_imported_again_changes_nothing(world):
    for data in (
        q.associate(),
        q.partial_choice(),
        q.match(),
        q.text_entry(),
        q.inline_choice(),
        q.order(),
        q.hot_text(),
        q.gap_match(),
        q.extended(),
        q.v3_choice(),
    ):
        run(world.engine, data, standard="7.RP.A.2")
    media = q.zipped({"items/media1.xml": q.with_media(), "items/images/graph.png": q.PNG})
    run(world.engine, media, name="m.zip", standard="7.RP.A.2")
    package = _export(world.engine)
    files = zipfile.ZipFile(io.BytesIO(package)).namelist()
    assert {"imsmanifest.xml", "usagedata.xml", "items/media1/media1.xml", "items/media1/images/graph.png"} <= set(
        files
    )
    report = run(world.engine, package, name="export.zip")
    assert {c.action for c in report.changes if c.kind == "item"} == {"unchanged"}, [
        (c.key, c.fields) for c in report.changes if c.action != "unchanged"
    ]
    assert report.details["usage_statistics"] > 0
    assert len([c for c in report.changes if c.kind == "item"]) == 45 + 11
    # exporting again gives the same items
    again = zipfile.ZipFile(io.BytesIO(_export(world.engine)))
    first = zipfile.ZipFile(io.BytesIO(package))
    assert {n: first.read(n) for n in first.namelist()} == {n: again.read(n) for n in again.namelist()}


def test_keys_and_tolerances_survive_the_round_trip(world):
    before = {i.id: (i.key, i.tolerance, i.interaction) for i in _items(world.engine)}
    package = _export(world.engine, standards=["7.RP.A.2"])
    with Session(world.engine) as s:
        for row in s.exec(select(Item)).all():
            row.key, row.tolerance = None, 0.0
            s.add(row)
        # a changed key is put back by the package (and the item's version raised)
        s.commit()
    report = run(world.engine, package, name="export.zip")
    assert {c.key: c.action for c in report.changes} == {
        i: ("unchanged" if i.endswith("cr0") else "updated") for i in world.items["7.RP.A.2"]
    }  # a written answer has no key
    assert item(world.engine, "7RPA2-sc0").version == 2
    after = {i.id: (i.key, i.tolerance, i.interaction) for i in _items(world.engine) if i.id.startswith("7RPA2")}
    assert after == {k: v for k, v in before.items() if k.startswith("7RPA2")}


def _items(engine):
    with Session(engine) as s:
        return list(s.exec(select(Item)).all())


def test_the_usage_data_carries_statistics_and_parameters(world):
    from lxml import etree

    from itembank.responses import record_response

    with Session(world.engine) as s:
        for n, score in enumerate((1, 0, 1)):
            record_response(
                s,
                dedupe_key=f"t/{n}",
                student_id=world.students1[n],
                item_id="7RPA2-sc0",
                item_version=1,
                answer="A",
                score=score,
                correct=bool(score),
                source="entry",
            )
        s.commit()
    package = zipfile.ZipFile(io.BytesIO(_export(world.engine, standards=["7.RP.A.2"])))
    root = etree.fromstring(package.read("usagedata.xml"))
    values = {
        (s.find("{*}targetObject").get("identifier"), s.get("name")): float(s.find("{*}value").text)
        for s in root.iter("{*}ordinaryStatistic")
    }
    assert values[("7RPA2-sc0", "classical.n")] == 3
    assert values[("7RPA2-sc0", "classical.mean_score")] == pytest.approx(2 / 3)
    with Session(world.engine) as s:
        parameter = s.get(ItemParameter, (world.calibration_id, "7RPA2-sc0"))
    assert values[("7RPA2-sc0", "2pl.a")] == pytest.approx(parameter.a)
    assert values[("7RPA2-sc0", "2pl.b")] == pytest.approx(parameter.b)


def test_a_shared_stimulus_is_part_of_the_stem(world):
    report = run(world.engine, q.zipped(q.v3_with_stimulus()), name="p.zip", standard="7.RP.A.2")
    assert [(c.kind, c.action, c.key) for c in report.changes if c.kind == "item"] == [("item", "created", "trip1")]
    assert report.warnings == []
    row = item(world.engine, "trip1")
    assert row.stem == "Maya drove 150 miles in 3 hours. What was her speed, in miles per hour?"
    assert '<img src="/assets/items/trip1/../stimuli/media/map.png"' not in row.stem_html
    with Session(world.engine) as s:
        (asset,) = s.exec(select(ItemAsset).where(ItemAsset.item_id == "trip1")).all()
    assert f'<img src="/assets/items/trip1/{asset.path}" alt="a map">' in row.stem_html
    assert asset.data == q.PNG
    assert (row.interaction, row.key) == ("numeric_entry", 50.0)
    # the stimulus travels inside the stem: exported and imported again, nothing changes
    again = run(world.engine, _export(world.engine, standards=["7.RP.A.2"]), name="export.zip")
    assert {c.action for c in again.changes if c.kind == "item"} == {"unchanged"}


def test_a_missing_shared_stimulus_refuses_the_item(world):
    files = q.v3_with_stimulus()
    del files["stimuli/trip.xml"]
    files["imsmanifest.xml"] = files["imsmanifest.xml"].replace(
        b'href="stimuli/trip.xml"><file href="stimuli/trip.xml"/>', b">"
    )
    report = run(world.engine, q.zipped(files), name="p.zip", standard="7.RP.A.2")
    assert [c.label for c in report.changes] == [
        "items/trip1.xml: its shared stimulus ../stimuli/trip.xml is not in the package"
    ]
