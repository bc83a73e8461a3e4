"""The ``--dask`` option of ``calibrate`` and ``score``: the responses held on a Dask cluster, or read here.

RESPONSES is a CSV file (read here; with ``--dask`` sent to the workers in
blocks of students) or a folder of Parquet files (long: student, item,
score; with ``--dask`` read by the workers themselves, so the answers never
pass through this process).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from cli.common import fail
from cluster.connection import ClusterUnavailable, dask_client, parse_address
from cluster.parquet import read_parquet
from engine.irt.calibration.held_responses import HeldResponses
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from engine.irt.scoring import ScoreResult, score
from itembank.io import read_responses

__all__ = ["DASK_HELP", "check_dask", "open_responses", "score_responses"]

DASK_HELP = (
    "Run on Dask: local:N (a cluster of N worker processes here) or tcp://host:port (a running scheduler). "
    "RESPONSES may be a folder of Parquet files (columns student, item, score), read by the workers."
)


def check_dask(value: str | None) -> None:
    """Fail (exit code 2) on a ``--dask`` value that names no cluster, before any file is read."""
    if value is not None:
        try:
            parse_address(value)
        except ClusterUnavailable as err:
            fail(str(err))


@contextmanager
def open_responses(
    path: Path, dask: str | None, n_categories: dict[str, int] | None = None
) -> Iterator[ResponseMatrix | HeldResponses]:
    """The responses of ``path`` (CSV file or Parquet folder), here or held on the cluster ``dask`` names.

    On a cluster the responses are split into one block of students per
    worker thread.  A cluster that cannot be used fails with exit code 2;
    the cluster is closed on exit.
    """
    if dask is None:
        yield (
            read_parquet(str(path), n_categories) if path.is_dir() else read_responses(path, n_categories=n_categories)
        )
        return
    here = None if path.is_dir() else read_responses(path, n_categories=n_categories)  # bad files before the cluster
    with ExitStack() as stack:
        try:
            client = stack.enter_context(dask_client(dask))
        except ClusterUnavailable as err:
            fail(str(err))
        from cluster.dask_responses import DaskResponses

        n_blocks = max(1, sum(client.nthreads().values()))
        if here is None:
            yield DaskResponses.from_parquet(client, str(path), n_blocks, n_categories)
        else:
            yield DaskResponses.scatter(client, here, n_blocks)


def score_responses(
    responses: ResponseMatrix | HeldResponses,
    params: ItemParameters,
    method: str,
    *,
    prior_mean: float,
    prior_sd: float,
) -> ScoreResult:
    """Every student's score (:func:`engine.irt.scoring.score`), here or on the cluster holding ``responses``."""
    if isinstance(responses, ResponseMatrix):
        return score(responses, params, method, prior_mean=prior_mean, prior_sd=prior_sd)
    from cluster.scoring import score_held

    return score_held(responses, params, method, prior_mean=prior_mean, prior_sd=prior_sd)
