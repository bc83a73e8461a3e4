"""``masterycat import …``: reports, dry runs, the history, exit code 2 naming file, line and column."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.main import app
from itembank.db import make_engine
from itembank.import_runs import ImportRun
from itembank.migrate import upgrade
from itembank.tables import Student
from tests.interop.rosters import district, folder, zipped

runner = CliRunner()


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    upgrade(make_engine(url))
    return url


def _students(url) -> int:
    with Session(make_engine(url)) as s:
        return len(s.exec(select(Student)).all())


def test_import_oneroster_dry_run_then_apply(tmp_path, url):
    path = folder(district(), tmp_path / "roster")
    dry = runner.invoke(app, ["import", "oneroster", str(path), "--dry-run", "--url", url])
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[:2] == [
        "dry run, nothing written (import 1)",
        "  school: 2 created, 0 updated, 0 retired, 0 unchanged, 0 refused",
    ]
    assert _students(url) == 0
    applied = runner.invoke(app, ["import", "oneroster", str(path), "--url", url, "--json"])
    assert applied.exit_code == 0, applied.output
    report = json.loads(applied.output)
    assert (report["run_id"], report["dry_run"], report["counts"]["student"]["created"]) == (2, False, 6)
    assert _students(url) == 6
    with Session(make_engine(url)) as s:
        assert [(r.status, r.source_name) for r in s.exec(select(ImportRun).order_by(ImportRun.id)).all()] == [
            ("dry_run", "roster"),
            ("applied", "roster"),
        ]


def test_a_refused_roster_is_exit_2_with_file_line_and_column(tmp_path, url):
    files = district()
    files["enrollments.csv"] = files["enrollments.csv"].replace("cls-alg,org-hs,s-6", "cls-none,org-hs,s-6")
    (tmp_path / "roster.zip").write_bytes(zipped(files))
    result = runner.invoke(app, ["import", "oneroster", str(tmp_path / "roster.zip"), "--url", url])
    assert result.exit_code == 2
    assert result.output == (
        "masterycat: error: enrollments.csv, line 10, column classSourcedId: names the class 'cls-none', which is "
        "neither in this roster nor in masterycat\n"
    )
    assert _students(url) == 0
    with Session(make_engine(url)) as s:
        (run,) = s.exec(select(ImportRun)).all()
        assert (run.status, run.error.startswith("enrollments.csv, line 10")) == ("refused", True)


def test_an_archive_over_the_size_limit_is_exit_2(tmp_path, url):
    (tmp_path / "roster.zip").write_bytes(zipped(district()))
    result = runner.invoke(
        app, ["import", "oneroster", str(tmp_path / "roster.zip"), "--url", url, "--max-size", "0.001"]
    )
    assert result.exit_code == 2
    assert result.output == ("masterycat: error: roster.zip: the file is 2 KB; an import takes at most 1 KB\n")


def test_a_database_not_at_head_is_exit_2(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(make_engine(url), "0002")
    result = runner.invoke(app, ["import", "oneroster", str(tmp_path), "--url", url])
    assert result.exit_code == 2
    assert "run masterycat db upgrade" in result.output


def test_import_and_export_case(tmp_path, url):
    from tests.interop.case_files import as_bytes, framework

    (tmp_path / "case.json").write_bytes(as_bytes(framework()))
    result = runner.invoke(
        app, ["import", "case", str(tmp_path / "case.json"), "--url", url, "--framework", "TSM", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["counts"]["standard"]["created"] == 8
    out = tmp_path / "out.json"
    exported = runner.invoke(app, ["export", "case", "--out", str(out), "--url", url])
    assert exported.exit_code == 0, exported.output
    assert exported.output == f"{out}: framework TSM, 11 items, 11 associations\n"
    again = runner.invoke(app, ["import", "case", str(out), "--url", url, "--json"])
    assert json.loads(again.output)["changed"] is False


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--levels", "Domain,Cluster"],
            "masterycat: error: levels should name three CFItemTypes separated by commas, got 'Domain,Cluster'\n",
        ),
        (["--objective-depth", "2"], "masterycat: error: objective depth should be 3 to 20, got 2\n"),
        (
            ["--framework", "x" * 65],
            f"masterycat: error: framework should be 1 to 64 characters on one line, got {'x' * 65!r}\n",
        ),
    ],
    ids=["two-levels", "shallow", "long-name"],
)
def test_bad_case_options_are_exit_2(tmp_path, url, args, message):
    (tmp_path / "case.json").write_text("{}")
    result = runner.invoke(app, ["import", "case", str(tmp_path / "case.json"), "--url", url, *args])
    assert (result.exit_code, result.output) == (2, message)


def test_a_refused_case_file_is_exit_2_and_no_export_file_is_left(tmp_path, url):
    (tmp_path / "case.json").write_text('{"CFDocument": {"identifier": 5}}')
    result = runner.invoke(app, ["import", "case", str(tmp_path / "case.json"), "--url", url])
    assert (result.exit_code, result.output) == (
        2,
        "masterycat: error: case.json: at CFDocument.identifier: expected text, got int\n",
    )
    out = tmp_path / "none.json"
    result = runner.invoke(app, ["export", "case", "--out", str(out), "--url", url])
    assert (result.exit_code, result.output) == (
        2,
        "masterycat: error: name the framework with --framework: the bank has none\n",
    )
    assert not out.exists()


def test_import_and_export_qti(tmp_path, url):
    from sqlmodel import Session

    from itembank.standards import create_standard
    from tests.interop import qti_files as q

    with Session(make_engine(url)) as s:
        create_standard(s, framework="F", code="C1", title="c", level="competency")
        create_standard(s, framework="F", code="I1", title="i", level="indicator", parent_code="C1")
        create_standard(s, framework="F", code="O1", title="o", level="objective", parent_code="I1")
        create_standard(s, framework="F", code="O2", title="o2", level="objective", parent_code="I1")
        s.commit()
    (tmp_path / "items.zip").write_bytes(
        q.zipped({"a.xml": q.choice(), "b.xml": q.order(), "c.xml": q.custom_processing()})
    )
    (tmp_path / "map.csv").write_text("item_identifier,standard_code\norder1,O2\n")
    result = runner.invoke(
        app,
        [
            "import",
            "qti",
            str(tmp_path / "items.zip"),
            "--standard",
            "O1",
            "--standard-map",
            str(tmp_path / "map.csv"),
            "--url",
            url,
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"]["item"] == {"created": 2, "updated": 0, "retired": 0, "unchanged": 0, "refused": 1}
    out = tmp_path / "out.zip"
    exported = runner.invoke(app, ["export", "qti", "--out", str(out), "--standard", "O2", "--url", url])
    assert (exported.exit_code, exported.output) == (0, f"{out}: 1 items\n")
    again = runner.invoke(app, ["import", "qti", str(out), "--url", url, "--json"])
    assert json.loads(again.output)["counts"]["item"]["unchanged"] == 1
    unknown = runner.invoke(app, ["import", "qti", str(tmp_path / "items.zip"), "--standard", "NOPE", "--url", url])
    assert (unknown.exit_code, unknown.output) == (2, "masterycat: error: --standard: no standard with code NOPE\n")
    none = runner.invoke(
        app, ["export", "qti", "--out", str(tmp_path / "none.zip"), "--status", "retired", "--url", url]
    )
    assert (none.exit_code, none.output) == (2, "masterycat: error: no item matches; nothing written\n")
    assert not (tmp_path / "none.zip").exists()
