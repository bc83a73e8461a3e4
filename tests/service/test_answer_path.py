"""The lean answer path (issue 13): its answers keep their documented shape, tokens their expiry,
every process follows live-bank changes at once on PostgreSQL, and the engine suits PgBouncer."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import text

from itembank.db import make_engine
from service.app import create_app
from service.schemas import AnswerResult, CheckStarted
from service.security import InvalidToken, TokenClaims, create_token, decode_token
from tests.own_loop import run_in_own_loop
from tests.service.conftest import PG_ADMIN_URL, SECRET, make_settings
from tests.service.test_checks import CHECKS, right, start

postgres_only = pytest.mark.parametrize(
    "db_engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


def test_answers_keep_the_shape_their_models_document(client, world, as_user):
    """The hot routes encode their answers themselves: exactly the fields of CheckStarted and AnswerResult."""
    h = as_user("student")
    started = start(client, world, h)
    assert started.status_code == 201, started.text
    assert started.headers["content-type"] == "application/json"
    body = started.json()
    assert set(body) == set(CheckStarted.model_fields)
    assert CheckStarted.model_validate(body).model_dump(mode="json") == body
    item = body["item"]
    answered = client.post(
        f"{CHECKS}/{body['check_id']}/responses", json={"item_id": item["id"], "answer": right(world, item)}, headers=h
    )
    assert answered.status_code == 200, answered.text
    result = answered.json()
    assert set(result) == set(AnswerResult.model_fields)
    assert AnswerResult.model_validate(result).model_dump(mode="json") == result
    assert result["correct"] is True and result["feedback"]["key"] == right(world, item)


def test_a_token_checked_once_still_expires(monkeypatch):
    """The signature check is kept per token, its expiry is not: a token used after it expired is refused."""
    claims = TokenClaims(7, "someone", "student", 3, None, 2)
    token = create_token(claims, SECRET, 1)
    assert decode_token(token, SECRET) == claims
    later = time.time() + 61
    monkeypatch.setattr("service.security.time.time", lambda: later)
    with pytest.raises(InvalidToken, match="expired"):
        decode_token(token, SECRET)
    with pytest.raises(InvalidToken):
        decode_token(token, SECRET + "x")  # the kept claims belong to the secret that verified them


def _listeners(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query = 'LISTEN masterycat_bank'"
            )
        ).scalar_one()


@postgres_only
def test_two_processes_see_a_bank_change_at_once(world):
    """An item edited through one database connection: two app instances, polling off, both reload.

    With polling off only the NOTIFY can make them reload; the bound is generous
    (a loaded CI machine), the speed of it is not what is tested here.
    """
    engine = world.engine
    apps = [create_app(make_settings(bank_refresh_seconds=0), engine=engine) for _ in range(2)]

    async def scenario() -> None:
        async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
            deadline = time.perf_counter() + 60
            while _listeners(engine) < 2:
                assert time.perf_counter() < deadline, "the apps did not start listening"
                await asyncio.sleep(0.02)
            before = [app.state.bank.live for app in apps]

            def edit_an_item() -> None:
                with engine.begin() as conn:
                    conn.execute(text("UPDATE item SET updated_at = now() WHERE id = (SELECT min(id) FROM item)"))

            t0 = time.perf_counter()
            await asyncio.to_thread(edit_an_item)
            while any(app.state.bank.live is old for app, old in zip(apps, before)):
                assert time.perf_counter() - t0 < 60, "a process did not reload the bank"
                await asyncio.sleep(0.005)

    run_in_own_loop(scenario)


@pytest.mark.postgres
def test_prepared_statements_can_be_turned_off_for_pgbouncer():
    """``db_prepared_statements=False`` gives psycopg connections that never prepare (PgBouncer's transaction mode)."""
    for prepared, threshold in ((True, 5), (False, None)):
        engine = make_engine(PG_ADMIN_URL, pool_size=1, prepared_statements=prepared)
        try:
            with engine.connect() as conn:
                assert conn.connection.driver_connection.prepare_threshold == threshold
        except Exception as err:  # noqa: BLE001
            pytest.skip(f"PostgreSQL not reachable: {err}")
        finally:
            engine.dispose()
    settings = make_settings(db_prepared_statements="0", db_listen_url="postgres://db.internal/masterycat")
    assert settings.db_prepared_statements is False
    assert settings.db_listen_url == "postgresql+psycopg://db.internal/masterycat"


def test_answer_routes_take_no_token_of_an_ended_login(client, world, as_user):
    """The login is checked inside the route's transaction now: a logged-out token is still refused (401)."""
    h = as_user("student")
    body = start(client, world, h).json()
    assert client.post("/api/v1/auth/logout", headers=h).status_code in (200, 204)
    again = start(client, world, h)
    assert again.status_code == 401, again.text
    item = body["item"]
    answered = client.post(
        f"{CHECKS}/{body['check_id']}/responses", json={"item_id": item["id"], "answer": right(world, item)}, headers=h
    )
    assert answered.status_code == 401, answered.text
