"""Shared fixtures of the psychometrics tests: real data sets as arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"

#: mirt's 2PL for LSAT7 (logistic metric, N(0, 1)); the published fit.
LSAT7_A = np.array([0.988, 1.081, 1.706, 0.765, 0.736])
LSAT7_B = np.array([-1.879, -0.747, -1.058, -0.635, -2.520])


@pytest.fixture(scope="session")
def lsat7():
    """(student ids, item ids, (1000, 5) table) of LSAT7."""
    from itembank.io import read_responses

    resp = read_responses(DATA / "lsat7.csv")
    return resp.student_ids, resp.item_ids.tolist(), resp.to_table()


@pytest.fixture(scope="session")
def lsat7_params():
    from engine.irt.parameters import ItemParameters

    return ItemParameters.from_arrays([f"Item_{i}" for i in range(1, 6)], "2pl", a=LSAT7_A, b=LSAT7_B)


@pytest.fixture(scope="session")
def sat12_choices():
    """(item ids, (600, 32) chosen options with NaN, keys) of SAT12."""
    from reporting.analysis_files import read_choices, read_key

    _, items, table = read_choices(DATA / "sat12_choices.csv")
    key = read_key(DATA / "sat12_key.csv")
    return items.tolist(), table, np.array([key[i] for i in items])


#: LSAT6 (Bock & Lieberman, 1970): frequencies of the 32 response patterns
#: 00000, 00001, ..., 11111 of 1000 examinees on 5 items.
LSAT6_FREQUENCIES = [
    3,
    6,
    2,
    11,
    1,
    1,
    3,
    4,
    1,
    8,
    0,
    16,
    0,
    3,
    2,
    15,
    10,
    29,
    14,
    81,
    3,
    28,
    15,
    80,
    16,
    56,
    21,
    173,
    11,
    61,
    28,
    298,
]


@pytest.fixture(scope="session")
def lsat6():
    """LSAT6 as a (1000, 5) ResponseMatrix, expanded from its pattern table."""
    from engine.irt.responses import ResponseMatrix

    patterns = np.array([[int(c) for c in format(i, "05b")] for i in range(32)])
    x = np.repeat(patterns, LSAT6_FREQUENCIES, axis=0)
    return ResponseMatrix.from_dense(x, item_ids=[f"Item_{i}" for i in range(1, 6)])
