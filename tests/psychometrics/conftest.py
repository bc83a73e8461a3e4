"""Shared fixtures of the psychometrics tests: real data sets as arrays."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"

#: mirt's 2PL for LSAT7 (logistic metric, N(0, 1)); the published fit.
LSAT7_A = np.array([0.988, 1.081, 1.706, 0.765, 0.736])
LSAT7_B = np.array([-1.879, -0.747, -1.058, -0.635, -2.520])


def read_wide(path: Path) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(student ids, item ids, float table with NaN) of a wide CSV."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    table = np.array([[float(v) if v != "" else np.nan for v in r[1:]] for r in rows[1:]])
    return np.array([r[0] for r in rows[1:]]), rows[0][1:], table


@pytest.fixture(scope="session")
def lsat7():
    """(student ids, item ids, (1000, 5) table) of LSAT7."""
    return read_wide(DATA / "lsat7.csv")


@pytest.fixture(scope="session")
def lsat7_params():
    from engine.parameters import ItemParameters

    return ItemParameters.from_arrays([f"Item_{i}" for i in range(1, 6)], "2pl", a=LSAT7_A, b=LSAT7_B)


@pytest.fixture(scope="session")
def sat12_choices():
    students, items, table = read_wide(DATA / "sat12_choices.csv")
    with open(DATA / "sat12_key.csv", newline="") as fh:
        key = {r["item_id"]: int(r["key"]) for r in csv.DictReader(fh)}
    return items, table, np.array([key[i] for i in items])
