"""CASE 1.0 and 1.1: import into the three levels (any depth), re-import by identifier, export validated as CASE 1.1."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from interop.case.exporting import export_case
from interop.case.importing import import_case
from interop.errors import ImportRefused
from itembank.case_records import CaseDocument, CaseItem, canonical_identifier
from itembank.db import make_engine
from itembank.items import create_item
from itembank.migrate import upgrade
from itembank.tables import Standard
from tests.interop.case_files import TREE, as_bytes, framework

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "case-1.1-cfpackage.schema.json").read_text())


def validate(package: dict) -> None:
    jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(package)


def run(engine, package, *, dry_run=False, **options):
    with Session(engine) as session:
        report = import_case(
            session, as_bytes(package) if isinstance(package, dict) else package, "case.json", **options
        )
        session.rollback() if dry_run else session.commit()
    return report


def standards(engine, framework_name="Test State Mathematics Standards") -> dict[str, tuple]:
    with Session(engine) as s:
        rows = s.exec(select(Standard).where(Standard.framework == framework_name)).all()
        by_id = {r.id: r for r in rows}
        return {
            r.code: (r.level, by_id[r.parent_id].code if r.parent_id else None, r.title, r.description, r.retired)
            for r in rows
        }


def count(engine, model) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_the_schema_itself_is_a_valid_draft_7_schema():
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        validate({"CFDocument": {"identifier": "not-a-uuid", "uri": "x", "creator": "c", "title": "t"}})


def test_a_five_level_framework_is_placed_by_depth(db_engine):
    report = run(db_engine, framework())
    assert report.counts()["standard"]["created"] == 8
    assert report.counts()["case container"]["created"] == 1
    assert report.counts()["case folded"]["created"] == 2
    got = standards(db_engine)
    assert {code: (level, parent) for code, (level, parent, *_rest) in got.items()} == {
        "7.RP": ("competency", None),
        "7.RP.A": ("indicator", "7.RP"),
        "7.RP.A.1": ("objective", "7.RP.A"),
        "7.RP.A.2": ("objective", "7.RP.A"),
        "7.EE": ("competency", None),
        "7.EE.B": ("indicator", "7.EE"),
        "7.EE.B.3": ("objective", "7.EE.B"),
        "7.EE.B.4": ("objective", "7.EE.B"),
    }
    # the components are folded into their standard's description; the grade is a container
    assert got["7.RP.A.2"][3] == (
        "7.RP.A.2a: Decide whether two quantities are in a proportional relationship.\n"
        "7.RP.A.2b: Identify the constant of proportionality in tables, graphs and equations."
    )
    assert got["7.RP.A.1"][2:4] == ("Compute unit rates associated with ratios of fractions.", "")
    with Session(db_engine) as s:
        component = s.get(CaseItem, canonical_identifier(framework()["CFItems"][5]["identifier"]))
        objective = s.exec(select(Standard).where(Standard.code == "7.RP.A.2")).one()
        assert (component.role, component.standard_id) == ("folded", objective.id)
        assert s.exec(select(CaseDocument)).one().framework == "Test State Mathematics Standards"
    assert any("isRelatedTo associations are not kept" in w.message for w in report.warnings)


def test_placement_by_item_type(db_engine):
    run(db_engine, framework(), item_types=("Domain", "Cluster", "Standard"))
    assert {code: level for code, (level, *_r) in standards(db_engine).items()} == {
        "7.RP": "competency",
        "7.RP.A": "indicator",
        "7.RP.A.1": "objective",
        "7.RP.A.2": "objective",
        "7.EE": "competency",
        "7.EE.B": "indicator",
        "7.EE.B.3": "objective",
        "7.EE.B.4": "objective",
    }


def test_an_objective_depth_of_four_from_the_top(db_engine):
    run(db_engine, framework(), objective_depth=4)
    assert standards(db_engine)["7.RP.A.1"][0] == "objective"


@pytest.mark.parametrize("version", ["1.1", "1.0", "1.0-asn"])
def test_importing_the_same_package_again_changes_nothing(db_engine, version):
    run(db_engine, framework(version))
    before = (standards(db_engine), count(db_engine, CaseItem))
    again = run(db_engine, framework(version))
    assert not again.changed()
    assert (standards(db_engine), count(db_engine, CaseItem)) == before


def test_early_packages_with_asn_urls_as_identifiers(db_engine):
    package = framework("1.0-asn")
    report = run(db_engine, package)
    assert report.details["case_version"] == "1.0"
    first = package["CFItems"][0]["identifier"]
    with Session(db_engine) as s:
        row = s.get(CaseItem, canonical_identifier(first))
        assert (row.original_identifier, row.uri) == (first, first)
    assert "7.RP.A.2" in standards(db_engine)


def test_a_re_import_updates_and_retires_by_identifier(db_engine):
    run(db_engine, framework())
    tree = [row for row in TREE if row[0] != "7.EE.B.3"]
    tree = [(c, k, ("Compute unit rates of fractions." if c == "7.RP.A.1" else s), p) for c, k, s, p in tree]
    report = run(db_engine, framework(tree=tree))
    changed = {
        c.label.split(":")[0]: c.action for c in report.changes if c.kind == "standard" and c.action != "unchanged"
    }
    assert changed == {"7.RP.A.1": "updated", "7.EE.B.3": "retired"}
    got = standards(db_engine)
    assert got["7.RP.A.1"][2] == "Compute unit rates of fractions."
    assert got["7.EE.B.3"][4] is True


def test_a_dry_run_writes_nothing(db_engine):
    report = run(db_engine, framework(), dry_run=True)
    assert report.counts()["standard"]["created"] == 8
    assert standards(db_engine) == {} and count(db_engine, CaseDocument) == 0


# ------------------------------------------------------------------- export
def test_the_export_is_valid_case_1_1_and_round_trips(db_engine):
    run(db_engine, framework())
    with Session(db_engine) as s:
        exported = export_case(s, "Test State Mathematics Standards")
    validate(exported)
    assert {i["humanCodingScheme"] for i in exported["CFItems"]} == {code for code, *_ in TREE}
    original_ids = {canonical_identifier(i["identifier"]) for i in framework()["CFItems"]}
    assert {i["identifier"] for i in exported["CFItems"]} == original_ids
    # the export imported again changes nothing
    assert not run(db_engine, exported).changed()
    # into another database: the same standards, and the same export
    other = make_engine("sqlite://")
    upgrade(other)
    run(other, exported)
    assert standards(other) == standards(db_engine)
    with Session(other) as s:
        assert export_case(s, "Test State Mathematics Standards") == exported


def test_a_framework_made_in_masterycat_exports_and_is_adopted_back(world):
    with Session(world.engine) as s:
        exported = export_case(s, "G7")
    validate(exported)
    assert {i["CFItemType"] for i in exported["CFItems"]} == {"Competency", "Indicator", "Objective"}
    before = standards(world.engine, "G7")
    report = run(world.engine, exported, framework="G7")
    assert report.counts()["standard"] == {"created": 0, "updated": 0, "retired": 0, "unchanged": 7, "refused": 0}
    assert standards(world.engine, "G7") == before
    with Session(world.engine) as s:
        assert export_case(s, "G7") == exported


# ----------------------------------------------------------------- refusals
def _tree(*rows):
    return framework(tree=list(rows))


@pytest.mark.parametrize(
    "data,expected",
    [
        (
            b'{"CFDocument": {',
            "case.json, line 1, column 17: is not JSON: Expecting property name enclosed in double quotes",
        ),
        (
            b'{"CFDocument": {}, "CFDocument": {}}',
            "case.json: is not a CASE package: the key 'CFDocument' appears twice in one object",
        ),
        (b'{"CFItems": []}', "case.json: is not a CASE package: it has no CFDocument"),
        (
            as_bytes({**framework(), "CFItems": [{**framework()["CFItems"][0], "fullStatement": ""}]}),
            "case.json: at CFItems[0].fullStatement: is missing; CASE requires it",
        ),
        (
            as_bytes(_tree(("D", "Domain", "d", None), ("C", "Cluster", "c", "D"))),
            "case.json: at CFItems[1] (C): a branch of the framework ends at depth 2; masterycat's standards have "
            "three levels (competency > indicator > objective), so every branch needs at least three",
        ),
    ],
    ids=["not-json", "duplicate-key", "no-document", "no-statement", "two-levels"],
)
def test_what_is_not_unambiguous_is_refused(db_engine, data, expected):
    with pytest.raises(ImportRefused) as caught:
        run(db_engine, data)
    assert str(caught.value) == expected
    assert count(db_engine, Standard) == 0 and count(db_engine, CaseDocument) == 0


def test_an_item_with_two_parents_is_refused(db_engine):
    package = framework()
    extra = dict(package["CFAssociations"][3])
    extra["identifier"] = "0e0e0e0e-0000-4000-8000-000000000001"
    extra["destinationNodeURI"] = package["CFAssociations"][8]["originNodeURI"]  # 7.EE.B
    package["CFAssociations"].append(extra)
    with pytest.raises(
        ImportRefused, match=r"^case\.json: at CFAssociations\[12\]: CFItems\[3\] \(7\.RP\.A\.1\) has two parents"
    ):
        run(db_engine, package)


def test_a_cycle_is_refused(db_engine):
    package = framework()
    grade = package["CFAssociations"][0]
    grade["destinationNodeURI"] = package["CFAssociations"][3]["originNodeURI"]  # G7 isChildOf 7.RP.A.1
    with pytest.raises(ImportRefused, match=r"form a cycle"):
        run(db_engine, package)


def test_a_level_change_of_a_standard_with_items_is_refused(db_engine):
    run(db_engine, framework(), item_types=("Grade Level", "Domain", "Cluster"))
    assert standards(db_engine)["7.RP.A"][0] == "objective"
    with Session(db_engine) as s:
        create_item(
            s,
            id="x1",
            objective="7.RP.A",
            interaction="single_choice",
            stem="Which is a unit rate?",
            choices=[{"id": "A", "text": "3 miles per hour"}, {"id": "B", "text": "3 miles"}],
            key="A",
        )
        s.commit()
    with pytest.raises(ImportRefused, match=r"7\.RP\.A would become a indicator, but items measure it as a objective"):
        run(db_engine, framework())


def test_a_standard_that_becomes_a_component_is_retired(db_engine):
    run(db_engine, framework(), item_types=("Domain", "Cluster", "Standard"))
    report = run(db_engine, framework(), item_types=("Grade Level", "Domain", "Cluster"))
    assert standards(db_engine)["7.RP.A.1"][4] is True
    assert {c.label.split(":")[0] for c in report.changes if c.kind == "standard" and c.action == "retired"} == {
        "7.RP.A.1",
        "7.RP.A.2",
        "7.EE.B.3",
        "7.EE.B.4",
    }
