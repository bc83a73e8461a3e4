"""One LocalCluster of two worker processes for each test module that asks for it."""

from __future__ import annotations

import logging

import pytest

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")


@pytest.fixture(scope="module")
def dask_client():
    """A client of a LocalCluster of 2 worker processes, one thread each (real pickling between processes)."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.CRITICAL
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
