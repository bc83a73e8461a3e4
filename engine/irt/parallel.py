"""A thread per core for the engine's large array kernels.

numpy's element-wise kernels and scipy's sparse products release the GIL, so
splitting a large product (by rows) or a large M-step (by items) over a
thread per core uses the machine's cores without copying data between
processes.  Small inputs run inline: threads only pay off on large ones.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["THREADS", "thread_map"]

T = TypeVar("T")
R = TypeVar("R")

#: Worker threads: one per core, at most 8.
THREADS = max(1, min(8, os.cpu_count() or 1))
_POOL: ThreadPoolExecutor | None = None


def thread_map(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]`` on the shared pool (inline for one item)."""
    items = list(items)
    if len(items) <= 1 or THREADS == 1:
        return [fn(x) for x in items]
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="masterycat")
    return list(_POOL.map(fn, items))
