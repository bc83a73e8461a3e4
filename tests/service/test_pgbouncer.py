"""Behind PgBouncer in transaction pooling mode (issue 13): Debian's PgBouncer in front of the test PostgreSQL.

Transaction pooling hands each transaction whichever server connection is
free, so a statement psycopg prepared on one is missing, or already there,
on another: ``MASTERYCAT_DB_PREPARED_STATEMENTS=0`` turns preparing off.
LISTEN needs a connection of its own (``MASTERYCAT_DB_LISTEN_URL``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from itembank.db import make_engine
from service.app import create_app
from tests.service.conftest import make_settings
from tests.service.test_checks import CHECKS, right, start

pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pgbouncer():
    """A PgBouncer in transaction pooling mode with two server connections per database; its port."""
    exe = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
    if exe is None:
        pytest.skip("PgBouncer is not installed (Debian: apt-get install pgbouncer)")
    folder = Path(tempfile.mkdtemp(prefix="masterycat-pgbouncer-"))
    port = _free_port()
    (folder / "users.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n* = host=127.0.0.1 port=5432\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\ndefault_pool_size = 2\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    os.chmod(folder, 0o777)
    for f in folder.iterdir():
        os.chmod(f, 0o666)
    # PgBouncer will not run as root: as the postgres user then
    cmd = [exe, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        cmd[1:1] = ["-u", "postgres"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.skip(f"PgBouncer did not start: {proc.stdout.read().decode(errors='replace')[-300:]}")
            time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


def _through(port: int, url) -> str:
    """``url`` (a SQLAlchemy URL of the test PostgreSQL) through PgBouncer on ``port``."""
    return url.set(port=port).render_as_string(hide_password=False)


def _transactions_at_once(url: str, prepared: bool) -> list[str]:
    """Four threads, 40 short transactions each, through the pooler; the errors they met."""
    engine = make_engine(url, pool_size=4, prepared_statements=prepared)
    errors: list[str] = []

    def work() -> None:
        try:
            for n in range(40):
                with engine.begin() as conn:
                    conn.execute(text("SELECT CAST(:n AS integer) + 1"), {"n": n}).scalar_one()
        except Exception as err:  # noqa: BLE001 - what the pooler made of the statement
            errors.append(type(err).__name__)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    return errors


@pytest.mark.parametrize("db_engine", ["postgres"], indirect=True)
def test_prepared_statements_off_is_what_transaction_pooling_needs(pgbouncer, db_engine):
    url = _through(pgbouncer, db_engine.url)
    assert _transactions_at_once(url, prepared=True), "psycopg's prepared statements met no other server connection"
    assert _transactions_at_once(url, prepared=False) == []


@pytest.mark.parametrize("db_engine", ["postgres"], indirect=True)
def test_checks_run_behind_pgbouncer(pgbouncer, world, as_user):
    """The app on its own engine through PgBouncer (settings from the environment's names), LISTEN direct."""
    direct = world.engine.url
    settings = make_settings(
        database_url=_through(pgbouncer, direct),
        db_prepared_statements=False,
        db_listen_url=direct.render_as_string(hide_password=False),
    )
    app = create_app(settings)
    h = as_user("student")
    with TestClient(app) as client:
        for _ in range(3):  # more runs of each statement than psycopg's threshold of 5 across the checks
            body = start(client, world, h).json()
            item = body["item"]
            while item is not None:
                r = client.post(
                    f"{CHECKS}/{body['check_id']}/responses",
                    json={"item_id": item["id"], "answer": right(world, item)},
                    headers=h,
                )
                assert r.status_code == 200, r.text
                item = r.json()["next_item"]
        assert app.state.engine.url.port == pgbouncer
