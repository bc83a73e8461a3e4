"""Opening the Dask cluster a ``--dask`` value names: ``local:N`` or ``tcp://host:port``."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["ClusterUnavailable", "parse_address", "dask_client"]

#: Seconds to wait for a running scheduler before giving up.
CONNECT_TIMEOUT = 10.0

_LOCAL = re.compile(r"local:(\d+)")
_TCP = re.compile(r"tcp://[^\s:/]+:\d+")


class ClusterUnavailable(Exception):
    """The cluster cannot be used: a bad address, no scheduler there, or dask not installed."""


def parse_address(spec: str) -> int | str:
    """The number of local workers of ``local:N`` (1 to 64), or the address ``tcp://host:port`` itself.

    Raises
    ------
    ClusterUnavailable
        Naming the value when it is neither.
    """
    spec = spec.strip()
    local = _LOCAL.fullmatch(spec)
    if local:
        n = int(local.group(1))
        if not 1 <= n <= 64:
            raise ClusterUnavailable(f"--dask local:N needs 1 to 64 workers, got {spec!r}")
        return n
    if _TCP.fullmatch(spec):
        return spec
    raise ClusterUnavailable(
        f"--dask should be local:N (N workers here) or tcp://host:port (a scheduler), got {spec!r}"
    )


@contextmanager
def dask_client(spec: str) -> Iterator[Client]:
    """A client of the cluster ``spec`` names, closed (and a local cluster shut down) on exit.

    ``local:N`` starts a LocalCluster of N worker processes with one thread
    each; ``tcp://host:port`` connects to a running scheduler within
    :data:`CONNECT_TIMEOUT` seconds.

    Raises
    ------
    ClusterUnavailable
        A bad ``spec``, dask not installed, or no scheduler reachable.
    """
    target = parse_address(spec)
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterUnavailable("--dask needs the dask extra: pip install 'masterycat[dask]'") from None
    if isinstance(target, int):
        with (
            LocalCluster(
                n_workers=target,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,  # failures reach the client as exceptions
            ) as local,
            Client(local) as client,
        ):
            yield client
        return
    try:
        client = Client(target, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as err:
        reason = " ".join(str(err).split()) or type(err).__name__
        raise ClusterUnavailable(f"cannot reach the Dask scheduler at {target}: {reason}") from None
    with client:
        yield client
