"""CSV cells a spreadsheet shows as written: formulas neutralized, numbers kept, round trips exact."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.irt.parameters import ItemParameters
from itembank.csv_cells import restore_cell, spreadsheet_safe
from itembank.io import read_parameters, write_parameters, write_scores


@pytest.mark.parametrize(
    "cell,written",
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),
        ("-1.2", "-1.2"),
        ("+3", "+3"),
        ("-2e-05", "-2e-05"),
        ("-inf", "-inf"),
        (-3, "-3"),
        (None, ""),
        ("What is 2 + 2?", "What is 2 + 2?"),
        ("'tis", "'tis"),
    ],
)
def test_formula_cells_are_neutralized_and_numbers_kept(cell, written):
    assert spreadsheet_safe(cell) == written
    assert restore_cell(written) == ("" if cell is None else str(cell))


@given(st.text())
def test_restore_undoes_neutralizing(text):
    assert restore_cell(spreadsheet_safe(text)) == text
    assert not spreadsheet_safe(text).startswith(("=", "+", "@", "\t", "\r")) or spreadsheet_safe(text) == text


def test_written_files_neutralize_text_and_keep_numbers(tmp_path):
    path = tmp_path / "scores.csv"
    write_scores(path, ["=cmd|' /C calc'!A0", "S2"], np.array([-1.25, 0.5]), np.array([0.3, 0.4]))
    rows = list(csv.reader(path.open(newline="")))
    assert rows[1] == ["'=cmd|' /C calc'!A0", "-1.25", "0.3"]
    assert rows[2] == ["S2", "0.5", "0.4"]


def test_parameters_round_trip_with_formula_like_ids(tmp_path):
    params = ItemParameters.from_arrays(["-x1", "=x2"], ["2pl", "2pl"], a=[1.1, 0.9], b=[-0.5, 1.5])
    path = tmp_path / "p.csv"
    write_parameters(path, params)
    text = path.read_text()
    assert "'-x1" in text and "'=x2" in text and ",-0.5," in text
    back = read_parameters(path)
    assert list(back.item_ids) == ["-x1", "=x2"]
    assert np.allclose(back.b, [-0.5, 1.5])
