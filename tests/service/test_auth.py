"""Logging in and out, tokens that end with their login, demo logins, and the login throttle."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, text
from sqlmodel import Session, select

from itembank.people import create_student, create_user
from itembank.tables import LoginFailures, User
from service.app import create_app
from service.login_throttle import Backoff, LoginThrottle
from service.security import InvalidToken, TokenClaims, create_token, decode_token
from tests.service.conftest import PASSWORD, SECRET, make_settings


def login(client, username, password):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_and_me(client, world):
    r = login(client, "teacher", PASSWORD)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 60 * 60
    me = client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json() == {
        "id": world.users["teacher"].user_id,
        "username": "teacher",
        "role": "teacher",
        "student_id": None,
        "teacher_id": world.teacher1,
    }


def test_student_me_links_student(client, world):
    token = login(client, "student", PASSWORD).json()["access_token"]
    me = client.get("/api/v1/me", headers=bearer(token)).json()
    assert me["role"] == "student" and me["student_id"] == world.students1[0]


@pytest.mark.parametrize(
    "username,password",
    [
        ("teacher", "wrong password"),
        ("nobody", PASSWORD),
        ("teach\x00er", PASSWORD),  # NUL: PostgreSQL cannot even compare it
        ("t" * 65, PASSWORD),  # longer than any username
        ("teacher\n", PASSWORD),
    ],
    ids=["wrong password", "unknown", "NUL", "too long", "control character"],
)
def test_bad_login_is_401(client, username, password):
    r = login(client, username, password)
    assert r.status_code == 401
    assert r.json()["detail"] == "wrong username or password"


def test_login_without_a_password_is_422_naming_the_field(client):
    r = login(client, "teacher", "")
    assert r.status_code == 422
    assert [d["loc"] for d in r.json()["detail"]] == [["body", "password"]]


def test_no_token_401_and_garbage_token_401(client):
    assert client.get("/api/v1/me").status_code == 401
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_expired_token_is_401(client, world):
    old = datetime.now(UTC) - timedelta(hours=3)
    token = create_token(world.users["admin"], SECRET, 60, now=old)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_token_signed_with_another_secret_is_401(client, world):
    token = create_token(world.users["admin"], "another-secret-" + "x" * 40, 60)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_a_token_without_a_version_is_401(client, world):
    claims = world.users["admin"]
    now = datetime.now(UTC)
    payload = {"sub": str(claims.user_id), "username": "admin", "role": "admin", "exp": now + timedelta(minutes=5)}
    assert client.get("/api/v1/me", headers=bearer(jwt.encode(payload, SECRET, algorithm="HS256"))).status_code == 401


def test_token_round_trip_and_tamper(world):
    claims = world.users["student"]
    token = create_token(claims, SECRET, 5)
    assert decode_token(token, SECRET) == claims
    head, payload, sig = token.split(".")
    with pytest.raises(InvalidToken):
        decode_token(f"{head}.{payload}.{sig[::-1]}", SECRET)


# ------------------------------------------------ tokens end with their login
def _new_student_login(world) -> tuple[TokenClaims, int]:
    """A student and their login, made for one test; (claims, student id)."""
    with Session(world.engine) as s:
        student = create_student(s, external_id="STALE", first_name="Stale", last_name="Token")
        user = create_user(s, username="stale", password=PASSWORD, role="student", student_id=student.id)
        s.commit()
        return TokenClaims(user.id, "stale", "student", student.id, None), student.id


def _execute(world, sql: str, **params) -> None:
    with world.engine.begin() as conn:
        conn.execute(text(sql), params)


def _delete(world, client, claims, student_id):
    _execute(world, "UPDATE check_session SET started_by = NULL WHERE started_by = :id", id=claims.user_id)
    _execute(world, 'DELETE FROM "user" WHERE id = :id', id=claims.user_id)


def _deactivate(world, client, claims, student_id):
    _execute(world, 'UPDATE "user" SET active = false WHERE id = :id', id=claims.user_id)


def _retire_student(world, client, claims, student_id):
    admin = bearer(create_token(world.users["admin"], SECRET, 5))
    assert client.post(f"/api/v1/students/{student_id}/retire", headers=admin).status_code == 200


def _change_role(world, client, claims, student_id):
    _execute(world, "UPDATE \"user\" SET role = 'admin', student_id = NULL WHERE id = :id", id=claims.user_id)


def _log_out(world, client, claims, student_id):
    token = login(client, "stale", PASSWORD).json()["access_token"]  # another device's token
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204


def _change_password(world, client, claims, student_id):
    token = login(client, "stale", PASSWORD).json()["access_token"]
    body = {"current_password": PASSWORD, "new_password": "a brand new password"}
    assert client.post("/api/v1/auth/password", json=body, headers=bearer(token)).status_code == 204


ENDINGS = {
    "deleted": _delete,
    "deactivated": _deactivate,
    "student retired": _retire_student,
    "role changed": _change_role,
    "logged out": _log_out,
    "password changed": _change_password,
}


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_token_ends_with_its_login(client, world, ending):
    claims, student_id = _new_student_login(world)
    token = login(client, "stale", PASSWORD).json()["access_token"]
    start = {"student_id": student_id, "standard": "7.RP.A.2"}
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert client.post("/api/v1/checks", json=start, headers=bearer(token)).status_code == 201
    ENDINGS[ending](world, client, claims, student_id)
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 401 and "log in again" in me.json()["detail"]
    assert client.post("/api/v1/checks", json=start, headers=bearer(token)).status_code == 401


def test_logging_out_ends_the_token_and_a_new_login_works(client, world):
    claims, _ = _new_student_login(world)
    token = login(client, "stale", PASSWORD).json()["access_token"]
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 401
    again = login(client, "stale", PASSWORD).json()["access_token"]
    assert client.get("/api/v1/me", headers=bearer(again)).json()["username"] == "stale"


def test_a_password_change_needs_the_current_password(client, world):
    _new_student_login(world)
    token = login(client, "stale", PASSWORD).json()["access_token"]
    wrong = {"current_password": "not it", "new_password": "a brand new password"}
    r = client.post("/api/v1/auth/password", json=wrong, headers=bearer(token))
    assert r.status_code == 403 and r.json()["detail"] == "the current password is wrong"
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    short = {"current_password": PASSWORD, "new_password": "short"}
    r = client.post("/api/v1/auth/password", json=short, headers=bearer(token))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "new_password"]
    right = {"current_password": PASSWORD, "new_password": "a brand new password"}
    assert client.post("/api/v1/auth/password", json=right, headers=bearer(token)).status_code == 204
    assert login(client, "stale", PASSWORD).status_code == 401
    assert login(client, "stale", "a brand new password").status_code == 200


# ----------------------------------------------------------------- demo logins
@pytest.fixture
def demo_login(world):
    """A demo login (as ``masterycat serve --demo`` seeds them) in the world."""
    with Session(world.engine) as s:
        user = create_user(s, username="demo-admin", password="demo", role="admin", demo=True)
        s.commit()
        return TokenClaims(user.id, "demo-admin", "admin", None, None)


@pytest.mark.parametrize("demo_mode", [False, True], ids=["without --demo", "with --demo"])
def test_demo_logins_only_in_demo_mode(world, demo_login, demo_mode, caplog):
    app = create_app(make_settings(demo=demo_mode), engine=world.engine)
    minted = create_token(demo_login, SECRET, 5)  # e.g. issued before a restart without --demo
    with TestClient(app) as c, caplog.at_level(logging.WARNING, logger="service.routers.auth"):
        r = login(c, "demo-admin", "demo")
        me = c.get("/api/v1/me", headers=bearer(minted))
        if demo_mode:
            assert r.status_code == 200 and me.status_code == 200
        else:
            assert r.status_code == 401 and r.json()["detail"] == "wrong username or password"
            assert me.status_code == 401
            assert "demo login 'demo-admin' refused" in caplog.text
        assert login(c, "admin", PASSWORD).status_code == 200  # real logins either way


# -------------------------------------------------------------------- throttle
def test_backoff_doubles_after_the_free_failures_up_to_the_cap():
    backoff = Backoff(free=3, per_hour=6, first_wait=1, longest_wait=60)
    assert [backoff.wait(n) for n in range(1, 12)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff.leak == pytest.approx(6 / 3600)


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _throttle(clock, **kw) -> LoginThrottle:
    account = Backoff(free=3, per_hour=6, first_wait=1, longest_wait=900)
    client = Backoff(free=kw.get("client_free", 20), per_hour=100, first_wait=1, longest_wait=900)
    return LoginThrottle(account, client, forget_seconds=kw.get("forget", 86_400), clock=clock)


def test_throttle_backs_off_one_account_from_one_address_only(world):
    clock = Clock()
    throttle = _throttle(clock)
    engine = world.engine
    for _ in range(3):
        throttle.failure(engine, "Teacher", "10.0.0.66")
    assert throttle.retry_after(engine, "teacher", "10.0.0.66") == 0  # three free failures
    throttle.failure(engine, "teacher", "10.0.0.66")
    assert throttle.retry_after(engine, "TEACHER ", "10.0.0.66") == pytest.approx(1)
    clock.now += 1
    throttle.failure(engine, "teacher", "10.0.0.66")
    assert throttle.retry_after(engine, "teacher", "10.0.0.66") == pytest.approx(2, abs=0.01)
    # the owner, elsewhere, and other accounts from that address are not held up
    assert throttle.retry_after(engine, "teacher", "10.0.0.7") == 0
    assert throttle.retry_after(engine, "admin", "10.0.0.66") == 0
    # failures are forgotten at per_hour: after an hour the count is back under the allowance
    clock.now += 3600
    throttle.failure(engine, "teacher", "10.0.0.66")
    assert throttle.retry_after(engine, "teacher", "10.0.0.66") == 0


def test_throttle_success_forgets_the_accounts_failures(world):
    clock = Clock()
    throttle = _throttle(clock)
    for _ in range(4):
        throttle.failure(world.engine, "teacher", "10.0.0.66")
    clock.now += 2
    throttle.success(world.engine, "teacher", "10.0.0.66")
    throttle.failure(world.engine, "teacher", "10.0.0.66")
    assert throttle.retry_after(world.engine, "teacher", "10.0.0.66") == 0


def test_throttle_slows_one_address_spraying_many_usernames(world):
    clock = Clock()
    throttle = _throttle(clock, client_free=20)
    for n in range(21):
        assert throttle.retry_after(world.engine, f"user{n}", "10.0.0.66") == 0
        throttle.failure(world.engine, f"user{n}", "10.0.0.66")
    assert throttle.retry_after(world.engine, "someone-new", "10.0.0.66") == pytest.approx(1)
    assert throttle.retry_after(world.engine, "someone-new", "10.0.0.7") == 0


def test_throttle_memory_is_bounded_and_holds_no_names(world):
    clock = Clock()
    throttle = _throttle(clock, forget=600)
    for n in range(50):
        throttle.failure(world.engine, f"user{n}", f"10.0.{n}.1")
    with Session(world.engine) as s:
        keys = s.exec(select(LoginFailures.key)).all()
    assert len(keys) == 100 and not any("user" in k or "10.0." in k for k in keys)
    clock.now += 601
    throttle.failure(world.engine, "late", "10.9.9.9")
    with Session(world.engine) as s:
        assert s.exec(select(func.count()).select_from(LoginFailures)).one() == 2


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(world, caplog):
    settings = make_settings(login_free_failures=3, login_first_wait_seconds=60)
    app = create_app(settings, engine=world.engine)
    with (
        TestClient(app, client=("203.0.113.9", 4000)) as attacker,
        TestClient(app, client=("198.51.100.2", 5000)) as owner,
        caplog.at_level(logging.WARNING, logger="service.login_throttle"),
    ):
        for _ in range(4):
            assert login(attacker, "teacher", "guess").status_code == 401
        held = login(attacker, "teacher", PASSWORD)
        assert held.status_code == 429 and 0 < int(held.headers["retry-after"]) <= 60
        assert "try again in" in held.json()["detail"]
        assert login(owner, "teacher", PASSWORD).status_code == 200
        assert login(attacker, "admin", PASSWORD).status_code == 200
    assert "login throttled: username='teacher' client=203.0.113.9" in caplog.text
    assert "failed login: username='teacher' client=203.0.113.9" in caplog.text
    assert "guess" not in caplog.text and PASSWORD not in caplog.text


def test_the_throttle_is_shared_by_every_process(world):
    """Two apps on one database (two worker processes) see the same failures."""
    settings = make_settings(login_free_failures=2, login_first_wait_seconds=60)
    with (
        TestClient(create_app(settings, engine=world.engine)) as one,
        TestClient(create_app(settings, engine=world.engine)) as two,
    ):
        assert login(one, "teacher", "guess").status_code == 401
        assert login(two, "teacher", "guess").status_code == 401
        assert login(one, "teacher", "guess").status_code == 401
        assert login(two, "teacher", PASSWORD).status_code == 429


def test_failed_logins_are_counted_in_the_database(world):
    app = create_app(make_settings(), engine=world.engine)
    with TestClient(app) as c:
        assert login(c, "teacher", "guess").status_code == 401
    with Session(world.engine) as s:
        assert s.exec(select(func.count()).select_from(LoginFailures)).one() == 2  # account+address, address
        assert s.exec(select(User.token_version).where(User.username == "teacher")).one() == 0


@pytest.mark.parametrize("flag", [[], ["--demo"]], ids=["serve", "serve --demo"])
def test_serve_accepts_the_demo_logins_only_with_demo(tmp_path, monkeypatch, flag):
    """``masterycat serve`` without ``--demo`` refuses them, whatever MASTERYCAT_DEMO said before."""
    import uvicorn
    from typer.testing import CliRunner

    import demo.district
    from cli.main import app as cli
    from itembank.db import make_engine
    from itembank.migrate import upgrade
    from service.main import app_factory

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        create_user(s, username="teacher", password="demo", role="admin", demo=True)
        s.commit()
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MASTERYCAT_SECRET_KEY", SECRET)
    monkeypatch.setenv("MASTERYCAT_DEMO", "1")
    monkeypatch.setattr(demo.district, "seed_demo", lambda engine, progress=None: False)  # already there
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: None)
    result = CliRunner().invoke(cli, ["serve", *flag])
    assert result.exit_code == 0, result.output
    assert ("demo logins of this database are refused" in result.output) == (not flag)
    with TestClient(app_factory()) as c:
        assert login(c, "teacher", "demo").status_code == (200 if flag else 401)
