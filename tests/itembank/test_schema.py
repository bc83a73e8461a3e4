"""The Alembic migrations build exactly the tables the models declare."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import itembank.tables  # noqa: F401
from itembank.db import database_url, make_engine
from itembank.migrate import current_revision, head_revision, upgrade


def test_migrations_match_models(db_engine):
    with db_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_at_head(db_engine):
    assert current_revision(db_engine) == head_revision() == "0017_mastery_band_counts"
    assert upgrade(db_engine) == "0017_mastery_band_counts"
    names = set(inspect(db_engine).get_table_names())
    assert {
        "standard",
        "item",
        "calibration",
        "item_parameter",
        "user",
        "student",
        "teacher",
        "school_class",
        "enrollment",
        "check_session",
        "response",
        "mastery",
        "school",
        "academic_session",
        "course",
        "class_term",
        "class_teacher",
        "teacher_school",
        "school_leader",
        "calibration_analysis",
        "guardian",
        "guardian_student",
        "import_run",
        "case_document",
        "case_item",
        "item_asset",
        "login_failures",
        "report_setting",
        "report_comment",
        "alembic_version",
    } <= names


def test_step_by_step_upgrade_from_empty():
    engine = make_engine("sqlite://")
    assert current_revision(engine) is None
    assert upgrade(engine, "0001") == "0001"
    assert "mastery_rho" not in {c["name"] for c in inspect(engine).get_columns("calibration")}
    assert upgrade(engine, "0002") == "0002"
    assert "mastery_rho" in {c["name"] for c in inspect(engine).get_columns("calibration")}


def test_sqlite_file_uses_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bank.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.parametrize(
    "given,expected",
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url(given, expected):
    assert database_url(given) == expected


def test_default_url_reads_environment(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MASTERYCAT_DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///masterycat.db"
    monkeypatch.setenv("DATABASE_URL", "postgresql://a@b/c")
    assert database_url() == "postgresql+psycopg://a@b/c"


def test_masterycat_database_url_wins_as_in_the_service_settings(monkeypatch):
    """``serve`` seeded the demo into the default SQLite file while its app opened $MASTERYCAT_DATABASE_URL."""
    from service.settings import Settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://a@b/c")
    monkeypatch.setenv("MASTERYCAT_DATABASE_URL", "sqlite:///elsewhere.db")
    assert database_url() == "sqlite:///elsewhere.db" == Settings(secret_key="k" * 40).database_url
    monkeypatch.delenv("DATABASE_URL")
    assert database_url() == "sqlite:///elsewhere.db" == Settings(secret_key="k" * 40).database_url
