"""Running a coroutine to its end from a test, whatever the main thread's event loop is doing."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


def run_in_own_loop(coroutine_function: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``asyncio.run(coroutine_function(*args))`` on an event loop of its own thread.

    The browser tests' Playwright (sync API) keeps an event loop running in
    the main thread for the rest of the session, where ``asyncio.run`` refuses
    to start ("cannot be called from a running event loop").
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_function(*args))).result()
