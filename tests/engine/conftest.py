"""Fixtures of the engine tests: the real data sets as response matrices."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from engine.irt.responses import ResponseMatrix


def read_wide(path) -> tuple[np.ndarray, ResponseMatrix]:
    """A wide CSV as a float table (NaN = missing) and a ResponseMatrix.

    Deliberately independent of :mod:`itembank.io` (tested on its own).
    """
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    table = np.array([[float(v) if v else np.nan for v in r[1:]] for r in rows[1:]])
    return table, ResponseMatrix.from_table(table, [r[0] for r in rows[1:]], rows[0][1:], sparse=False)


@pytest.fixture(scope="session")
def lsat7(data_dir):
    return read_wide(data_dir / "lsat7.csv")


@pytest.fixture(scope="session")
def sat12(data_dir):
    return read_wide(data_dir / "sat12_binary.csv")


@pytest.fixture(scope="session")
def sat12_missing(data_dir):
    return read_wide(data_dir / "sat12_binary_missing.csv")


@pytest.fixture(scope="session")
def science(data_dir):
    return read_wide(data_dir / "science.csv")
