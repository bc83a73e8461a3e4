"""The live bank's follower stops cleanly: no reload outlives the app's shutdown."""

from __future__ import annotations

import asyncio
import threading
import time

from itembank.db import make_engine
from itembank.migrate import upgrade
from service.app import create_app
from tests.own_loop import run_in_own_loop
from tests.service.conftest import make_settings


def test_a_reload_in_flight_ends_before_the_app_has_shut_down():
    """A reload running in its thread when the app stops is waited for (a TRUNCATE after it deadlocked on PostgreSQL)."""
    engine = make_engine("sqlite://")
    upgrade(engine)
    app = create_app(make_settings(bank_refresh_seconds=0.01), engine=engine)
    started, finished = threading.Event(), threading.Event()

    def slow_reload(_engine) -> None:
        started.set()
        time.sleep(0.3)
        finished.set()

    async def scenario() -> bool:
        async with app.router.lifespan_context(app):
            app.state.bank.refresh_if_stale = slow_reload
            await asyncio.to_thread(started.wait, 10)
        return finished.is_set()

    try:
        assert run_in_own_loop(scenario), "the app shut down while a reload still ran in its thread"
    finally:
        engine.dispose()
