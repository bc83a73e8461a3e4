"""``masterycat db upgrade`` and ``masterycat serve`` (the server itself is not started)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import app
from itembank.db import make_engine
from itembank.migrate import current_revision, head_revision

runner = CliRunner()


def test_db_upgrade_creates_the_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    result = runner.invoke(app, ["db", "upgrade", "--url", url])
    assert result.exit_code == 0, result.output
    assert f"revision {head_revision()}" in result.output
    assert current_revision(make_engine(url)) == head_revision()
    again = runner.invoke(app, ["db", "upgrade", "--url", url])
    assert again.exit_code == 0


def test_db_upgrade_unreachable_server_is_exit_2():
    result = runner.invoke(app, ["db", "upgrade", "--url", "postgresql://nobody@127.0.0.1:1/none"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "cannot reach the database" in result.output


@pytest.fixture(autouse=True)
def _restore_environment(monkeypatch):
    """``serve`` writes its secret and demo flag into the environment: undo that after each test."""
    monkeypatch.setenv("MASTERYCAT_SECRET_KEY", "cli-test-secret-" + "s" * 40)
    monkeypatch.setenv("MASTERYCAT_DEMO", "0")


def test_serve_refuses_a_database_without_schema(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = runner.invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 2
    assert "masterycat db upgrade" in result.output


def test_serve_runs_uvicorn_on_a_migrated_database(tmp_path, monkeypatch):
    import uvicorn

    url = f"sqlite:///{tmp_path / 'bank.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--url", url]).exit_code == 0
    monkeypatch.setenv("DATABASE_URL", url)
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: seen.update(kw, target=target))
    result = runner.invoke(app, ["serve", "--host", "127.0.0.1", "--port", "8123", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert seen["target"] == "service.main:app_factory" and seen["factory"] is True
    assert (seen["host"], seen["port"], seen["workers"]) == ("127.0.0.1", 8123, 2)
    # a worker starting on a busy machine is not killed by the supervisor's 5 s health check (issue 13)
    assert seen["timeout_worker_healthcheck"] >= 30
    # idle connections outlive a load balancer's usual 60 s idle timeout
    assert seen["timeout_keep_alive"] == 75


@pytest.mark.parametrize("args", [["serve", "--port", "0"], ["serve", "--port", "70000"], ["serve", "--workers", "0"]])
def test_serve_bad_options_are_exit_2(args):
    assert runner.invoke(app, args).exit_code == 2
