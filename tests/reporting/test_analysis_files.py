"""Readers of groups, choices and key files; the result-table writer."""

from __future__ import annotations

import numpy as np
import pytest

from itembank.io import FileFormatError
from reporting.analysis_files import format_cell, read_choices, read_groups, read_key, write_table


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_groups(tmp_path):
    assert read_groups(write(tmp_path, "g.csv", "student_id,group\nS1,a\nS2,b\n")) == {"S1": "a", "S2": "b"}
    with pytest.raises(FileFormatError, match="line 3: student 'S1' appears again"):
        read_groups(write(tmp_path, "g.csv", "student_id,group\nS1,a\nS1,b\n"))
    with pytest.raises(FileFormatError, match="line 2, column group: empty group"):
        read_groups(write(tmp_path, "g.csv", "student_id,group\nS1,\n"))
    with pytest.raises(FileFormatError, match="header should be 'student_id,group'"):
        read_groups(write(tmp_path, "g.csv", "id,group\nS1,a\n"))


def test_choices(tmp_path):
    students, items, table = read_choices(write(tmp_path, "c.csv", "student_id,Q1,Q2\nS1,1,\nS2,3,2\n"))
    assert students.tolist() == ["S1", "S2"] and items.tolist() == ["Q1", "Q2"]
    np.testing.assert_array_equal(table, [[1, np.nan], [3, 2]])
    with pytest.raises(FileFormatError, match="line 2, column Q2: 'B' is not an option number"):
        read_choices(write(tmp_path, "c.csv", "student_id,Q1,Q2\nS1,1,B\n"))
    with pytest.raises(FileFormatError, match="line 2: 2 cells, expected 3"):
        read_choices(write(tmp_path, "c.csv", "student_id,Q1,Q2\nS1,1\n"))


def test_key(tmp_path):
    assert read_key(write(tmp_path, "k.csv", "item_id,key\nQ1,4\nQ2,1\n")) == {"Q1": 4, "Q2": 1}
    with pytest.raises(FileFormatError, match="line 2, column key: '2.5' is not an option number"):
        read_key(write(tmp_path, "k.csv", "item_id,key\nQ1,2.5\n"))
    with pytest.raises(FileFormatError, match="the file is empty"):
        read_key(write(tmp_path, "k.csv", ""))


def test_write_table_formats_cells(tmp_path, capsys):
    assert [format_cell(v) for v in (np.nan, None, True, np.int64(3), 0.1234567891, "x", np.inf)] == [
        "",
        "",
        "1",
        "3",
        "0.123457",
        "x",
        "inf",
    ]
    path = tmp_path / "out.csv"
    write_table(path, ["a", "b"], [[1, np.nan], ["z", 2.5]])
    assert path.read_text() == "a,b\n1,\nz,2.5\n"
    write_table(None, ["a"], [[1]])
    assert capsys.readouterr().out == "a\n1\n"
