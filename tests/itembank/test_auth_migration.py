"""Migration 0004_auth: demo logins a demo district already has are flagged, no other login is."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from itembank.db import make_engine
from itembank.migrate import upgrade
from itembank.passwords import hash_password


def test_existing_demo_logins_are_flagged_and_no_others():
    engine = make_engine("sqlite://")
    upgrade(engine, "0003_district")
    demo, other = hash_password("demo"), hash_password("a real password")
    logins = [
        ("admin", demo, "admin"),  # seeded by the demo: flagged
        ("teacher", demo, "teacher"),
        ("psychometrician", other, "psychometrician"),  # a demo name with a real password: not a demo login
        ("alice", demo, "admin"),  # not a demo name: never flagged
    ]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO teacher (id, name, email, created_at) VALUES (1, 'T', '', :t)"), {"t": _now()})
        for username, hashed, role in logins:
            conn.execute(
                text(
                    'INSERT INTO "user" (username, password_hash, role, teacher_id, active, created_at) '
                    "VALUES (:u, :h, :r, :tid, 1, :t)"
                ),
                {"u": username, "h": hashed, "r": role, "tid": 1 if role == "teacher" else None, "t": _now()},
            )
    assert upgrade(engine, "0004_auth") == "0004_auth"
    with engine.connect() as conn:
        rows = dict(conn.execute(text('SELECT username, demo FROM "user"')).all())
        versions = set(conn.execute(text('SELECT token_version FROM "user"')).scalars())
    assert rows == {"admin": 1, "teacher": 1, "psychometrician": 0, "alice": 0}
    assert versions == {0}


def _now() -> str:
    return datetime.now(UTC).isoformat()
