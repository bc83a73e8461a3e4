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
        "  school: 2 created, 0 updated, 0 retired, 0 unchanged",
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
